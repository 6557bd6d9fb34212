"""Properties of fold-constants and drop-redundant-casts: random programs give
the same results (values, types, exceptions) with and without them.

Programs go through the real frontend (``@stratum.compile``). The frontend
folds literal expressions itself, so the scalar programs start from lengths of
lists it resolves from the frame's schema (``len(cols)``): those are folded
only in the IR, by fold-constants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import stratum
from stratum.passes import DEFAULT_PIPELINE

from helpers import load_program, outcome


# `n`, `m` and `k` are lengths known only once the frame's schema is: 0 included
# (`x / (n - m)` and `x % n` can raise ZeroDivisionError); `k` is at least 1.
scalar_leaf = st.sampled_from(["n", "m", "k", "k", "2", "0", "-3", "0.5", "-0.0", "1e308", "True", "'ab'"])


def _scalar_extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.tuples(st.sampled_from(["-({})", "+({})", "(not {})", "~({})"]), children)
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "<", "==", "!=", "&", "|", "^"]), children, children)
    return unary.map(lambda t: t[0].format(t[1])) | binary.map(lambda t: f"({t[1]} {t[0]} {t[2]})")


_expressions = st.recursive(scalar_leaf, _scalar_extend, max_leaves=5)
# An f-string around an expression (not nested: Python 3.11 cannot reuse the quotes).
_fstrings = st.tuples(st.sampled_from(['f"{{{}!r}}"', 'f"<{{{}:.3f}}>"', 'f"{{{}:>6}}|"', 'f"{{{}}}"']), _expressions).map(lambda t: t[0].format(t[1]))
scalar_expressions = _expressions | _fstrings


def _same_scalar(expected: object, actual: object) -> None:
    # repr tells 1 from 1.0 and True, -0.0 from 0.0, and shows NaN.
    assert type(actual) is type(expected)
    assert repr(actual) == repr(expected)


def _same_series(expected: pd.Series, actual: pd.Series) -> None:
    pd.testing.assert_series_equal(actual, expected, check_exact=True)
    assert repr(actual.dtype) == repr(expected.dtype)  # the string storage too
    if expected.dtype.kind == "f":
        ev, av = expected.to_numpy(), actual.to_numpy()
        both_nan = np.isnan(ev) & np.isnan(av)
        assert np.array_equal(np.signbit(ev) & ~both_nan, np.signbit(av) & ~both_nan)


def _assert_same(expected: object, actual: object) -> None:
    if isinstance(expected, tuple):
        assert actual == expected
        return
    assert isinstance(actual, list) and len(actual) == len(expected)
    for e, a in zip(expected, actual):
        if isinstance(e, pd.Series):
            assert isinstance(a, pd.Series)
            _same_series(e, a)
        else:
            _same_scalar(e, a)


DTYPES = st.sampled_from(["float64", "int64", "bool", "str"])


def _column_values(dtype: str, rows: int) -> st.SearchStrategy[pd.Series]:
    if dtype == "float64":
        values = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([np.nan, -0.0])
    elif dtype == "int64":
        values = st.integers(-(2**63), 2**63 - 1)
    elif dtype == "bool":
        values = st.booleans()
    else:
        values = st.sampled_from(["a", "", "nan", "Zz"]) | st.none()
    return st.lists(values, min_size=rows, max_size=rows).map(lambda v: pd.Series(v, dtype=dtype))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """1 to 4 columns of random dtypes (NaN, None, -0.0, extreme ints), 0 to 6 rows."""
    dtypes = draw(st.lists(DTYPES, min_size=1, max_size=4))
    rows = draw(st.integers(0, 6))
    return pd.DataFrame({f"c{i}": draw(_column_values(d, rows)) for i, d in enumerate(dtypes)})


PIPELINES = ("fold-constants", "drop-redundant-casts", DEFAULT_PIPELINE)


@example(statements=["-(k)", "(not k)", "~(k)", "(k ** -2)", "(k // 0.5)"], dtypes=["str"])
@example(statements=["(n / (n - m))", "(1e308 * (n + 10))", 'f"{(-0.0 * n)!r}"', "~(n < m)", "('ab' * n)"], dtypes=["float64", "int64"])
@given(statements=st.lists(scalar_expressions, min_size=1, max_size=4), dtypes=st.lists(DTYPES, min_size=1, max_size=4))
def test_fold_constants_preserves_results(tmp_path_factory: pytest.TempPathFactory, statements: list[str], dtypes: list[str]) -> None:
    frame = pd.DataFrame({f"c{i}": pd.Series([], dtype=d) for i, d in enumerate(dtypes)})
    prologue = [
        'floats = [c for c in frame.columns if frame[c].dtype == "float64"]',
        "n = len(floats)",
        "m = len([c for c in frame.columns if frame[c].dtype != \"float64\"])",
        "k = len([c for c in frame.columns])",
    ]
    program = load_program(tmp_path_factory.mktemp("prog"), statements, prologue)
    expected = outcome(program, frame)
    for passes in PIPELINES:
        compiled = stratum.compile(program, passes=passes)
        assert compiled.not_compiled is None
        _assert_same(expected, outcome(compiled, frame))


TARGETS = ["str", '"str"', "int", '"int64"', "np.int64", "float", '"float64"', "np.float64", "bool", '"bool"', "np.bool_", '"int32"', "object", '"category"']


_EXAMPLE = pd.DataFrame({
    "c0": pd.Series(["a", None, "nan"], dtype="str"),
    "c1": pd.Series([2**63 - 1, 0, -1], dtype="int64"),
    "c2": pd.Series([-0.0, np.nan, np.inf], dtype="float64"),
    "c3": pd.Series([True, False, True], dtype="bool"),
})


@example(casts=[(0, "str"), (1, "int"), (2, "float"), (3, "bool"), (0, '"str"'), (2, '"int64"')], frame=_EXAMPLE)
@example(casts=[(0, "str"), (1, "np.int64")], frame=_EXAMPLE.iloc[:0])
@given(casts=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(TARGETS)), min_size=1, max_size=4), frame=frames())
def test_drop_redundant_casts_preserves_results(tmp_path_factory: pytest.TempPathFactory, casts: list[tuple[int, str]], frame: pd.DataFrame) -> None:
    names = list(frame.columns)
    # A cast, used on: its column and the cast side by side (as values), and
    # arithmetic or string ops after it, so both go on being computed.
    statements = []
    for index, target in casts:
        column = f'frame["c{index % len(names)}"]'
        statements.append(f"{column}.astype({target})")
        statements.append(column)
    program = load_program(tmp_path_factory.mktemp("prog"), statements)
    expected = outcome(program, frame)
    for passes in PIPELINES:
        compiled = stratum.compile(program, passes=passes)
        assert compiled.not_compiled is None
        _assert_same(expected, outcome(compiled, frame))


def test_casts_are_dropped_and_constants_folded(tmp_path: Path) -> None:
    """The rewrites do happen on the frontend's IR (the properties above would pass without them)."""
    program = load_program(
        tmp_path,
        ['f"{n} string columns"', 'frame["s"].astype(str)', 'frame["i"].astype("int64")', "n / (n - 1)"],
        ["cols = [c for c in frame.columns if frame[c].dtype == 'str']", "n = len(cols)"],
    )
    frame = pd.DataFrame({"s": pd.Series(["a", None], dtype="str"), "i": [1, 2]})
    compiled = stratum.compile(program, passes="drop-redundant-casts,fold-constants")
    _assert_same(outcome(program, frame), outcome(compiled, frame))
    plan = compiled.explain()
    assert '"astype"' not in plan
    assert '"builtins.len"' not in plan and '"python.format"' not in plan
    assert 'value = "1 string columns"' in plan
    # n / (n - 1) divides by zero: left to raise at run time.
    assert '<{op = "truediv"}>' in plan


def test_casts_inside_containers_stay_distinct(tmp_path: Path) -> None:
    """Copying a container for opaque code keeps the aliasing inside it: a cast
    held in one must stay a separate object, or mutating it changes its column."""
    program = load_program(tmp_path, ["s.iloc[0]", "t.iloc[0]"], ['s = frame["s"]', "t = s.astype(str)", "pair = [s, t]", 'pair[1].iloc[0] = "zz"'])
    frame = pd.DataFrame({"s": pd.Series(["a", "b"], dtype="str")})
    for passes in PIPELINES:
        compiled = stratum.compile(program, passes=passes)
        assert compiled.not_compiled is None
        _assert_same(["a", "zz"], outcome(compiled, frame))


def test_simplified_columns_inside_containers_stay_distinct(tmp_path: Path) -> None:
    """The same for simplify-elementwise's identities (``s * 1`` is ``s``)."""
    program = load_program(tmp_path, ["s.iloc[0]", "t.iloc[0]"], ['s = frame["x"]', "t = s * 1", "pair = [s, t]", "pair[1].iloc[0] = 99.0"])
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    for passes in ("simplify-elementwise", DEFAULT_PIPELINE):
        compiled = stratum.compile(program, passes=passes)
        assert compiled.not_compiled is None
        assert [float(v) for v in outcome(compiled, frame)] == [1.0, 99.0]
