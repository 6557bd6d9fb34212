"""Series.median() and Series.quantile(q) on the Rust selection kernels equal
pandas' bit for bit (type included), directly and through the adapter, and
inputs where numpy would warn or where pandas' answer depends on numpy's
partition run pandas."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratum
import stratum.backends.rust as rust
from stratum.backends.rust import quantile as kq

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")

FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.1, -2.5, 1e16, 1e308, math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)
INTS = st.one_of(st.integers(-5, 5), st.integers(-(2**63), 2**63 - 1))
QS = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 0.1, 1 / 3]), st.floats(0.0, 1.0))


@st.composite
def series(draw):
    n = draw(st.integers(0, 40))
    if draw(st.booleans()):
        return pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=np.float64)
    return pd.Series(draw(st.lists(INTS, min_size=n, max_size=n)), dtype=np.int64)


def pandas_quietly(fn):
    """pandas' result, and whether computing it warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, bool(caught)


def assert_same(actual, expected) -> None:
    assert type(actual) is type(expected)
    assert np.asarray(actual).tobytes() == np.asarray(expected).tobytes(), (actual, expected)


@needs_rt
@settings(deadline=None, max_examples=300)
@given(values=series(), q=QS)
def test_kernels_equal_pandas_or_decline(values, q):
    for kernel, reference in ((lambda: kq.median(values), values.median), (lambda: kq.quantile(values, q), lambda: values.quantile(q))):
        expected, warned = pandas_quietly(reference)
        actual = kernel()
        if actual is None:
            continue
        assert not warned  # where pandas warns, the kernel must decline
        assert_same(actual, expected)


@needs_rt
def test_kernels_take_the_common_cases():
    rng = np.random.default_rng(0)
    floats = pd.Series(rng.normal(size=10_001))
    floats[::7] = np.nan
    ints = pd.Series(rng.integers(-(10**12), 10**12, 10_000))
    for s in (floats, ints, floats.iloc[1:2], pd.Series([-0.0, -0.0, 1.0]), pd.Series([3.0, np.nan])):
        assert_same(kq.median(s), s.median())
        for q in (0.0, 0.01, 0.25, 0.5, 0.9, 1.0):
            assert_same(kq.quantile(s, q), s.quantile(q))


@needs_rt
def test_large_inputs_take_the_radix_path():
    # Above 2**20 values the kernels select through a parallel radix histogram.
    rng = np.random.default_rng(1)
    n = 2**20 + 4321
    floats = pd.Series(rng.normal(size=n) * 1e3)
    floats[rng.random(n) < 0.05] = np.nan
    clustered = pd.Series(1.0 + rng.integers(0, 1000, n) * 1e-12)  # one radix bucket
    ints = pd.Series(rng.integers(-(10**15), 10**15, n))
    for s in (floats, clustered, ints):
        assert_same(kq.median(s), s.median())
        for q in (0.0, 1e-6, 0.25, 0.5, 0.9, 1.0):
            assert_same(kq.quantile(s, q), s.quantile(q))


@pytest.mark.parametrize(
    "values, q",
    [
        (pd.Series([], dtype=np.float64), 0.5),  # empty
        (pd.Series([np.nan, np.nan]), 0.5),  # all missing
        (pd.Series([np.inf, -np.inf]), 0.5),  # numpy warns
        (pd.Series([0.0, -0.0, 1.0]), 0.25),  # zero sign chosen by numpy's partition
        (pd.Series([1.0, 2.0]), 1),  # int q: numpy's integer-index path
        (pd.Series([1.0, 2.0]), [0.5]),  # a list: a Series result
        (pd.Series([1.0, 2.0]), 1.5),  # pandas raises
        (pd.Series([1, 2], dtype=np.int32), 0.5),
        (pd.Series([1.0, None], dtype="Float64"), 0.5),
        (pd.Series([np.iinfo(np.int64).min, np.iinfo(np.int64).max]), 0.5),  # int64 overflow
    ],
    ids=["empty", "all-nan", "inf-minus-inf", "mixed-zeros", "int-q", "list-q", "bad-q", "int32", "nullable", "overflow"],
)
def test_declined_inputs(values, q):
    assert kq.quantile(values, q) is None


def c_median(frame):
    return frame["v"].median()


def c_quantile(frame):
    return frame["v"].quantile(0.3)


def c_quantile_keyword(frame):
    return frame["v"].quantile(q=0.75)


def c_quantile_nearest(frame):
    return frame["v"].quantile(0.3, interpolation="nearest")


def c_frame_median(frame):
    return frame.median()


COMPILED = {f: stratum.compile(f) for f in (c_median, c_quantile, c_quantile_keyword, c_quantile_nearest, c_frame_median)}


@needs_rt
@settings(deadline=None, max_examples=60)
@given(values=series())
def test_adapter_equals_reference(values):
    frame = pd.DataFrame({"v": values})
    for fn in (c_median, c_quantile, c_quantile_keyword):
        expected, warned = pandas_quietly(lambda: fn(frame))
        actual, _ = pandas_quietly(lambda: COMPILED[fn](frame))
        assert_same(actual, expected)
        if COMPILED[fn].last_run_stats["backends"].get("rust", 0):
            assert not warned
    for fn in (c_quantile_nearest, c_frame_median):
        pd.testing.assert_series_equal(pd.Series(COMPILED[fn](frame)), pd.Series(fn(frame)))
        assert COMPILED[fn].last_run_stats["backends"].get("rust", 0) == 0


@needs_rt
def test_adapter_routes_plain_columns():
    frame = pd.DataFrame({"v": np.arange(100, dtype=np.float64)[::-1]})
    for fn in (c_median, c_quantile, c_quantile_keyword):
        assert_same(COMPILED[fn](frame), fn(frame))
        assert COMPILED[fn].last_run_stats["backends"]["rust"] == 1, fn.__name__
