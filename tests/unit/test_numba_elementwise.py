"""The Numba elementwise backend against the pandas oracle: same dtype, same bits."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import textwrap
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stratum.backends.elementwise import (
    DECLINE_REASONS,
    FUNCTIONS,
    Apply,
    Const,
    ElementwiseProgram,
    Input,
    Node,
    UnsupportedProgram,
    evaluate_with_pandas,
)
from stratum.backends.numba import compile_program
from stratum.backends.numba.kernels import BLOCK, PARALLEL_MIN_ROWS

REPO = Path(__file__).resolve().parents[2]
DTYPES = ("float64", "int64", "bool", "float32", "int32")
KIND = {"float64": "f", "float32": "f", "int64": "i", "int32": "i", "bool": "b"}

# Every new program costs a Numba compile (~1 s); fixed examples keep the
# on-disk kernel cache warm from one run to the next.
PROPERTY_SETTINGS = settings(
    max_examples=max(settings.default.max_examples, 100),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def oracle(program: ElementwiseProgram, arrays: Sequence[np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_with_pandas(program, [pd.Series(a) for a in arrays]).to_numpy()


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Same dtype and values; NaN where NaN; and, unlike assert_array_equal, the sign of zeros."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_array_equal(actual, expected, strict=True)
    if actual.dtype.kind == "f":
        mismatch = (np.signbit(actual) != np.signbit(expected)) & ~np.isnan(expected)
        assert not mismatch.any(), f"signed zeros differ at {np.flatnonzero(mismatch)[:5]}"


def check(program: ElementwiseProgram, arrays: Sequence[np.ndarray]) -> None:
    assert_same(compile_program(program)(*arrays), oracle(program, arrays))


# --- random programs ---------------------------------------------------------------------

CONSTS = {
    "i": [0, 1, 2, -1, 3, 7, -4, 100, 2**31 - 1],
    "f": [0.5, -2.0, 1.5, 0.0, -0.0, 3.0, 1e-3, 1e10, math.nan, math.inf],
    "b": [True, False],
}
FLOAT_FILLS = [0, 0.5, -1.0, 2.0, 0.0]  # exactly representable in float32: fillna keeps the dtype
TRANSCENDENTAL = ["log", "log1p", "log2", "log10", "exp", "expm1", "sin", "cos", "tan", "tanh", "arctan", "sqrt"]
UNARY = {
    "b": ["neg", "abs", "invert", "isna", "notna", "square", "floor", "ceil"],
    "i": ["neg", "abs", "invert", "sign", "square", "floor", "ceil", "isna", "notna", *TRANSCENDENTAL],
    "f": ["neg", "abs", "sign", "square", "floor", "ceil", "isna", "notna", *TRANSCENDENTAL],
}
BINARY = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "eq", "ne", "lt", "le", "gt", "ge",
          "and", "or", "xor", "minimum", "maximum", "fillna"]


def promote(*kinds: str) -> str:
    return "f" if "f" in kinds else "i" if "i" in kinds else "b"


class ProgramGenerator:
    """Random well-typed DAGs: pandas accepts nearly all of them, so declines stay rare.

    ``pick`` chooses from a list and ``chance`` flips a biased coin, so the same
    generator runs under Hypothesis (which can shrink it) or a seeded Random.
    """

    def __init__(self, pick: Callable[[Sequence[Any]], Any], chance: Callable[[float], bool]) -> None:
        self.pick = pick
        self.chance = chance
        self.pool: list[tuple[Node, str]] = []

    def program(self) -> ElementwiseProgram:
        dtypes = [self.pick(DTYPES) for _ in range(self.pick([1, 2, 3]))]
        self.inputs = [(Input(k), KIND[d]) for k, d in enumerate(dtypes)]
        root, _ = self.expr(self.pick([1, 2, 3, 4, 5]), root=True)
        return ElementwiseProgram(tuple(dtypes), root)

    def const(self, kind: str) -> Const:
        return Const(self.pick(CONSTS[kind]))

    def operand(self, depth: int, kinds: str = "bif", const_chance: float = 0.35) -> tuple[Node, str]:
        if self.chance(const_chance):
            kind = self.pick(kinds)
            return self.const(kind), kind
        for _ in range(5):
            node, kind = self.expr(depth)
            if kind in kinds:
                return node, kind
        kind = self.pick(kinds)
        return self.const(kind), kind

    def expr(self, depth: int, root: bool = False) -> tuple[Node, str]:
        if not root:
            if self.pool and self.chance(0.15):  # share a subtree: the same object used twice
                return self.pick(self.pool)
            if depth <= 0 or self.chance(0.15):
                return self.pick(self.inputs)
        x, kx = self.expr(depth - 1)
        arity = self.pick([1, 2, 2, 2, 3])
        if arity == 1:
            fn = self.pick(UNARY[kx])
            result = Apply(fn, (x,)), self.unary_kind(fn, kx)
        elif arity == 2:
            result = self.binary(self.pick(BINARY), x, kx, depth)
        else:
            result = self.ternary(x, kx, depth)
        self.pool.append(result)
        return result

    @staticmethod
    def unary_kind(fn: str, kind: str) -> str:
        if fn in ("isna", "notna"):
            return "b"
        if fn in TRANSCENDENTAL:
            return "f"
        return "i" if fn == "square" and kind == "b" else kind

    def binary(self, fn: str, x: Node, kx: str, depth: int) -> tuple[Node, str]:
        if fn == "fillna":
            return Apply(fn, (x, Const(self.pick(FLOAT_FILLS)))), kx
        if fn in ("and", "or", "xor"):
            if kx == "f":  # pandas rejects bitwise ops on floats
                return Apply("isna", (x,)), "b"
            y, ky = self.operand(depth - 1, "bi")
            return Apply(fn, (x, y)), "i" if kx == ky == "i" else "b"
        if fn == "pow":
            if kx == "f":
                y, ky = (Const(self.pick([2, -1, 0.5, 3, 2.0, -0.5, 1.5])), "f") if self.chance(0.6) else self.operand(depth - 1, "f", 0)
                return Apply(fn, (x, y)), "f"
            value = self.pick([0, 1, 2, 3, 5, 0.5, 2.0])
            return Apply(fn, (x, Const(value))), "f" if isinstance(value, float) else "i"
        if fn in ("floordiv", "mod") and kx != "f":  # integer division needs a nonzero constant divisor
            return Apply(fn, (x, Const(self.pick([1, 2, 3, -1, -7, 10])))), "i"
        if fn in ("sub", "truediv") and kx == "b":
            y, ky = self.operand(depth - 1, "if")
        else:
            y, ky = self.operand(depth - 1)
        args = (y, x) if isinstance(y, Const) and self.chance(0.3) else (x, y)
        if fn in ("eq", "ne", "lt", "le", "gt", "ge"):
            return Apply(fn, args), "b"
        return Apply(fn, args), "f" if fn == "truediv" else promote(kx, ky)

    def ternary(self, x: Node, kx: str, depth: int) -> tuple[Node, str]:
        if self.chance(0.5):
            a, ka = self.operand(depth - 1)
            b, kb = self.operand(depth - 1)
            return Apply("where", (x, a, b)), promote(ka, kb)
        bounds = {"b": [True, False], "i": [-3, 0, 2, 5, 1.0], "f": [-1.5, 0.0, 0.5, 2.0, math.nan]}[kx]
        return Apply("clip", (x, Const(self.pick(bounds)), Const(self.pick(bounds)))), kx


@st.composite
def programs(draw: st.DrawFn) -> ElementwiseProgram:
    return ProgramGenerator(lambda seq: draw(st.sampled_from(list(seq))), lambda p: draw(st.integers(0, 99)) < p * 100).program()


def column_strategy(dtype: str, n: int) -> st.SearchStrategy[np.ndarray]:
    np_dtype = np.dtype(dtype)
    if np_dtype.kind == "f":
        width = np_dtype.itemsize * 8
        elements = st.one_of(
            st.floats(width=width),
            st.floats(-10, 10, width=width),
            st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 0.5, 2.0, 3.0]),
        )
    elif np_dtype.kind == "i":
        info = np.iinfo(np_dtype)
        elements = st.one_of(st.integers(-10, 10), st.integers(int(info.min), int(info.max)), st.sampled_from([int(info.min), int(info.max), 0, -1]))
    else:
        elements = st.booleans()
    return hnp.arrays(np_dtype, n, elements=elements)


@st.composite
def cases(draw: st.DrawFn) -> tuple[ElementwiseProgram, list[np.ndarray]]:
    program = draw(programs())
    n = draw(st.sampled_from([0, 1, 2, 3, 8, 17, 40]))
    arrays = [draw(column_strategy(dtype, n)) for dtype in program.input_dtypes]
    if n and draw(st.integers(0, 9)) == 0:  # several blocks and a ragged tail
        arrays = [np.tile(a, 2 * BLOCK // n + 3)[: 2 * BLOCK + 77] for a in arrays]
    return program, arrays


@PROPERTY_SETTINGS
@given(case=cases())
def test_random_programs_match_pandas(case: tuple[ElementwiseProgram, list[np.ndarray]]) -> None:
    program, arrays = case
    try:
        kernel = compile_program(program)
    except UnsupportedProgram as exc:
        assert exc.reason in DECLINE_REASONS
        return
    assert_same(kernel(*arrays), oracle(program, arrays))


def test_declines_are_a_small_minority() -> None:
    rng = random.Random(1234)
    reasons: Counter[str] = Counter()
    total = 400
    for _ in range(total):
        program = ProgramGenerator(rng.choice, lambda p: rng.random() < p).program()
        try:
            compile_program(program)  # generates and imports; Numba compiles on first call
        except UnsupportedProgram as exc:
            reasons[exc.reason] += 1
    assert set(reasons) <= set(DECLINE_REASONS)
    assert sum(reasons.values()) <= 0.1 * total, reasons


# --- every function ----------------------------------------------------------------------

SPECIAL_FLOATS = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.0, 7.0, 1e-310, -1e300, 1e300,
                           np.nan, np.inf, -np.inf, 0.1, 100.0, -7.0, 2.5])
SPECIAL_INTS = np.array([0, 1, -1, 2, -2, 3, 7, -7, 100, 2**31 - 1, -(2**31), 2**62, -(2**63), 2**63 - 1, 2**32, -(2**16), 10, 11, -100, 4])
SPECIAL_BOOLS = np.array([True, False] * 10)


def sample(dtype: str, shift: int = 0) -> np.ndarray:
    base = {"f": SPECIAL_FLOATS, "i": SPECIAL_INTS, "b": SPECIAL_BOOLS}[KIND[dtype]]
    with np.errstate(over="ignore"):
        return np.roll(base, shift).astype(dtype)


def pairs(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs of the specials, so every combination (0/0, inf-inf, ...) occurs."""
    a = sample(dtype)
    return np.repeat(a, len(a)), np.tile(a, len(a))


UNARY_CASES = [(fn, dtype) for fn, arity in FUNCTIONS.items() if arity == 1 for dtype in DTYPES]
BINARY_FNS = [fn for fn, arity in FUNCTIONS.items() if arity == 2 and fn != "fillna"]


@pytest.mark.parametrize(("fn", "dtype"), UNARY_CASES)
def test_unary_function(fn: str, dtype: str) -> None:
    program = ElementwiseProgram((dtype,), Apply(fn, (Input(0),)))
    try:
        kernel = compile_program(program)
    except UnsupportedProgram as exc:
        # pandas rejects these (~float, sign(bool)) or numpy computes them in float16
        assert (fn, KIND[dtype]) in {("invert", "f"), ("sign", "b")} or exc.reason == "dtype", exc
        return
    a = sample(dtype)
    assert_same(kernel(a), oracle(program, [a]))


@pytest.mark.parametrize("fn", BINARY_FNS)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int64", "float64"), ("bool", "bool"), ("int32", "int32"), ("int64", "int32")])
def test_binary_function_of_columns(fn: str, dtypes: tuple[str, str]) -> None:
    program = ElementwiseProgram(dtypes, Apply(fn, (Input(0), Input(1))))
    a, b = pairs(dtypes[0])[0], pairs(dtypes[1])[1]
    try:
        kernel = compile_program(program)
    except UnsupportedProgram as exc:
        kinds = {KIND[d] for d in dtypes}
        expected = {
            "invalid-program",  # bool - bool, bool / bool, float & float...
            "data-dependent-dtype",  # int // int column, int ** int column, float32 // by 0
            "unsupported-operand",  # bitwise ops with floats
        }
        assert exc.reason in expected, exc
        assert fn in ("sub", "truediv", "floordiv", "mod", "pow", "and", "or", "xor") or kinds == {"b"}, exc
        return
    assert_same(kernel(a, b), oracle(program, [a, b]))


COMMUTATIVE = {"add", "mul", "eq", "ne", "and", "or", "xor", "minimum", "maximum"}
CONSTANT_CASES = [
    (fn, const_first)
    for fn in BINARY_FNS
    for const_first in ([False] if fn in COMMUTATIVE else [False, True])
]


@pytest.mark.parametrize(("fn", "const_first"), CONSTANT_CASES)
@pytest.mark.parametrize("value", [2, 2.0, -1, 0.5, -0.0, 1e-3, math.nan, math.inf, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_function_with_constant(fn: str, value: Any, dtype: str, const_first: bool) -> None:
    args = (Const(value), Input(0)) if const_first else (Input(0), Const(value))
    program = ElementwiseProgram((dtype,), Apply(fn, args))
    try:
        kernel = compile_program(program)
    except UnsupportedProgram as exc:
        assert exc.reason in {"invalid-program", "data-dependent-dtype"}, exc
        return
    a = sample(dtype)
    assert_same(kernel(a), oracle(program, [a]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", [0, 0.5, -1.5, 2, True, math.nan, 1e300, 0.1])
def test_fillna(dtype: str, value: Any) -> None:
    program = ElementwiseProgram((dtype,), Apply("fillna", (Input(0), Const(value))))
    try:
        kernel = compile_program(program)
    except UnsupportedProgram as exc:
        # float32 cannot hold 0.1 or 1e300 exactly, float cannot hold True: pandas upcasts where NaN
        assert exc.reason == "data-dependent-dtype" and KIND[dtype] == "f", exc
        return
    a = sample(dtype)
    assert_same(kernel(a), oracle(program, [a]))


def test_fillna_from_column() -> None:
    program = ElementwiseProgram(("float64", "float64"), Apply("fillna", (Input(0), Input(1))))
    a, b = pairs("float64")
    check(program, [a, b])
    with pytest.raises(UnsupportedProgram) as info:
        compile_program(ElementwiseProgram(("float32", "float64"), Apply("fillna", (Input(0), Input(1)))))
    assert info.value.reason in {"unsupported-operand", "data-dependent-dtype"}


@pytest.mark.parametrize("dtypes", [("bool", "float64", "int64"), ("float64", "int32", "float32"), ("int64", "bool", "bool"), ("float32", "float32", "int64")])
def test_where(dtypes: tuple[str, str, str]) -> None:
    program = ElementwiseProgram(dtypes, Apply("where", (Input(0), Input(1), Input(2))))
    arrays = [sample(d, shift) for shift, d in enumerate(dtypes)]
    check(program, arrays)
    with_consts = ElementwiseProgram(dtypes[:1], Apply("where", (Input(0), Const(1), Const(-2.5))))
    check(with_consts, arrays[:1])


@pytest.mark.parametrize(
    ("dtype", "lower", "upper"),
    [("float64", 0.0, 1.0), ("float64", 2.0, -1.0), ("float64", math.nan, 0.5), ("float64", -0.0, math.inf),
     ("float32", -1.5, 2.5), ("int64", -3, 5), ("int32", 0, 2**31 - 1), ("int64", 1.0, 3), ("bool", False, True),
     ("float64", 1, math.nan)],
)
def test_clip(dtype: str, lower: Any, upper: Any) -> None:
    check(ElementwiseProgram((dtype,), Apply("clip", (Input(0), Const(lower), Const(upper)))), [sample(dtype)])


def test_clip_declines_what_pandas_upcasts_or_columns() -> None:
    with pytest.raises(UnsupportedProgram) as info:
        compile_program(ElementwiseProgram(("int64",), Apply("clip", (Input(0), Const(0.5), Const(3)))))
    assert info.value.reason == "data-dependent-dtype"
    with pytest.raises(UnsupportedProgram) as info:
        compile_program(ElementwiseProgram(("float64", "float64"), Apply("clip", (Input(0), Input(1), Const(3.0)))))
    assert info.value.reason == "unsupported-operand"


def test_integer_edge_cases_wrap_like_numpy() -> None:
    x = Input(0)
    # Numba marks signed arithmetic no-overflow; LLVM would fold `x * x != 0` to `x != 0`.
    overflow_tests = [Apply("ne", (Apply("square", (x,)), Const(0))), Apply("ne", (Apply("mul", (x, x)), Const(0))),
                      Apply("gt", (Apply("add", (x, Const(1))), x)), Apply("lt", (Apply("sub", (x, Const(1))), x))]
    for root in [Apply("neg", (x,)), Apply("abs", (x,)), Apply("floordiv", (x, Const(-1))), Apply("mod", (x, Const(-1))),
                 Apply("mul", (x, Const(3))), Apply("pow", (x, Const(3))), Apply("square", (x,)), Apply("add", (x, Const(2**31 - 1))),
                 *overflow_tests]:
        for dtype in ("int64", "int32"):
            check(ElementwiseProgram((dtype,), root), [sample(dtype)])


@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_small_integer_dtypes(dtype: str) -> None:
    info = np.iinfo(dtype)
    a = np.array([info.min, info.max, 0, 1, -1, 7, -7, 100 % info.max], dtype=dtype)
    b = np.roll(a, 3)
    x, y = Input(0), Input(1)
    for root in [Apply("add", (x, y)), Apply("mul", (x, y)), Apply("neg", (x,)), Apply("abs", (x,)), Apply("sub", (x, Const(1))),
                 Apply("floordiv", (x, Const(-3))), Apply("mod", (x, Const(5))), Apply("square", (x,)), Apply("pow", (x, Const(3))),
                 Apply("truediv", (x, y)), Apply("lt", (x, Const(-2))), Apply("and", (x, y)), Apply("maximum", (x, y))]:
        check(ElementwiseProgram((dtype, dtype), root), [a, b])


def test_float_pow_fast_paths() -> None:
    # numpy computes ndarray ** 2 / ** -1 / ** 0.5 with square / reciprocal / sqrt, which
    # differ from pow() at -0.0 and -inf; ** 2.0 and ** -1.0 take the pow loop.
    a = np.array([-0.0, 0.0, -np.inf, np.inf, np.nan, 4.0, -4.0, 1e-320, 3.3])
    for exponent in (2, -1, 0.5, 2.0, -1.0, 3, 0.25):
        check(ElementwiseProgram(("float64",), Apply("pow", (Input(0), Const(exponent)))), [a])


def test_transcendentals_bitwise_on_many_values() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.standard_normal(50_000) * 5, np.exp(rng.uniform(-700, 700, 50_000)), SPECIAL_FLOATS])
    for fn in ("log", "log1p", "log2", "log10", "exp", "expm1", "sin", "cos", "tan", "tanh", "arctan"):
        for dtype in ("float64", "float32"):
            with np.errstate(over="ignore"):
                a = values.astype(dtype)
            check(ElementwiseProgram((dtype,), Apply(fn, (Input(0),))), [a])
    a, b = values[:50_000], values[-50_000:] / 1e3
    check(ElementwiseProgram(("float64", "float64"), Apply("pow", (Input(0), Input(1)))), [a, b])


# --- kernel structure: blocks, parallel path, sharing, empty input --------------------------

def test_parallel_blocked_kernels() -> None:
    n = PARALLEL_MIN_ROWS * 3 + 5
    rng = np.random.default_rng(1)
    a = rng.standard_normal(n)
    a[::11] = np.nan
    b = rng.integers(-5, 5, n)
    x, y = Input(0), Input(1)
    shifted = Apply("add", (Apply("mul", (x, Const(2))), y))
    roots = [
        shifted,  # flat kernel
        Apply("log1p", (x,)),  # the loop reads the input column and writes the output directly
        Apply("gt", (Apply("fillna", (Apply("log1p", (shifted,)), Const(0))), Const(3))),
        Apply("exp", (Apply("tanh", (Apply("log", (shifted,)),)),)),  # loops feeding loops
        Apply("where", (Apply("gt", (x, Const(0))), Apply("pow", (x, Const(1.5))), Apply("sin", (y,)))),
    ]
    for root in roots:
        program = ElementwiseProgram(("float64", "int64"), root)
        kernel = compile_program(program)
        assert_same(kernel(a, b), oracle(program, [a, b]))
        small = slice(0, 1000)
        assert_same(kernel(a[small], b[small]), oracle(program, [a[small], b[small]]))


def test_empty_input() -> None:
    for dtype in DTYPES:
        program = ElementwiseProgram((dtype,), Apply("lt", (Apply("abs", (Input(0),)), Const(1))))
        a = np.empty(0, dtype=dtype)
        check(program, [a])
    check(ElementwiseProgram(("float64",), Apply("log1p", (Input(0),))), [np.empty(0)])


def test_shared_subtrees_are_computed_once_and_keyed_structurally() -> None:
    x = Input(0)
    shared = Apply("log1p", (Apply("mul", (x, Const(2.0))),))
    program = ElementwiseProgram(("float64",), Apply("add", (shared, shared)))
    copy = ElementwiseProgram(("float64",), Apply("add", (Apply("log1p", (Apply("mul", (x, Const(2.0))),)),) * 2))
    assert program.key() == copy.key()
    assert [type(s.node).__name__ for s in program.steps].count("Apply") == 3
    assert compile_program(program) is compile_program(copy)
    check(program, [SPECIAL_FLOATS])


def test_deep_shared_dag() -> None:
    node: Node = Input(0)
    for _ in range(60):  # 2**60 paths: anything that walks paths instead of nodes never returns
        node = Apply("add", (Apply("mul", (node, Const(0.5))), node))
    program = ElementwiseProgram(("float64",), node)
    assert len(program.steps) == 2 + 60 * 2
    check(program, [SPECIAL_FLOATS])


def test_key_distinguishes_constants_and_dtypes() -> None:
    keys = {
        ElementwiseProgram((dtype,), Apply("add", (Input(0), Const(value)))).key()
        for dtype in ("float64", "float32") for value in (1, 1.0, True, 0.0, -0.0, math.nan)
    }
    assert len(keys) == 12
    assert ElementwiseProgram(("f8",), Input(0)).key() == ElementwiseProgram(("float64",), Input(0)).key()


def test_identity_and_noncontiguous_input() -> None:
    program = ElementwiseProgram(("float64",), Input(0))
    a = np.arange(20.0)[::2]
    check(program, [a])
    check(ElementwiseProgram(("float64",), Apply("exp", (Input(0),))), [a])


def test_kernel_checks_arguments() -> None:
    kernel = compile_program(ElementwiseProgram(("float64", "int64"), Apply("add", (Input(0), Input(1)))))
    with pytest.raises(TypeError):
        kernel(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError):
        kernel(np.zeros(3), np.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError):
        kernel(np.zeros(3))
    a, b = np.arange(3.0), np.arange(3)
    out = np.empty(3)
    assert kernel(a, b, out=out) is out
    assert_same(out, oracle(kernel.program, [a, b]))
    with pytest.raises(TypeError):
        kernel(a, b, out=np.empty(3, dtype=np.float32))
    with pytest.raises(ValueError):
        kernel(a, b, out=a)


# --- declines ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("dtypes", "root", "reason"),
    [
        (("int64", "int64"), Apply("floordiv", (Input(0), Input(1))), "data-dependent-dtype"),
        (("int64", "int64"), Apply("mod", (Input(0), Input(1))), "data-dependent-dtype"),
        (("int64",), Apply("floordiv", (Input(0), Const(0))), "data-dependent-dtype"),
        (("int64", "int64"), Apply("pow", (Input(0), Input(1))), "data-dependent-dtype"),
        (("int64",), Apply("pow", (Input(0), Const(-2))), "invalid-program"),
        (("bool", "bool"), Apply("sub", (Input(0), Input(1))), "invalid-program"),
        (("object",), Apply("add", (Input(0), Const(1))), "dtype"),
        (("Int64",), Apply("add", (Input(0), Const(1))), "dtype"),
        (("datetime64[ns]",), Apply("isna", (Input(0),)), "dtype"),
        (("uint8",), Apply("add", (Input(0), Const(1))), "dtype"),
        (("bool",), Apply("log", (Input(0),)), "dtype"),  # numpy computes it in float16
        (("float64",), Apply("add", (Input(0), Apply("neg", (Const(1),)))), "const-subexpression"),
        (("float64",), Const(1.0), "const-subexpression"),
        (("int32",), Apply("lt", (Input(0), Const(2**40))), "const-out-of-range"),
        (("float64",), Apply("fillna", (Input(0), Const(True))), "data-dependent-dtype"),  # object where NaN
    ],
)
def test_documented_declines(dtypes: tuple[str, ...], root: Node, reason: str) -> None:
    with pytest.raises(UnsupportedProgram) as info:
        compile_program(ElementwiseProgram(dtypes, root))
    assert info.value.reason == reason, info.value


# --- disk cache -------------------------------------------------------------------------

CACHE_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    from stratum.backends.elementwise import Apply, Const, ElementwiseProgram, Input
    from stratum.backends.numba import compile_program

    x = Input(0)
    program = ElementwiseProgram(("float64",), Apply("gt", (Apply("log1p", (Apply("mul", (x, Const(3.5))),)), Const(1.0))))
    kernel = compile_program(program)
    kernel(np.linspace(-1, 5, 100))
    stats = kernel.serial.stats
    print(json.dumps({"hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values()),
                      "source": str(kernel.source_path)}))
    """
)


def test_second_process_loads_kernel_from_disk(tmp_path: Path) -> None:
    env = {**os.environ, "STRATUM_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    env.pop("NUMBA_CACHE_DIR", None)
    runs = [json.loads(subprocess.run([sys.executable, "-c", CACHE_SCRIPT], env=env, check=True, capture_output=True, text=True).stdout)
            for _ in range(2)]
    assert runs[0]["misses"] == 1 and runs[0]["hits"] == 0
    assert runs[1]["hits"] == 1 and runs[1]["misses"] == 0
    source = Path(runs[0]["source"])
    assert source.parent == tmp_path / "numba" and oct(source.parent.stat().st_mode & 0o777) == "0o700"
    assert list((source.parent / "__pycache__").glob(f"{source.stem}.kernel_serial-*.nbi"))
