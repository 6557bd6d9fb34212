"""Exceptions raised by native ops reach stderr as python shows them: type, message, script line, and their chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_task_dir, python, stratumc

SCRIPT = 'import pandas as pd\ntrain = pd.read_csv("./input/train.csv")\nprint("loaded")\ny = train["SalePrise"] * 2\n'


def _sections(stderr: str) -> list[str]:
    """The chain's structure: each exception's last line and the sentences joining them."""
    return [line for line in stderr.splitlines() if line and not line.startswith(" ") and not line.startswith("Traceback")]


def test_a_native_failure_keeps_its_cause_chain(tmp_path: Path) -> None:
    script = make_task_dir(tmp_path) / "s.py"
    script.write_text(SCRIPT)
    plain, ran = python(tmp_path, str(script)), stratumc(tmp_path, "--run", str(script))
    assert (ran.stdout, ran.status) == (plain.stdout, plain.status) == ("loaded\n", 1)
    assert _sections(ran.stderr) == _sections(plain.stderr)
    assert "The above exception was the direct cause of the following exception:" in ran.stderr
    assert f'  File "{script}", line 4, in <module>' in ran.stderr


READ = 'import pandas as pd\ntrain = pd.read_csv("./input/train.csv")\n'
FAILING = {
    # python's carets point at the subscript inside the product
    "subscript": READ + 'print("loaded")\ny = train["SalePrise"] * 2\n',
    # a library call that fails deep inside sklearn
    "fit": READ + 'from sklearn.linear_model import Ridge\nX = train[["LotArea", "MSZoning"]]\nm = Ridge()\nm.fit(X, train["SalePrice"])\n',
    # of two chained calls starting at one position, the outer one fails
    "chained": READ + 'z = train.fillna(0).astype({"MSZoning": "int64"})\n',
    # of two subscripts starting at one position, the outer one fails
    "nested_subscripts": READ + 'print(train["SalePrice"].iloc[len(train)])\n',
    # inlined helpers: python shows a frame per call, each with its carets
    "inlined": READ + "def add(frame, k=2):\n    frame['t'] = frame['SalePrise'] * k\n    return frame\n\n"
    "def main():\n    out = add(train)\n    print(out.shape)\n\nmain()\n",
    # opaque code inside an inlined helper raises through the same frames
    "inlined_opaque": READ + "def check(frame):\n    assert len(frame) > 5000, f'only {len(frame)} rows'\n\n"
    "def main():\n    print('checking')\n    check(train)\n\nmain()\n",
    # a missing method: carets under the attribute only, and python's "Did you mean"
    "missing_method": READ + 'total = train["LotArea"].sum()\nprint(total)\nprint(train["LotArea"].sum().date())\n',
    "missing_frame_method": READ + 'x = train["LotArea"].fillnaa(0)\n',
    "missing_accessor": READ + 'x = train["LotArea"].str.lower()\n',
    "missing_name": READ + 'trian_mean = train["LotArea"].mean()\nprint(train_mean + trian_men)\n',
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_the_whole_traceback_is_pythons(tmp_path: Path, name: str) -> None:
    script = make_task_dir(tmp_path) / f"{name}.py"
    script.write_text(FAILING[name])
    plain, ran = python(tmp_path, str(script)), stratumc(tmp_path, "--run", str(script))
    assert plain.status == 1
    assert ran == plain
