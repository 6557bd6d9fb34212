"""stratumc's contract: `--run` is indistinguishable from `python`, and bad input fails cleanly."""

from __future__ import annotations

import json
import os
import shutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, last_line, make_task_dir, python, stratumc

EXAMPLE = ROOT / "examples" / "house_prices"


def test_example_pipeline_matches_python(tmp_path: Path) -> None:
    workdir = make_task_dir(tmp_path)
    shutil.copy(EXAMPLE / "pipeline.py", workdir / "pipeline.py")
    expected = python(workdir, "pipeline.py")
    actual = stratumc(workdir, "--run", "pipeline.py")
    assert expected.status == 0, expected.stderr
    assert actual.stdout == expected.stdout
    assert actual.status == expected.status
    assert actual.files == expected.files
    assert "submission.csv" in actual.files
    assert "Validation RMSE:" in actual.stdout


FAILING = {
    # name: (script body, expected last stderr line prefix, expected stdout)
    "missing_column": (
        'import pandas as pd\ntrain = pd.read_csv("./input/train.csv")\nprint("loaded")\ny = train["SalePrise"]\nprint("never")\n',
        "KeyError: 'SalePrise'",
        "loaded\n",
    ),
    "opaque_type_error": (
        'from sklearn.preprocessing import OneHotEncoder\nprint("start")\nenc = OneHotEncoder(sparse=False)\n',
        "TypeError: OneHotEncoder.__init__() got an unexpected keyword argument 'sparse'",
        "start\n",
    ),
    "missing_file": (
        'import pandas as pd\nprint("a")\ndf = pd.read_csv("./input/nope.csv")\n',
        "FileNotFoundError: [Errno 2] No such file or directory: './input/nope.csv'",
        "a\n",
    ),
    "missing_module": ('print("x")\nimport not_a_real_module_xyz\n', "ModuleNotFoundError: No module named 'not_a_real_module_xyz'", "x\n"),
    "sys_exit": ('import sys\nprint("bye")\nsys.exit(3)\nprint("no")\n', "", "bye\n"),
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_failures_match_python(tmp_path: Path, name: str) -> None:
    body, error_line, stdout = FAILING[name]
    workdir = make_task_dir(tmp_path)
    (workdir / "script.py").write_text(body)
    expected = python(workdir, "script.py")
    actual = stratumc(workdir, "--run", "script.py")
    assert expected.stdout == stdout
    assert actual.stdout == expected.stdout
    assert actual.status == expected.status
    assert last_line(actual.stderr) == last_line(expected.stderr)
    assert last_line(actual.stderr).startswith(error_line)
    if error_line:
        # The traceback names the script's own line, and nothing of Stratum's.
        expected_frame = [l for l in expected.stderr.splitlines() if 'File "' in l and "script.py" in l]
        actual_frame = [l for l in actual.stderr.splitlines() if 'File "' in l and "script.py" in l]
        assert actual_frame == expected_frame
        assert "stratum" not in actual.stderr


FAILING_IMPORTS = {
    "missing_package_of_a_dotted_from_import": "from statsmodels_not_here.tsa.arima.model import ARIMA\n",
    "missing_submodule_of_an_installed_package": "import numpy as np\nimport sklearn.no_such_module as q\n",
    "missing_name_of_a_module": "from sklearn.metrics import no_such_metric\n",
    "missing_submodule_in_a_from_import": "import os.path\nfrom sklearn import linear_model, no_such_sub\n",
}


@pytest.mark.parametrize("name", sorted(FAILING_IMPORTS))
def test_failing_imports_give_pythons_whole_traceback(tmp_path: Path, name: str) -> None:
    # The import statement's traceback has only the script's frame: no importlib ones.
    (tmp_path / "script.py").write_text(FAILING_IMPORTS[name])
    expected = python(tmp_path, "script.py")
    actual = stratumc(tmp_path, "--run", "script.py")
    assert expected.status == 1
    assert (actual.status, actual.stdout, actual.stderr) == (expected.status, expected.stdout, expected.stderr)


def test_a_single_run_reuses_values_of_an_earlier_run(tmp_path: Path) -> None:
    # Like a batch, a plain `--run` keeps values in the default cache (under
    # STRATUM_CACHE_DIR here), so a rerun reads them; --no-cache keeps none.
    (tmp_path / "task").mkdir()
    workdir = make_task_dir(tmp_path / "task")
    (workdir / "script.py").write_text(
        "import numpy as np\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestRegressor\n"
        'train = pd.read_csv("./input/train.csv")\n'
        'X = train[["GrLivArea", "OverallQual", "YearBuilt"]]\n'
        'model = RandomForestRegressor(n_estimators=30, random_state=0).fit(X, np.log1p(train["SalePrice"]))\n'
        'print(f"{model.predict(X)[:3].sum():.12f}")\n'
    )
    expected = python(workdir, "script.py")
    env = {**os.environ, "STRATUM_CACHE_DIR": str(tmp_path / "cache"), "STRATUM_SERVER": "0"}

    def run(*flags: str) -> tuple[subprocess.CompletedProcess[str], dict]:
        stats = tmp_path / "stats.json"
        proc = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "script.py", "--stats-json", str(stats), *flags], cwd=workdir, capture_output=True, text=True, env=env)
        return proc, json.loads(stats.read_text())["runtime"]

    for flags, reused in (((), False), ((), True), (("--no-cache",), False)):
        proc, runtime = run(*flags)
        assert (proc.returncode, proc.stdout, proc.stderr) == (expected.status, expected.stdout, expected.stderr)
        assert (runtime["cache_hits"] > 0) == reused, runtime
    assert (tmp_path / "cache" / "values").is_dir()


def test_syntax_error_is_reported_like_python(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("x = 1\ny = (2,\nprint(x)\n")
    plain = subprocess.run([sys.executable, "broken.py"], capture_output=True, text=True, cwd=tmp_path)
    ran = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "broken.py"], capture_output=True, text=True, cwd=tmp_path)
    assert (ran.returncode, ran.stdout, ran.stderr) == (plain.returncode, plain.stdout, plain.stderr) == (1, "", ran.stderr)
    assert f'File "{script}", line 2' in ran.stderr
    # Compiling only: one compiler-style line naming file, line and column.
    compiled = subprocess.run([sys.executable, "-m", "stratum.cli", str(script)], capture_output=True, text=True)
    assert compiled.returncode == 1
    assert compiled.stderr.strip().splitlines() == [f"{script}:2:5: SyntaxError: '(' was never closed"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "stratumc: error: cannot open 'missing.py': No such file or directory"),
        (["--emit", "asm", "x.py"], "stratumc: error: argument --emit: invalid choice: 'asm' (choose from 'ir', 'opt', 'plan')"),
        (["-p", "no-such-pass", str(EXAMPLE / "pipeline.py")], "stratumc: error: Unrecognized passes: ['no-such-pass']"),
    ],
)
def test_bad_options_give_one_clear_line(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "stratum.cli", *args], capture_output=True, text=True, cwd=EXAMPLE)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [message]


def test_emit_stages_and_stats(tmp_path: Path) -> None:
    stats_path = tmp_path / "stats.json"
    args = [sys.executable, "-m", "stratum.cli", "pipeline.py", "--stats-json", str(stats_path)]
    outputs = {}
    for stage in ("ir", "opt", "plan"):
        proc = subprocess.run([*args, "--emit", stage], capture_output=True, text=True, cwd=EXAMPLE, check=True)
        outputs[stage] = proc.stdout
    assert '"df.read_csv"' in outputs["ir"] and '"plan.task"' not in outputs["ir"]
    assert '"plan.task"' in outputs["plan"]
    stats = json.loads(stats_path.read_text())
    assert stats["scripts"] == 1
    assert stats["ops_total"] > stats["ops_after_opt"] > 0  # cse/dce removed something
    # The example is all native (its os.makedirs an effect call); the counts add up.
    assert stats["ops_opaque"] == 0 and stats["statements_opaque"] == 0
    assert stats["statements_native"] == stats["statements"] > 10


def test_print_ir_after_all(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "pipeline.py", "--print-ir-after-all"], capture_output=True, text=True, cwd=EXAMPLE, check=True
    )
    dumps = [line for line in proc.stderr.splitlines() if line.startswith("// -----// IR Dump After")]
    from stratum.passes import DEFAULT_PIPELINE, LOWERING_PIPELINE

    # One dump per pass of the pipeline, named without its options.
    expected = [re.sub(r"\{.*\}", "", p) for p in re.split(r",(?![^{]*\})", f"{DEFAULT_PIPELINE},{LOWERING_PIPELINE}")]
    assert len(expected) >= 6 and "lower-to-plan" == expected[-1]
    assert [d.split()[5] for d in dumps] == expected


def test_emitted_ir_round_trips_through_xdsl_opt() -> None:
    if shutil.which("xdsl-opt") is None:
        pytest.fail("xdsl-opt is not installed; install the package with its dependencies")
    opt = subprocess.run([sys.executable, "-m", "stratum.cli", "pipeline.py", "--emit", "opt"], capture_output=True, text=True, cwd=EXAMPLE, check=True).stdout
    again = subprocess.run(["xdsl-opt", "--print-debuginfo"], input=opt, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == opt.strip()
