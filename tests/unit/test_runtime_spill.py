"""Buffer pool: above a memory budget, intermediates spill to disk and come back on demand.

Output must be python's whatever spills; values whose identity opaque code
can observe never spill; what spills comes back exact (dtypes, index, names,
attrs, flags, float bits); a spill that cannot be written leaves the value
resident and the run unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import in_tmp
from hypothesis import given, settings
from hypothesis import strategies as st
from test_batch_properties import _plain, batches

from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.passes import DEFAULT_PIPELINE
from stratum.runtime import spill
from stratum.runtime.executor import Executor

STEPS = """import numpy as np
import pandas as pd
n = 50000
df = pd.DataFrame({"x": np.arange(n, dtype=float), "y": np.arange(n) % 7, "s": np.where(np.arange(n) % 3 == 0, "a", "bb")})
a = df["x"] * 2.0
b = np.log1p(a.abs())
c = df["y"] + 1
print(round(float(b.sum()), 6))
d = a - 1.0
e = c * 3
print(int(e.sum()))
print(round(float(d.mean()), 6))
print(round(float(a.max()), 3), df["s"].value_counts().to_dict())
print(round(float(b.std()), 6), b.dtype, e.dtype)
"""

# Opaque code keeps only the id of `a`, and its global `a` is rebound later, so nothing but the
# executor holds the object (as `b`) when the budget bites: only the pin keeps it.
OPAQUE = """import numpy as np
a = np.arange(12345.0) * 2.0
b = a
for _ in range(1):
    saved = id(a)
a = np.ones(3)
try:
    a = a + 1
except ValueError:
    pass
x = np.sqrt(b + 1.0)
c = x * 3.0
print(round(float(c.sum()), 3))
d = c - x
print(round(float(d.max()), 3))
print(id(b) == saved)
"""

# Opaque code keeps `a` itself in a list.
BOXED = """import numpy as np
a = np.arange(12346.0) * 2.0
for _ in range(1):
    box = [a]
b = np.sqrt(a + 1.0)
c = b * 3.0
print(round(float(c.sum()), 3))
d = c - b
print(round(float(d.max()), 3))
for _ in range(1):
    box.append(a)
    print(box[0] is box[1])
"""

# Until its last line nothing opaque sees `idx`; but the frame holds it, so it must stay the object it is.
INDEXED = """import numpy as np
import pandas as pd
df = pd.DataFrame({"x": np.arange(20000.0)}, index=np.arange(20000) * 2)
idx = df.index
b = df["x"] * 2.0
c = np.sqrt(b + 1.0)
print(round(float(c.sum()), 3))
d = c - b
print(round(float(d.max()), 3))
print(idx is df.index, len(idx))
"""


def _compile(source: str) -> Any:
    path = Path("s.py").resolve()
    path.write_text(source)
    batch = compile_scripts([Script.load(str(path))])
    optimize_and_lower(batch.module, DEFAULT_PIPELINE)
    return batch.module, path


def _python(path: Path) -> str:
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout


def _run(module: Any, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    out, stats, _ = _run_with_globals(module, **kwargs)
    return out, stats


def _run_with_globals(module: Any, **kwargs: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    executor = Executor(module, **kwargs)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        (run,) = executor.run()
    assert run.exception is None, run.exception
    return out.getvalue(), executor.stats, run.module.__dict__


@contextlib.contextmanager
def _spied(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Records what each spill wrote and whether each file was there, private, when read back."""
    seen: dict[str, list[Any]] = {"written": [], "read": []}
    write, read = spill._write, spill._read

    def spy_write(path: Path, obj: Any, shared: Any) -> int:
        seen["written"].append((path, obj))  # kept alive, so ids stay unique
        return write(path, obj, shared)

    def spy_read(path: Path, shared: Any) -> Any:
        seen["read"].append((path.exists(), stat.S_IMODE(path.parent.stat().st_mode)))
        return read(path, shared)

    monkeypatch.setattr(spill, "_write", spy_write)
    monkeypatch.setattr(spill, "_read", spy_read)
    yield seen


def test_over_budget_spills_and_reloads_with_pythons_output(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_tmp() as tmp:
        module, path = _compile(STEPS)
        expected = _python(path)
        plain_out, plain = _run(module)
        (tmp / "spills").mkdir()
        with _spied(monkeypatch) as seen:
            out, stats = _run(module, memory_budget=256 << 10, spill_dir=tmp / "spills")
        assert out == plain_out == expected
        assert plain["spills"] == plain["reloads"] == 0
        assert stats["spills"] > 0 and stats["reloads"] > 0 and stats["spill_failures"] == 0
        assert stats["spills"] == len(seen["written"]) and stats["reloads"] == len(seen["read"])
        assert stats["spilled_bytes"] > 256 << 10
        # Read back from the file written, in a directory only we can enter; all gone afterwards.
        assert seen["read"] and all(exists and mode == 0o700 for exists, mode in seen["read"])
        assert all(p.parent.parent == tmp / "spills" for p, _ in seen["written"])
        seen["written"].clear()
        assert not any((tmp / "spills").iterdir())
        # Every value spilled was computed here, not lost: the same ops ran as without a budget.
        assert stats["ops_executed"] == plain["ops_executed"]


def test_a_generous_budget_spills_nothing() -> None:
    with in_tmp():
        module, path = _compile(STEPS)
        out, stats = _run(module, memory_budget=1 << 30)
        assert out == _python(path)
        assert stats["spills"] == 0 and 0 < stats["peak_resident_bytes"] < 1 << 30


@pytest.mark.parametrize("source", [OPAQUE, BOXED, INDEXED])
def test_values_opaque_code_has_seen_never_spill(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    with in_tmp():
        module, path = _compile(source)
        expected = _python(path)
        assert expected.splitlines()[-1].startswith("True")
        with _spied(monkeypatch) as seen:
            out, stats, globals_ = _run_with_globals(module, memory_budget=16 << 10)
        assert out == expected
        assert stats["spills"] > 0  # the budget bites: b, c, d spill ...
        # ... but `a` never does: opaque code holds it (box) or knows its id (saved); nor does
        # `idx`, which the frame holds.
        if "box" in globals_ or "saved" in globals_:
            a_id = id(globals_["box"][0]) if "box" in globals_ else globals_["saved"]
            assert all(id(obj) != a_id for _, obj in seen["written"])
        else:
            assert all(not isinstance(obj, pd.Index) for _, obj in seen["written"])


def test_unwritable_spill_dir_keeps_values_resident() -> None:
    with in_tmp() as tmp:
        module, path = _compile(STEPS)
        (tmp / "file").write_text("not a directory")
        out, stats = _run(module, memory_budget=64 << 10, spill_dir=tmp / "file" / "below")
        assert out == _python(path)
        assert stats["spills"] == 0 and stats["spill_failures"] == 1


DISK_FULL = """
import contextlib, io, json, resource, signal, sys
from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.passes import DEFAULT_PIPELINE
from stratum.runtime.executor import Executor

batch = compile_scripts([Script.load("s.py")])
optimize_and_lower(batch.module, DEFAULT_PIPELINE)
# A file system that fills up: writes past 64 KiB fail (EFBIG) instead of killing us.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
executor = Executor(batch.module, memory_budget=16 << 10, spill_dir=sys.argv[1])
(run,) = executor.run()
print(json.dumps({k: executor.stats[k] for k in ("spills", "reloads", "spill_failures")}), file=sys.stderr)
"""


def test_disk_full_falls_back_to_resident() -> None:
    with in_tmp() as tmp:
        module, path = _compile(STEPS)
        expected = _python(path)
        (tmp / "spills").mkdir()
        (tmp / "disk_full.py").write_text(DISK_FULL)
        proc = subprocess.run([sys.executable, "disk_full.py", str(tmp / "spills")], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == expected
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        # Small values fit under the limit and spill; the first that does not is kept, and spilling stops.
        assert stats["spill_failures"] == 1
        assert not any((tmp / "spills").iterdir())


def test_cli_memory_budget_reports_spills() -> None:
    with in_tmp() as tmp:
        _, path = _compile(STEPS)
        proc = subprocess.run(
            [sys.executable, "-m", "stratum.cli", "--run", str(path), "--memory-budget", "256K", "--stats-json", "stats.json"],
            capture_output=True, text=True, timeout=300, env={**os.environ, "STRATUM_CACHE_DIR": str(tmp / "cache")},
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == _python(path)
        runtime = json.loads(Path("stats.json").read_text())["runtime"]
        assert runtime["spills"] > 0 and runtime["reloads"] > 0
        bad = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", str(path), "--memory-budget", "lots"], capture_output=True, text=True)
        assert bad.returncode == 2 and "--memory-budget 'lots' is not a size" in bad.stderr


# -- exact round trips ------------------------------------------------------------

_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([-0.0, float("nan"), 5e-324])
_LABELS = st.sampled_from(["a", "b", "a", "c", 0, 1.5])  # repeats give duplicate column names


@st.composite
def frames(draw: Any) -> pd.DataFrame:
    rows = draw(st.integers(0, 6))
    columns = {}
    labels = draw(st.lists(_LABELS, max_size=5))
    for label in labels:
        kind = draw(st.sampled_from(["float", "int", "str", "category", "Int64", "boolean", "object", "datetime", "Float64"]))
        if kind == "float":
            values: Any = np.array(draw(st.lists(_FLOATS, min_size=rows, max_size=rows)), dtype=float)
        elif kind == "int":
            values = np.array(draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=rows, max_size=rows)), dtype=np.int64)
        elif kind in ("str", "category", "object"):
            texts = draw(st.lists(st.none() | st.text(max_size=4), min_size=rows, max_size=rows))
            values = pd.Series(texts, dtype={"str": "str", "category": "category", "object": object}[kind])
        elif kind == "datetime":
            values = pd.to_datetime(draw(st.lists(st.integers(0, 2**40), min_size=rows, max_size=rows)), unit="s")
        else:
            raw = draw(st.lists(st.none() | st.integers(-100, 100), min_size=rows, max_size=rows))
            values = pd.array([None if v is None else (v > 0 if kind == "boolean" else v) for v in raw], dtype=kind)
        columns[len(columns)] = pd.Series(values).reset_index(drop=True)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows)) if columns else pd.DataFrame(index=pd.RangeIndex(rows))
    frame.columns = pd.Index(labels[: len(frame.columns)], dtype=object) if labels else frame.columns
    if draw(st.booleans()):
        frame.index = pd.Index([f"r{i}" for i in range(rows)], name=draw(st.none() | st.text(max_size=3)))
    if draw(st.booleans()):
        frame.attrs["source"] = draw(st.text(max_size=5))
    return frame


def _round_trip(obj: Any, tmp: Path) -> Any:
    path = tmp / f"{len(list(tmp.iterdir()))}.spill"
    spill._write(path, obj)
    back, read = spill._read(path)
    assert read == path.stat().st_size
    return back


def _same_bits(a: Any, b: Any) -> None:
    for (_, x), (_, y) in zip(a.items(), b.items()):
        if x.dtype == np.float64:
            assert np.array_equal(x.to_numpy().view(np.uint64), y.to_numpy().view(np.uint64))


@given(frames())
def test_frames_round_trip_exactly(frame: pd.DataFrame) -> None:
    with in_tmp() as tmp:
        assert spill.round_trips(frame)
        back = _round_trip(frame, tmp)
        pd.testing.assert_frame_equal(back, frame, check_exact=True, check_flags=True)
        assert back.attrs == frame.attrs and list(back.columns) == list(frame.columns)
        assert [str(t) for t in back.dtypes] == [str(t) for t in frame.dtypes]
        assert back.index.name == frame.index.name
        _same_bits(back, frame)
        for _, column in frame.items():
            series = column.rename("col")
            again = _round_trip(series, tmp)
            pd.testing.assert_series_equal(again, series, check_exact=True)
            assert again.name == "col"


def test_arrays_round_trip_exactly() -> None:
    with in_tmp() as tmp:
        bits = np.array([0x7FF8000000000001, 0xFFF0000000000000, 0x8000000000000000, 1], dtype=np.uint64).view(np.float64).copy()
        fortran = np.asfortranarray(np.arange(12.0).reshape(3, 4))
        readonly = np.arange(5.0)
        readonly.flags.writeable = False
        dates = np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]")
        for array in (bits, fortran, readonly, dates, np.array([], dtype=np.int32), np.array(["x", None, 1.5], dtype=object)):
            assert spill.round_trips(array)
            back = _round_trip(array, tmp)
            assert back.dtype == array.dtype and back.shape == array.shape and back.strides == array.strides
            assert back.flags.writeable == array.flags.writeable and back.flags.f_contiguous == array.flags.f_contiguous
            assert back.tobytes() == array.tobytes() if array.dtype != object else list(back) == list(array)
        assert _round_trip(fortran, tmp).flags.owndata and _round_trip(readonly, tmp).base is None
        assert not spill.round_trips(pd.Series(np.arange(5.0)).to_numpy())  # a view: it would come back owning its data


def test_what_would_not_come_back_the_same_stays() -> None:
    strided = np.arange(20.0).reshape(4, 5)[:, ::2]  # a view would come back contiguous
    holding = pd.Series([np.zeros(2), [1]], dtype=object)  # elements that are objects of their own
    labelled = pd.DataFrame({"x": [1.0]})
    labelled.attrs["model"] = object()
    assert not spill.round_trips(strided)
    assert not spill.round_trips(holding)
    assert not spill.round_trips(labelled)
    assert not spill.round_trips([1, 2, 3])  # not a kind the pool measures either
    assert spill.resident_size([1, 2, 3]) is None
    assert spill.round_trips(pd.DataFrame({"x": [1.0], "s": ["a"]}))


def test_parts_others_hold_come_back_as_themselves() -> None:
    with in_tmp() as tmp:
        frame = pd.DataFrame({"x": np.arange(5.0), "s": list("abcde")}, index=pd.Index(list("vwxyz"), name="k"))
        index = frame.index  # held outside the frame too
        shared = spill.shared_parts(frame)
        assert shared is not None and any(part is index for part in shared.values())
        path = tmp / "0.spill"
        spill._write(path, frame, shared)
        back, _ = spill._read(path, shared)
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
        assert back is not frame and back.index is index
        assert _round_trip(frame, tmp).index is not index  # pickled whole, it would be a copy


def test_batch_workers_spill_under_the_budget(tmp_path: Path) -> None:
    script = tmp_path / "steps.py"
    script.write_text(STEPS)
    base = tmp_path / "base"
    base.mkdir()
    expected = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=base, check=True).stdout
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "stratum.cli", "--run", str(script), "--workdir", str(base), "--results", str(results), "--no-cache", "--memory-budget", "256K", "--stats-json", str(tmp_path / "stats.json")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "STRATUM_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, proc.stderr
    assert (results / "steps" / "stdout.txt").read_text() == expected
    (entry,) = json.loads((results / "summary.json").read_text())["scripts"]
    assert entry["status"] == "ok" and entry["spills"] > 0 and entry["reloads"] > 0
    runtime = json.loads((tmp_path / "stats.json").read_text())["runtime"]
    assert runtime["spills"] == entry["spills"]


def test_the_value_needed_last_spills_first() -> None:
    @dataclasses.dataclass(frozen=True)
    class Slot:
        obj: Any

    with in_tmp() as tmp:
        slots = {name: Slot(np.full(1000, float(i))) for i, name in enumerate(["soon", "later", "never"])}
        plan = spill.SpillPlan(uses={"soon": [5], "later": [9], "never": [3]}, direct={}, consumers={}, clean=set())
        pool = spill.BufferPool(8000, directory=tmp, plan=plan)
        pool.position = 4  # "never"'s only use is behind us
        for name, slot in slots.items():
            pool.track(slot, name)
        assert pool.resident == 3 * 8000
        pool.relieve()  # one value fits
        assert [name for name, slot in slots.items() if isinstance(slot.obj, spill.Spilled)] == ["later", "never"]
        assert pool.resident == 8000 and pool.stats["spills"] == 2
        assert np.array_equal(pool.load(slots["later"]), np.full(1000, 1.0)) and pool.resident == 16000
        pool.close()
        assert not any(tmp.iterdir())


def test_a_spill_dir_left_by_a_killed_process_is_swept(tmp_path: Path) -> None:
    killed = """
import os, signal, sys
from dataclasses import dataclass
import numpy as np
from stratum.runtime import spill
@dataclass(frozen=True)
class Slot:
    obj: object
slot = Slot(np.zeros(10_000))
pool = spill.BufferPool(1000, directory=sys.argv[1])
pool.track(slot, "x")
pool.relieve()
assert isinstance(slot.obj, spill.Spilled)
os.kill(os.getpid(), signal.SIGKILL)
"""
    child = subprocess.run([sys.executable, "-c", killed, str(tmp_path)], capture_output=True, text=True)
    assert child.returncode == -9, child.stderr
    (left,) = tmp_path.iterdir()
    assert left.name.startswith("stratum-spill-") and any(left.iterdir())
    # A directory of a live process (ours) and other names stay.
    alive = tmp_path / f"stratum-spill-{os.getpid()}-abc"
    alive.mkdir()
    (tmp_path / "stratum-spill-notapid").mkdir()
    assert spill.sweep_stale_spill_dirs(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "stratum-spill-notapid"])


@settings(max_examples=25)
@given(batches())
def test_spilling_all_it_can_changes_no_output(batch: tuple[pd.DataFrame, list[str]]) -> None:
    frame, sources = batch
    with in_tmp(), np.errstate(all="ignore"):
        frame.to_csv("data.csv", index=False)
        paths = []
        for i, source in enumerate(sources):
            paths.append(Path(f"s{i}.py").resolve())
            paths[-1].write_text(source)
        batch_ir = compile_scripts([Script.load(str(p)) for p in paths])
        optimize_and_lower(batch_ir.module, DEFAULT_PIPELINE)
        expected = _plain(paths)
        executor = Executor(batch_ir.module, memory_budget=0)  # every value that may spill does, at once
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runs = executor.run()
        errors = [None if r.exception is None else (type(r.exception).__name__, str(r.exception)) for r in runs]
        assert (out.getvalue(), errors) == expected
        assert executor.stats["spill_failures"] == 0
