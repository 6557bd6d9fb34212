"""`--executor ray`: the batch as Ray tasks on a local Ray instance.

The same contract as the local batch runner (test_runtime_batch.py): every
script's stdout, exit status, last stderr line and files are python's,
whatever the others do; and work shared by scripts goes through the object
store, computed once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the [ray] extra is not installed")

from helpers import ROOT, last_line  # noqa: E402
from test_runtime_batch import SCRIPTS, TIMEOUT, _base, _batch, _outputs, _python_runs  # noqa: E402

from stratum.driver import compile_optimized, lower  # noqa: E402
from stratum.frontend import Script  # noqa: E402
from stratum.runtime.batch import BatchOptions  # noqa: E402
from stratum.runtime.ray_executor import dump_module, load_module, run_batch_ray  # noqa: E402

NAMES = ("writes", "also_reads", "raises", "exits", "segfault", "hangs")




def test_failures_stay_isolated_and_match_python(tmp_path: Path) -> None:
    scripts = {}
    for name in NAMES:
        scripts[name] = tmp_path / f"{name}.py"
        scripts[name].write_text(SCRIPTS[name])
    base = _base(tmp_path)
    results = tmp_path / "results"
    expected = _python_runs(tmp_path, scripts, interrupt_after={"hangs": 2.0})
    proc, summary = _batch(list(scripts.values()), base, results, "--timeout", str(TIMEOUT), "--jobs", "2", "--no-cache", "--executor", "ray")
    assert proc.returncode == 1, proc.stderr
    assert summary["executor"] == "ray"
    by_id = {entry["id"]: entry for entry in summary["scripts"]}
    assert list(by_id) == list(NAMES)
    for name, outcome in expected.items():
        actual = _outputs(results / name)
        assert actual["stdout"] == outcome["stdout"], name
        assert actual["status"] == outcome["status"], name
        assert last_line(actual["stderr"]) == last_line(outcome["stderr"]), name
        assert actual["files"] == outcome["files"], name
    assert {k: v["status"] for k, v in by_id.items()} == {
        "writes": "ok",
        "also_reads": "ok",
        "raises": "error",
        "exits": "error",
        "segfault": "crashed",
        "hangs": "timeout",
    }
    assert by_id["raises"]["exception"] == "KeyError"
    assert by_id["segfault"]["signal"] == "SIGSEGV"
    assert by_id["hangs"]["exit_code"] == -signal.SIGINT
    assert TIMEOUT <= by_id["hangs"]["seconds"] < TIMEOUT + 3
    assert not (base / "note.txt").exists() and not any((base / "working").iterdir())


SHARED = """import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

train = pd.read_csv("./input/train.csv")
X = train[["LotArea", "OverallQual", "GrLivArea"]]
y = np.log1p(train["SalePrice"])
model = Ridge(alpha=3.0).fit(X, y)
print("TAG", float(np.sqrt(np.mean((model.predict(X) - y) ** 2))))
"""


def test_shared_values_go_through_the_object_store(tmp_path: Path) -> None:
    """No disk cache at all: the read and the fit both scripts need are computed once, under the actor's locks."""
    import ray

    base = _base(tmp_path)
    paths = []
    for tag in ("first", "second"):
        path = tmp_path / f"{tag}.py"
        path.write_text(SHARED.replace("TAG", tag))
        paths.append(str(path))
    expected = _python_runs(tmp_path, {Path(p).stem: Path(p) for p in paths})
    optimized = compile_optimized([Script.load(p) for p in paths], use_cache=False)
    lower(optimized.module)
    # A zero memory budget: every intermediate that may spill does, in the Ray workers too.
    options = BatchOptions(workdir=base, results=tmp_path / "results", jobs=2, cache=None, memory_budget=0)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        outcome = run_batch_ray(optimized.module, paths, options)
    finally:
        ray.shutdown()
    for result in outcome.results:
        assert result.status == "ok", result
        assert (options.results / result.id / "stdout.txt").read_text() == expected[result.id]["stdout"]
    computed = [r.computed for r in outcome.results]
    assert sum(c.get("df.read_csv", 0) for c in computed) == 1
    assert sum(c.get("ml.fit", 0) for c in computed) == 1
    assert sum(r.cache_hits for r in outcome.results) >= 2
    assert all(r.spills > 0 for r in outcome.results)
    summary = json.loads((options.results / "summary.json").read_text())
    assert "cache_dir" not in summary and summary["executor"] == "ray"


def test_deep_modules_survive_the_trip_to_the_workers() -> None:
    """A corpus script's lowered module is far deeper than the default recursion limit allows pickling."""
    script = ROOT / "tests" / "corpus" / "house_prices" / "hp_l1_s0_draft.py"
    optimized = compile_optimized([Script.load(str(script))], use_cache=False)
    lower(optimized.module)
    limit = sys.getrecursionlimit()
    again = load_module(dump_module(optimized.module))
    assert sys.getrecursionlimit() == limit
    from stratum.driver import print_ir

    assert print_ir(again) == print_ir(optimized.module)


def test_address_needs_the_ray_executor(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", str(script), "--results", str(tmp_path / "r"), "--address", "127.0.0.1:6379"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["stratumc: error: --address needs --executor ray"]
