"""An agent's loop: scripts run one at a time, each in a fresh process, as AIDE runs them.

Each corpus script (lineage order: a draft, then its edits) runs in a fresh
directory that sees the task's ./input, three ways, interleaved per script so
load on the machine hits all three alike:

(a) ``python script.py``;
(b) ``stratumc --run script.py --cache-dir C``: compiled, values kept across the
    loop in a value cache, so an edit reuses what the steps before it computed;
(c) the same through a warm ``stratumc --serve`` (its own cache directory):
    no interpreter start-up or library imports per script.

stdout, stderr, exit status and working/submission.csv of (b) and (c) must
equal (a)'s. The server's one-time start is reported apart.

    python benchmarks/batch/bench_agent_loop.py [--scripts 20] [--task house_prices]
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
CORPUS = ROOT / "tests" / "corpus"
ENV = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def corpus_scripts(task: str, count: int) -> list[Path]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    return [CORPUS / e["script"] for e in manifest if e["task"] == task][:count]


def run_in_fresh_dir(command: list[str], script: Path, directory: Path, task: str, env: dict[str, str]) -> tuple[float, dict]:
    directory.mkdir(parents=True)
    (directory / "input").symlink_to(ROOT / "examples" / task / "input")
    (directory / "working").mkdir()
    (directory / script.name).write_text(script.read_text())
    started = time.perf_counter()
    proc = subprocess.run([*command, script.name], cwd=directory, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    submission = directory / "working" / "submission.csv"
    return seconds, {"stdout": proc.stdout, "stderr": proc.stderr.replace(str(directory), "DIR"), "status": proc.returncode, "submission": submission.read_bytes() if submission.exists() else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scripts", type=int, default=20)
    parser.add_argument("--task", default="house_prices", choices=("house_prices", "bitcoin_price"))
    args = parser.parse_args()
    scripts = corpus_scripts(args.task, args.scripts)
    with tempfile.TemporaryDirectory(prefix="stratum-loop-") as tmp:
        tmp_path = Path(tmp)
        server_env = {**ENV, "STRATUM_CACHE_DIR": str(tmp_path / "server-home")}
        log = tmp_path / "server.log"
        started = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "stratum.cli", "--serve"], env=server_env, stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            while "serving on" not in log.read_text():
                if server.poll() is not None:
                    raise SystemExit(f"the server did not start: {log.read_text()}")
                time.sleep(0.05)
            server_start = time.perf_counter() - started
            variants = {
                "python": ([sys.executable], ENV),
                "stratumc": ([sys.executable, "-m", "stratum.cli", "--run", "--no-server", "--cache-dir", str(tmp_path / "cache-b")], ENV),
                "served": ([sys.executable, "-m", "stratum.cli", "--run", "--cache-dir", str(tmp_path / "cache-c")], server_env),
            }
            totals = dict.fromkeys(variants, 0.0)
            print(f"{'script':40} " + " ".join(f"{name:>9}" for name in variants))
            for script in scripts:
                outcomes = {}
                for name, (command, env) in variants.items():
                    seconds, outcomes[name] = run_in_fresh_dir(command, script, tmp_path / name / script.stem, args.task, env)
                    totals[name] += seconds
                    outcomes[name]["seconds"] = seconds
                for name in ("stratumc", "served"):
                    for field in ("stdout", "stderr", "status", "submission"):
                        if outcomes[name][field] != outcomes["python"][field]:
                            raise SystemExit(f"{script.name}: {name}: {field} differs from plain python")
                print(f"{script.stem:40} " + " ".join(f"{outcomes[n]['seconds']:8.2f}s" for n in variants))
            served = log.read_text().count("\nserving ")
        finally:
            server.terminate()
            server.wait()
    print(f"{args.task}, {len(scripts)} scripts one after another, {os.cpu_count()} cores; server start {server_start:.1f} s (once), {served} runs served")
    for name, seconds in totals.items():
        print(f"{name:10} {seconds:8.1f} s   {totals['python'] / seconds:.2f}x python")
    print("stdout, stderr, exit status and submission.csv of every script agree with python")


if __name__ == "__main__":
    main()
