"""share-reads: one ``df.read_csv`` op for equal reads of different scripts.

``cse`` never merges two reads with an effect between them, and every script
binds names (a write effect) between its read and the next script's, so
without this pass no read (and nothing computed from one) is shared across
the batch. Reads merge when they agree on path, options (equal constants),
fingerprint, attributes and frame type, and come from different scripts;
``cse`` run afterwards then merges the work built on them.

Why this is sound across scripts but not within one: the executor memoizes a
read by the file's inode, size and mtime at the moment a script needs it, so
a script that reaches the shared read after the file changed reads it again;
but a script keeps the value of an SSA value once it has it, so two reads of
one script (maybe with a write between) stay two ops. A read that already
serves several scripts is left alone. The merged op carries every script's
location, so a failure is reported at each script's own line.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, FusedLoc, ModuleOp, NoneAttr
from xdsl.ir import Attribute, Block, Operation
from xdsl.passes import ModulePass

from stratum.ir import dataframe as df
from stratum.ir import python as py

_UNKNOWN = object()


def _option_key(op: df.ReadCsvOp) -> tuple[Attribute, ...] | None:
    """The options as constant attributes (their encoding is injective), or None if one is not constant."""
    values: list[Attribute] = []
    for value in op.options:
        owner = value.owner
        if not isinstance(owner, py.ConstantOp):
            return None
        values.append(owner.value)
    return tuple(values)


def _scripts_of(block: Block) -> dict[Operation, frozenset[int]]:
    """For each op, the scripts whose effects (transitively) use its results."""
    from stratum.passes.lower_to_plan import script_users

    return {op: frozenset(s) for op, s in script_users(block).items()}


def _locations(op: Operation) -> list[Attribute]:
    loc = op.location
    return list(loc.locations.data) if isinstance(loc, FusedLoc) else [loc]


@dataclass(frozen=True)
class ShareReads(ModulePass):
    name = "share-reads"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        block = op.body.block
        keyed: list[tuple[tuple[object, ...], df.ReadCsvOp]] = []
        for read in [o for o in block.ops if isinstance(o, df.ReadCsvOp)]:
            options = _option_key(read)
            if options is not None:
                key = (
                    read.path.data, tuple(k.data for k in read.kwnames.data), options, read.fingerprint.data,
                    tuple(sorted(read.attributes.items())), read.result.type,
                )
                keyed.append((key, read))
        if len({key for key, _ in keyed}) == len(keyed):
            return  # no two equal reads: nothing to share (a single script's compile mostly)
        scripts = _scripts_of(block)
        groups: dict[tuple[object, ...], tuple[df.ReadCsvOp, set[int]]] = {}
        for key, read in keyed:
            users = scripts.get(read, frozenset())
            if len(users) != 1:
                continue
            (script,) = users
            if key not in groups:
                groups[key] = (read, {script})
                continue
            kept, served = groups[key]
            if script in served:
                continue  # a second read of one script stays its own op
            served.add(script)
            read.result.replace_all_uses_with(kept.result)
            locations = _locations(kept) + [loc for loc in _locations(read) if loc not in _locations(kept)]
            kept.location = FusedLoc(ArrayAttr(locations), NoneAttr())
            read.detach()
            read.erase()
