"""push-projection: read only the columns a ``df.read_csv`` result is used for.

Runs after ``cse``, over the whole batch: a read shared by several scripts is
one op, and it keeps the union of the columns all of them use. A read is
narrowed only when every use of its frame, followed through
``df.assign_column``, reads a statically known set of columns:

* ``df.column`` (``frame[c]``) and ``df.select`` (``frame[[c1, c2]]``) of
  columns in the profiled schema;
* ``df.assign_column`` of the frame (its new frame is followed in turn; the
  assigned column is not read, unless it already exists, which keeps its
  position) and ``df.drop`` (followed too; the dropped columns are read, as
  dropping needs them there);
* ``len(frame)``, which needs only the rows, and ``frame.shape``, rebuilt as
  ``(len(frame), n)`` with the column count ``n`` of the frame the script has;
* ``python.bind``: naming a value reads nothing (opaque code receives its
  inputs as operands, which are uses of their own).

Anything else that receives the frame (fits, opaque code, printing,
``to_csv``, ``len``, methods, the script's return value) may read every
column, and the read is left alone.

Soundness: the kept columns must be bitwise what the full read gives, with
the same warnings. So the read must have a profiled schema of unique,
non-mangled string names, no ``object`` (mixed-type: pandas' DtypeWarning
names columns) or unknown dtypes, and only options that do not interact with
column selection (no ``usecols``, ``index_col``, ``dtype``, ``parse_dates``,
``nrows``, ``names``, ``header``...). At compile time the file must still be
the profiled one (content fingerprint), and a two-row read with and without
``usecols`` must agree (same names, a default index: no implicit index
column; the verdict is cached by file content, options and columns). The narrowing is recorded as attributes, ``stratum.usecols`` (file
positions, in file order) and ``stratum.full_schema``; at run time the
executor reads with ``usecols`` only if the file still has the compiled
fingerprint, and otherwise reads it whole, checks the full profile and
selects the columns, so a changed file behaves as without the pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, IntAttr, ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from stratum.ir import dataframe as df
from stratum.ir import python as py
from stratum.ir.constants import decode, encode

USECOLS = "stratum.usecols"
FULL_SCHEMA = "stratum.full_schema"

# Options whose meaning does not depend on which columns are read.
_SAFE_OPTIONS = frozenset({"sep", "delimiter", "encoding", "low_memory", "keep_default_na", "na_values", "decimal", "thousands"})
# Names pandas makes up (``a.1`` for a second ``a``, ``Unnamed: 3`` for an empty header) may depend on the full header.
_MADE_UP = re.compile(r"(.*\.\d+|Unnamed: .*)\Z", re.DOTALL)
_UNKNOWN = object()


def _constant(value: SSAValue) -> Any:
    owner = value.owner
    return decode(owner.value) if isinstance(owner, py.ConstantOp) else _UNKNOWN


def _options(op: df.ReadCsvOp) -> dict[str, Any] | None:
    names = [k.data for k in op.kwnames.data]
    if len(names) != len(op.options):
        return None  # positional options
    options: dict[str, Any] = {}
    for name, value in zip(names, op.options):
        const = _constant(value)
        if name not in _SAFE_OPTIONS or const is _UNKNOWN:
            return None
        if name in ("sep", "delimiter") and not (isinstance(const, str) and len(const) == 1 and not const.isspace()):
            return None  # regex or whitespace separators pick the python engine or special parsing
        if name == "na_values" and not (isinstance(const, str) or (isinstance(const, (list, tuple)) and all(isinstance(v, str) for v in const))):
            return None  # a per-column dict
        options[name] = const
    return options


def _schema(value: SSAValue) -> list[tuple[str, str]] | None:
    return value.type.schema if isinstance(value.type, df.FrameType) else None


def _demand(value: SSAValue, follow: list[Operation], shapes: list[tuple[py.GetAttrOp, int]]) -> set[str] | None:
    """Columns of frame ``value`` that its uses read, or None if a use may read any.

    Appends to ``follow``, in post-order, the ``df.assign_column`` and
    ``df.drop`` ops whose results are narrowed too, and to ``shapes`` the
    ``.shape`` reads to rebuild with the frame's column count.
    """
    schema = _schema(value)
    if schema is None:
        return None
    names = {c for c, _ in schema}
    demand: set[str] = set()
    for use in list(value.uses):
        user = use.operation
        if isinstance(user, py.BindOp):
            continue
        if isinstance(user, py.CallOp) and user.callee.data == "builtins.len" and list(user.operands) == [value] and not user.kwnames.data:
            continue  # rows only: a narrowed frame has them all
        if isinstance(user, py.GetAttrOp) and user.attr.data == "shape":
            shapes.append((user, len(schema)))
            continue
        if isinstance(user, df.ColumnOp) and user.column.data in names:
            demand.add(user.column.data)
        elif isinstance(user, df.SelectOp) and all(c.data in names for c in user.columns.data):
            demand |= {c.data for c in user.columns.data}
        elif isinstance(user, df.AssignColumnOp) and use.index == 0 and user.value is not value:
            column = user.column.data
            expected = [c for c, _ in schema] + ([] if column in names else [column])
            below = _follow(user, expected, follow, shapes)
            if below is None:
                return None
            # An overwritten column is still read, so it keeps its position in the new frame.
            demand |= (below - {column}) | ({column} if column in names else set())
        elif isinstance(user, df.DropOp):
            dropped = [c.data for c in user.columns.data]
            if not set(dropped) <= names:
                return None  # a KeyError: left to the full read
            below = _follow(user, [c for c, _ in schema if c not in dropped], follow, shapes)
            if below is None:
                return None
            demand |= below | set(dropped)  # dropping a column needs it there
        else:
            return None
    return demand


def _follow(user: Operation, expected: list[str], follow: list[Operation], shapes: list[tuple[py.GetAttrOp, int]]) -> set[str] | None:
    """The demand on the frame ``user`` makes, if its result has the columns ``expected``."""
    result_schema = _schema(user.results[0])
    if result_schema is None or [c for c, _ in result_schema] != expected:
        return None
    below = _demand(user.results[0], follow, shapes)
    if below is not None:
        follow.append(user)
    return below


# Verdicts of `_check_usecols`, keyed by file content, options and columns:
# in this process, and on disk beside the profiles (the check reads the file
# twice with pandas, ~5 ms on an 81-column file, on every compile otherwise).
_verdicts: dict[str, bool] = {}


def _verified(op: df.ReadCsvOp, options: dict[str, Any], positions: list[int], kept: list[str], all_names: list[str]) -> bool:
    """The file is the profiled one, and its first rows read the same with and without ``usecols``."""
    from stratum.cache_dir import UnsafeCacheDir, private_dir
    from stratum.frontend.profile import fingerprint

    path = Path(op.path.data)
    fp = fingerprint(path)
    if fp != op.fingerprint.data:
        return False
    key = hashlib.blake2b(
        json.dumps([fp, sorted(options.items()), positions, kept, all_names], default=repr).encode(), digest_size=16
    ).hexdigest()
    if key in _verdicts:
        return _verdicts[key]
    try:
        cache_file: Path | None = private_dir("profiles") / f"usecols-{key}.json"
    except (OSError, UnsafeCacheDir):
        cache_file = None
    if cache_file is not None:
        try:
            verdict = json.loads(cache_file.read_text())
            if isinstance(verdict, bool):
                _verdicts[key] = verdict
                return verdict
        except (OSError, ValueError):
            pass  # absent or corrupt: checked again below
    verdict = _check_usecols(path, options, positions, kept, all_names)
    _verdicts[key] = verdict
    if cache_file is not None:
        with contextlib.suppress(OSError):
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(verdict))
            os.replace(tmp, cache_file)  # atomic, as the profiles
    return verdict


def _check_usecols(path: Path, options: dict[str, Any], positions: list[int], kept: list[str], all_names: list[str]) -> bool:
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = pd.read_csv(path, nrows=2, **options)
            part = pd.read_csv(path, nrows=2, usecols=positions, **options)
    except Exception:
        return False
    if [str(c) for c in full.columns] != all_names or not isinstance(full.index, pd.RangeIndex):
        return False
    if list(part.columns) != kept or not isinstance(part.index, pd.RangeIndex):
        return False
    return part.equals(full.iloc[:, positions])


def _narrowed(value: SSAValue, columns: set[str]) -> df.FrameType:
    return df.FrameType.of([(c, d) for c, d in _schema(value) or [] if c in columns])


def _recreate(op: Operation, result_type: df.FrameType) -> Operation:
    new = type(op).create(
        operands=list(op.operands),
        result_types=[result_type],
        properties=dict(op.properties),
        attributes=dict(op.attributes),
    )
    new.location = op.location
    block = op.parent_block()
    assert block is not None
    block.insert_op_before(new, op)
    op.results[0].replace_all_uses_with(new.results[0])
    op.detach()
    op.erase()
    return new


def project(op: df.ReadCsvOp) -> bool:
    """Narrows one read; False when it is left as it is."""
    if USECOLS in op.attributes:
        return False
    schema = _schema(op.result)
    options = _options(op)
    if schema is None or not schema or options is None:
        return False
    names = [c for c, _ in schema]
    if len(set(names)) != len(names) or any(d in ("object", "?") or _MADE_UP.match(c) for c, d in schema):
        return False
    follow: list[Operation] = []
    shapes: list[tuple[py.GetAttrOp, int]] = []
    demand = _demand(op.result, follow, shapes)
    if not demand or len(demand) == len(names):
        return False  # everything (or nothing: an empty frame loses its rows) is read
    positions = [i for i, c in enumerate(names) if c in demand]
    kept = [names[i] for i in positions]
    if not _verified(op, options, positions, kept, names):
        return False
    full = op.result.type
    new_read = _recreate(op, _narrowed(op.result, demand))
    new_read.attributes[USECOLS] = ArrayAttr(IntAttr(i) for i in positions)
    new_read.attributes[FULL_SCHEMA] = full
    # Each frame of the chain holds what its frame operand kept, plus an assigned column, minus dropped ones.
    for user in reversed(follow):  # frames before the frames made from them
        frame_type = user.operands[0].type
        assert isinstance(frame_type, df.FrameType)
        held = {c for c, _ in frame_type.schema or []}
        if isinstance(user, df.AssignColumnOp):
            held.add(user.column.data)
        else:
            held -= {c.data for c in user.columns.data}  # type: ignore[attr-defined]
        _recreate(user, _narrowed(user.results[0], held))
    for getattr_op, columns in shapes:
        _rebuild_shape(getattr_op, columns)
    return True


def _rebuild_shape(op: py.GetAttrOp, columns: int) -> None:
    """``frame.shape`` of a narrowed frame: its rows, and the column count of the frame the script has."""
    rows = py.CallOp(operands=[[op.obj]], properties={"callee": StringAttr("builtins.len"), "kwnames": ArrayAttr([])}, result_types=[py.ObjectType()])
    count = py.ConstantOp(properties={"value": encode(columns)}, result_types=[py.ObjectType()])
    shape = py.BuildOp(operands=[[rows.result, count.result]], properties={"kind": StringAttr("tuple")}, result_types=[py.ObjectType()])
    block = op.parent_block()
    assert block is not None
    for new in (rows, count, shape):
        new.location = op.location
        block.insert_op_before(new, op)
    op.result.replace_all_uses_with(shape.result)
    op.detach()
    op.erase()


@dataclass(frozen=True)
class PushProjection(ModulePass):
    name = "push-projection"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for read in [o for o in op.walk() if isinstance(o, df.ReadCsvOp)]:
            project(read)
