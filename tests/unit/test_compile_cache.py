"""The compile cache: an unchanged batch over unchanged data is not compiled again."""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import pytest

from stratum import compile_cache
from stratum.driver import compile_optimized
from stratum.frontend import Script
from stratum.passes import DEFAULT_PIPELINE

SOURCE = 'import pandas as pd\ndf = pd.read_csv("data.csv")\nfor c in df.columns:\n    print(c, df[c].sum())\n'


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STRATUM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    (tmp_path / "s.py").write_text(SOURCE)
    return tmp_path


def _columns_printed(result: object) -> list[str]:
    return [op.properties["value"] for op in result.module.walk() if op.name == "python.constant"]  # type: ignore[attr-defined]


def test_unchanged_batch_is_reused(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = compile_optimized([Script.load("s.py")])
    calls = []
    monkeypatch.setattr("stratum.frontend.lower_script", lambda *a, **k: calls.append(a))
    second = compile_optimized([Script.load("s.py")])
    assert calls == []  # the frontend did not run
    assert second.ops_after_opt == first.ops_after_opt and second.stats[0].native_statements == first.stats[0].native_statements


def test_changed_data_or_source_recompiles(workdir: Path) -> None:
    compile_optimized([Script.load("s.py")])
    (workdir / "data.csv").write_text("a,b,c\n1,2,3\n")  # a new column: the loop unrolls differently
    os.utime(workdir / "data.csv", ns=(1, 1))
    three = compile_optimized([Script.load("s.py")])
    assert sum(1 for c in _columns_printed(three) if str(c).strip('"') in ("a", "b", "c")) == 3
    (workdir / "s.py").write_text(SOURCE + "print('more')\n")
    more = compile_optimized([Script.load("s.py")])
    assert more.stats[0].statements == three.stats[0].statements + 1


def test_corrupt_entry_is_recompiled(workdir: Path) -> None:
    first = compile_optimized([Script.load("s.py")])
    key = compile_cache.key([("s.py", SOURCE)], DEFAULT_PIPELINE)
    entry = workdir / "cache" / "compiled" / f"{key}.pickle"
    assert entry.exists()
    entry.write_bytes(entry.read_bytes()[:20])  # truncated
    again = compile_optimized([Script.load("s.py")])
    assert again.ops_after_opt == first.ops_after_opt


def test_cache_directory_others_can_write_is_not_used(workdir: Path) -> None:
    cache = workdir / "cache"
    cache.mkdir(mode=0o777)
    os.chmod(cache, 0o777)
    compile_optimized([Script.load("s.py")])
    assert not (cache / "compiled").exists()


def _use_lists(module: object) -> list[list[tuple[int, int]]]:
    ops = list(module.walk())  # type: ignore[attr-defined]
    number = {op: i for i, op in enumerate(ops)}
    values = [r for op in ops for r in op.results] + [a for op in ops for region in op.regions for block in region.blocks for a in block.args]
    return [[(number[u.operation], u.index) for u in v.uses] for v in values]


def test_flat_format_rebuilds_the_same_module(workdir: Path) -> None:
    from stratum.driver import lower, print_ir

    # Merged values (use lists reordered by cse), a fused region, opaque code.
    source = (
        "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data.csv')\n"
        "x = np.log1p(df['a'] * 2 + df['b'])\ny = np.log1p(df['a'] * 2 + df['b'])\n"
        "z = df['a'] - df['b'] * 3\nimport os\nprint(x.sum(), y.sum(), z.sum(), os.sep)\n"
    )
    (workdir / "t.py").write_text(source)
    compiled = compile_optimized([Script.load("t.py")], use_cache=False)
    module = compiled.module
    assert any(op.regions for op in module.body.block.ops)  # the fused op is there
    flat = compile_cache.flatten(module)
    assert flat[3]  # some use lists are recorded in an order rebuilding does not give by itself
    again = compile_cache.rebuild(pickle.loads(pickle.dumps(flat)))
    again.verify()
    assert print_ir(again) == print_ir(module)
    assert _use_lists(again) == _use_lists(module)
    lower(again)
    lower(module)
    assert print_ir(again) == print_ir(module)


def test_module_too_deep_for_pickle_is_cached(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pickling the op graph recurses once per op: thousands of ops overflow the stack.
    lines = ["import pandas as pd", "df = pd.read_csv('data.csv')"] + [f"v{i} = df['a'] + {i}" for i in range(700)]
    (workdir / "big.py").write_text("\n".join(lines) + "\nprint(v699.sum())\n")
    first = compile_optimized([Script.load("big.py")])
    assert first.ops_total > sys.getrecursionlimit()
    calls = []
    monkeypatch.setattr("stratum.frontend.lower_script", lambda *a, **k: calls.append(a))
    second = compile_optimized([Script.load("big.py")])
    assert calls == []
    assert second.ops_after_opt == first.ops_after_opt


# -- per-script entries: a changed batch lowers only the scripts that changed --------

# Containers opaque code may mutate: their elements carry stratum.identity numbers,
# numbered across the batch, so assembling must continue them from script to script.
IDENTITIES = (
    "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data.csv')\n"
    "parts = [np.zeros(2), np.zeros(2), df['a'] * 2]\nclass Box:\n    pass\n"
    "box = Box()\nbox.items = parts\nbox.items[0][0] = 1\nprint(parts[1], parts[0])\n"
)
OTHER = "import pandas as pd\nother = pd.read_csv('other.csv')\nprint(other['x'].sum(), (other['x'] * 2).max())\n"


@pytest.fixture
def batch(workdir: Path) -> list[str]:
    (workdir / "other.csv").write_text("x,y\n1,2\n3,4\n")
    (workdir / "i1.py").write_text(IDENTITIES)
    (workdir / "o.py").write_text(OTHER)
    (workdir / "i2.py").write_text(IDENTITIES.replace("parts[1], parts[0]", "parts[0], parts[1]"))
    return ["i1.py", "s.py", "o.py", "i2.py"]


def _lowered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The scripts the frontend lowers from now on."""
    import stratum.frontend

    real = stratum.frontend.lower_script
    calls: list[str] = []

    def counting(script: Script, *args: object, **kwargs: object) -> object:
        calls.append(script.path)
        return real(script, *args, **kwargs)

    monkeypatch.setattr(stratum.frontend, "lower_script", counting)
    return calls


def _one_block(paths: list[str]) -> str:
    """The batch as the frontend built it before parts existed: every script lowered into one block."""
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Block, Region

    from stratum.driver import build_pipeline, print_ir
    from stratum.frontend import parse
    from stratum.frontend.lowering import ScriptLowering
    from stratum.ir import stratum_context

    block = Block()
    for index, path in enumerate(paths):
        script = Script.load(path)
        ScriptLowering(block, os.path.abspath(path), script.source, index, Path.cwd()).lower_module(parse(script))
    module = ModuleOp(Region(block))
    build_pipeline(DEFAULT_PIPELINE).apply(stratum_context(), module)
    return print_ir(module)


def test_editing_one_script_lowers_only_that_one(batch: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stratum.driver import print_ir

    first = compile_optimized([Script.load(p) for p in batch])
    assert "stratum.identity" in print_ir(first.module)
    calls = _lowered(monkeypatch)
    (workdir / "o.py").write_text(OTHER.replace("print(", "print('edited', ", 1))
    edited = compile_optimized([Script.load(p) for p in batch])
    assert calls == ["o.py"]
    assert [s.statements for s in edited.stats] == [s.statements for s in first.stats]
    # Op for op what compiling the whole batch from scratch gives, and what one block gave.
    scratch = compile_optimized([Script.load(p) for p in batch], use_cache=False)
    assert print_ir(edited.module) == print_ir(scratch.module) == _one_block(batch)
    assert (edited.ops_total, edited.ops_opaque, edited.ops_after_opt) == (scratch.ops_total, scratch.ops_opaque, scratch.ops_after_opt)


def test_parts_find_their_place_in_another_batch(batch: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Cached parts say index 0 and count identities from 0: reordered, they are renumbered.
    from stratum.driver import print_ir

    compile_optimized([Script.load(p) for p in batch])
    calls = _lowered(monkeypatch)
    reordered = list(reversed(batch))
    again = compile_optimized([Script.load(p) for p in reordered])
    assert calls == []
    assert print_ir(again.module) == _one_block(reordered)


def test_changed_data_file_relowers_only_the_scripts_that_read_it(batch: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stratum.driver import print_ir

    compile_optimized([Script.load(p) for p in batch])
    calls = _lowered(monkeypatch)
    (workdir / "other.csv").write_text("x,y,z\n1,2,3\n")
    os.utime(workdir / "other.csv", ns=(1, 1))
    changed = compile_optimized([Script.load(p) for p in batch])
    assert calls == ["o.py"]
    assert print_ir(changed.module) == _one_block(batch)
    calls.clear()
    (workdir / "data.csv").write_text("a,b,c\n1,2,3\n")
    os.utime(workdir / "data.csv", ns=(2, 2))
    compile_optimized([Script.load(p) for p in batch])
    assert sorted(calls) == ["i1.py", "i2.py", "s.py"]


def test_corrupt_part_is_relowered(batch: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stratum.driver import print_ir

    compile_optimized([Script.load(p) for p in batch])
    part = workdir / "cache" / "compiled" / f"{compile_cache.part_key('s.py', SOURCE, str(workdir))}.pickle"
    assert part.exists()
    part.write_bytes(part.read_bytes()[:-30])  # truncated
    (workdir / "o.py").write_text(OTHER + "print('more')\n")  # the batch entry misses too
    calls = _lowered(monkeypatch)
    again = compile_optimized([Script.load(p) for p in batch])
    assert sorted(calls) == ["o.py", "s.py"]
    assert print_ir(again.module) == _one_block(batch)
    calls.clear()
    (workdir / "o.py").write_text(OTHER + "print('again')\n")
    compile_optimized([Script.load(p) for p in batch])
    assert calls == ["o.py"]  # s.py's part was stored again, whole


# -- stratumc --run --results: the batch compiles in a forked process ---------------------


def _parent_compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Compiles in this process from now on (a forked child's calls are not seen here)."""
    import stratum.driver

    real = stratum.driver.compile_optimized
    calls: list[int] = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(os.getpid())
        return real(*args, **kwargs)

    monkeypatch.setattr(stratum.driver, "compile_optimized", counting)
    return calls


def _run_batch_cli(workdir: Path, *scripts: str) -> tuple[int, dict]:
    from stratum.cli import main

    status = main(["--run", *scripts, "--results", str(workdir / "R"), "--cache-dir", str(workdir / "values"), "--stats-json", str(workdir / "stats.json"), "--jobs", "1"])
    return status, json.loads((workdir / "stats.json").read_text())


def test_batch_run_compiles_in_a_child(batch: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _parent_compiles(monkeypatch)
    status, stats = _run_batch_cli(workdir, "s.py", "o.py")
    assert status == 0
    assert calls == []  # the child compiled; this process only received the plan
    assert (workdir / "R" / "s" / "stdout.txt").read_text() == "a 1\nb 2\n"
    assert (workdir / "R" / "o" / "stdout.txt").read_text() == "4 6\n"
    scratch = compile_optimized([Script.load("s.py"), Script.load("o.py")], use_cache=False)
    assert (stats["ops_total"], stats["ops_after_opt"], stats["scripts"]) == (scratch.ops_total, scratch.ops_after_opt, 2)
    assert stats["runtime"]["ops_executed"] > 0
    # The child stored the batch for the next run: a hit, nothing lowered.
    lowered = _lowered(monkeypatch)
    compile_optimized([Script.load("s.py"), Script.load("o.py")])
    assert lowered == []


def test_batch_run_compiles_here_when_the_child_sends_nothing(batch: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _parent_compiles(monkeypatch)
    monkeypatch.setattr(compile_cache, "entry", lambda *a, **k: None)  # the child's plan does not pickle
    status, stats = _run_batch_cli(workdir, "s.py", "o.py")
    assert status == 0
    assert calls == [os.getpid()]
    assert (workdir / "R" / "s" / "stdout.txt").read_text() == "a 1\nb 2\n"
    assert (workdir / "R" / "o" / "stdout.txt").read_text() == "4 6\n"
    assert stats["scripts"] == 2


def test_batch_run_refuses_a_syntax_error_before_running(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from stratum.cli import main

    (workdir / "broken.py").write_text("x = 1\ny = (2,\nprint(x)\n")
    assert main(["--run", "s.py", "broken.py", "--results", str(workdir / "R"), "--cache-dir", str(workdir / "values")]) == 1
    assert not (workdir / "R").exists()  # nothing ran
    err = capsys.readouterr().err
    assert f'File "{workdir / "broken.py"}", line 2' in err and err.strip().endswith("SyntaxError: '(' was never closed")


def test_plan_from_the_child_is_the_plan_compiled_here(batch: list[str]) -> None:
    from stratum.cli import _Compiling
    from stratum.driver import lower, print_ir

    scripts = [Script.load(p) for p in batch]
    received = _Compiling(scripts, DEFAULT_PIPELINE, use_cache=False).wait()
    here = compile_optimized(scripts, use_cache=False)
    lower(here.module)
    assert print_ir(received.module) == print_ir(here.module)
    assert _use_lists(received.module) == _use_lists(here.module)
    assert [s.statements for s in received.stats] == [s.statements for s in here.stats]
