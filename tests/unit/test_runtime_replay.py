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
