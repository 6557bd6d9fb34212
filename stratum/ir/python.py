"""The ``py`` dialect: Python values, the effect chain of each script, opaque code.

Every script in a batch owns one chain of ``!python.token`` values, started by
``python.script_begin`` and ended by ``python.script_end``. Each op with an observable
effect (printing, binding a name at a statement, running opaque code) consumes
the script's current token and produces the next one, so program order is plain
dataflow: ops of different scripts are never ordered against each other, and
two effectful ops never look alike to CSE because their tokens differ.

Pure ops may still raise (a missing column, a bad argument). ``python.bind`` marks
the statement at which a value must exist: the runtime evaluates pure ops
lazily and reports a failure at the first ``python.bind`` (or other effect) that
needs the value, which is where Python would have raised it.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, IntAttr, StringAttr, UnitAttr
from xdsl.ir import Dialect, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import MemoryWriteEffect, Pure


@irdl_attr_definition
class ObjectType(ParametrizedAttribute, TypeAttribute):
    """Any Python object whose type the compiler does not track."""

    name = "python.object"


@irdl_attr_definition
class TokenType(ParametrizedAttribute, TypeAttribute):
    """A point in one script's program order."""

    name = "python.token"


@irdl_op_definition
class ScriptBeginOp(IRDLOperation):
    """Starts the effect chain of one script of the batch."""

    name = "python.script_begin"
    script = prop_def(StringAttr)  # the script's path as given by the user
    index = prop_def(IntAttr)  # position in the batch
    token = result_def(TokenType)
    # No effect trait: effects unknown, so no generic pass touches it.


@irdl_op_definition
class ScriptEndOp(IRDLOperation):
    """Ends a script's chain; ``result`` is what a compiled function returns."""

    name = "python.script_end"
    token = operand_def(TokenType)
    result = opt_operand_def()


@irdl_op_definition
class BindOp(IRDLOperation):
    """At this point of the script, ``names[i]`` is bound to ``values[i]``.

    Forces the values (their failures surface here) and records the
    namespace for opaque code and debugging.
    """

    name = "python.bind"
    token = operand_def(TokenType)
    values = var_operand_def()
    names = prop_def(ArrayAttr[StringAttr])
    next = result_def(TokenType)
    traits = traits_def(MemoryWriteEffect())


@irdl_op_definition
class ExecOp(IRDLOperation):
    """Runs original source code of the script, unchanged.

    ``inputs`` are the values of ``names_in`` placed in the script's globals
    before the code runs; ``outputs`` are the values of ``names_out`` read back
    after it. The code keeps the script's file name and line numbers, so
    tracebacks point at the script itself. Effects are unknown.

    Code from the body of an inlined script function carries ``function``
    (its name, for tracebacks) and ``local_names``: those names are the
    function's locals and live in a namespace of their own, layered over the
    script's globals, so they never overwrite a global of the same name.
    """

    name = "python.exec"
    token = operand_def(TokenType)
    inputs = var_operand_def()
    source = prop_def(StringAttr)
    names_in = prop_def(ArrayAttr[StringAttr])
    names_out = prop_def(ArrayAttr[StringAttr])
    function = opt_prop_def(StringAttr)
    local_names = opt_prop_def(ArrayAttr[StringAttr])
    # Per input, the index of the first input that was the same value when the
    # script was lowered. Inputs in different groups were distinct objects in
    # the script even if merging equal computations made them one value since.
    alias_groups = opt_prop_def(ArrayAttr[IntAttr])
    # The code mutates no object that existed before it (see
    # ``stratum.frontend.names.is_read_only``): shared inputs need no copies.
    read_only = opt_prop_def(UnitAttr)
    next = result_def(TokenType)
    outputs = var_result_def()


@irdl_op_definition
class ArgOp(IRDLOperation):
    """The value of a compiled function's parameter or free global, per call."""

    name = "python.arg"
    arg = prop_def(StringAttr)
    result = result_def()  # typed by what the compiled version was specialized for
    # No effect trait: its value differs per call, so it is never merged.


@irdl_op_definition
class PrintOp(IRDLOperation):
    """``print(*args, **kwargs)``."""

    name = "python.print"
    token = operand_def(TokenType)
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    next = result_def(TokenType)
    traits = traits_def(MemoryWriteEffect())


@irdl_op_definition
class ImportOp(IRDLOperation):
    """``import module`` (``attr`` empty) or ``from module import attr``."""

    name = "python.import"
    module = prop_def(StringAttr)
    attr = prop_def(StringAttr)
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A literal: int, float, bool, str, None, or a list/tuple/dict of literals.

    ``value`` encodes the literal (see ``stratum.ir.constants``); the encoding
    keeps ``1``, ``1.0`` and ``True`` distinct, and lists distinct from tuples.
    """

    name = "python.constant"
    value = prop_def()
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class CallOp(IRDLOperation):
    """A call of a library function known to be pure, by qualified name."""

    name = "python.call"
    args = var_operand_def()
    callee = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class CallMethodOp(IRDLOperation):
    """``receiver.method(*args)``, for methods known to be pure on its type."""

    name = "python.call_method"
    receiver = operand_def()
    args = var_operand_def()
    method = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class GetAttrOp(IRDLOperation):
    name = "python.getattr"
    obj = operand_def()
    attr = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class GetItemOp(IRDLOperation):
    name = "python.getitem"
    obj = operand_def()
    key = operand_def()
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class BinaryOp(IRDLOperation):
    """A Python binary or comparison operator (``add``, ``lt``, ...)."""

    name = "python.binary"
    lhs = operand_def()
    rhs = operand_def()
    op = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class UnaryOp(IRDLOperation):
    name = "python.unary"
    operand = operand_def()
    op = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class BuildOp(IRDLOperation):
    """Builds a ``list``, ``tuple`` or ``dict`` (``keys`` then ``values``)."""

    name = "python.build"
    elements = var_operand_def()
    kind = prop_def(StringAttr)
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class FormatOp(IRDLOperation):
    """An f-string: literal ``pieces`` around each value's conversion and spec.

    ``pieces`` has one more entry than ``values``; ``conversions`` holds
    ``""``, ``"r"``, ``"s"`` or ``"a"`` and ``specs`` the format spec per value.
    """

    name = "python.format"
    values = var_operand_def()
    pieces = prop_def(ArrayAttr[StringAttr])
    conversions = prop_def(ArrayAttr[StringAttr])
    specs = prop_def(ArrayAttr[StringAttr])
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class UpdateOp(IRDLOperation):
    """An in-place update of a fresh array, as a value: a copy, updated.

    ``kind`` is ``setitem`` (``a[key] = value``) or an augmented operator
    (``iadd`` for ``a += value``...). The frontend uses it only for arrays it
    created itself and that no other object can see, rebinding every name of
    the old array to the result, so the copy is unobservable; the update runs
    on the copy with numpy's own in-place semantics (casting, errors).
    """

    name = "python.update"
    target = operand_def()
    args = var_operand_def()
    kind = prop_def(StringAttr)
    result = result_def(ObjectType)
    traits = traits_def(Pure())


Python = Dialect(
    "python",
    [
        ScriptBeginOp,
        ScriptEndOp,
        BindOp,
        ExecOp,
        ArgOp,
        PrintOp,
        ImportOp,
        ConstantOp,
        CallOp,
        CallMethodOp,
        GetAttrOp,
        GetItemOp,
        BinaryOp,
        UnaryOp,
        BuildOp,
        FormatOp,
        UpdateOp,
    ],
    [ObjectType, TokenType],
)
