"""simplify-elementwise: algebraic identities that hold bit for bit.

A rewrite is applied only where pandas gives exactly the operand back: same
values (NaN, -0.0 and overflow included), same dtype, same name. Identities
that are merely mathematical are never used: ``expm1(log1p(x))`` and
``exp(log(x))`` differ from ``x`` in the last bits, and ``log`` of x <= 0 is
NaN or -inf; ``x + 0`` turns -0.0 into 0.0; ``x / 1`` turns integers into
floats; ``-(-x)`` raises on bools.

Applied (``x`` a column whose dtype is known, produced by a pure op):

* ``x * 1``, ``1 * x``, ``x - 0``, ``x ** 1``  for int64 and float64 columns
  (``x * 1.0`` only for float64: an int64 column would become float64);
* ``x / 1`` and ``x / 1.0`` for float64 columns;
* ``x + 0`` and ``0 + x`` for int64 columns;
* ``-(-x)``, ``abs(abs(x))`` (int64, float64);
* ``fillna(x, v)`` for int64 and bool columns, which cannot hold NaN.

The operand must come from a pure op: opaque code's objects are handed to
later opaque code without protective copies, and an identity rewrite would
make two names share one object that Python keeps apart. For the same reason
neither op may be one the frontend marked ``stratum.identity`` (its result sits
in a container opaque code may mutate).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import is_side_effect_free

from stratum.ir import dataframe as df
from stratum.ir import python as py
from stratum.ir.constants import decode

_NUMERIC = ("int64", "float64")


def _dtype(value: SSAValue) -> str | None:
    t = value.type
    return t.dtype_name if isinstance(t, df.ColumnType) else None


def _const(value: SSAValue) -> object:
    owner = value.owner
    if isinstance(owner, py.ConstantOp):
        return decode(owner.value)
    return _NOT_CONST


_NOT_CONST = object()


def _is(value: object, target: int) -> bool:
    # 1 and 1.0 compare equal, True does too: exclude bools explicitly.
    return type(value) in (int, float) and value == target


# The frontend's mark on ops whose results sit inside containers opaque code may
# mutate: copying a container keeps the aliasing inside it, so they must stay distinct.
_IDENTITY = "stratum.identity"


def _pure_producer(value: SSAValue) -> bool:
    owner = value.owner
    return isinstance(owner, Operation) and not isinstance(owner, (py.ExecOp, py.ArgOp)) and is_side_effect_free(owner) and _IDENTITY not in owner.attributes


def simplified(op: df.ElementwiseOp) -> SSAValue | None:
    """The operand ``op`` is exactly equal to, or None."""
    fn, args = op.fn.data, list(op.args)
    if _IDENTITY in op.attributes:
        return None
    column = next((a for a in args if isinstance(a.type, df.ColumnType)), None)
    if column is None or not _pure_producer(column) or op.result.type != column.type:
        return None
    dtype = _dtype(column)
    if dtype not in _NUMERIC and not (fn == "fillna" and dtype == "bool"):
        return None
    if fn == "fillna" and args[0] is column and dtype in ("int64", "bool"):
        return column
    if len(args) == 2:
        other = args[1] if args[0] is column else args[0]
        constant = _const(other)
        if constant is _NOT_CONST:
            return None
        column_first = args[0] is column
        if fn == "mul" and _is(constant, 1) and (type(constant) is int or dtype == "float64"):
            return column
        if fn in ("sub", "pow", "truediv") and column_first:
            if fn == "sub" and _is(constant, 0) and (type(constant) is int or dtype == "float64"):
                return column
            if fn == "pow" and _is(constant, 1) and type(constant) is int:
                return column
            if fn == "truediv" and _is(constant, 1) and dtype == "float64":
                return column
        if fn == "add" and _is(constant, 0) and type(constant) is int and dtype == "int64":
            return column
        return None
    if len(args) == 1 and fn in ("neg", "abs"):
        inner = args[0].owner
        if isinstance(inner, df.ElementwiseOp) and inner.fn.data == fn and len(inner.args) == 1:
            source = inner.args[0]
            if _dtype(source) in _NUMERIC and _pure_producer(source) and source.type == op.result.type:
                return source if fn == "neg" else inner.result
    return None


@dataclass(frozen=True)
class SimplifyElementwise(ModulePass):
    name = "simplify-elementwise"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for inner in list(op.walk()):
            if isinstance(inner, df.ElementwiseOp):
                replacement = simplified(inner)
                if replacement is not None:
                    inner.result.replace_all_uses_with(replacement)
                    if not inner.result.uses:
                        inner.detach()
                        inner.erase()
