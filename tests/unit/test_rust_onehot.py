"""get_dummies on the Rust kernels equals pd.get_dummies exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratum.backends.rust as rust
from stratum.backends.rust import onehot

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")

STRS = st.one_of(st.sampled_from(["", "a", "b", "B", "é", "日本", "\U0001f600", None]), st.text(max_size=3))


def series_of(kind: str, items: list) -> pd.Series:
    if kind == "int64":
        return pd.Series([hash(x) % 5 - 2 for x in items], dtype=np.int64, name="i")
    if kind == "float64":
        pool = [0.0, -0.0, 1.5, math.nan, 2.0]
        return pd.Series([pool[hash(x) % 5] for x in items], dtype=np.float64, name="f")
    dtype = {"str": "str", "object": object, "str-python": pd.StringDtype("python", na_value=np.nan)}[kind]
    return pd.Series(items, dtype=dtype, name=kind)


KINDS = ["int64", "float64", "str", "object", "str-python"]
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "prefix": st.sampled_from(["p", "日"]),
        "prefix_sep": st.sampled_from(["_", "/", ""]),
        "dummy_na": st.booleans(),
        "drop_first": st.booleans(),
        "dtype": st.sampled_from([None, bool, np.uint8, np.int64, float, np.float32]),
    },
)


def assert_same(data, **kwargs) -> None:
    actual = onehot.get_dummies(data, **kwargs)
    expected = pd.get_dummies(data, **kwargs)
    pd.testing.assert_frame_equal(actual, expected, check_exact=True, check_column_type=True, check_index_type=True)


@pytest.fixture
def no_fallback(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("fell back to pandas")

    monkeypatch.setattr(onehot, "get_dummies_pandas", fail)


@needs_rt
@settings(deadline=None, max_examples=60)
@given(st.sampled_from(KINDS), st.lists(STRS, max_size=30), OPTIONS)
def test_series_matches_pandas(kind, items, options):
    assert_same(series_of(kind, items), **options)


@needs_rt
@settings(deadline=None, max_examples=40)
@given(st.lists(STRS, max_size=20), OPTIONS, st.sampled_from([None, ["s", "n"], ["o"]]))
def test_frame_matches_pandas(items, options, columns):
    frame = pd.DataFrame(
        {
            "n": np.arange(len(items), dtype=np.int64),
            "s": pd.Series(items, dtype="str"),
            "x": np.linspace(0, 1, len(items)),
            "o": pd.Series(items[::-1], dtype=object),
        },
        index=pd.RangeIndex(len(items)) * 2,
    )
    if columns is None and "prefix" not in options:
        # Dict prefixes, keyed by the encoded columns.
        options = dict(options, prefix={"s": "S", "o": "O"})
    assert_same(frame, columns=columns, **options)


@needs_rt
@pytest.mark.parametrize(
    "data, kwargs",
    [
        (pd.Series(["b", "a", None, "b"]), {}),
        (pd.Series([None, None], dtype="str"), {}),
        (pd.Series([None, None], dtype="str"), {"dummy_na": True}),
        (pd.Series(["x", "x"]), {"drop_first": True}),
        (pd.Series([], dtype="str"), {}),
        (pd.Series([3, 1, 3]), {"prefix": "c", "dummy_na": True}),
        (pd.DataFrame({"a": ["x", "y"], "b": [1, 2]}), {"prefix": ["A"]}),
        (pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"]}), {"prefix_sep": {"a": "-", "b": "+"}}),
        (pd.DataFrame({"a": [1.5, 2.5]}), {}),
    ],
    ids=["basic", "all-null", "all-null-dummy-na", "single-level-drop-first", "empty", "int-prefix", "frame-prefix-list", "frame-sep-dict", "no-encodable"],
)
def test_edge_cases_use_the_kernel(data, kwargs, no_fallback):
    assert_same(data, **kwargs)


@needs_rt
def test_large_input(no_fallback):
    rng = np.random.default_rng(0)
    n = 300_000
    pool = np.array([f"level-{i}" for i in range(40)] + [None], dtype=object)
    frame = pd.DataFrame({"s": pd.Series(pool[rng.integers(0, 41, n)], dtype="str"), "i": rng.integers(0, 30, n)})
    assert_same(frame)
    assert_same(frame, columns=["s", "i"], dummy_na=True, drop_first=True, dtype=np.float32)


@pytest.mark.parametrize(
    "data, kwargs",
    [
        (pd.Series(["a", "b"]), {"sparse": True}),
        (pd.Series(["a", "b"], dtype="category"), {}),
        (pd.Series(["a", None], dtype="string"), {}),
        (pd.Series([1, "a"], dtype=object), {}),
        (pd.Series(["a", "b"]), {"dtype": object}),
        (["a", "b", "a"], {}),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), {"prefix": ["p"]}),
        (pd.DataFrame([["x", "y"]], columns=["a", "a"]), {}),
    ],
    ids=["sparse", "category", "na-string", "mixed", "object-dtype", "list", "bad-prefix-length", "duplicate-columns"],
)
def test_unsupported_falls_back(data, kwargs):
    try:
        expected = pd.get_dummies(data, **kwargs)
    except Exception as error:
        with pytest.raises(type(error)):
            onehot.get_dummies(data, **kwargs)
    else:
        pd.testing.assert_frame_equal(onehot.get_dummies(data, **kwargs), expected)


@needs_rt
def test_kernel_matrix_and_errors():
    m = rust._rt.onehot_matrix(np.array([1, -1, 0]), 2, "bool")
    assert m.dtype == bool and m.shape == (2, 3) and m.flags.c_contiguous
    np.testing.assert_array_equal(m, [[False, False, True], [True, False, False]])
    with pytest.raises(ValueError):
        rust._rt.onehot_matrix(np.array([2]), 2, "bool")
    with pytest.raises(TypeError):
        rust._rt.onehot_matrix(np.array([0]), 1, "complex128")
