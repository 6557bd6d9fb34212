"""Runs the lit + FileCheck suite under tests/filecheck."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

SUITE = Path(__file__).resolve().parents[1] / "filecheck"


def test_lit_suite_passes() -> None:
    lit = shutil.which("lit")
    assert lit is not None, "lit is not installed (pip install -e '.[dev]')"
    proc = subprocess.run([sys.executable, lit, "-v", str(SUITE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
