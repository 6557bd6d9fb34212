"""Reuse of compiled batches across runs: an unchanged batch over unchanged data.

The frontend's output depends on the scripts' text and paths, the current
directory (relative data paths), the data files it profiled, the pass
pipeline and Stratum itself. The key hashes all of it but the data; each
entry records the files the frontend consulted (size, mtime and content
hash) and is used only if they are unchanged, re-hashing a file only when its
size or mtime moved.

Two levels: the optimized module of a whole batch (``key``), and, for a batch
that changed, the frontend's output of each script alone (``part_key``: path,
source, directories, Stratum; the data files that script profiled), so that
editing one script lowers only that one; the driver assembles the parts and
runs the passes. Entries are pickles, so they live in the private 0700
cache directory and are written atomically; a corrupt entry is recompiled.

The module is not pickled as a graph of objects: its ops link to each other
(block lists, use lists), so pickle recurses once per op and fails on large
scripts, and loading that graph is slow. It is stored flat instead, one
record per op (class, operand numbers, result types, properties, attributes,
location, regions), and rebuilt setting the fields ``Operation.__init__``
sets, use lists in their original order.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stratum.cache_dir import UnsafeCacheDir, private_dir

if TYPE_CHECKING:  # xDSL is imported where the IR is (de)serialized: importing this module stays cheap
    from xdsl.ir import Attribute, Block, Operation, SSAValue

_FORMAT = 2


def _stratum_fingerprint() -> str:
    # Any change to Stratum's own code may change what it compiles to.
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        info = path.stat()
        digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


_STRATUM = _stratum_fingerprint()


def key(sources: list[tuple[str, str]], passes: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in (str(_FORMAT), _STRATUM, os.getcwd(), passes):
        digest.update(part.encode() + b"\0")
    for path, source in sources:
        digest.update(os.path.abspath(path).encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()


def part_key(path: str, source: str, base_dir: str) -> str:
    """One script's frontend output (``frontend.ScriptPart``); its place in the batch is not part of it."""
    digest = hashlib.blake2b(digest_size=20)
    for part in ("part", str(_FORMAT), _STRATUM, os.getcwd(), base_dir, os.path.abspath(path), source):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


class NotFlat(ValueError):
    """The module has something the flat format does not record (successors)."""


# A flat module: (classes, attributes, top op, use orders), all plain tuples
# of numbers and strings, so that unpickling builds no IR objects.
# - an op: (class number, operand numbers, result type numbers, result names,
#   properties as (name, attribute number) pairs, attributes likewise,
#   location number, regions); a region is a list of blocks (arg type numbers,
#   arg names, ops). Values are numbered in the order ops and blocks define
#   them, walking the module in pre-order (an operand may refer to a value
#   defined later).
# - an attribute: ("P", class, parameter numbers) for parametrized ones,
#   ("A", class, element numbers) for arrays, ("D", class, (key, number)
#   pairs) for dictionaries, ("V", class, data) for data of a plain Python
#   type, ("O", attribute) for anything else (pickled as it is). Equal
#   attributes are stored once; all are immutable values.
# - use orders: for values whose use list is not in the order rebuilding
#   gives, the users as (op number, operand index).
Flat = tuple[list[type], list[tuple[Any, ...]], tuple[Any, ...], list[tuple[int, list[tuple[int, int]]]]]

_PLAIN = (str, int, float, bool, bytes, type(None))


class _Attributes:
    def __init__(self) -> None:
        self.table: list[tuple[Any, ...]] = []
        self.classes: list[type] = []
        self._class_numbers: dict[type, int] = {}
        self._by_id: dict[int, tuple[Attribute, int]] = {}
        self._by_value: dict[Attribute, int] = {}

    def cls(self, cls: type) -> int:
        number = self._class_numbers.get(cls)
        if number is None:
            number = self._class_numbers[cls] = len(self.classes)
            self.classes.append(cls)
        return number

    def __call__(self, attr: Attribute) -> int:
        hit = self._by_id.get(id(attr))
        if hit is not None:
            return hit[1]
        number = self._by_value.get(attr)
        if number is None:
            entry = self._encode(attr)
            number = self._by_value[attr] = len(self.table)
            self.table.append(entry)
        self._by_id[id(attr)] = (attr, number)
        return number

    def _encode(self, attr: Attribute) -> tuple[Any, ...]:
        from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr
        from xdsl.ir import Data, ParametrizedAttribute

        cls = type(attr)
        fields = set(attr.__dict__)
        if isinstance(attr, ParametrizedAttribute):
            names = [name for name, _ in cls.get_irdl_definition().parameters]
            if fields == set(names):
                return ("P", self.cls(cls), tuple(self(getattr(attr, name)) for name in names))
        elif isinstance(attr, Data) and fields == {"data"}:
            data = attr.data
            if isinstance(attr, ArrayAttr) and type(data) is tuple:
                return ("A", self.cls(cls), tuple(self(a) for a in data))
            if isinstance(attr, DictionaryAttr) and type(data) is dict and all(type(k) is str for k in data):
                return ("D", self.cls(cls), tuple((k, self(v)) for k, v in data.items()))
            if type(data) in _PLAIN:
                return ("V", self.cls(cls), data)
        return ("O", attr)


def _decode(classes: list[type], table: list[tuple[Any, ...]]) -> list[Attribute]:
    # Entries refer only to earlier ones (an attribute is numbered after its parts).
    # Fields are set as the attribute's own __init__ sets them; it was verified
    # when first built.
    out: list[Attribute] = []
    setattr_ = object.__setattr__
    parameters: dict[int, list[str]] = {}
    for entry in table:
        kind = entry[0]
        if kind == "O":
            out.append(entry[1])
            continue
        cls = classes[entry[1]]
        attr = cls.__new__(cls)
        if kind == "P":
            names = parameters.get(entry[1])
            if names is None:
                names = parameters[entry[1]] = [name for name, _ in cls.get_irdl_definition().parameters]
            for name, n in zip(names, entry[2]):
                setattr_(attr, name, out[n])
        elif kind == "A":
            setattr_(attr, "data", tuple(out[n] for n in entry[2]))
        elif kind == "D":
            setattr_(attr, "data", {k: out[n] for k, n in entry[2]})
        else:
            setattr_(attr, "data", entry[2])
        out.append(attr)
    return out


def flatten(module: Operation) -> Flat:
    numbers: dict[SSAValue, int] = {}
    op_numbers: dict[Operation, int] = {}
    for op in module.walk():  # pre-order, regions inside their op
        if op.successors:
            raise NotFlat("successors")
        op_numbers[op] = len(op_numbers)
        for r in op.results:
            numbers[r] = len(numbers)
        for region in op.regions:
            for block in region.blocks:
                for a in block.args:
                    numbers[a] = len(numbers)
    attr = _Attributes()

    def op_record(op: Operation) -> tuple[Any, ...]:
        return (
            attr.cls(type(op)),
            tuple([numbers[v] for v in op._operands]),  # the stored tuple: `operands` builds a view per call
            tuple(attr(r.type) for r in op.results),
            tuple(r.name_hint for r in op.results),
            tuple((k, attr(v)) for k, v in op.properties.items()),
            tuple((k, attr(v)) for k, v in op.attributes.items()),
            attr(op.location),
            tuple([block_record(b) for b in region.blocks] for region in op.regions),
        )

    def block_record(block: Block) -> tuple[Any, ...]:
        return (tuple(attr(a.type) for a in block.args), tuple(a.name_hint for a in block.args), [op_record(o) for o in block.ops])

    top = op_record(module)
    # Rebuilding adds uses op by op, operand by operand, each at the front of
    # its value's list: a use list comes out latest user first.
    orders = []
    for value, number in numbers.items():
        uses = [(op_numbers[u.operation], u.index) for u in value.uses]
        if len(uses) > 1 and uses != sorted(uses, reverse=True):
            orders.append((number, uses))
    return attr.classes, attr.table, top, orders


def rebuild(flat: Flat) -> Operation:
    from xdsl.ir import Block, OpResult, Region, Use
    from xdsl.ir.core import SSAValues

    classes, table, top, orders = flat
    attrs = _decode(classes, table)
    values: list[SSAValue] = []
    ops: list[Operation] = []
    operand_numbers: list[tuple[int, ...]] = []

    def build_op(record: tuple[Any, ...]) -> Operation:
        cls_number, operands, types, names, properties, attributes, location, regions = record
        cls = classes[cls_number]
        op = cls.__new__(cls)
        ops.append(op)
        operand_numbers.append(operands)
        if len(types) == 1:
            result = OpResult(attrs[types[0]], op, 0)
            if names[0] is not None:
                result._name = names[0]
            results = SSAValues((result,))
            values.append(result)
        else:
            results = SSAValues([OpResult(attrs[t], op, i) for i, t in enumerate(types)])
            for r, name in zip(results, names):
                if name is not None:
                    r._name = name
            values.extend(results)
        op.results = results
        op.properties = {k: attrs[n] for k, n in properties}
        op.attributes = {k: attrs[n] for k, n in attributes}
        op.location = attrs[location]
        op._successors = ()
        op._successor_uses = ()
        op.regions = ()
        for blocks in regions:
            region = Region()
            for block in blocks:
                region.add_block(build_block(block))
            op.add_region(region)
        return op

    def build_block(record: tuple[Any, ...]) -> Block:
        types, names, records = record
        block = Block(arg_types=[attrs[t] for t in types])
        for a, name in zip(block.args, names):
            if name is not None:
                a._name = name
        values.extend(block.args)
        prev = None
        for r in records:
            op = build_op(r)
            op.parent = block
            if prev is None:
                block._first_op = op
            else:
                prev._next_op = op
                op._prev_op = prev
            prev = op
        block._last_op = prev
        return block

    module = build_op(top)
    # Operands once every value exists, as Operation.__init__ sets them.
    for op, numbers in zip(ops, operand_numbers):
        inputs = [values[n] for n in numbers]
        uses = []
        for i, value in enumerate(inputs):
            use = Use(op, i)
            value.add_use(use)
            uses.append(use)
        op._operands = SSAValues(inputs)
        op._operand_uses = tuple(uses)
    for number, users in orders:
        value = values[number]
        previous = None
        for o, i in users:  # relink the use list in its recorded order
            use = ops[o]._operand_uses[i]
            use._prev_use = previous
            use._next_use = None
            if previous is None:
                value.first_use = use
            else:
                previous._next_use = use
            previous = use
    return module


def _directory() -> Path | None:
    try:
        return private_dir("compiled")
    except (OSError, UnsafeCacheDir):
        return None


def _unchanged(data_files: dict[str, tuple[int, int, str]]) -> bool:
    from stratum.frontend.profile import MISSING, fingerprint

    for path, (size, mtime, digest) in data_files.items():
        try:
            info = os.stat(path)
        except OSError:
            if digest != MISSING:
                return False
            continue
        if (info.st_size, info.st_mtime_ns) != (size, mtime) and fingerprint(Path(path)) != digest:
            return False
    return True


def load(cache_key: str) -> Any | None:
    directory = _directory()
    if directory is None:
        return None
    try:
        with open(directory / f"{cache_key}.pickle", "rb") as f:
            return _read(f)
    except FileNotFoundError:
        return None
    except Exception:  # truncated or from an incompatible version: compile again
        return None


def loads(data: bytes) -> Any | None:
    """What ``entry`` took, rebuilt (None if its data files changed since)."""
    return _read(io.BytesIO(data))


def _read(f: Any) -> Any | None:
    # The data files come first, so a stale entry is refused before the module is read.
    header = pickle.load(f)
    if not (isinstance(header, tuple) and len(header) == 2 and header[0] == _FORMAT) or not _unchanged(header[1]):
        return None
    # Thousands of small objects at once: a collection mid-way would
    # traverse the whole heap (pandas, sklearn...) for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        shell, flat = pickle.load(f)
        shell.module = rebuild(flat)
    finally:
        if collecting:
            gc.enable()
    return shell


def store(cache_key: str, compiled: Any, data_files: dict[str, tuple[int, int, str]]) -> None:
    """Stores ``compiled`` (an object whose ``module`` attribute is the IR) for ``load``."""
    write(cache_key, entry(compiled, data_files))


def entry(compiled: Any, data_files: dict[str, tuple[int, int, str]]) -> bytes | None:
    """What ``store`` writes, taken now (the module may change afterwards); None if it does not pickle."""
    try:
        shell = copy.copy(compiled)
        shell.module = None
        data = pickle.dumps((_FORMAT, data_files), protocol=pickle.HIGHEST_PROTOCOL)
        return data + pickle.dumps((shell, flatten(compiled.module)), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None  # something in the IR does not pickle: nothing cached


def write(cache_key: str, data: bytes | None) -> None:
    directory = _directory()
    if directory is None or data is None:
        return
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, directory / f"{cache_key}.pickle")  # atomic: readers see all or nothing
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
