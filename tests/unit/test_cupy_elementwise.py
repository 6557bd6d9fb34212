"""The CuPy backend against the pandas oracle, on a GPU (skipped where there is none).

Exact kernels must give pandas' dtype and bits (NaN where NaN, signed zeros);
kernels that use CUDA's transcendentals must agree to TRANSCENDENTAL_ULP ulp.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

cupy = pytest.importorskip("cupy")
try:
    if cupy.cuda.runtime.getDeviceCount() < 1:
        raise RuntimeError("no device")
except Exception as exc:  # CUDARuntimeError without a driver
    pytest.skip(f"no CUDA device: {exc}", allow_module_level=True)

# Programs, columns and the comparison come from the Numba suite, so both backends face the same cases.
from test_numba_elementwise import DTYPES, SPECIAL_FLOATS, assert_same, cases, oracle, pairs, sample  # noqa: E402

from stratum.backends.cupy import compile_program, reduce_float64  # noqa: E402
from stratum.backends.cupy.kernels import SUM_RTOL, TRANSCENDENTAL_ULP  # noqa: E402
from stratum.backends.elementwise import DECLINE_REASONS, FUNCTIONS, Apply, Const, ElementwiseProgram, Input, UnsupportedProgram  # noqa: E402


def ulps(actual: np.ndarray, expected: np.ndarray) -> int:
    """Largest distance in units in the last place; NaN vs NaN and equal infinities count 0."""
    assert actual.dtype == expected.dtype and actual.dtype.kind == "f"
    assert np.array_equal(np.isnan(actual), np.isnan(expected))
    same = (actual == expected) | np.isnan(expected)
    if same.all():
        return 0
    ints = np.dtype(f"int{actual.dtype.itemsize * 8}")

    def ordered(x: np.ndarray) -> np.ndarray:  # monotonic integer image of the floats
        bits = x.view(ints).astype(np.int64)
        return np.where(bits < 0, np.iinfo(ints).min - bits, bits)

    diff = np.abs(ordered(actual[~same]) - ordered(expected[~same]))
    return int(diff.max())


def check(program: ElementwiseProgram, arrays: list[np.ndarray]) -> None:
    kernel = compile_program(program)
    actual, expected = kernel(*arrays), oracle(program, arrays)
    if kernel.exact:
        assert_same(actual, expected)
    else:
        assert actual.dtype == expected.dtype
        assert ulps(actual, expected) <= TRANSCENDENTAL_ULP, kernel.source


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases())
def test_random_programs_match_pandas(case: tuple[ElementwiseProgram, list[np.ndarray]]) -> None:
    program, arrays = case
    try:
        compile_program(program)
    except UnsupportedProgram as exc:
        assert exc.reason in DECLINE_REASONS
        return
    check(program, arrays)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_unary_function(dtype: str) -> None:
    for fn, arity in FUNCTIONS.items():
        if arity != 1:
            continue
        program = ElementwiseProgram((dtype,), Apply(fn, (Input(0),)))
        try:
            compile_program(program)
        except UnsupportedProgram as exc:
            assert exc.reason in ("invalid-program", "dtype"), (fn, exc)
            continue
        check(program, [sample(dtype)])


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int64", "float64"), ("bool", "bool"), ("int32", "int32"), ("int64", "int32")])
def test_every_binary_function_of_columns(dtypes: tuple[str, str]) -> None:
    a, b = pairs(dtypes[0])[0], pairs(dtypes[1])[1]
    for fn, arity in FUNCTIONS.items():
        if arity != 2:
            continue
        program = ElementwiseProgram(dtypes, Apply(fn, (Input(0), Input(1))))
        try:
            compile_program(program)
        except UnsupportedProgram as exc:
            assert exc.reason in ("invalid-program", "data-dependent-dtype", "unsupported-operand"), (fn, exc)
            continue
        check(program, [a, b])


@pytest.mark.parametrize("dtype", DTYPES)
def test_constants_divmod_clip_fillna_where(dtype: str) -> None:
    x = Input(0)
    roots = [Apply(fn, (x, Const(v))) for fn in ("floordiv", "mod", "pow", "add", "mul", "lt", "minimum")
             for v in (2, -7, 1, -1, 0.5, -0.0, math.nan, math.inf, 3)]
    roots += [Apply("floordiv", (Const(7.5), x)), Apply("mod", (Const(-3), x)), Apply("fillna", (x, Const(0.5))),
              Apply("clip", (x, Const(-1.5), Const(2))), Apply("clip", (x, Const(3), Const(-2))),
              Apply("where", (Apply("gt", (x, Const(0))), x, Const(-2.5)))]
    for root in roots:
        program = ElementwiseProgram((dtype,), root)
        try:
            compile_program(program)
        except UnsupportedProgram as exc:
            assert exc.reason in ("invalid-program", "data-dependent-dtype", "unsupported-operand"), exc
            continue
        check(program, [sample(dtype)])


def test_integer_wraparound_and_large_columns() -> None:
    x = Input(0)
    for dtype in ("int64", "int32"):
        for root in [Apply("neg", (x,)), Apply("abs", (x,)), Apply("mul", (x, Const(3))), Apply("square", (x,)),
                     Apply("pow", (x, Const(3))), Apply("floordiv", (x, Const(-1))), Apply("ne", (Apply("mul", (x, x)), Const(0)))]:
            check(ElementwiseProgram((dtype,), root), [sample(dtype)])
    rng = np.random.default_rng(0)
    a = rng.standard_normal(3_000_001)
    a[::7] = np.nan
    program = ElementwiseProgram(("float64", "float64"), Apply("clip", (Apply("fillna", (Apply("add", (Apply("mul", (x, Const(2.0))), Input(1))), Const(0))), Const(-1), Const(3))))
    check(program, [a, np.roll(a, 1)])


def test_transcendentals_within_documented_ulp() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.standard_normal(200_000) * 5, np.exp(rng.uniform(-700, 700, 200_000)), SPECIAL_FLOATS])
    for fn in ("log", "log1p", "log2", "log10", "exp", "expm1", "sin", "cos", "tan", "tanh", "arctan"):
        for dtype in ("float64", "float32"):
            with np.errstate(over="ignore"):
                a = values.astype(dtype)
            check(ElementwiseProgram((dtype,), Apply(fn, (Input(0),))), [a])
    check(ElementwiseProgram(("float64", "float64"), Apply("pow", (Input(0), Input(1)))), [np.abs(values[:100_000]), values[-100_000:] / 1e3])


def test_device_arrays_stay_on_device() -> None:
    program = ElementwiseProgram(("float64",), Apply("mul", (Input(0), Const(2.0))))
    result = compile_program(program)(cupy.arange(5.0))
    assert isinstance(result, cupy.ndarray)
    assert_same(cupy.asnumpy(result), np.arange(5.0) * 2.0)


@pytest.mark.parametrize("n", [0, 1, 5, 1000, 2_000_003])
def test_float64_reductions(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.standard_normal(n) * np.exp(rng.uniform(-10, 10, n))
    values[::5] = np.nan
    for column in (values, np.full(n, np.nan)):
        series = pd.Series(column)
        for op in ("min", "max"):
            actual, expected = reduce_float64(column, op), getattr(series, op)()
            assert type(actual) is type(expected) and (actual == expected or (math.isnan(actual) and math.isnan(expected)))
        for op in ("sum", "mean"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                actual, expected = reduce_float64(column, op), getattr(series, op)()
            assert type(actual) is type(expected)
            scale = np.nansum(np.abs(column)) / (max(1, np.count_nonzero(~np.isnan(column))) if op == "mean" else 1)
            assert (math.isnan(actual) and math.isnan(expected)) or abs(actual - expected) <= SUM_RTOL * scale
