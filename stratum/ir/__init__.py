"""Stratum's IR: one xDSL dialect per module.

- ``py``:   Python-level values, the per-script effect chain and opaque code.
- ``df``:   dataframe and column operations (pandas semantics).
- ``ml``:   estimators, fits, predictions, splits and metrics (scikit-learn API).
- ``plan``: the lowered plan: each op wrapped in a task with its chosen backend.

Dialects are imported lazily (see ``stratum.universe``) so the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xdsl.context import Context


def stratum_context() -> Context:
    """A context with builtin and every Stratum dialect loaded."""
    from xdsl.context import Context
    from xdsl.dialects.builtin import Builtin

    from stratum.ir.dataframe import DataFrame
    from stratum.ir.ml import ML
    from stratum.ir.plan import Plan
    from stratum.ir.python import Python

    ctx = Context()
    for dialect in (Builtin, Python, DataFrame, ML, Plan):
        ctx.load_dialect(dialect)
    return ctx
