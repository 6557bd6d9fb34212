"""The reference backend: every op runs the exact library call it came from.

It is the oracle for all other backends and for every rewrite: an op's
reference implementation does what the original Python expression does, with
the same arguments, so results are bitwise those of ``python script.py``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import sys
import operator
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from xdsl.ir import Operation

from stratum.ir import dataframe as df
from stratum.ir import ml
from stratum.ir import python as py
from stratum.ir.constants import decode

NAME = "reference"

BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "matmul": operator.matmul,
    "lshift": operator.lshift, "rshift": operator.rshift,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
}
UNARY = {"neg": operator.neg, "pos": operator.pos, "invert": operator.invert, "not": operator.not_}


@cache
def resolve(qualname: str) -> Any:
    """The object a qualified name like ``pandas.read_csv`` refers to."""
    parts = qualname.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot resolve {qualname}")


@cache
def _numpy_ufunc(name: str) -> Callable[..., Any]:
    import numpy as np

    return getattr(np, name)


def _elementwise_impl(fn: str) -> Callable[..., Any]:
    if fn in BINARY:
        return BINARY[fn]
    if fn in UNARY:
        return UNARY[fn]
    if fn == "fillna":
        return lambda column, value: column.fillna(value)
    return _numpy_ufunc(fn)


def split_call(args: Sequence[Any], kwnames: Sequence[str]) -> tuple[list[Any], dict[str, Any]]:
    n_positional = len(args) - len(kwnames)
    return list(args[:n_positional]), dict(zip(kwnames, args[n_positional:]))


def _kwnames(op: Operation) -> list[str]:
    return [a.data for a in op.kwnames.data]  # type: ignore[attr-defined]


def _import(op: py.ImportOp) -> Any:
    module = _import_module(op.module.data)
    attr = op.attr.data
    if not attr:
        return module
    try:
        return getattr(module, attr)
    except AttributeError:
        pass
    try:  # `from package import submodule`
        return _import_module(f"{op.module.data}.{attr}")
    except ModuleNotFoundError:
        location = getattr(module, "__file__", None) or "unknown location"
        raise ImportError(f"cannot import name {attr!r} from {op.module.data!r} ({location})", name=op.module.data, path=location) from None


def _import_module(name: str) -> Any:
    # The builtin __import__, as the import statement calls it: CPython drops
    # its importlib frames from the traceback of a failing import
    # (importlib.import_module would leave them, and its own, in).
    __import__(name)
    return sys.modules[name]


def _format(op: py.FormatOp, values: Sequence[Any]) -> str:
    pieces = [p.data for p in op.pieces.data]
    out = [pieces[0]]
    for value, conv, spec, piece in zip(values, op.conversions.data, op.specs.data, pieces[1:]):
        conversion = {"": None, "r": repr, "s": str, "a": ascii}[conv.data]
        out.append(format(conversion(value) if conversion else value, spec.data))
        out.append(piece)
    return "".join(out)


def _build(kind: str, elements: Sequence[Any]) -> Any:
    if kind == "list":
        return list(elements)
    if kind == "tuple":
        return tuple(elements)
    if kind == "slice":
        return slice(*elements)
    half = len(elements) // 2
    return dict(zip(elements[:half], elements[half:]))


def _call(fn: Any, op: Operation, operands: Sequence[Any]) -> Any:
    args, kwargs = split_call(operands, _kwnames(op))
    return fn(*args, **kwargs)


def _assign_column(frame: Any, column: str, value: Any) -> Any:
    out = frame.copy(deep=False)  # copy-on-write: the operand is never modified
    out[column] = value
    return out


def _fit(estimator: Any, op: Operation, operands: Sequence[Any]) -> Any:
    fitted = copy.deepcopy(estimator)  # the operand stays unfitted for its other users
    with _private_copy(fitted):
        _call(fitted.fit, op, operands)
    return fitted


def _private_copy(fitted: Any) -> Any:
    """A deep copy shares no part with the script: step fits inside it may be shared whole."""
    from stratum.runtime import fit_memo

    return fit_memo.private() if fit_memo.library_only(fitted) else contextlib.nullcontext()


_IN_PLACE = {
    "iadd": operator.iadd, "isub": operator.isub, "imul": operator.imul,
    "itruediv": operator.itruediv, "ifloordiv": operator.ifloordiv,
}


def _update(op: py.UpdateOp, target: Any, args: Sequence[Any]) -> Any:
    out = target.copy()
    kind = op.kind.data
    if kind == "setitem":
        out[args[0]] = args[1]
        return out
    if kind.startswith("method:"):
        # The method mutates the copy (its warnings, errors and result are pandas' own).
        positional, keywords = split_call(args, [k.data for k in op.kwnames.data] if op.kwnames is not None else [])
        getattr(out, kind[len("method:"):])(*positional, **keywords)
        return out
    # `a += v` is `a = operator.iadd(a, v)`: numpy updates in place and returns a.
    return _IN_PLACE[kind](out, args[0])


def _fit_transform(estimator: Any, op: Operation, operands: Sequence[Any]) -> tuple[Any, Any]:
    fitted = copy.deepcopy(estimator)
    with _private_copy(fitted):
        return fitted, _call(fitted.fit_transform, op, operands)


def _category_codes(column: Any) -> Any:
    return column.astype("category").cat.codes


def _read_csv(op: df.ReadCsvOp, operands: Sequence[Any]) -> Any:
    import pandas as pd

    frame = pd.read_csv(op.path.data, **dict(zip(_kwnames(op), operands)))
    check_profile(op, frame)
    return frame


class ProfileMismatch(RuntimeError):
    """A file read at run time differs from the one the frontend profiled."""


def check_profile(op: df.ReadCsvOp, frame: Any) -> None:
    """Refuses to go on when the frontend's schema-based decisions may not hold.

    The frontend resolves loops over columns and dtype tests from the profile
    it took at compile time; a file changed since (say, rewritten by the
    script itself before reading it) could make those decisions wrong. A loud
    error is the only acceptable outcome then, never a silently different one.
    """
    schema = op.result.type.schema if isinstance(op.result.type, df.FrameType) else None
    if schema is None:
        return
    actual = [(str(c), str(d)) for c, d in frame.dtypes.items()]
    if len(actual) != len(schema) or any(a[0] != c or (d != "?" and a[1] != d) for a, (c, d) in zip(actual, schema)):
        raise ProfileMismatch(
            f"{op.path.data} changed after stratum profiled it at compile time "
            f"(its columns or dtypes differ); run the script again so it is recompiled"
        )


def evaluate_fused(op: df.FusedOp, operands: Sequence[Any]) -> Any:
    """Evaluates a fused body op by op, exactly as the unfused ops would run."""
    values: dict[Any, Any] = dict(zip(op.body.block.args, operands))
    for inner in op.body.block.ops:
        if isinstance(inner, df.YieldOp):
            return values[inner.values[0]]
        if isinstance(inner, py.ConstantOp):
            values[inner.result] = decode(inner.value)
            continue
        assert isinstance(inner, df.ElementwiseOp)
        values[inner.result] = _elementwise_impl(inner.fn.data)(*(values[a] for a in inner.args))
    raise AssertionError("df.fused body without df.yield")


# op class -> function(op, operand values) -> tuple of result values
_HANDLERS: dict[type[Operation], Callable[[Any, Sequence[Any]], tuple[Any, ...]]] = {
    py.ImportOp: lambda op, _: (_import(op),),
    py.ConstantOp: lambda op, _: (decode(op.value),),
    py.CallOp: lambda op, xs: (_call(resolve(op.callee.data), op, xs),),
    py.CallMethodOp: lambda op, xs: (_call(getattr(xs[0], op.method.data), op, xs[1:]),),
    py.GetAttrOp: lambda op, xs: (getattr(xs[0], op.attr.data),),
    py.GetItemOp: lambda op, xs: (xs[0][xs[1]],),
    py.BinaryOp: lambda op, xs: (BINARY[op.op.data](xs[0], xs[1]),),
    py.UnaryOp: lambda op, xs: (UNARY[op.op.data](xs[0]),),
    py.BuildOp: lambda op, xs: (_build(op.kind.data, xs),),
    py.UpdateOp: lambda op, xs: (_update(op, xs[0], xs[1:]),),
    py.FormatOp: lambda op, xs: (_format(op, xs),),
    df.ReadCsvOp: lambda op, xs: (_read_csv(op, xs),),
    df.ColumnOp: lambda op, xs: (xs[0][op.column.data],),
    df.SelectOp: lambda op, xs: (xs[0][[c.data for c in op.columns.data]],),
    df.DropOp: lambda op, xs: (xs[0].drop(columns=[c.data for c in op.columns.data]),),
    df.AssignColumnOp: lambda op, xs: (_assign_column(xs[0], op.column.data, xs[1]),),
    df.ElementwiseOp: lambda op, xs: (_elementwise_impl(op.fn.data)(*xs),),
    df.FusedOp: lambda op, xs: (evaluate_fused(op, xs),),
    df.MethodOp: lambda op, xs: (_call(getattr(xs[0], op.method.data), op, xs[1:]),),
    df.FactorizeOp: lambda op, xs: tuple(resolve("pandas.factorize")(xs[0])),
    df.CategoryCodesOp: lambda op, xs: (_category_codes(xs[0]),),
    ml.EstimatorOp: lambda op, xs: (_call(resolve(op.cls.data), op, xs),),
    ml.FitOp: lambda op, xs: (_fit(xs[0], op, xs[1:]),),
    ml.FoldsOp: lambda op, xs: (list(_call(xs[0].split, op, xs[1:])),),
    ml.FitTransformOp: lambda op, xs: _fit_transform(xs[0], op, xs[1:]),
    ml.PredictOp: lambda op, xs: (_call(getattr(xs[0], op.method.data), op, xs[1:]),),
    ml.SplitOp: lambda op, xs: tuple(_call(resolve("sklearn.model_selection.train_test_split"), op, xs)),
    ml.MetricOp: lambda op, xs: (_call(resolve(op.metric.data), op, xs),),
}


def supports(op: Operation) -> bool:
    return type(op) in _HANDLERS


def execute(op: Operation, operands: Sequence[Any]) -> tuple[Any, ...]:
    return _HANDLERS[type(op)](op, operands)
