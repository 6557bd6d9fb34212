"""The frontend: Python source -> Stratum IR (see ``lowering``)."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region

from stratum.frontend.lowering import LoweringStats, ScriptLowering


class ScriptSyntaxError(Exception):
    """A script does not parse; carries Python's own SyntaxError."""

    def __init__(self, error: SyntaxError):
        super().__init__(str(error))
        self.error = error


@dataclass
class Script:
    """One script of a batch: its path as given, and its source text."""

    path: str
    source: str

    @staticmethod
    def load(path: str) -> Script:
        # Read as bytes and decode like Python does (PEP 263 coding cookies).
        data = Path(path).read_bytes()
        import io
        import tokenize

        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return Script(path, data.decode(encoding))


@dataclass
class CompiledBatch:
    module: ModuleOp
    scripts: list[Script]
    stats: list[LoweringStats] = field(default_factory=list)


@dataclass
class ScriptPart:
    """One script as the frontend lowered it, alone: the unit the compile cache keeps.

    ``module`` wraps the script's own block (so it is stored like any module);
    its ``python.script_begin`` says index 0 and its ``stratum.identity``
    numbers count from 0; ``assemble`` gives them their place in a batch.
    """

    module: ModuleOp
    stats: LoweringStats
    identities: int  # identity numbers the lowering drew (rolled-back statements' too)
    data_files: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # set by the driver: what its compile read


class _Counter:
    """The lowering's identity counter, counting what it hands out."""

    def __init__(self) -> None:
        self.drawn = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> int:
        self.drawn += 1
        return self.drawn - 1


def parse(script: Script) -> ast.Module:
    try:
        return ast.parse(script.source, filename=script.path)
    except SyntaxError as error:
        raise ScriptSyntaxError(error) from None


def lower_script(script: Script, base_dir: Path | None = None) -> ScriptPart:
    """Lower one script into a block of its own (see ``ScriptPart``)."""
    from stratum.frontend import lowering

    tree = parse(script)
    block = Block()
    counter = _Counter()
    # Identities are numbered per module; this part's count from 0 and are shifted by `assemble`.
    lowering._identities[block] = counter
    # Like `python script.py` (3.9+), code objects and __file__ carry the absolute path.
    script_lowering = ScriptLowering(block, os.path.abspath(script.path), script.source, 0, base_dir or Path.cwd())
    script_lowering.lower_module(tree)
    return ScriptPart(ModuleOp(Region(block)), script_lowering.stats, counter.drawn)


AS_WRITTEN_ATTR = "stratum.as_written"  # on a script's python.script_begin: why it runs as written


def as_written_reasons(module: ModuleOp) -> dict[int, str]:
    """Batch position -> why that script runs as written (see ``as_written``)."""
    from stratum.ir import plan
    from stratum.ir import python as py

    reasons = {}
    for top in module.body.block.ops:
        op = top.body.block.first_op if isinstance(top, plan.TaskOp) else top
        if isinstance(op, py.ScriptBeginOp) and AS_WRITTEN_ATTR in op.attributes:
            reasons[op.index.data] = op.attributes[AS_WRITTEN_ATTR].data  # type: ignore[attr-defined]
    return reasons


def as_written(script: Script, why: str) -> ScriptPart:
    """``script`` as one ``python.exec`` of its whole source: what runs when compiling it
    natively failed inside Stratum (a bug must cost speed, never the script's behaviour).

    Built by hand, with none of the lowering's analyses, so it cannot fail the
    same way; the code keeps the script's file name and line numbers."""
    from xdsl.dialects.builtin import ArrayAttr, IntAttr, StringAttr

    from stratum.ir import python as py

    filename = StringAttr(os.path.abspath(script.path))
    begin = py.ScriptBeginOp(properties={"script": filename, "index": IntAttr(0)}, attributes={AS_WRITTEN_ATTR: StringAttr(why)}, result_types=[py.TokenType()])
    properties = {"source": StringAttr(script.source), "names_in": ArrayAttr([]), "names_out": ArrayAttr([])}
    run = py.ExecOp(operands=[begin.token, []], properties=properties, result_types=[py.TokenType(), []])
    run.location = py.location(filename, 1, 1)
    end = py.ScriptEndOp(operands=[run.next, []])
    statements = len(parse(script).body)
    stats = LoweringStats(statements=statements, opaque_statements=statements, opaque_reasons=[(1, why)])
    stats.fallback = why
    return ScriptPart(ModuleOp(Region(Block([begin, run, end]))), stats, 0)


def assemble(parts: list[ScriptPart]) -> ModuleOp:
    """One module of ``parts`` in batch order, op for op what lowering every script
    into one block gives: script indices are their positions, identity numbers
    continue from one script to the next. Moves the ops out of the parts."""
    from xdsl.dialects.builtin import IntAttr

    from stratum.frontend.lowering import _IDENTITY_ATTR

    block = Block()
    offset = 0
    for index, part in enumerate(parts):
        part_block = part.module.body.block
        first = part_block.first_op
        assert first is not None and first.name == "python.script_begin"
        first.properties["index"] = IntAttr(index)
        if offset:
            for op in part.module.walk():
                number = op.attributes.get(_IDENTITY_ATTR)
                if isinstance(number, IntAttr):
                    op.attributes[_IDENTITY_ATTR] = IntAttr(number.data + offset)
        offset += part.identities
        ops = list(part_block.ops)
        for op in ops:
            op.detach()
        block.add_ops(ops)
    return ModuleOp(Region(block))


def compile_scripts(scripts: list[Script], base_dir: Path | None = None) -> CompiledBatch:
    """Lower every script of a batch into one module, in batch order."""
    parts = [lower_script(script, base_dir) for script in scripts]
    return CompiledBatch(assemble(parts), scripts, [p.stats for p in parts])
