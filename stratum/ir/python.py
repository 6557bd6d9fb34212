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

from collections.abc import Sequence
from typing import Any

from xdsl.dialects.builtin import UNKNOWN_LOC, ArrayAttr, FileLineColLoc, IntAttr, StringAttr, UnitAttr
from xdsl.ir import Attribute, BlockArgument, Dialect, OpResult, Operation, ParametrizedAttribute, TypeAttribute, Use
from xdsl.ir.core import SSAValues
from xdsl.irdl import (
    IRDLOperation,
    OptionalDef,
    VariadicDef,
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


_LOCATIONS: dict[tuple[StringAttr, int, int], FileLineColLoc] = {}


def location(filename: StringAttr, line: int, column: int) -> FileLineColLoc:
    """``FileLineColLoc(filename, IntAttr(line), IntAttr(column))``, one instance per position.

    Building and verifying a location costs ~8 µs, more than the op it is
    attached to; unrolled loops and folds repeat the same positions.
    Locations are immutable values, so sharing one is unobservable.
    """
    key = (filename, line, column)
    loc = _LOCATIONS.get(key)
    if loc is None:
        if len(_LOCATIONS) >= 65536:  # bounds a long-lived process
            _LOCATIONS.clear()
        loc = _LOCATIONS[key] = FileLineColLoc(filename, IntAttr(line), IntAttr(column))
    return loc


_SINGLE, _VARIADIC, _OPTIONAL = 0, 1, 2
_VALUE_TYPES = (OpResult, BlockArgument)


def _kind(definition: Any) -> int:
    if isinstance(definition, OptionalDef):
        return _OPTIONAL
    return _VARIADIC if isinstance(definition, VariadicDef) else _SINGLE


class StratumOp(IRDLOperation):
    """An IRDL operation whose common construction skips xDSL's generic builder.

    ``IRDLOperation.__init__`` re-derives, per op, how operands and results map
    onto the definition and goes through property setters; that is most of the
    ~20 µs an op costs, and scripts unroll to hundreds of ops. Here the shape
    of the definition is computed once per class and the fields are set
    directly, exactly as ``Operation.__init__`` sets them. Anything outside the
    common shape (regions, successors, attributes, an ``Operation`` or a wrong
    arity passed as operand) goes through xDSL's builder unchanged, errors
    included.
    """

    def __init__(
        self,
        *,
        operands: Any = None,
        result_types: Any = None,
        properties: Any = None,
        attributes: Any = None,
        successors: Any = None,
        regions: Any = None,
    ) -> None:
        cls = type(self)
        shape = cls.__dict__.get("_stratum_shape")
        if shape is None:
            shape = _shape_of(cls)
        operand_kinds, result_kinds, defaults = shape
        if operand_kinds is None or attributes or successors or regions:
            return _generic_init(self, operands, result_types, properties, attributes, successors, regions)
        flat = _flatten(operand_kinds, operands, _VALUE_TYPES)
        types = _flatten(result_kinds, result_types, Attribute)
        if flat is None or types is None:
            return _generic_init(self, operands, result_types, properties, attributes, successors, regions)
        # What Operation.__init__ and IRDLOperation.__post_init__ do.
        uses = tuple(Use(self, i) for i in range(len(flat)))
        for value, use in zip(flat, uses):
            value.add_use(use)
        self._operands = SSAValues(flat)
        self._operand_uses = uses
        self.results = SSAValues(OpResult(t, self, i) for i, t in enumerate(types))
        props = {k: v for k, v in properties.items() if v is not None} if properties else {}
        for name, value in defaults:
            if name not in props:
                props[name] = value
        self.properties = props
        self.attributes = {}
        self.location = UNKNOWN_LOC
        self._successors = ()
        self._successor_uses = ()
        self.regions = ()


def _flatten(kinds: Sequence[int], args: Sequence[Any] | None, item: type | tuple[type, ...]) -> list[Any] | None:
    """Operands or result types in order, flattened as ``kinds`` say; None when their shape
    differs (then xDSL's own builder runs, with its errors)."""
    if not args:
        return None if kinds else []
    if len(args) != len(kinds):
        return None
    flat: list[Any] = []
    for kind, arg in zip(kinds, args):
        if kind == _SINGLE:
            if not isinstance(arg, item):
                return None
            flat.append(arg)
            continue
        if type(arg) is not list and type(arg) is not tuple:
            return None
        if kind == _OPTIONAL and len(arg) > 1:
            return None
        for value in arg:
            if not isinstance(value, item):
                return None
            flat.append(value)
    return flat


def _generic_init(op: IRDLOperation, operands: Any, result_types: Any, properties: Any, attributes: Any, successors: Any, regions: Any) -> None:
    IRDLOperation.__init__(
        op,
        operands=operands,
        result_types=result_types,
        properties=properties,
        attributes=attributes,
        successors=successors,
        regions=regions,
    )


def _shape_of(cls: type[IRDLOperation]) -> tuple[Any, Any, Any]:
    op_def = cls.get_irdl_definition()
    if op_def.regions or op_def.successors or op_def.options or op_def.attributes:
        shape: tuple[Any, Any, Any] = (None, None, None)
    else:
        defaults = tuple(
            (name, d.default_value)
            for name, d in op_def.properties.items()
            if not isinstance(d, OptionalDef) and d.default_value is not None
        )
        shape = (tuple(_kind(d) for _, d in op_def.operands), tuple(_kind(d) for _, d in op_def.results), defaults)
    cls._stratum_shape = shape  # type: ignore[attr-defined]
    return shape


def interned_parameterless(cls: Any) -> Any:
    """Makes ``cls()`` of a type without parameters return one shared instance.

    Attributes are immutable values compared structurally, so sharing one is
    unobservable; it saves building and verifying a new one (~2 µs) for each
    of the thousands of results the frontend types. Unpickling goes through
    ``__new__`` too, so it yields the shared instance.
    """
    instance = cls.new(())

    def __new__(klass: Any, *args: Any) -> Any:
        return instance if klass is cls else object.__new__(klass)

    def __init__(self: Any, *args: Any) -> None:
        if args:  # the error ParametrizedAttribute gives, the shared instance untouched
            ParametrizedAttribute.__init__(self, *args)

    cls.__new__ = __new__
    cls.__init__ = __init__
    return cls


@interned_parameterless
@irdl_attr_definition
class ObjectType(ParametrizedAttribute, TypeAttribute):
    """Any Python object whose type the compiler does not track."""

    name = "python.object"


@interned_parameterless
@irdl_attr_definition
class TokenType(ParametrizedAttribute, TypeAttribute):
    """A point in one script's program order."""

    name = "python.token"


@irdl_op_definition
class ScriptBeginOp(StratumOp):
    """Starts the effect chain of one script of the batch."""

    name = "python.script_begin"
    script = prop_def(StringAttr)  # the script's path as given by the user
    index = prop_def(IntAttr)  # position in the batch
    token = result_def(TokenType)
    # No effect trait: effects unknown, so no generic pass touches it.


@irdl_op_definition
class ScriptEndOp(StratumOp):
    """Ends a script's chain; ``result`` is what a compiled function returns."""

    name = "python.script_end"
    token = operand_def(TokenType)
    result = opt_operand_def()


@irdl_op_definition
class BindOp(StratumOp):
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
class ExecOp(StratumOp):
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
class ArgOp(StratumOp):
    """The value of a compiled function's parameter or free global, per call."""

    name = "python.arg"
    arg = prop_def(StringAttr)
    result = result_def()  # typed by what the compiled version was specialized for
    # No effect trait: its value differs per call, so it is never merged.


@irdl_op_definition
class PrintOp(StratumOp):
    """``print(*args, **kwargs)``."""

    name = "python.print"
    token = operand_def(TokenType)
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    next = result_def(TokenType)
    traits = traits_def(MemoryWriteEffect())


@irdl_op_definition
class EffectCallOp(StratumOp):
    """A call of a library function whose effect is on process-wide state or
    the file system (``os.makedirs``, ``numpy.random.seed``,
    ``warnings.filterwarnings``...), by qualified name, in the script's order."""

    name = "python.effect_call"
    token = operand_def(TokenType)
    args = var_operand_def()
    callee = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def(ObjectType)
    next = result_def(TokenType)
    traits = traits_def(MemoryWriteEffect())


@irdl_op_definition
class ImportOp(StratumOp):
    """``import module`` (``attr`` empty) or ``from module import attr``."""

    name = "python.import"
    module = prop_def(StringAttr)
    attr = prop_def(StringAttr)
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class ConstantOp(StratumOp):
    """A literal: int, float, bool, str, None, or a list/tuple/dict of literals.

    ``value`` encodes the literal (see ``stratum.ir.constants``); the encoding
    keeps ``1``, ``1.0`` and ``True`` distinct, and lists distinct from tuples.
    """

    name = "python.constant"
    value = prop_def()
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class CallOp(StratumOp):
    """A call of a library function known to be pure, by qualified name."""

    name = "python.call"
    args = var_operand_def()
    callee = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class CallMethodOp(StratumOp):
    """``receiver.method(*args)``, for methods known to be pure on its type."""

    name = "python.call_method"
    receiver = operand_def()
    args = var_operand_def()
    method = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class GetAttrOp(StratumOp):
    name = "python.getattr"
    obj = operand_def()
    attr = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class GetItemOp(StratumOp):
    name = "python.getitem"
    obj = operand_def()
    key = operand_def()
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class BinaryOp(StratumOp):
    """A Python binary or comparison operator (``add``, ``lt``, ...)."""

    name = "python.binary"
    lhs = operand_def()
    rhs = operand_def()
    op = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class UnaryOp(StratumOp):
    name = "python.unary"
    operand = operand_def()
    op = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class BuildOp(StratumOp):
    """Builds a ``list``, ``tuple`` or ``dict`` (``keys`` then ``values``)."""

    name = "python.build"
    elements = var_operand_def()
    kind = prop_def(StringAttr)
    result = result_def(ObjectType)
    traits = traits_def(Pure())


@irdl_op_definition
class FormatOp(StratumOp):
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
class UpdateOp(StratumOp):
    """An in-place update of a fresh array, as a value: a copy, updated.

    ``kind`` is ``setitem`` (``a[key] = value``) or an augmented operator
    (``iadd`` for ``a += value``...). The frontend uses it only for arrays it
    created itself and that no other object can see, rebinding every name of
    the old array to the result, so the copy is unobservable; the update runs
    on the copy with numpy's own in-place semantics (casting, errors). It also
    stores columns into a frame (``frame[labels] = value``, pandas'
    ``__setitem__`` on the copy): then the result is a ``!df.frame``. Kind
    ``method:<name>`` is a pandas method called with ``inplace=True`` on the
    copy (``df.fillna(v, inplace=True)`` as a statement); ``kwnames`` names
    its trailing keyword arguments.
    """

    name = "python.update"
    target = operand_def()
    args = var_operand_def()
    kind = prop_def(StringAttr)
    kwnames = opt_prop_def(ArrayAttr[StringAttr])
    result = result_def()
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
        EffectCallOp,
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


# Builtins that make a new container of their iterable argument's elements.
ELEMENT_COPYING_CALLEES = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.dict"})


def element_sources(op: Operation) -> frozenset[int]:
    """Operand positions whose elements, not the operands themselves, the container
    ``op`` makes holds: ``a[i:j]``, ``a + b``, ``list(a)``... (empty for other ops).
    (Keyword operands of ``dict()`` are held themselves: ``dict(a=x)`` holds x.)"""
    if isinstance(op, GetItemOp):
        return frozenset({0})
    if isinstance(op, BinaryOp):
        return frozenset({0, 1})
    if isinstance(op, CallOp) and op.callee.data in ELEMENT_COPYING_CALLEES:
        return frozenset(range(len(op.operands) - len(op.kwnames.data)))
    return frozenset()

