"""Runs ``df.factorize`` and ``df.category_codes`` on the Rust runtime.

The kernels in :mod:`stratum.backends.rust` return pandas' codes and uniques as
arrays; this adapter rebuilds the pandas objects around them (index, name,
uniques as an ``Index`` of the input's dtype), so the result is what the
reference backend returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from xdsl.ir import Operation

from stratum.backends import rust
from stratum.ir import dataframe as df

NAME = "rust"
AVAILABLE = rust.AVAILABLE


class Declined(Exception):
    """This op, with these operands, runs on the reference backend."""


def supports(op: Operation) -> bool:
    return isinstance(op, (df.FactorizeOp, df.CategoryCodesOp))


def execute(op: Operation, operands: Sequence[Any]) -> tuple[Any, ...]:
    (values,) = operands
    if isinstance(op, df.CategoryCodesOp):
        if not isinstance(values, pd.Series):
            raise Declined("category codes of a non-Series")
        codes, _ = rust.category_codes(values)
        # pandas' ``cat.codes`` keeps the index but not the name.
        return (pd.Series(codes, index=values.index, copy=False),)
    assert isinstance(op, df.FactorizeOp)
    if isinstance(values, pd.Series):
        codes, uniques = rust.factorize(values)
        return codes, pd.Index(uniques, dtype=values.dtype, copy=False)
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "biuf":
        return rust.factorize(values)
    raise Declined(f"factorize of {type(values).__name__}")
