"""Runs ``df.factorize``, ``df.category_codes``, ``pd.get_dummies`` and
``Series.value_counts()`` on the Rust runtime.

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
from stratum.backends.reference import split_call
from stratum.ir import dataframe as df
from stratum.ir import python as py

NAME = "rust"
AVAILABLE = rust.AVAILABLE


class Declined(Exception):
    """This op, with these operands, runs on the reference backend."""


def supports(op: Operation) -> bool:
    if isinstance(op, (df.FactorizeOp, df.CategoryCodesOp)):
        return True
    if isinstance(op, py.CallOp):
        return op.callee.data == "pandas.get_dummies"
    if isinstance(op, df.MethodOp):
        return op.method.data == "value_counts" and len(op.args) == 0
    return False


def execute(op: Operation, operands: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(op, py.CallOp):
        from stratum.backends.rust.onehot import get_dummies

        positional, keywords = split_call(operands, [k.data for k in op.kwnames.data])
        return (get_dummies(*positional, **keywords),)
    if isinstance(op, df.MethodOp):
        from stratum.backends.rust.value_counts import value_counts

        (series,) = operands
        if not isinstance(series, pd.Series):
            raise Declined("value_counts of a non-Series")
        return (value_counts(series),)
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
