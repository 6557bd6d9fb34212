"""A bug of Stratum's own compiler costs speed, never a script's behaviour.

Failures are injected into the frontend, a pass and the lowering of a real
`stratumc` process; each affected script must then run as written and behave
exactly as under python, and the others keep their native compile.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import make_task_dir, python, run_in
from test_frontend_fuzz import program, write_program

GOOD = """import pandas as pd
train = pd.read_csv("./input/train.csv")
train["Total"] = train["1stFlrSF"] + train["2ndFlrSF"]
print("mean total", round(train["Total"].mean(), 3))
"""

# Output, a file, a warning and then the script's own error at its own line.
BAD = """import os
import warnings
import pandas as pd

def load(path):
    return pd.read_csv(path)

train = load("./input/train.csv")
print("rows", len(train), train["SalePrice"].max())
os.makedirs("./working", exist_ok=True)
train.head(3).to_csv("./working/head.csv", index=False)
warnings.warn("careful")
print(train["NoSuchColumn"].sum())
"""

# Replaces one compile stage with one that fails on scripts named bad*.py, then runs stratumc.
LAUNCHER = """import sys
from stratum.ir import python as py

def failing(original):
    # original, failing on a script named bad*.py compiled natively (not once it runs as written)
    def stage(self, *args):
        names = [getattr(self, "filename", "")]
        if hasattr(args[-1], "walk"):
            names += [op.script.data for op in args[-1].walk() if isinstance(op, py.ScriptBeginOp) and "stratum.as_written" not in op.attributes]
        if any(name.rsplit("/", 1)[-1].startswith("bad") for name in names):
            raise RuntimeError("injected bug")
        return original(self, *args)
    return stage

stage = sys.argv.pop(1)
if stage == "frontend":
    from stratum.frontend.lowering import ScriptLowering as target
    target.lower_module = failing(target.lower_module)
elif stage == "pass":
    from stratum.passes.fuse_elementwise import FuseElementwise as target
    target.apply = failing(target.apply)
elif stage == "lowering":
    from stratum.passes.lower_to_plan import LowerToPlan as target
    target.apply = failing(target.apply)
from stratum.cli import entry
sys.argv[0] = "stratumc"
entry()
"""


@pytest.fixture
def task(tmp_path: Path) -> Path:
    workdir = tmp_path / "task"
    workdir.mkdir()
    make_task_dir(workdir)
    (workdir / "good.py").write_text(GOOD)
    (workdir / "bad.py").write_text(BAD)
    (tmp_path / "launch.py").write_text(LAUNCHER)
    return workdir


def _stratumc(task: Path, stage: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(task.parent / "launch.py"), stage, *args, "--no-cache"], cwd=task, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("stage", ["frontend", "pass", "lowering"])
def test_single_script_runs_as_written_when_a_stage_fails(task: Path, stage: str) -> None:
    expected = python(task, "bad.py")
    assert expected.status == 1 and "KeyError" in expected.stderr and "careful" in expected.stderr
    actual = run_in(task, [sys.executable, str(task.parent / "launch.py"), stage, "--run", "bad.py", "--no-cache", "--stats-json", "stats.json"])
    assert (actual.stdout, actual.stderr, actual.status, actual.files) == (expected.stdout, expected.stderr, expected.status, expected.files)
    (entry,) = json.loads((task / "stats.json").read_text())["per_script"]
    assert entry["fallback"].endswith("RuntimeError: injected bug") and entry["native"] == 0


@pytest.mark.parametrize("stage", ["frontend", "pass", "lowering"])
def test_batch_keeps_the_other_scripts_native(task: Path, stage: str) -> None:
    results = task.parent / f"results-{stage}"
    proc = _stratumc(task, stage, "--run", "good.py", "bad.py", "--workdir", str(task), "--results", str(results), "--stats-json", str(task.parent / "stats.json"))
    assert proc.returncode == 1, proc.stderr  # bad.py fails, as under python
    summary = {s["id"]: s for s in json.loads((results / "summary.json").read_text())["scripts"]}
    for name in ("good", "bad"):
        expected = python(task, f"{name}.py")
        directory = results / name
        assert (directory / "stdout.txt").read_text() == expected.stdout
        assert (directory / "stderr.txt").read_text() == expected.stderr
        assert int((directory / "exit_code").read_text()) == expected.status
        for file, content in expected.files.items():
            assert (directory / "working" / file).read_bytes() == content
    assert summary["bad"]["fallback"].endswith("RuntimeError: injected bug")
    per_script = {Path(s["script"]).stem: s for s in json.loads((task.parent / "stats.json").read_text())["per_script"]}
    if stage == "lowering":
        # Lowering is of the whole plan: every script runs as written.
        assert summary["good"]["fallback"] is not None
    else:
        assert summary["good"]["fallback"] is None and "fallback" not in per_script["good"] and per_script["good"]["native"] > 0


def test_emit_reports_a_failing_pass_without_a_traceback(task: Path) -> None:
    proc = _stratumc(task, "pass", "--emit", "opt", "bad.py")
    assert proc.returncode == 3
    assert proc.stderr == "stratumc: error: the pass pipeline failed on this batch: RuntimeError: injected bug (STRATUM_STRICT_FRONTEND=1 shows where)\n"
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_emit_shows_a_script_the_frontend_fails_on_as_written(task: Path) -> None:
    proc = _stratumc(task, "frontend", "--emit", "ir", "bad.py", "good.py")
    assert proc.returncode == 0, proc.stderr
    bad, good = proc.stdout.split('"python.script_end"')[:2]
    assert 'stratum.as_written = "frontend: RuntimeError: injected bug"' in bad and '"python.exec"' in bad
    assert "df.read_csv" in good  # the other script lowered natively


@settings(max_examples=10)
@given(source=program(), stage=st.sampled_from(["frontend", "pass", "lowering"]))
def test_random_programs_run_as_written_exactly_as_python(tmp_path_factory: pytest.TempPathFactory, source: str, stage: str) -> None:
    """Random agent-like programs (their mistakes included), with the stage failing on every
    script (named bad.py): stdout, all of stderr and the status are python's."""
    tmp = tmp_path_factory.mktemp("fallback")
    script = write_program(tmp, source, "bad.py")
    (tmp / "launch.py").write_text(LAUNCHER)
    plain = subprocess.run([sys.executable, "bad.py"], cwd=tmp, capture_output=True, text=True)
    ours = subprocess.run([sys.executable, "launch.py", stage, "--run", script.name, "--no-cache"], cwd=tmp, capture_output=True, text=True)
    assert (ours.stdout, ours.stderr, ours.returncode) == (plain.stdout, plain.stderr, plain.returncode), source
