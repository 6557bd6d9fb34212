"""fold-constants: pure ops of literals replaced by the literal Python computes.

The frontend already folds the constant expressions it sees in the source;
this pass folds what only appears in the IR, across statements and after
other rewrites: ``len(cols)`` of a list the frontend resolved from the
profiled schema, and the f-strings and arithmetic that use such a value.

Folded, when every operand is a ``python.constant``:

* ``python.binary`` (arithmetic, comparisons, ``&``/``|``/``^``) and
  ``python.unary`` (``-``, ``+``, ``~``, ``not``) of ints, floats, bools and
  strings;
* ``python.format`` (f-strings) of such values;
* ``builtins.len`` of a literal string, tuple, list or dict.

Each op is evaluated at compile time by the very function the runtime would
run (the reference backend's), so the value is the one Python computes, with
its type (``1 + 1.0`` is the float ``2.0``, ``True + True`` the int ``2``).
Nothing is folded that could behave differently from running it:

* an op that raises (``1 / 0``, ``2.0 ** 10000``, ``"a" < 1``) or warns
  (``~True`` is deprecated) stays, so it raises or warns at its own line;
* a result without an exact literal encoding (an int beyond 64 bits), a
  non-finite float, or a string or collection so large it would bloat the IR
  (``"a" * 10**9``, ``10 ** 10**9`` are never even computed) stays;
* format specs that depend on the locale (``n``) stay, and so do widths or
  precisions beyond 10,000 and printf-style ``str % value``, which could
  build a huge string at compile time.

Only ops whose operands are all literals are folded, so folding never drops
the evaluation (and so the failure) of any other op.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from stratum.ir import python as py
from stratum.ir.constants import NotALiteral, decode, encode

_NOT_CONST = object()
_SCALARS = (int, float, bool, str)
_BINARY = frozenset({"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge"})
_UNARY = frozenset({"neg", "pos", "invert", "not"})
_MAX_SIZE = 10_000  # the frontend's bound on folded strings


def _const(value: SSAValue) -> Any:
    owner = value.owner
    if isinstance(owner, py.ConstantOp):
        try:
            return decode(owner.value)
        except NotALiteral:
            return _NOT_CONST
    return _NOT_CONST


def _cheap(fn: str, lhs: Any, rhs: Any) -> bool:
    """Computing the value must not take long or build something huge at compile time."""
    if fn == "pow":
        if isinstance(lhs, str) or isinstance(rhs, str):
            return False
        return isinstance(rhs, float) or (abs(rhs) <= 64 and abs(lhs) < 2**64)
    if fn == "mod" and isinstance(lhs, str):
        return False  # printf-style formatting: ``"%09999999999d" % 1`` is a huge string
    if fn == "mul" and (isinstance(lhs, str) or isinstance(rhs, str)):
        count = rhs if isinstance(lhs, str) else lhs
        return not isinstance(count, str) and abs(count) <= _MAX_SIZE
    if fn in ("and", "or", "xor"):
        return not isinstance(lhs, (float, str)) and not isinstance(rhs, (float, str))
    return True


def _folded(op: Operation) -> Any:
    """The value ``op`` computes, or ``_NOT_CONST``."""
    from stratum.backends import reference

    operands = [_const(v) for v in op.operands]
    if any(o is _NOT_CONST for o in operands):
        return _NOT_CONST
    if isinstance(op, py.BinaryOp):
        fn = op.op.data
        lhs, rhs = operands
        if fn not in _BINARY or type(lhs) not in _SCALARS or type(rhs) not in _SCALARS or not _cheap(fn, lhs, rhs):
            return _NOT_CONST
        return _evaluate(lambda: reference.BINARY[fn](lhs, rhs))
    if isinstance(op, py.UnaryOp):
        fn = op.op.data
        (operand,) = operands
        if fn not in _UNARY or type(operand) not in _SCALARS:
            return _NOT_CONST
        return _evaluate(lambda: reference.UNARY[fn](operand))
    if isinstance(op, py.FormatOp):
        specs = [s.data for s in op.specs.data]
        if any(type(o) not in _SCALARS for o in operands) or any("n" in s for s in specs):
            return _NOT_CONST
        if any(int(width) > _MAX_SIZE for s in specs for width in re.findall(r"\d+", s)):
            return _NOT_CONST  # ``f"{x:>9999999999}"`` would be built at compile time
        return _evaluate(lambda: reference._format(op, operands))
    if isinstance(op, py.CallOp) and op.callee.data == "builtins.len" and not op.kwnames.data and len(operands) == 1:
        (operand,) = operands
        if type(operand) not in (str, tuple, list, dict):
            return _NOT_CONST
        return len(operand)
    return _NOT_CONST


def _evaluate(compute: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning must be shown at run time, by the op itself
            value = compute()
    except Exception:
        return _NOT_CONST  # raised at run time, at the op's line
    if type(value) not in _SCALARS:
        return _NOT_CONST
    if type(value) is float and not math.isfinite(value):
        return _NOT_CONST
    if type(value) is str and len(value) > _MAX_SIZE:
        return _NOT_CONST
    return value


def fold(op: Operation) -> bool:
    """Replaces ``op`` by a ``python.constant`` of its value; False when it is left alone."""
    if not isinstance(op, (py.BinaryOp, py.UnaryOp, py.FormatOp, py.CallOp)) or not op.operands:
        return False
    if not isinstance(op.results[0].type, py.ObjectType):
        return False
    value = _folded(op)
    if value is _NOT_CONST:
        return False
    try:
        attr = encode(value)
    except NotALiteral:
        return False  # an int beyond 64 bits
    constant = py.ConstantOp(properties={"value": attr}, result_types=[py.ObjectType()])
    constant.location = op.location
    block = op.parent_block()
    assert block is not None
    block.insert_op_before(constant, op)
    op.results[0].replace_all_uses_with(constant.result)
    op.detach()
    op.erase()
    return True


@dataclass(frozen=True)
class FoldConstants(ModulePass):
    name = "fold-constants"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        # Program order: an op's operands are folded before it, so chains fold in one walk.
        for inner in list(op.walk()):
            if isinstance(inner, (py.BinaryOp, py.UnaryOp, py.FormatOp, py.CallOp)):
                fold(inner)
