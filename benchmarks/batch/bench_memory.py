"""Buffer pool: peak RSS and wall time of a script with large intermediates, with and without a budget.

The script computes ``--arrays`` float columns of ``--rows`` rows early and
uses each again only at its end, so without a budget all of them are live at
once. Each variant runs as its own process (``ru_maxrss`` is per process):

* ``python``: plain ``python script.py``;
* ``stratum``: ``stratumc --run script.py``;
* ``stratum --memory-budget B``: the same with each budget of ``--budgets``.

Every variant's stdout must equal python's. The compile is cached by a
warm-up run first, so the times are of running (plus process start and
imports, the same for all). Best of ``--repeat`` for time; RSS of the same run.

``--corpus N --budgets B`` instead runs the first N house_prices corpus
scripts that succeed, under python and under ``stratumc --run
--memory-budget B`` (``0``: everything that may spill does), each in a fresh
directory with ``./input``, and compares stdout, exit status and the files
written under ``working/``.

    python benchmarks/batch/bench_memory.py [--rows 4000000] [--arrays 8] [--budgets 64M,128M] [--repeat 3]
    python benchmarks/batch/bench_memory.py --corpus 20 --budgets 0
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs a command in this process after ``main``: its stdout goes to the pipe, its peak RSS to a file.
_MEASURE = """
import resource, runpy, sys
out, argv = sys.argv[1], sys.argv[2:]
status = 0
try:
    if argv[0] == "python":
        sys.argv = argv[1:]
        runpy.run_path(argv[1], run_name="__main__")
    else:
        from stratum.cli import main
        status = main(argv[1:])
finally:
    sys.stdout.flush()
    with open(out, "w") as handle:
        handle.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.exit(status)
"""


def script(rows: int, arrays: int) -> str:
    lines = ["import numpy as np", f"x = np.arange({rows}, dtype=np.float64) / {rows}.0"]
    lines += [f"f{i} = np.sqrt(x * {i + 1}.0 + 1.0) - x" for i in range(arrays)]
    lines.append("print(round(float(x.sum()), 6))")
    # Each array comes back once, late: the farthest one is the first to spill.
    lines += [f"print({i}, round(float(f{i}.sum()), 6), round(float((f{i} * f{i}).max()), 6))" for i in range(arrays)]
    return "\n".join(lines) + "\n"


def measure(workdir: Path, command: list[str], env: dict[str, str]) -> tuple[str, float, int, dict]:
    rss_file = workdir / "rss.txt"
    stats_file = workdir / "stats.json"
    if command[0] == "stratum":
        command = [*command, "--stats-json", str(stats_file)]
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(rss_file), *command], cwd=workdir, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{command}: exit {proc.returncode}\n{proc.stderr}")
    stats = json.loads(stats_file.read_text()).get("runtime", {}) if command[0] == "stratum" else {}
    if stats_file.exists():
        stats_file.unlink()
    return proc.stdout, seconds, int(rss_file.read_text()) * 1024, stats


def corpus(count: int, budget: str) -> None:
    manifest = json.loads((ROOT / "tests" / "corpus" / "manifest.json").read_text())
    names = [e["script"] for e in manifest if e["task"] == "house_prices" and e["expect"] == "ok"][:count]
    with tempfile.TemporaryDirectory(prefix="stratum-bench-memory-") as tmp:
        env = {**os.environ, "STRATUM_CACHE_DIR": str(Path(tmp) / "cache"), "PYTHONPATH": str(ROOT), "OMP_WAIT_POLICY": "PASSIVE"}
        different = 0
        for name in names:
            script = ROOT / "tests" / "corpus" / name
            outcomes = []
            for how in ("python", "stratum"):
                workdir = Path(tmp) / how / Path(name).stem
                (workdir / "working").mkdir(parents=True)
                (workdir / "input").symlink_to(ROOT / "examples" / "house_prices" / "input")
                stats = workdir / "stats.json"
                command = [sys.executable, str(script)] if how == "python" else [sys.executable, "-m", "stratum.cli", "--run", str(script), "--memory-budget", budget, "--stats-json", str(stats)]
                proc = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=env, timeout=1800)
                files = {f.name: f.read_bytes() for f in sorted((workdir / "working").iterdir())}
                outcomes.append((proc.stdout, proc.returncode, files))
            runtime = json.loads(stats.read_text()).get("runtime", {}) if stats.exists() else {}
            same = outcomes[0] == outcomes[1]
            different += not same
            print(f"{name:<48} {'same' if same else 'DIFFERENT'}  spills {runtime.get('spills', '-')}, reloads {runtime.get('reloads', '-')}, failures {runtime.get('spill_failures', '-')}")
        print(f"{len(names) - different} of {len(names)} identical to python")
        if different:
            raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--arrays", type=int, default=8)
    parser.add_argument("--budgets", default="64M,128M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=int, metavar="N", help="compare N corpus scripts under --budgets (one budget) with python instead")
    args = parser.parse_args()
    if args.corpus:
        corpus(args.corpus, args.budgets.split(",")[0])
        return
    with tempfile.TemporaryDirectory(prefix="stratum-bench-memory-") as tmp:
        workdir = Path(tmp)
        (workdir / "big.py").write_text(script(args.rows, args.arrays))
        env = {**os.environ, "STRATUM_CACHE_DIR": str(workdir / "cache"), "PYTHONPATH": str(ROOT)}
        variants = [("python", ["python", "big.py"]), ("stratum", ["stratum", "--run", "big.py"])]
        variants += [(f"stratum --memory-budget {b}", ["stratum", "--run", "big.py", "--memory-budget", b]) for b in args.budgets.split(",")]
        measure(workdir, variants[1][1], env)  # compiles once, into the cache
        expected = None
        size = args.rows * 8 / (1 << 20)
        print(f"{args.arrays + 1} arrays of {args.rows} float64 ({size:.1f} MiB each), live together without a budget")
        print(f"{'variant':<32} {'seconds':>8} {'peak RSS MiB':>13} {'spills':>7} {'reloads':>8} {'spilled MiB':>12}")
        for name, command in variants:
            best = None
            for _ in range(args.repeat):
                out, seconds, rss, stats = measure(workdir, command, env)
                if expected is None:
                    expected = out
                if out != expected:
                    raise SystemExit(f"{name}: output differs from python's\n{out}\nvs\n{expected}")
                if best is None or seconds < best[0]:
                    best = (seconds, rss, stats)
            seconds, rss, stats = best  # type: ignore[misc]
            print(
                f"{name:<32} {seconds:>8.2f} {rss / (1 << 20):>13.1f} {stats.get('spills', '-'):>7} {stats.get('reloads', '-'):>8} "
                f"{stats.get('spilled_bytes', 0) / (1 << 20):>12.1f}"
            )
        print("outputs identical to python's: yes")


if __name__ == "__main__":
    main()
