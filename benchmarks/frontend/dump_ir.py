"""Dumps the optimized and the lowered IR of every corpus script to a directory.

Used to check that a compile-time optimization changes no IR: dump before,
dump after, ``diff -r`` the two directories.

    python benchmarks/frontend/dump_ir.py OUTDIR [--passes SPEC]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--passes", default=None)
    args = parser.parse_args()

    from stratum.driver import optimize_and_lower
    from stratum.frontend import Script, ScriptSyntaxError, compile_scripts
    from stratum.passes import DEFAULT_PIPELINE

    out = Path(args.outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STRATUM_CACHE_DIR"] = os.path.join(tmp, "cache")
        scripts: dict[str, tuple[Path, list]] = {}
        for entry in manifest:
            path = CORPUS / entry["script"]
            workdir = Path(tmp) / path.stem
            workdir.mkdir()
            (workdir / "input").symlink_to(ROOT / "examples" / entry["task"] / "input")
            os.chdir(workdir)
            script = Script.load(str(path))
            try:
                batch = compile_scripts([script])
            except ScriptSyntaxError:
                continue
            stages = optimize_and_lower(batch.module, args.passes or DEFAULT_PIPELINE, keep_text=True)
            (out / f"{path.stem}.ir").write_text(stages.ir)
            (out / f"{path.stem}.opt").write_text(stages.opt)
            (out / f"{path.stem}.plan").write_text(stages.plan)
            scripts.setdefault(entry["task"], (workdir, []))[1].append(script)
        # Each task's scripts as one batch too: CSE across scripts.
        for task, (workdir, batch_scripts) in scripts.items():
            os.chdir(workdir)
            batch = compile_scripts(batch_scripts)
            stages = optimize_and_lower(batch.module, args.passes or DEFAULT_PIPELINE, keep_text=True)
            (out / f"_batch_{task}.opt").write_text(stages.opt)
            (out / f"_batch_{task}.plan").write_text(stages.plan)


if __name__ == "__main__":
    sys.exit(main())
