"""The persistent value cache: hits across runs, only changed work recomputed, damage detected, unsafe directories refused."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import ROOT, last_line
from stratum.cache_dir import UnsafeCacheDir
from stratum.runtime.cache import MISS, ValueCache, parse_size

# Every value is stored, however quick: which ops are recomputed must not depend on timing.
ENV = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"), "STRATUM_CACHE_MIN_SECONDS": "0"}

SCRIPT = """import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

train = pd.read_csv("./input/train.csv")
print("rows", len(train))
X = train.select_dtypes(include=[np.number]).drop(["Id", "SalePrice"], axis=1).fillna(0)
y = np.log1p(train["SalePrice"])
model = Ridge(alpha=ALPHA)
model.fit(X, y)
pred = model.predict(X)
print("RMSE", float(np.sqrt(np.mean((pred - y) ** 2))))
pd.DataFrame({"Id": train["Id"], "SalePrice": np.expm1(pred)}).to_csv("./working/submission.csv", index=False)
"""


# -- the cache itself ---------------------------------------------------------------


def test_values_round_trip_bitwise(tmp_path: Path) -> None:
    cache = ValueCache(tmp_path / "c")
    frame = pd.DataFrame({"a": np.random.default_rng(0).normal(size=1000), "b": ["x", "y"] * 500})
    key = cache.key("frame")
    assert cache.get(key) is MISS
    assert cache.put(key, (frame,))
    (again,) = cache.get(key)
    assert pickle.dumps(again) == pickle.dumps(frame)
    assert again["a"].to_numpy().tobytes() == frame["a"].to_numpy().tobytes()
    assert (cache.stats.hits, cache.stats.misses, cache.stats.stores) == (1, 1, 1)
    assert not cache.put(cache.key("lambda"), (lambda: 1,))  # unpicklable: not stored, no error
    assert not [p for p in (tmp_path / "c").rglob(".tmp-*")]
    assert os.stat(tmp_path / "c").st_mode & 0o777 == 0o700


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_damaged_entries_are_misses_and_removed(tmp_path: Path, damage: str) -> None:
    cache = ValueCache(tmp_path)
    key = cache.key("v")
    cache.put(key, (np.arange(10_000),))
    path = next(p for p in tmp_path.rglob(key))
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-100] ^= 0x01
    elif damage == "garbage":
        data = bytearray(b"not a cache entry at all")
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert cache.get(key) is MISS
    assert cache.stats.corrupt == 1
    assert not path.exists()


def test_concurrent_writers_never_show_a_partial_entry(tmp_path: Path) -> None:
    cache = ValueCache(tmp_path)
    key = cache.key("contended")
    value = (np.arange(200_000, dtype=np.float64),)
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                writer = ValueCache(tmp_path)
                for _ in range(30):
                    writer.put(key, value)
            finally:
                os._exit(0)
        children.append(pid)
    reads = 0
    alive = set(children)
    while alive:
        alive = {pid for pid in alive if os.waitpid(pid, os.WNOHANG) == (0, 0)}
        got = cache.get(key)
        if got is not MISS:
            assert np.array_equal(got[0], value[0])
            reads += 1
    assert reads > 0
    assert cache.stats.corrupt == 0
    assert cache.get(key) is not MISS


def test_least_recently_used_entries_are_evicted_first(tmp_path: Path) -> None:
    cache = ValueCache(tmp_path, max_bytes=10**9)
    blob = (b"x" * 100_000,)
    keys = [cache.key(str(i)) for i in range(4)]
    for i, key in enumerate(keys):
        cache.put(key, blob)
        path = next(tmp_path.rglob(key))
        os.utime(path, (time.time() - 100 + i, time.time() - 100 + i))
    cache.get(keys[0])  # used just now: the newest
    cache.max_bytes = 250_000
    assert cache.evict() == 2
    assert [cache.get(k) is not MISS for k in keys] == [True, False, False, True]
    assert parse_size("4G") == 4 << 30 and parse_size("500M") == 500 << 20 and parse_size("1024") == 1024


def test_directories_others_can_write_are_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(UnsafeCacheDir, match="writable by other users"):
        ValueCache(shared)
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    with pytest.raises(UnsafeCacheDir, match="symbolic link"):
        ValueCache(tmp_path / "link")
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", str(script), "--results", str(tmp_path / "r"), "--cache-dir", str(shared)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"stratumc: error: {shared} is writable by other users; refusing to use it as a cache"]
    assert not (tmp_path / "r").exists()


# -- across runs ---------------------------------------------------------------------


def _setup(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    base = tmp_path / "base"
    base.mkdir()
    (base / "input").symlink_to(ROOT / "examples" / "house_prices" / "input")
    (base / "working").mkdir()
    scripts = {}
    for name, alpha in (("ridge_a", "1.0"), ("ridge_b", "10.0")):
        scripts[name] = tmp_path / f"{name}.py"
        scripts[name].write_text(SCRIPT.replace("ALPHA", alpha))
    return base, scripts


def _start(base: Path, scripts: dict[str, Path], results: Path, cache: Path) -> subprocess.Popen[str]:
    # --no-replay: these runs test the value cache, not whole-script replay (test_runtime_replay.py).
    args = ["--run", *map(str, scripts.values()), "--workdir", str(base), "--results", str(results), "--cache-dir", str(cache), "--no-replay"]
    return subprocess.Popen([sys.executable, "-m", "stratum.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def _finish(proc: subprocess.Popen[str], results: Path) -> dict[str, dict]:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err + out
    summary = {e["id"]: e for e in json.loads((results / "summary.json").read_text())["scripts"]}
    for entry in summary.values():
        directory = results / entry["id"]
        entry["stdout"] = (directory / "stdout.txt").read_text()
        entry["submission"] = (directory / "working" / "submission.csv").read_bytes()
    return summary


def _python(base: Path, script: Path) -> tuple[str, bytes]:
    proc = subprocess.run([sys.executable, str(script)], cwd=base, capture_output=True, text=True, env=ENV, check=True)
    return proc.stdout, (base / "working" / "submission.csv").read_bytes()


def test_reruns_hit_and_a_changed_script_recomputes_only_its_part(tmp_path: Path) -> None:
    base, scripts = _setup(tmp_path)
    cache = tmp_path / "cache"
    # Two cold runs at once, sharing the cache directory.
    first = [_start(base, scripts, tmp_path / f"run1{c}", cache) for c in "xy"]
    cold = [_finish(p, tmp_path / f"run1{c}") for p, c in zip(first, "xy")]
    expected = {name: _python(base, path) for name, path in scripts.items()}
    for run in cold:
        for name in scripts:
            assert (run[name]["stdout"], run[name]["submission"]) == expected[name]
    assert sum(run[name]["computed"].get("ml.fit", 0) for run in cold for name in scripts) >= 2

    warm = _finish(_start(base, scripts, tmp_path / "run2", cache), tmp_path / "run2")
    for name in scripts:
        assert (warm[name]["stdout"], warm[name]["submission"]) == expected[name]  # bitwise what recomputing gives
        assert warm[name]["cache_hits"] > 0
        for op in ("df.read_csv", "ml.fit", "ml.predict", "df.method"):
            assert warm[name]["computed"].get(op, 0) == 0, (name, op, warm[name]["computed"])

    scripts["ridge_b"].write_text(SCRIPT.replace("ALPHA", "30.0"))
    changed = _finish(_start(base, scripts, tmp_path / "run3", cache), tmp_path / "run3")
    assert changed["ridge_a"]["computed"].get("ml.fit", 0) == 0
    assert changed["ridge_b"]["computed"].get("ml.fit") == 1 and changed["ridge_b"]["computed"].get("ml.predict") == 1
    assert changed["ridge_b"]["computed"].get("df.read_csv", 0) == 0 and changed["ridge_b"]["computed"].get("df.method", 0) == 0
    assert (changed["ridge_b"]["stdout"], changed["ridge_b"]["submission"]) == _python(base, scripts["ridge_b"])
    assert changed["ridge_b"]["stdout"] != expected["ridge_b"][0]

    # Damage every entry: each is detected, recomputed, and the outputs do not change.
    entries = [p for p in cache.rglob("*") if p.is_file() and p.parent.name != "locks"]
    assert entries
    for i, path in enumerate(entries):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if i % 2 else data[:-1] + bytes([data[-1] ^ 0xFF]))
    repaired = _finish(_start(base, scripts, tmp_path / "run4", cache), tmp_path / "run4")
    assert sum(e["cache_corrupt"] for e in repaired.values()) > 0
    for name in scripts:
        assert (repaired[name]["stdout"], repaired[name]["submission"]) == (changed[name]["stdout"], changed[name]["submission"])
    assert repaired["ridge_a"]["computed"].get("ml.fit") == 1
    assert last_line(repaired["ridge_a"]["stdout"]).startswith("RMSE")


def test_keys_depend_on_library_versions_even_before_the_libraries_are_imported() -> None:
    """The cache opens before scripts import scikit-learn: its key space must still change with an upgrade."""
    import subprocess
    import sys

    import sklearn

    probe = "import sys; from stratum.runtime.cache import _salt; print('sklearn' in sys.modules); print(_salt())"
    imported_before, salt = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert imported_before == "False"
    assert f"scikit-learn={sklearn.__version__}" in salt.split(";")
