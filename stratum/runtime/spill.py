"""Buffer pool: a memory budget above which the executor's intermediates spill to disk.

The executor registers every numpy array and pandas frame, series or index
that a pure op computes (``track``); the pool keeps the total of their
resident sizes. When the total exceeds the budget, ``relieve`` writes values
to files in a private directory (``mkdtemp``: 0700, ours; removed by
``close``, and at interpreter exit if ``close`` never ran; one left by a
process killed outright, SIGKILL, is removed by the next pool that spills
in the same place: its name carries the dead owner's pid) and replaces the object in its slot by a
``Spilled`` marker; ``load`` reads it back the next time an op needs it.

Victims: the value whose next use is farthest away goes first (Belady's
rule). The executor's future is not a guess: effects run in a fixed order,
and ``plan_spills`` finds, from the IR, every effect that can need each
value, so a value spilled is the one that can stay on disk longest; a
value every op computed from which has run is needed by nothing (memory
planning keeps it until the last use of what was computed from it) and goes
first. LRU would only guess this future. Among values used equally late, the
larger goes first (fewer files for the same relief).

A reloaded object is a different object, and a copy of its data. So a value
is spilled only when nothing but the executor can tell (otherwise it stays
resident: the budget is best-effort):

* its lineage is pure: no opaque code, caller's argument or effect is among
  the ops it is computed from, so no object outside the executor shares
  memory with it and can change it (``plan_spills``);
* it was never handed to opaque code uncopied (``expose``): opaque code may
  have kept it, or its ``id``;
* nothing else references it: its reference count is the slot's own
  (checked at each spill; another slot, a container, a view's ``base``, a
  traceback, a caller holding the result, or a cache all count);
* its parts that something else references too, or that opaque code has
  seen (through the object or a shallow copy of it), are not written: the
  reloaded object gets them back by identity (``shared_parts``, pickle's
  persistent ids), so ``b.index is df.index`` survives a spill of ``df``;
* it is not a view (``base``, ``flags.owndata`` would change);
* its content round-trips exactly: exact numpy/pandas types; numpy buffers
  C- or F-contiguous (a strided view would come back contiguous, and 2-D
  reductions sum in layout order); object columns hold only immutable scalars
  (str, numbers, bool, None: a list or array inside would come back a copy);
  names and ``attrs`` only scalars. A plain array is written raw and read
  into a fresh array of its dtype, shape and order (own data, same
  writeability); anything else is pickled (protocol 5, its buffers written
  raw, out of band), which keeps dtypes, index, names, ``attrs`` and flags.

A failure to write (disk full, no directory) keeps the value resident and is
counted in ``spill_failures``; after one the pool stops trying. A failure to
read back a file in our own directory is Stratum's own error and raises.
"""

from __future__ import annotations

import atexit
import bisect
import collections
import contextlib
import gc
import io
import itertools
import os
import pickle
import re
import shutil
import struct
import sys
import tempfile
import types
import weakref
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MAGIC = b"STRATUM-SPILL-1\n"
_HEAD = struct.Struct("<BQI")  # kind (raw array or pickle), length of the pickle, number of raw buffers
_ARRAY, _PICKLE = 0, 1
_LENGTH = struct.Struct("<Q")
_NEVER = float("inf")
# Object-dtype contents that come back equal and whose identity Python itself does not promise.
_SCALAR_KINDS = {"string", "bytes", "integer", "floating", "mixed-integer-float", "boolean", "complex", "decimal", "empty"}
_SCALARS = (str, bytes, int, float, complex, bool, type(None))
STATS = ("spills", "reloads", "spilled_bytes", "reloaded_bytes", "spill_failures", "peak_resident_bytes")


class Spilled:
    """What a slot holds while its object is on disk."""

    __slots__ = ("path", "shared")

    def __init__(self, path: Path, shared: dict[int, Any]):
        self.path = path
        self.shared = shared  # parts others hold too: kept here, put back by identity


@dataclass
class _Entry:
    slot: Any
    value: Any  # the SSA value, for its next use
    size: int
    pinned: bool = False
    exact: bool | None = None  # content round-trips exactly (checked once: pure values do not change)
    path: Path | None = None  # set while spilled
    freed: int = 0  # of size, what spilling released (parts others hold stay)


@dataclass
class SpillPlan:
    """What the IR says about each value, for choosing victims and for safety."""

    uses: dict[Any, list[int]]  # positions of the effects that can need it, through pure ops (ascending)
    direct: dict[Any, list[int]]  # positions of the effects that take it as an operand
    consumers: dict[Any, list[tuple[Any, ...]]]  # results of each pure op computed from it
    clean: set[Any]  # values of pure lineage: computed from no opaque code, argument or effect


def plan_spills(top_ops: list[Any], scripts: Collection[int] | None) -> SpillPlan:
    from stratum.ir import python as py
    from stratum.runtime.executor import _outer_operands, _token_operand, _unwrap

    block_ops = set(top_ops)
    outer: dict[Any, list[Any]] = {}  # each op's operands defined at the top level, walked once
    pure: dict[Any, bool] = {}
    script_of: dict[Any, int] = {}
    plan = SpillPlan(collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(list), set())
    for position, top in enumerate(top_ops):
        op, _ = _unwrap(top)
        operands = outer[top] = _outer_operands(top, block_ops)
        token = _token_operand(op)
        pure[top] = token is None
        if isinstance(op, py.ScriptBeginOp):
            script_of[top.results[0]] = op.index.data
            continue
        if token is None:
            if not isinstance(op, (py.ExecOp, py.ArgOp)) and all(v in plan.clean for v in operands):
                plan.clean.update(top.results)
            for value in set(operands):
                plan.consumers[value].append(tuple(top.results))
            continue
        index = script_of.get(token)
        if index is None:
            continue
        for result in top.results:
            if isinstance(result.type, py.TokenType):
                script_of[result] = index
        if scripts is not None and index not in scripts:
            continue
        for value in set(operands):
            plan.direct[value].append(position)
        # The effect needs its operands and, through pure ops, what they are computed from.
        seen: set[Any] = set()
        stack = operands
        while stack:
            value = stack.pop()
            if value in seen:
                continue
            seen.add(value)
            plan.uses[value].append(position)
            owner = value.owner
            if pure.get(owner, False):
                stack.extend(outer[owner])
    return plan


class BufferPool:
    """Tracks resident intermediates and spills them above ``budget`` bytes (see the module docstring)."""

    def __init__(
        self,
        budget: int,
        *,
        directory: str | Path | None = None,
        plan: SpillPlan | None = None,
        computed: Callable[[Any], bool] | None = None,
        stats: dict[str, Any] | None = None,
    ):
        self.budget = budget
        self.directory = directory
        self.plan = plan or SpillPlan({}, {}, {}, set())
        self.computed = computed  # whether a value is held already (then nothing recomputes it)
        self.stats = stats if stats is not None else {}
        for name in STATS:
            self.stats.setdefault(name, 0)
        self.position = 0  # the effect running now
        self.resident = 0
        self._entries: dict[int, _Entry] = {}
        self._dir: Path | None = None
        self._failed = False
        self._names = itertools.count()
        self._baseline: int | None = None
        self._handed: dict[int, Any] = {}  # id -> weak reference: objects opaque code has seen
        self._stuck_at: tuple[int, int] | None = None  # (position, resident total) when spilling last fell short

    # -- the executor's side ------------------------------------------------

    def track(self, slot: Any, value: Any) -> None:
        """Counts a pure op's result; only kinds the pool can spill are counted."""
        if id(slot) in self._entries:
            return
        size = resident_size(slot.obj)
        if size is None:
            return
        if self._baseline is None:
            # What the slot's own reference amounts to, counted the way ``_spill`` counts.
            probe = _copy_slot(slot, object())
            self._baseline = _references(probe)
        self._entries[id(slot)] = _Entry(slot, value, size)
        self.resident += size
        self.stats["peak_resident_bytes"] = max(self.stats["peak_resident_bytes"], self.resident)

    def expose(self, slot: Any, *, handed: bool) -> None:
        """Opaque code gets the slot's object (``handed``) or a copy of it, which may share its
        parts (a shallow copy of a frame shares its index): the object, if handed, stays
        resident from now on, and its parts, wherever else they are, spill only by identity."""
        entry = self._entries.get(id(slot))
        if entry is not None and handed:
            entry.pinned = True
        obj = slot.obj
        parts = _excess(obj) if resident_size(obj) is not None else None
        for key, (part, _) in (parts or {id(obj): (obj, 0)}).items():
            with contextlib.suppress(TypeError):
                self._handed[key] = weakref.ref(part)
        if len(self._handed) > 50000:
            self._handed = {k: r for k, r in self._handed.items() if r() is not None}

    def discard(self, slot: Any) -> None:
        """The value is dead: forget it (and its file)."""
        entry = self._entries.pop(id(slot), None)
        if entry is None:
            return
        self._stuck_at = None  # what it held (a base, an index) may now be free to spill
        self.resident -= entry.size - entry.freed
        if entry.path is not None:
            with contextlib.suppress(OSError):
                entry.path.unlink()

    def load(self, slot: Any) -> Any:
        """Brings a spilled object back into its slot and returns it."""
        marker = slot.obj
        entry = self._entries[id(slot)]
        obj, read = _read(marker.path, marker.shared)
        object.__setattr__(slot, "obj", obj)
        with contextlib.suppress(OSError):
            marker.path.unlink()
        entry.path = None
        self.resident += entry.freed
        entry.freed = 0
        self.stats["reloads"] += 1
        self.stats["reloaded_bytes"] += read
        self.stats["peak_resident_bytes"] = max(self.stats["peak_resident_bytes"], self.resident)
        return obj

    def relieve(self) -> None:
        """Spills values, farthest next use first, until the resident total fits the budget."""
        if self.resident <= self.budget or self._failed:
            return
        if self._stuck_at is not None and self._stuck_at[0] == self.position and self.resident < self._stuck_at[1] + self.budget // 8:
            # Nothing more was spillable during this effect, and little is new: checking every value again is not worth it.
            return
        candidates = [e for e in self._entries.values() if e.path is None and not e.pinned and e.exact is not False]
        candidates.sort(key=lambda e: (self._next_use(e), e.size), reverse=True)
        for entry in candidates:
            if self.resident <= self.budget or self._failed:
                break
            self._spill(entry)
        self._stuck_at = (self.position, self.resident) if self.resident > self.budget else None

    def close(self) -> None:
        """Removes the spill directory; values still spilled are gone with it."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            atexit.unregister(self._remove_at_exit)
            self._dir = None

    # -- internals ----------------------------------------------------------

    def _next_use(self, entry: _Entry) -> float:
        value = entry.value
        positions = self.plan.uses.get(value, ())
        at = bisect.bisect_left(positions, self.position)
        if at == len(positions):
            return _NEVER
        if self.computed is not None:
            # Needed later only through ops computed from it; once they all have been, it is not.
            direct = self.plan.direct.get(value, ())
            if bisect.bisect_left(direct, self.position) == len(direct):
                if all(self.computed(r) for results in self.plan.consumers.get(value, ()) for r in results):
                    return _NEVER
        return positions[at]

    def _spill(self, entry: _Entry) -> None:
        slot = entry.slot
        if _references(slot) > self._baseline:  # type: ignore[operator]
            return  # someone else holds the object: its identity is observable
        if entry.exact is None:
            entry.exact = round_trips(slot.obj)
            if not entry.exact:
                return
        shared = shared_parts(slot.obj, self._handed)
        if shared is None:
            return  # too many parts to check
        directory = self._directory()
        if directory is None:
            return
        path = directory / f"{next(self._names)}.spill"
        try:
            written = _write(path, slot.obj, shared)
        except OSError:
            self._fail()
            with contextlib.suppress(OSError):
                path.unlink()
            return
        except Exception:
            entry.exact = False  # not picklable after all: keep it
            with contextlib.suppress(OSError):
                path.unlink()
            return
        object.__setattr__(slot, "obj", Spilled(path, shared))  # the object goes now
        entry.path = path
        entry.freed = min(entry.size, written)
        self.resident -= entry.freed
        self.stats["spills"] += 1
        self.stats["spilled_bytes"] += written

    def _directory(self) -> Path | None:
        if self._dir is None and not self._failed:
            sweep_stale_spill_dirs(Path(self.directory) if self.directory is not None else Path(tempfile.gettempdir()))
            try:
                self._dir = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=self.directory))  # 0700
            except OSError:
                self._fail()
                return None
            atexit.register(self._remove_at_exit)
        return self._dir

    def _remove_at_exit(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _fail(self) -> None:
        # One failed write (disk full, no directory) is reason enough to stop: the run goes on resident.
        self.stats["spill_failures"] += 1
        self._failed = True


_PREFIX = "stratum-spill-"
_OWNED = re.compile(re.escape(_PREFIX) + r"(\d+)-")


def sweep_stale_spill_dirs(parent: Path) -> int:
    """Removes spill directories of ours whose process is gone (killed
    outright, SIGKILL, before it could remove its own); returns how many.

    The name carries the owner's pid; a directory is removed only if it is
    ours (uid) and no process has that pid (a reused pid keeps it: safe)."""
    removed = 0
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return 0
    for entry in entries:
        match = _OWNED.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            os.kill(int(match.group(1)), 0)
            continue  # alive
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
        except (OSError, ValueError, OverflowError):
            continue  # (PermissionError: a live process of someone else)
    return removed


def _copy_slot(slot: Any, obj: Any) -> Any:
    import copy

    probe = copy.copy(slot)
    object.__setattr__(probe, "obj", obj)
    return probe


def _references(slot: Any) -> int:
    return sys.getrefcount(slot.obj)


# Immutable leaves: never shared in a way pickling changes, or not pickled with the value.
_ATOMIC = (str, bytes, int, float, complex, bool, type(None), type, slice, range, types.ModuleType,
           types.FunctionType, types.BuiltinFunctionType, types.MethodType, weakref.ReferenceType)
_MAX_PARTS = 20000


def _referents(obj: Any) -> list[Any]:
    np = sys.modules.get("numpy")
    if np is not None and isinstance(obj, np.ndarray):
        # Arrays are not traversed by gc; their elements, when objects, are checked scalars.
        return [] if obj.base is None else [obj.base]
    return gc.get_referents(obj)


def _excess(root: Any) -> dict[int, tuple[Any, int]] | None:
    """Each part reachable from ``root``: its references beyond those from inside ``root``
    (plus this function's own, a constant ``_HOLDS``); None past ``_MAX_PARTS`` parts."""
    np = sys.modules.get("numpy")
    atomic = _ATOMIC + ((np.dtype, np.generic) if np is not None else ())
    nodes = {id(root): root}
    inside: collections.Counter[int] = collections.Counter()
    queue = [root]
    while queue:
        parent = queue.pop()
        for part in _referents(parent):
            if isinstance(part, atomic):
                continue
            key = id(part)
            inside[key] += 1
            if key not in nodes:
                if len(nodes) >= _MAX_PARTS:
                    return None
                nodes[key] = part
                queue.append(part)
    part = parent = None
    excess = {}
    for key, obj in nodes.items():
        excess[key] = (obj, sys.getrefcount(obj) - inside[key])
    return excess


def _calibrate() -> int:
    inner: list[Any] = []
    counts = _excess([inner])
    assert counts is not None
    return counts[id(inner)][1] - 1  # less this function's own `inner`


_HOLDS = _calibrate()


def shared_parts(root: Any, handed: dict[int, Any] | None = None) -> dict[int, Any] | None:
    """Parts of ``root`` that something outside it references too, or that opaque code has
    seen (``handed``: id -> weak reference): pickled by identity, never copied. None when
    ``root`` has too many parts to check."""
    counts = _excess(root)
    if counts is None:
        return None
    handed = handed or {}
    shared = {}
    for key, (obj, extra) in counts.items():
        if obj is root:
            continue
        seen = handed.get(key)
        if extra > _HOLDS or (seen is not None and seen() is obj):
            shared[key] = obj
    return shared


class _Pickler(pickle.Pickler):
    def __init__(self, file: Any, shared: dict[int, Any], buffer_callback: Any):
        super().__init__(file, protocol=5, buffer_callback=buffer_callback)
        self.shared = shared

    def persistent_id(self, obj: Any) -> int | None:
        key = id(obj)
        return key if key in self.shared else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: Any, shared: dict[int, Any], buffers: list[Any]):
        super().__init__(file, buffers=buffers)
        self.shared = shared

    def persistent_load(self, key: int) -> Any:
        return self.shared[key]


# -- sizes and exactness ---------------------------------------------------------


def resident_size(obj: Any) -> int | None:
    """Bytes ``obj`` holds, for the kinds the pool can spill; None for others.

    Object elements are estimated from a sample (``memory_usage(deep=True)``
    walks every element: 0.1 s for a million strings); shared buffers count
    for each holder, so the total errs high.
    """
    np = sys.modules.get("numpy")
    if np is not None and type(obj) is np.ndarray:
        return _array_bytes(obj)
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    try:
        if type(obj) is pd.DataFrame:
            return sum(_array_bytes(block.values) for block in obj._mgr.blocks) + _index_bytes(obj.index) + _index_bytes(obj.columns)
        if type(obj) is pd.Series:
            return _array_bytes(obj.array) + _index_bytes(obj.index)
        if isinstance(obj, pd.Index) and type(obj).__module__.startswith("pandas"):
            return _index_bytes(obj)
    except Exception:
        return None
    return None


def _index_bytes(index: Any) -> int:
    if type(index).__name__ == "RangeIndex":
        return 0
    if type(index).__name__ == "MultiIndex":
        return sum(_index_bytes(level) for level in index.levels) + sum(int(c.nbytes) for c in index.codes)
    return _array_bytes(index._data)


def _array_bytes(values: Any) -> int:
    size = int(values.nbytes)
    inner = getattr(values, "_ndarray", values)
    dtype = getattr(inner, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", None) == "O" and inner.size:
        flat = inner.ravel(order="K")
        step = max(1, flat.size // 32)
        sample = flat[::step][:32]
        size += int(sum(sys.getsizeof(x) for x in sample) / len(sample) * flat.size)
    return size


def round_trips(obj: Any) -> bool:
    """Whether a reloaded ``obj`` is indistinguishable from it but for identity (module docstring)."""
    try:
        np = sys.modules["numpy"]
        if type(obj) is np.ndarray:
            # A view would come back owning its data (``base``, ``flags.owndata``); it frees nothing either.
            return obj.base is None and _exact_ndarray(obj)
        pd = sys.modules["pandas"]
        if type(obj) is pd.DataFrame:
            return _simple_attrs(obj) and _exact_index(obj.index) and _exact_index(obj.columns) and all(_exact_values(b.values) for b in obj._mgr.blocks)
        if type(obj) is pd.Series:
            return _simple_attrs(obj) and _simple(obj.name) and _exact_index(obj.index) and _exact_values(obj.array)
        if isinstance(obj, pd.Index):
            return _exact_index(obj)
    except Exception:
        return False
    return False


def _exact_ndarray(array: Any) -> bool:
    if not (array.flags.c_contiguous or array.flags.f_contiguous) or not array.flags.aligned:
        return False
    dtype = array.dtype
    if dtype.kind == "O":
        import pandas as pd

        flat = array.ravel(order="K")
        kind = pd.api.types.infer_dtype(flat, skipna=True)
        # Mixed kinds may hold anything: look at each element (rare, and then mostly labels).
        return kind in _SCALAR_KINDS or (kind.startswith("mixed") and all(type(x) in _SCALARS or x is pd.NA for x in flat))
    return not dtype.hasobject


def _exact_values(values: Any) -> bool:
    """A block's or a series' values: an ndarray, or one of pandas' own extension arrays."""
    np = sys.modules["numpy"]
    if type(values) is np.ndarray:
        return _exact_ndarray(values)
    kind = type(values).__name__
    if kind == "Categorical":
        return _exact_ndarray(values._codes) and _exact_index(values.categories)
    if kind.startswith("Arrow"):  # pyarrow pickles its own buffers
        return True
    inner = [getattr(values, name, None) for name in ("_ndarray", "_data", "_mask")]
    arrays = [a for a in inner if type(a) is np.ndarray]
    known = kind in ("NumpyExtensionArray", "StringArray", "DatetimeArray", "TimedeltaArray", "PeriodArray", "BooleanArray", "IntegerArray", "FloatingArray")
    return known and bool(arrays) and all(_exact_ndarray(a) for a in arrays)


def _exact_index(index: Any) -> bool:
    if not type(index).__module__.startswith("pandas") or not all(_simple(n) for n in index.names):
        return False
    name = type(index).__name__
    if name == "RangeIndex":
        return True
    if name == "MultiIndex":
        return all(_exact_index(level) for level in index.levels) and all(_exact_ndarray(c) for c in index.codes)
    return _exact_values(index._data)


def _simple(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_simple(v) for v in value)
    np = sys.modules.get("numpy")
    return type(value) in _SCALARS or (np is not None and isinstance(value, np.generic) and value.dtype.kind != "O")


def _simple_attrs(obj: Any) -> bool:
    def plain(value: Any) -> bool:
        if isinstance(value, (list, tuple)):
            return all(plain(v) for v in value)
        if isinstance(value, dict):
            return all(plain(k) and plain(v) for k, v in value.items())
        return _simple(value)

    return plain(obj.attrs)


# -- files -----------------------------------------------------------------------


def _write(path: Path, obj: Any, shared: dict[int, Any] | None = None) -> int:
    """Writes ``obj`` to a new file ``path``, ``shared`` parts by identity; returns the bytes written."""
    np = sys.modules.get("numpy")
    raws: list[memoryview]
    if np is not None and type(obj) is np.ndarray and obj.dtype.kind != "O" and not shared:
        # Raw: read back into a fresh array of this dtype, shape and order, so it owns its data.
        fortran = obj.flags.f_contiguous and not obj.flags.c_contiguous
        kind = _ARRAY
        data = pickle.dumps((obj.dtype, obj.shape, fortran, bool(obj.flags.writeable)), protocol=5)
        raws = [memoryview(_bytes_of(obj, fortran))]
    else:
        kind = _PICKLE
        buffers: list[pickle.PickleBuffer] = []
        if shared:
            stream = io.BytesIO()
            _Pickler(stream, shared, buffers.append).dump(obj)
            data = stream.getvalue()
        else:
            data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
        raws = [b.raw() for b in buffers]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb") as handle:
        handle.write(_MAGIC + _HEAD.pack(kind, len(data), len(raws)) + b"".join(_LENGTH.pack(r.nbytes) for r in raws))
        handle.write(data)
        for raw in raws:
            handle.write(raw)
    return len(_MAGIC) + _HEAD.size + _LENGTH.size * len(raws) + len(data) + sum(r.nbytes for r in raws)


def _read(path: Path, shared: dict[int, Any] | None = None) -> tuple[Any, int]:
    """The object in ``path`` (its ``shared`` parts put back) and the bytes read."""
    import numpy as np

    with open(path, "rb") as handle:
        head = handle.read(len(_MAGIC) + _HEAD.size)
        if not head.startswith(_MAGIC) or len(head) != len(_MAGIC) + _HEAD.size:
            raise OSError(f"damaged spill file {path}")
        kind, length, count = _HEAD.unpack_from(head, len(_MAGIC))
        lengths = [_LENGTH.unpack(handle.read(_LENGTH.size))[0] for _ in range(count)]
        data = handle.read(length)
        if kind == _ARRAY:
            dtype, shape, fortran, writeable = pickle.loads(data)
            array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
            _fill(handle, memoryview(_bytes_of(array, fortran)), lengths[0], path)
            array.flags.writeable = writeable
            obj = array
        else:
            # numpy-allocated buffers: aligned as numpy aligns, writable (pickle marks read-only ones again).
            buffers = []
            for size in lengths:
                buffer = np.empty(size, dtype=np.uint8)
                _fill(handle, memoryview(buffer), size, path)
                buffers.append(buffer)
            obj = _Unpickler(io.BytesIO(data), shared or {}, buffers).load()
    return obj, len(head) + _LENGTH.size * count + length + sum(lengths)


def _bytes_of(array: Any, fortran: bool) -> Any:
    """The array's memory as flat bytes, in its own order (datetimes have no buffer of their own)."""
    import numpy as np

    return array.reshape(-1, order="F" if fortran else "C").view(np.uint8)


def _fill(handle: Any, target: memoryview, size: int, path: Path) -> None:
    if target.nbytes != size:
        raise OSError(f"damaged spill file {path}")
    done = 0
    while done < size:
        got = handle.readinto(target[done:])
        if not got:
            raise OSError(f"short spill file {path}")
        done += got
