"""``fast-cse``: the results of xDSL's ``cse`` and ``dce``, in one linear walk each.

Scripts unroll into hundreds of ops in one flat block. xDSL's generic passes
re-derive every op's effects from its traits, wrap every op in a key object
that hashes its attributes several times per lookup, walk the block between
two reads to look for writes, and go through pattern-rewriter machinery.
Here effects are looked up once per op class, each op's key is one tuple
(hashed once; types by number, each type instance hashed once), the last
write is remembered by position, and liveness is one
reverse walk (repeated only while it changes, exactly as xDSL's).

The rules are xDSL's, so the result is the IR xDSL's ``cse`` and ``dce``
produce (``tests/unit/test_fast_cse.py`` compares them), except for
locations: a kept op also takes the positions of the ops merged into it (a
fused location), so the executor knows every statement that computed it:

- ops merge only when name, operands (in order), result types, properties and
  attributes are all equal;
- pure ops merge with any earlier equal op; ops that only read merge only if
  no op with a write or unknown effect lies between them; ops with any other
  or unknown effect (``python.exec``, ``python.bind``, ``python.print``...)
  never merge;
- terminators are kept; ops whose results are unused and whose effects are at
  most reads are removed (``cse`` removes those it meets, then ``dce``
  removes everything that only feeds them).

A module outside the shape this handles goes through xDSL's own passes:
``cse`` when an op has regions (the default pipeline runs it before fusion),
``dce`` when a region has several blocks; both for unregistered ops.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, FusedLoc, ModuleOp, NoneAttr, UnknownLoc, UnregisteredOp
from xdsl.ir import Attribute, Block, Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.traits import (
    IsTerminator,
    MemoryAllocEffect,
    MemoryEffect,
    MemoryEffectKind,
    MemoryFreeEffect,
    MemoryReadEffect,
    MemoryWriteEffect,
    NoMemoryEffect,
    SymbolOpInterface,
    get_effects,
)
from xdsl.transforms.common_subexpression_elimination import cse as xdsl_cse
from xdsl.transforms.dead_code_elimination import region_dce, would_be_trivially_dead

# How an op may be treated, from its effects.
_PURE, _READ, _OTHER = 0, 1, 2

# Traits whose effects do not depend on the op instance.
_STATIC_EFFECTS = (NoMemoryEffect, MemoryReadEffect, MemoryWriteEffect, MemoryAllocEffect, MemoryFreeEffect)


@dataclass(frozen=True)
class _ClassInfo:
    terminator: bool
    kind: int  # _PURE, _READ or _OTHER
    removable: bool  # xDSL's would_be_trivially_dead


def _static_effects(cls: type[Operation]) -> bool:
    for trait in cls.traits:
        if isinstance(trait, MemoryEffect):
            implementation = type(trait).get_effects.__func__  # type: ignore[attr-defined]
            if not any(implementation is base.get_effects.__func__ for base in _STATIC_EFFECTS):  # type: ignore[attr-defined]
                return False
    return True


def _info_from_effects(op: Operation, terminator: bool, symbol: bool) -> _ClassInfo:
    effects = get_effects(op)
    if effects is None:
        kind = _OTHER
    elif not effects:
        kind = _PURE
    elif all(e.kind is MemoryEffectKind.READ for e in effects):
        kind = _READ
    else:
        kind = _OTHER
    return _ClassInfo(terminator, kind, would_be_trivially_dead(op))


_MISSING = object()
_CLASS_INFOS: dict[type[Operation], _ClassInfo | None] = {}  # traits are per class: valid for the process


class _Classes:
    """Effects per op class when they are static, else per op."""

    def of(self, op: Operation) -> _ClassInfo:
        info = _CLASS_INFOS.get(type(op), _MISSING)
        if info is _MISSING:
            info = _info_from_effects(op, op.has_trait(IsTerminator), op.has_trait(SymbolOpInterface)) if _static_effects(type(op)) else None
            _CLASS_INFOS[type(op)] = info
        if info is None:
            return _info_from_effects(op, op.has_trait(IsTerminator), op.has_trait(SymbolOpInterface))
        return info  # type: ignore[return-value]


def _flat_block(module: ModuleOp) -> Block | None:
    """The module's only block, if no op in it has regions and all are registered."""
    blocks = module.body.blocks
    if len(blocks) != 1:
        return None
    block = blocks[0]
    for op in block.ops:
        if op.regions or isinstance(op, UnregisteredOp):
            return None
    return block


def _mapping(attrs: dict[str, Attribute]) -> Hashable:
    if not attrs:
        return ()
    if len(attrs) == 1:
        return tuple(attrs.items())
    return frozenset(attrs.items())  # dict equality ignores order


class _Types:
    """A small number per structurally distinct type, hashing each type instance once.

    Frame types carry their schema (160 strings for 80 columns) and hash in
    Python code; the frontend shares one instance per schema, so numbering
    instances makes an op's key cheap to hash.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Attribute, int]] = {}  # keeps the type alive, so ids stay unique
        self._by_value: dict[Attribute, int] = {}

    def __call__(self, attr: Attribute) -> int:
        hit = self._by_id.get(id(attr))
        if hit is not None:
            return hit[1]
        number = self._by_value.setdefault(attr, len(self._by_value))
        self._by_id[id(attr)] = (attr, number)
        return number

    def key(self, op: Operation) -> tuple[Any, ...]:
        # What xDSL's OperationInfo compares (regions aside: no op here has any);
        # equal numbers are equal types, and attributes compare as in xDSL.
        results = op.results
        return (
            op.name,
            op._operands,  # pyright: ignore[reportPrivateUsage]  # values compared by identity, in order
            self(results[0].type) if len(results) == 1 else tuple(self(r.type) for r in results),
            _mapping(op.properties),
            _mapping(op.attributes),
        )


def _unused(op: Operation) -> bool:
    for r in op.results:
        if r.first_use is not None:
            return False
    return True


def fast_cse(block: Block, classes: _Classes) -> None:
    key_of = _Types().key
    info_of = classes.of
    known: dict[tuple[Any, ...], tuple[Operation, int]] = {}
    visited: set[Operation] = set()
    to_erase: list[Operation] = []
    last_write = -1  # position of the last op with a write or unknown effect
    position = -1
    op = block.first_op
    while op is not None:
        position += 1
        visited.add(op)
        info = info_of(op)
        kind = info.kind
        if kind == _OTHER:
            last_write = position
        elif info.terminator:
            pass
        elif info.removable and _unused(op):
            to_erase.append(op)
        else:
            key = key_of(op)
            found = known.get(key)
            if found is not None and (kind == _PURE or found[1] > last_write):
                if _replace(op, found[0], known, visited, key_of):
                    _fuse_locations(found[0], op)
                    to_erase.append(op)
            else:
                known[key] = (op, position)
        op = op.next_op
    rewriter = Rewriter()
    for op in to_erase:
        if op.parent is not None:
            rewriter.erase_op(op)


def _fuse_locations(kept: Operation, merged: Operation) -> None:
    """The kept op stands for both statements now: it keeps both positions (the
    executor warns at each statement that computed the value, as python does)."""
    if merged.location == kept.location or isinstance(merged.location, UnknownLoc):
        return
    if isinstance(kept.location, UnknownLoc):
        kept.location = merged.location
        return
    locations = [*_locations(kept.location), *(l for l in _locations(merged.location) if l not in _locations(kept.location))]
    kept.location = FusedLoc(ArrayAttr(locations), NoneAttr())


def _locations(loc: Attribute) -> list[Attribute]:
    return list(loc.locations.data) if isinstance(loc, FusedLoc) else [loc]


def _replace(op: Operation, existing: Operation, known: dict[tuple[Any, ...], Any], visited: set[Operation], key_of: Any) -> bool:
    """xDSL's _replace_and_delete: True if ``op`` has no uses left."""
    for old, new in zip(op.results, existing.results, strict=True):
        # xDSL redirects a result only if none of its users equals a known op.
        # A user can only equal a known op if a known op uses ``old`` too, so
        # users not visited yet need no check.
        if all(use.operation not in visited or key_of(use.operation) not in known for use in old.uses):
            old.replace_all_uses_with(new)
    return _unused(op)


def _single_blocks(block: Block) -> bool:
    """Every region under ``block`` has one block and every op is registered."""
    for op in block.ops:
        if isinstance(op, UnregisteredOp):
            return False
        for region in op.regions:
            if len(region.blocks) != 1 or not _single_blocks(region.blocks[0]):
                return False
    return True


def fast_dce(block: Block, classes: _Classes) -> None:
    """xDSL's region_dce: the least set of live ops, then everything else erased."""
    order: list[Operation] = []  # every op, each block's ops last to first, an op before its regions

    def collect(b: Block) -> None:
        for op in reversed(list(b.ops)):
            order.append(op)
            for region in op.regions:
                collect(region.blocks[0])

    collect(block)
    info_of = classes.of
    live: set[Operation] = set()
    changed = True
    while changed:  # one walk against program order; more only for uses before definitions
        changed = False
        for op in order:
            if op in live:
                continue
            if not info_of(op).removable or _used_by(op, live):
                live.add(op)
                changed = True

    def delete(b: Block) -> None:
        for op in reversed(list(b.ops)):
            if op not in live:
                b.erase_op(op, safe_erase=False)
            else:
                for region in op.regions:
                    delete(region.blocks[0])

    delete(block)


def _used_by(op: Operation, live: set[Operation]) -> bool:
    for r in op.results:
        use = r.first_use
        while use is not None:
            if use._operation in live:  # pyright: ignore[reportPrivateUsage]
                return True
            use = use._next_use  # pyright: ignore[reportPrivateUsage]
    return False


@dataclass(frozen=True)
class FastCSE(ModulePass):
    """xDSL's ``cse`` then ``dce``, same result, in linear time.

    ``fast-cse{dce=false}`` is ``cse`` alone and ``fast-cse{cse=false}`` is
    ``dce`` alone, so a pipeline that runs other passes between the two keeps
    its order.
    """

    name = "fast-cse"

    cse: bool = True
    dce: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        classes = _Classes()
        if self.cse:
            block = _flat_block(op)
            if block is None:
                xdsl_cse(op)
            else:
                fast_cse(block, classes)
        if self.dce:
            blocks = op.body.blocks
            if len(blocks) == 1 and _single_blocks(blocks[0]):
                fast_dce(blocks[0], classes)
            else:
                region_dce(op.body)
