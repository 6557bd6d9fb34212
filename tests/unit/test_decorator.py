from __future__ import annotations

import numpy as np
import pandas as pd

import stratum


@stratum.compile
def add_features(frame, k):
    frame["ratio"] = frame["a"] / frame["b"]
    total = frame["a"] + frame["b"] * k
    return np.log1p(total).fillna(0)


@stratum.compile
def early_return(x):
    if x > 0:
        return 1
    return 2


def test_compiled_function_returns_what_python_returns() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, None], "b": [2.0, 0.5, 1.0]})
    reference = frame.copy()
    result = add_features(frame, 3)
    expected = add_features.fn(reference, 3)
    pd.testing.assert_series_equal(result, expected, check_exact=True)
    # The caller's frame is mutated exactly as Python would mutate it.
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)


def test_compiled_function_exposes_ir() -> None:
    assert add_features.not_compiled is None
    assert '"python.arg"() <{arg = "frame"}>' in add_features.ir
    add_features(pd.DataFrame({"a": [1.0], "b": [2.0]}), 1)
    # The version specialized to a frame argument lowers the column arithmetic natively.
    plan = add_features.explain()
    assert '"df.column"' in plan and '"plan.task"' in plan


def test_versions_are_specialized_per_schema() -> None:
    @stratum.compile
    def total(frame):
        return frame["x"] * 2

    ints = pd.DataFrame({"x": [1, 2]})
    floats = pd.DataFrame({"x": [1.5, None]})
    pd.testing.assert_series_equal(total(ints), ints["x"] * 2, check_exact=True)
    pd.testing.assert_series_equal(total(floats), floats["x"] * 2, check_exact=True)
    assert len(total._versions) == 2


def test_unsupported_bodies_fall_back_to_the_original_function() -> None:
    assert early_return(5) == 1 and early_return(-5) == 2
    assert "returns before its last statement" in early_return.explain()


def test_a_compile_bug_runs_the_function_as_written(monkeypatch) -> None:
    import stratum.decorator

    def failing(*args, **kwargs):
        raise RuntimeError("injected bug")

    monkeypatch.setattr(stratum.driver, "STRICT", False)
    monkeypatch.setattr(stratum.decorator, "optimize_and_lower", failing)

    @stratum.compile
    def scaled(frame, k):
        frame["twice"] = frame["a"] * k
        return frame["twice"].sum()

    frame = pd.DataFrame({"a": [1.0, 2.5, None]})
    assert scaled(frame, 2) == 7.0 and list(frame.columns) == ["a", "twice"]  # the caller's frame changed as python changes it
    assert scaled.not_compiled == "compiling failed inside Stratum: RuntimeError: injected bug"
    assert scaled(frame, 3) == 10.5  # later calls too
