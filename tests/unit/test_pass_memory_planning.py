"""Memory planning: the executor drops each value after the last op that can need it.

Checked by holding weak references to every object the executor computes
and counting which are still alive at a later statement, with and without
freeing; outputs must not change, and sharing across scripts must still
compute shared work once.
"""

from __future__ import annotations

import contextlib
import gc
import io
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from helpers import in_tmp
from test_batch_properties import _plain, batches

from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.passes import DEFAULT_PIPELINE
from stratum.runtime.executor import Executor

STEPS = """import numpy as np
import pandas as pd
df = pd.read_csv("data.csv")
a = df["x"] * 2.0
b = np.log1p(a.abs())
c = b.fillna(0.0) + 1.0
print(round(float(c.sum()), 6))
d = df["y"] - 1
print(int(d.sum()))
e = d * 3
print(int(e.max()))
print("done")
"""




def _compile(sources: list[str], passes: str = DEFAULT_PIPELINE) -> Any:
    paths = []
    for i, source in enumerate(sources):
        path = Path(f"s{i}.py").resolve()
        path.write_text(source)
        paths.append(path)
    batch = compile_scripts([Script.load(str(p)) for p in paths])
    optimize_and_lower(batch.module, passes)
    return batch.module, paths


def _alive_at_last_print(module: Any, free_dead: bool) -> tuple[str, int, int, dict[str, Any]]:
    """Stdout, objects computed, those still alive when the last print runs, and the stats."""
    executor = Executor(module, free_dead=free_dead)
    refs: list[weakref.ref[Any]] = []
    execute, effect = executor._execute, executor._effect
    alive_then: list[int] = []

    def spy_execute(op, backend_name, operands, content_key, **kw):  # type: ignore[no-untyped-def]
        outcome = execute(op, backend_name, operands, content_key, **kw)
        for slot in outcome if isinstance(outcome, tuple) else ():
            if isinstance(slot.obj, (pd.Series, pd.DataFrame, np.ndarray)):
                refs.append(weakref.ref(slot.obj))
        return outcome

    def spy_effect(op, run, results):  # type: ignore[no-untyped-def]
        if op.name == "python.print" and op.location.line.data == STEPS.count("\n"):
            gc.collect()
            alive_then.append(sum(r() is not None for r in refs))
        return effect(op, run, results)

    executor._execute = spy_execute  # type: ignore[method-assign]
    executor._effect = spy_effect  # type: ignore[method-assign]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        runs = executor.run()
    assert all(r.exception is None for r in runs)
    (alive,) = alive_then
    return out.getvalue(), len(refs), alive, executor.stats


def test_intermediates_are_dropped_after_their_last_use() -> None:
    with in_tmp():
        pd.DataFrame({"x": [1.5, np.nan, -2.0, 4.0], "y": [1, 2, 3, 4], "z": ["p", "q", "r", "s"]}).to_csv("data.csv", index=False)
        module, (path,) = _compile([STEPS])
        expected = _plain([path])[0]
        kept_out, computed, kept_alive, kept_stats = _alive_at_last_print(module, free_dead=False)
        freed_out, computed_again, freed_alive, stats = _alive_at_last_print(module, free_dead=True)
        assert freed_out == kept_out == expected
        assert computed_again == computed >= 6  # the frame, a, b, c, d, e at least
        # Without planning every frame, column and array is still held at the
        # last print; with it, none is (nothing after it reads them).
        assert kept_alive == computed
        assert freed_alive == 0
        assert stats["values_freed"] > 0 and kept_stats["values_freed"] == 0
        assert stats["ops_executed"] == kept_stats["ops_executed"]
        assert stats["peak_live_values"] < kept_stats["peak_live_values"]


def test_shared_values_live_until_the_last_script_that_uses_them() -> None:
    with in_tmp():
        head = "import numpy as np\nshared = np.log1p(np.arange(50.0)) * 2.0\n"
        sources = [head + "print(shared.sum())\n", head + 'print("between")\n', head + "print(shared.max())\nprint(shared.min())\n"]
        module, paths = _compile(sources)
        expected = _plain(paths)[0]
        runs_of = {}
        for free_dead in (True, False):
            executor = Executor(module, free_dead=free_dead)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                executor.run()
            assert out.getvalue() == expected
            runs_of[free_dead] = executor
        # CSE made `shared` one value for the three scripts: it is computed
        # once, and freeing it after script 0 would compute it again for script 2.
        assert runs_of[True].stats["computed"]["python.call"] == 2  # arange, log1p
        assert runs_of[True].stats["computed"]["python.binary"] == 1  # * 2.0
        assert runs_of[True].stats["computed"] == runs_of[False].stats["computed"]
        assert runs_of[True].stats["values_freed"] > 0
        assert not runs_of[True]._memo and runs_of[False]._memo  # everything is dead once the batch is done


def test_only_selected_scripts_keep_values_alive() -> None:
    with in_tmp():
        pd.DataFrame({"x": [1.0, 2.0]}).to_csv("data.csv", index=False)
        head = 'import pandas as pd\ndf = pd.read_csv("data.csv")\nv = df["x"] + 1.0\n'
        module, paths = _compile([head + "print(v.sum())\n", head + 'print("other")\nprint(v.max())\n'])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            (run,) = Executor(module, scripts={0}).run()
        assert run.exception is None and out.getvalue() == "5.0\n"


@given(batches())
def test_freeing_changes_no_output(batch: tuple[pd.DataFrame, list[str]]) -> None:
    frame, sources = batch
    with in_tmp(), np.errstate(all="ignore"):
        frame.to_csv("data.csv", index=False)
        module, paths = _compile(sources)
        expected = _plain(paths)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runs = Executor(module).run()
        errors = [None if r.exception is None else (type(r.exception).__name__, str(r.exception)) for r in runs]
        assert (out.getvalue(), errors) == expected
