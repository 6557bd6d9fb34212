"""`stratumc --run ... --results DIR`: one isolated process and directory per script.

Every script's stdout, exit status, last stderr line and files must be what
`python script.py` gives in a directory holding the same inputs, whatever the
other scripts of the batch do: raise, exit, `os._exit`, segfault or hang.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT, last_line

CORPUS = ROOT / "tests" / "corpus"

READ = 'import pandas as pd\ntrain = pd.read_csv("./input/train.csv")\n'
SCRIPTS = {
    "writes": READ + 'print("rows", len(train))\nprint("mean price", round(train["SalePrice"].mean(), 2))\n'
    'train[["Id", "SalePrice"]].head(20).to_csv("./working/out.csv", index=False)\nprint("Validation RMSE: 0.1234")\n',
    "also_reads": READ + 'prices = train["SalePrice"] * 2\nprint("max", prices.max())\nopen("note.txt", "w").write("mine\\n")\n',
    "raises": READ + 'print("loaded")\ny = train["SalePrise"]\nprint("never")\n',
    "exits": 'import sys\nprint("bye")\nsys.exit(3)\nprint("no")\n',
    "os_exit": 'import os\nprint("kept only if unbuffered, as in python")\nos._exit(0)\n',
    "segfault": READ + 'import ctypes\nprint("before the crash")\nctypes.string_at(0)\nprint("never")\n',
    "hangs": 'import time\nprint("waiting", flush=True)\nwhile True:\n    time.sleep(0.05)\n',
    "ignores_sigint": 'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("stubborn", flush=True)\nwhile True:\n    time.sleep(0.05)\n',
}
TIMEOUT = 6.0
# As tests/corpus/run_plain.py does: OpenMP's spinning makes concurrent fits crawl on a
# small shared machine; the policy changes only how idle threads wait, never results.
ENV = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def _base(tmp_path: Path, task: str = "house_prices") -> Path:
    base = tmp_path / "base"
    base.mkdir()
    (base / "input").symlink_to(ROOT / "examples" / task / "input")
    (base / "working").mkdir()
    return base


def _python_runs(tmp_path: Path, scripts: dict[str, Path], task: str = "house_prices", interrupt_after: dict[str, float] | None = None) -> dict[str, dict]:
    """Each script under plain python in a fresh copy of the base directory, concurrently."""
    procs = {}
    for name, script in scripts.items():
        workdir = tmp_path / "plain" / name
        workdir.mkdir(parents=True)
        (workdir / "input").symlink_to(ROOT / "examples" / task / "input")
        (workdir / "working").mkdir()
        procs[name] = (workdir, subprocess.Popen([sys.executable, str(script)], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV))
    started = time.monotonic()
    outcomes = {}
    for name, (workdir, proc) in procs.items():
        if interrupt_after and name in interrupt_after:
            time.sleep(max(0.0, started + interrupt_after[name] - time.monotonic()))
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                proc.kill()
        out, err = proc.communicate(timeout=600)
        files = {str(p.relative_to(workdir)): p.read_bytes() for p in workdir.rglob("*") if p.is_file() and not p.is_symlink() and "input" not in p.parts}
        outcomes[name] = {"stdout": out, "stderr": err, "status": proc.returncode, "files": files}
    return outcomes


def _batch(scripts: list[Path], base: Path, results: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", *map(str, scripts), "--workdir", str(base), "--results", str(results), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        env=ENV,
    )
    assert (results / "summary.json").exists(), proc.stderr
    summary = json.loads((results / "summary.json").read_text())
    return proc, summary


def _outputs(directory: Path) -> dict:
    files = {
        str(p.relative_to(directory)): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file() and p.name not in ("stdout.txt", "stderr.txt", "exit_code")
    }
    return {
        "stdout": (directory / "stdout.txt").read_text(),
        "stderr": (directory / "stderr.txt").read_text(),
        "status": int((directory / "exit_code").read_text()),
        "files": files,
    }


def test_failures_stay_isolated_and_match_python(tmp_path: Path) -> None:
    scripts = {}
    for name, body in SCRIPTS.items():
        path = tmp_path / f"{name}.py"
        path.write_text(body)
        scripts[name] = path
    base = _base(tmp_path)
    results = tmp_path / "results"
    plain_scripts = {k: v for k, v in scripts.items() if k != "ignores_sigint"}
    expected = _python_runs(tmp_path, plain_scripts, interrupt_after={"hangs": 2.0})
    proc, summary = _batch(list(scripts.values()), base, results, "--timeout", str(TIMEOUT), "--jobs", "4", "--no-cache")
    assert proc.returncode == 1, proc.stderr  # not every script succeeded
    assert proc.stderr == ""
    by_id = {entry["id"]: entry for entry in summary["scripts"]}
    assert list(by_id) == list(SCRIPTS)

    # The results directory: per script its outputs and files, nothing of ours left behind.
    assert sorted(p.name for p in results.iterdir()) == sorted([*SCRIPTS, "summary.json"])
    assert sorted(p.name for p in (results / "writes").iterdir()) == ["exit_code", "stderr.txt", "stdout.txt", "working"]
    assert sorted(p.name for p in (results / "also_reads").iterdir()) == ["exit_code", "note.txt", "stderr.txt", "stdout.txt"]
    assert not any(p.is_symlink() for p in results.rglob("*"))
    assert not (base / "note.txt").exists() and not any((base / "working").iterdir())  # writes stay in the script's directory

    for name, outcome in expected.items():
        actual = _outputs(results / name)
        assert actual["stdout"] == outcome["stdout"], name
        assert actual["status"] == outcome["status"], name
        assert last_line(actual["stderr"]) == last_line(outcome["stderr"]), name
        assert actual["files"] == outcome["files"], name
        assert by_id[name]["exit_code"] == outcome["status"]

    assert {k: v["status"] for k, v in by_id.items()} == {
        "writes": "ok",
        "also_reads": "ok",
        "raises": "error",
        "exits": "error",
        "os_exit": "ok",
        "segfault": "crashed",
        "hangs": "timeout",
        "ignores_sigint": "timeout",
    }
    assert by_id["raises"]["exception"] == "KeyError"
    assert by_id["segfault"]["signal"] == "SIGSEGV" and by_id["segfault"]["exit_code"] == -signal.SIGSEGV
    assert by_id["hangs"]["exit_code"] == -signal.SIGINT  # the KeyboardInterrupt ended it, as in python
    assert last_line((results / "hangs" / "stderr.txt").read_text()) == "KeyboardInterrupt"
    assert by_id["ignores_sigint"]["exit_code"] == -signal.SIGKILL  # then it was killed
    assert (results / "ignores_sigint" / "stdout.txt").read_text() == "stubborn\n"
    assert TIMEOUT <= by_id["hangs"]["seconds"] < TIMEOUT + 3
    assert by_id["writes"]["metric"] == "Validation RMSE: 0.1234"
    assert by_id["writes"]["seconds"] < TIMEOUT
    assert "working/out.csv" in _outputs(results / "writes")["files"]


def test_corpus_scripts_in_one_batch_match_python(tmp_path: Path) -> None:
    names = [
        "house_prices/hp_l2_s0_draft.py",
        "house_prices/hp_l2_s2_lasso_dense.py",  # fails
        "house_prices/hp_l6_s0_draft.py",
        "house_prices/hp_l5_s3_inspect_importance.py",  # sys.exit(0)
    ]
    scripts = {Path(n).stem: CORPUS / n for n in names}
    base = _base(tmp_path)
    results = tmp_path / "results"
    expected = _python_runs(tmp_path, scripts)
    proc, summary = _batch(list(scripts.values()), base, results, "--cache-dir", str(tmp_path / "cache"), "--report", str(tmp_path / "report.html"))
    assert proc.returncode == 1, proc.stderr
    manifest = {e["script"]: e for e in json.loads((CORPUS / "manifest.json").read_text())}
    for name, entry in zip(names, summary["scripts"]):
        stem = Path(name).stem
        actual = _outputs(results / stem)
        assert actual["stdout"] == expected[stem]["stdout"], stem
        assert actual["status"] == expected[stem]["status"] == manifest[name]["exit_code"], stem
        assert last_line(actual["stderr"]) == last_line(expected[stem]["stderr"]), stem
        assert actual["files"] == expected[stem]["files"], stem
        assert entry["status"] == ("ok" if manifest[name]["expect"] == "ok" else "error")
        assert entry["exception"] == manifest[name]["error_type"]
    # The scripts share their reads: each file was parsed once in the whole batch.
    assert sum(e["computed"].get("df.read_csv", 0) for e in summary["scripts"]) == 2
    report = (tmp_path / "report.html").read_text()
    assert "df.read_csv path=./input/train.csv" in report and "hp_l6_s0_draft" in report


def test_stdout_buffering_follows_python(tmp_path: Path) -> None:
    """With and without PYTHONUNBUFFERED, output before os._exit is kept or lost as python keeps or loses it."""
    script = tmp_path / "os_exit.py"
    script.write_text(SCRIPTS["os_exit"])
    base = _base(tmp_path)
    for unbuffered in ("", "1"):
        env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
        plain = subprocess.run([sys.executable, str(script)], cwd=base, capture_output=True, text=True, env=env)
        results = tmp_path / f"results{unbuffered}"
        subprocess.run([sys.executable, "-m", "stratum.cli", "--run", str(script), "--workdir", str(base), "--results", str(results), "--no-cache"], env=env, capture_output=True, check=True)
        assert (results / "os_exit" / "stdout.txt").read_text() == plain.stdout == ("kept only if unbuffered, as in python\n" if unbuffered else "")


EXIT_HANDLERS = """import atexit, threading, time
kept_open = open("./working/unclosed.txt", "w")
kept_open.write("flushed when the interpreter exits")
atexit.register(print, "atexit ran")
threading.Thread(target=lambda: (time.sleep(0.2), print("thread done"))).start()
print("main done")
"""


def test_a_script_ends_as_under_python(tmp_path: Path) -> None:
    """After the script: non-daemon threads joined, exit handlers run, files left open flushed."""
    script = tmp_path / "exit_handlers.py"
    script.write_text(EXIT_HANDLERS)
    expected = _python_runs(tmp_path, {"exit_handlers": script})["exit_handlers"]
    assert expected["stdout"] == "main done\nthread done\natexit ran\n" and expected["files"]["working/unclosed.txt"]
    results = tmp_path / "results"
    proc, _ = _batch([script], _base(tmp_path), results, "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert _outputs(results / "exit_handlers") == expected


def test_single_script_without_results_keeps_the_python_contract(tmp_path: Path) -> None:
    base = _base(tmp_path)
    (base / "s.py").write_text(SCRIPTS["raises"])
    plain = subprocess.run([sys.executable, "s.py"], cwd=base, capture_output=True, text=True)
    ran = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "s.py"], cwd=base, capture_output=True, text=True)
    assert (ran.stdout, ran.returncode, last_line(ran.stderr)) == (plain.stdout, plain.returncode, last_line(plain.stderr))
    assert not (base / "summary.json").exists()


def test_batch_options_fail_with_one_line(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    for args, message in [
        (["--timeout", "3"], "stratumc: error: --timeout needs --run --results DIR"),
        (["--run", "--results", str(tmp_path / "r"), "--jobs", "0"], "stratumc: error: --jobs must be at least 1"),
        (["--run", "--results", str(tmp_path / "r"), "--workdir", str(tmp_path / "nope")], f"stratumc: error: --workdir {str(tmp_path / 'nope')!r} is not a directory"),
    ]:
        proc = subprocess.run([sys.executable, "-m", "stratum.cli", str(script), *args], capture_output=True, text=True)
        assert proc.returncode == 2
        assert proc.stderr.splitlines() == [message]
