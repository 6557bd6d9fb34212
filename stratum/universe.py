"""Registers Stratum's dialects and passes with xDSL (``xdsl-opt`` finds them)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.universe import Universe

from stratum.passes import STRATUM_PASSES


def _dialect(module: str, name: str) -> Callable[[], Dialect]:
    def load() -> Dialect:
        import importlib

        return getattr(importlib.import_module(module), name)

    return load


STRATUM_UNIVERSE = Universe(
    all_dialects={
        "python": _dialect("stratum.ir.python", "Python"),
        "df": _dialect("stratum.ir.dataframe", "DataFrame"),
        "ml": _dialect("stratum.ir.ml", "ML"),
        "plan": _dialect("stratum.ir.plan", "Plan"),
    },
    all_passes=STRATUM_PASSES,
)
