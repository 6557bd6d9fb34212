"""Differential test of the frontend: every corpus script behaves the same
under ``stratumc --run`` as under ``python``.

Same stdout (numbers equal to 1e-9 relative, the documented tolerance where
a kernel replaces a library call; today every line is identical), the same
exit status, the same exception (type and message: the last stderr line; for
a failing script the whole traceback), the same warnings on stderr for a
script that succeeds, and the same files under ``working/`` (numbers to 1e-9
relative).
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
import math
import re
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
_spec = importlib.util.spec_from_file_location("run_plain", CORPUS / "run_plain.py")
assert _spec is not None and _spec.loader is not None
run_plain = importlib.util.module_from_spec(_spec)
sys.modules["run_plain"] = run_plain
_spec.loader.exec_module(run_plain)

MANIFEST = run_plain.load_manifest()
STRATUMC = [sys.executable, "-m", "stratum.cli", "--run"]
RELATIVE_TOLERANCE = 1e-9
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


def same_text(expected: str, actual: str) -> bool:
    """Equal, or equal after replacing numbers by numbers within the tolerance."""
    if expected == actual:
        return True
    if _NUMBER.sub("#", expected) != _NUMBER.sub("#", actual):
        return False
    for e, a in zip(_NUMBER.findall(expected), _NUMBER.findall(actual)):
        x, y = float(e), float(a)
        if not (x == y or (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=RELATIVE_TOLERANCE)):
            return False
    return True


def _traceback(stderr: str) -> str:
    """The traceback python printed at exit (warnings before it aside)."""
    start = stderr.find("Traceback (most recent call last):")
    return stderr[start:] if start >= 0 else stderr


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_tolerant_comparison_catches_real_differences() -> None:
    assert same_text("RMSE: 0.1234567890123", "RMSE: 0.1234567890124")
    assert not same_text("RMSE: 0.12345", "RMSE: 0.12346")
    assert not same_text("RMSE: 0.1", "RMSE 0.1")
    assert same_text("x,nan\n", "x,nan\n")


@pytest.mark.parametrize("entry", MANIFEST, ids=[Path(e["script"]).stem for e in MANIFEST])
def test_script_behaves_as_under_python(entry: dict) -> None:
    # Both runs at once (each in its own directory): the machine has two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        plain = pool.submit(run_plain.run_script, entry["script"])
        ours = pool.submit(run_plain.run_script, entry["script"], command=STRATUMC)
        expected, actual = plain.result(), ours.result()
    assert expected.returncode == entry["exit_code"], expected.stderr[-2000:]
    assert actual.returncode == expected.returncode, actual.stderr[-2000:]
    assert same_text(expected.stdout, actual.stdout), (expected.stdout[-1500:], actual.stdout[-1500:])
    assert last_line(actual.stderr) == last_line(expected.stderr), actual.stderr[-3000:]
    if expected.returncode == 0:
        # Warnings too: the same text, at the same file and line (the script's or the library's), as often.
        assert same_text(expected.stderr, actual.stderr), (expected.stderr[-1500:], actual.stderr[-1500:])
    if expected.returncode != 0:
        # The traceback points at the same lines of the script's own file.
        script = str(run_plain.resolve_script(entry["script"]))
        frames = [line for path, line in re.findall(r'File "([^"]+)", line (\d+)', expected.stderr) if path == script]
        ours = [line for path, line in re.findall(r'File "([^"]+)", line (\d+)', actual.stderr) if path == script]
        assert ours[-1:] == frames[-1:], actual.stderr[-3000:]
        # More: the whole traceback is python's, frames of inlined functions, carets and chained causes included.
        assert _traceback(actual.stderr) == _traceback(expected.stderr)
    assert sorted(actual.files) == sorted(expected.files)
    for name, data in expected.files.items():
        assert same_text(data.decode(), actual.files[name].decode()), f"working/{name} differs"
