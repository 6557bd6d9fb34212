"""value_counts on the Rust kernels equals pandas' exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratum.backends.rust as rust
from stratum.backends.rust import value_counts as vc

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")

STRS = st.one_of(st.sampled_from(["", "a", "b", "B", "é", "日本", "\U0001f600", None]), st.text(max_size=3))
COLUMNS = st.one_of(
    st.lists(st.integers(-3, 3) | st.integers(-(2**63), 2**63 - 1), max_size=40).map(
        lambda v: pd.Series(v, dtype=np.int64, name="n")
    ),
    st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0, math.inf, math.nan]) | st.floats(), max_size=40).map(
        lambda v: pd.Series(v, dtype=np.float64)
    ),
    st.lists(STRS, max_size=40).map(lambda v: pd.Series(v, dtype="str", name="s")),
    st.lists(STRS, max_size=40).map(lambda v: pd.Series(v, dtype=object, name=("a", 1))),
    st.lists(STRS, max_size=40).map(lambda v: pd.Series(v, dtype=pd.StringDtype("python", na_value=np.nan))),
)


def assert_same(series: pd.Series) -> None:
    expected = series.value_counts()
    actual = vc.value_counts(series)
    pd.testing.assert_series_equal(actual, expected, check_exact=True, check_index_type=True)
    if series.dtype == np.float64:
        # The first zero's sign is kept, as pandas keeps it.
        np.testing.assert_array_equal(np.signbit(actual.index), np.signbit(expected.index))


@needs_rt
@settings(deadline=None, max_examples=60)
@given(COLUMNS)
def test_matches_pandas(series):
    assert_same(series)


@needs_rt
@pytest.mark.parametrize(
    "series",
    [
        pd.Series([], dtype="str"),
        pd.Series([None, None], dtype="str"),
        pd.Series([math.nan, math.nan]),
        pd.Series(["z"] * 5),
        pd.Series([-0.0, 0.0, 1.0, 1.0, 0.0]),
    ],
    ids=["empty", "all-null", "all-nan", "single-value", "signed-zero"],
)
def test_edge_cases(series):
    assert_same(series)


@needs_rt
def test_large_ties_keep_first_appearance():
    rng = np.random.default_rng(0)
    n = 500_000
    # Every value occurs exactly 100 times: the order is all ties.
    ints = rng.permutation(np.repeat(np.arange(n // 100) * 7919, 100))
    strings = pd.Series(np.array([f"v{i}" for i in range(1000)], dtype=object)[rng.integers(0, 1000, n)], dtype="str")
    for series in (pd.Series(ints), strings, pd.Series(np.where(rng.random(n) < 0.1, np.nan, ints / 4))):
        assert_same(series)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1, None], dtype="Int64"),
        pd.Series(["a", None], dtype="string"),
        pd.Series([True, False, True]),
        pd.Series(["a", 1], dtype=object),
        pd.Series(["b", "a"], dtype="category"),
    ],
    ids=lambda s: str(s.dtype),
)
def test_unsupported_falls_back(series):
    pd.testing.assert_series_equal(vc.value_counts(series), series.value_counts())
