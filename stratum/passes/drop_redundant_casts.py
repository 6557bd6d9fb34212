"""drop-redundant-casts: ``column.astype(T)`` where the column already has dtype T.

Agent scripts write ``le.fit_transform(df[c].astype(str))`` for columns that
are already strings (219 casts in the corpus). Under pandas 3 (copy-on-write)
``astype`` to the dtype a Series already has returns a new Series over the
very same data: same values (NaN, -0.0 included), same buffers (strides and
contiguity), dtype, name and index labels, with no warning and no error. So
the Series itself can stand for the cast.

Applied to ``df.method "astype"`` of a ``!df.column`` whose dtype is known, with
one positional argument and no keywords, when the argument names that dtype
exactly:

* ``int64``: ``int``, ``numpy.int64``, ``"int64"``;
* ``float64``: ``float``, ``numpy.float64``, ``"float64"``;
* ``bool``: ``bool``, ``numpy.bool_``, ``"bool"``;
* ``str``: ``str``, ``"str"`` (pandas' default string dtype), unless the
  script may change pandas options (``future.infer_string``,
  ``mode.string_storage`` decide what ``str`` means): any call of a pandas
  option function or opaque code mentioning ``option``.

Refused:

* frames (``frame.astype``): not needed by the corpus, and a frame's block
  layout is observable;
* ``copy()``, of frames or columns: a deep copy consolidates a frame's blocks
  and makes the data contiguous and writable, which ``frame.values`` and
  numeric kernels can observe (read-only views, BLAS paths); it is not the
  identity, so it is never removed;
* anything whose dtype is unknown, or a target spelled some other way
  (``"int"``, ``np.int_``, ``"category"``...).

The cast's result and its operand become one object where Python has two.
As in simplify-elementwise, the operand must come from a pure op: opaque
code receives protective copies of such values, one per object the script
had (``alias_groups``), while the objects opaque code made are handed to later
opaque code without copies. And neither may sit inside a container handed to
opaque code (the frontend marks those ``stratum.identity``): copying the
container keeps the aliasing inside it, so ``pair = [s, s.astype(str)]`` then
``pair[1].iloc[0] = "zz"`` would change ``s`` too.
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
from stratum.ir.constants import NotALiteral, decode

# The dtype each spelling of a target means (numpy 2: ``int`` is int64 on every platform).
_IMPORTED = {
    ("builtins", "int"): "int64", ("numpy", "int64"): "int64",
    ("builtins", "float"): "float64", ("numpy", "float64"): "float64",
    ("builtins", "bool"): "bool", ("numpy", "bool_"): "bool",
    ("builtins", "str"): "str",
}
_NAMED = {"int64": "int64", "float64": "float64", "bool": "bool", "str": "str"}
# The frontend's mark on ops whose results sit inside containers opaque code may
# mutate (``stratum.frontend.lowering._IDENTITY_ATTR``): they must stay distinct objects.
_IDENTITY = "stratum.identity"


def _target(value: SSAValue) -> str | None:
    """The dtype name ``astype(value)`` converts to, when it is one of the exact spellings."""
    owner = value.owner
    if isinstance(owner, py.ImportOp):
        return _IMPORTED.get((owner.module.data, owner.attr.data))
    if isinstance(owner, py.ConstantOp):
        try:
            name = decode(owner.value)
        except NotALiteral:
            return None
        return _NAMED.get(name) if type(name) is str else None
    return None


def _pure_producer(value: SSAValue) -> bool:
    owner = value.owner
    return isinstance(owner, Operation) and not isinstance(owner, (py.ExecOp, py.ArgOp)) and is_side_effect_free(owner)


def _sets_options(op: Operation) -> bool:
    """Whether ``op`` may set pandas options (what ``astype(str)`` gives depends on them)."""
    if isinstance(op, (py.EffectCallOp, py.CallOp)):
        return op.callee.data.startswith("pandas") and "option" in op.callee.data
    if isinstance(op, py.ExecOp):
        return "option" in op.source.data
    return isinstance(op, py.GetAttrOp) and "option" in op.attr.data


def redundant(op: df.MethodOp, strings_stable: bool) -> SSAValue | None:
    """The receiver, when ``op`` is a cast of it to the dtype it has; else None."""
    if op.method.data != "astype" or op.kwnames.data or len(op.args) != 1:
        return None
    receiver = op.receiver
    column_type = receiver.type
    if not isinstance(column_type, df.ColumnType) or op.result.type != column_type:
        return None
    dtype = column_type.dtype_name
    if dtype is None or _target(op.args[0]) != dtype or (dtype == "str" and not strings_stable):
        return None
    if not _pure_producer(receiver) or _IDENTITY in op.attributes or _IDENTITY in receiver.owner.attributes:  # type: ignore[union-attr]
        return None
    return receiver


@dataclass(frozen=True)
class DropRedundantCasts(ModulePass):
    name = "drop-redundant-casts"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        casts: list[df.MethodOp] = []
        strings_stable = True
        for inner in op.walk():
            if isinstance(inner, df.MethodOp):
                if inner.method.data == "astype":
                    casts.append(inner)
            elif strings_stable and _sets_options(inner):
                strings_stable = False
        for cast in casts:
            receiver = redundant(cast, strings_stable)
            if receiver is not None:
                cast.result.replace_all_uses_with(receiver)
                cast.detach()
                cast.erase()
