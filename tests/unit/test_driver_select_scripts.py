"""``driver.select_scripts``: the part of an optimized batch that some of its scripts run."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from helpers import ROOT, make_task_dir
from stratum.driver import compile_optimized, count_ops, lower, select_scripts
from stratum.frontend import Script
from stratum.runtime.executor import Executor

CORPUS = ROOT / "tests" / "corpus" / "house_prices"
BATCH = ["hp_l2_s0_draft.py", "hp_l2_s1_drop_outliers.py", "hp_l2_s4_log_skewed.py"]


def _run(module, index: int) -> tuple[str, int | None]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        (run,) = Executor(module, scripts={index}).run()
    return out.getvalue(), run.exit_code


def test_a_selected_script_runs_as_in_the_whole_batch(tmp_path: Path) -> None:
    make_task_dir(tmp_path)
    (tmp_path / "working").mkdir()
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        scripts = [Script.load(str(CORPUS / name)) for name in BATCH]
        whole = compile_optimized(scripts, use_cache=False).module
        selected = select_scripts(whole, {1})
        selected.verify()
        # Shared reads and everything else the script needs are kept; the others' effects go.
        assert 0 < count_ops(selected) < count_ops(whole) * 0.6
        lower(selected)
        lower(whole)
        expected = _run(whole, 1)
        assert expected[1] == 0 and "Validation RMSE" in expected[0]
        assert _run(selected, 1) == expected
        assert Executor(selected, scripts={0}).run() == []  # nothing of script 0 is left to run
    finally:
        os.chdir(old)
