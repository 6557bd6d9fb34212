"""groupby agg / transform on the Rust kernels equal pandas' exactly (bitwise)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stratum.backends.rust as rust
from stratum.backends.rust import groupby as gb

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")
FUNCTIONS = sorted(gb.FUNCTIONS)

# Small pools make duplicate keys (and single-row groups) likely.
INT_KEYS = st.integers(-3, 3)
FLOAT_KEYS = st.sampled_from([0.0, -0.0, 1.5, -2.0, math.inf, math.nan])
STR_KEYS = st.one_of(st.sampled_from(["", "a", "b", "B", "é", "日本", "\U0001f600", None]), st.text(max_size=3))
FLOAT_VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.1, -2.5, 1e16, math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)
INT_VALUES = st.one_of(st.integers(-5, 5), st.integers(-(2**62), 2**62))

KEY_KINDS = {
    "int64": (INT_KEYS, lambda items: pd.Series(items, dtype=np.int64)),
    "float64": (FLOAT_KEYS, lambda items: pd.Series(items, dtype=np.float64)),
    "str": (STR_KEYS, lambda items: pd.Series(items, dtype="str")),
    "object": (STR_KEYS, lambda items: pd.Series(items, dtype=object)),
    "str-python": (STR_KEYS, lambda items: pd.Series(items, dtype=pd.StringDtype("python", na_value=np.nan))),
}


@st.composite
def frames(draw, kind: str):
    elements, make_keys = KEY_KINDS[kind]
    n = draw(st.integers(0, 40))
    keys = draw(st.lists(elements, min_size=n, max_size=n))
    value_kind = draw(st.sampled_from(["float64", "int64"]))
    if value_kind == "float64":
        values = pd.Series(draw(st.lists(FLOAT_VALUES, min_size=n, max_size=n)), dtype=np.float64)
    else:
        values = pd.Series(draw(st.lists(INT_VALUES, min_size=n, max_size=n)), dtype=np.int64)
    return pd.DataFrame({"k": make_keys(keys), "v": values})


def expected(frame: pd.DataFrame, fn: str, transform: bool) -> pd.Series:
    grouped = frame.groupby("k")["v"]
    return grouped.transform(fn) if transform else grouped.agg(fn)


def mixed_zeros(values: pd.Series) -> bool:
    signs = np.signbit(values.to_numpy()[values.to_numpy() == 0])
    return bool(signs.any() and not signs.all())


def assert_bitwise(actual: pd.Series, wanted: pd.Series) -> None:
    """Equal values, index and dtype, and the same sign on every zero."""
    pd.testing.assert_series_equal(actual, wanted, check_exact=True, check_index_type=True, check_series_type=True)
    if actual.dtype.kind == "f":
        a, b = actual.to_numpy(), wanted.to_numpy()
        np.testing.assert_array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))


def assert_same(actual: pd.Series, frame: pd.DataFrame, fn: str, transform: bool) -> None:
    assert_bitwise(actual, expected(frame, fn, transform))


@pytest.fixture
def no_fallback(monkeypatch):
    def fail(*args):
        raise AssertionError("fell back to pandas")

    monkeypatch.setattr(gb, "groupby_agg_pandas", fail)
    monkeypatch.setattr(gb, "groupby_transform_pandas", fail)


@needs_rt
@pytest.mark.parametrize("kind", sorted(KEY_KINDS))
# The fixture only patches in a failing fallback: nothing to reset per example.
@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_agg_and_transform_match_pandas(kind, data, no_fallback):
    frame = data.draw(frames(kind))
    for fn in FUNCTIONS:
        check(frame, fn)


def check(frame: pd.DataFrame, fn: str) -> None:
    """The kernels equal pandas, or decline for a documented reason."""
    if gb.declines(frame["k"], frame["v"], fn):
        # pandas' reduceat path for sorted groups, or both zeros in a
        # zero-sign-sensitive function: left to pandas.
        sorted_groups = fn in gb.REDUCEAT
        assert sorted_groups or (fn in gb.ZERO_SIGN_SENSITIVE and mixed_zeros(frame["v"]))
        assert gb.kernel_result(frame["k"], frame["v"], fn, transform=False) is None
        return
    assert_same(gb.groupby_agg(frame["k"], frame["v"], fn), frame, fn, transform=False)
    assert_same(gb.groupby_transform(frame["k"], frame["v"], fn), frame, fn, transform=True)


@needs_rt
@pytest.mark.parametrize(
    "keys",
    [
        pd.Series([None, None, None], dtype="str"),
        pd.Series([math.nan, math.nan, math.nan]),
        pd.Series(["x", "x", "x"]),
        pd.Series([7, 7, 7]),
        pd.Series([], dtype="str"),
    ],
    ids=["all-null-str", "all-nan-float", "single-group-str", "single-group-int", "empty"],
)
@pytest.mark.parametrize("values", [[1.0, math.nan, 2.0], [4, 5, 6]], ids=["float", "int"])
def test_edge_groupings(keys, values, no_fallback):
    frame = pd.DataFrame({"k": keys, "v": pd.Series(values[: len(keys)], dtype=type(values[0]))})
    for fn in FUNCTIONS:
        check(frame, fn)


@needs_rt
def test_kahan_order_is_bitwise_pandas():
    # Sums whose rounding depends on compensation and order.
    values = np.array([1e16, 1.0, -1e16, 0.1, 0.2, 0.3, 1e-3, 3.3] * 50)
    frame = pd.DataFrame({"k": np.arange(len(values)) % 3, "v": values})
    for fn in ("sum", "mean", "std"):
        actual = gb.groupby_agg(frame["k"], frame["v"], fn).to_numpy()
        np.testing.assert_array_equal(actual.view(np.int64), expected(frame, fn, False).to_numpy().view(np.int64))


@needs_rt
def test_large_input_matches_pandas(no_fallback):
    rng = np.random.default_rng(0)
    n = 300_000
    values = rng.normal(size=n) * 1e3
    values[rng.random(n) < 0.05] = np.nan
    keys = np.array([f"key-{i}" for i in range(500)], dtype=object)[rng.integers(0, 500, n)]
    keys[rng.random(n) < 0.01] = None
    frames_ = [
        pd.DataFrame({"k": pd.Series(keys, dtype="str"), "v": values}),
        pd.DataFrame({"k": rng.integers(-1000, 1000, n), "v": rng.integers(-(10**9), 10**9, n)}),
    ]
    for frame in frames_:
        for fn in FUNCTIONS:
            assert not gb.declines(frame["k"], frame["v"], fn)
            assert_same(gb.groupby_agg(frame["k"], frame["v"], fn), frame, fn, transform=False)
        assert_same(gb.groupby_transform(frame["k"], frame["v"], "mean"), frame, "mean", transform=True)
    # Sorted groups of NaN-free values: pandas sums them with reduceat.
    ordered = pd.DataFrame({"k": np.sort(rng.integers(0, 50, 1000)), "v": rng.normal(size=1000)})
    for fn in ("sum", "mean", "min", "max"):
        assert gb.declines(ordered["k"], ordered["v"], fn) == (fn in gb.REDUCEAT)
        check(ordered, fn)
    for fn in ("std", "median", "count", "size"):
        assert not gb.declines(ordered["k"], ordered["v"], fn)
        check(ordered, fn)


@needs_rt
def test_multi_chunk_and_sliced_arrow_keys(no_fallback):
    import pyarrow as pa

    chunked = pa.chunked_array([pa.array(["b", None, "a"]), pa.array(["a", "é", "b", "c"]).slice(1)])
    keys = pd.Series(pd.arrays.ArrowStringArray(chunked, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    assert keys.dtype == "str"
    frame = pd.DataFrame({"k": keys, "v": np.arange(6, dtype=np.float64)})
    for fn in FUNCTIONS:
        check(frame, fn)


@pytest.mark.parametrize(
    "keys, values, fn",
    [
        (pd.Series(["a", "b"]), pd.Series([True, False]), "sum"),  # bool values
        (pd.Series(["a", "b"], dtype="category"), pd.Series([1.0, 2.0]), "sum"),
        (pd.Series(["a", "b"], dtype="string"), pd.Series([1.0, 2.0]), "mean"),  # pd.NA strings
        (pd.Series([1, "b"], dtype=object), pd.Series([1.0, 2.0]), "max"),  # mixed objects
        (pd.Series(["a", "b"], index=[1, 0]), pd.Series([1.0, 2.0]), "sum"),  # aligned by label
        (pd.Series(["a", "b"]), pd.Series([1.0, 2.0]), "prod"),
        (pd.Series(["a", "b"]), pd.Series([1, 2], dtype=np.int32), "min"),
    ],
    ids=["bool-values", "category-keys", "na-strings", "mixed-objects", "misaligned", "prod", "int32"],
)
def test_unsupported_inputs_fall_back_to_pandas(keys, values, fn):
    pd.testing.assert_series_equal(gb.groupby_agg(keys, values, fn), values.groupby(keys).agg(fn))
    pd.testing.assert_series_equal(gb.groupby_transform(keys, values, fn), values.groupby(keys).transform(fn))


def test_without_extension_falls_back(monkeypatch):
    keys, values = pd.Series(["b", "a", "b"]), pd.Series([1.0, 2.0, 4.0])
    monkeypatch.setattr(rust, "_rt", None)
    pd.testing.assert_series_equal(gb.groupby_agg(keys, values, "sum"), values.groupby(keys).sum())


@needs_rt
def test_kernel_rejects_bad_codes():
    with pytest.raises(ValueError):
        rust._rt.groupby_agg(np.array([0, 5]), 2, np.array([1.0, 2.0]), "sum")
    with pytest.raises(ValueError):
        rust._rt.groupby_agg(np.array([0]), 1, np.array([1.0, 2.0]), "sum")
    with pytest.raises(ValueError):
        rust._rt.groupby_agg(np.array([0]), 1, np.array([1.0]), "prod")
    with pytest.raises(TypeError):
        rust._rt.groupby_agg(np.array([0]), 1, np.array([1], dtype=np.int32), "sum")
