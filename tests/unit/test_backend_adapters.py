"""The Numba and Rust adapters behind ``plan.task``: chosen by operator
selection, and giving exactly the reference backend's results or declining."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import stratum
from stratum.backends import rust
from stratum.backends.numba import adapter as numba_adapter
from stratum.backends.rust import adapter as rust_adapter

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


def features(frame):
    import numpy as np

    ratio = np.log1p(frame["a"] * 2 + frame["b"]).fillna(0.0) > frame["a"] / 3
    return ratio


def codes(frame):
    return frame["s"].astype("category").cat.codes


def _frame(a: list[float], seed: int, rows: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(a) if rows is None else rows
    values = np.resize(np.asarray(a or [np.nan], dtype="float64"), n)
    return pd.DataFrame({"a": values, "b": rng.integers(-5, 5, n)}, index=rng.permutation(n) + 7)


@pytest.fixture(scope="module")
def kernels_at_any_size() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STRATUM_KERNEL_MIN_ROWS", "0")
        yield


def _warned(function, frame: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """``function(frame)`` and the messages of every warning it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(frame)
    return result, [str(w.message) for w in caught]


@given(a=st.lists(FLOATS, max_size=60), seed=st.integers(0, 2**16))
def test_fused_kernel_equals_pandas(kernels_at_any_size: None, a: list[float], seed: int) -> None:
    compiled = stratum.compile(features)
    frame = _frame(a, seed)
    expected, plain = _warned(features, frame)
    actual, ours = _warned(compiled, frame)
    pd.testing.assert_series_equal(actual, expected, check_exact=True)
    assert sorted(ours) == sorted(plain)
    if len(frame):
        # Where numpy reported a floating-point exception (log1p of x < -1), pandas recomputed.
        assert compiled.last_run_stats["backends"].get("numba", 0) == (0 if plain else 1)


def _dividing(frame):
    return frame["a"] / (frame["b"] - frame["b"]) + 1


def _logs(frame):
    import numpy as np

    return np.log(frame["a"] - 1) * 2


def _roots(frame):
    import numpy as np

    return np.sqrt(frame["a"] - 1) > frame["b"]


_EXCEPTIONAL = [0.0, 1.0, -3.0, 2.5, np.nan]  # x - 1 of these: zero, negative, NaN


def test_operators_keep_the_kernel_result_on_floating_point_exceptions(kernels_at_any_size: None) -> None:
    # pandas runs operators under np.errstate(all="ignore"): nothing to report, the kernel's result stands.
    frame = _frame(_EXCEPTIONAL, 3, rows=50)
    dividing = stratum.compile(_dividing)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_series_equal(dividing(frame), _dividing(frame), check_exact=True)
    assert dividing.last_run_stats["backends"]["numba"] == 1


@pytest.mark.parametrize("function", [_logs, _roots], ids=["numpy-loop", "inline-sqrt"])
def test_floating_point_exceptions_as_numpy_reports_them(kernels_at_any_size: None, function) -> None:
    # A ufunc reports them: the same warnings, or under errstate the same error.
    frame = _frame(_EXCEPTIONAL, 3, rows=50)
    compiled = stratum.compile(function)
    expected, plain = _warned(function, frame)
    actual, ours = _warned(compiled, frame)
    pd.testing.assert_series_equal(actual, expected, check_exact=True)
    assert ours == plain != []
    assert compiled.last_run_stats["backends"].get("numba", 0) == 0
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError) as plain_error:
            function(frame)
        with pytest.raises(FloatingPointError) as our_error:
            compiled(frame)
    assert str(our_error.value) == str(plain_error.value)
    # Without an exception the kernel runs.
    positive = _frame([2.0, 3.5, np.nan], 4, rows=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_series_equal(compiled(positive), function(positive), check_exact=True)
    assert compiled.last_run_stats["backends"]["numba"] == 1


def test_small_columns_stay_on_pandas_until_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATUM_KERNEL_MIN_ROWS", "1000")
    from stratum.backends.numba import kernels

    monkeypatch.setattr(kernels, "_kernels", {})
    compiled = stratum.compile(features)
    # (a >= 3: log1p's argument stays above -1, so numpy reports nothing and the kernel's result stands.)
    small, large = _frame([3.5, np.nan], 1, rows=10), _frame([3.5, np.nan, 4.0], 2, rows=5000)
    pd.testing.assert_series_equal(compiled(small), features(small), check_exact=True)
    assert compiled.last_run_stats["backends"].get("numba", 0) == 0
    pd.testing.assert_series_equal(compiled(large), features(large), check_exact=True)
    assert compiled.last_run_stats["backends"]["numba"] == 1
    # Once compiled, the kernel pays off at any size.
    pd.testing.assert_series_equal(compiled(small), features(small), check_exact=True)
    assert compiled.last_run_stats["backends"]["numba"] == 1


def test_misaligned_and_object_columns_decline(kernels_at_any_size: None) -> None:
    def misaligned(frame, other):
        return frame["a"] * 2 + other

    compiled = stratum.compile(misaligned)
    frame = _frame([1.0, 2.0, 3.0], 0)
    other = pd.Series([1.0, 2.0, 3.0], index=[100, 7, 8])
    pd.testing.assert_series_equal(compiled(frame, other), misaligned(frame, other), check_exact=True)
    assert compiled.last_run_stats["backends"].get("numba", 0) == 0

    objects = pd.DataFrame({"a": pd.Series([1, "x", 2.5], dtype=object), "b": [1, 2, 3]})
    with pytest.raises(TypeError) as plain:
        features(objects)
    with pytest.raises(TypeError) as ours:
        stratum.compile(features)(objects)
    assert str(ours.value) == str(plain.value)


@pytest.mark.skipif(not rust.AVAILABLE, reason="the stratum._rt extension is not built")
@given(
    values=st.lists(st.sampled_from(["b", "a", "ü", "", None, "zz"]) | st.none(), max_size=40),
    storage=st.sampled_from(["python", "object"]),
)
def test_category_codes_on_rust_equal_pandas(values: list[str | None], storage: str) -> None:
    dtype = pd.StringDtype("python", na_value=np.nan) if storage == "python" else object
    frame = pd.DataFrame({"s": pd.Series(values, dtype=dtype, name="s")}, index=range(3, 3 + len(values)))
    compiled = stratum.compile(codes)
    pd.testing.assert_series_equal(compiled(frame), codes(frame), check_exact=True)
    assert compiled.last_run_stats["backends"]["rust"] == 1


def _factorize_op():
    from xdsl.dialects.test import TestOp

    from stratum.ir import dataframe as df

    source = TestOp(result_types=[df.ColumnType.of("float64")])
    return df.FactorizeOp(operands=[source.results[0]], result_types=[[df.ColumnType.of(None), df.ColumnType.of(None)]])


@pytest.mark.skipif(not rust.AVAILABLE, reason="the stratum._rt extension is not built")
@given(values=st.lists(FLOATS | st.sampled_from([1.0, 2.0]), max_size=40), as_series=st.booleans())
def test_factorize_adapter_equals_pandas(values: list[float], as_series: bool) -> None:
    data = pd.Series(values, dtype="float64", name="v") if as_series else np.asarray(values, dtype="float64")
    expected_codes, expected_uniques = pd.factorize(data)
    actual_codes, actual_uniques = rust_adapter.execute(_factorize_op(), [data])
    np.testing.assert_array_equal(actual_codes, expected_codes)
    if as_series:
        pd.testing.assert_index_equal(actual_uniques, expected_uniques, exact=True)
    else:
        np.testing.assert_array_equal(actual_uniques, expected_uniques)
