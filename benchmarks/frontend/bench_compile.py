"""Compile time and native coverage per corpus script.

For every script of tests/corpus: frontend + default passes (the issue's
definition of compile time; lowering to a plan is not included), timed
cold (first compile in this process, data profiles from the on-disk cache)
and warm (median of repeats), plus the share of statements that became
native ops. Prints a table and the medians against the issue's targets
(compile <= 20 ms median per script).

    python benchmarks/frontend/bench_compile.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from stratum.driver import build_pipeline, compile_optimized
    from stratum.frontend import Script, ScriptSyntaxError, compile_scripts
    from stratum.ir import stratum_context
    from stratum.passes import DEFAULT_PIPELINE

    manifest = json.loads((CORPUS / "manifest.json").read_text())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STRATUM_CACHE_DIR"] = os.path.join(tmp, "cache")  # a cold, private compile cache
        for entry in manifest:
            path = CORPUS / entry["script"]
            workdir = Path(tmp) / path.stem
            workdir.mkdir()
            (workdir / "input").symlink_to(ROOT / "examples" / entry["task"] / "input")
            os.chdir(workdir)
            script = Script.load(str(path))
            times = []
            try:
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    batch = compile_scripts([script])
                    build_pipeline(DEFAULT_PIPELINE).apply(stratum_context(), batch.module)
                    times.append(time.perf_counter() - start)
            except ScriptSyntaxError:
                continue  # nothing to compile; python refuses it too
            stats = batch.stats[0]
            compile_optimized([script])  # fills the compile cache
            hits = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                compile_optimized([script])
                hits.append(time.perf_counter() - start)
            rows.append((path.name, times[0], statistics.median(times[1:] or times), stats.native_statements, stats.statements, statistics.median(hits)))
    print(f"{'script':45} {'cold ms':>8} {'warm ms':>8} {'cached ms':>9} {'native':>8}")
    for name, cold, warm, native, total, hit in rows:
        print(f"{name:45} {cold * 1e3:8.1f} {warm * 1e3:8.1f} {hit * 1e3:9.2f} {native:4}/{total:<4}")
    native = sum(r[3] for r in rows)
    total = sum(r[4] for r in rows)
    print(f"\nscripts: {len(rows)}")
    print(f"median compile, first in process: {statistics.median(r[1] for r in rows) * 1e3:.1f} ms")
    print(f"median compile, warm:             {statistics.median(r[2] for r in rows) * 1e3:.1f} ms (target <= 20 ms)")
    print(f"median recompile, unchanged:      {statistics.median(r[5] for r in rows) * 1e3:.2f} ms (target <= 2 ms; compile cache hit)")
    print(f"statements native:                {native}/{total} = {native / total:.1%} (target >= 90%)")


if __name__ == "__main__":
    sys.exit(main())
