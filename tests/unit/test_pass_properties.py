"""Property: random column programs give the same results with and without the passes.

Programs are generated as Python source, compiled by the real frontend
(through ``@stratum.compile``) and run three ways: plain Python, Stratum with
no passes, Stratum with the default pipeline (cse, dce, fuse-elementwise and
operator selection, so fused kernels run where a backend is available).
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


FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.sampled_from([np.nan, 0.0, -0.0, 1.0, -1.5])
INTS = st.integers(min_value=-1000, max_value=1000)

leaf = st.sampled_from(['frame["a"]', 'frame["b"]', 'frame["c"]'])
# 0, 1 and 1.0 exercise simplify-elementwise's identities (and the ones it must not apply).
constant = st.sampled_from(["2", "0.5", "-3.0", "1", "0", "1.0"])


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.tuples(st.sampled_from(["np.log1p({})", "np.abs({})", "np.sqrt({})", "np.exp({})", "-({})", "({}).fillna(0.0)", "np.expm1({})", "np.floor({})"]), children)
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/", ">", "<=", "=="]), children, children | constant)
    return unary.map(lambda t: t[0].format(t[1])) | binary.map(lambda t: f"({t[1]} {t[0]} {t[2]})")


expressions = st.recursive(leaf, _extend, max_leaves=6)


def _assert_same(expected: object, actual: object) -> None:
    if isinstance(expected, tuple):
        assert actual == expected
        return
    assert isinstance(actual, list) and len(actual) == len(expected)
    for e, a in zip(expected, actual):
        pd.testing.assert_series_equal(a, e, check_exact=True)
        if e.dtype.kind == "f":
            # Bit for bit: assert_series_equal takes -0.0 == 0.0.
            ev, av = e.to_numpy(), a.to_numpy()
            both_nan = np.isnan(ev) & np.isnan(av)
            assert np.array_equal(np.signbit(ev) & ~both_nan, np.signbit(av) & ~both_nan)


@example(statements=['(frame["a"] + 0)', '(frame["b"] + 0)', '-(-(frame["a"]))', '(frame["c"] * 1.0)'], rows=([-0.0, np.nan, 1.5], [1, -2, 0], [-0.0, 2.0, np.nan]))
@given(
    statements=st.lists(expressions, min_size=1, max_size=4),
    rows=st.integers(min_value=0, max_value=40).flatmap(lambda n: st.tuples(st.lists(FLOATS, min_size=n, max_size=n), st.lists(INTS, min_size=n, max_size=n), st.lists(FLOATS, min_size=n, max_size=n))),
)
def test_passes_preserve_results(tmp_path_factory: pytest.TempPathFactory, statements: list[str], rows: tuple[list[float], list[int], list[float]]) -> None:
    a, b, c = rows
    frame = pd.DataFrame({"a": pd.Series(a, dtype="float64"), "b": pd.Series(b, dtype="int64"), "c": pd.Series(c, dtype="float64")})
    program = load_program(tmp_path_factory.mktemp("prog"), statements)
    expected = outcome(program, frame)
    with np.errstate(all="ignore"):
        # No passes, each pass alone, and the default pipeline.
        for passes in ("", "simplify-elementwise", "fuse-elementwise", "cse", "push-projection", "fast-cse", DEFAULT_PIPELINE):
            compiled = stratum.compile(program, passes=passes)
            assert compiled.not_compiled is None
            _assert_same(expected, outcome(compiled, frame))


def test_fusion_happens_on_a_chain(tmp_path: Path) -> None:
    program = load_program(tmp_path, ['np.log1p(frame["a"] * 2 + frame["c"])'])
    compiled = stratum.compile(program)
    frame = pd.DataFrame({"a": [1.0, np.nan], "b": [1, 2], "c": [0.5, 2.0]})
    _assert_same(program(frame), compiled(frame))
    plan = compiled.explain()
    assert plan.count('"df.fused"') == 1
    # Every elementwise op of the chain now lives inside the fused body.
    fused_body = plan.split('"df.fused"')[1].split('"df.yield"')[0]
    assert fused_body.count('"df.elementwise"') == plan.count('"df.elementwise"') == 3
