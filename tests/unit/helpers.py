"""Running a script under `python` and under `stratumc --run`, for differential tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    stdout: str
    stderr: str
    status: int
    files: dict[str, bytes]


def run_in(workdir: Path, command: list[str]) -> Outcome:
    working = workdir / "working"
    if working.exists():
        shutil.rmtree(working)
    proc = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)
    files = {p.name: p.read_bytes() for p in working.glob("*")} if working.exists() else {}
    return Outcome(proc.stdout, proc.stderr, proc.returncode, files)


def python(workdir: Path, script: str) -> Outcome:
    return run_in(workdir, [sys.executable, script])


def stratumc(workdir: Path, *args: str) -> Outcome:
    return run_in(workdir, [sys.executable, "-m", "stratum.cli", *args])


def make_task_dir(tmp_path: Path, task: str = "house_prices") -> Path:
    """A working directory with the task's data under ./input, as agents expect."""
    (tmp_path / "input").symlink_to(ROOT / "examples" / task / "input")
    return tmp_path


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@contextlib.contextmanager
def in_tmp() -> Iterator[Path]:
    """Runs the block in a fresh temporary directory, then goes back."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)
