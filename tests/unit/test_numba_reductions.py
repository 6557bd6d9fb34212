"""Numba Series reductions against pandas: same scalar type, same bits."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stratum.backends.numba import reductions
from stratum.backends.numba.reductions import OPS, PARALLEL_MIN_ROWS, UnsupportedReduction, reduce, series_reduce

DTYPES = ("float64", "float32", "int64", "int32", "bool")


def expected(values: np.ndarray, op: str, ddof: int = 1) -> Any:
    kwargs = {"ddof": ddof} if op in ("std", "var") else {}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(pd.Series(values), op)(**kwargs)


def assert_identical(actual: Any, wanted: Any) -> None:
    """Same Python/numpy scalar type and the same bits (NaN == NaN, 0.0 != -0.0)."""
    assert type(actual) is type(wanted), (actual, wanted)
    assert np.asarray(actual).tobytes() == np.asarray(wanted).tobytes(), (actual, wanted)


def check_all(values: np.ndarray) -> None:
    for op in OPS:
        for ddof in (1, 0, 2) if op in ("std", "var") else (1,):
            with np.errstate(all="ignore"):
                actual = reduce(values, op, ddof=ddof)
            assert_identical(actual, expected(values, op, ddof))


def column(dtype: str, n: int) -> st.SearchStrategy[np.ndarray]:
    np_dtype = np.dtype(dtype)
    if np_dtype.kind == "f":
        width = np_dtype.itemsize * 8
        elements = st.one_of(
            st.floats(width=width),  # NaN, +-inf, subnormals and magnitudes up to the max
            st.floats(-1e6, 1e6, width=width),
            st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 1e300 if width == 64 else 3e38]),
        )
    elif np_dtype.kind == "i":
        info = np.iinfo(np_dtype)
        elements = st.one_of(st.integers(-100, 100), st.integers(int(info.min), int(info.max)), st.sampled_from([int(info.min), int(info.max), 0]))
    else:
        elements = st.booleans()
    return hnp.arrays(np_dtype, n, elements=elements)


@st.composite
def columns(draw: st.DrawFn) -> np.ndarray:
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.sampled_from([0, 1, 2, 3, 7, 8, 9, 16, 17, 127, 128, 129, 300]))
    values = draw(column(dtype, n))
    if n and draw(st.integers(0, 4)) == 0:  # long enough for several pairwise splits and numpy buffers
        values = np.tile(values, 20_000 // n + 1)[: draw(st.sampled_from([8191, 8192, 8193, 16_385, 20_000]))]
    return values


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values=columns())
def test_random_columns_match_pandas(values: np.ndarray) -> None:
    check_all(values)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_all_nan_single(dtype: str) -> None:
    check_all(np.empty(0, dtype))
    check_all(np.ones(1, dtype))
    if np.dtype(dtype).kind == "f":
        check_all(np.full(5, np.nan, dtype))
        check_all(np.array([np.nan, 2.5, np.nan], dtype))  # one valid value: std/var NaN
        check_all(np.array([np.inf, np.nan, -np.inf], dtype))  # inf - inf in the sum
        check_all(np.array([-0.0, -0.0], dtype))
        check_all(np.array([0.0, -0.0, np.nan, 1.0], dtype))
        check_all(np.array([-0.0] * 40 + [0.0] * 40, dtype))  # a tie between zeros: numpy decides
        check_all(np.array([np.inf, np.nan], dtype))  # max is a real inf, not the NaN fill


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_columns_use_the_parallel_path_and_match(dtype: str) -> None:
    rng = np.random.default_rng(7)
    n = 3 * PARALLEL_MIN_ROWS + 12_345
    if dtype.startswith("float"):
        values = (rng.standard_normal(n) * np.exp(rng.uniform(-30, 30, n))).astype(dtype)
        values[::17] = np.nan
    elif dtype == "bool":
        values = rng.random(n) < 0.3
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)  # int64 sums wrap
    assert numba.get_num_threads() == 1 or reductions._depth(n) > 0
    check_all(values)


def test_result_does_not_depend_on_thread_count() -> None:
    rng = np.random.default_rng(3)
    values = rng.standard_normal(5 * PARALLEL_MIN_ROWS) * 1e10
    wanted = expected(values, "sum")
    previous = numba.get_num_threads()
    try:
        for threads in {1, previous}:
            numba.set_num_threads(threads)
            assert_identical(reduce(values, "sum"), wanted)
            assert_identical(reduce(values, "std"), expected(values, "std"))
    finally:
        numba.set_num_threads(previous)


def test_integer_sums_wrap_like_numpy() -> None:
    values = np.array([2**63 - 1, 1, 5, -(2**63)], dtype=np.int64)
    assert_identical(reduce(values, "sum"), expected(values, "sum"))
    assert_identical(reduce(values, "mean"), expected(values, "mean"))


def test_nunique_merges_zeros_and_drops_nan() -> None:
    values = np.array([0.0, -0.0, np.nan, 1.0, 1.0, np.inf, -np.inf, np.nan])
    assert reduce(values, "nunique") == expected(values, "nunique") == 4
    ints = np.random.default_rng(0).integers(0, 5000, 50_000)  # the hash table grows several times
    assert reduce(ints, "nunique") == expected(ints, "nunique")


def test_series_and_declines() -> None:
    series = pd.Series([1.5, np.nan, 3.0], index=[10, 20, 30])
    assert_identical(series_reduce(series, "mean"), series.mean())
    with pytest.raises(UnsupportedReduction):
        series_reduce(series, "sum", skipna=False)
    with pytest.raises(UnsupportedReduction):
        series_reduce(series, "sum", min_count=1)
    with pytest.raises(UnsupportedReduction):
        reduce(pd.Series([1, None], dtype="Int64"), "sum")
    with pytest.raises(UnsupportedReduction):
        reduce(np.array([1, 2], dtype=np.uint8), "sum")
    with pytest.raises(UnsupportedReduction):
        reduce(np.zeros((2, 2)), "sum")
    with pytest.raises(UnsupportedReduction):
        reduce(np.zeros(2), "median")


def test_noncontiguous_input() -> None:
    values = np.arange(40.0)[::3]
    check_all(values)
