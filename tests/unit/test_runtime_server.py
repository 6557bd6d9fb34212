"""`stratumc --serve`: runs forked from a warm server behave exactly as `python script.py`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import make_task_dir

SCRIPTS = {
    # Output, a warning and the script's own error at its line.
    "fails": """import warnings
import pandas as pd
train = pd.read_csv("./input/train.csv")
print("rows", len(train))
warnings.warn("careful")
print(train["NoSuchColumn"].mean())
""",
    "exits": "import sys\nprint('leaving')\nsys.exit(3)\n",
    # Block-buffered output (no PYTHONUNBUFFERED here) is lost by os._exit, under python too.
    "hard_exit": "import os\nprint('never flushed')\nos._exit(4)\n",
    "reads_stdin": "import sys\ndata = sys.stdin.read()\nprint(len(data), data.upper())\n",
    # Finalizers and exit handlers run as the interpreter exits.
    "exit_handlers": """import atexit, threading, time
f = open("./working/unclosed.txt", "w")
f.write("flushed at exit")
atexit.register(print, "atexit ran")
threading.Thread(target=lambda: (time.sleep(0.2), print("thread done"))).start()
print("main done")
""",
    "segfault": "import ctypes\nprint('about to crash', flush=True)\nctypes.string_at(0)\n",
    "isatty": "import sys\nprint(sys.stdin.isatty(), sys.stdout.isatty(), sys.stdout.line_buffering, sys.stderr.line_buffering, sys.stdout.name, sys.stdout.encoding)\n",
}


def _environment(cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update({"STRATUM_CACHE_DIR": str(cache), "STRATUM_SERVER_PRELOAD": "numpy,pandas,sklearn.linear_model", **extra})
    return env


def _start(cache: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "stratum.cli", "--serve"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while "serving on" not in log.read_text():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise AssertionError(f"the server did not start: {log.read_text()}")
        time.sleep(0.05)
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], Path]]:
    tmp = tmp_path_factory.mktemp("server")
    env = _environment(tmp / "cache")
    log = tmp / "server.log"
    process = _start(tmp / "cache", env, log)
    task = tmp / "task"
    task.mkdir()
    make_task_dir(task)
    for name, text in SCRIPTS.items():
        (task / f"{name}.py").write_text(text)
    yield task, env, log
    status = subprocess.run(["stratumc", "--server-status"], env=env, capture_output=True, text=True)
    assert status.returncode == 0 and re.fullmatch(rf"server {process.pid} up: \d+ s, [1-9]\d* runs served, 0 running \(.*\.sock\)\n", status.stdout), status.stdout
    stop = subprocess.run(["stratumc", "--stop-server"], env=env, capture_output=True, text=True)
    assert stop.returncode == 0 and stop.stdout.startswith(f"server {process.pid} stopping: "), stop.stdout
    assert process.wait(timeout=30) == 0
    status = subprocess.run(["stratumc", "--server-status"], env=env, capture_output=True, text=True)
    assert (status.returncode, status.stdout) == (1, "no server is up\n")
    assert "server stopped" in log.read_text()
    assert not list((tmp / "cache" / "server").glob("*.sock"))  # the socket goes with it


def _run(command: list[str], task: Path, env: dict[str, str], stdin: str = "") -> tuple[str, str, int, dict[str, bytes]]:
    working = task / "working"
    if working.exists():
        for f in working.iterdir():
            f.unlink()
    else:
        working.mkdir()
    proc = subprocess.run(command, cwd=task, env=env, input=stdin, capture_output=True, text=True, timeout=300)
    return proc.stdout, proc.stderr, proc.returncode, {f.name: f.read_bytes() for f in working.iterdir()}


@pytest.mark.parametrize("served", [True, False], ids=["served", "here"])
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_a_run_is_what_python_gives(server: tuple[Path, dict[str, str], Path], name: str, served: bool) -> None:
    task, env, log = server
    expected = _run([sys.executable, f"{name}.py"], task, env, stdin="some input\n")
    served_before = log.read_text().count("serving ")
    actual = _run(["stratumc", "--run", f"{name}.py", *([] if served else ["--no-server"])], task, env, stdin="some input\n")
    assert actual == expected
    assert log.read_text().count("serving ") == served_before + served, log.read_text()  # the server ran it, or not


CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize("script", ["house_prices/hp_l2_s0_draft.py", "house_prices/hp_l7_s3_typo_in_helper.py", "bitcoin_price/btc_l2_s3_trend_ridge_blend.py", "bitcoin_price/btc_l1_s1_rolling_features.py"])
def test_corpus_scripts_served_as_python_runs_them(server: tuple[Path, dict[str, str], Path], tmp_path: Path, script: str) -> None:
    _, env, log = server
    task = tmp_path / "task"
    task.mkdir()
    make_task_dir(task, "house_prices" if script.startswith("house") else "bitcoin_price")
    (task / "script.py").write_text((CORPUS / script).read_text())
    expected = _run([sys.executable, "script.py"], task, env)
    served_before = log.read_text().count("serving ")
    assert _run(["stratumc", "--run", "script.py"], task, env) == expected
    assert log.read_text().count("serving ") == served_before + 1


def test_another_environment_runs_here(server: tuple[Path, dict[str, str], Path]) -> None:
    task, env, log = server
    other = {**env, "SOME_SETTING": "1"}
    expected = _run([sys.executable, "fails.py"], task, other)
    actual = _run(["stratumc", "--run", "fails.py"], task, other)
    assert actual == expected
    assert log.read_text().splitlines()[-1] == "refused: another environment (SOME_SETTING)"


def test_interpreter_options_run_here(server: tuple[Path, dict[str, str], Path]) -> None:
    """-W changes the warning filters a fresh interpreter starts with: the server's are not those."""
    task, env, log = server
    expected = _run([sys.executable, "-W", "error::UserWarning", "fails.py"], task, env)
    assert "UserWarning: careful" in expected[1] and expected[2] == 1  # the warning is an error here
    actual = _run([sys.executable, "-W", "error::UserWarning", "-m", "stratum.cli", "--run", "fails.py"], task, env)
    assert actual == expected
    assert log.read_text().splitlines()[-1] == "refused: another interpreter (warnoptions)"


def test_signals_reach_the_run(server: tuple[Path, dict[str, str], Path]) -> None:
    task, env, _ = server
    (task / "sleeps.py").write_text("import time\nprint('ready', flush=True)\ntime.sleep(60)\n")
    outcomes = []
    for command in ([sys.executable, "sleeps.py"], ["stratumc", "--run", "sleeps.py"], ["stratumc", "--no-server", "--run", "sleeps.py"]):
        proc = subprocess.Popen(command, cwd=task, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(0.5)  # into the sleep, so both tracebacks end at the same line
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        outcomes.append((stdout, stderr, proc.returncode))
    assert outcomes[0][2] == -signal.SIGINT and "KeyboardInterrupt" in outcomes[0][1]
    assert outcomes[1] == outcomes[0] and outcomes[2] == outcomes[0]  # served, and run here


def test_a_killed_caller_takes_its_run_along(server: tuple[Path, dict[str, str], Path]) -> None:
    task, env, _ = server
    (task / "pid.py").write_text("import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen(["stratumc", "--run", "pid.py"], cwd=task, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    assert pid != proc.pid  # the run is the server's child
    proc.kill()  # as an agent's timeout does
    proc.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, "the run outlived its caller"
        time.sleep(0.05)


def test_a_changed_library_stops_the_server(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    (library / "agentlib").mkdir(parents=True)
    (library / "agentlib" / "__init__.py").write_text("VALUE = 1\n")
    env = _environment(tmp_path / "cache", PYTHONPATH=str(library), STRATUM_SERVER_PRELOAD="agentlib")
    log = tmp_path / "server.log"
    server = _start(tmp_path / "cache", env, log)
    try:
        (tmp_path / "uses.py").write_text("import agentlib\nprint(agentlib.VALUE)\n")
        assert _run(["stratumc", "--run", "uses.py"], tmp_path, env)[:3] == ("1\n", "", 0)
        time.sleep(0.01)  # a later modification time, even on coarse clocks
        (library / "agentlib" / "__init__.py").write_text("VALUE = 22\n")
        # The server holds the old library: it refuses, and this run imports the new one.
        assert _run(["stratumc", "--run", "uses.py"], tmp_path, env)[:3] == ("22\n", "", 0)
        assert "agentlib/__init__.py changed since the server started" in log.read_text()
        assert server.wait(timeout=30) == 0  # and it stops
    finally:
        server.kill()


def test_a_library_that_warns_on_import_is_not_preloaded(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    library.mkdir()
    (library / "noisy.py").write_text("import warnings\nwarnings.warn('noisy import')\n")
    env = _environment(tmp_path / "cache", PYTHONPATH=str(library), STRATUM_SERVER_PRELOAD="noisy")
    proc = subprocess.run([sys.executable, "-m", "stratum.cli", "--serve"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "stratumc: error: importing noisy warns (UserWarning: noisy import); a server would hide that from the scripts\n"


def test_serve_takes_no_scripts() -> None:
    proc = subprocess.run([sys.executable, "-m", "stratum.cli", "--serve", "a.py"], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (2, "stratumc: error: --serve takes no scripts\n")
    proc = subprocess.run([sys.executable, "-m", "stratum.cli", "--no-server"], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (2, "stratumc: error: the following arguments are required: SCRIPT.py\n")
    proc = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "a.py", "--idle-timeout", "5"], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (2, "stratumc: error: --idle-timeout needs --serve\n")


def test_start_leaves_a_server_for_the_calls_after(tmp_path: Path) -> None:
    env = _environment(tmp_path / "cache", STRATUM_SERVER="start")
    (tmp_path / "exits.py").write_text(SCRIPTS["exits"])
    expected = _run([sys.executable, "exits.py"], tmp_path, env)
    assert _run(["stratumc", "--run", "exits.py"], tmp_path, env) == expected  # run here, a server started
    log = tmp_path / "cache" / "server" / "server.log"
    deadline = time.monotonic() + 120
    while not log.exists() or "serving on" not in log.read_text():
        assert time.monotonic() < deadline, "no server started"
        time.sleep(0.1)
    pid = int(log.read_text().split("(pid ")[1].split(")")[0])
    try:
        assert _run(["stratumc", "--run", "exits.py"], tmp_path, env) == expected
        assert "serving " in log.read_text().split("serving on")[1]  # this one was served
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while list((tmp_path / "cache" / "server").glob("*.sock")):
        assert time.monotonic() < deadline, "the server did not stop"
        time.sleep(0.1)


def test_an_idle_server_stops(tmp_path: Path) -> None:
    env = _environment(tmp_path / "cache", STRATUM_SERVER_PRELOAD="json")
    proc = subprocess.run([sys.executable, "-m", "stratum.cli", "--serve", "--idle-timeout", "0.5"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "idle for 0.5 s" in proc.stdout, proc.stderr
    assert not list((tmp_path / "cache" / "server").glob("*.sock"))
