"""Exceptions raised by native ops reach stderr as python shows them: type, message, script line, and their chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ROOT

SCRIPT = 'import pandas as pd\ntrain = pd.read_csv("./input/train.csv")\nprint("loaded")\ny = train["SalePrise"] * 2\n'


def _sections(stderr: str) -> list[str]:
    """The chain's structure: each exception's last line and the sentences joining them."""
    return [line for line in stderr.splitlines() if line and not line.startswith(" ") and not line.startswith("Traceback")]


def test_a_native_failure_keeps_its_cause_chain(tmp_path: Path) -> None:
    (tmp_path / "input").symlink_to(ROOT / "examples" / "house_prices" / "input")
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    plain = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True)
    ran = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", str(script)], cwd=tmp_path, capture_output=True, text=True)
    assert (ran.stdout, ran.returncode) == (plain.stdout, plain.returncode) == ("loaded\n", 1)
    assert _sections(ran.stderr) == _sections(plain.stderr)
    assert "The above exception was the direct cause of the following exception:" in ran.stderr
    assert f'  File "{script}", line 4, in <module>' in ran.stderr
