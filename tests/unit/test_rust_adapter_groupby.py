"""``frame.groupby(key)[col]`` aggregations and transforms routed to the Rust
kernels by the adapter equal the reference backend bit for bit, and every
setting the kernels do not reproduce runs the reference backend."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratum
import stratum.backends.rust as rust
from stratum.backends.rust import groupby as gb

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")


def g_mean(frame):
    return frame.groupby("k")["v"].mean()


def g_sum(frame):
    return frame.groupby("k")["v"].sum()


def g_count(frame):
    return frame.groupby("k")["v"].count()


def g_size(frame):
    return frame.groupby("k")["v"].size()


def g_min(frame):
    return frame.groupby("k")["v"].min()


def g_max(frame):
    return frame.groupby("k")["v"].max()


def g_std(frame):
    return frame.groupby("k")["v"].std()


def g_median(frame):
    return frame.groupby("k")["v"].median()


def g_agg_mean(frame):
    return frame.groupby("k")["v"].agg("mean")


def g_aggregate_std(frame):
    return frame.groupby("k")["v"].aggregate("std")


def t_median(frame):
    return frame.groupby("k")["v"].transform("median")


def t_mean(frame):
    return frame.groupby("k")["v"].transform("mean")


def t_sum(frame):
    return frame.groupby("k")["v"].transform("sum")


def t_count(frame):
    return frame.groupby("k")["v"].transform("count")


# The kernel function each routed shape runs.
FN = {f: f.__name__.split("_")[-1] for f in (g_mean, g_sum, g_count, g_size, g_min, g_max, g_std, g_median, t_median,
                                             t_mean, t_sum, t_count)}
FN.update({g_agg_mean: "mean", g_aggregate_std: "std"})

ROUTED = [g_mean, g_sum, g_count, g_size, g_min, g_max, g_std, g_median, g_agg_mean, g_aggregate_std,
          t_median, t_mean, t_sum, t_count]


def d_sort_false(frame):
    return frame.groupby("k", sort=False)["v"].mean()


def d_dropna_false(frame):
    return frame.groupby("k", dropna=False)["v"].sum()


def d_as_index_false(frame):
    return frame.groupby("k", as_index=False)["v"].mean()


def d_list_key(frame):
    return frame.groupby(["k"])["v"].max()


def d_ddof(frame):
    return frame.groupby("k")["v"].std(ddof=0)


def d_min_count(frame):
    return frame.groupby("k")["v"].sum(min_count=1)


def d_callable(frame):
    return frame.groupby("k")["v"].agg(np.mean)


def d_prod(frame):
    return frame.groupby("k")["v"].agg("prod")


def d_two_keys(frame):
    return frame.groupby(["k", "w"])["v"].mean()


def d_frame_groupby(frame):
    return frame.groupby("k")[["v"]].mean()


DECLINED = [d_sort_false, d_dropna_false, d_as_index_false, d_list_key, d_ddof, d_min_count, d_callable, d_prod,
            d_two_keys, d_frame_groupby]

COMPILED = {f: stratum.compile(f) for f in ROUTED + DECLINED}

KEYS = {
    "int64": st.integers(-3, 3),
    "float64": st.sampled_from([0.0, -0.0, 1.5, -2.0, math.inf, math.nan]),
    "str": st.one_of(st.sampled_from(["", "a", "b", "B", "é", "日本", "\U0001f600", None]), st.text(max_size=3)),
}
FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.1, -2.5, 1e16, math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)
INTS = st.one_of(st.integers(-5, 5), st.integers(-(2**62), 2**62))


@st.composite
def frames(draw):
    kind = draw(st.sampled_from(sorted(KEYS)))
    n = draw(st.integers(0, 30))
    keys = draw(st.lists(KEYS[kind], min_size=n, max_size=n))
    if kind == "str":
        keys = pd.Series(keys, dtype=draw(st.sampled_from(["str", object])))
    else:
        keys = pd.Series(keys, dtype=kind)
    if draw(st.booleans()):
        values = pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=np.float64)
    else:
        values = pd.Series(draw(st.lists(INTS, min_size=n, max_size=n)), dtype=np.int64)
    index = draw(st.sampled_from(["range", "shuffled", "duplicated"]))
    frame = pd.DataFrame({"k": keys, "v": values, "w": np.arange(n) % 2})
    if index == "shuffled":
        frame.index = np.random.default_rng(n).permutation(n) + 10
    elif index == "duplicated":
        frame.index = np.arange(n) // 2
    return frame


def assert_bitwise(actual, expected) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(actual, expected, check_exact=True)
        return
    pd.testing.assert_series_equal(actual, expected, check_exact=True, check_index_type=True)
    if expected.dtype.kind == "f":
        a, b = actual.to_numpy(), expected.to_numpy()
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))


def mixed_zeros(values: pd.Series) -> bool:
    array = values.to_numpy()
    signs = np.signbit(array[array == 0])
    return bool(signs.any() and not signs.all())


@needs_rt
@settings(deadline=None, max_examples=60)
@given(frame=frames())
def test_routed_groupbys_equal_reference(frame):
    for fn in ROUTED:
        compiled = COMPILED[fn]
        assert_bitwise(compiled(frame), fn(frame))
        on_rust = compiled.last_run_stats["backends"].get("rust", 0)
        assert on_rust == (0 if gb.declines(frame["k"], frame["v"], FN[fn]) else 1), fn.__name__


@needs_rt
@settings(deadline=None, max_examples=20)
@given(frame=frames())
def test_other_settings_run_the_reference(frame):
    for fn in DECLINED:
        compiled = COMPILED[fn]
        assert_bitwise(compiled(frame), fn(frame))
        assert compiled.last_run_stats["backends"].get("rust", 0) == 0, fn.__name__


@needs_rt
@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"k": pd.Series([], dtype="str"), "v": pd.Series([], dtype=np.float64)}),
        pd.DataFrame({"k": pd.Series([None, None], dtype="str"), "v": [1.0, 2.0]}),
        pd.DataFrame({"k": [math.nan, math.nan], "v": [1, 2]}),
        pd.DataFrame({"k": ["a", "a"], "v": [math.nan, math.nan]}),
    ],
    ids=["empty", "all-null-keys", "all-nan-float-keys", "all-null-values"],
)
def test_edge_frames(frame):
    for fn in ROUTED:
        assert_bitwise(COMPILED[fn](frame), fn(frame))
        expected = 0 if gb.declines(frame["k"], frame["v"], FN[fn]) else 1
        assert COMPILED[fn].last_run_stats["backends"].get("rust", 0) == expected, fn.__name__


@needs_rt
def test_sorted_groups_follow_pandas_reduceat_path():
    # pandas sums sorted NaN-free groups with ufunc.reduceat, not Kahan.
    frame = pd.DataFrame({"k": [1, 1, 2, 2], "v": [0.1, 0.2, 1e16, 1.0]})
    for fn in ROUTED:
        assert_bitwise(COMPILED[fn](frame), fn(frame))
        on_rust = COMPILED[fn].last_run_stats["backends"].get("rust", 0)
        assert on_rust == (0 if FN[fn] in gb.REDUCEAT else 1), fn.__name__


@needs_rt
@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"k": pd.Series(["a", "b"], dtype="category"), "v": [1.0, 2.0]}),
        pd.DataFrame({"k": ["a", "b"], "v": [True, False]}),
        pd.DataFrame({"k": ["a", "b"], "v": np.array([1, 2], dtype=np.int32)}),
        pd.DataFrame({"k": pd.Series(["a", None], dtype="string"), "v": [1.0, 2.0]}),
        pd.DataFrame({"k": pd.Series([1, "b"], dtype=object), "v": [1.0, 2.0]}),
    ],
    ids=["category-keys", "bool-values", "int32-values", "na-strings", "mixed-object-keys"],
)
def test_unsupported_dtypes_run_the_reference(frame):
    for fn in (g_mean, g_sum, t_mean):
        assert_bitwise(COMPILED[fn](frame), fn(frame))
        assert COMPILED[fn].last_run_stats["backends"].get("rust", 0) == 0, fn.__name__


@needs_rt
@pytest.mark.parametrize("values", [[0.0, -0.0], [-0.0, 0.0, 1.0], [np.nan, 0.0, -0.0]])
def test_mixed_zero_extremes_run_the_reference(values):
    # pandas' own min/max pick either zero depending on NaNs and group count.
    frame = pd.DataFrame({"k": [1] * len(values), "v": values})
    for fn in (g_min, g_max, g_median):
        assert_bitwise(COMPILED[fn](frame), fn(frame))
        assert COMPILED[fn].last_run_stats["backends"].get("rust", 0) == 0, fn.__name__


@needs_rt
def test_errors_are_pandas_errors():
    frame = pd.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0]})

    def missing(frame):
        return frame.groupby("k")["nope"].mean()

    with pytest.raises(KeyError) as expected:
        missing(frame)
    with pytest.raises(KeyError) as actual:
        stratum.compile(missing)(frame)
    assert str(actual.value) == str(expected.value)
