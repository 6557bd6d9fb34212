"""fast-cse gives exactly the IR of xDSL's cse and dce: on random blocks and on the corpus."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects.builtin import ArrayAttr, IntAttr, ModuleOp, StringAttr
from xdsl.ir import Block, Region, SSAValue

from stratum.driver import build_pipeline, print_ir
from stratum.frontend import Script, ScriptSyntaxError, compile_scripts
from stratum.ir import dataframe as df
from stratum.ir import python as py
from stratum.ir import stratum_context
from stratum.ir.constants import encode
from stratum.passes import DEFAULT_PIPELINE

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"

# The default pipeline with xDSL's own passes in place of fast-cse.
XDSL_PIPELINE = (
    DEFAULT_PIPELINE.replace("fast-cse{dce=false}", "cse").replace("fast-cse{cse=false}", "dce").replace("fast-cse", "cse,dce")
)


def _same_after(module: ModuleOp, fast: str, reference: str) -> tuple[str, str]:
    ctx = stratum_context()
    a, b = module.clone(), module.clone()
    build_pipeline(fast).apply(ctx, a)
    build_pipeline(reference).apply(ctx, b)
    a.verify()
    # fast-cse also keeps the merged ops' positions (a fused location); xDSL's keeps the first.
    return _without_locations(a), _without_locations(b)


def _without_locations(module: ModuleOp) -> str:
    from io import StringIO

    from xdsl.printer import Printer

    out = StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue()


# One op of a random block: (kind, operand picks, a small parameter).
_op = st.tuples(
    st.sampled_from(["const", "column", "binary", "elementwise", "select", "read", "print", "exec", "bind", "identity"]),
    st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=2),
    st.integers(min_value=0, max_value=2),
)


def _random_module(spec: list[tuple[str, list[int], int]], keep_all: bool) -> ModuleOp:
    block = Block()

    def add(op):  # type: ignore[no-untyped-def]
        block.add_op(op)
        return op

    token: SSAValue = add(py.ScriptBeginOp(properties={"script": StringAttr("a.py"), "index": IntAttr(0)}, result_types=[py.TokenType()])).token
    frames: list[SSAValue] = [add(df.ReadCsvOp(operands=[[]], properties={"path": StringAttr("x.csv"), "kwnames": ArrayAttr([]), "fingerprint": StringAttr("f0")}, result_types=[df.FrameType.unknown()])).result]
    values: list[SSAValue] = [add(py.ConstantOp(properties={"value": encode(v)}, result_types=[py.ObjectType()])).result for v in (0, 1, 2)]
    for kind, (i, j), k in spec:
        # Operands among the first few values, so that equal ops are frequent.
        x, y = values[i % len(values)], values[j % len(values)]
        frame = frames[i % len(frames)]
        if kind == "const":
            op = py.ConstantOp(properties={"value": encode([1, 1.0, "1"][k])}, result_types=[py.ObjectType()])
        elif kind == "column":
            op = df.ColumnOp(operands=[frame], properties={"column": StringAttr("aab"[k])}, result_types=[df.ColumnType.of([None, "int64", None][k])])
        elif kind in ("binary", "identity"):
            op = py.BinaryOp(operands=[x, y], properties={"op": StringAttr(["add", "sub", "mul"][k])}, result_types=[py.ObjectType()])
            if kind == "identity":
                op.attributes["stratum.identity"] = IntAttr(k)
        elif kind == "elementwise":
            # On the latest value, so that chains form and fuse.
            op = df.ElementwiseOp(operands=[[values[-1], y]], properties={"fn": StringAttr(["add", "sub", "mul"][k])}, result_types=[df.ColumnType.of("float64")])
        elif kind == "select":
            columns = [["a", "b"], ["b", "a"], ["a"]][k]
            op = df.SelectOp(operands=[frame], properties={"columns": ArrayAttr([StringAttr(c) for c in columns])}, result_types=[df.FrameType.unknown()])
        elif kind == "read":
            op = df.ReadCsvOp(operands=[[]], properties={"path": StringAttr("x.csv"), "kwnames": ArrayAttr([]), "fingerprint": StringAttr(f"f{k % 2}")}, result_types=[df.FrameType.unknown()])
        elif kind == "print":
            op = py.PrintOp(operands=[token, [x]], properties={"kwnames": ArrayAttr([])}, result_types=[py.TokenType()])
        elif kind == "exec":
            op = py.ExecOp(
                operands=[token, [x]],
                properties={"source": StringAttr("y = x"), "names_in": ArrayAttr([StringAttr("x")]), "names_out": ArrayAttr([StringAttr("y")])},
                result_types=[py.TokenType(), [py.ObjectType()]],
            )
        else:
            op = py.BindOp(operands=[token, [x, frame]], properties={"names": ArrayAttr([StringAttr("v"), StringAttr("f")])}, result_types=[py.TokenType()])
        block.add_op(op)
        for result in op.results:
            if isinstance(result.type, py.TokenType):
                token = result
            elif isinstance(result.type, df.FrameType):
                frames.append(result)
            else:
                values.append(result)
    if keep_all:  # every value is used: what merges shows in the bind's operands
        token = add(py.BindOp(operands=[token, values + frames], properties={"names": ArrayAttr([StringAttr(f"v{n}") for n in range(len(values) + len(frames))])}, result_types=[py.TokenType()])).next
    block.add_op(py.ScriptEndOp(operands=[token, []]))
    return ModuleOp(Region(block))


def _with_twins(spec: list[tuple[tuple[str, list[int], int], str]]) -> list[tuple[str, list[int], int]]:
    """Follows ops by an equal op, or one that differs only a little, so both cases are frequent."""
    out = []
    for (kind, picks, k), twin in spec:
        out.append((kind, picks, k))
        if twin == "same":
            out.append((kind, picks, k))
        elif twin == "swapped":
            out.append((kind, picks[::-1], k))
        elif twin == "other":  # another property, attribute or type
            out.append((kind, picks, (k + 1) % 3))
    return out


@given(st.lists(st.tuples(_op, st.sampled_from(["none", "same", "swapped", "other"])), max_size=20), st.booleans())
def test_random_blocks_match_xdsl(spec: list[tuple[tuple[str, list[int], int], str]], keep_all: bool) -> None:
    module = _random_module(_with_twins(spec), keep_all)
    fast, reference = _same_after(module, "fast-cse", "cse,dce")
    assert fast == reference
    fast, reference = _same_after(module, "fast-cse{dce=false}", "cse")
    assert fast == reference
    fast, reference = _same_after(module, "fast-cse{cse=false}", "dce")
    assert fast == reference
    # After fusion, dce also looks into the fused ops' regions.
    fast, reference = _same_after(module, "fuse-elementwise,fast-cse", "fuse-elementwise,cse,dce")
    assert fast == reference


def test_merges_and_removes_something() -> None:
    # Two equal columns (the second printed) and an unused one: something merges and something goes.
    module = _random_module([("column", [0, 0], 0), ("column", [0, 0], 0), ("column", [0, 0], 1), ("print", [4, 0], 0)], keep_all=False)
    before = print_ir(module)
    fast, reference = _same_after(module, "fast-cse", "cse,dce")
    assert fast == reference != before
    assert fast.count('"df.column"') == 1


def test_fused_regions() -> None:
    # A chain of elementwise ops (values 3.. are the results) fuses into a region.
    spec = [("column", [0, 0], 0), ("elementwise", [3, 3], 0), ("elementwise", [4, 3], 2), ("elementwise", [5, 0], 1), ("print", [6, 0], 0)]
    module = _random_module(spec, keep_all=False)
    fast, reference = _same_after(module, "fuse-elementwise,fast-cse", "fuse-elementwise,cse,dce")
    assert '"df.fused"' in fast
    assert fast == reference


def test_corpus_matches_xdsl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATUM_CACHE_DIR", str(tmp_path / "cache"))
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    compared = 0
    for entry in manifest:
        workdir = tmp_path / Path(entry["script"]).stem
        workdir.mkdir()
        (workdir / "input").symlink_to(ROOT / "examples" / entry["task"] / "input")
        os.chdir(workdir)
        try:
            batch = compile_scripts([Script.load(str(CORPUS / entry["script"]))])
        except ScriptSyntaxError:
            continue
        fast, reference = _same_after(batch.module, DEFAULT_PIPELINE, XDSL_PIPELINE)
        assert fast == reference, entry["script"]
        compared += 1
    assert compared >= 40
