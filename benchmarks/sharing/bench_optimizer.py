"""Optimizer effects measured against a baseline run in the same process.

* share-reads and push-projection: a batch of scripts that each read a wide
  CSV and use a few of its columns, run with the default pipeline minus both
  passes (one whole read per script), minus push-projection (one shared
  whole read) and complete (one shared narrowed read); time of the executor
  run, best of ``--repeat``; also the house-prices train.csv read alone,
  whole vs narrowed.
* memory planning: peak traced memory (tracemalloc: numpy and pandas buffers
  included) of a multi-step script with freeing on vs off, and the most
  values held at once for a corpus lineage run as one batch.

Every pair is checked to print the same thing.

    python benchmarks/sharing/bench_optimizer.py [--rows 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

PROJECTION_SCRIPTS = [
    'import pandas as pd\ndf = pd.read_csv("wide.csv")\nprint(df["c0"].sum())\n',
    'import pandas as pd\ndf = pd.read_csv("wide.csv")\ndf["r"] = df["c1"] / (df["c2"] + 1.0)\nprint(df["r"].mean())\n',
    'import numpy as np\nimport pandas as pd\ndf = pd.read_csv("wide.csv")\nprint(np.log1p(df["c3"].abs()).max(), df[["c4", "c5"]].min().tolist())\n',
]

MEMORY_SCRIPT = """import numpy as np
import pandas as pd
df = pd.read_csv("wide.csv")
a = df["c0"] * 2.0
b = np.log1p(a.abs())
print(round(float(b.sum()), 3))
c = df["c1"] - df["c2"]
d = c * c
print(round(float(d.sum()), 3))
e = df["c3"].fillna(0.0) + 1.0
f = np.sqrt(e.abs())
print(round(float(f.sum()), 3))
g = df["c4"].rank()
print(round(float(g.sum()), 3))
print("done")
"""


def _compile(paths: list[Path], passes: str):
    from stratum.driver import optimize_and_lower
    from stratum.frontend import Script, compile_scripts

    batch = compile_scripts([Script.load(str(p)) for p in paths])
    optimize_and_lower(batch.module, passes)
    return batch.module


def _run(module, **kwargs) -> tuple[str, float, dict]:
    from stratum.runtime.executor import Executor

    out = io.StringIO()
    executor = Executor(module, **kwargs)
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        executor.run()
    return out.getvalue(), time.perf_counter() - started, executor.stats


def bench_projection(tmp: Path, repeat: int) -> None:
    from stratum.passes import DEFAULT_PIPELINE

    paths = []
    for i, source in enumerate(PROJECTION_SCRIPTS):
        path = tmp / f"p{i}.py"
        path.write_text(source)
        paths.append(path)
    stages = DEFAULT_PIPELINE.split(",")
    configs = {
        "neither": ",".join(p for p in stages if p not in ("share-reads", "push-projection")),
        "share-reads": ",".join(p for p in stages if p != "push-projection"),
        "both": DEFAULT_PIPELINE,
    }
    results = {}
    for label, passes in configs.items():
        module = _compile(paths, passes)
        _run(module)  # warm-up
        best, text = float("inf"), ""
        for _ in range(repeat):
            text, seconds, _ = _run(module)
            best = min(best, seconds)
        results[label] = (best, text)
    base = results["neither"][0]
    same = len({text for _, text in results.values()}) == 1
    width = len(pd.read_csv("wide.csv", nrows=1).columns)
    print(f"3 scripts reading a {width}-column CSV, 6 columns used: {base:.3f} s with 3 whole reads; "
          f"share-reads (1 whole read) {results['share-reads'][0]:.3f} s = {base / results['share-reads'][0]:.2f}x; "
          f"+ push-projection (1 narrowed read) {results['both'][0]:.3f} s = {base / results['both'][0]:.2f}x  same output: {same}")

    train = ROOT / "examples" / "house_prices" / "input" / "train.csv"
    full = min(_timed(lambda: pd.read_csv(train)) for _ in range(repeat * 3))
    part = min(_timed(lambda: pd.read_csv(train, usecols=[4, 38, 43, 80])) for _ in range(repeat * 3))
    print(f"house-prices train.csv (81 columns), 4 columns used: {full * 1e3:.1f} ms whole, {part * 1e3:.1f} ms narrowed: {full / part:.2f}x")


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_memory(tmp: Path) -> None:
    from stratum.passes import DEFAULT_PIPELINE

    path = tmp / "m.py"
    path.write_text(MEMORY_SCRIPT)
    module = _compile([path], DEFAULT_PIPELINE)
    peaks, texts, seconds = {}, {}, {}
    _run(module)  # warm-up: imports and kernels, which neither side should pay
    for free_dead in (False, True):
        tracemalloc.start()
        texts[free_dead], seconds[free_dead], stats = _run(module, free_dead=free_dead)
        peaks[free_dead] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"memory planning, {MEMORY_SCRIPT.count(chr(10))}-line script: peak {peaks[False] / 2**20:.1f} MiB kept, "
          f"{peaks[True] / 2**20:.1f} MiB freed: {peaks[False] / peaks[True]:.2f}x less; "
          f"time {seconds[False]:.3f} s vs {seconds[True]:.3f} s  same output: {texts[False] == texts[True]}")


def bench_corpus_memory(lineage: str) -> None:
    """Peak values held (slots over all scripts) for a corpus lineage run as one batch, freeing off vs on."""
    import json

    from stratum.passes import DEFAULT_PIPELINE

    corpus = ROOT / "tests" / "corpus"
    entries = [e for e in json.loads((corpus / "manifest.json").read_text()) if e["lineage"] == lineage and e["expect"] == "ok"]
    paths = [corpus / e["script"] for e in sorted(entries, key=lambda e: e["step"])]
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "input").symlink_to(ROOT / "examples" / entries[0]["task"] / "input")
        (Path(tmp) / "working").mkdir()
        os.chdir(tmp)
        try:
            module = _compile(paths, DEFAULT_PIPELINE)
            peaks, texts = {}, {}
            for free_dead in (False, True):
                with contextlib.redirect_stderr(io.StringIO()):
                    texts[free_dead], _, stats = _run(module, free_dead=free_dead)
                peaks[free_dead] = stats["peak_live_values"]
        finally:
            os.chdir(old)
    print(f"memory planning, corpus lineage {lineage} ({len(paths)} scripts, one batch): peak {peaks[False]} values held kept, "
          f"{peaks[True]} freed: {peaks[False] / max(peaks[True], 1):.2f}x fewer  same output: {texts[False] == texts[True]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lineage", default="hp_l2", help="corpus lineage for the value-count measurement")
    args = parser.parse_args()
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            rng = np.random.default_rng(0)
            frame = pd.DataFrame({f"c{i}": rng.normal(size=args.rows) for i in range(args.columns)})
            frame.iloc[::7, 3] = np.nan
            frame.to_csv("wide.csv", index=False)
            bench_projection(Path(tmp), args.repeat)
            bench_memory(Path(tmp))
        finally:
            os.chdir(old)
    bench_corpus_memory(args.lineage)


if __name__ == "__main__":
    main()
