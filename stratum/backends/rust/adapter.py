"""Runs ``df.factorize``, ``df.category_codes``, ``pd.get_dummies``,
``Series.value_counts()``, ``frame.groupby(key)[col]`` aggregations and
transforms, inner and left ``merge`` (method or ``pd.merge``) and
``Series.median()`` / ``Series.quantile(q)`` and the common ``series.str``
methods (:mod:`stratum.backends.rust.strings`) on the Rust runtime.

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
from xdsl.ir import Operation, SSAValue

from stratum.backends import rust
from stratum.backends.reference import split_call
from stratum.backends.rust.groupby import FUNCTIONS as _GROUPBY_FUNCTIONS
from stratum.ir import dataframe as df
from stratum.ir import plan
from stratum.ir import python as py
from stratum.ir.constants import decode

NAME = "rust"
AVAILABLE = rust.AVAILABLE


class Declined(Exception):
    """This op, with these operands, runs on the reference backend."""




def _producer(value: SSAValue) -> Operation | None:
    """The op computing ``value``, looking through its ``plan.task``."""
    owner = value.owner
    if isinstance(owner, plan.TaskOp):
        return owner.body.block.first_op
    return owner if isinstance(owner, Operation) else None


def _constant(value: SSAValue) -> Any:
    op = _producer(value)
    return decode(op.value) if isinstance(op, py.ConstantOp) else None


def _groupby_function(op: df.MethodOp) -> tuple[str, bool] | None:
    """``(fn, transform)`` of ``frame.groupby(key)[col].fn()``,
    ``.agg("fn")`` or ``.transform("fn")`` with nothing else passed, or None."""
    if op.kwnames.data:
        return None
    method = op.method.data
    if method in _GROUPBY_FUNCTIONS and not op.args:
        fn, transform = method, False
    elif method in ("agg", "aggregate", "transform") and len(op.args) == 1:
        fn, transform = _constant(op.args[0]), method == "transform"
        if not isinstance(fn, str) or fn not in _GROUPBY_FUNCTIONS:
            return None
    else:
        return None
    selection = _producer(op.receiver)
    if not isinstance(selection, py.GetItemOp) or not isinstance(_constant(selection.key), str):
        return None
    grouping = _producer(selection.obj)
    if not isinstance(grouping, df.MethodOp) or grouping.method.data != "groupby":
        return None
    return fn, transform


# Keywords of merge the join kernel takes (``stratum.backends.rust.join``).
_MERGE_KEYWORDS = frozenset({"how", "on", "left_on", "right_on", "suffixes"})


def _is_merge(op: df.MethodOp | py.CallOp, frames: int) -> bool:
    """``left.merge(right, ...)`` (``frames`` 1) or ``pd.merge(left, right,
    ...)`` (2) with keywords the kernel takes and, where ``how`` is a
    constant, a join it computes."""
    kwnames = [k.data for k in op.kwnames.data]
    args = op.args
    if len(args) - len(kwnames) != frames or not set(kwnames) <= _MERGE_KEYWORDS:
        return False
    if "how" in kwnames:
        how = args[len(args) - len(kwnames) + kwnames.index("how")]
        if isinstance(_producer(how), py.ConstantOp) and _constant(how) not in ("inner", "left"):
            return False
    return True


def _is_column_statistic(op: df.MethodOp) -> bool:
    """``column.median()`` or ``column.quantile(q)`` with nothing else passed."""
    if not isinstance(op.receiver.type, df.ColumnType):
        return False
    kwnames = [k.data for k in op.kwnames.data]
    if op.method.data == "median":
        return not op.args
    return op.method.data == "quantile" and len(op.args) == 1 and kwnames in ([], ["q"])


def _string_method(op: df.MethodOp) -> bool:
    """``column.str.method(...)`` of a method the string kernels take, with
    arguments they reproduce as far as the constants among them tell (the
    values themselves are checked again when it runs)."""
    from stratum.backends.rust import strings

    method = op.method.data
    accessor = _producer(op.receiver)
    if method not in strings.METHODS or not isinstance(accessor, py.GetAttrOp) or accessor.attr.data != "str":
        return False
    kwnames = [k.data for k in op.kwnames.data]
    values = [_constant(a) if isinstance(_producer(a), py.ConstantOp) else _UNKNOWN for a in op.args]
    if _UNKNOWN not in values:
        positional, keywords = split_call(values, kwnames)
        arguments = strings._arguments(method, tuple(positional), keywords)
        return arguments is not None and strings._kernel_call(method, arguments) is not None
    return True


class _Unknown:
    """An operand that is not a compile-time constant."""


_UNKNOWN = _Unknown()


def supports(op: Operation) -> bool:
    if isinstance(op, (df.FactorizeOp, df.CategoryCodesOp)):
        return True
    if isinstance(op, py.CallOp):
        if op.callee.data == "pandas.merge":
            return _is_merge(op, frames=2)
        return op.callee.data == "pandas.get_dummies"
    if isinstance(op, df.MethodOp):
        method = op.method.data
        if method == "value_counts":
            return len(op.args) == 0
        if method == "merge":
            return _is_merge(op, frames=1)
        if method in ("median", "quantile") and _is_column_statistic(op):
            return True
        if _string_method(op):
            return True
        return _groupby_function(op) is not None
    return False


def _merge(op: df.MethodOp | py.CallOp, operands: Sequence[Any]) -> tuple[Any, ...]:
    from stratum.backends.rust.join import merge

    (left, right), keywords = split_call(operands, [k.data for k in op.kwnames.data])
    result = merge(left, right, **keywords)
    if result is None:
        raise Declined("a merge the join kernel does not reproduce")
    return (result,)


def _column_statistic(op: df.MethodOp, operands: Sequence[Any]) -> tuple[Any, ...]:
    from stratum.backends.rust import quantile

    if op.method.data == "median":
        result = quantile.median(operands[0])
    else:
        result = quantile.quantile(operands[0], operands[1])
    if result is None:
        raise Declined(f"a {op.method.data} the selection kernel does not reproduce")
    return (result,)


def _run_string_method(op: df.MethodOp, operands: Sequence[Any]) -> tuple[Any, ...]:
    from stratum.backends.rust.strings import string_method

    (accessor, *args), keywords = split_call(operands, [k.data for k in op.kwnames.data])
    result = string_method(accessor, op.method.data, tuple(args), keywords)
    if result is None:
        raise Declined(f"a .str.{op.method.data} the string kernels do not reproduce")
    return (result,)


def execute(op: Operation, operands: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(op, py.CallOp) and op.callee.data == "pandas.merge":
        return _merge(op, operands)
    if isinstance(op, df.MethodOp) and op.method.data == "merge":
        return _merge(op, operands)
    if isinstance(op, df.MethodOp) and op.method.data in ("median", "quantile") and _is_column_statistic(op):
        return _column_statistic(op, operands)
    if isinstance(op, df.MethodOp) and _string_method(op):
        return _run_string_method(op, operands)
    if isinstance(op, py.CallOp):
        from stratum.backends.rust.onehot import get_dummies

        positional, keywords = split_call(operands, [k.data for k in op.kwnames.data])
        return (get_dummies(*positional, **keywords),)
    if isinstance(op, df.MethodOp) and op.method.data != "value_counts":
        from stratum.backends.rust.groupby import grouped_inputs, kernel_result, routed_rows_exceeded

        how = _groupby_function(op)
        inputs = grouped_inputs(operands[0])
        if how is None or inputs is None:
            raise Declined("not a groupby the kernels reproduce")
        fn, transform = how
        if list(operands[1:]) != ([fn] if op.args else []):
            raise Declined("the function operand is not the constant it was compiled with")
        if routed_rows_exceeded(inputs[1], fn):
            raise Declined(f"groupby {fn} of {len(inputs[1])} rows: pandas measured faster there")
        result = kernel_result(*inputs, fn, transform)
        if result is None:
            raise Declined("groupby inputs the kernels do not take")
        return (result,)
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
