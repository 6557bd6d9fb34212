"""Compile time and native coverage per corpus script.

For every script of tests/corpus: frontend + default passes (the issue's
definition of compile time; lowering to a plan is not included), through
``driver.compile_optimized`` without the compile cache, as ``stratumc``
compiles. Timed cold (first compile in this process, data profiles from the
on-disk cache) and warm (median of repeats, wall clock and CPU time), then
recompiles of the unchanged script (compile cache hits), plus the share of
statements that became native ops.

In the same run, alternating with it per script, the same compile with
xDSL's generic paths Stratum's speed-ups replace (``IRDLOperation.__init__``
for every op, no interned types, xDSL's ``cse``/``dce``, garbage collection
during the compile): the ratio is measured on the same machine state, which
matters on a shared machine.

    python benchmarks/frontend/bench_compile.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


class _NoCache(dict):  # type: ignore[type-arg]
    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return None

    def __setitem__(self, key, value) -> None:  # type: ignore[no-untyped-def]
        pass


@contextlib.contextmanager
def xdsl_paths() -> Iterator[str]:
    """xDSL's generic op builder, fresh types, xDSL's passes, GC on: the pipeline to use."""
    from stratum import driver
    from stratum.ir import dataframe, ml
    from stratum.ir import python as py
    from stratum.passes import DEFAULT_PIPELINE

    init = py.StratumOp.__dict__["__init__"]
    singletons = [(cls, cls.__dict__["__new__"], cls.__dict__["__init__"]) for cls in (py.ObjectType, py.TokenType, ml.EstimatorType)]
    frames, columns, no_gc = dataframe._FRAMES, dataframe._COLUMNS, driver._no_gc
    del py.StratumOp.__init__
    for cls, _, _ in singletons:
        del cls.__new__
        del cls.__init__
    dataframe._FRAMES, dataframe._COLUMNS, driver._no_gc = _NoCache(), _NoCache(), contextlib.nullcontext
    try:
        yield DEFAULT_PIPELINE.replace("fast-cse{dce=false}", "cse").replace("fast-cse{cse=false}", "dce").replace("fast-cse", "cse,dce")
    finally:
        py.StratumOp.__init__ = init
        for cls, new, cls_init in singletons:
            cls.__new__ = new
            cls.__init__ = cls_init
        dataframe._FRAMES, dataframe._COLUMNS, driver._no_gc = frames, columns, no_gc


def _timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from stratum.driver import compile_optimized
    from stratum.frontend import Script, ScriptSyntaxError
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
            fast, generic = [], []
            try:
                for _ in range(args.repeats):
                    fast.append(_timed(lambda: compile_optimized([script], use_cache=False)))
                    with xdsl_paths() as pipeline:
                        generic.append(_timed(lambda: compile_optimized([script], pipeline, use_cache=False)))
            except ScriptSyntaxError:
                continue  # nothing to compile; python refuses it too
            result = compile_optimized([script])  # fills the compile cache
            hits = [_timed(lambda: compile_optimized([script]))[0] for _ in range(args.repeats)]
            warm = fast[1:] or fast
            rows.append(
                {
                    "name": path.name,
                    "ops": result.ops_total,
                    "cold": fast[0][0],
                    "warm": statistics.median(w for w, _ in warm),
                    "warm_cpu": statistics.median(c for _, c in warm),
                    "generic_cpu": statistics.median(c for _, c in generic[1:] or generic),
                    "hit": statistics.median(hits),
                    "native": result.stats[0].native_statements,
                    "statements": result.stats[0].statements,
                }
            )
    print(f"{'script':45} {'ops':>5} {'cold ms':>8} {'warm ms':>8} {'cpu ms':>7} {'xdsl cpu':>8} {'cached ms':>9} {'native':>9}")
    for r in rows:
        print(
            f"{r['name']:45} {r['ops']:5} {r['cold'] * 1e3:8.1f} {r['warm'] * 1e3:8.1f} {r['warm_cpu'] * 1e3:7.1f} {r['generic_cpu'] * 1e3:8.1f}"
            f" {r['hit'] * 1e3:9.2f} {r['native']:4}/{r['statements']:<4}"
        )
    native = sum(r["native"] for r in rows)
    total = sum(r["statements"] for r in rows)
    ratios = [r["generic_cpu"] / r["warm_cpu"] for r in rows if r["warm_cpu"] > 0]
    print(f"\nscripts: {len(rows)}; pipeline: {DEFAULT_PIPELINE}")
    print(f"median compile, first in process: {statistics.median(r['cold'] for r in rows) * 1e3:.1f} ms")
    print(f"median compile, warm:             {statistics.median(r['warm'] for r in rows) * 1e3:.1f} ms wall, {statistics.median(r['warm_cpu'] for r in rows) * 1e3:.1f} ms CPU (target <= 20 ms)")
    print(f"  same run, xDSL's generic paths: {statistics.median(r['generic_cpu'] for r in rows) * 1e3:.1f} ms CPU; per-script ratio median {statistics.median(ratios):.2f}x, min {min(ratios):.2f}x, max {max(ratios):.2f}x")
    print(f"median recompile, unchanged:      {statistics.median(r['hit'] for r in rows) * 1e3:.2f} ms (target <= 2 ms; compile cache hit)")
    print(f"statements native:                {native}/{total} = {native / total:.1%} (target >= 90%)")


if __name__ == "__main__":
    sys.exit(main())
