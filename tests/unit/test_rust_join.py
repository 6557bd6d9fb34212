"""Inner and left merges with the Rust join indexers equal pandas' merge bit
for bit (values, dtypes, column order, suffixes, index), directly and through
the adapter, and calls the kernel does not reproduce run pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratum
import stratum.backends.rust as rust
from stratum.backends.rust import join

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")


@pytest.fixture(autouse=True)
def numeric_keys_at_any_size(monkeypatch):
    # Small frames exercise the kernel; the size rule has its own test.
    monkeypatch.setattr(join, "NUMERIC_MIN_ROWS", 0)

# Small pools make duplicates, unmatched keys and NaN-to-NaN matches likely.
KEYS = {
    "int64": (st.integers(-2, 3), np.int64),
    "float64": (st.sampled_from([0.0, -0.0, 1.5, -2.0, math.inf, math.nan]), np.float64),
    "str": (st.sampled_from(["", "a", "b", "é", "日本", "\U0001f600", None]), "str"),
    "object": (st.sampled_from(["a", "b", "é", None, math.nan]), object),
}


@st.composite
def key_column(draw, kind: str, n: int) -> pd.Series:
    elements, dtype = KEYS[kind]
    return pd.Series(draw(st.lists(elements, min_size=n, max_size=n)), dtype=dtype)


@st.composite
def frame_pairs(draw):
    kind = draw(st.sampled_from(sorted(KEYS)))
    nl, nr = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    left = pd.DataFrame(
        {
            "k": draw(key_column(kind, nl)),
            "k2": draw(st.lists(st.integers(0, 1), min_size=nl, max_size=nl)),
            "v": draw(st.lists(st.integers(-5, 5), min_size=nl, max_size=nl)),
            "a": draw(st.lists(st.floats(allow_nan=True, width=64), min_size=nl, max_size=nl)),
        }
    )
    right = pd.DataFrame(
        {
            "k": draw(key_column(kind, nr)),
            "k2": draw(st.lists(st.integers(0, 1), min_size=nr, max_size=nr)),
            "v": draw(st.lists(st.integers(-5, 5), min_size=nr, max_size=nr)),
            "b": draw(st.lists(st.booleans(), min_size=nr, max_size=nr)),
            "s": pd.Series(draw(st.lists(st.sampled_from(["x", "y", None]), min_size=nr, max_size=nr)), dtype="str"),
        }
    )
    if draw(st.booleans()):
        left.index = np.random.default_rng(nl).permutation(nl) * 3 + 1
    return left, right


CALLS = [
    {"on": "k"},
    {"on": "k", "how": "left"},
    {"on": ["k", "k2"]},
    {"on": ["k2", "k"], "how": "left"},
    {"left_on": "k", "right_on": "k", "how": "left", "suffixes": ("", "_r")},
    {"on": "k", "suffixes": ("_l", "_r")},
]


def assert_frames_bitwise(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(actual, expected, check_exact=True, check_index_type=True, check_column_type=True)
    for column in range(expected.shape[1]):
        a, b = actual.iloc[:, column].to_numpy(), expected.iloc[:, column].to_numpy()
        if b.dtype.kind == "f":
            np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@needs_rt
@settings(deadline=None, max_examples=80)
@given(frames=frame_pairs())
def test_kernel_merges_equal_pandas(frames):
    left, right = frames
    for kwargs in CALLS:
        actual = join.merge(left, right, **kwargs)
        assert actual is not None, kwargs
        assert_frames_bitwise(actual, left.merge(right, **kwargs))


@needs_rt
@settings(deadline=None, max_examples=30)
@given(frames=frame_pairs())
def test_int_keys_against_other_int_columns(frames):
    left, right = frames
    for how in ("inner", "left"):
        kwargs = {"left_on": "v", "right_on": "k2", "how": how}
        actual = join.merge(left, right, **kwargs)
        assert actual is not None
        assert_frames_bitwise(actual, left.merge(right, **kwargs))


@needs_rt
def test_large_merge_equals_pandas():
    rng = np.random.default_rng(0)
    n = 200_000
    pool = np.array([f"id-{i}" for i in range(5000)] + [None], dtype=object)
    left = pd.DataFrame({"k": pd.Series(pool[rng.integers(0, 5001, n)], dtype="str"), "x": rng.normal(size=n)})
    right = pd.DataFrame({"k": pd.Series(pool[rng.integers(0, 5001, 3000)], dtype="str"), "y": rng.integers(0, 9, 3000)})
    for how in ("inner", "left"):
        assert_frames_bitwise(join.merge(left, right, on="k", how=how), left.merge(right, on="k", how=how))
    ints = pd.DataFrame({"k": rng.integers(0, 10**6, n), "x": rng.normal(size=n)})
    lookup = pd.DataFrame({"k": rng.permutation(10**6)[:50_000], "y": rng.integers(0, 9, 50_000)})
    for how in ("inner", "left"):
        assert_frames_bitwise(join.merge(ints, lookup, on="k", how=how), ints.merge(lookup, on="k", how=how))


@needs_rt
@pytest.mark.parametrize(
    "kwargs",
    [
        {"on": "k", "how": "outer"},
        {"on": "k", "how": "right"},
        {"how": "cross"},
        {"on": "k", "sort": True},
        {"on": "k", "indicator": True},
        {"on": "k", "validate": "many_to_one"},
        {"left_index": True, "right_index": True},
        {"left_on": "k", "right_index": True},
        {"left_on": "k", "right_on": "f"},  # int64 vs float64 keys
        {"on": "c"},  # categorical keys
        {"on": "n"},  # StringDtype with pd.NA
        {"on": "bad"},  # pandas raises
    ],
)
def test_declined_calls(kwargs):
    left = pd.DataFrame(
        {"k": [1, 2, 2], "f": [1.0, 2.0, 3.0], "c": pd.Categorical(["a", "b", "a"]),
         "n": pd.Series(["a", None, "b"], dtype="string")}
    )
    right = pd.DataFrame(
        {"k": [2, 3], "f": [2.0, 5.0], "c": pd.Categorical(["a", "b"]), "n": pd.Series(["a", "b"], dtype="string")}
    )
    assert join.merge(left, right, **kwargs) is None


@needs_rt
def test_small_numeric_merges_stay_on_pandas(monkeypatch):
    monkeypatch.setattr(join, "NUMERIC_MIN_ROWS", 100)
    frame = pd.DataFrame({"k": np.arange(60) % 7, "f": np.arange(60) / 7, "s": [str(i % 7) for i in range(60)]})
    assert join.merge(frame.iloc[:30], frame.iloc[30:], on="k") is None
    assert join.merge(frame.iloc[:30], frame.iloc[30:], on="f") is None
    pd.testing.assert_frame_equal(join.merge(frame.iloc[:30], frame.iloc[30:], on="s"), frame.iloc[:30].merge(frame.iloc[30:], on="s"))
    assert join.merge(frame, frame, on="k") is not None  # 120 rows


@needs_rt
def test_declined_inputs():
    frame = pd.DataFrame({"k": [1, 2], "v": [1, 2]})
    assert join.merge(frame, frame.iloc[:0], on="k") is None  # empty side
    assert join.merge(frame, frame["v"], on="k") is None  # a Series
    mixed = pd.DataFrame({"k": pd.Series([1, "a"], dtype=object), "v": [1, 2]})
    assert join.merge(mixed, mixed, on="k") is None  # objects other than str
    wide = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("k", ""), ("v", "x")]))
    assert join.merge(wide, frame, left_on=[("k", "")], right_on=["k"]) is None  # pandas raises


@needs_rt
def test_a_merge_during_which_pandas_warns_is_declined(monkeypatch):
    import warnings

    class Warning(join._MergeOperation):
        def get_result(self):
            warnings.warn("pandas has something to say", FutureWarning)
            return super().get_result()

    monkeypatch.setattr(join, "_MergeOperation", Warning)
    frame = pd.DataFrame({"k": [1, 2], "v": [1, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert join.merge(frame, frame, on="k") is None


def test_without_extension_is_declined(monkeypatch):
    monkeypatch.setattr(rust, "_rt", None)
    frame = pd.DataFrame({"k": [1, 2], "v": [1, 2]})
    assert join.merge(frame, frame, on="k") is None


def m_method_left(left, right):
    return left.merge(right, on="k", how="left")


def m_function_inner(left, right):
    return pd.merge(left, right, on=["k", "k2"])


def m_suffixes(left, right):
    return left.merge(right, left_on="k", right_on="k", suffixes=("", "_r"))


def m_outer(left, right):
    return left.merge(right, on="k", how="outer")


def m_sorted(left, right):
    return pd.merge(left, right, on="k", sort=True)


COMPILED = {f: stratum.compile(f) for f in (m_method_left, m_function_inner, m_suffixes, m_outer, m_sorted)}


@needs_rt
@settings(deadline=None, max_examples=40)
@given(frames=frame_pairs())
def test_adapter_merges_equal_reference(frames):
    left, right = frames
    for fn, on_rust in ((m_method_left, 1), (m_function_inner, 1), (m_suffixes, 1), (m_outer, 0), (m_sorted, 0)):
        compiled = COMPILED[fn]
        assert_frames_bitwise(compiled(left, right), fn(left, right))
        assert compiled.last_run_stats["backends"].get("rust", 0) == on_rust, fn.__name__


@needs_rt
def test_adapter_errors_are_pandas_errors():
    left = pd.DataFrame({"k": [1, 2]})
    with pytest.raises(KeyError) as expected:
        m_method_left(left, pd.DataFrame({"j": [1]}))
    with pytest.raises(KeyError) as actual:
        COMPILED[m_method_left](left, pd.DataFrame({"j": [1]}))
    assert str(actual.value) == str(expected.value)


@needs_rt
def test_kernel_rejects_bad_codes():
    with pytest.raises(ValueError):
        rust._rt.join_indexers(np.array([0, 2]), np.array([0]), 2, True)
    with pytest.raises(ValueError):
        rust._rt.join_indexers(np.array([0]), np.array([-2]), 2, False)
    with pytest.raises(ValueError):
        rust._rt.join_indexers(np.array([0]), np.array([0]), 10**15, True)  # tables sized by n
    with pytest.raises(TypeError):
        rust._rt.join_codes_str(np.array([1, 2], dtype=object), np.array(["a"], dtype=object))
    with pytest.raises(TypeError):
        rust._rt.join_codes_int64(np.array([1.0]), np.array([1]))
