"""A batch of house-prices corpus scripts: plain python vs the Stratum batch runtime.

(a) each script as a fresh ``python`` process, one after another;
(b) fresh ``python`` processes, all cores at once;
(c) ``stratumc --run ... --results`` with a fresh cache directory (cold);
(d) the same after editing one print line of one script (warm cache); best
    of ``--edits`` runs, each after a further edit of that line.

Every variant's stdout, exit status and submission must agree with (a).
``--rows N`` first builds an N-row house_prices (rows resampled with seeded
noise on the numeric columns) in a temp dir and runs the batch on it.

    python benchmarks/batch/bench_batch.py [--scripts 20] [--rows 1000000] [--jobs N] [--edits 3] [--only 'hp_l2_*']
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
ENV = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def corpus_scripts(count: int, only: str | None = None) -> list[Path]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    names = [e["script"] for e in manifest if e["task"] == "house_prices"]
    if only is not None:
        names = [n for n in names if fnmatch.fnmatch(Path(n).name, only)]
    return [CORPUS / n for n in names[:count]]


def make_base(directory: Path, rows: int | None) -> Path:
    base = directory / "base"
    (base / "working").mkdir(parents=True)
    source = ROOT / "examples" / "house_prices" / "input"
    if rows is None:
        (base / "input").symlink_to(source)
        return base
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    (base / "input").mkdir()
    for name in ("train.csv", "test.csv"):
        frame = pd.read_csv(source / name)
        sample = frame.sample(n=rows, replace=True, random_state=1 if name == "train.csv" else 2).reset_index(drop=True)
        for column in sample.select_dtypes("number").columns:
            if column == "Id":
                continue
            noise = rng.normal(1.0, 0.01, len(sample))
            values = sample[column] * noise
            sample[column] = values.round().astype(sample[column].dtype) if sample[column].dtype.kind == "i" else values
        sample["Id"] = np.arange(1, rows + 1) + (0 if name == "train.csv" else rows)
        sample.to_csv(base / "input" / name, index=False)
    return base


def python_run(script: Path, base: Path, workdir: Path) -> dict:
    workdir.mkdir(parents=True)
    for entry in base.iterdir():
        if entry.name != "working":
            (workdir / entry.name).symlink_to(entry.resolve())
    (workdir / "working").mkdir()
    proc = subprocess.run([sys.executable, str(script)], cwd=workdir, capture_output=True, text=True, env=ENV)
    submission = workdir / "working" / "submission.csv"
    return {"stdout": proc.stdout, "status": proc.returncode, "submission": submission.read_bytes() if submission.exists() else None}


def stratum_run(scripts: list[Path], base: Path, results: Path, cache: Path, jobs: int) -> tuple[float, dict]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", *map(str, scripts), "--workdir", str(base), "--results", str(results), "--cache-dir", str(cache), "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        env=ENV,
    )
    seconds = time.perf_counter() - started
    summary = json.loads((results / "summary.json").read_text())
    outputs = {}
    for entry in summary["scripts"]:
        d = results / entry["id"]
        submission = d / "working" / "submission.csv"
        outputs[entry["id"]] = {
            "stdout": (d / "stdout.txt").read_text(),
            "status": entry["exit_code"],
            "submission": submission.read_bytes() if submission.exists() else None,
        }
    if proc.returncode not in (0, 1):
        raise SystemExit(f"stratumc failed: {proc.stderr.strip().splitlines()[-1:]}")
    return seconds, {"outputs": outputs, "summary": summary}


def agree(reference: dict[str, dict], other: dict[str, dict], label: str, edited: str | None = None) -> None:
    for name, expected in reference.items():
        got = other[name]
        if name == edited:
            continue
        for field in ("stdout", "status", "submission"):
            if got[field] != expected[field]:
                raise SystemExit(f"{label}: {name}: {field} differs from plain python")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scripts", type=int, default=20)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--edits", type=int, default=3, help="times (d) is measured, each after a new edit")
    parser.add_argument("--only", metavar="PATTERN", help="only corpus scripts whose file name matches (e.g. 'hp_l2_*': the big-data run keeps to models that fit 1M rows in minutes)")
    args = parser.parse_args()
    scripts = corpus_scripts(args.scripts, args.only)
    with tempfile.TemporaryDirectory(prefix="stratum-bench-") as tmp:
        tmp_path = Path(tmp)
        base = make_base(tmp_path, args.rows)
        copies = tmp_path / "scripts"
        copies.mkdir()
        local = []
        for s in scripts:
            shutil.copy(s, copies / s.name)
            local.append(copies / s.name)
        ids = [s.stem for s in local]

        t = time.perf_counter()
        sequential = {i: python_run(s, base, tmp_path / "seq" / i) for i, s in zip(ids, local)}
        t_seq = time.perf_counter() - t

        t = time.perf_counter()
        with ThreadPoolExecutor(args.jobs) as pool:
            parallel = dict(zip(ids, pool.map(lambda pair: python_run(pair[1], base, tmp_path / "par" / pair[0]), zip(ids, local))))
        t_par = time.perf_counter() - t
        agree(sequential, parallel, "python parallel")

        cache = tmp_path / "cache"
        t_cold, cold = stratum_run(local, base, tmp_path / "cold", cache, args.jobs)
        agree(sequential, cold["outputs"], "stratum cold")

        # Edit one print line of one script; everything else should come from the cache.
        # (d) is short and noisy: --edits edits one after another, the best counts.
        edited = local[0]
        warm_times = []
        for attempt in range(args.edits):
            text = edited.read_text()
            line = next(l for l in text.splitlines() if l.strip().startswith("print("))
            edited.write_text(text.replace(line, line.replace("print(", f'print("[edited {attempt}]", ', 1), 1))
            t_warm, warm = stratum_run(local, base, tmp_path / f"warm{attempt}", cache, args.jobs)
            warm_times.append(t_warm)
            agree(sequential, warm["outputs"], "stratum after one edit", edited=edited.stem)
            expected_edit = python_run(edited, base, tmp_path / f"edited{attempt}")
            agree({edited.stem: expected_edit}, {edited.stem: warm["outputs"][edited.stem]}, "edited script")
        t_warm = min(warm_times)

        computed = sum(sum(e["computed"].get(op, 0) for op in ("ml.fit", "ml.predict", "df.read_csv")) for e in warm["summary"]["scripts"])
        hits = sum(e["cache_hits"] for e in warm["summary"]["scripts"])
        rows = args.rows or 1460
        ok = sum(1 for o in sequential.values() if o["status"] == 0)
        print(f"house_prices, {len(local)} scripts ({ok} succeed), {rows} training rows, {args.jobs} jobs, {os.cpu_count()} cores")
        print(f"(a) python, sequential        {t_seq:8.1f} s   1.00x")
        print(f"(b) python, parallel          {t_par:8.1f} s   {t_seq / t_par:.2f}x")
        print(f"(c) stratum, cold cache       {t_cold:8.1f} s   {t_seq / t_cold:.2f}x")
        replayed = sum(1 for e in warm["summary"]["scripts"] if e.get("replayed"))
        print(f"(d) stratum, one print edited {t_warm:8.2f} s   {t_seq / t_warm:.2f}x   (best of {', '.join(f'{t:.2f}' for t in warm_times)}; last: cache hits {hits}; read_csv/fit/predict computed {computed}; {replayed} scripts replayed)")
        print(f"(d) / (c) = {t_warm / t_cold:.0%}   (c) vs (b): {t_par / t_cold:.2f}x")
        print("outputs (stdout, exit status, submission.csv) agree across all four")


if __name__ == "__main__":
    main()
