#!/usr/bin/env python
"""Run corpus scripts with plain CPython (``python script.py``) and check them.

Every corpus script expects to run with its current directory set to a folder
that holds ``input/`` (the task's data) and an empty ``working/``; it writes
its predictions to ``working/submission.csv``.  This module builds such a
folder in a temporary directory, runs the script there and collects what it
did: stdout, stderr, exit code and the files it wrote under ``working/``.

Library use (e.g. from a test that compares Stratum against plain Python)::

    import importlib.util, pathlib
    spec = importlib.util.spec_from_file_location("run_plain", "tests/corpus/run_plain.py")
    run_plain = importlib.util.module_from_spec(spec); spec.loader.exec_module(run_plain)

    for entry in run_plain.load_manifest():
        res = run_plain.run_script(entry["script"])
        problems = run_plain.check_entry(entry, res)

``run_script`` takes a ``command`` argument (default ``[sys.executable]``) so
the same harness can run a script through another front end, e.g.
``command=["stratumc", "run"]``; the script path is appended to it.

Command line::

    python tests/corpus/run_plain.py                 # run all, check vs manifest
    python tests/corpus/run_plain.py --determinism   # also re-run ok scripts and diff
    python tests/corpus/run_plain.py -k hp_l3        # only scripts containing "hp_l3"

Exits non-zero when any script disagrees with its manifest entry (or, with
``--determinism``, when two runs of an ok script differ).
"""

import argparse
import csv
import io
import json
import math
import os
import re
try:
    import resource
except ImportError:  # pragma: no cover - non-Unix
    resource = None
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
REPO_ROOT = CORPUS_DIR.parent.parent
EXAMPLES_DIR = REPO_ROOT / "examples"
MANIFEST_PATH = CORPUS_DIR / "manifest.json"
DEFAULT_TIMEOUT = 120.0

# Number of test rows / Ids of the house-prices task (checked for submissions).
_HP_TEST_ROWS = 1459


# --------------------------------------------------------------------------- #
# Running
# --------------------------------------------------------------------------- #
@dataclass
class RunResult:
    script: str
    task: str
    returncode: int
    stdout: str
    stderr: str
    files: dict[str, bytes] = field(default_factory=dict)  # relative to working/
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = float("nan")  # user+sys of the child (Unix only)
    timed_out: bool = False

    @property
    def error_type(self) -> str | None:
        return parse_error_type(self.stderr) if self.returncode != 0 else None

    @property
    def submission(self) -> bytes | None:
        return self.files.get("submission.csv")


def load_manifest(path: str | os.PathLike | None = None) -> list[dict]:
    with open(path or MANIFEST_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def resolve_script(script: str | os.PathLike) -> Path:
    """A manifest path ("house_prices/hp_l1_s0_draft.py") or any path to a script."""
    p = Path(script)
    if not p.is_absolute():
        cand = CORPUS_DIR / p
        p = cand if cand.exists() else p.resolve()
    return p


def infer_task(script_path: Path) -> str:
    task = script_path.parent.name
    if not (EXAMPLES_DIR / task / "input").is_dir():
        raise ValueError(f"cannot infer the task of {script_path}; pass task=")
    return task


def prepare_workdir(task: str, workdir: str | os.PathLike, copy_inputs: bool = False) -> Path:
    """Create ``workdir/input`` (the task's data) and an empty ``workdir/working``."""
    workdir = Path(workdir)
    src = EXAMPLES_DIR / task / "input"
    if not src.is_dir():
        raise FileNotFoundError(f"no input data for task {task!r} at {src}")
    inp = workdir / "input"
    inp.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.iterdir()):
        dst = inp / f.name
        if copy_inputs or f.is_dir():
            if f.is_dir():
                shutil.copytree(f, dst)
            else:
                shutil.copy2(f, dst)
        else:
            os.symlink(f.resolve(), dst)
    (workdir / "working").mkdir(parents=True, exist_ok=True)
    return workdir


def collect_files(working: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if working.is_dir():
        for p in sorted(working.rglob("*")):
            if p.is_file():
                out[p.relative_to(working).as_posix()] = p.read_bytes()
    return out


def default_env(omp_passive: bool = True) -> dict[str, str]:
    """The environment scripts run in: ours, plus OMP_WAIT_POLICY=PASSIVE.

    LightGBM, XGBoost and sklearn's HistGradientBoosting use OpenMP with one
    thread per core by default. With the default (spinning) wait policy a busy
    machine slows them down by 10-100x (seen here: a 0.4 s XGBoost fit taking
    40 s on 2 shared vCPUs). Passive waiting changes only how idle threads
    wait, not the results (checked: identical stdout and submissions either way).
    An OMP_WAIT_POLICY already set in the environment is kept.
    """
    env = os.environ.copy()
    if omp_passive:
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


def run_script(
    script: str | os.PathLike,
    task: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    command: list[str] | None = None,
    copy_inputs: bool = False,
    env: dict[str, str] | None = None,
    keep_dir: str | os.PathLike | None = None,
) -> RunResult:
    """Run ``<command> <script>`` (default ``python <script>``) in a fresh work dir.

    env: the child's environment; default ``default_env()``.
    keep_dir: if given, the work dir is created there (it must not exist or be
    empty) and kept afterwards; otherwise a temporary dir is used and removed.
    """
    script_path = resolve_script(script)
    if not script_path.is_file():
        raise FileNotFoundError(script_path)
    task = task or infer_task(script_path)
    cmd = list(command or [sys.executable]) + [str(script_path)]
    try:
        rel = script_path.relative_to(CORPUS_DIR).as_posix()
    except ValueError:
        rel = str(script_path)

    def _run(workdir: Path) -> RunResult:
        prepare_workdir(task, workdir, copy_inputs=copy_inputs)
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
        t0 = time.perf_counter()
        timed_out = False
        try:
            proc = subprocess.run(
                cmd, cwd=workdir, capture_output=True, timeout=timeout,
                env=env if env is not None else default_env(),
            )
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            timed_out = True
            rc, out, err = -9, exc.stdout or b"", exc.stderr or b""
        seconds = time.perf_counter() - t0
        cpu = float("nan")
        if ru0 is not None:
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        return RunResult(
            script=rel, task=task, returncode=rc,
            stdout=out.decode("utf-8", "replace"), stderr=err.decode("utf-8", "replace"),
            files=collect_files(workdir / "working"), seconds=seconds, cpu_seconds=cpu,
            timed_out=timed_out,
        )

    if keep_dir is not None:
        return _run(Path(keep_dir))
    with tempfile.TemporaryDirectory(prefix="stratum_corpus_") as tmp:
        return _run(Path(tmp))


# --------------------------------------------------------------------------- #
# Checking
# --------------------------------------------------------------------------- #
_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")


def parse_error_type(stderr: str) -> str | None:
    """Exception class name of the uncaught exception reported in ``stderr``.

    Takes the first unindented line after the last ``Traceback`` header (the
    message of e.g. sklearn's NaN ValueError spans several lines, so the very
    last line is not always the ``Type: message`` line).  Without a traceback
    (a SyntaxError in the main script) it scans from the end for a line that
    looks like ``SomeError: ...``.  Dotted names are reduced to the class name.
    """
    lines = stderr.splitlines()
    idx = max((i for i, ln in enumerate(lines) if ln.startswith("Traceback (most recent call last)")), default=None)
    candidates = lines[idx + 1:] if idx is not None else list(reversed(lines))
    for ln in candidates:
        if not ln.strip() or ln[0].isspace():
            continue
        m = _EXC_LINE.match(ln)
        if m and (idx is not None or re.search(r"(Error|Exception|Exit|Interrupt)$", m.group(1))):
            return m.group(1).rsplit(".", 1)[-1]
    return None


def _check_submission(task: str, data: bytes) -> list[str]:
    problems: list[str] = []
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    except Exception as exc:  # pragma: no cover - defensive
        return [f"submission unreadable: {exc}"]
    if len(rows) < 2:
        return ["submission has no data rows"]
    header, body = rows[0], rows[1:]
    if task == "house_prices":
        if header != ["Id", "SalePrice"]:
            problems.append(f"submission header {header} != ['Id', 'SalePrice']")
            return problems
        ids = [r[0] for r in body]
        if len(body) != _HP_TEST_ROWS or len(set(ids)) != _HP_TEST_ROWS:
            problems.append(f"submission has {len(body)} rows / {len(set(ids))} unique Ids, expected {_HP_TEST_ROWS}")
        expected_ids = _house_prices_test_ids()
        if expected_ids is not None and set(ids) != expected_ids:
            problems.append("submission Ids differ from test.csv Ids")
        value_col = 1
    else:
        if len(header) < 2 or "date" not in header[0].lower():
            problems.append(f"submission header {header}: expected a Date column then predictions")
            return problems
        value_col = len(header) - 1
    for r in body:
        try:
            v = float(r[value_col])
        except (ValueError, IndexError):
            problems.append(f"non-numeric prediction in row {r}")
            break
        if not math.isfinite(v) or v <= 0:
            problems.append(f"bad prediction {v} in row {r}")
            break
    return problems


_HP_IDS: set[str] | None = None


def _house_prices_test_ids() -> set[str] | None:
    global _HP_IDS
    if _HP_IDS is None:
        path = EXAMPLES_DIR / "house_prices" / "input" / "test.csv"
        if not path.exists():
            return None
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            col = next(reader).index("Id")
            _HP_IDS = {row[col] for row in reader}
    return _HP_IDS


def check_entry(entry: dict, res: RunResult) -> list[str]:
    """Differences between a run and its manifest entry (empty list: agrees)."""
    problems: list[str] = []
    if res.timed_out:
        return [f"timed out after {res.seconds:.1f}s"]
    if res.returncode != entry["exit_code"]:
        problems.append(f"exit code {res.returncode} != expected {entry['exit_code']}")
    if entry["expect"] == "error":
        if res.error_type != entry["error_type"]:
            problems.append(f"error type {res.error_type!r} != expected {entry['error_type']!r}")
    elif res.error_type is not None:
        problems.append(f"unexpected error {res.error_type}")
    sub = res.submission
    if entry.get("writes_submission", entry["expect"] == "ok"):
        if sub is None:
            problems.append("no working/submission.csv written")
        else:
            problems.extend(_check_submission(entry["task"], sub))
        if "rmse" not in res.stdout.lower():
            problems.append("no validation metric (RMSE) printed")
    elif sub is not None:
        problems.append("working/submission.csv written but not expected")
    return problems


def compare_runs(a: RunResult, b: RunResult) -> list[str]:
    """Determinism check: stdout and every file under working/ must be identical."""
    diffs: list[str] = []
    if a.returncode != b.returncode:
        diffs.append(f"exit code {a.returncode} vs {b.returncode}")
    if a.stdout != b.stdout:
        la, lb = a.stdout.splitlines(), b.stdout.splitlines()
        first = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
        diffs.append(f"stdout differs at line {first + 1}")
    if a.files.keys() != b.files.keys():
        diffs.append(f"file sets differ: {sorted(a.files)} vs {sorted(b.files)}")
    for name in sorted(a.files.keys() & b.files.keys()):
        if a.files[name] != b.files[name]:
            diffs.append(f"working/{name} differs")
    return diffs


def save_result(res: RunResult, dest: Path) -> None:
    """Write stdout.txt, stderr.txt, exit_code.txt and working/<files> under dest."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "working").mkdir(parents=True)
    (dest / "stdout.txt").write_text(res.stdout, encoding="utf-8")
    (dest / "stderr.txt").write_text(res.stderr, encoding="utf-8")
    (dest / "exit_code.txt").write_text(f"{res.returncode}\n", encoding="utf-8")
    for name, data in res.files.items():
        p = dest / "working" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


# --------------------------------------------------------------------------- #
# CLI
# --------------------------------------------------------------------------- #
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", "--filter", default="", help="only scripts whose path contains this string")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="per-script timeout (s)")
    ap.add_argument("--determinism", action="store_true",
                    help="run every ok script a second time; stdout and working/ files must match")
    ap.add_argument("--manifest", default=str(MANIFEST_PATH))
    ap.add_argument("-v", "--verbose", action="store_true", help="print stdout/stderr tails of failures")
    ap.add_argument("--omp-active", action="store_true",
                    help="do not set OMP_WAIT_POLICY=PASSIVE for the scripts (see default_env)")
    ap.add_argument("--save", metavar="DIR",
                    help="write each run's stdout, stderr, exit code and working/ files under DIR/<script>/")
    args = ap.parse_args(argv)
    env = default_env(omp_passive=not args.omp_active)

    entries = [e for e in load_manifest(args.manifest) if args.filter in e["script"]]
    if not entries:
        print("no scripts selected")
        return 1

    width = max(len(e["script"]) for e in entries)
    header = f"{'script':<{width}}  {'expect':<24} {'rc':>3}  {'got':<18} {'sec':>6} {'cpu':>6}  {'det':<4} status"
    print(header)
    print("-" * len(header))

    n_bad = n_nondet = 0
    total = total_second = total_cpu = 0.0
    slowest: list[tuple[float, str]] = []
    for e in entries:
        res = run_script(e["script"], task=e["task"], timeout=args.timeout, env=env)
        if args.save:
            save_result(res, Path(args.save) / e["script"])
        total += res.seconds
        total_cpu += res.cpu_seconds
        slowest.append((res.seconds, e["script"]))
        problems = check_entry(e, res)
        det = "-"
        if args.determinism and e["expect"] == "ok":
            res2 = run_script(e["script"], task=e["task"], timeout=args.timeout, env=env)
            total_second += res2.seconds
            diffs = compare_runs(res, res2)
            det = "ok" if not diffs else "DIFF"
            if diffs:
                n_nondet += 1
                problems.append("non-deterministic: " + "; ".join(diffs))
        expect = "ok" if e["expect"] == "ok" else f"error:{e['error_type']}"
        got = res.error_type or ("ok" if res.returncode == 0 else "?")
        status = "PASS" if not problems else "FAIL: " + " | ".join(problems)
        if problems:
            n_bad += 1
        print(f"{e['script']:<{width}}  {expect:<24} {res.returncode:>3}  {got:<18} {res.seconds:>6.2f} {res.cpu_seconds:>6.2f}  {det:<4} {status}",
              flush=True)
        if problems and args.verbose:
            print("    --- stdout tail ---\n    " + "\n    ".join(res.stdout.splitlines()[-10:]))
            print("    --- stderr tail ---\n    " + "\n    ".join(res.stderr.splitlines()[-10:]))

    print("-" * len(header))
    print(f"{len(entries)} scripts, {len(entries) - n_bad} agree with the manifest, {n_bad} disagree")
    slowest.sort(reverse=True)
    print(f"total plain-python time: {total:.1f}s wall, {total_cpu:.1f}s cpu; "
          f"slowest: {slowest[0][1]} {slowest[0][0]:.1f}s; median {sorted(t for t, _ in slowest)[len(slowest) // 2]:.1f}s")
    if args.determinism:
        n_ok = sum(e["expect"] == "ok" for e in entries)
        print(f"determinism: {n_ok - n_nondet}/{n_ok} ok scripts identical across two runs "
              f"(second pass {total_second:.1f}s)")
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
