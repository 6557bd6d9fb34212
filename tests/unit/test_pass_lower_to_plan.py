"""lower-to-plan's cost model: rows from the read's profile, thresholds of the adapters, cheapest backend."""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.ir import dataframe as df
from stratum.passes import DEFAULT_PIPELINE
from stratum.passes.lower_to_plan import NOMINAL_ROWS, backend_cost, choose_backend, reference_cost
from stratum.runtime.executor import Executor
from helpers import in_tmp

SCRIPT = 'import numpy as np\nimport pandas as pd\ndf = pd.read_csv("data.csv")\nprint(float(np.log1p(df["x"] * 2.0 + 1.0).sum()))\n'


def _fused() -> df.FusedOp:
    from xdsl.parser import Parser

    from stratum.ir import stratum_context

    text = """
    %c = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00"}> : () -> !df.frame<?>
    %x = "df.column"(%c) <{column = "x"}> : (!df.frame<?>) -> !df.column<"float64">
    %f = "df.fused"(%x) ({
    ^bb0(%a : !df.column<"float64">):
      %l = "df.elementwise"(%a) <{fn = "log1p"}> : (!df.column<"float64">) -> !df.column<"float64">
      "df.yield"(%l) : (!df.column<"float64">) -> ()
    }) : (!df.column<"float64">) -> !df.column<"float64">
    """
    module = Parser(stratum_context(), text).parse_module()
    return next(op for op in module.walk() if isinstance(op, df.FusedOp))


def test_kernel_thresholds_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    op = _fused()
    monkeypatch.setenv("STRATUM_KERNEL_MIN_ROWS", "20000")
    assert choose_backend(op, 19_999)[0] == "reference"
    assert backend_cost("numba", op, 19_999) == math.inf
    name, cost = choose_backend(op, 20_000)
    assert name == "numba" and cost < reference_cost(op, 20_000)
    monkeypatch.setenv("STRATUM_KERNEL_MIN_ROWS", "10")
    assert choose_backend(op, 100)[0] == "numba"
    # Unknown rows: costed at the nominal size, where a kernel pays.
    assert choose_backend(op, None) == choose_backend(op, NOMINAL_ROWS)
    # The GPU declines below its threshold whatever is installed.
    monkeypatch.setenv("STRATUM_GPU_MIN_ROWS", "1000000")
    assert backend_cost("cupy", op, 999_999) == math.inf
    assert backend_cost("cupy", op, 10**7) < math.inf


def _plan(tmp: Path, rows: int, passes: str = DEFAULT_PIPELINE) -> tuple[str, object]:
    pd.DataFrame({"x": np.linspace(0.0, 1.0, rows), "y": np.arange(rows), "z": np.arange(rows) * 0.5}).to_csv(tmp / "data.csv", index=False)
    (tmp / "s.py").write_text(SCRIPT)
    batch = compile_scripts([Script.load(str(tmp / "s.py"))])
    stages = optimize_and_lower(batch.module, passes, keep_text=True)
    return stages.plan, batch.module




def _task_of(plan: str, op_name: str) -> str:
    match = re.search(r'"plan\.task"\(\) <\{([^}]*)\}> \(\{\n\s*%\S+ = "' + re.escape(op_name) + '"', plan)
    assert match is not None, op_name
    return match.group(1)


@pytest.mark.parametrize(("rows", "expected"), [(50, "reference"), (30_000, "numba")])
def test_profiled_rows_choose_the_backend(monkeypatch: pytest.MonkeyPatch, rows: int, expected: str) -> None:
    monkeypatch.setenv("STRATUM_KERNEL_MIN_ROWS", "20000")
    with in_tmp() as tmp:
        plan, module = _plan(tmp, rows)
        read, fused = _task_of(plan, "df.read_csv"), _task_of(plan, "df.fused")
        assert f"rows = #builtin.int<{rows}>" in read and f"rows = #builtin.int<{rows}>" in fused
        assert f'backend = "{expected}"' in fused
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            executor = Executor(module)
            executor.run()
        frame = pd.read_csv("data.csv")
        assert out.getvalue() == f"{float(np.log1p(frame['x'] * 2.0 + 1.0).sum())}\n"
        assert executor.stats["backends"].get("numba", 0) == (1 if expected == "numba" else 0)


def test_projection_lowers_the_read_cost() -> None:
    with in_tmp() as tmp:
        narrowed, _ = _plan(tmp, 1000)
        whole, _ = _plan(tmp, 1000, DEFAULT_PIPELINE.replace("push-projection,", ""))

    def cost(plan: str) -> float:
        return float(re.search(r"cost = ([0-9.e+-]+) : f64", _task_of(plan, "df.read_csv")).group(1))  # type: ignore[union-attr]

    # One column of three is read: 300 us + 1000 rows x 25 ns per cell.
    assert cost(narrowed) == pytest.approx(300 + 25.0) and cost(whole) == pytest.approx(300 + 75.0)


def test_emit_plan_shows_backend_cost_rows_and_sharing_scripts() -> None:
    import shutil
    import subprocess
    import sys

    with in_tmp() as tmp:
        pd.DataFrame({"x": np.linspace(0.0, 1.0, 40), "y": np.arange(40)}).to_csv("data.csv", index=False)
        (tmp / "a.py").write_text(SCRIPT)
        (tmp / "b.py").write_text(SCRIPT.replace("print(", "print(1 + "))
        plan = subprocess.run([sys.executable, "-m", "stratum.cli", "--emit", "plan", "a.py", "b.py"], capture_output=True, text=True, check=True).stdout
        read = _task_of(plan, "df.read_csv")
        # One read for both scripts (share-reads), its cost, the profiled rows.
        assert plan.count('"df.read_csv"') == 1
        assert re.fullmatch(r'backend = "reference", cost = [0-9.e+]+ : f64, scripts = \[#builtin.int<0>, #builtin.int<1>\], rows = #builtin.int<40>', read), read
        assert shutil.which("xdsl-opt") is not None
        again = subprocess.run(["xdsl-opt"], input=plan, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
