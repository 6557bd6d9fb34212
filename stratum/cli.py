"""``stratumc``: compile a batch of scripts, dump its IR, or run it."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

EMIT_STAGES = ("ir", "opt", "plan")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line, no usage dump.
        self.exit(2, f"stratumc: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from stratum.passes import DEFAULT_PIPELINE

    parser = _Parser(prog="stratumc", description="Compile and run batches of ML pipeline scripts.")
    parser.add_argument("scripts", nargs="*", metavar="SCRIPT.py")
    parser.add_argument("--emit", choices=EMIT_STAGES, help="print the IR as built (ir), optimized (opt) or lowered (plan)")
    parser.add_argument("-p", "--passes", default=DEFAULT_PIPELINE, metavar="SPEC", help=f"xDSL pass pipeline (default: {DEFAULT_PIPELINE})")
    parser.add_argument("--print-ir-after-all", action="store_true", help="print the IR after every pass, to stderr")
    parser.add_argument("--stats-json", metavar="PATH", help="write compilation statistics as JSON")
    parser.add_argument("--run", action="store_true", help="execute the batch after compiling it")
    parser.add_argument("--memory-budget", metavar="SIZE", help="with --run: intermediates beyond SIZE (like 500M or 2G; per worker with --results) spill to disk until needed; best-effort (default: no budget)")
    values = parser.add_argument_group("value cache (with --run: what a run computed, reused by later runs while its inputs are unchanged)")
    values.add_argument("--cache-dir", metavar="DIR", help="persistent value cache (default: ~/.cache/stratum/values)")
    values.add_argument("--no-cache", action="store_true", help="keep no values across runs (shared work is still computed once)")
    values.add_argument("--cache-size", default="4G", metavar="SIZE", help="cap of the value cache; least recently used entries go first (default: 4G)")
    server = parser.add_argument_group("warm server")
    server.add_argument("--serve", action="store_true", help="import the libraries once and serve later stratumc calls from forked processes (until SIGTERM or SIGINT)")
    server.add_argument("--idle-timeout", type=float, metavar="S", help="with --serve: stop after S seconds without a run")
    server.add_argument("--server-status", action="store_true", help="say whether a server is up for this interpreter and Stratum, and what it did")
    server.add_argument("--stop-server", action="store_true", help="stop that server once its runs finish")
    server.add_argument("--no-server", action="store_true", help="run here even when a server is up")
    batch = parser.add_argument_group("running a batch (with --run --results)")
    batch.add_argument("--results", metavar="DIR", help="run each script in its own process and directory DIR/<script-id>/; write DIR/summary.json")
    batch.add_argument("--workdir", metavar="BASE", help="the directory whose entries every script sees in its own directory (default: the current one)")
    batch.add_argument("--timeout", type=float, metavar="S", help="interrupt a script after S seconds (SIGINT, then SIGKILL)")
    batch.add_argument("--jobs", "-j", type=int, metavar="N", help="scripts run at once (default: the number of cores)")
    batch.add_argument("--no-replay", action="store_true", help="run every script, even one whose source, inputs and environment are unchanged since a stored run")
    batch.add_argument("--report", metavar="PATH", help="write a self-contained HTML report of the batch run")
    batch.add_argument("--executor", choices=("local", "ray"), help="run the scripts' processes here (local, the default) or as Ray tasks (ray)")
    batch.add_argument("--address", metavar="ADDR", help="with --executor ray: the Ray cluster to join (default: start a local instance)")
    return parser


def _fail(message: str, status: int = 2) -> NoReturn:
    sys.stderr.write(f"stratumc: error: {message}\n")
    raise SystemExit(status)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.server_status or args.stop_server:
        if args.scripts:
            _fail(f"--{'server-status' if args.server_status else 'stop-server'} takes no scripts")
        from stratum.runtime.server import control

        answer = control("stop" if args.stop_server else "status")
        if answer is None:
            print("no server is up")
            return 1
        verb = "stopping" if args.stop_server else "up"
        print(f"server {answer['pid']} {verb}: {answer['seconds']:.0f} s, {answer['served']} runs served, {answer['running']} running ({answer['socket']})")
        return 0
    if args.serve:
        if args.scripts:
            _fail("--serve takes no scripts")
        from stratum.runtime.server import serve

        if args.idle_timeout is not None and args.idle_timeout <= 0:
            _fail("--idle-timeout must be positive")
        return serve(idle_timeout=args.idle_timeout)
    if not args.scripts:
        _fail("the following arguments are required: SCRIPT.py")
    if args.idle_timeout is not None:
        _fail("--idle-timeout needs --serve")
    batch_only = [f for f in ("workdir", "timeout", "jobs", "report", "executor", "address") if getattr(args, f) is not None]
    if batch_only and not args.results:
        _fail(f"--{batch_only[0]} needs --run --results DIR")
    if args.results and not args.run:
        _fail("--results needs --run")
    if args.memory_budget is not None:
        if not args.run:
            _fail("--memory-budget needs --run")
        from stratum.runtime.cache import parse_size

        try:
            args.memory_budget = parse_size(args.memory_budget)
        except ValueError:
            _fail(f"--memory-budget {args.memory_budget!r} is not a size (like 500M or 2G)")
    if args.address is not None and args.executor != "ray":
        _fail("--address needs --executor ray")
    if args.jobs is not None and args.jobs < 1:
        _fail("--jobs must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        _fail("--timeout must be positive")
    if args.workdir is not None and not os.path.isdir(args.workdir):
        _fail(f"--workdir {args.workdir!r} is not a directory")
    from stratum.driver import STRICT, UnknownPass, compile_for_dump, compile_plan, count_ops, optimize_and_lower
    from stratum.frontend import Script, ScriptSyntaxError
    from stratum.ir import python as py

    scripts = []
    for path in args.scripts:
        try:
            scripts.append(Script.load(path))
        except OSError as error:
            _fail(f"cannot open {path!r}: {error.strerror or error}")
    dumping = bool(args.emit or args.print_ir_after_all)
    # A local batch run compiles in a forked process while this one imports the
    # libraries the scripts import (see _Compiling).
    compiling: _Compiling | None = None
    background = bool(args.run and args.results) and args.executor != "ray" and not dumping and hasattr(os, "fork")
    try:
        if dumping:
            batch = compile_for_dump(scripts)
        elif background:
            trees = _check(scripts, args.passes)  # what compiling would refuse, refused here, before anything runs
            prepared = _batch_options(args)
            running = _scripts_to_run(prepared[0], [s.path for s in scripts]) if not args.report else None
            compiling = _Compiling(scripts, args.passes, use_cache=not getattr(args, "no_cache", False), running=running)
        else:
            # Frontend + passes, reused from an earlier run of the same batch over the same data.
            optimized = compile_plan(scripts, args.passes, use_cache=not getattr(args, "no_cache", False))
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
    except UnknownPass as error:
        _fail(str(error))
    if dumping:
        ops_total = count_ops(batch.module)
        ops_opaque = sum(isinstance(op, py.ExecOp) for op in batch.module.walk())
        try:
            stages = optimize_and_lower(batch.module, args.passes, keep_text=args.emit is not None, record_each_pass=args.print_ir_after_all)
        except UnknownPass as error:
            _fail(str(error))
        except Exception as bug:
            if STRICT:
                raise
            # A pass that cannot handle this IR (an xDSL pass given with -p, or a bug of ours).
            _fail(f"the pass pipeline failed on this batch: {type(bug).__name__}: {bug} (STRATUM_STRICT_FRONTEND=1 shows where)", 3)
        for name, text in stages.after_pass:
            sys.stderr.write(f"// -----// IR Dump After {name} //----- //\n{text}")
        if args.emit:
            sys.stdout.write(getattr(stages, args.emit))
        module, script_stats, ops_after_opt = batch.module, batch.stats, stages.ops_after_opt
    elif compiling is None:
        module, script_stats = optimized.module, optimized.stats
        ops_total, ops_opaque, ops_after_opt = optimized.ops_total, optimized.ops_opaque, optimized.ops_after_opt
    if compiling is not None:
        run_stats: dict[str, object] = {}
        status = _run_batch(compiling.module, [s.path for s in scripts], args, run_stats, compiling, trees, prepared)
        optimized = compiling.wait()  # waited for already, unless the run stopped before
        stats = _compile_stats(scripts, optimized.stats, optimized.ops_total, optimized.ops_opaque, optimized.ops_after_opt) if args.stats_json else {}
        stats.update(run_stats)
    else:
        stats = _compile_stats(scripts, script_stats, ops_total, ops_opaque, ops_after_opt) if args.stats_json else {}
        if args.run and args.results:
            status = _run_batch(module, [s.path for s in scripts], args, stats)
        elif args.run:
            status = _run(module, [s.path for s in scripts], stats, None if args.no_cache else _cache(args), args.memory_budget)
        else:
            status = 0
    if args.stats_json:
        Path(args.stats_json).write_text(json.dumps(stats, indent=2) + "\n")
    return status


def _compile_stats(scripts: list, script_stats: list, ops_total: int, ops_opaque: int, ops_after_opt: int) -> dict[str, object]:
    return {
        "scripts": len(scripts),
        "ops_total": ops_total,
        "ops_opaque": ops_opaque,
        "ops_after_opt": ops_after_opt,
        "statements": sum(s.statements for s in script_stats),
        "statements_native": sum(s.native_statements for s in script_stats),
        "statements_opaque": sum(s.opaque_statements for s in script_stats),
        "per_script": [
            {"script": sc.path, "statements": st.statements, "native": st.native_statements, "opaque": st.opaque_statements}
            | ({"fallback": st.fallback} if getattr(st, "fallback", None) else {})
            for sc, st in zip(scripts, script_stats)
        ],
    }


def _check(scripts: list, passes: str) -> list:
    """The scripts' syntax trees; raises what the compile would for a script that
    does not parse or an unknown pass (ScriptSyntaxError, UnknownPass)."""
    import warnings

    from stratum.driver import build_pipeline
    from stratum.frontend import parse

    build_pipeline(passes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the compile's own parse shows them, as it did
        return [parse(s) for s in scripts]


class _Compiling:
    """The batch compiled and lowered in a forked process while this one goes on:
    importing the scripts' libraries (the controller's other long wait) and
    compiling then overlap on two cores. ``module`` is empty until ``wait``
    moves the compiled IR into it; the child sends it in the compile cache's
    flat format and writes the cache entries after.

    ``running``: when only these scripts will run (the others are replayed), the
    plan holds only their part of the optimized batch (``driver.select_scripts``):
    the whole batch is optimized, as its cache keys depend on it, but not lowered
    or sent."""

    def __init__(self, scripts: list, passes: str, *, use_cache: bool, running: set[int] | None = None):
        from xdsl.dialects.builtin import ModuleOp

        self.scripts, self.passes, self.use_cache, self.running = scripts, passes, use_cache, running
        self.module = ModuleOp([])
        self.optimized: object = None
        # Lowering needs pandas (the backends' adapters; the frontend's dtype rules) and
        # so does this process: imported once, inherited, not paid twice on two cores.
        _import_heavy({"pandas"})
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read)
            self._child(write)
        os.close(write)
        self.read = read

    def _child(self, fd: int) -> NoReturn:
        try:
            from stratum import compile_cache
            from stratum.driver import compile_plan

            later: list = []  # cache entries, written after sending
            optimized = compile_plan(self.scripts, self.passes, use_cache=self.use_cache, running=self.running, later=later)
            data = compile_cache.entry(optimized, {})
            if data is not None:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            for write in later:
                write()
        except BaseException:
            pass  # nothing sent: the parent compiles for itself and sees what fails
        finally:
            sys.stderr.flush()
            os._exit(0)

    def wait(self) -> object:
        """The optimized and lowered batch, its IR in ``module``."""
        if self.optimized is not None:
            return self.optimized
        from stratum import compile_cache
        from stratum.driver import Optimized, compile_plan

        with os.fdopen(self.read, "rb") as f:
            data = f.read()
        os.waitpid(self.pid, 0)
        try:
            optimized = compile_cache.loads(data) if data else None
        except Exception:
            optimized = None
        if not isinstance(optimized, Optimized):
            optimized = compile_plan(self.scripts, self.passes, use_cache=self.use_cache)
        compiled = optimized.module
        self.module.detach_region(0)
        self.module.add_region(compiled.detach_region(0))
        self.module.attributes.update(compiled.attributes)
        optimized.module = self.module
        self.optimized = optimized
        return optimized


def _cache(args: argparse.Namespace, *, scratch: str | None = None) -> object:
    """The value cache the flags ask for; with --no-cache, a private one that lives for this run."""
    from stratum.cache_dir import UnsafeCacheDir, private_dir
    from stratum.runtime.cache import ValueCache, parse_size

    try:
        max_bytes = parse_size(args.cache_size)
    except ValueError:
        _fail(f"--cache-size {args.cache_size!r} is not a size (like 500M or 4G)")
    try:
        if scratch is not None:
            return ValueCache(Path(scratch), max_bytes=max_bytes)
        root = Path(args.cache_dir) if args.cache_dir else private_dir("values")
        return ValueCache(root, max_bytes=max_bytes)
    except UnsafeCacheDir as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot use cache directory {args.cache_dir!r}: {error.strerror or error}")


def _preload(module: object, scripts: set[int] | None = None) -> None:
    """Imports the heavy libraries the scripts import, once, before workers fork.

    ``scripts``: only those of these scripts (the others are replayed, or run elsewhere).
    """
    from stratum.ir import plan
    from stratum.ir import python as py

    names = {"numpy", "pandas", "sklearn"} if scripts is None or scripts else set()
    for op in module.walk():  # type: ignore[attr-defined]
        if isinstance(op, py.ImportOp):
            task = op.parent_op()
            if scripts is not None and isinstance(task, plan.TaskOp) and not scripts & {i.data for i in task.scripts.data}:
                continue
            names.add(op.module.data)
    _import_heavy(names)


def _preload_compiling(compiling: _Compiling, trees: list, scripts: set[int], cache: object = None, workdir: Path | None = None) -> None:
    """``_preload`` while the batch compiles: the modules the scripts that will run
    import, read from their syntax trees; then the compiled batch, and the backends
    its plan names (what lowering here imported before the compile moved out).

    With one script to run, nothing imported here is shared by other workers, and
    on a rerun after a small edit the cache holds most of its values: then the
    compile is waited for first and only what the run would import is imported
    (scikit-learn is often most of an edited script's rerun; imports.py)."""
    import ast

    if len(scripts) == 1 and cache is not None:
        # numpy and pandas (needed to unpickle most cached values) overlap the compile;
        # what else the run needs is known once the plan is.
        _import_heavy({"numpy", "pandas"})
        optimized = compiling.wait()
        from stratum.runtime.executor import Executor

        try:
            names = Executor(optimized.module, scripts=scripts, cache=cache).imports_needed(workdir)  # type: ignore[attr-defined]
        except Exception:  # only a guess at what to preload: the worker imports what it needs anyway
            names = {"numpy", "pandas", "sklearn"}
        _import_heavy(names)
        import stratum.runtime.errors
        import stratum.runtime.replay  # noqa: F401
        return
    names = {"numpy", "pandas", "sklearn"} if scripts else set()
    for k in scripts:
        for node in ast.walk(trees[k]):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    _import_heavy(names)
    compiling.wait()
    if scripts:
        from stratum.backends.registry import PREFERENCE, available

        for name in PREFERENCE:
            available(name)
        # What every worker imports first: once here, inherited by all.
        import stratum.runtime.errors
        import stratum.runtime.executor
        import stratum.runtime.replay  # noqa: F401


def _import_heavy(names: set[str]) -> None:
    import gc
    import importlib

    # Importing sklearn builds ~10^5 long-lived objects: collections meanwhile
    # (~7% of the time) free next to nothing. What is garbage is collected later.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for name in sorted(names):
            if name.split(".")[0] in {"numpy", "pandas", "sklearn", "scipy", "lightgbm", "xgboost"}:
                try:
                    importlib.import_module(name)
                except Exception:
                    pass  # the script reports it itself, at its own line
    finally:
        if collecting:
            gc.enable()


def _scripts_to_run(options: Any, paths: list[str]) -> set[int] | None:
    """The scripts that will run rather than be replayed; None when that is all of them.

    Looked up once, here, before the batch compiles: the compile then lowers and
    sends only what these scripts run, and ``run_batch`` uses the same lookups.
    """
    from stratum.runtime.batch import Replays

    options.replays = Replays(paths, options)
    running = {k for k in range(len(paths)) if not options.replays.will_replay(k)}
    return running if len(running) < len(paths) else None


def _batch_options(args: argparse.Namespace) -> tuple[Any, str | None]:
    """The batch's options (its value cache opened), and the scratch cache directory of --no-cache."""
    import tempfile

    from stratum.runtime.batch import BatchOptions

    scratch = None if not args.no_cache else tempfile.mkdtemp(prefix="stratum-values-")
    cache = _cache(args, scratch=scratch)
    options = BatchOptions(
        workdir=Path(args.workdir or ".").resolve(),
        results=Path(args.results),
        jobs=args.jobs or os.cpu_count() or 1,
        timeout=args.timeout,
        cache=cache,  # type: ignore[arg-type]
        progress=sys.stderr.isatty(),
        replay=not args.no_replay,
        memory_budget=args.memory_budget,
    )
    return options, scratch


def _run_batch(
    module: object, paths: list[str], args: argparse.Namespace, stats: dict[str, object], compiling: _Compiling | None = None, trees: list | None = None, prepared: tuple[Any, str | None] | None = None
) -> int:
    from stratum.runtime.batch import print_table, run_batch

    options, scratch = prepared if prepared is not None else _batch_options(args)
    cache = options.cache
    if args.executor == "ray":
        options.preload = None  # Ray's workers import for themselves
    elif compiling is not None:
        options.preload = functools.partial(_preload_compiling, compiling, trees, cache=cache, workdir=options.workdir)
    else:
        options.preload = functools.partial(_preload, module)
    try:
        if args.executor == "ray":
            from stratum.runtime.ray_executor import RayUnavailable, run_batch_ray

            try:
                outcome = run_batch_ray(module, paths, options, address=args.address)  # type: ignore[arg-type]
            except RayUnavailable as error:
                _fail(str(error))
            except ConnectionError as error:
                _fail(f"cannot reach the Ray cluster at {args.address}: {error}")
        else:
            outcome = run_batch(module, paths, options)  # type: ignore[arg-type]
    finally:
        if scratch is not None:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
        else:
            cache.evict()  # type: ignore[attr-defined]
    if args.report:
        from stratum.runtime.report import write_report

        write_report(Path(args.report), module, outcome)  # type: ignore[arg-type]
    print_table(outcome, sys.stdout)
    if args.executor != "ray":
        global _LEAVE_NOW
        _LEAVE_NOW = True
    stats["runtime"] = {
        "seconds": outcome.seconds,
        "ops_executed": sum(r.ops_computed for r in outcome.results),
        "cache_hits": sum(r.cache_hits for r in outcome.results),
        "spills": sum(r.spills for r in outcome.results),
        "reloads": sum(r.reloads for r in outcome.results),
    }
    return 0 if all(r.status == "ok" for r in outcome.results) else 1


def _run(module: object, paths: list[str], stats: dict[str, object], cache: object = None, memory_budget: int | None = None) -> int:
    from stratum.runtime.errors import die_of_interrupt, print_exception
    from stratum.runtime.executor import Executor

    # What `python SCRIPT.py` sets up: argv, and the script's directory first on sys.path.
    sys.argv = [paths[0]]
    sys.path[0] = os.path.dirname(os.path.abspath(paths[0]))
    executor = Executor(module, cache=cache, memory_budget=memory_budget)  # type: ignore[arg-type]
    try:
        runs = executor.run()
    except KeyboardInterrupt as interrupt:  # not caught by the script
        die_of_interrupt(interrupt)
    sys.stdout.flush()
    stats["runtime"] = {**executor.stats, "backends": dict(executor.stats["backends"])}
    if cache is not None:
        cache.evict()  # type: ignore[attr-defined]
    status = 0
    for run in runs:
        if run.exception is not None:
            print_exception(run.exception)
        status = status or (run.exit_code or 0)
    global _LEAVE_NOW
    _LEAVE_NOW = True
    return status


# Set once a script or a local batch has run here: the process then leaves as the
# interpreter would (threads joined, exit handlers, open files flushed; see
# batch.leave_as_python) without tearing down what it imported (pandas, sklearn,
# the IR), which takes a quarter of a second.
_LEAVE_NOW = False


def entry(argv: list[str] | None = None, *, use_server: bool = True) -> None:
    argv = sys.argv[1:] if argv is None else argv
    server = os.environ.get("STRATUM_SERVER", "")
    if use_server and not {"--serve", "--no-server", "--server-status", "--stop-server"} & set(argv) and server != "0":
        from stratum.runtime.server import delegate

        # A warm `stratumc --serve` runs it, if one is up and compatible (STRATUM_SERVER=start: else start one).
        served = delegate(argv, start=server == "start")
        if served is not None:
            raise SystemExit(served)
    status = main(argv)
    if _LEAVE_NOW:
        from stratum.runtime.batch import leave_as_python

        os._exit(leave_as_python(status) & 0xFF)
    raise SystemExit(status)


if __name__ == "__main__":
    entry()
