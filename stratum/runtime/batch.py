"""Runs a compiled batch with one isolated worker process per script.

The controller (this process) has compiled the batch and imported the
libraries the scripts use; it forks one worker per script, at most ``jobs`` at
a time, so imports are paid once and the compiled module is inherited rather
than sent. A worker changes into its script's directory ``RESULTS/<id>/``
(which mirrors the base directory: its files are symlinked, its directories
recreated), sends fd 1 and 2 to ``stdout.txt`` / ``stderr.txt`` with the
buffering ``python`` would use for files, and runs only its script's chain.

Work shared between scripts is handed over through the value cache: the first
worker that needs a shared value computes it under the value's lock and stores
it, the others wait for the lock and read it. A worker that raises, exits,
times out (SIGINT first, as AIDE does, then SIGKILL), segfaults or is killed
for memory loses only its own script; the kernel drops its locks, and any
other script that needs the value it was computing computes it itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import locale
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import ModuleOp

from stratum.runtime.cache import ValueCache

RESERVED = ("stdout.txt", "stderr.txt", "exit_code")
TIMEOUT_GRACE_SECONDS = 2.0
_METRIC = re.compile(
    r"(?i)(rmse|rmsle|mse|mae|mape|r2|r\^2|auc|accuracy|f1|score|loss|error|logloss|metric|cv)\b[^\n]*?[-+]?\d+(\.\d+)?"
)


@dataclass
class ScriptResult:
    id: str
    script: str
    status: str = "pending"  # ok | error | timeout | crashed
    exit_code: int | None = None
    seconds: float = 0.0
    exception: str | None = None
    signal: str | None = None
    metric: str | None = None
    ops_computed: int = 0
    cache_hits: int = 0
    cache_stores: int = 0
    memo_hits: int = 0
    cache_corrupt: int = 0  # damaged cache entries found (and recomputed)
    computed: dict[str, int] = field(default_factory=dict)  # op name -> how many this script computed
    backends: dict[str, int] = field(default_factory=dict)
    replayed: bool = False  # nothing it depends on changed: its earlier outcome was replayed (replay.py)
    spills: int = 0  # values the buffer pool wrote to disk (with a memory budget), and read back
    reloads: int = 0
    fallback: str | None = None  # why the script ran as written, when compiling it failed inside Stratum


@dataclass
class BatchOptions:
    workdir: Path
    results: Path
    jobs: int
    timeout: float | None = None
    cache: ValueCache | None = None
    progress: bool = False
    replay: bool = True  # replay unchanged deterministic scripts from the cache
    # Called with the scripts that will run (not replayed) before the first fork: imports
    # their libraries once, so every worker inherits them.
    preload: Callable[[set[int]], None] | None = None
    memory_budget: int | None = None  # bytes of intermediates per worker above which they spill (spill.py)
    replays: Replays | None = None  # looked up already (by the caller, before compiling); else here


@dataclass
class BatchOutcome:
    results: list[ScriptResult]
    seconds: float
    op_records: list[dict[int, dict[str, Any]]]  # per script: top-level op index -> record


def script_ids(paths: list[str]) -> list[str]:
    ids: list[str] = []
    for path in paths:
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(path).stem) or "script"
        name, n = base, 2
        while name in ids:
            name, n = f"{base}-{n}", n + 1
        ids.append(name)
    return ids


def last_metric_line(stdout: str) -> str | None:
    found = None
    for line in stdout.splitlines():
        if _METRIC.search(line):
            found = line.strip()
    return found


# -- working directories -------------------------------------------------------


def _mirror(base: Path, dest: Path, skip: set[str], created: list[Path]) -> None:
    """Makes ``dest`` show ``base``'s entries: files as symlinks, directories recreated."""
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        if os.path.realpath(entry.path) in skip or entry.name in RESERVED:
            continue
        target = dest / entry.name
        if entry.is_dir(follow_symlinks=True):
            target.mkdir(exist_ok=True)
            created.append(target)
            _mirror(Path(entry.path), target, skip, created)
        else:
            os.symlink(os.path.abspath(entry.path), target)
            created.append(target)


def _copy_on_write(links: set[str], watch: Any = None) -> None:
    """Makes writes to a mirrored file land in the script's directory, not in the base.

    Opening one of our symlinks for writing (``open``, ``io.open``, ``Path.open``,
    ``os.open``) first replaces the link by the script's own file: empty when the
    open truncates, a copy of the base file otherwise. Code that writes from C
    without going through these (rare for existing input files) is not covered.
    """
    import builtins

    real_open, real_os_open = builtins.open, os.open

    def detach(file: Any, keep: bool) -> None:
        if not isinstance(file, (str, bytes, os.PathLike)):
            return
        path = os.path.abspath(os.fsdecode(file))
        if path not in links or not os.path.islink(path):
            return
        links.discard(path)
        if keep:
            temp = f"{path}.stratum-copy-{os.getpid()}"
            shutil.copyfile(path, temp)
            os.replace(temp, path)
        else:
            os.unlink(path)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(mode, str) and "x" not in mode and any(c in mode for c in "wa+"):
            detach(file, keep="w" not in mode)
        elif watch is not None:
            watch.opened(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR) and not flags & os.O_EXCL and dir_fd is None:
            detach(path, keep=not flags & os.O_TRUNC)
        elif watch is not None and not flags & (os.O_WRONLY | os.O_RDWR):
            watch.opened(path)
        return real_os_open(path, flags, mode, dir_fd=dir_fd)

    builtins.open = io.open = open_  # type: ignore[assignment]
    os.open = os_open  # type: ignore[assignment]


def _unmirror(created: list[Path]) -> None:
    """Removes the links and the directories ``_mirror`` made, unless the script changed them."""
    for path in reversed(created):
        with contextlib.suppress(OSError):
            if path.is_symlink():
                path.unlink()
            elif path.is_dir():
                path.rmdir()  # only when empty: the script wrote nothing there


# -- the worker ----------------------------------------------------------------


def _worker(module: ModuleOp, index: int, path: str, directory: Path, result_file: Path, cache: ValueCache | None, links: set[str], base: Path | None = None, memory_budget: int | None = None) -> int:
    """Runs script ``index`` in this (forked) process; returns its exit status."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.chdir(directory)
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        target = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    encoding = os.environ.get("PYTHONIOENCODING", "").split(":")[0] or locale.getpreferredencoding(False)
    # What python gives a script whose output goes to files: block-buffered stdout and
    # line-buffered stderr, or both unbuffered under PYTHONUNBUFFERED (python -u).
    sys.stdin = open(0, encoding=encoding, closefd=False)  # noqa: SIM115
    if os.environ.get("PYTHONUNBUFFERED"):
        sys.stdout = io.TextIOWrapper(open(1, "wb", buffering=0, closefd=False), encoding=encoding, write_through=True)  # noqa: SIM115
        sys.stderr = io.TextIOWrapper(open(2, "wb", buffering=0, closefd=False), encoding=encoding, errors="backslashreplace", write_through=True)  # noqa: SIM115
    else:
        sys.stdout = open(1, "w", encoding=encoding, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding=encoding, errors="backslashreplace", buffering=1, closefd=False)  # noqa: SIM115
    sys.argv = [path]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    from stratum.runtime.replay import RunWatch

    watch = RunWatch(os.path.realpath(base if base is not None else directory), os.path.realpath(directory))
    watch.install(cache)  # type: ignore[arg-type]
    _copy_on_write(links, watch)

    from stratum.runtime.errors import die_of_interrupt, print_exception
    from stratum.runtime.executor import Executor

    executor = Executor(module, scripts={index}, cache=cache, record_ops=True, memory_budget=memory_budget)
    record: dict[str, Any] = {}

    def save() -> None:
        stats = executor.stats
        record.update(
            ops_computed=stats["ops_executed"],
            cache_hits=stats["cache_hits"],
            cache_stores=stats["cache_stores"],
            memo_hits=stats["memo_hits"],
            cache_corrupt=cache.stats.corrupt if cache is not None else 0,
            computed=dict(stats["computed"]),
            backends=dict(stats["backends"]),
            spills=stats["spills"],
            reloads=stats["reloads"],
            ops=executor.records,
            replayable=watch.deterministic(),
            reads=watch.outside_reads(),
        )
        result_file.write_text(json.dumps(record))

    try:
        (run,) = executor.run()
    except KeyboardInterrupt as interrupt:
        # Interrupted (a timeout): report it as python would, then die of SIGINT like python.
        record["exception"] = "KeyboardInterrupt"
        save()
        die_of_interrupt(interrupt)
    status = run.exit_code or 0
    if run.exception is not None:
        record["exception"] = type(run.exception).__name__
    save()
    try:
        sys.stdout.flush()
    except Exception:  # like python: a failing flush at exit reports and exits 120
        status = status or 120
    if run.exception is not None:
        print_exception(run.exception)
    return status


def _fork_worker(module: ModuleOp, index: int, path: str, directory: Path, result_file: Path, cache: ValueCache | None, links: set[str], base: Path, memory_budget: int | None = None) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = fork_frozen()
    if pid:
        return pid
    status = 70
    try:
        status = _worker(module, index, path, directory, result_file, cache, links, base, memory_budget)
        status = leave_as_python(status)
    except BaseException:  # a failure of Stratum itself, never of the script
        with contextlib.suppress(Exception):
            os.write(2, f"stratum: internal error running {path}: {traceback.format_exc().splitlines()[-1]}\n".encode())
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(status & 0xFF)
    raise AssertionError("unreachable")


def fork_frozen() -> int:
    """``os.fork``, the child's inherited objects frozen out of its garbage collector: its
    collections do not touch (so copy) their pages, and ``gc.get_objects`` there lists
    only what the script made (``leave_as_python`` flushes those files, never the parent's)."""
    import gc

    gc.freeze()
    pid = os.fork()
    if pid:
        gc.unfreeze()
    return pid


def leave_as_python(status: int) -> int:
    """What the interpreter does after the script, before a worker's ``os._exit``: as at the
    end of ``python script.py``, non-daemon threads are joined, exit handlers run, and
    files the script left open are flushed (python's finalizers close them)."""
    import atexit
    import gc
    import threading

    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            status = status or 120  # as the interpreter exits when it cannot flush stdout
    for obj in gc.get_objects():
        if isinstance(obj, (io.BufferedWriter, io.BufferedRandom, io.TextIOWrapper)) and obj is not sys.stdout and obj is not sys.stderr:
            with contextlib.suppress(Exception):
                if not obj.closed:
                    obj.flush()
    return status


# -- the controller --------------------------------------------------------------


@dataclass
class _Running:
    index: int
    started: float
    interrupted_at: float | None = None


def prepare_directories(ids: list[str], options: BatchOptions) -> list[list[Path]]:
    """Makes each script's ``RESULTS/<id>/`` afresh, mirroring the base directory; returns what was mirrored."""
    options.results.mkdir(parents=True, exist_ok=True)
    skip = {os.path.realpath(options.results)}
    created: list[list[Path]] = []
    for script_id in ids:
        directory = options.results / script_id
        if directory.is_symlink() or directory.is_file():
            directory.unlink()
        elif directory.exists():
            shutil.rmtree(directory)
        directory.mkdir()
        made: list[Path] = []
        _mirror(options.workdir, directory, skip, made)
        created.append(made)
    return created


def note_fallbacks(results: list[ScriptResult], module: ModuleOp) -> None:
    from stratum.frontend import as_written_reasons

    for k, why in as_written_reasons(module).items():
        results[k].fallback = why


def write_summary(results: list[ScriptResult], seconds: float, options: BatchOptions, **extra: Any) -> None:
    summary: dict[str, Any] = {"seconds": round(seconds, 3), **extra, "scripts": [asdict(r) for r in results]}
    if options.cache is not None:
        summary["cache_dir"] = str(options.cache.root)
    (options.results / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


def run_batch(module: ModuleOp, paths: list[str], options: BatchOptions) -> BatchOutcome:
    ids = script_ids(paths)
    results = [ScriptResult(id=i, script=p) for i, p in zip(ids, paths)]
    records: list[dict[int, dict[str, Any]]] = [{} for _ in paths]
    created = prepare_directories(ids, options)

    scratch = Path(tempfile.mkdtemp(prefix="stratum-batch-"))
    pending = list(range(len(paths)))
    running: dict[int, _Running] = {}
    progress = _Progress(len(paths)) if options.progress else None
    batch_started = time.perf_counter()
    replays = options.replays if options.replays is not None else Replays(paths, options)
    if options.preload is not None:
        options.preload({k for k in range(len(paths)) if not replays.will_replay(k)})
    try:
        while pending or running:
            while pending and len(running) < options.jobs:
                k = pending.pop(0)
                if replays.replay(k, results[k], options.results / ids[k], created[k]):
                    if progress:
                        progress.started(ids[k])
                        progress.finished(results[k])
                    continue
                pid = _fork_worker(module, k, os.path.abspath(paths[k]), (options.results / ids[k]).resolve(), scratch / f"{k}.json", options.cache, {os.path.abspath(p) for p in created[k] if p.is_symlink()}, options.workdir, options.memory_budget)
                running[pid] = _Running(k, time.perf_counter())
                if progress:
                    progress.started(ids[k])
            finished = False
            for pid in list(running):
                done, status = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
                state = running.pop(pid)
                k = state.index
                result = results[k]
                result.seconds = round(time.perf_counter() - state.started, 3)
                record = _finish(result, status, state.interrupted_at is not None, scratch / f"{k}.json", records, k, options.results / ids[k], created[k])
                replays.store(k, result, options.results / ids[k], record)
                finished = True
                if progress:
                    progress.finished(result)
            now = time.perf_counter()
            for pid, state in running.items():
                if options.timeout is None:
                    continue
                if state.interrupted_at is None and now - state.started > options.timeout:
                    state.interrupted_at = now
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGINT)
                elif state.interrupted_at is not None and now - state.interrupted_at > TIMEOUT_GRACE_SECONDS:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            if progress:
                progress.refresh()
            if not finished:
                time.sleep(0.01)
    except BaseException:
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in running:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        raise
    finally:
        if progress:
            progress.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.perf_counter() - batch_started
    note_fallbacks(results, module)
    write_summary(results, seconds, options)
    return BatchOutcome(results, seconds, records)


def _finish(
    result: ScriptResult,
    status: int,
    timed_out: bool,
    result_file: Path,
    records: list[dict[int, dict[str, Any]]],
    k: int,
    directory: Path,
    created: list[Path],
) -> dict[str, Any] | None:
    """Fills ``result`` from the worker's status and record; returns the record."""
    record = None
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        result.exit_code = -signum
        result.signal = signal.Signals(signum).name
        result.status = "timeout" if timed_out else "crashed"
    else:
        result.exit_code = os.WEXITSTATUS(status)
        result.status = "timeout" if timed_out else ("ok" if result.exit_code == 0 else "error")
    with contextlib.suppress(OSError, ValueError):
        record = json.loads(result_file.read_text())
        result.exception = record.get("exception")
        result.ops_computed = record.get("ops_computed", 0)
        result.cache_hits = record.get("cache_hits", 0)
        result.cache_stores = record.get("cache_stores", 0)
        result.memo_hits = record.get("memo_hits", 0)
        result.cache_corrupt = record.get("cache_corrupt", 0)
        result.computed = record.get("computed", {})
        result.backends = record.get("backends", {})
        result.spills = record.get("spills", 0)
        result.reloads = record.get("reloads", 0)
        records[k] = {int(i): r for i, r in (record.get("ops") or {}).items()}
    _unmirror(created)
    with contextlib.suppress(OSError, UnicodeDecodeError):
        result.metric = last_metric_line((directory / "stdout.txt").read_text(errors="replace"))
    (directory / "exit_code").write_text(f"{result.exit_code}\n")
    return record


class Replays:
    """Replays unchanged deterministic scripts from the cache and stores new outcomes (see replay.py)."""

    def __init__(self, paths: list[str], options: BatchOptions):
        self.keys: list[str | None] = [None] * len(paths)
        self.entries: dict[int, dict[str, Any] | None] = {}
        self.cache = options.cache
        if self.cache is None or not options.replay:
            return
        from stratum.compile_cache import _STRATUM
        from stratum.runtime import replay

        sources: dict[int, str] = {}
        for k, path in enumerate(paths):
            try:
                source = Path(path).read_text()
            except (OSError, UnicodeDecodeError):
                continue
            if replay.replayable_source(source):
                sources[k] = source
        if not sources:
            return  # hashing the base directory would be for nothing
        tree = replay.tree_fingerprint(options.workdir, self.cache, {os.path.realpath(options.results), os.path.realpath(self.cache.root)})
        if tree is None:
            return
        for k, source in sources.items():
            self.keys[k] = replay.outcome_key(self.cache, script=paths[k], source=source, tree=tree, timeout=options.timeout, stratum=_STRATUM)

    def will_replay(self, k: int) -> bool:
        """Whether script ``k`` has a stored outcome to replay (looked up once)."""
        if k not in self.entries:
            key = self.keys[k]
            if key is None:
                self.entries[k] = None
            else:
                from stratum.runtime import replay

                self.entries[k] = replay.lookup(self.cache, key)  # type: ignore[arg-type]
        return self.entries[k] is not None

    def replay(self, k: int, result: ScriptResult, directory: Path, created: list[Path]) -> bool:
        if not self.will_replay(k):
            return False
        from stratum.runtime import replay

        entry = self.entries[k]
        assert entry is not None
        started = time.perf_counter()
        _unmirror(created)  # the earlier run's directory held no links at the end either
        replay.restore(directory, entry)
        for name in ("status", "exit_code", "exception", "signal", "metric"):
            setattr(result, name, entry[name])
        result.replayed = True
        result.seconds = round(time.perf_counter() - started, 3)
        (directory / "exit_code").write_text(f"{result.exit_code}\n")
        return True

    def store(self, k: int, result: ScriptResult, directory: Path, record: dict[str, Any] | None) -> None:
        key = self.keys[k]
        if key is None or record is None or not record.get("replayable") or result.status not in ("ok", "error"):
            return
        from stratum.runtime import replay

        files = replay.collect(directory, ("exit_code",))
        if files is None:
            return
        entry = {name: getattr(result, name) for name in ("status", "exit_code", "exception", "signal", "metric")}
        replay.store(self.cache, key, {**entry, "files": files, "reads": record.get("reads", {})})  # type: ignore[arg-type]


# -- terminal output -------------------------------------------------------------

_STYLE = {"ok": "green", "error": "red", "timeout": "yellow", "crashed": "magenta"}


class _Progress:
    """A live progress bar on the terminal; refreshed by the controller's loop (no thread, so forks are safe)."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]stratum[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(file=sys.stderr),
            auto_refresh=False,
            transient=False,
        )
        self.task = self.progress.add_task("", total=total)
        self.running: list[str] = []
        self.progress.start()

    def started(self, script_id: str) -> None:
        self.running.append(script_id)
        self._describe()

    def finished(self, result: ScriptResult) -> None:
        if result.id in self.running:
            self.running.remove(result.id)
        self.progress.advance(self.task)
        colour = _STYLE.get(result.status, "white")
        self.progress.console.print(f"[{colour}]{result.status:>7}[/] {result.id}  {result.seconds:.1f}s")
        self._describe()

    def _describe(self) -> None:
        self.progress.update(self.task, description=", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else ""))

    def refresh(self) -> None:
        self.progress.refresh()

    def stop(self) -> None:
        self.progress.stop()


def print_table(outcome: BatchOutcome, file: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(outcome.results)} scripts in {outcome.seconds:.1f}s")
    for column in ("script", "status", "exit", "seconds", "cache hits", "exception", "last metric"):
        table.add_column(column, overflow="fold")
    for r in outcome.results:
        colour = _STYLE.get(r.status, "white")
        seconds = "replayed" if r.replayed else f"{r.seconds:.2f}"
        table.add_row(r.id, f"[{colour}]{r.status}[/]", str(r.exit_code), seconds, str(r.cache_hits), r.exception or r.signal or "", r.metric or "")
    Console(file=file, width=None if file.isatty() else 160).print(table)
