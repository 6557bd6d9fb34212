"""Every value is defined before its uses, in the IR of every corpus script after the default pipeline.

The executor pulls values lazily, so it would run an op whose operand is
defined later; MLIR-style IR must not contain one (``xdsl-opt`` and any
pass that walks in order rely on it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xdsl.ir import Block

from stratum.driver import compile_optimized
from stratum.frontend import Script

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
SCRIPTS = [e["script"] for e in json.loads((CORPUS / "manifest.json").read_text()) if e.get("expect") != "syntax_error" and e.get("error_type") != "SyntaxError"]


def _undominated(block: Block) -> list[str]:
    seen: set[object] = set(block.args)
    problems = []
    for op in block.ops:
        for operand in op.operands:
            if operand.owner.parent_block() is block and operand not in seen:  # type: ignore[union-attr]
                problems.append(f"{op.name} at {op.location} uses a value defined later")
        for region in op.regions:
            for inner in region.blocks:
                problems += _undominated(inner)
        seen.update(op.results)
    return problems


@pytest.mark.parametrize("name", SCRIPTS, ids=[Path(s).stem for s in SCRIPTS])
def test_values_are_defined_before_use(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "examples" / name.split("/")[0])  # ./input/ holds the task's data: schemas get profiled
    optimized = compile_optimized([Script.load(str(CORPUS / name))], use_cache=False)
    assert _undominated(optimized.module.body.block) == []
