"""Runs a compiled batch on a Ray cluster (``stratumc --run ... --results DIR --executor ray``).

Each script is one Ray task. The task runs in a long-lived Ray worker that has
imported the scripts' libraries once (warm imports), and forks a child for
the script, exactly like the local batch runner (``batch.py``): the child
gets its own directory, stdout/stderr files, signals and interpreter state,
so a script that raises, exits, segfaults or is killed for memory takes
down only its child. The Ray worker enforces the timeout (SIGINT, then
SIGKILL), as the local controller does.

Shared intermediates go through Ray's object store. A forked child cannot
use Ray itself (its core worker is not fork-safe), so it talks to its
parent over a socket: the parent looks values up in a ``ValueDirectory``
actor (content key -> object reference), fetches them from the object
store, and publishes the child's stores there; per-key locks in the same
actor make one worker compute a shared value while the others wait, as the
file locks do locally. The disk value cache, when enabled, stays the
persistent tier (values survive the batch) and is consulted after the
object store; it needs a file system all nodes share, like the results
directory itself.

Ray is an optional extra (``pip install stratum[ray]``), imported only here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import ModuleOp

from stratum.runtime.batch import (
    TIMEOUT_GRACE_SECONDS,
    BatchOptions,
    BatchOutcome,
    ScriptResult,
    _finish,
    _worker,
    fork_frozen,
    leave_as_python,
    note_fallbacks,
    prepare_directories,
    script_ids,
    write_summary,
)
from stratum.runtime.cache import MISS, CacheStats, ValueCache, _salt, content_fingerprint, digest

# Libraries the workers import once, before forking scripts.
WARM_MODULES = ("numpy", "pandas", "sklearn", "scipy", "lightgbm", "xgboost")
_LOCK_POLL_SECONDS = 0.02


class RayUnavailable(RuntimeError):
    pass


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--executor ray needs Ray: pip install 'stratum[ray]'") from None
    return ray


# -- the channel between a script's child process and its Ray worker ------------------

_LENGTH = struct.Struct("<Q")


def _send(sock: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, protocol=5)
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _receive(sock: socket.socket) -> Any:
    header = _read_exactly(sock, _LENGTH.size)
    (length,) = _LENGTH.unpack(header)
    return pickle.loads(_read_exactly(sock, length))


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class ObjectStoreCache:
    """The value cache a script's child process sees: the object store (through its parent), then the disk.

    It has the interface the executor uses of ``ValueCache``: ``key``,
    ``file_fingerprint``, ``contains``, ``get``, ``put``, ``lock`` and ``stats``.
    """

    def __init__(self, channel: socket.socket, disk: ValueCache | None):
        self.channel = channel
        self.disk = disk
        self.stats = disk.stats if disk is not None else CacheStats()
        self.root = disk.root if disk is not None else None
        self._salt = _salt()
        self._file_hashes: dict[tuple[str, int, int, int], str] = {}

    def _call(self, *request: Any) -> Any:
        _send(self.channel, request)
        return _receive(self.channel)

    def key(self, *parts: str) -> str:
        return digest(self._salt, *parts)

    def file_fingerprint(self, path: str) -> str | None:
        if self.disk is not None:
            return self.disk.file_fingerprint(path)
        try:
            real = os.path.realpath(path)
            info = os.stat(real)
        except OSError:
            return None
        memo_key = (real, info.st_ino, info.st_size, info.st_mtime_ns)
        if memo_key not in self._file_hashes:
            fingerprint = content_fingerprint(real)
            if fingerprint is None:
                return None
            self._file_hashes[memo_key] = fingerprint
        return self._file_hashes[memo_key]

    def contains(self, key: str) -> bool:
        """Whether the object store or the disk holds ``key`` (nothing is fetched)."""
        return bool(self._call("contains", key)) or (self.disk is not None and self.disk.contains(key))

    def get(self, key: str, *, count: bool = True) -> Any:
        payload = self._call("get", key)
        if payload is not None:
            try:
                value = pickle.loads(payload)
            except Exception:
                value = MISS
            if value is not MISS:
                if count:
                    self.stats.hits += 1
                return value
        if self.disk is not None:
            value = self.disk.get(key, count=count)
            if value is not MISS:
                self._call("put", key, pickle.dumps(value, protocol=5))  # other nodes find it in memory
            return value
        if count:
            self.stats.misses += 1
        return MISS

    def put(self, key: str, value: Any, *, count: bool = True) -> bool:
        try:
            payload = pickle.dumps(value, protocol=5)
        except Exception:
            return False
        stored = self._call("put", key, payload)
        if self.disk is not None:
            stored = self.disk.put(key, value, count=False) or stored
        if stored and count:
            self.stats.stores += 1
        return bool(stored)

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        self._call("lock", key)
        try:
            yield
        finally:
            self._call("unlock", key)


# -- deep object graphs ------------------------------------------------------------------


def _in_deep_thread(function: Any, *args: Any) -> Any:
    """Runs ``function`` where recursion may go deep: xDSL modules are linked lists of
    ops and uses, which pickle recursively, far past the default stack."""
    outcome: list[Any] = []

    def body() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # handed back to the caller's thread
            outcome.append((False, error))

    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, 1_000_000))
    threading.stack_size(1 << 30)  # virtual: pages are touched only as deep as needed
    try:
        thread = threading.Thread(target=body)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def dump_module(module: ModuleOp) -> bytes:
    return _in_deep_thread(pickle.dumps, module, pickle.HIGHEST_PROTOCOL)


def load_module(data: bytes) -> ModuleOp:
    return _in_deep_thread(pickle.loads, data)


# -- the actor and the task --------------------------------------------------------------


class ValueDirectory:
    """Content key -> object reference, and per-key locks, for one batch (a Ray actor)."""

    def __init__(self) -> None:
        self.refs: dict[str, Any] = {}
        self.holders: dict[str, str] = {}

    def lookup(self, key: str) -> list[Any] | None:
        ref = self.refs.get(key)
        return None if ref is None else [ref]  # wrapped, so Ray hands over the reference, not the value

    def publish(self, key: str, wrapped: list[Any]) -> None:
        self.refs.setdefault(key, wrapped[0])

    def acquire(self, key: str, holder: str) -> bool:
        if self.holders.get(key, holder) != holder:
            return False
        self.holders[key] = holder
        return True

    def release(self, key: str, holder: str) -> None:
        if self.holders.get(key) == holder:
            del self.holders[key]

    def release_all(self, holder: str) -> None:
        for key in [k for k, h in self.holders.items() if h == holder]:
            del self.holders[key]


_warm = False
_modules: dict[str, ModuleOp] = {}  # batch token -> the module, unpickled once per worker


def _warm_up() -> None:
    """Imports the heavy libraries once per Ray worker: every script it forks inherits them."""
    global _warm
    if _warm:
        return
    import importlib

    for name in WARM_MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    _warm = True


def run_script_task(
    batch: str,
    module_bytes: bytes,
    index: int,
    path: str,
    directory: str,
    links: set[str],
    timeout: float | None,
    directory_actor: Any,
    disk_root: str | None,
    holder: str,
    environment: dict[str, str],
    memory_budget: int | None = None,
) -> tuple[int, bool, str | None, float]:
    """The body of one Ray task: fork the script, serve its cache requests, enforce its timeout.

    Returns the child's wait status, whether it was interrupted for its
    timeout, the JSON record it wrote, and its wall time.
    """
    ray = _import_ray()
    _warm_up()
    module = _modules.get(batch)
    if module is None:
        _modules.clear()
        module = _modules[batch] = load_module(module_bytes)
    scratch = Path(tempfile.mkdtemp(prefix="stratum-ray-"))
    result_file = scratch / "record.json"
    parent_end, child_end = socket.socketpair()
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.perf_counter()
    pid = fork_frozen()
    if pid == 0:  # the script's process
        status = 70
        try:
            parent_end.close()
            _as_plain_python(environment)
            disk = ValueCache(Path(disk_root), create=False) if disk_root else None
            status = _worker(module, index, path, Path(directory), result_file, ObjectStoreCache(child_end, disk), links, memory_budget=memory_budget)
            status = leave_as_python(status)
        except BaseException:
            with contextlib.suppress(Exception):
                import traceback

                os.write(2, f"stratum: internal error running {path}: {traceback.format_exc().splitlines()[-1]}\n".encode())
        finally:
            os._exit(status & 0xFF)
    child_end.close()
    held: set[str] = set()
    interrupted_at: float | None = None
    status = 0
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            now = time.perf_counter()
            if timeout is not None:
                if interrupted_at is None and now - started > timeout:
                    interrupted_at = now
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGINT)
                elif interrupted_at is not None and now - interrupted_at > TIMEOUT_GRACE_SECONDS:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            readable, _, _ = select.select([parent_end], [], [], 0.05)
            if not readable:
                continue
            try:
                request = _receive(parent_end)
            except (EOFError, OSError):
                continue  # the child is gone; waitpid reports how
            _send(parent_end, _serve(ray, directory_actor, holder, held, request))
    finally:
        parent_end.close()
        if held:
            ray.get(directory_actor.release_all.remote(holder))
    seconds = time.perf_counter() - started
    record = result_file.read_text() if result_file.exists() else None
    with contextlib.suppress(OSError):
        result_file.unlink()
        scratch.rmdir()
    return status, interrupted_at is not None, record, seconds


def _as_plain_python(environment: dict[str, str]) -> None:
    """Undoes what a Ray worker sets up and a fresh ``python`` would not have."""
    import faulthandler

    os.environ.clear()
    os.environ.update(environment)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # a Ray worker may block signals a script must receive
    if not environment.get("PYTHONFAULTHANDLER"):
        faulthandler.disable()  # Ray's workers dump every crash to stderr; python does not
    sys.excepthook = sys.__excepthook__


def thread_environment(environment: dict[str, str]) -> dict[str, str]:
    """The thread settings plain python gets, for the Ray workers' start.

    Ray sets OMP_NUM_THREADS to a task's CPU count (1 here) when it is unset;
    python leaves OpenMP and BLAS at the number of usable cores, and library
    results can depend on the thread count, so workers start with that.
    """
    return {"OMP_NUM_THREADS": environment.get("OMP_NUM_THREADS") or str(len(os.sched_getaffinity(0)))}


def _serve(ray: Any, directory_actor: Any, holder: str, held: set[str], request: tuple[Any, ...]) -> Any:
    kind, key = request[0], request[1]
    if kind == "get":
        wrapped = ray.get(directory_actor.lookup.remote(key))
        if wrapped is None:
            return None
        try:
            return ray.get(wrapped[0])
        except Exception:  # an object whose owner died: recompute
            return None
    if kind == "contains":
        return ray.get(directory_actor.lookup.remote(key)) is not None
    if kind == "put":
        ray.get(directory_actor.publish.remote(key, [ray.put(request[2])]))
        return True
    if kind == "lock":
        while not ray.get(directory_actor.acquire.remote(key, holder)):
            time.sleep(_LOCK_POLL_SECONDS)
        held.add(key)
        return True
    if kind == "unlock":
        ray.get(directory_actor.release.remote(key, holder))
        held.discard(key)
        return True
    raise ValueError(f"unknown cache request {kind!r}")


# -- the controller ------------------------------------------------------------------------


def run_batch_ray(module: ModuleOp, paths: list[str], options: BatchOptions, *, address: str | None = None) -> BatchOutcome:
    """Runs the batch as Ray tasks; ``address`` names a running cluster, else a local instance starts."""
    ray = _import_ray()
    ids = script_ids(paths)
    results = [ScriptResult(id=i, script=p) for i, p in zip(ids, paths)]
    records: list[dict[int, dict[str, Any]]] = [{} for _ in paths]
    created = prepare_directories(ids, options)
    started_here = not ray.is_initialized()
    if started_here:
        init: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if address:
            init["address"] = address
        else:
            init["num_cpus"] = options.jobs
        ray.init(**init)
    batch_started = time.perf_counter()
    try:
        directory_actor = ray.remote(ValueDirectory).options(num_cpus=0).remote()
        # Pickled here, once, and unpickled once per worker (xDSL modules are deep object graphs).
        module_ref = ray.put(dump_module(module))
        batch = f"{os.getpid()}-{time.time_ns()}"
        environment = dict(os.environ)
        task = ray.remote(run_script_task).options(num_cpus=1, max_retries=0, runtime_env={"env_vars": thread_environment(environment)})
        disk_root = str(options.cache.root) if options.cache is not None else None
        pending = {}
        for k, path in enumerate(paths):
            directory = (options.results / ids[k]).resolve()
            links = {os.path.abspath(p) for p in created[k] if p.is_symlink()}
            ref = task.remote(batch, module_ref, k, os.path.abspath(path), str(directory), links, options.timeout, directory_actor, disk_root, f"script-{k}", environment, options.memory_budget)
            pending[ref] = k
        scratch = Path(tempfile.mkdtemp(prefix="stratum-batch-"))
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                k = pending.pop(ready[0])
                result = results[k]
                try:
                    status, timed_out, record, seconds = ray.get(ready[0])
                except Exception as error:  # the Ray worker itself died: report the script as crashed
                    result.status, result.exception = "crashed", type(error).__name__
                    continue
                result.seconds = round(seconds, 3)
                record_file = scratch / f"{k}.json"
                if record is not None:
                    record_file.write_text(record)
                _finish(result, status, timed_out, record_file, records, k, options.results / ids[k], created[k])
        finally:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        if started_here:
            ray.shutdown()
    seconds = time.perf_counter() - batch_started
    note_fallbacks(results, module)
    write_summary(results, seconds, options, executor="ray")
    return BatchOutcome(results, seconds, records)
