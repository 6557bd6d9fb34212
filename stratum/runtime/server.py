"""A warm ``stratumc`` server: libraries imported once, every run forked from it.

An agent runs each script in a fresh interpreter, paying ~1.5 s of imports
(numpy, pandas, scikit-learn, LightGBM) before any work, and Stratum's own
start-up on top. ``stratumc --serve`` imports all of that once and waits on a
Unix socket in the private cache directory. A later ``stratumc ...`` finds
the socket, hands over its standard streams (the file descriptors
themselves), arguments, directory and environment, and the server forks a
child that runs that invocation as ``stratumc`` would, writing straight to the
caller's terminal or pipes. The caller forwards signals to the child and exits
as the child did (status or signal).

The child must behave as a fresh interpreter would, so the server refuses
(and the caller runs by itself) when anything that shaped the server's
imports differs: the interpreter, its flags, the environment (bar a few
shell bookkeeping variables), or a file of Stratum or of a preloaded
library changed since the server started (then the server also stops).
Preloading a library whose import warns would hide that warning from the
scripts: the server refuses to start instead. ``STRATUM_SERVER=0`` or
``--no-server`` never uses a server.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

# What the server imports before forking: what agent scripts import, and Stratum's compiler and executor.
DEFAULT_PRELOAD = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "sklearn.base",
    "sklearn.compose",
    "sklearn.ensemble",
    "sklearn.impute",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "lightgbm",
    "xgboost",
)
# Numba's kernels are Stratum's own (a column of 20,000 rows or more compiles one): imported once here too.
_STRATUM_PRELOAD = (
    "stratum.cli",
    "stratum.driver",
    "stratum.frontend",
    "stratum.passes",
    "stratum.runtime.executor",
    "stratum.runtime.batch",
    "stratum.backends.registry",
    "stratum.backends.numba.kernels",
    "stratum.backends.numba.reductions",
)
# Shell bookkeeping that differs between callers and shapes no import.
_IGNORED_ENVIRONMENT = frozenset({"PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES"})
_FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
_HEADER = struct.Struct("<I")


class ServerError(RuntimeError):
    pass


def socket_path() -> Path:
    """One server per interpreter and Stratum install, in the private cache directory."""
    from stratum.cache_dir import cache_root

    identity = f"{os.path.realpath(sys.executable)}\0{sys.version}\0{Path(__file__).resolve().parents[1]}"
    return cache_root() / "server" / f"{hashlib.blake2b(identity.encode(), digest_size=6).hexdigest()}.sock"


def _identity() -> dict[str, Any]:
    """What shaped this interpreter's imports: a server serves only callers whose identity is its own."""
    return {
        "executable": os.path.realpath(sys.executable),
        "version": sys.version,
        "flags": list(sys.flags),
        "warnoptions": list(sys.warnoptions),  # -W: the filters the interpreter starts with
        "xoptions": {k: str(v) for k, v in sys._xoptions.items()},
        "unbuffered": _unbuffered(),
        # Libraries size their thread pools by the CPUs they may use, when imported.
        "cpus": sorted(os.sched_getaffinity(0)),
        "environment": {k: v for k, v in os.environ.items() if k not in _IGNORED_ENVIRONMENT},
    }


def _process_settings() -> dict[str, Any]:
    """What a process inherits from its parent and the server's child takes from the caller."""
    import resource

    mask = os.umask(0)
    os.umask(mask)
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in dir(resource) if name.startswith("RLIMIT_")}
    return {"umask": mask, "limits": limits, "nice": os.nice(0)}


def _unbuffered() -> bool:
    """Whether this interpreter runs with -u or PYTHONUNBUFFERED (stderr is made write-through then)."""
    return bool(getattr(sys.__stderr__, "write_through", False))


# -- messages: a length, then JSON; the first one carries the caller's standard streams ------------


def _send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    payload = _HEADER.pack(len(data)) + data
    if fds:
        sock.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.sendall(payload)


def _receive(sock: socket.socket, *, with_fds: bool = False) -> tuple[dict[str, Any] | None, list[int]]:
    """A message and the file descriptors that came with it; (None, []) when the other side is gone."""
    fds: list[int] = []

    def read(size: int) -> bytes:
        data = b""
        while len(data) < size:
            if with_fds and not data:
                # Descriptors travel with a message's first byte.
                chunk, ancillary, _, _ = sock.recvmsg(size, socket.CMSG_SPACE(3 * array.array("i").itemsize))
                for level, kind, payload in ancillary:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        received = array.array("i")
                        received.frombytes(payload[: len(payload) - len(payload) % received.itemsize])
                        fds.extend(received)
            else:
                chunk = sock.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    try:
        (length,) = _HEADER.unpack(read(_HEADER.size))
        with_fds = False
        return json.loads(read(length)), fds
    except (EOFError, ConnectionResetError):
        for fd in fds:
            os.close(fd)
        return None, []


# -- the caller ------------------------------------------------------------------------------------


AUTO_IDLE_SECONDS = 900


def control(command: str) -> dict[str, Any] | None:
    """Asks the server (``status`` or ``stop``); None when none is up."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(socket_path()))
            _send(sock, {"control": command})
            answer, _ = _receive(sock)
            return answer
    except OSError:
        return None


def start_detached() -> None:
    """A server for later calls, started in the background with this caller's environment
    (so it serves them); it stops after ``AUTO_IDLE_SECONDS`` without work. Its log is
    ``server.log`` beside the socket."""
    import subprocess

    from stratum.cache_dir import make_private

    path = socket_path()
    log = make_private(path.parent) / "server.log"
    with open(log, "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "stratum.cli", "--serve", "--idle-timeout", str(AUTO_IDLE_SECONDS)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not the caller's child in any way a terminal or a kill of its group sees
            close_fds=True,
        )


def delegate(argv: list[str], *, start: bool = False) -> int | None:
    """Runs ``stratumc argv`` in a server's child; None when no server takes it (run it here).

    ``start``: with no server up, start one in the background for the calls that follow."""
    try:
        path = socket_path()
        if not path.exists():
            if start:
                try:
                    start_detached()
                except (OSError, RuntimeError):  # an unusable cache directory: this run goes on by itself
                    pass
            return None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(path))
    except OSError:
        return None
    with sock:
        try:
            bookkeeping = {k: v for k, v in os.environ.items() if k in _IGNORED_ENVIRONMENT}
            request = {"argv": argv, "cwd": os.getcwd(), "path0": sys.path[0], "bookkeeping": bookkeeping, "process": _process_settings(), **_identity()}
            _send(sock, request, [0, 1, 2])
            answer, _ = _receive(sock)
        except OSError:
            return None
        if answer is None or not answer.get("accepted"):
            return None
        # From here the child runs: signals meant for this process go to it.
        previous = {s: signal.signal(s, lambda number, _frame: _send(sock, {"signal": number})) for s in _FORWARDED_SIGNALS}
        try:
            outcome, _ = _receive(sock)
        except OSError:
            outcome = None
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    if outcome is None:
        return 1  # the server died: nothing is known of the run
    if "signal" in outcome:
        # Die as the child did, as the caller of `python script.py` would see.
        number = outcome["signal"]
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        return 128 + number
    return int(outcome["exit"])


# -- the server ------------------------------------------------------------------------------------


def _preload(modules: list[str]) -> None:
    import gc
    import importlib
    import warnings

    gc.disable()  # importing builds ~10^5 long-lived objects; collections would free nothing
    try:
        for name in modules:
            with warnings.catch_warnings(record=True) as caught:
                try:
                    importlib.import_module(name)
                except ImportError:
                    continue  # not installed: scripts importing it fail at their own line, as under python
            if caught:
                first = caught[0]
                raise ServerError(f"importing {name} warns ({first.category.__name__}: {first.message}); a server would hide that from the scripts")
    finally:
        gc.enable()
    gc.collect()
    gc.freeze()  # what the children inherit stays shared: no collection touches (copies) its pages


def _watched_files(modules: list[str]) -> dict[str, tuple[int, int]]:
    """Files whose change means a fresh interpreter would load other code than the server holds."""
    files = [p for p in Path(__file__).resolve().parents[1].rglob("*") if p.suffix in (".py", ".so")]
    for name in modules:
        module = sys.modules.get(name.split(".")[0])
        if module is not None and getattr(module, "__file__", None):
            files.append(Path(module.__file__))  # a reinstall rewrites the package's __init__
    watched = {}
    for path in files:
        info = path.stat()
        watched[str(path)] = (info.st_size, info.st_mtime_ns)
    return watched


def _changed(watched: dict[str, tuple[int, int]]) -> str | None:
    for path, (size, mtime) in watched.items():
        try:
            info = os.stat(path)
        except OSError:
            return path
        if (info.st_size, info.st_mtime_ns) != (size, mtime):
            return path
    return None


class Server:
    def __init__(self, path: Path, preload: list[str], log: Any = sys.stdout, idle_timeout: float | None = None):
        self.path = path
        self.idle_timeout = idle_timeout
        self.log = log
        self.preload = preload
        self.identity = _identity()
        self.children: dict[int, socket.socket] = {}  # child pid -> its caller's connection
        self.pid = os.getpid()
        self.started = time.monotonic()
        self.served = 0
        self._stop_requested = False
        self._stale: str | None = None  # why the server stopped serving: a file it loaded changed

    def serve(self) -> int:
        from stratum.cache_dir import make_private

        _preload([*self.preload, *_STRATUM_PRELOAD])
        watched = _watched_files(self.preload)
        make_private(self.path.parent)
        if self.path.exists():
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(self.path))
                raise ServerError(f"a server is already listening on {self.path}")
            except ConnectionRefusedError:
                self.path.unlink()  # left by a server that died
            finally:
                probe.close()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        bound = os.stat(self.path).st_ino
        listener.listen(64)
        listener.setblocking(False)
        stop = False

        def stop_listening() -> None:
            selector.unregister(listener)
            listener.close()
            try:
                if os.stat(self.path).st_ino == bound:  # not a newer server's socket
                    self.path.unlink()
            except FileNotFoundError:
                pass

        def request_stop(_number: int, _frame: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        # A child's end wakes the loop at once (its caller waits for the status).
        wake_read, wake_write = socket.socketpair()
        wake_read.setblocking(False)
        wake_write.setblocking(False)
        signal.set_wakeup_fd(wake_write.fileno(), warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda _number, _frame: None)
        selector.register(wake_read, selectors.EVENT_READ)
        self._wakers = (wake_read, wake_write)
        self._say(f"serving on {self.path} (pid {self.pid})")
        last_active = time.monotonic()
        try:
            while not stop or self.children:
                if stop and listener.fileno() >= 0:
                    stop_listening()  # new callers run by themselves while the last runs finish
                for key, _ in selector.select(timeout=0.5):
                    if key.fileobj is wake_read:
                        while True:
                            try:
                                if not wake_read.recv(4096):
                                    break
                            except BlockingIOError:
                                break
                    elif key.fileobj is listener:
                        self._accept(listener, selector, watched)
                        if self._stale is not None or self._stop_requested:
                            stop = True
                    else:
                        self._from_caller(key.fileobj, selector)  # type: ignore[arg-type]
                self._reap(selector)
                if self.children:
                    last_active = time.monotonic()
                elif self.idle_timeout is not None and time.monotonic() - last_active > self.idle_timeout:
                    self._say(f"idle for {self.idle_timeout:g} s")
                    stop = True
        finally:
            if os.getpid() == self.pid and listener.fileno() >= 0:
                stop_listening()
        return 0

    def _say(self, line: str) -> None:
        print(line, file=self.log, flush=True)

    def _accept(self, listener: socket.socket, selector: selectors.BaseSelector, watched: dict[str, tuple[int, int]]) -> None:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return
        conn.setblocking(True)
        uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[1]
        request, fds = _receive(conn, with_fds=True)
        why = None
        if request is not None and "control" in request and not fds and uid == os.getuid():
            self._control(conn, request["control"])
            return
        if request is None or len(fds) != 3:
            why = "malformed request"
        elif uid != os.getuid():
            why = "another user"
        else:
            try:
                why = self._mismatch(request)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                why = f"malformed request ({type(error).__name__}: {error})"
            if why is None:
                changed = _changed(watched)
                if changed is not None:
                    why = self._stale = f"{changed} changed since the server started"
        if why is not None:
            self._say(f"refused: {why}")
            try:
                _send(conn, {"accepted": False, "why": why})
            except OSError:
                pass
            conn.close()
            for fd in fds:
                os.close(fd)
            return
        assert request is not None
        pid = os.fork()
        if pid == 0:
            # The server's sockets are not the run's: closed through their objects, so
            # nothing closes a descriptor number later that the run has reused.
            signal.set_wakeup_fd(-1)
            for owned in (listener, selector, conn, *self._wakers, *self.children.values()):
                owned.close()
            self._child(fds, request)  # never returns
        for fd in fds:
            os.close(fd)
        self.children[pid] = conn
        self.served += 1
        selector.register(conn, selectors.EVENT_READ)
        self._say(f"serving {pid}: stratumc {' '.join(request['argv'])} (in {request['cwd']})")
        _send(conn, {"accepted": True})

    def _control(self, conn: socket.socket, command: str) -> None:
        """``--server-status`` and ``--stop-server``."""
        answer = {"pid": self.pid, "seconds": round(time.monotonic() - self.started, 1), "served": self.served, "running": len(self.children), "socket": str(self.path)}
        if command == "stop":
            self._say("stop requested")
            self._stop_requested = True
        elif command != "status":
            answer = {"error": f"unknown command {command!r}"}
        try:
            _send(conn, answer)
        except OSError:
            pass
        conn.close()

    def _mismatch(self, request: dict[str, Any]) -> str | None:
        for field in ("executable", "version", "flags", "warnoptions", "xoptions", "unbuffered", "cpus"):
            if request.get(field) != self.identity[field]:
                return f"another interpreter ({field})"
        mine, theirs = self.identity["environment"], request.get("environment", {})
        differing = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
        if differing:
            return f"another environment ({', '.join(differing[:3])}{'…' if len(differing) > 3 else ''})"
        import resource

        for name, (soft, hard) in request["process"]["limits"].items():
            _, my_hard = resource.getrlimit(getattr(resource, name))
            if my_hard != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or hard > my_hard):
                return f"a limit the server cannot grant ({name})"
        if request["process"]["nice"] < os.nice(0):
            return "a higher priority than the server's"
        return None

    def _from_caller(self, conn: socket.socket, selector: selectors.BaseSelector) -> None:
        pid = next(p for p, c in self.children.items() if c is conn)
        try:
            message, _ = _receive(conn)
        except OSError:
            message = None
        if message is None:
            # The caller is gone (killed, say, by an agent's timeout): so is its run.
            selector.unregister(conn)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            return
        if "signal" in message:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, int(message["signal"]))

    def _reap(self, selector: selectors.BaseSelector) -> None:
        for pid in list(self.children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done:
                continue
            conn = self.children.pop(pid)
            outcome = {"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {"exit": os.WEXITSTATUS(status)}
            try:
                _send(conn, outcome)
            except OSError:
                pass
            if conn.fileno() >= 0:
                try:
                    selector.unregister(conn)
                except (KeyError, ValueError):
                    pass
                conn.close()

    def _child(self, fds: list[int], request: dict[str, Any]) -> None:
        """The caller's ``stratumc`` invocation, in a process as fresh as the caller's would be.

        It leaves as the interpreter does after ``python script.py`` (threads
        joined, atexit handlers, files flushed; see ``batch.leave_as_python``),
        without tearing down the libraries it shares with the server."""
        # A session of its own without a controlling terminal: reading the caller's
        # terminal never stops it, and the server's terminal signals are not its own.
        os.setsid()
        for number in (*_FORWARDED_SIGNALS, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as the interpreter sets it up
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        import resource

        process = request["process"]
        os.umask(process["umask"])
        for name, (soft, hard) in process["limits"].items():
            resource.setrlimit(getattr(resource, name), (soft, hard))
        os.nice(process["nice"] - os.nice(0))
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _fresh_standard_streams()
        os.chdir(request["cwd"])
        # The server's environment (equal to the caller's but for shell bookkeeping, plus
        # what preloaded libraries set when imported, as in a fresh run that imports them).
        for name in _IGNORED_ENVIRONMENT:
            os.environ.pop(name, None)
            if name in request.get("bookkeeping", {}):
                os.environ[name] = request["bookkeeping"][name]
        sys.argv = ["stratumc", *request["argv"]]
        sys.path[0] = request["path0"]  # the caller's script directory (or its directory, under -m)
        from stratum import cli
        from stratum.runtime.batch import leave_as_python

        try:
            cli.entry(request["argv"], use_server=False)
            status = 0
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        # The interpreter's exit, less tearing down the preloaded libraries (~0.25 s):
        # threads joined, exit handlers run, streams and the run's open files flushed.
        os._exit(leave_as_python(status) & 0xFF)


def _fresh_standard_streams() -> None:
    """sys.stdin/stdout/stderr over the caller's descriptors, made as CPython makes them at start
    (``create_stdio``): the caller's terminal or pipes decide the buffering, as they would."""
    import io

    unbuffered = _unbuffered()
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        old = getattr(sys, f"__{name}__", None)
        encoding = getattr(old, "encoding", None) or "utf-8"
        errors = getattr(old, "errors", None) or ("backslashreplace" if name == "stderr" else "strict")
        buffer = io.open(fd, mode + "b", buffering=0 if unbuffered and mode == "w" else -1, closefd=False)
        raw = getattr(buffer, "raw", buffer)
        raw.name = f"<{name}>"
        line_buffering = not unbuffered and (raw.isatty() or name == "stderr")
        stream = io.TextIOWrapper(buffer, encoding=encoding, errors=errors, newline="\n", line_buffering=line_buffering, write_through=unbuffered and mode == "w")
        stream.mode = mode  # type: ignore[misc]
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def serve(preload: list[str] | None = None, idle_timeout: float | None = None) -> int:
    modules = preload if preload is not None else [m for m in os.environ.get("STRATUM_SERVER_PRELOAD", ",".join(DEFAULT_PRELOAD)).split(",") if m]
    started = time.perf_counter()
    server = Server(socket_path(), modules, idle_timeout=idle_timeout)
    try:
        return server.serve()
    except ServerError as error:
        print(f"stratumc: error: {error}", file=sys.stderr)
        return 2
    finally:
        if os.getpid() == server.pid:
            print(f"server stopped after {time.perf_counter() - started:.0f} s", file=server.log, flush=True)
