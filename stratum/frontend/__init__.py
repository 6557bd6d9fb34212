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


def parse(script: Script) -> ast.Module:
    try:
        return ast.parse(script.source, filename=script.path)
    except SyntaxError as error:
        raise ScriptSyntaxError(error) from None


def compile_scripts(scripts: list[Script], base_dir: Path | None = None) -> CompiledBatch:
    """Lower every script of a batch into one module, in batch order."""
    block = Block()
    stats = []
    for index, script in enumerate(scripts):
        tree = parse(script)
        # Like `python script.py` (3.9+), code objects and __file__ carry the absolute path.
        lowering = ScriptLowering(block, os.path.abspath(script.path), script.source, index, base_dir or Path.cwd())
        lowering.lower_module(tree)
        stats.append(lowering.stats)
    return CompiledBatch(ModuleOp(Region(block)), scripts, stats)
