"""Warnings of native ops reach stderr as under python: at each statement that computed the value, nowhere else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import make_task_dir, python, stratumc

SCRIPTS = {
    # One statement warns; later statements only use its value: python warns once.
    "used_later": 'import pandas as pd\ntrain = pd.read_csv("./input/train.csv").fillna(0)\nprint(train.shape)\n'
    'x = train["LotArea"] * 2\nprint(x.sum())\nsame = train\nprint(train.iloc[:2, :3])\n'
    "total = 0\nfor c in train.columns:\n    total += len(c)\nprint(total)\n",
    # Two statements compute the same thing (CSE merges them): python warns at both, not at the print after.
    "computed_twice": 'import pandas as pd\ndf = pd.DataFrame({"a": [1.0, None], "b": ["x", None]})\n'
    "f1 = df.fillna(0)\nprint(f1.shape)\nf2 = df.fillna(0)\nprint(f2.shape, f1.dtypes.tolist())\nprint(f1)\n",
    # Warnings whose stacklevel stays inside the library: python names the library's file and line.
    "library_attributed": 'import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import Lasso\n'
    'train = pd.read_csv("./input/train.csv")\nX = train[["GrLivArea", "LotArea"]]\n'
    'model = Lasso(alpha=0.0001, max_iter=3)\nmodel.fit(X, train["SalePrice"])\nprint(round(model.score(X, train["SalePrice"]), 6))\n'
    'z = np.log(train["MasVnrArea"] - 10)\nprint(z.isna().sum())\nz2 = np.log(train["MasVnrArea"] - 10)\nprint(z2.sum() == z.sum())\n',
    # The merged value is used through another op at its second statement, after the filters changed.
    "merged_then_used_after_a_filter_change": 'import warnings\nimport numpy as np\nimport pandas as pd\n'
    'train = pd.read_csv("./input/train.csv")\nwarnings.simplefilter("ignore", RuntimeWarning)\n'
    'print(np.log(train["MasVnrArea"] - 10).isna().sum())\nwarnings.filterwarnings("default")\n'
    'print(np.log(train["MasVnrArea"] - 10).isna().sum())\n',
    # A library warning python shows once per location, again after anything touched the filters:
    # here the script, between two fits.
    "filters_touched_between_fits": 'import warnings\nimport pandas as pd\nfrom sklearn.linear_model import Lasso\n'
    'train = pd.read_csv("./input/train.csv")\nX = train[["GrLivArea", "LotArea"]]\n'
    'Lasso(alpha=0.0001, max_iter=3).fit(X, train["SalePrice"])\nLasso(alpha=0.0002, max_iter=3).fit(X, train["SalePrice"])\n'
    'with warnings.catch_warnings():\n    pass\nLasso(alpha=0.0003, max_iter=3).fit(X, train["SalePrice"])\nprint("done")\n',
    # Here LightGBM itself, inside every fit: python shows its eval_set deprecation once per fold.
    "library_touches_filters_in_each_fit": 'import numpy as np\nimport pandas as pd\nimport lightgbm as lgb\n'
    'train = pd.read_csv("./input/train.csv")\nX, y = train[["GrLivArea", "LotArea", "OverallQual"]], np.log1p(train["SalePrice"])\n'
    'for seed in range(3):\n    m = lgb.LGBMRegressor(n_estimators=5, random_state=seed, verbose=-1)\n'
    '    m.fit(X[:1000], y[:1000], eval_set=[(X[1000:], y[1000:])])\n    print(round(float(m.predict(X[:3]).sum()), 6))\n',
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_warnings_appear_where_python_shows_them(tmp_path: Path, name: str) -> None:
    script = make_task_dir(tmp_path) / f"{name}.py"
    script.write_text(SCRIPTS[name])
    plain, ran = python(tmp_path, str(script)), stratumc(tmp_path, "--run", str(script))
    assert "Warning" in plain.stderr
    assert ran == plain


SCRIPTS["inner_expression"] = (
    'import numpy as np\nimport pandas as pd\ntrain = pd.read_csv("./input/train.csv")\n'
    'z = np.log(train["MasVnrArea"] - 10).fillna(0).clip(lower=-1)\nprint(z.sum())\n'
)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_values_reused_from_the_cache_warn_again(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun that takes values from the value cache shows the warnings computing them gave:
    a cached fit its ConvergenceWarning, and a value computed from a warning inner
    expression (or from a value merged from another statement) is not stored at all."""
    monkeypatch.setenv("STRATUM_CACHE_MIN_SECONDS", "0")  # store every value the rules allow, however quick
    script = make_task_dir(tmp_path) / f"{name}.py"
    script.write_text(SCRIPTS[name])
    plain = python(tmp_path, str(script))
    assert "Warning" in plain.stderr
    for attempt in ("cold", "warm"):
        ran = stratumc(tmp_path, "--run", str(script), "--results", str(tmp_path / attempt), "--cache-dir", str(tmp_path / "cache"), "--no-replay")
        assert ran.status == plain.status, ran.stderr
        directory = tmp_path / attempt / name
        assert (directory / "stderr.txt").read_text() == plain.stderr, attempt
        assert (directory / "stdout.txt").read_text() == plain.stdout, attempt
    (entry,) = json.loads((tmp_path / "warm" / "summary.json").read_text())["scripts"]
    assert entry["cache_hits"] > 0
    if name == "library_attributed":
        assert "ml.fit" not in entry["computed"]  # the fit came from the cache, and warned
