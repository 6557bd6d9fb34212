"""``stratumc``: compile a batch of scripts, dump its IR, or run it."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

EMIT_STAGES = ("ir", "opt", "plan")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line, no usage dump.
        self.exit(2, f"stratumc: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from stratum.passes import DEFAULT_PIPELINE

    parser = _Parser(prog="stratumc", description="Compile and run batches of ML pipeline scripts.")
    parser.add_argument("scripts", nargs="+", metavar="SCRIPT.py")
    parser.add_argument("--emit", choices=EMIT_STAGES, help="print the IR as built (ir), optimized (opt) or lowered (plan)")
    parser.add_argument("-p", "--passes", default=DEFAULT_PIPELINE, metavar="SPEC", help=f"xDSL pass pipeline (default: {DEFAULT_PIPELINE})")
    parser.add_argument("--print-ir-after-all", action="store_true", help="print the IR after every pass, to stderr")
    parser.add_argument("--stats-json", metavar="PATH", help="write compilation statistics as JSON")
    parser.add_argument("--run", action="store_true", help="execute the batch after compiling it")
    return parser


def _fail(message: str, status: int = 2) -> NoReturn:
    sys.stderr.write(f"stratumc: error: {message}\n")
    raise SystemExit(status)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from stratum.driver import UnknownPass, count_ops, optimize_and_lower
    from stratum.frontend import Script, ScriptSyntaxError, compile_scripts
    from stratum.ir import python as py

    scripts = []
    for path in args.scripts:
        try:
            scripts.append(Script.load(path))
        except OSError as error:
            _fail(f"cannot open {path!r}: {error.strerror or error}")
    try:
        batch = compile_scripts(scripts)
    except ScriptSyntaxError as wrapped:
        e = wrapped.error
        if args.run:
            # Exactly what `python SCRIPT.py` prints: the file (absolute, as
            # python names the main script), the line, a caret, the message.
            e.filename = os.path.abspath(e.filename or "")
            sys.stderr.write("".join(traceback.format_exception_only(e)))
        else:
            sys.stderr.write(f"{e.filename}:{e.lineno}:{e.offset or 0}: {type(e).__name__}: {e.msg}\n")
        return 1
    ops_total = count_ops(batch.module)
    ops_opaque = sum(isinstance(op, py.ExecOp) for op in batch.module.walk())
    try:
        stages = optimize_and_lower(batch.module, args.passes, keep_text=args.emit is not None, record_each_pass=args.print_ir_after_all)
    except UnknownPass as error:
        _fail(str(error))
    for name, text in stages.after_pass:
        sys.stderr.write(f"// -----// IR Dump After {name} //----- //\n{text}")
    if args.emit:
        sys.stdout.write(getattr(stages, args.emit))
    stats: dict[str, object] = {}
    if args.stats_json:
        stats = {
            "scripts": len(scripts),
            "ops_total": ops_total,
            "ops_opaque": ops_opaque,
            "ops_after_opt": stages.ops_after_opt,
            "statements": sum(s.statements for s in batch.stats),
            "statements_native": sum(s.native_statements for s in batch.stats),
            "statements_opaque": sum(s.opaque_statements for s in batch.stats),
            "per_script": [
                {"script": sc.path, "statements": st.statements, "native": st.native_statements, "opaque": st.opaque_statements}
                for sc, st in zip(scripts, batch.stats)
            ],
        }
    status = _run(batch.module, [s.path for s in scripts], stats) if args.run else 0
    if args.stats_json:
        Path(args.stats_json).write_text(json.dumps(stats, indent=2) + "\n")
    return status


def _run(module: object, paths: list[str], stats: dict[str, object]) -> int:
    from stratum.runtime.errors import print_exception
    from stratum.runtime.executor import Executor

    # What `python SCRIPT.py` sets up: argv, and the script's directory first on sys.path.
    sys.argv = [paths[0]]
    sys.path[0] = os.path.dirname(os.path.abspath(paths[0]))
    executor = Executor(module)  # type: ignore[arg-type]
    runs = executor.run()
    sys.stdout.flush()
    stats["runtime"] = {**executor.stats, "backends": dict(executor.stats["backends"])}
    status = 0
    for run in runs:
        if run.exception is not None:
            print_exception(run.exception)
        status = status or (run.exit_code or 0)
    return status


def entry() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    entry()
