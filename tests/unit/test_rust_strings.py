"""The Rust string kernels (``stratum.backends.rust.strings``) return exactly
what pandas' ``.str`` methods return (values, element types, dtype, index,
name, missing values) on object and Arrow-backed ``str`` columns, decline
only where documented, and the adapter routes ``column.str.method(...)`` to
them."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratum
import stratum.backends.rust as rust
from stratum.backends.rust.strings import ARROW_DECLINED, OBJECT_REPEATS_ONLY, kernel_result, string_method

from helpers import in_tmp, python, stratumc

needs_rt = pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")

# Characters where Python, pyarrow and naive Unicode code disagree: final
# sigma, dotted I, sharp s (upper 'SS' in Python, 'ẞ' in pyarrow), ligatures,
# whitespace that ASCII and Unicode define differently, zero-width space
# (not whitespace), astral characters.
SPECIAL = ["Σ", "ς", "σ", "İ", "ı", "ß", "ẞ", "ﬁ", "ǅ", "\u0345", "é", "e\u0301", "日本", "\U0001f600",
           "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000", "\u200b", "\u180e", "\t", "\n", "\x0b", " "]
ASCII = ["a", "A", "b", "B", "ab", "aa", "x", "AbC", " ", "  a ", "-", ".", "*", ""]
PIECES = st.one_of(st.sampled_from(ASCII), st.sampled_from(SPECIAL), st.text(max_size=3))
ELEMENTS = st.one_of(
    st.lists(PIECES, max_size=4).map("".join),
    st.sampled_from([None, np.nan]),
)

# (method, args, kwargs): every form the kernels take.
CALLS = [
    ("lower", (), {}),
    ("upper", (), {}),
    ("strip", (), {}),
    ("lstrip", (), {}),
    ("rstrip", (), {}),
    ("strip", (None,), {}),
    ("len", (), {}),
    ("contains", ("a",), {}),
    ("contains", ("a",), {"regex": False}),
    ("contains", ("Σ",), {"na": False}),
    ("contains", ("",), {"na": True}),
    ("contains", ("a.",), {"regex": False, "na": True}),
    ("contains", ("b",), {"case": True, "flags": 0, "regex": True}),
    ("startswith", ("a",), {}),
    ("startswith", ("",), {"na": False}),
    ("endswith", (" ",), {"na": True}),
    ("endswith", ("ß",), {}),
    ("replace", ("a", "ZZ"), {}),
    ("replace", ("aa", ""), {"regex": False}),
    ("replace", ("é", "e\u0301"), {}),
    ("replace", ("b", "B"), {"regex": True}),
    ("replace", ("*", "+"), {"regex": False, "n": -1, "case": True}),
]

# Forms pandas answers: arguments the kernels do not reproduce.
DECLINED_CALLS = [
    ("strip", ("a",), {}),
    ("contains", ("a.",), {}),
    ("contains", ("a",), {"case": False}),
    ("contains", ("a",), {"flags": re.IGNORECASE}),
    ("contains", ("a",), {"na": np.nan}),
    ("contains", ("a",), {"na": 1}),
    ("contains", (re.compile("a"),), {}),
    ("startswith", (("a", "b"),), {}),
    ("replace", ("a", "b"), {"n": 1}),
    ("replace", ("a", "b"), {"case": False}),
    ("replace", ("a", "\\1"), {"regex": True}),
    ("replace", ("a.", "b"), {"regex": True}),
    ("replace", ("", "b"), {}),
    ("replace", ("a", str.upper), {"regex": True}),
]


def expected_decline(series: pd.Series, method: str) -> bool:
    """Where the kernels must leave the answer to pandas for valid input:
    case mapping of non-ASCII text in Arrow columns."""
    if series.dtype == object or method not in ("lower", "upper"):
        return False
    return any(isinstance(v, str) and not v.isascii() for v in series)


def assert_identical(actual, expected) -> None:
    pd.testing.assert_series_equal(actual, expected, check_exact=True, check_index_type=True)
    # assert_series_equal treats None and NaN alike, and equal str subclasses.
    assert [type(v) for v in actual.array] == [type(v) for v in expected.array]


def check(series: pd.Series, method: str, args: tuple, kwargs: dict) -> None:
    actual = kernel_result(series.str, method, args, kwargs)
    expected = getattr(series.str, method)(*args, **kwargs)
    if expected_decline(series, method):
        assert actual is None
        return
    assert actual is not None, (method, args, kwargs, series.dtype)
    assert_identical(actual, expected)


@st.composite
def columns(draw):
    values = draw(st.lists(ELEMENTS, max_size=25))
    if values and draw(st.booleans()):
        values = values * 2  # duplicates: repeated objects take the distinct-object path
    dtype = draw(st.sampled_from(["str", object]))
    index = draw(st.sampled_from(["range", "shuffled", "labels"]))
    name = draw(st.sampled_from([None, "col", 3]))
    n = len(values)
    if index == "range":
        idx = pd.RangeIndex(n)
    elif index == "shuffled":
        idx = pd.Index(np.random.default_rng(n).permutation(n) + 7)
    else:
        idx = pd.Index([f"r{i}" for i in range(n)])
    return pd.Series(values, dtype=dtype, index=idx, name=name)


@needs_rt
@settings(deadline=None)
@given(series=columns())
def test_methods_equal_pandas(series):
    for method, args, kwargs in CALLS:
        check(series, method, args, kwargs)


@needs_rt
@pytest.mark.parametrize(
    "values",
    [[], [None], [None, np.nan], [np.nan] * 3, ["", ""], ["a", None, "a", np.nan, "A"], ["ab"] * 5000 + [None]],
    ids=["empty", "none", "none-nan", "all-nan", "empty-strings", "mixed-missing", "repeated"],
)
@pytest.mark.parametrize("dtype", ["str", object])
def test_edge_columns(values, dtype):
    series = pd.Series(values, dtype=dtype, name="s")
    for method, args, kwargs in CALLS:
        check(series, method, args, kwargs)


@needs_rt
@pytest.mark.parametrize("dtype", ["str", object])
def test_declined_arguments_answer_none(dtype):
    series = pd.Series(["a", "ab", None], dtype=dtype)
    for method, args, kwargs in DECLINED_CALLS:
        assert kernel_result(series.str, method, args, kwargs) is None, (method, args, kwargs)


@needs_rt
@pytest.mark.parametrize(
    "values",
    [["a", 1], ["a", b"b"], [b"a", b"b"], ["a", pd.NA], ["a", np.str_("B")], ["a", ["b"]], [1.5, "a"]],
    ids=["int", "bytes", "all-bytes", "pd-NA", "str-subclass", "list", "float"],
)
def test_object_columns_of_other_elements_decline(values):
    # pandas gives NaN for non-str elements, raises for bytes columns, and
    # calls the methods of str subclasses: all left to pandas.
    series = pd.Series(values, dtype=object)
    for method, args, kwargs in CALLS:
        assert kernel_result(series.str, method, args, kwargs) is None, method


@needs_rt
@pytest.mark.parametrize("dtype", ["string", pd.StringDtype("python", na_value=np.nan), "category"])
def test_other_string_dtypes_decline(dtype):
    series = pd.Series(["a", None], dtype=dtype)
    assert kernel_result(series.str, "lower") is None
    assert kernel_result(pd.Index(["a"]).str, "lower") is None


def _all_code_points() -> list[str]:
    return [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]


@needs_rt
@pytest.mark.parametrize("dtype", ["str", object])
def test_strip_whitespace_is_pythons_for_every_code_point(dtype):
    chars = _all_code_points()
    for method, values in (("rstrip", ["x" + c for c in chars]), ("lstrip", [c + "x" for c in chars])):
        series = pd.Series(values, dtype=dtype)
        actual = kernel_result(series.str, method)
        assert_identical(actual, getattr(series.str, method)())
        # And pandas' answer is Python's str.isspace, for both dtypes.
        assert (actual.str.len() == 1).sum() == sum(c.isspace() for c in chars)


@needs_rt
def test_object_case_mapping_is_pythons_for_every_code_point():
    series = pd.Series(["A" + c for c in _all_code_points()], dtype=object)
    for method in ("lower", "upper"):
        assert_identical(kernel_result(series.str, method), getattr(series.str, method)())


@needs_rt
def test_arrow_case_mapping_of_ascii_shares_offsets_and_declines_otherwise():
    series = pd.Series(["Ab", None, "cD"] * 3, dtype="str")
    result = kernel_result(series.str, "upper")
    assert_identical(result, series.str.upper())
    (before,), (after,) = series.array._pa_array.chunks, result.array._pa_array.chunks
    assert after.buffers()[1].address == before.buffers()[1].address  # offsets shared, not copied
    assert kernel_result(pd.Series(["a", "ß"], dtype="str").str, "upper") is None


@needs_rt
def test_arrow_sliced_and_chunked_columns():
    base = pd.Series(["  Ab", None, "cd  ", "é x", "", "aaa"] * 4, dtype="str")
    sliced = base.iloc[3:17]
    chunked = pd.concat([base.iloc[2:9], base.iloc[5:]])
    assert sliced.array._pa_array.chunks[0].offset > 0
    assert chunked.array._pa_array.num_chunks == 2
    for series in (sliced, chunked, pd.Series(pd.array(pa.chunked_array([], pa.large_string())), dtype="str")):
        for method, args, kwargs in CALLS:
            check(series, method, args, kwargs)


@needs_rt
def test_arrow_string_offsets():
    # Arrow `string` (int32 offsets) read the same way as `large_string`.
    array = pa.array(["Ab ", None, " é"], type=pa.string())
    from stratum.backends.rust._keys import _arrow_chunks

    class Int32Strings:
        def __arrow_array__(self):
            return pa.chunked_array([array])

    chunks = _arrow_chunks(Int32Strings())
    assert chunks[0][0].dtype == np.int32
    (offsets, data), = rust._rt.str_transform_arrow(chunks, "strip")
    assert offsets.dtype == np.int32
    stripped = pa.Array.from_buffers(pa.string(), 3, [array.buffers()[0], pa.py_buffer(offsets), pa.py_buffer(data)])
    assert stripped.to_pylist() == ["Ab", None, "é"]
    assert rust._rt.str_len_arrow(chunks, True).tolist()[::2] == [3.0, 2.0]


@needs_rt
def test_bad_input_raises():
    with pytest.raises(ValueError):
        rust._rt.str_transform_object(np.array(["a"], dtype=object), "title")
    with pytest.raises(ValueError):
        rust._rt.str_match_object(np.array(["a"], dtype=object), "find", "a")
    with pytest.raises(TypeError):
        rust._rt.str_len_object(np.array(["a", 3], dtype=object))
    with pytest.raises(TypeError):
        rust._rt.str_len_object(np.array([1, 2]))
    bad = [(np.array([0, 9], dtype=np.int64), np.frombuffer(b"ab", np.uint8), None, 0, 1)]
    with pytest.raises(ValueError):
        rust._rt.str_len_arrow(bad, False)
    split = [(np.array([0, 1], dtype=np.int64), np.frombuffer("é".encode(), np.uint8), None, 0, 1)]  # half a code point
    with pytest.raises(ValueError):
        rust._rt.str_match_arrow(split, "contains", "a", False)


@needs_rt
@pytest.mark.parametrize("kind", ["str", "object-repeated", "object-distinct"])
def test_routing_follows_the_measurements(kind):
    # Only where the kernels measured faster (docs/benchmarks.md): Arrow
    # columns not for ARROW_DECLINED, object columns of distinct objects not
    # for OBJECT_REPEATS_ONLY; the answer is the same either way.
    values = [" Ab", None, "cd ", "ab"]
    if kind == "str":
        series, declined = pd.Series(values * 3, dtype="str"), ARROW_DECLINED
    elif kind == "object-repeated":
        series, declined = pd.Series(values * 3, dtype=object), frozenset()
    else:
        series, declined = pd.Series(values, dtype=object), OBJECT_REPEATS_ONLY  # 4 distinct objects
    for method, args, kwargs in CALLS:
        routed = string_method(series.str, method, args, kwargs)
        assert (routed is None) == (method in declined), method
        if routed is not None:
            assert_identical(routed, getattr(series.str, method)(*args, **kwargs))


# Routing: compiled functions run the kernels (counted in last_run_stats).


def r_lower(s):
    return s.str.lower()


def r_len(s):
    return s.str.len()


def r_strip(s):
    return s.str.strip()


def r_contains(s):
    return s.str.contains("a", na=False)


def r_contains_regex_literal(s):
    return s.str.contains("b")


def r_startswith(s):
    return s.str.startswith("a")


def r_replace(s):
    return s.str.replace("a", "-")


def d_contains_regex(s):
    return s.str.contains("a|b")


def d_strip_chars(s):
    return s.str.strip("a")


def d_case_insensitive(s):
    return s.str.contains("a", case=False)


METHOD = {r_lower: "lower", r_len: "len", r_strip: "strip", r_contains: "contains",
          r_contains_regex_literal: "contains", r_startswith: "startswith", r_replace: "replace"}
DECLINED = [d_contains_regex, d_strip_chars, d_case_insensitive]
COMPILED = {f: stratum.compile(f) for f in [*METHOD, *DECLINED]}


@needs_rt
@pytest.mark.parametrize("dtype", ["str", object])
def test_compiled_string_methods_run_on_rust(dtype):
    # Repeated objects, so object columns take every method.
    series = pd.Series(["Ab", None, " a ", "xbx"] * 2, dtype=dtype, index=[5, 3, 1, 0, 2, 4, 6, 7], name="c")
    for fn in [*METHOD, *DECLINED]:
        assert_identical(COMPILED[fn](series), fn(series))
        on_rust = COMPILED[fn].last_run_stats["backends"].get("rust", 0)
        routed = fn in METHOD and not (dtype == "str" and METHOD[fn] in ARROW_DECLINED)
        assert on_rust == routed, fn.__name__
    # Declined at run time (non-ASCII case mapping of an Arrow column): pandas answers.
    unicode = pd.Series(["ß", "Σ"] * 2, dtype=dtype)
    assert_identical(COMPILED[r_lower](unicode), unicode.str.lower())
    assert COMPILED[r_lower].last_run_stats["backends"].get("rust", 0) == (dtype == object)


SCRIPT = """\
import numpy as np
import pandas as pd
df = pd.DataFrame({"name": ["  Alice ", "BOB", None, "carol", "Dave Smith", "Émile"],
                   "city": pd.Series(["NYC", "la", "Paris", None, "nyc", "LA"], dtype=object)})
df["name_clean"] = df["name"].str.strip().str.lower()
df["name_len"] = df["name"].str.len()
df["city_up"] = df["city"].str.upper()
df["is_a"] = df["name"].str.contains("a", na=False)
df["city_a"] = df["city"].str.contains("a")
df["starts"] = df["name_clean"].str.startswith("d")
df["ends"] = df["city"].str.endswith("C", na=False)
df["spaced"] = df["name"].str.replace(" ", "_", regex=False).str.rstrip("_")
print(df.to_string())
print(df.dtypes.to_string())
print(df["city_a"].tolist(), df["name_len"].sum())
"""


@needs_rt
def test_script_prints_the_same_under_stratumc():
    with in_tmp() as tmp:
        (tmp / "strings.py").write_text(SCRIPT)
        plan = stratumc(tmp, "--emit", "plan", "strings.py")
        assert plan.status == 0, plan.stderr
        routed = re.findall(r'backend = "rust".*\n\s*%\d+ = "df.method"\(%\d+[^)]*\) <\{method = "(\w+)"', plan.stdout)
        assert {"strip", "lower", "len", "upper", "contains", "startswith", "endswith", "replace"} <= set(routed)
        expected = python(tmp, "strings.py")
        actual = stratumc(tmp, "--run", "strings.py")
    assert expected.status == 0, expected.stderr
    assert (actual.stdout, actual.status) == (expected.stdout, expected.status)


# Not a string method: the adapter's row bound on groupby (same issue), which
# sends groupbys above groupby.MAX_ROWS rows, except median, to pandas.


def g_sum(frame):
    return frame.groupby("k")["v"].sum()


def g_median(frame):
    return frame.groupby("k")["v"].median()


COMPILED_GROUPBY = {f: stratum.compile(f) for f in (g_sum, g_median)}


@needs_rt
def test_groupby_above_the_row_bound_runs_pandas(monkeypatch):
    from stratum.backends.rust import groupby as gb

    frame = pd.DataFrame({"k": [2, 1, 2, 3, 1], "v": [1.5, np.nan, 2.0, -1.0, 4.0]})
    for bound, summed in ((len(frame), 1), (len(frame) - 1, 0)):
        monkeypatch.setattr(gb, "MAX_ROWS", bound)
        for fn, expected in ((g_sum, summed), (g_median, 1)):
            pd.testing.assert_series_equal(COMPILED_GROUPBY[fn](frame), fn(frame), check_exact=True)
            assert COMPILED_GROUPBY[fn].last_run_stats["backends"].get("rust", 0) == expected, (fn.__name__, bound)
