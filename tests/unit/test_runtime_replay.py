"""Whole-script replay: a rerun batch replays unchanged deterministic scripts, and runs everything else.

A replayed script's directory (stdout, stderr, exit status, files) must be
byte-identical to what running it gives; anything that could make the run
differ (its text, an input's content, a file it read elsewhere, an unseeded
random generator, a clock) must make it run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from stratum.runtime.replay import replayable_source

ENV = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}

READ = 'import pandas as pd\nimport numpy as np\ntrain = pd.read_csv("./input/train.csv")\n'
SCRIPTS = {
    "fits": READ + "from sklearn.linear_model import Ridge\nX = train[['LotArea', 'GrLivArea']]\nm = Ridge(alpha=2.0).fit(X, train['SalePrice'])\n"
    "print('RMSE', float(np.sqrt(np.mean((m.predict(X) - train['SalePrice']) ** 2))))\n"
    "import os\nos.makedirs('./working', exist_ok=True)\npd.DataFrame({'p': m.predict(X)}).to_csv('./working/submission.csv', index=False)\n",
    "raises": READ + "print('loaded', len(train))\ntrain['SalePrise']\n",
    "seeded": READ + "np.random.seed(0)\nprint('draw', np.random.rand())\n",
    "unseeded": READ + "print('draw', np.random.rand())\n",
    "sklearn_unseeded": READ + "from sklearn.ensemble import RandomForestRegressor\nm = RandomForestRegressor(n_estimators=3).fit(train[['LotArea']], train['SalePrice'])\nprint('pred', m.predict(train[['LotArea']])[:2])\n",
    "clock": "import time\nprint('at', time.time())\n",
    "reads_elsewhere": "import os\npath = os.path.join(os.sep.join(['', 'tmp']), NAME)\nprint(open(path).read())\n",
    "input_rows": READ + "print('rows', len(train), train['SalePrice'].sum())\n",
}


def _setup(tmp_path: Path) -> tuple[Path, dict[str, Path], Path]:
    base = tmp_path / "base"
    (base / "input").mkdir(parents=True)
    for name in ("train.csv", "test.csv"):
        (base / "input" / name).write_bytes((ROOT / "examples" / "house_prices" / "input" / name).read_bytes())
    outside = Path("/tmp") / f"stratum-replay-{os.getpid()}-{tmp_path.name}.txt"
    outside.write_text("first\n")
    scripts = {}
    for name, body in SCRIPTS.items():
        scripts[name] = tmp_path / f"{name}.py"
        scripts[name].write_text(body.replace("NAME", repr(outside.name)))
    return base, scripts, outside


def _run(scripts: dict[str, Path], base: Path, results: Path, cache: Path, *extra: str) -> dict[str, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", *map(str, scripts.values()), "--workdir", str(base), "--results", str(results), "--cache-dir", str(cache), *extra],
        capture_output=True, text=True, timeout=600, env=ENV,
    )
    assert (results / "summary.json").exists(), proc.stderr
    summary = {e["id"]: e for e in json.loads((results / "summary.json").read_text())["scripts"]}
    for entry in summary.values():
        directory = results / entry["id"]
        entry["tree"] = {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
    return summary


def test_unchanged_deterministic_scripts_are_replayed_byte_for_byte(tmp_path: Path) -> None:
    base, scripts, outside = _setup(tmp_path)
    cache = tmp_path / "cache"
    try:
        first = _run(scripts, base, tmp_path / "r1", cache)
        assert not any(e["replayed"] for e in first.values())
        second = _run(scripts, base, tmp_path / "r2", cache)
        replayed = {name for name, e in second.items() if e["replayed"]}
        assert replayed == {"fits", "raises", "seeded", "reads_elsewhere", "input_rows"}
        for name in scripts:
            assert second[name]["tree"] == first[name]["tree"] or name in ("unseeded", "sklearn_unseeded", "clock"), name
            assert (second[name]["status"], second[name]["exit_code"], second[name]["exception"]) == (first[name]["status"], first[name]["exit_code"], first[name]["exception"])
        assert second["fits"]["tree"]["working/submission.csv"] == first["fits"]["tree"]["working/submission.csv"]
        assert second["raises"]["exception"] == "KeyError" and b"KeyError: 'SalePrise'" in second["raises"]["tree"]["stderr.txt"]
        assert second["unseeded"]["tree"]["stdout.txt"] != first["unseeded"]["tree"]["stdout.txt"]  # it really ran again

        # What the scripts depend on changes: exactly the dependent ones run again, and see the change.
        outside.write_text("second\n")
        train = base / "input" / "train.csv"
        lines = train.read_text().splitlines(keepends=True)
        train.write_text("".join(lines[:-1]))
        scripts["seeded"].write_text(SCRIPTS["seeded"].replace("seed(0)", "seed(1)"))
        third = _run(scripts, base, tmp_path / "r3", cache)
        assert not any(e["replayed"] for e in third.values())  # every script sees the base directory, so all rerun
        assert third["reads_elsewhere"]["tree"]["stdout.txt"] == b"second\n\n"
        assert third["input_rows"]["tree"]["stdout.txt"].startswith(b"rows 1459 ")
        fourth = _run(scripts, base, tmp_path / "r4", cache, "--no-replay")
        assert not any(e["replayed"] for e in fourth.values())
        outside.write_text("third\n")
        fifth = _run(scripts, base, tmp_path / "r5", cache)
        assert not fifth["reads_elsewhere"]["replayed"] and fifth["reads_elsewhere"]["tree"]["stdout.txt"] == b"third\n\n"
        assert fifth["input_rows"]["replayed"] and fifth["input_rows"]["tree"] == third["input_rows"]["tree"]
    finally:
        outside.unlink()


@pytest.mark.parametrize(
    ("source", "replayable"),
    [
        ("import pandas as pd\nprint(pd.read_csv('./input/train.csv').shape)\n", True),
        ("import numpy as np\nrng = np.random.default_rng(42)\nprint(rng.random())\n", True),
        ("import numpy as np\nrng = np.random.default_rng()\n", False),
        ("import numpy as np\nrng = np.random.default_rng(seed=None)\n", False),
        ("from numpy.random import RandomState\nr = RandomState()\n", False),
        ("import time\n", False),
        ("import datetime\n", False),
        ("import pandas as pd\nprint(pd.Timestamp.now())\n", False),
        ("import os\nprint(os.listdir('.'))\n", False),
        ("import os\nprint(os.environ['HOME'])\n", False),
        ("import pandas as pd\npd.read_csv('/data/train.csv')\n", False),
        ("import pandas as pd\npd.read_csv('../input/train.csv')\n", False),
        ("import requests\n", False),
        ("from . import helper\n", False),
        ("x = __import__('os')\n", False),
        ("def f(:\n", False),
    ],
)
def test_static_check(source: str, replayable: bool) -> None:
    assert replayable_source(source) is replayable


def test_an_edited_script_reruns_from_the_cache_without_importing_what_it_does_not_use(tmp_path: Path) -> None:
    """After one print of one script changes, the others replay and the edited one runs
    alone: its imports whose modules no computed op needs are not evaluated (the
    probe before forking finds none), every value comes from the cache, and its
    output is python's. Also: a script whose library draws from `random` at import
    (lightgbm does) stays replayable when that import happens in the worker."""
    base, scripts, outside = _setup(tmp_path)
    outside.unlink()
    chosen = {name: scripts[name] for name in ("fits", "seeded", "input_rows")}
    chosen["lgbm"] = tmp_path / "lgbm.py"
    chosen["lgbm"].write_text(READ + "import lightgbm\nprint('rows', len(train))\n")
    cache = tmp_path / "cache"
    _run(chosen, base, tmp_path / "r1", cache)
    edited = SCRIPTS["fits"].replace("print('RMSE',", "print('edited RMSE',")
    chosen["fits"].write_text(edited)
    second = _run(chosen, base, tmp_path / "r2", cache)
    assert {name for name, e in second.items() if e["replayed"]} == {"seeded", "input_rows", "lgbm"}
    fits = second["fits"]
    # The one import evaluated is `import os` (os.makedirs runs again); pandas, numpy and
    # sklearn are libraries whose values here all come from the cache or are not needed.
    assert fits["computed"].get("python.import") == 1 and "ml.fit" not in fits["computed"] and fits["cache_hits"] > 0
    workdir = tmp_path / "plain"
    workdir.mkdir()
    (workdir / "input").symlink_to(base / "input")
    plain = subprocess.run([sys.executable, str(chosen["fits"])], cwd=workdir, capture_output=True, text=True, env=ENV)
    assert fits["tree"]["stdout.txt"].decode() == plain.stdout and plain.stdout.startswith("edited RMSE")
    assert fits["tree"]["working/submission.csv"] == (workdir / "working" / "submission.csv").read_bytes()


def test_draws_a_library_makes_while_imported_are_not_the_scripts() -> None:
    import random

    from stratum.runtime import imports
    from stratum.runtime.replay import RunWatch

    import numpy as np

    def watched(steps: list[str]) -> bool:
        seeds = random.seed, np.random.seed  # the watch wraps them, as in a worker
        watch = RunWatch("/nonexistent-base", "/nonexistent-dir")
        watch.install(None)
        try:
            for step in steps:
                if step == "import":
                    with imports.importing():
                        random.getrandbits(24)  # as rich.style does at import
                elif step == "draw":
                    random.random()
                elif step == "seed":
                    random.seed(3)
            return watch.deterministic()
        finally:
            imports.watch_imports(None)
            random.seed, np.random.seed = seeds

    assert watched(["import"])
    assert watched(["import", "seed", "draw"])
    assert watched(["seed", "import", "draw"])
    assert not watched(["draw", "import"])  # the script's own draw, before the import, still counts
    assert not watched(["import", "draw"])
    assert not watched(["draw", "import", "seed"])


def test_a_script_that_looks_at_loaded_modules_imports_at_its_statements(tmp_path: Path) -> None:
    """Deferring an import is invisible unless the script asks which modules are loaded:
    one that reads ``sys.modules`` imports at its statements on a rerun, as python does."""
    base, _, outside = _setup(tmp_path)
    outside.unlink()
    script = tmp_path / "looks.py"
    body = (
        READ + "from sklearn.linear_model import Ridge\nscore = Ridge().fit(train[['LotArea']], train['SalePrice']).score(train[['LotArea']], train['SalePrice'])\n"
        "print('score', score)\nimport sys\nprint('loaded', 'sklearn.linear_model' in sys.modules)\n"
    )
    script.write_text(body)
    cache = tmp_path / "cache"
    _run({"looks": script}, base, tmp_path / "r1", cache)
    script.write_text(body.replace("print('score',", "print('R2',"))
    second = _run({"looks": script}, base, tmp_path / "r2", cache)["looks"]
    assert not second["replayed"] and second["cache_hits"] > 0
    workdir = tmp_path / "plain"
    workdir.mkdir()
    (workdir / "input").symlink_to(base / "input")
    plain = subprocess.run([sys.executable, str(script)], cwd=workdir, capture_output=True, text=True, env=ENV)
    assert plain.stdout.endswith("loaded True\n") and second["tree"]["stdout.txt"].decode() == plain.stdout
