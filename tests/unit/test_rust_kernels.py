"""The Rust kernels (stratum._rt) and their Python front agree with pandas exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stratum.backends.rust as rust

_rt = rust._rt
# Without the extension only test_extension_is_loaded fails, not every kernel test.
needs_rt = pytest.mark.skipif(_rt is None, reason="stratum._rt is not built")
fuzz = settings(deadline=None, max_examples=200)


# Small pools make duplicate keys likely; the wide ones reach the extremes.
INTS = st.one_of(
    st.integers(-5, 5),
    st.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max),
)
FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.5, -2.0, math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True),
)
STRS = st.one_of(
    st.sampled_from(["", "a", "b", "B", "é", "日本", "\U0001f600", "\uffff", "a\x00b"]),
    st.text(max_size=6),
)
MISSING = st.sampled_from([None, math.nan, np.float64("nan")])

int_arrays = hnp.arrays(np.int64, st.integers(0, 60), elements=INTS)
float_arrays = hnp.arrays(np.float64, st.integers(0, 60), elements=FLOATS)
str_lists = st.lists(st.one_of(STRS, MISSING), max_size=60)
all_missing_lists = st.lists(MISSING, max_size=10)


def object_array(items: list) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def pandas_factorize(values):
    return pd.factorize(values, sort=False, use_na_sentinel=True)


def pandas_category_codes(values):
    cat = pd.Series(values).astype("category").cat
    return cat.codes.to_numpy(), cat.categories.to_numpy()


def assert_same_values(actual: np.ndarray, expected) -> None:
    """Equal values, dtype, and for floats the sign of zero too."""
    expected = np.asarray(expected)
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_array_equal(actual, expected)
    if actual.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))
    if actual.dtype == object:
        assert [type(x) for x in actual] == [type(x) for x in expected]


def assert_same_result(actual, expected) -> None:
    codes, uniques = actual
    expected_codes, expected_uniques = expected
    assert_same_values(codes, expected_codes)
    assert_same_values(uniques, expected_uniques)


def test_extension_is_loaded():
    # Building the extension is part of installing the package.
    assert rust.AVAILABLE is True


# --- the raw kernels -------------------------------------------------------


@needs_rt
@fuzz
@given(int_arrays)
def test_factorize_int64_matches_pandas(values):
    assert_same_result(_rt.factorize_int64(values), pandas_factorize(values))


@needs_rt
@fuzz
@given(float_arrays)
def test_factorize_float64_matches_pandas(values):
    assert_same_result(_rt.factorize_float64(values), pandas_factorize(values))


@needs_rt
@fuzz
@given(st.one_of(str_lists, all_missing_lists))
def test_factorize_str_matches_pandas(items):
    values = object_array(items)
    expected = pandas_factorize(values)
    assert_same_result(_rt.factorize_str(values), expected)
    assert_same_result(_rt.factorize_str(items), expected)


@needs_rt
@fuzz
@given(int_arrays)
def test_category_codes_int64_matches_pandas(values):
    assert_same_result(_rt.category_codes_int64(values), pandas_category_codes(values))


@needs_rt
@fuzz
@given(float_arrays)
def test_category_codes_float64_matches_pandas(values):
    assert_same_result(_rt.category_codes_float64(values), pandas_category_codes(values))


@needs_rt
@fuzz
@given(st.one_of(str_lists, all_missing_lists))
def test_category_codes_str_matches_pandas(items):
    values = object_array(items)
    expected = pandas_category_codes(values)
    assert_same_result(_rt.category_codes_str(values), expected)
    assert_same_result(_rt.category_codes_str(items), expected)


@needs_rt
@fuzz
@given(str_lists, st.integers(0, 5000))
def test_str_kernels_match_pandas_for_shared_objects(items, repeats):
    # Few distinct objects, many references: the identity-deduplication path.
    values = object_array(items * (repeats // max(len(items), 1) + 1))
    assert_same_result(_rt.factorize_str(values), pandas_factorize(values))
    assert_same_result(_rt.category_codes_str(values), pandas_category_codes(values))


@needs_rt
def test_factorize_keeps_first_signed_zero():
    codes, uniques = _rt.factorize_float64(np.array([-0.0, 0.0, math.nan]))
    np.testing.assert_array_equal(codes, [0, 0, -1])
    assert np.signbit(uniques[0])


@needs_rt
def test_uniques_are_the_input_objects():
    first, second = "".join(["ab", "c"]), "".join(["a", "bc"])
    _, uniques = _rt.factorize_str([first, second])
    assert uniques[0] is first


@needs_rt
@pytest.mark.parametrize("n_categories", [126, 127, 32766, 32767])
def test_category_code_dtype_follows_pandas(n_categories):
    values = np.arange(n_categories, dtype=np.int64)[::-1].copy()
    assert_same_result(_rt.category_codes_int64(values), pandas_category_codes(values))
    strings = object_array([f"s{i}" for i in values])
    assert_same_result(_rt.category_codes_str(strings), pandas_category_codes(strings))


@needs_rt
def test_large_inputs_take_the_parallel_path():
    rng = np.random.default_rng(0)
    n = 400_000
    ints = rng.integers(-500, 500, n)  # in a small range: table-indexed, not hashed
    floats = np.where(rng.random(n) < 0.1, np.nan, ints / 8.0)
    floats[rng.integers(0, n, 100)] = -0.0
    pool = np.array([f"key-{i}-é" for i in range(1000)] + [None], dtype=object)
    keys = rng.integers(0, len(pool), n)
    # The str kernels read repeated objects once each; a fresh object in
    # every row is read row by row.
    shared_strings = pool[keys]
    fresh_strings = object_array([None if k == 1000 else f"key-{k}-é" for k in keys])
    high_cardinality = rng.integers(0, 2**62, n)
    # Keys first seen late must be numbered after everything before them.
    late = np.concatenate([ints, np.arange(10_000, 10_100)[::-1], ints])
    for values, factorize, categorize in [
        (ints, _rt.factorize_int64, _rt.category_codes_int64),
        (ints * 1_000_000_007, _rt.factorize_int64, _rt.category_codes_int64),
        (late, _rt.factorize_int64, _rt.category_codes_int64),
        (high_cardinality, _rt.factorize_int64, _rt.category_codes_int64),
        (floats, _rt.factorize_float64, _rt.category_codes_float64),
        (shared_strings, _rt.factorize_str, _rt.category_codes_str),
        (fresh_strings, _rt.factorize_str, _rt.category_codes_str),
    ]:
        assert_same_result(factorize(values), pandas_factorize(values))
        assert_same_result(categorize(values), pandas_category_codes(values))


@needs_rt
def test_non_contiguous_input():
    values = np.arange(20, dtype=np.int64)[::-3] % 4
    assert_same_result(_rt.factorize_int64(values), pandas_factorize(values))
    assert_same_result(_rt.category_codes_int64(values), pandas_category_codes(values))


@needs_rt
@pytest.mark.parametrize(
    "values",
    [
        [1, "a"],
        ["a", 1] * 100,
        ["a", b"a"],
        ["a", 1.5],
        ["a", pd.NA],
        ["a\ud800"],
        np.array([1.0]),
        np.array([["a"]], dtype=object),
        "abc",
    ],
    ids=repr,
)
def test_str_kernels_reject_unsupported_input(values):
    for kernel in (_rt.factorize_str, _rt.category_codes_str):
        with pytest.raises(TypeError):
            kernel(values)


@needs_rt
def test_numeric_kernels_reject_wrong_dtype():
    with pytest.raises(TypeError):
        _rt.factorize_int64(np.array([1.0]))
    with pytest.raises(TypeError):
        _rt.category_codes_float64(np.array([1], dtype=np.int64))


# --- the Python front: dispatch and fallback --------------------------------

SUPPORTED_DTYPES = [np.int64, np.int32, np.int8, np.uint8, np.uint32, np.bool_, np.float64, np.float32]


@pytest.mark.parametrize("dtype", SUPPORTED_DTYPES)
def test_front_matches_pandas_for_numeric_dtypes(dtype):
    rng = np.random.default_rng(1)
    values = rng.integers(0, 100, 1000).astype(dtype)
    if values.dtype.kind == "f":
        values[::7] = np.nan
        values[::11] = -0.0
    assert_same_result(rust.factorize(values), pandas_factorize(values))
    assert_same_result(rust.category_codes(values), pandas_category_codes(values))


@fuzz
@given(st.one_of(int_arrays, float_arrays, str_lists.map(object_array)))
def test_front_and_fallback_agree(values):
    expected_factorize = rust.factorize_pandas(values)
    expected_categories = rust.category_codes_pandas(values)
    assert_same_result(rust.factorize(values), expected_factorize)
    assert_same_result(rust.category_codes(values), expected_categories)
    assert_same_result(expected_factorize, pandas_factorize(values))
    assert_same_result(expected_categories, pandas_category_codes(values))


@needs_rt
@pytest.mark.parametrize(
    "values",
    [
        np.array([3, 1, 3]),
        np.array([3, 1, 3], dtype=np.uint16),
        np.array([True, False]),
        np.array([1.5, np.nan], dtype=np.float32),
        object_array(["b", None, "a"]),
        pd.Series([1.5, np.nan]),
        pd.Series(["b", None], dtype=object),
        pd.Series(["b", None], dtype=pd.StringDtype("python")),
    ],
    ids=lambda v: f"{type(v).__name__}[{v.dtype}]",
)
def test_front_uses_the_kernels_for_supported_inputs(values, monkeypatch):
    def no_fallback(values):
        raise AssertionError("fell back to pandas")

    monkeypatch.setattr(rust, "factorize_pandas", no_fallback)
    monkeypatch.setattr(rust, "category_codes_pandas", no_fallback)
    rust.factorize(values)
    rust.category_codes(values)


def test_front_without_extension_falls_back(monkeypatch):
    values = object_array(["b", None, "a", "b", math.nan])
    with_kernel = rust.factorize(values), rust.category_codes(values)
    monkeypatch.setattr(rust, "_rt", None)
    assert_same_result(rust.factorize(values), with_kernel[0])
    assert_same_result(rust.category_codes(values), with_kernel[1])


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([3, 1, 3]),
        pd.Series([1.5, None, -0.0]),
        pd.Series(["b", None, "a", "b"]),
        pd.Series(["b", None, "a"], dtype="string"),
        pd.Series(["b", None, "a"], dtype=pd.StringDtype("python", na_value=np.nan)),
        pd.Series(["b", None, "a"], dtype=pd.StringDtype("python")),
        pd.Series(["b", None, "a"], dtype=object),
        pd.Series([2, None, 1], dtype="Int64"),
        pd.Series(["z", "a", "z"], dtype="category"),
        pd.Index(["b", "a", "b"]),
        object_array([1, "a", None, 1]),
        object_array([pd.Timestamp("2020-01-01"), None]),
        np.array(["b", "a", "b"]),
        np.array([3, 1, 3], dtype=np.uint64),
        np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]"),
    ],
    ids=lambda v: f"{type(v).__name__}[{v.dtype}]",
)
def test_front_matches_pandas_for_series_and_other_inputs(values):
    assert_same_result(rust.factorize(values), rust.factorize_pandas(values))
    assert_same_result(rust.category_codes(values), pandas_category_codes(values))


def test_front_factorize_of_series_returns_ndarray_uniques():
    codes, uniques = rust.factorize(pd.Series(["b", None, "a", "b"]))
    np.testing.assert_array_equal(codes, [0, -1, 1, 0])
    assert isinstance(uniques, np.ndarray) and list(uniques) == ["b", "a"]


@settings(deadline=None, max_examples=50)
@given(
    st.lists(st.one_of(STRS, MISSING), max_size=30),
    st.sampled_from(["str", pd.StringDtype("python", na_value=np.nan)]),
)
def test_front_str_series_matches_pandas(items, dtype):
    series = pd.Series(items, dtype=dtype)
    expected_codes, expected_uniques = pd.factorize(series, sort=False, use_na_sentinel=True)
    codes, uniques = rust.factorize(series)
    np.testing.assert_array_equal(codes, expected_codes)
    assert list(uniques) == list(expected_uniques)
    assert_same_result(rust.category_codes(series), pandas_category_codes(series))
