"""Cross-script sharing on agent lineages: ops merged, and batch time with sharing on vs off.

For each lineage of the corpus (a draft and the steps that each change one
thing), in one process and one run:

* ops before optimization, after cross-script CSE, and the share merged;
* wall time of the lineage run as separate scripts (each compiled and run
  on its own: no sharing, but no interpreter start-up either), and as one
  batch with the default pipeline (shared work computed once);
* whether every script printed the same thing both ways.

    python benchmarks/sharing/bench_sharing.py [--lineage hp_l3] [--repeat 1]

OpenMP's wait policy changes LightGBM's fit time a lot (on an idle 2-core
machine PASSIVE made one corpus script 6x slower; on a loaded one, spinning
is worse): the benchmark leaves OMP_WAIT_POLICY as the environment sets it,
and both sides of each ratio run under the same setting.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


def run_batch(paths: list[str], passes: str) -> tuple[list[str], float, dict]:
    """Compiles ``paths`` as one batch and runs it; per-script stdout, seconds, stats."""
    from stratum.driver import count_ops, optimize_and_lower
    from stratum.frontend import Script, compile_scripts
    from stratum.runtime.executor import Executor

    started = time.perf_counter()
    batch = compile_scripts([Script.load(p) for p in paths])
    before = count_ops(batch.module)
    optimize_and_lower(batch.module, passes)
    outputs: list[str] = []
    # Each script prints into its own buffer: run them one executor each, so
    # the stdout of one never interleaves with another's.
    executor_stats: dict = {}
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
        executor = Executor(batch.module)
        runs = executor.run()
    executor_stats = {k: (dict(v) if isinstance(v, dict) else v) for k, v in executor.stats.items()}
    seconds = time.perf_counter() - started
    outputs = [buffer.getvalue()] if len(runs) else []
    return outputs, seconds, {"ops_before": before, "runtime": executor_stats}


def cse_merges(paths: list[str]) -> tuple[int, int]:
    from stratum.driver import count_ops, optimize_and_lower
    from stratum.frontend import Script, compile_scripts

    batch = compile_scripts([Script.load(p) for p in paths])
    before = count_ops(batch.module)
    from stratum.driver import build_pipeline
    from stratum.ir import stratum_context

    build_pipeline("share-reads,cse").apply(stratum_context(), batch.module)
    return before, count_ops(batch.module)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lineage", action="append", help="only these lineages (e.g. hp_l3)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()

    manifest = json.loads((CORPUS / "manifest.json").read_text())
    lineages: dict[str, list[dict]] = defaultdict(list)
    for entry in manifest:
        if entry["expect"] == "ok":  # a script that fails ends the batch's shared work early
            lineages[entry["lineage"]].append(entry)
    results = []
    print(f"{'lineage':8} {'scripts':>7} {'ops':>6} {'after cse':>9} {'merged':>7} {'separate s':>10} {'batch s':>8} {'speedup':>7}  same output")
    for lineage, entries in sorted(lineages.items()):
        if args.lineage and lineage not in args.lineage:
            continue
        task = entries[0]["task"]
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            (workdir / "input").symlink_to(ROOT / "examples" / task / "input")
            (workdir / "working").mkdir()
            os.chdir(workdir)
            paths = [str(CORPUS / e["script"]) for e in sorted(entries, key=lambda e: e["step"])]
            before, after = cse_merges(paths)
            separate_out: list[str] = []
            from stratum.runtime import fit_memo

            fit_memo.MEMO.active = False  # no sharing at all: not even of step fits inside scikit-learn
            started = time.perf_counter()
            for path in paths:
                out, _, _ = run_batch([path], "")
                separate_out += out
            separate = time.perf_counter() - started
            fit_memo.MEMO.active = True
            fit_memo.MEMO.entries.clear()
            fit_memo.MEMO.bytes = 0
            from stratum.passes import DEFAULT_PIPELINE

            shared_out, shared, _ = run_batch(paths, DEFAULT_PIPELINE)
            same = "".join(separate_out) == "".join(shared_out)
            os.chdir(ROOT)
        merged = 1 - after / before
        results.append({"lineage": lineage, "scripts": len(paths), "ops": before, "ops_after_cse": after, "merged": merged,
                        "separate_s": separate, "batch_s": shared, "speedup": separate / shared, "same_output": same})
        print(f"{lineage:8} {len(paths):7} {before:6} {after:9} {merged:7.0%} {separate:10.2f} {shared:8.2f} {separate / shared:6.2f}x  {same}")
    total_sep = sum(r["separate_s"] for r in results)
    total_batch = sum(r["batch_s"] for r in results)
    print(f"\nall lineages: {total_sep:.1f} s separate, {total_batch:.1f} s batched: {total_sep / total_batch:.2f}x; "
          f"ops merged {1 - sum(r['ops_after_cse'] for r in results) / sum(r['ops'] for r in results):.0%}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
