"""Compile an :class:`ElementwiseProgram` into one ``cupy.ElementwiseKernel``.

The generated CUDA C follows numpy's semantics step by step, like the Numba
backend (:mod:`stratum.backends.numba.kernels`), whose dtype machinery it
reuses: :func:`infer_dtypes` gives pandas' dtype for every node and
``ufunc.resolve_dtypes`` the loop numpy runs, so every operand is cast to the
loop's dtype and every result to numpy's result dtype explicitly (CUDA C++
would promote int8 + int8 to int, and float * double to double).

Exactness:

* Arithmetic, comparisons, casts, ``where``, ``fillna``, ``clip``, ``isna``,
  ``abs``/``neg``/``sign``, ``floor``/``ceil``, ``sqrt``, ``minimum``/
  ``maximum`` and floor division / modulo (npymath's ``npy_divmod`` for
  floats, numpy's floor rules for ints) are bitwise what pandas computes
  (NaN where NaN, same sign on zeros). The kernel is compiled with
  ``--fmad=false`` (NVRTC otherwise contracts ``a * b + c`` into one fused
  multiply-add, which rounds once instead of twice), ``-ftz=false``,
  ``-prec-div=true`` and ``-prec-sqrt=true``. Integer add/sub/mul/neg run in
  ``unsigned long long`` so they wrap as numpy's do (signed overflow is
  undefined behaviour in C++). Float constants are emitted as bit patterns.
* Transcendentals (``log``, ``log1p``, ``log2``, ``log10``, ``exp``, ``expm1``,
  ``sin``, ``cos``, ``tan``, ``tanh``, ``arctan`` and float ``pow``) use CUDA's
  libdevice, which is accurate to a few ulp but is not numpy's SIMD code.
  The bound ``TRANSCENDENTAL_ULP`` is CUDA's documented worst case (<= 4 ulp
  for these functions in float32, <= 2 in float64) plus numpy's own; it has
  not yet been measured on a device (docs/gpu.md: no GPU was lent when this
  was written; benchmarks/kernels/bench_cupy.py prints the measured maximum).
  Such kernels have ``exact = False`` and the adapter does not run them, so
  Stratum's output never depends on them.
* NaN payloads are not reproduced: CUDA returns its canonical NaN where x86
  returns the negative "indefinite" NaN. pandas never exposes the payload.

What cannot be matched raises :class:`UnsupportedProgram` with one of
:data:`DECLINE_REASONS`; callers fall back to pandas.

:func:`reduce_float64` computes ``sum``/``mean``/``min``/``max`` of a float64
column with ``cupy.ReductionKernel`` and pandas' ``skipna`` semantics. ``min``
and ``max`` are exact (except which zero wins a tie between 0.0 and -0.0);
``sum`` and ``mean`` add in a tree order that is not numpy's pairwise order,
so they agree to within ``SUM_RTOL`` of the sum of absolute values.

cupy is imported on first use only; importing this module needs no GPU.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from stratum.backends.elementwise import Apply, Const, ElementwiseProgram, Input, UnsupportedProgram, infer_dtypes
from stratum.backends.numba.kernels import _UFUNCS, SUPPORTED_DTYPES, StepLowering, _can_hold, _min_max_tie, _scalar_power_path

# Design bounds, not yet measured on a device (see the module docstring).
TRANSCENDENTAL_ULP = 8
# Both orders are trees of depth ~log2(n): |gpu - pandas| <= SUM_RTOL * sum(|x|) up to 1e8 rows.
SUM_RTOL = 1e-12

COMPILE_OPTIONS = ("--fmad=false", "-ftz=false", "-prec-div=true", "-prec-sqrt=true")

_C_TYPES = {
    "bool": "bool", "int8": "signed char", "int16": "short", "int32": "int", "int64": "long long",
    "float32": "float", "float64": "double",
}
# CUDA math functions for the numpy ufuncs computed with libdevice (not bitwise).
_TRANSCENDENTAL = {
    "log": "log", "log1p": "log1p", "log2": "log2", "log10": "log10", "exp": "exp", "expm1": "expm1",
    "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "arctan": "atan",
}
_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_BITWISE = {"and": "&", "or": "|", "xor": "^"}

_PREAMBLE = r"""
// numpy's integer floor division and remainder (divisor nonzero, not -1).
template <typename T> __device__ __forceinline__ T stratum_int_floordiv(T a, T b) {
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
}
template <typename T> __device__ __forceinline__ T stratum_int_mod(T a, T b) {
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}
// npymath's npy_divmod, step by step (float floor_divide / remainder).
template <typename T> __device__ __forceinline__ T stratum_float_floordiv(T a, T b) {
    if (b == (T)0) return a / b;
    T mod = fmod(a, b);
    T div = (a - mod) / b;
    if (mod != (T)0 && ((b < (T)0) != (mod < (T)0))) div -= (T)1;  // C truthiness: NaN is nonzero
    if (div != (T)0) {
        T floordiv = floor(div);
        if (div - floordiv > (T)0.5) floordiv += (T)1;
        return floordiv;
    }
    return copysign((T)0, a / b);
}
template <typename T> __device__ __forceinline__ T stratum_float_mod(T a, T b) {
    T mod = fmod(a, b);
    if (b == (T)0) return mod;
    if (mod != (T)0) {
        if ((b < (T)0) != (mod < (T)0)) mod += b;
        return mod;
    }
    return copysign((T)0, b);
}
// numpy's integer power: square-and-multiply wrapping modulo 2**64.
__device__ __forceinline__ long long stratum_int_power(long long base, long long exponent) {
    unsigned long long result = 1, x = (unsigned long long)base;
    while (exponent > 0) {
        if (exponent & 1) result *= x;
        x *= x;
        exponent >>= 1;
    }
    return (long long)result;
}
"""


def _cupy() -> Any:
    import cupy  # deferred: importing stratum must not need (or initialise) CUDA

    return cupy


# --- C expressions -----------------------------------------------------------------------

def _ctype(dtype: np.dtype) -> str:
    return _C_TYPES[dtype.name]


def _literal(value: bool | int | float, dtype: np.dtype) -> str:
    """A Python constant converted to ``dtype`` as numpy converts a scalar operand, as exact C."""
    try:
        with np.errstate(over="ignore"):
            converted = np.asarray(value, dtype=dtype)
    except (OverflowError, ValueError):
        raise UnsupportedProgram("const-out-of-range", f"{value!r} as {dtype}") from None
    if dtype.kind == "b":
        return "true" if bool(converted) else "false"
    if dtype.kind == "i":
        if int(converted) != value:
            raise UnsupportedProgram("const-out-of-range", f"{value!r} as {dtype}")
        bits = int(converted) & ((1 << (8 * dtype.itemsize)) - 1)
        return f"(({_ctype(dtype)})0x{bits:x}ULL)"  # a bit pattern: INT64_MIN has no C literal
    if dtype == np.float64:
        return f"__longlong_as_double(0x{int(converted.view(np.uint64)):016x}LL)"
    return f"__int_as_float(0x{int(converted.view(np.uint32)):08x})"


def _cast(expr: str, src: np.dtype, dst: np.dtype) -> str:
    if src == dst:
        return expr
    if dst.kind == "b":
        return f"({expr} != 0)"  # astype(bool): nonzero and NaN are True
    return f"(({_ctype(dst)})({expr}))"  # int -> float rounds to nearest, as numpy's C casts do


def _wrap_int(expr: str, dtype: np.dtype) -> str:
    return f"(({_ctype(dtype)})({expr}))"


def _arith(a: str, op: str, b: str, dtype: np.dtype) -> str:
    if dtype.kind == "i":  # unsigned: wraps by definition, same bits as numpy's two's complement
        return _wrap_int(f"(unsigned long long)({a}) {op} (unsigned long long)({b})", dtype)
    return f"({a} {op} {b})"


def _float_fn(name: str, dtype: np.dtype) -> str:
    return name if dtype == np.float64 else f"{name}f"


@dataclass
class _Lowered:
    dtype: np.dtype | None  # None for constants
    expr: str = ""
    exact: bool = True


class _Lowering(StepLowering):
    """Each step to a CUDA C expression over ``v<step>`` locals with numpy's dtype semantics."""

    literal = staticmethod(_literal)
    cast = staticmethod(_cast)

    def run(self) -> list[_Lowered]:
        for index, step in enumerate(self.steps):
            dtype = self.dtypes[index]
            if dtype is not None and dtype not in SUPPORTED_DTYPES:
                raise UnsupportedProgram("dtype", f"step {index} is {dtype}")
            node = step.node
            if isinstance(node, Const):
                self.lowered.append(_Lowered(None))
            elif isinstance(node, Input):
                self.lowered.append(_Lowered(dtype, f"in{node.index}"))
            else:
                assert isinstance(node, Apply)
                lowered = self._apply(index, node.fn, step.operands)
                if lowered.dtype != dtype:
                    raise UnsupportedProgram("unsupported-operand", f"{node.fn}: pandas gives {dtype}, the kernel {lowered.dtype}")
                self.lowered.append(lowered)
        return self.lowered

    def _apply(self, index: int, fn: str, ops: tuple[int, ...]) -> _Lowered:
        if fn in ("neg", "invert") and self._dtype(ops[0]).kind == "b":
            return _Lowered(np.dtype(bool), f"(!v{ops[0]})")  # pandas negates bools with ~
        if fn in ("isna", "notna"):
            isna = f"isnan(v{ops[0]})" if self._dtype(ops[0]).kind == "f" else "false"
            return _Lowered(np.dtype(bool), isna if fn == "isna" else f"(!{isna})")
        if fn == "where":
            return self._lower_where(index, ops)
        if fn == "fillna":
            return self._lower_fillna(ops)
        if fn == "clip":
            return self._lower_clip(ops)
        if fn == "pow":
            return self._lower_pow(ops)
        if fn in _BITWISE:
            return self._lower_bitwise(fn, ops)
        ins, out = self._resolve(fn, ops)
        a, *rest = (self._operand(i, dtype) for i, dtype in zip(ops, ins))
        b = rest[0] if rest else ""
        kind = out.kind
        if fn in _TRANSCENDENTAL:
            return _Lowered(out, f"{_float_fn(_TRANSCENDENTAL[fn], ins[0])}({a})", exact=False)
        if fn in ("add", "sub", "mul", "truediv"):
            if kind == "b":  # numpy's bool add is `or`, multiply is `and`
                return _Lowered(out, f"({a} {'|' if fn == 'add' else '&'} {b})")
            return _Lowered(out, _arith(a, {"add": "+", "sub": "-", "mul": "*", "truediv": "/"}[fn], b, out))
        if fn in ("floordiv", "mod"):
            return self._lower_divmod(fn, ops, a, b, out)
        if fn in _COMPARISONS:
            return _Lowered(out, f"({a} {_COMPARISONS[fn]} {b})")
        if fn == "neg":
            return _Lowered(out, _wrap_int(f"0ULL - (unsigned long long)({a})", out) if kind == "i" else f"(-{a})")
        if fn == "invert":
            return _Lowered(out, _wrap_int(f"~{a}", out))
        if fn == "abs":
            if kind == "b":
                return _Lowered(out, a)
            if kind == "f":
                return _Lowered(out, f"{_float_fn('fabs', out)}({a})")
            return _Lowered(out, f"({a} >= 0 ? {a} : {_wrap_int(f'0ULL - (unsigned long long)({a})', out)})")
        if fn == "sqrt":
            return _Lowered(out, f"{_float_fn('sqrt', out)}({a})")  # IEEE correctly rounded (-prec-sqrt)
        if fn == "square":
            return _Lowered(out, _arith(a, "*", a, out))
        if fn in ("floor", "ceil"):
            return _Lowered(out, f"{_float_fn(fn, out)}({a})" if kind == "f" else a)
        if fn == "sign":
            one, minus_one, zero = (_literal(v, out) for v in (1, -1, 0))
            nan_case = f"({a} == {zero} ? {zero} : {a})" if kind == "f" else zero  # sign(nan) is nan
            return _Lowered(out, f"({a} > {zero} ? {one} : {a} < {zero} ? {minus_one} : {nan_case})")
        if fn in ("minimum", "maximum"):
            return self._lower_min_max(fn, a, b, out)
        raise AssertionError(fn)

    def _lower_divmod(self, fn: str, ops: tuple[int, ...], a: str, b: str, out: np.dtype) -> _Lowered:
        if out.kind == "f":
            helper = "stratum_float_floordiv" if fn == "floordiv" else "stratum_float_mod"
            return _Lowered(out, f"{helper}<{_ctype(out)}>({a}, {b})")
        divisor = self._const(ops[1])
        if divisor is None or divisor == 0 or self._is_const(ops[0]):
            raise UnsupportedProgram("data-dependent-dtype", f"integer {fn} by a column or by 0")
        if divisor == -1:  # MIN // -1 wraps to MIN in numpy; MIN % -1 is 0
            if fn == "floordiv":
                return _Lowered(out, _wrap_int(f"0ULL - (unsigned long long)({a})", out))
            return _Lowered(out, _literal(0, out))
        if out.kind == "b":
            raise UnsupportedProgram("unsupported-operand", f"bool {fn}")
        helper = "stratum_int_floordiv" if fn == "floordiv" else "stratum_int_mod"
        ctype = _ctype(out)
        return _Lowered(out, f"{helper}<{ctype}>({a}, {b})")

    def _lower_pow(self, ops: tuple[int, ...]) -> _Lowered:
        base, exponent = ops
        value = self._const(exponent)
        if value is not None and not self._is_const(base):
            dtype, x = self._dtype(base), f"v{base}"
            path = _scalar_power_path(dtype, value)  # numpy's fast_scalar_power, as the installed numpy does it
            if path == "square":
                square = _UFUNCS["square"].resolve_dtypes((dtype, None))[0]
                xs = _cast(x, dtype, square)
                return _Lowered(square, _arith(xs, "*", xs, square))
            if path == "square64":
                x64 = _cast(x, dtype, np.dtype(np.float64))
                return _Lowered(np.dtype(np.float64), f"({x64} * {x64})")
            if path == "reciprocal":
                return _Lowered(dtype, f"({_literal(1, dtype)} / {x})")
            if path == "sqrt":
                root = _UFUNCS["sqrt"].resolve_dtypes((dtype, None))[0]
                return _Lowered(root, f"{_float_fn('sqrt', root)}({_cast(x, dtype, root)})")
        ins, out = self._resolve("pow", ops)
        if out.kind == "f":
            a, b = (self._operand(i, d) for i, d in zip(ops, ins))
            return _Lowered(out, f"{_float_fn('pow', out)}({a}, {b})", exact=False)
        if value is None or value < 0 or self._is_const(base):
            raise UnsupportedProgram("data-dependent-dtype", "integer ** a column or a negative constant")
        x64 = _cast(f"v{base}", self._dtype(base), np.dtype("int64"))
        return _Lowered(out, _wrap_int(f"stratum_int_power({x64}, {int(value)}LL)", out))

    def _lower_bitwise(self, fn: str, ops: tuple[int, ...]) -> _Lowered:
        if any(self._kind(i) not in "bi" for i in ops):  # pandas casts floats through object
            raise UnsupportedProgram("unsupported-operand", f"{fn} of a float operand")
        ins, out = self._resolve(fn, ops)
        a, b = (self._operand(i, dtype) for i, dtype in zip(ops, ins))
        expr = f"({a} {_BITWISE[fn]} {b})" if out.kind == "b" else _wrap_int(f"{a} {_BITWISE[fn]} {b}", out)
        if out.kind == "i" and not all(self._kind(i) == "i" for i in ops):  # pandas: bool unless int op int
            return _Lowered(np.dtype(bool), f"({expr} != 0)")
        return _Lowered(out, expr)

    def _lower_min_max(self, fn: str, a: str, b: str, out: np.dtype) -> _Lowered:
        strict = "<" if fn == "minimum" else ">"
        if out.kind != "f":
            return _Lowered(out, f"({a} {strict} {b} ? {a} : {b})")
        # Which zero numpy's CPU loop returns for 0.0 vs -0.0; the GPU does the same explicitly.
        tie = _min_max_tie(_UFUNCS[fn].__name__, out)
        if tie is None:
            raise UnsupportedProgram("unsupported-operand", f"{fn}: numpy's choice between equal zeros varies")
        compare = strict if tie == "second" else strict + "="
        return _Lowered(out, f"(({a} {compare} {b} || isnan({a})) ? {a} : {b})")  # NaN propagates

    def _lower_fillna(self, ops: tuple[int, ...]) -> _Lowered:
        column, value = ops
        dtype = self._dtype(column)
        if dtype.kind != "f":
            return _Lowered(dtype, f"v{column}")  # nothing to fill: pandas returns the column
        const = self._const(value)
        if const is not None:
            if not _can_hold(dtype, const):
                raise UnsupportedProgram("data-dependent-dtype", f"fillna({const!r}) upcasts {dtype} where NaN")
            fill = _literal(const, dtype)
        elif self._dtype(value) == dtype:
            fill = f"v{value}"
        else:
            raise UnsupportedProgram("unsupported-operand", f"fillna of {dtype} from a {self._dtype(value)} column")
        return _Lowered(dtype, f"(isnan(v{column}) ? {fill} : v{column})")

    def _lower_where(self, index: int, ops: tuple[int, ...]) -> _Lowered:
        cond, a, b = ops
        truth = ("true" if self._const(cond) else "false") if self._is_const(cond) else _cast(f"v{cond}", self._dtype(cond), np.dtype(bool))
        out = self.dtypes[index]
        assert out is not None
        return _Lowered(out, f"({truth} ? {self._operand(a, out)} : {self._operand(b, out)})")

    def _lower_clip(self, ops: tuple[int, ...]) -> _Lowered:
        column, lower_op, upper_op = ops
        if not (self._is_const(lower_op) and self._is_const(upper_op)):
            raise UnsupportedProgram("unsupported-operand", "clip bounds must be constants")
        dtype = self._dtype(column)
        x = f"v{column}"
        # Series.clip: NaN bounds mean no bound, swapped bounds are reordered,
        # then where(x >= lower | isna(x), lower) and likewise for upper.
        lower, upper = self._const(lower_op), self._const(upper_op)
        lower = None if isinstance(lower, float) and math.isnan(lower) else lower
        upper = None if isinstance(upper, float) and math.isnan(upper) else upper
        if lower is not None and upper is not None:
            lower, upper = min(lower, upper), max(lower, upper)
        expr = x
        for bound, fn in ((lower, "ge"), (upper, "le")):
            if bound is None:
                continue
            if not _can_hold(dtype, bound):
                raise UnsupportedProgram("data-dependent-dtype", f"clip bound {bound!r} upcasts {dtype} where it applies")
            bound_type = np.dtype(bool) if type(bound) is bool else type(bound)
            compare_dtype = _UFUNCS[fn].resolve_dtypes((dtype, bound_type, None))[0]
            keep = f"({_cast(x, dtype, compare_dtype)} {_COMPARISONS[fn]} {_literal(bound, compare_dtype)})"
            if dtype.kind == "f":
                keep = f"(isnan({x}) || {keep})"
            expr = f"({keep} ? {expr} : {_literal(bound, dtype)})"
        return _Lowered(dtype, expr)


# --- kernels -------------------------------------------------------------------------------

def generate(program: ElementwiseProgram) -> tuple[str, str, str, np.dtype, bool]:
    """(in_params, out_params, operation, out dtype, exact) of the program's ElementwiseKernel."""
    dtypes = infer_dtypes(program)
    lowered = _Lowering(program, dtypes).run()
    in_params = ", ".join(f"{np.dtype(d).name} in{k}" for k, d in enumerate(program.input_dtypes))
    root = len(program.steps) - 1
    out_dtype = lowered[root].dtype
    assert out_dtype is not None
    lines = []
    for index, (step, low) in enumerate(zip(program.steps, lowered)):
        if isinstance(step.node, Const):
            continue
        assert low.dtype is not None
        lines.append(f"const {_ctype(low.dtype)} v{index} = {low.expr};")
    lines.append(f"out = v{root};")
    exact = all(low.exact for low in lowered)
    return in_params, f"{out_dtype.name} out", "\n".join(lines), out_dtype, exact


class GpuKernel:
    """A compiled program: ``kernel(*arrays)`` evaluates it on the GPU.

    Arguments are 1-d arrays of the program's input dtypes and equal length,
    numpy (copied to the device, result copied back as numpy) or cupy (result
    stays on the device). ``exact`` is False when the kernel uses CUDA's
    transcendental functions, which agree with numpy only to a few ulp.
    """

    def __init__(self, program: ElementwiseProgram) -> None:
        in_params, out_params, operation, out_dtype, exact = generate(program)
        self.program = program
        self.input_dtypes = tuple(np.dtype(d) for d in program.input_dtypes)
        self.out_dtype = out_dtype
        self.exact = exact
        self.source = operation
        digest = hashlib.sha256(program.key().encode()).hexdigest()[:16]  # stable: cupy's disk cache is keyed by source
        self._kernel = _cupy().ElementwiseKernel(
            in_params, out_params, operation, name=f"stratum_fused_{digest}",
            preamble=_PREAMBLE, options=COMPILE_OPTIONS,
        )

    def __call__(self, *arrays: Any) -> Any:
        cupy = _cupy()
        if len(arrays) != len(self.input_dtypes):
            raise TypeError(f"kernel takes {len(self.input_dtypes)} arrays, got {len(arrays)}")
        on_host = not any(isinstance(a, cupy.ndarray) for a in arrays)
        device = []
        for k, (array, dtype) in enumerate(zip(arrays, self.input_dtypes)):
            if array.dtype != dtype or array.ndim != 1:
                raise TypeError(f"argument {k}: expected a 1-d {dtype} array, got {array.ndim}-d {array.dtype}")
            if len(array) != len(arrays[0]):
                raise ValueError(f"argument {k} has {len(array)} rows, argument 0 has {len(arrays[0])}")
            device.append(cupy.asarray(array))
        out = cupy.empty(len(device[0]), dtype=self.out_dtype)
        if len(out):
            self._kernel(*device, out)
        return cupy.asnumpy(out) if on_host else out


_compile_lock = threading.Lock()
_kernels: dict[str, GpuKernel | UnsupportedProgram] = {}


def compile_program(program: ElementwiseProgram) -> GpuKernel:
    """The GPU kernel for ``program``; raises UnsupportedProgram (callers fall back to pandas).

    Needs cupy for everything but the decision to decline. Kernels and
    refusals are cached per process by the program's key; cupy caches the
    compiled CUDA binaries on disk.
    """
    key = program.key()
    with _compile_lock:
        result = _kernels.get(key)
        if result is None:
            try:
                result = GpuKernel(program)
            except UnsupportedProgram as exc:
                result = exc
            _kernels[key] = result
    if isinstance(result, UnsupportedProgram):
        raise UnsupportedProgram(result.reason, result.detail)
    return result


# --- float64 reductions ----------------------------------------------------------------

_INF = "__longlong_as_double(0x7ff0000000000000LL)"
_REDUCTIONS: dict[str, Any] = {}


def _reduction_kernels() -> dict[str, Any]:
    if not _REDUCTIONS:
        cupy = _cupy()
        make = cupy.ReductionKernel
        # pandas fills NaN with 0 before summing and with +inf/-inf before min/max.
        _REDUCTIONS["sum"] = make("float64 x", "float64 y", "isnan(x) ? 0.0 : x", "a + b", "y = a", "0", "stratum_nansum", options=COMPILE_OPTIONS)
        _REDUCTIONS["count"] = make("float64 x", "int64 y", "isnan(x) ? 0 : 1", "a + b", "y = a", "0", "stratum_count", options=COMPILE_OPTIONS)
        _REDUCTIONS["min"] = make("float64 x", "float64 y", f"isnan(x) ? {_INF} : x", "(b < a) ? b : a", "y = a", _INF, "stratum_nanmin", options=COMPILE_OPTIONS)
        _REDUCTIONS["max"] = make("float64 x", "float64 y", f"isnan(x) ? -{_INF} : x", "(b > a) ? b : a", "y = a", f"-{_INF}", "stratum_nanmax", options=COMPILE_OPTIONS)
    return _REDUCTIONS


def reduce_float64(values: Any, op: str) -> Any:
    """``getattr(pd.Series(values), op)()`` for a float64 column (numpy or cupy array) on the GPU.

    ``op`` is sum, mean, min or max; the result has pandas' type (np.float64,
    or a Python float NaN where pandas returns one). sum/mean: see SUM_RTOL.
    """
    if op not in ("sum", "mean", "min", "max"):
        raise ValueError(f"reduction {op!r}")
    cupy = _cupy()
    x = cupy.asarray(values)
    if x.dtype != np.float64 or x.ndim != 1:
        raise TypeError(f"expected a 1-d float64 array, got {x.ndim}-d {x.dtype}")
    kernels = _reduction_kernels()
    if op == "sum":
        return np.float64(kernels["sum"](x).get()) if len(x) else np.float64(0.0)
    if len(x) == 0:
        return np.nan
    count = int(kernels["count"](x).get())
    if op == "mean":
        return np.float64(kernels["sum"](x).get()) / np.float64(count) if count else np.nan
    result = np.float64(kernels[op](x).get())
    return result if count else np.float64(np.nan)  # all NaN: pandas nulls out the +-inf fill
