"""Running a script under `python` and under `stratumc --run`, for differential tests;
loading generated programs for the pass properties."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
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


_generated = itertools.count()


def load_program(tmp_dir: Path, statements: list[str], prologue: list[str] | None = None) -> Any:
    """``def program(frame)`` from generated source: the prologue's lines, then
    ``t<i> = <statement>`` for each statement; it returns ``[t0, t1, ...]``.
    Written to a file and imported, so ``@stratum.compile`` can read its source."""
    body = "\n".join([f"    {line}" for line in prologue or []] + [f"    t{i} = {expr}" for i, expr in enumerate(statements)])
    results = ", ".join(f"t{i}" for i in range(len(statements)))
    source = f"import numpy as np\n\n\ndef program(frame):\n{body}\n    return [{results}]\n"
    path = tmp_dir / f"generated_{next(_generated)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module.program


def outcome(fn: Any, frame: Any) -> object:
    """``fn(frame)`` on a copy of the frame, or the failure as (type, message): the same failure must happen everywhere."""
    try:
        return fn(frame.copy())
    except Exception as exc:
        return (type(exc), str(exc))
