"""Compile an :class:`ElementwiseProgram` into one Numba loop kernel.

Exactness, not speed, decides how each function is lowered; the result must
be bitwise what pandas computes:

* Types come from numpy, never from Numba's own promotion rules (which widen
  int32 + int32 to int64, say). :func:`infer_dtypes` gives the dtype pandas
  produces for every node; ``ufunc.resolve_dtypes`` gives the inner loop numpy
  runs (its operand dtypes). The generated code casts operands to those
  dtypes and wraps every result in ``np.<dtype>(...)``, which truncates to
  the same wrapped integers and rounds to the same floats as numpy.
* Arithmetic, comparisons, sqrt, floor/ceil and casts are IEEE-exact, so they
  are generated as plain Numba code. Floor division and modulo replicate
  npymath's ``npy_divmod`` step by step.
* Transcendentals (log, exp, tanh, pow...) are NOT reproducible with Numba:
  numpy dispatches them to its own SIMD/SVML code, which differs from the
  libm Numba calls in the last bit (on an AVX-512 Xeon: float64 log1p on
  2.7% of inputs, exp 2.4%, tanh 18%, pow 2%; float32 functions 2-20%).
  The kernel therefore calls numpy's own strided inner loop, fetched with
  ``ufunc._get_strided_loop`` (an API numpy provides for Numba), on blocks
  of ``BLOCK`` rows held in small per-thread buffers. Each loop is checked
  against the ufunc once per process before it is trusted.
* Floating-point exceptions pandas reports (divide by zero, invalid,
  overflow: a warning or, under ``np.errstate``, an error) come only from
  ufuncs applied to a Series; operators run under ``errstate(all="ignore")``.
  A numpy loop step sets the CPU's status flags exactly as under numpy, so
  the kernel clears its thread's flags before each such call and reads them
  after (not around its own code: a vectorized comparison raises "invalid"
  on NaN, which numpy's comparisons do not); inline sqrt and square test
  the operands that raise (``x < 0``; finite -> inf). ``Kernel.run`` returns
  the bits and callers recompute with pandas when one is set, so warnings
  and errors are exactly numpy's.
* Integer add/sub/mul run in uint64: Numba marks signed arithmetic as
  non-overflowing, which lets LLVM break numpy's wrap-around results.

Generated kernels are written to ``<cache>/numba/k_<hash>.py`` and imported
from there, so Numba's ``cache=True`` can store the machine code beside them
and a later process loads it instead of compiling.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import importlib.util
import math
import os
import platform
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from stratum.backends.elementwise import Apply, Const, ElementwiseProgram, Input, Step, UnsupportedProgram, infer_dtypes
from stratum.cache_dir import UnsafeCacheDir, private_dir

BLOCK = 2048  # rows per block in kernels that call numpy loops; buffers stay in L1/L2
# Below this many rows the serial kernel wins: starting the thread pool costs
# a few microseconds (measured crossover ~20-30k rows for `a * 2 + b` on 2 cores).
PARALLEL_MIN_ROWS = 1 << 15

SUPPORTED_DTYPES = frozenset(np.dtype(n) for n in ("bool", "int8", "int16", "int32", "int64", "float32", "float64"))

# The numpy ufunc each function's typing (and, for LOOP_FUNCTIONS, its code) comes from.
_UFUNCS: dict[str, np.ufunc] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
    "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power,
    "neg": np.negative, "abs": np.absolute,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
    "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor, "invert": np.invert,
    "log": np.log, "log1p": np.log1p, "log2": np.log2, "log10": np.log10, "exp": np.exp,
    "expm1": np.expm1, "sqrt": np.sqrt, "square": np.square, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "arctan": np.arctan,
    "floor": np.floor, "ceil": np.ceil, "sign": np.sign,
    "minimum": np.minimum, "maximum": np.maximum,
}
# Computed by calling numpy's inner loop (float pow too, see _lower_pow).
LOOP_FUNCTIONS = frozenset({"log", "log1p", "log2", "log10", "exp", "expm1", "sin", "cos", "tan", "tanh", "arctan"})
_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_BITWISE = {"and": "&", "or": "|", "xor": "^"}

# Numba's disk cache validates only the generated file, not the helpers below
# it calls; hashing this module into the file name invalidates stale kernels.
_FINGERPRINT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


# --- helpers called by generated kernels --------------------------------------------

def _float_divmod(ftype: type) -> tuple[Any, Any]:
    """numpy's float floor_divide and remainder (npymath ``npy_divmod``), in ``ftype``."""
    zero, one, half = ftype(0.0), ftype(1.0), ftype(0.5)

    @numba.njit(nogil=True, cache=True, error_model="numpy")
    def floor_divide(a, b):  # type: ignore[no-untyped-def]
        if b == zero:
            return a / b
        mod = np.fmod(a, b)
        div = (a - mod) / b
        if mod != zero and (b < zero) != (mod < zero):  # C truthiness: NaN counts as nonzero
            div -= one
        if div != zero:
            floordiv = np.floor(div)
            if div - floordiv > half:  # snap a quotient that fmod left just below an integer
                floordiv += one
            return floordiv
        return np.copysign(zero, a / b)

    @numba.njit(nogil=True, cache=True, error_model="numpy")
    def remainder(a, b):  # type: ignore[no-untyped-def]
        mod = np.fmod(a, b)
        if b == zero:
            return mod
        if mod != zero:
            if (b < zero) != (mod < zero):
                mod += b
            return mod
        return np.copysign(zero, b)

    return floor_divide, remainder


floor_divide_float64, remainder_float64 = _float_divmod(np.float64)
floor_divide_float32, remainder_float32 = _float_divmod(np.float32)


@numba.njit(nogil=True, cache=True)
def int_power(base, exponent):  # type: ignore[no-untyped-def]
    """numpy's integer power: square-and-multiply, wrapping modulo 2**64 (callers truncate)."""
    result = np.uint64(1)
    x = np.uint64(base)
    while exponent > 0:
        if exponent & 1:
            result = result * x
        x = x * x
        exponent >>= 1
    return np.int64(result)


def _loop_call_codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
    """Call a numpy ``PyArrayMethod_StridedLoop``: loop(context, data, dimensions, strides, auxdata)."""
    loop, loop_context, auxdata, count = args[:4]
    operands = list(zip(signature.args[4:], args[4:]))
    byte_ptr = ir.IntType(8).as_pointer()
    intp = context.get_value_type(types.intp)
    data = cgutils.alloca_once(builder, byte_ptr, size=len(operands))
    strides = cgutils.alloca_once(builder, intp, size=len(operands))
    dimensions = cgutils.alloca_once(builder, intp)
    for k, (typ, value) in enumerate(operands):
        if isinstance(typ, types.Array):
            array = context.make_array(typ)(context, builder, value)
            pointer = builder.bitcast(array.data, byte_ptr)
            stride = cgutils.unpack_tuple(builder, array.strides, 1)[0]
        else:  # a scalar operand is broadcast with stride 0, exactly as numpy passes it
            slot = cgutils.alloca_once_value(builder, value)
            pointer = builder.bitcast(slot, byte_ptr)
            stride = ir.Constant(intp, 0)
        builder.store(pointer, builder.gep(data, [ir.Constant(ir.IntType(32), k)]))
        builder.store(stride, builder.gep(strides, [ir.Constant(ir.IntType(32), k)]))
    builder.store(count, dimensions)
    fnty = ir.FunctionType(ir.IntType(32), [byte_ptr, byte_ptr.as_pointer(), intp.as_pointer(), intp.as_pointer(), byte_ptr])
    function = builder.inttoptr(loop, fnty.as_pointer())
    # The status is ignored: only float loops that need no Python API are used
    # (checked in _numpy_loop), and those report problems through FP flags only.
    builder.call(function, [builder.inttoptr(loop_context, byte_ptr), data, dimensions, strides, builder.inttoptr(auxdata, byte_ptr)])
    return context.get_dummy_value()


@intrinsic
def call_loop1(typingctx, loop, loop_context, auxdata, count, a, out):  # type: ignore[no-untyped-def]
    return types.void(types.intp, types.intp, types.intp, types.intp, a, out), _loop_call_codegen


@intrinsic
def call_loop2(typingctx, loop, loop_context, auxdata, count, a, b, out):  # type: ignore[no-untyped-def]
    return types.void(types.intp, types.intp, types.intp, types.intp, a, b, out), _loop_call_codegen


# --- floating-point status --------------------------------------------------------------
# numpy warns ("divide by zero encountered in log") or raises, per np.errstate,
# by reading the CPU's floating-point status flags after each ufunc loop.
# Kernels clear and read the flags of the running thread around each numpy
# loop call whose exceptions pandas reports (C99 <fenv.h>, resolved by name:
# the disk cache keeps no addresses), test the operands of inline sqrt and
# square, and return the bits; callers let pandas recompute when one is set.
_FE_BITS = {  # (invalid, divide by zero, overflow, all) as glibc defines them
    "x86_64": (0x01, 0x04, 0x08, 0x3D), "AMD64": (0x01, 0x04, 0x08, 0x3D),
    "aarch64": (0x01, 0x02, 0x04, 0x1F), "arm64": (0x01, 0x02, 0x04, 0x1F),
}.get(platform.machine())
FP_STATUS_KNOWN = _FE_BITS is not None  # else the hardware flags cannot be read (the inline tests still work)
FE_INVALID, FE_DIVBYZERO, FE_OVERFLOW, _FE_ALL = _FE_BITS or (0x01, 0x02, 0x04, 0)
FE_REPORTED = FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW  # what numpy reports (not underflow, inexact)
# ufunc loops whose exceptions pandas reports (np.log(series)...); power is an
# operator, computed under np.errstate(all="ignore").
_REPORTING_LOOPS = frozenset({"log", "log1p", "log2", "log10", "exp", "expm1", "sin", "cos", "tan", "tanh", "arctan"})


def _fenv_call(name: str, returns: bool):  # type: ignore[no-untyped-def]
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(32), [ir.IntType(32)]), name)
        result = builder.call(function, args)
        return result if returns else context.get_dummy_value()

    return codegen


@intrinsic
def fp_clear(typingctx, mask):  # type: ignore[no-untyped-def]
    return types.void(types.int32), _fenv_call("feclearexcept", False)


@intrinsic
def fp_test(typingctx, mask):  # type: ignore[no-untyped-def]
    return types.int32(types.int32), _fenv_call("fetestexcept", True)


# --- numpy inner loops ----------------------------------------------------------------

class _UfuncCallInfo(ctypes.Structure):
    # numpy/_core/src/umath/ufunc_object.c: the struct behind the "numpy_1.24_ufunc_call_info" capsule
    _fields_ = [
        ("strided_loop", ctypes.c_void_p),
        ("context", ctypes.c_void_p),
        ("auxdata", ctypes.c_void_p),
        ("requires_pyapi", ctypes.c_ubyte),
        ("no_floatingpoint_errors", ctypes.c_ubyte),
    ]


_CAPSULE_NAME = b"numpy_1.24_ufunc_call_info"
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_STRIDED_LOOP = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
    ctypes.POINTER(ctypes.c_ssize_t), ctypes.POINTER(ctypes.c_ssize_t), ctypes.c_void_p,
)


@dataclass(frozen=True)
class _LoopSpec:
    ufunc: str  # numpy ufunc name
    dtypes: tuple[np.dtype, ...]  # loop operand dtypes, inputs then output
    consts: tuple[Any, ...]  # per input: the Python constant (passed with stride 0) or None for an array

    @property
    def strides(self) -> tuple[int, ...]:
        ins = tuple(0 if c is not None else d.itemsize for c, d in zip(self.consts, self.dtypes))
        return ins + (self.dtypes[-1].itemsize,)


_loop_lock = threading.Lock()
_loops: dict[_LoopSpec, tuple[int, int, int]] = {}
_capsules: list[Any] = []  # own each loop's context and auxdata for the life of the process


def _probe_values(dtype: np.dtype, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -3.0, np.nan, np.inf, -np.inf, 1e-310, 700.0, -750.0, 1e30]
    values = np.concatenate([
        special, np.linspace(-20, 20, 401), np.geomspace(1e-300, 1e300, 300), -np.geomspace(1e-30, 1e30, 100),
        rng.standard_normal(1200) * 10, rng.uniform(-1, 1, 500),
    ])
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, NaN where NaN, and the same sign on zeros."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))))


def _verify_loop(spec: _LoopSpec, ufunc: np.ufunc, addresses: tuple[int, int, int]) -> bool:
    """Run the loop through ctypes on probe values and compare with calling the ufunc."""
    arrays: list[np.ndarray] = []
    call_args: list[Any] = []
    for k, (dtype, const) in enumerate(zip(spec.dtypes, spec.consts)):
        if const is None:
            values = _probe_values(dtype, seed=k)
            arrays.append(values)
            call_args.append(values)
        else:
            arrays.append(np.array([const], dtype=dtype))
            call_args.append(const)
    count = max((len(a) for a, c in zip(arrays, spec.consts) if c is None), default=1)
    out = np.empty(count, dtype=spec.dtypes[-1])
    pointers = (ctypes.c_void_p * (len(arrays) + 1))(*(a.ctypes.data for a in [*arrays, out]))
    strides = (ctypes.c_ssize_t * len(spec.strides))(*spec.strides)
    loop, loop_context, auxdata = addresses
    with np.errstate(all="ignore"):
        status = _STRIDED_LOOP(loop)(loop_context, pointers, (ctypes.c_ssize_t * 1)(count), strides, auxdata)
        expected = ufunc(*call_args, dtype=spec.dtypes[-1])
    return status == 0 and _same_bits(out, np.asarray(expected))


def _numpy_loop(spec: _LoopSpec) -> tuple[int, int, int]:
    """Addresses (loop, context, auxdata) of numpy's inner loop for ``spec``, verified."""
    with _loop_lock:
        if spec in _loops:
            return _loops[spec]
        ufunc = getattr(np, spec.ufunc)
        try:
            _, call_info = ufunc._resolve_dtypes_and_context(spec.dtypes)
            ufunc._get_strided_loop(call_info, fixed_strides=spec.strides)
            info = _UfuncCallInfo.from_address(_capsule_pointer(call_info, _CAPSULE_NAME))
        except (AttributeError, TypeError, ValueError) as exc:  # private numpy API moved
            raise UnsupportedProgram("numpy-loop-unavailable", f"{spec.ufunc}: {exc}") from None
        addresses = (info.strided_loop or 0, info.context or 0, info.auxdata or 0)
        if info.requires_pyapi or not addresses[0] or not _verify_loop(spec, ufunc, addresses):
            raise UnsupportedProgram("numpy-loop-unavailable", f"{spec.ufunc} {spec.dtypes} failed verification")
        _capsules.append(call_info)
        _loops[spec] = addresses
        return addresses


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "f":
        return _same_bits(a, b)
    return a.dtype == b.dtype and np.array_equal(a, b)


def _scalar_power_path(dtype: np.dtype, exponent: bool | int | float) -> str:
    return _scalar_power_path_typed(dtype, type(exponent), exponent)  # 2, 2.0 and True == 1 hash alike


@functools.cache
def _scalar_power_path_typed(dtype: np.dtype, _: type, exponent: bool | int | float) -> str:
    """Which operation ``ndarray ** exponent`` runs: "power", "square", "square64", "reciprocal" or "sqrt".

    numpy's ``fast_scalar_power`` (multiarray/number.c) swaps in square,
    reciprocal or sqrt for some exponents; which ones, for which dtypes and
    which Python scalar types has changed between releases, and the result
    differs from pow() at -0.0 and -inf and in dtype (bool ** 2 is int8).
    So ask the installed numpy; when several candidates agree on every probe,
    the native one is taken.
    """
    if dtype.kind == "f":
        probe = _probe_values(dtype, seed=7)
    elif dtype.kind == "b":
        probe = np.array([True, False])
    else:
        info = np.iinfo(dtype)
        probe = np.array([0, 1, -1, 2, -3, 7, 100, int(info.min), int(info.max)], dtype=dtype)
    fast = {2: ("square", "square64"), -1: ("reciprocal",), 0.5: ("sqrt",)}.get(exponent, ())
    if type(exponent) is bool or not fast:
        return "power"
    candidates = {
        "square": lambda: np.square(probe),
        "square64": lambda: np.square(probe.astype(np.float64)),
        "reciprocal": lambda: np.reciprocal(probe) if dtype.kind == "f" else None,
        "sqrt": lambda: np.sqrt(probe),
    }
    with np.errstate(all="ignore"):
        try:
            actual = probe**exponent
        except (ValueError, ZeroDivisionError):  # integer ** negative raises, as power does
            return "power"
        for name in fast:
            result = candidates[name]()
            if result is not None and _identical(actual, result):
                return name
    return "power"


@functools.cache
def _min_max_tie(ufunc_name: str, dtype: np.dtype) -> str | None:
    """Which operand numpy's float minimum/maximum returns for equal operands (0.0 vs -0.0).

    Depends on the SIMD path numpy dispatches to (x86 minpd returns the second).
    None if it varies with length or broadcasting: then the numpy loop is called.
    """
    ufunc = getattr(np, ufunc_name)
    seen = set()
    for n in (1, 2, 3, 7, 8, 9, 16, 17, 31, 64, 65, 257):
        zero = np.zeros(n, dtype)
        for a, b in ((zero, -zero), (-zero, zero), (zero, -0.0), (-zero, 0.0), (-0.0, zero)):
            result = np.signbit(ufunc(a, b))
            if np.array_equal(result, np.signbit(np.broadcast_to(b, result.shape))):
                seen.add("second")
            elif np.array_equal(result, np.signbit(np.broadcast_to(a, result.shape))):
                seen.add("first")
            else:
                return None
    return seen.pop() if len(seen) == 1 else None


# --- lowering -------------------------------------------------------------------------

@dataclass
class _Lowered:
    dtype: np.dtype | None  # None for constants
    expr: str = ""  # a Numba expression over v<step> names (native steps and inputs)
    loop: _LoopSpec | None = None  # set for steps computed by a numpy loop
    loop_operands: tuple[int, ...] = ()  # step indices of the loop's inputs
    check: str = ""  # a statement after the step: sets ``st`` bits where numpy would report an FP exception


def _float_src(value: float) -> str:
    if math.isnan(value):
        return "np.nan"
    if math.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(value)  # round-trips exactly, -0.0 included


def _literal(value: bool | int | float, dtype: np.dtype) -> str:
    """A Python constant converted to ``dtype`` the way numpy converts a scalar operand."""
    try:
        with np.errstate(over="ignore"):
            converted = np.asarray(value, dtype=dtype)
    except (OverflowError, ValueError):  # numpy 2 refuses out-of-range Python ints
        raise UnsupportedProgram("const-out-of-range", f"{value!r} as {dtype}") from None
    if dtype.kind == "b":
        return repr(bool(converted))
    if dtype.kind == "i":
        if int(converted) != value:
            raise UnsupportedProgram("const-out-of-range", f"{value!r} as {dtype}")
        return f"np.{dtype.name}({int(converted)})"
    return f"np.{dtype.name}({_float_src(float(converted))})"


def _cast(expr: str, src: np.dtype, dst: np.dtype) -> str:
    if src == dst:
        return expr
    if dst.kind == "b":
        return f"({expr} != 0)"  # astype(bool): nonzero and NaN are True
    assert not (src.kind == "f" and dst.kind != "f"), (src, dst)  # numpy never promotes float to int
    return f"np.{dst.name}({expr})"


def _can_hold(dtype: np.dtype, value: bool | int | float) -> bool:
    """pandas' ``np_can_hold_element`` for a scalar: can it be stored without upcasting."""
    if dtype.kind == "b":
        return type(value) is bool
    if type(value) is bool:
        return False
    if dtype.kind == "i":
        if isinstance(value, float) and not value.is_integer():
            return False
        info = np.iinfo(dtype)
        return info.min <= value <= info.max
    with np.errstate(over="ignore"):
        stored = dtype.type(value)
        return bool(np.isnan(stored) or stored == value)  # compares in dtype (NEP 50), as pandas does


class StepLowering:
    """What the kernel generators share: each step's operands under numpy's dtype rules.

    Subclasses give the target language's ``literal`` and ``cast``.
    """

    def __init__(self, program: ElementwiseProgram, dtypes: Sequence[np.dtype | None]) -> None:
        self.steps = program.steps
        self.dtypes = dtypes
        self.lowered: list[_Lowered] = []

    def literal(self, value: bool | int | float, dtype: np.dtype) -> str:
        raise NotImplementedError

    def cast(self, expr: str, src: np.dtype, dst: np.dtype) -> str:
        raise NotImplementedError

    # operands
    def _const(self, index: int) -> bool | int | float | None:
        node = self.steps[index].node
        return node.value if isinstance(node, Const) else None

    def _is_const(self, index: int) -> bool:
        return isinstance(self.steps[index].node, Const)

    def _dtype(self, index: int) -> np.dtype:
        dtype = self.lowered[index].dtype
        assert dtype is not None
        return dtype

    def _operand(self, index: int, dtype: np.dtype) -> str:
        if self._is_const(index):
            return self.literal(self._const(index), dtype)  # type: ignore[arg-type]
        return self.cast(f"v{index}", self._dtype(index), dtype)

    def _kind(self, index: int) -> str:
        value = self._const(index)
        return self._dtype(index).kind if value is None else np.dtype(type(value)).kind

    def _numpy_type(self, index: int) -> Any:
        """What numpy sees for an operand: a dtype, or the weak Python type of a constant (NEP 50)."""
        value = self._const(index)
        if value is None:
            return self._dtype(index)
        return np.dtype(bool) if type(value) is bool else type(value)

    def _resolve(self, fn: str, operands: tuple[int, ...]) -> tuple[tuple[np.dtype, ...], np.dtype]:
        ufunc = _UFUNCS[fn]
        try:
            resolved = ufunc.resolve_dtypes(tuple(self._numpy_type(i) for i in operands) + (None,))
        except (TypeError, ValueError) as exc:
            raise UnsupportedProgram("unsupported-operand", f"{fn}: {exc}") from None
        for dtype in resolved:
            if dtype not in SUPPORTED_DTYPES:
                raise UnsupportedProgram("dtype", f"{fn} runs numpy's {dtype} loop")
        ins, out = resolved[:-1], resolved[-1]
        if len(set(ins)) > 1:
            raise UnsupportedProgram("unsupported-operand", f"{fn} runs a mixed {ins} loop")
        return ins, out



class _Lowering(StepLowering):
    """Each step to a Numba expression (or a numpy loop call) with numpy's exact dtype semantics."""

    literal = staticmethod(_literal)
    cast = staticmethod(_cast)

    def run(self) -> list[_Lowered]:
        for index, step in enumerate(self.steps):
            dtype = self.dtypes[index]
            if dtype is not None and dtype not in SUPPORTED_DTYPES:
                raise UnsupportedProgram("dtype", f"{self._line(index)} is {dtype}")
            node = step.node
            if isinstance(node, Const):
                self.lowered.append(_Lowered(None))
            elif isinstance(node, Input):
                self.lowered.append(_Lowered(dtype, expr=f"in{node.index}[i]"))
            else:
                lowered = self._apply(index, node.fn, step.operands)
                if lowered.dtype != dtype:
                    raise UnsupportedProgram("unsupported-operand", f"{self._line(index)}: pandas gives {dtype}, numpy's loop {lowered.dtype}")
                self.lowered.append(lowered)
        return self.lowered

    def _line(self, index: int) -> str:
        step = self.steps[index]
        return step.node.fn if isinstance(step.node, Apply) else repr(step.node)

    # functions
    def _apply(self, index: int, fn: str, ops: tuple[int, ...]) -> _Lowered:
        if fn in ("neg", "invert") and self._dtype(ops[0]).kind == "b":
            return _Lowered(np.dtype(bool), f"(not v{ops[0]})")  # pandas negates bools with ~
        if fn in ("isna", "notna"):
            dtype = self._dtype(ops[0])
            isna = f"np.isnan(v{ops[0]})" if dtype.kind == "f" else "False"
            return _Lowered(np.dtype(bool), isna if fn == "isna" else f"(not {isna})")
        if fn == "where":
            return self._lower_where(index, ops)
        if fn in ("fillna", "clip"):
            return getattr(self, f"_lower_{fn}")(ops)
        if fn == "pow":
            return self._lower_pow(ops)
        if fn in ("and", "or", "xor"):
            return self._lower_bitwise(fn, ops)
        ins, out = self._resolve(fn, ops)
        if fn in LOOP_FUNCTIONS:
            return self._loop(fn, ops, ins, out)
        a, *rest = (self._operand(i, dtype) for i, dtype in zip(ops, ins))
        b = rest[0] if rest else ""
        kind = out.kind
        if fn in ("add", "sub", "mul", "truediv"):
            if kind == "b":  # numpy's bool add is `or`, multiply is `and`
                return _Lowered(out, f"({a} {'|' if fn == 'add' else '&'} {b})")
            return _Lowered(out, _arith(a, dict(add="+", sub="-", mul="*", truediv="/")[fn], b, out))
        if fn in ("floordiv", "mod"):
            return self._lower_divmod(fn, ops, a, b, out)
        if fn in _COMPARISONS:
            return _Lowered(out, f"({a} {_COMPARISONS[fn]} {b})")
        if fn == "neg":
            return _Lowered(out, _wrap(f"-{a}", out))
        if fn == "invert":
            return _Lowered(out, _wrap(f"~{a}", out))
        if fn == "abs":
            if kind == "b":
                return _Lowered(out, a)
            return _Lowered(out, f"abs({a})" if kind == "f" else _wrap(f"{a} if {a} >= 0 else -{a}", out))
        if fn == "sqrt":
            # invalid: sqrt of x < 0 (-inf too; not -0.0 or NaN), as numpy's loop reports it
            return _Lowered(out, f"np.sqrt({a})", check=f"if {a} < 0: st |= {FE_INVALID}" if kind == "f" else "")
        if fn == "square":
            check = f"if np.isinf(v{index}) and not np.isinf({a}): st |= {FE_OVERFLOW}" if kind == "f" else ""
            return _Lowered(out, _arith(a, "*", a, out), check=check)
        if fn in ("floor", "ceil"):
            return _Lowered(out, f"np.{fn}({a})" if kind == "f" else a)
        if fn == "sign":
            one, minus_one, zero = (_literal(v, out) for v in (1, -1, 0))
            nan_case = f" if {a} == 0 else {a}" if kind == "f" else ""  # sign(nan) is nan
            return _Lowered(out, f"({one} if {a} > 0 else {minus_one} if {a} < 0 else {zero}{nan_case})")
        if fn in ("minimum", "maximum"):
            return self._lower_min_max(fn, ops, a, b, ins, out)
        raise AssertionError(fn)

    def _loop(self, fn: str, ops: tuple[int, ...], ins: tuple[np.dtype, ...], out: np.dtype) -> _Lowered:
        ufunc = _UFUNCS[fn].__name__
        consts = tuple(self._const(i) for i in ops)
        spec = _LoopSpec(ufunc, (*ins, out), consts)
        _numpy_loop(spec)  # fail now, not inside the kernel
        return _Lowered(out, loop=spec, loop_operands=ops)

    def _lower_divmod(self, fn: str, ops: tuple[int, ...], a: str, b: str, out: np.dtype) -> _Lowered:
        if out.kind == "f":
            helper = "floor_divide" if fn == "floordiv" else "remainder"
            return _Lowered(out, f"{helper}_{out.name}({a}, {b})")
        # pandas turns int results into float64 where the divisor is 0, so only
        # a nonzero constant divisor has a value-independent dtype.
        divisor = self._const(ops[1])
        if divisor is None or divisor == 0 or self._is_const(ops[0]):
            raise UnsupportedProgram("data-dependent-dtype", f"integer {fn} by a column or by 0")
        if divisor == -1:  # MIN // -1 overflows (numpy wraps to MIN); MIN % -1 is 0
            return _Lowered(out, _wrap(f"-{a}", out) if fn == "floordiv" else _literal(0, out))
        return _Lowered(out, _wrap(f"{a} {'//' if fn == 'floordiv' else '%'} {b}", out))

    def _lower_pow(self, ops: tuple[int, ...]) -> _Lowered:
        base, exponent = ops
        value = self._const(exponent)
        if value is not None and not self._is_const(base):
            dtype, x = self._dtype(base), f"v{base}"
            path = _scalar_power_path(dtype, value)
            if path == "square":
                square = _UFUNCS["square"].resolve_dtypes((dtype, None))[0]
                return _Lowered(square, _arith(_cast(x, dtype, square), "*", _cast(x, dtype, square), square))
            if path == "square64":
                x64 = _cast(x, dtype, np.dtype(np.float64))
                return _Lowered(np.dtype(np.float64), f"({x64} * {x64})")
            if path == "reciprocal":
                return _Lowered(dtype, f"({_literal(1, dtype)} / {x})")
            if path == "sqrt":
                root = _UFUNCS["sqrt"].resolve_dtypes((dtype, None))[0]
                return _Lowered(root, f"np.sqrt({_cast(x, dtype, root)})")
        ins, out = self._resolve("pow", ops)
        if out.kind == "f":
            return self._loop("pow", ops, ins, out)
        # Integer power raises for negative exponents (unless the column is
        # empty): only a constant non-negative one has a value-independent outcome.
        if value is None or value < 0 or self._is_const(base):
            raise UnsupportedProgram("data-dependent-dtype", "integer ** a column or a negative constant")
        return _Lowered(out, _wrap(f"int_power({_cast(f'v{base}', self._dtype(base), np.dtype('int64'))}, {int(value)})", out))

    def _lower_bitwise(self, fn: str, ops: tuple[int, ...]) -> _Lowered:
        if any(self._kind(i) not in "bi" for i in ops):  # pandas casts floats through object, fills NaN
            raise UnsupportedProgram("unsupported-operand", f"{fn} of a float operand")
        ins, out = self._resolve(fn, ops)
        a, b = (self._operand(i, dtype) for i, dtype in zip(ops, ins))
        expr = f"({a} {_BITWISE[fn]} {b})" if out.kind == "b" else _wrap(f"{a} {_BITWISE[fn]} {b}", out)
        if out.kind == "i" and not all(self._kind(i) == "i" for i in ops):  # pandas' logical_op: bool unless int op int
            return _Lowered(np.dtype(bool), f"({expr} != 0)")
        return _Lowered(out, expr)

    def _lower_min_max(self, fn: str, ops: tuple[int, ...], a: str, b: str, ins: tuple[np.dtype, ...], out: np.dtype) -> _Lowered:
        strict = "<" if fn == "minimum" else ">"
        if out.kind != "f":
            return _Lowered(out, f"({a} if {a} {strict} {b} else {b})")
        tie = _min_max_tie(_UFUNCS[fn].__name__, out)
        if tie is None:
            return self._loop(fn, ops, ins, out)
        compare = strict if tie == "second" else strict + "="
        return _Lowered(out, f"({a} if ({a} {compare} {b} or np.isnan({a})) else {b})")  # NaN propagates

    def _lower_fillna(self, ops: tuple[int, ...]) -> _Lowered:
        column, value = ops
        dtype = self._dtype(column)
        if dtype.kind != "f":  # nothing to fill: pandas returns the column
            return _Lowered(dtype, f"v{column}")
        const = self._const(value)
        if const is not None:
            if not _can_hold(dtype, const):
                raise UnsupportedProgram("data-dependent-dtype", f"fillna({const!r}) upcasts {dtype} where NaN")
            fill = _literal(const, dtype)
        elif self._dtype(value) == dtype:
            fill = f"v{value}"
        else:
            raise UnsupportedProgram("unsupported-operand", f"fillna of {dtype} from a {self._dtype(value)} column")
        return _Lowered(dtype, f"({fill} if np.isnan(v{column}) else v{column})")

    def _lower_where(self, index: int, ops: tuple[int, ...]) -> _Lowered:
        cond, a, b = ops
        if self._is_const(cond):
            truth = repr(bool(self._const(cond)))
        else:
            truth = _cast(f"v{cond}", self._dtype(cond), np.dtype(bool))
        # np.where's result dtype is np.result_type of the branches (Python
        # scalars weak); only infer_dtypes knows it without re-deriving NEP 50.
        out = self.dtypes[index]
        assert out is not None
        return _Lowered(out, f"({self._operand(a, out)} if {truth} else {self._operand(b, out)})")

    def _lower_clip(self, ops: tuple[int, ...]) -> _Lowered:
        column, lower_op, upper_op = ops
        if not (self._is_const(lower_op) and self._is_const(upper_op)):
            raise UnsupportedProgram("unsupported-operand", "clip bounds must be constants")
        dtype = self._dtype(column)
        x = f"v{column}"
        # Series.clip: NaN bounds mean "no bound", swapped bounds are reordered,
        # then `where(x >= lower | isna(x), lower)` and likewise for upper.
        lower, upper = (self._const(i) for i in (lower_op, upper_op))
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
                keep = f"(np.isnan({x}) or {keep})"
            expr = f"({expr} if {keep} else {_literal(bound, dtype)})"
        return _Lowered(dtype, expr)


def _wrap(expr: str, dtype: np.dtype) -> str:
    """Give an arithmetic result numpy's dtype: Numba would widen small ints to int64."""
    return f"np.{dtype.name}({expr})"


def _arith(a: str, op: str, b: str, dtype: np.dtype) -> str:
    """``a op b`` in ``dtype``, wrapping on integer overflow as numpy does.

    Numba marks signed add/sub/mul ``nsw`` (overflow is undefined behaviour),
    and LLVM exploits it: ``x * x != 0`` becomes ``x != 0``, wrong for
    x = -2**63. Unsigned arithmetic wraps by definition and has the same bits.
    """
    if dtype.kind == "i":
        return _wrap(f"np.uint64({a}) {op} np.uint64({b})", dtype)
    return _wrap(f"{a} {op} {b}", dtype)


# --- code generation -------------------------------------------------------------------

_HELPERS = "call_loop1, call_loop2, floor_divide_float32, floor_divide_float64, fp_clear, fp_test, int_power, remainder_float32, remainder_float64"
_DECORATORS = {
    "parallel": '@numba.njit(parallel=True, nogil=True, cache=True, fastmath=False, error_model="numpy")',
    "serial": '@numba.njit(nogil=True, cache=True, fastmath=False, error_model="numpy")',
}


def _generate(program: ElementwiseProgram, lowered: list[_Lowered]) -> tuple[str, list[_LoopSpec]]:
    """Source of a module defining ``kernel_serial`` and ``kernel_parallel`` (same body)."""
    steps = program.steps
    root = len(steps) - 1
    loop_steps = [i for i, low in enumerate(lowered) if low.loop is not None]
    params = [f"in{k}" for k in range(len(program.input_dtypes))] + ["out", "status"] + (["loops"] if loop_steps else [])
    lines = [
        f"# Generated by stratum.backends.numba.kernels ({_FINGERPRINT}); do not edit.",
        f"# {program.key()}",
        "import numba",
        "import numpy as np",
        f"from stratum.backends.numba.kernels import {_HELPERS}",
    ]
    for variant, loop_range in (("serial", "range"), ("parallel", "numba.prange")):
        if loop_steps:
            body = _blocked_body(steps, lowered, loop_steps, loop_range)
        else:
            # Blocks too, so each records its thread's floating-point status.
            body = ["n = out.shape[0]", f"for block in {loop_range}((n + {BLOCK - 1}) // {BLOCK}):"]
            # (Unsigned row numbers: a signed index makes Numba check for
            # negative ones, which stops LLVM vectorizing the loop.)
            rows = [
                "st = 0", f"start = np.uint64(block * {BLOCK})", f"count = np.uint64(min({BLOCK}, n - block * {BLOCK}))",
                "for j in range(count):", "    i = start + j",
            ]
            rows += ["    " + line for line in _row_statements(steps, lowered, range(root + 1))]
            rows += [f"    out[i] = v{root}", "status[block] = st"]
            body += ["    " + line for line in rows]
        lines += ["", "", _DECORATORS[variant], f"def kernel_{variant}({', '.join(params)}):"]
        lines += ["    " + line for line in body]
    return "\n".join(lines) + "\n", [lowered[i].loop for i in loop_steps]  # type: ignore[misc]


def _row_statements(steps: Sequence[Step], lowered: list[_Lowered], needed: Sequence[int] | set[int]) -> list[str]:
    """``v<k> = ...`` for the needed steps, in dependency order (constants are inlined)."""
    lines = []
    for index in sorted(needed):
        low = lowered[index]
        if isinstance(steps[index].node, Const):
            continue
        lines.append(f"v{index} = {low.expr if low.loop is None else f'o{index}[j]'}")
        if low.check:
            lines.append(low.check)
    return lines


def _blocked_body(steps: Sequence[Step], lowered: list[_Lowered], loop_steps: list[int], loop_range: str) -> list[str]:
    """Blocks of BLOCK rows; per block, row loops alternate with numpy loop calls.

    A step's stage is how many numpy loop calls lie on its longest input path:
    row loop ``k`` computes the inputs of the stage ``k + 1`` loops into
    buffers, then those loops run. Inputs that already sit in an array of the
    right dtype (an input column, another loop's output) are passed directly.
    """
    root = len(steps) - 1
    stage = [0] * len(steps)
    for index, step in enumerate(steps):
        stage[index] = max((stage[i] for i in step.operands), default=0) + (lowered[index].loop is not None)
    loop_row = {index: row for row, index in enumerate(loop_steps)}

    def direct(operand: int, dtype: np.dtype) -> str | None:
        node, low = steps[operand].node, lowered[operand]
        if low.dtype != dtype:
            return None
        if isinstance(node, Input):
            return f"in{node.index}[start:start + count]"
        return f"o{operand}" if low.loop is not None else None

    lines = ["n = out.shape[0]", f"for block in {loop_range}((n + {BLOCK - 1}) // {BLOCK}):"]
    block = [
        "st = 0", f"start = block * {BLOCK}", f"count = min({BLOCK}, n - start)",
        "ustart = np.uint64(start)", "ucount = np.uint64(count)",  # row loops index unsigned (see _generate)
    ]
    stores: dict[int, list[tuple[int, str, np.dtype]]] = {}  # stage -> (operand, buffer, dtype)
    calls: dict[int, list[str]] = {}  # stage whose row loop precedes the call -> call statements
    for index in loop_steps:
        spec = lowered[index].loop
        assert spec is not None
        arguments = []
        for position, operand in enumerate(lowered[index].loop_operands):
            dtype = spec.dtypes[position]
            if spec.consts[position] is not None:
                arguments.append(_literal(spec.consts[position], dtype))
                continue
            source = direct(operand, dtype)
            if source is None:
                source = f"a{index}_{position}"
                block.append(f"{source} = np.empty({BLOCK}, np.{dtype.name})")
                stores.setdefault(stage[index] - 1, []).append((operand, source, dtype))
            arguments.append(source)
        if index == root:
            arguments.append("out[start:start + count]")
        else:
            block.append(f"o{index} = np.empty({BLOCK}, np.{spec.dtypes[-1].name})")
            arguments.append(f"o{index}")
        row = loop_row[index]
        call = f"call_loop{len(spec.consts)}(loops[{row}, 0], loops[{row}, 1], loops[{row}, 2], count, {', '.join(arguments)})"
        if steps[index].node.fn in _REPORTING_LOOPS:  # type: ignore[union-attr]
            # numpy's own loop sets the flags exactly as under numpy; only its own are read.
            calls.setdefault(stage[index] - 1, []).extend([f"fp_clear({_FE_ALL})", call, f"st |= fp_test({_FE_ALL})"])
        else:
            calls.setdefault(stage[index] - 1, []).append(call)
    last = stage[root] if lowered[root].loop is None else stage[root] - 1
    for k in range(last + 1):
        targets = [operand for operand, _, _ in stores.get(k, [])]
        if k == last and lowered[root].loop is None:
            targets.append(root)
        if targets:
            block += ["for j in range(ucount):", "    i = ustart + j"]
            block += ["    " + line for line in _row_statements(steps, lowered, _needed(steps, lowered, targets))]
            block += [f"    {buffer}[j] = {_cast(f'v{operand}', lowered[operand].dtype, dtype)}" for operand, buffer, dtype in stores.get(k, [])]  # type: ignore[arg-type]
            if k == last and lowered[root].loop is None:
                block.append(f"    out[i] = v{root}")
        block += calls.get(k, [])
    block.append("status[block] = st")
    return lines + ["    " + line for line in block]


def _needed(steps: Sequence[Step], lowered: list[_Lowered], targets: list[int]) -> set[int]:
    """Steps a row loop evaluates for ``targets``; loop results are read, not recomputed."""
    needed: set[int] = set()
    stack = list(targets)
    while stack:
        index = stack.pop()
        if index in needed:
            continue
        needed.add(index)
        if lowered[index].loop is None:
            stack.extend(steps[index].operands)
    return needed


# --- loading, caching, calling -------------------------------------------------------------

@functools.cache
def _kernel_dir() -> Path:
    try:
        return private_dir("numba")
    except (UnsafeCacheDir, OSError):
        # Without a trustworthy cache, compile in a private directory: correct, just not reused.
        return Path(tempfile.mkdtemp(prefix="stratum-numba-"))


def _write_once(path: Path, source: str) -> None:
    """Create ``path`` atomically; an identical file is left alone, since Numba's
    cache index is keyed by the source file's mtime."""
    try:
        if path.read_text() == source:
            return
        exists = True
    except FileNotFoundError:
        exists = False
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(source)
        if exists:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails rather than clobber a file another process just wrote
            except FileExistsError:
                pass
    finally:
        Path(temporary).unlink(missing_ok=True)


def _load(source: str) -> ModuleType:
    digest = hashlib.sha256(source.encode()).hexdigest()[:32]
    name = f"stratum_numba_kernel_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = _kernel_dir() / f"k_{digest}.py"
    _write_once(path, source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


class Kernel:
    """A compiled program: ``kernel(*arrays)`` returns what pandas would, as an ndarray.

    Arrays must be 1-d, of the program's input dtypes and of equal length.
    ``out``, if given, is a contiguous array of ``out_dtype`` and that length,
    not overlapping the inputs, to write into (a reused buffer saves the page
    faults of a fresh one).
    """

    def __init__(self, program: ElementwiseProgram, out_dtype: np.dtype, module: ModuleType, loops: np.ndarray | None) -> None:
        self.program = program
        self.input_dtypes = tuple(np.dtype(d) for d in program.input_dtypes)
        self.out_dtype = out_dtype
        self.source_path = Path(module.__file__ or "")
        self.serial = module.kernel_serial
        self.parallel = module.kernel_parallel
        self._extra = () if loops is None else (loops,)
        # Whether an exception is only seen in the hardware flags (a numpy loop pandas reports for).
        self.reads_fp_flags = any(isinstance(s.node, Apply) and s.node.fn in _REPORTING_LOOPS for s in program.steps)

    def __call__(self, *arrays: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return self.run(*arrays, out=out)[0]

    def run(self, *arrays: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """The result and the floating-point exceptions raised computing it
        (``FE_REPORTED`` bits: those numpy would have warned about)."""
        if len(arrays) != len(self.input_dtypes):
            raise TypeError(f"kernel takes {len(self.input_dtypes)} arrays, got {len(arrays)}")
        prepared = []
        for k, (array, dtype) in enumerate(zip(arrays, self.input_dtypes)):
            array = np.asarray(array)
            if array.dtype != dtype or array.ndim != 1:
                raise TypeError(f"argument {k}: expected a 1-d {dtype} array, got {array.ndim}-d {array.dtype}")
            if len(array) != len(arrays[0]):
                raise ValueError(f"argument {k} has {len(array)} rows, argument 0 has {len(arrays[0])}")
            prepared.append(np.ascontiguousarray(array))
        n = len(prepared[0])
        if out is None:
            out = np.empty(n, dtype=self.out_dtype)
        elif out.dtype != self.out_dtype or out.shape != (n,) or not out.flags.c_contiguous or not out.flags.writeable:
            raise TypeError(f"out must be a writeable contiguous ({n},) {self.out_dtype} array")
        elif any(np.may_share_memory(out, array) for array in prepared):
            raise ValueError("out overlaps an input")  # a shifted overlap would feed outputs back in as inputs
        status = np.zeros((n + BLOCK - 1) // BLOCK, dtype=np.int32)
        if n:
            parallel = n >= PARALLEL_MIN_ROWS and numba.get_num_threads() > 1
            (self.parallel if parallel else self.serial)(*prepared, out, status, *self._extra)
        return out, int(np.bitwise_or.reduce(status, initial=0)) & FE_REPORTED


_compile_lock = threading.Lock()
_kernels: dict[str, Kernel | UnsupportedProgram] = {}


def _build(program: ElementwiseProgram) -> Kernel:
    dtypes = infer_dtypes(program)
    lowered = _Lowering(program, dtypes).run()
    source, specs = _generate(program, lowered)
    module = _load(source)
    loops = np.array([_numpy_loop(spec) for spec in specs], dtype=np.intp).reshape(-1, 3) if specs else None
    out_dtype = dtypes[-1]
    assert out_dtype is not None
    return Kernel(program, out_dtype, module, loops)


def compile_program(program: ElementwiseProgram) -> Kernel:
    """The kernel for ``program``; raises UnsupportedProgram (callers fall back to pandas).

    Kernels and refusals are cached per process by the program's key, which
    includes the input dtypes; machine code is cached on disk by Numba.
    """
    key = program.key()
    with _compile_lock:
        result = _kernels.get(key)
        if result is None:
            try:
                result = _build(program)
            except UnsupportedProgram as exc:
                result = exc
            _kernels[key] = result
    if isinstance(result, UnsupportedProgram):
        raise UnsupportedProgram(result.reason, result.detail)
    return result
