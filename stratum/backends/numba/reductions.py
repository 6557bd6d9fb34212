"""Series reductions (sum, mean, min, max, std, var, count, nunique) as Numba kernels.

Results are bitwise what pandas returns (value and scalar type) for numpy
bool / int32 / int64 / float32 / float64 columns with ``skipna=True``. pandas
(without bottleneck, which this project does not install) computes them in
``pandas.core.nanops`` with numpy reductions, so the kernels replicate numpy's
summation order exactly rather than summing in whatever order is fastest:

* ``ndarray.sum`` of a contiguous array that needs no cast is
  ``0.0 + pairwise_sum(values)``: numpy's ``pairwise_sum`` (``loops_utils.h``)
  sums blocks of at most ``PW_BLOCKSIZE`` = 128 elements with 8 interleaved
  accumulators combined as ``((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))``, and splits
  longer runs at ``n/2`` rounded down to a multiple of 8.
* A sum that casts (int64 -> float64 for ``mean``, float32 -> float64 inside
  ``var``) goes through the iterator's buffer: ``np.getbufsize()`` elements
  (8192) at a time, each buffer pairwise-summed and added to the running total
  in order.

pandas replaces NaN by 0.0 before summing (and by +/-inf before min/max); the
kernels do the same substitution on the fly instead of copying the column.
Parallel kernels split the pairwise recursion tree at a fixed depth (or sum the
8192-element buffers independently) and combine the partial sums in the order
the recursion would, so every thread count gives the same bits. Integer sums
wrap modulo 2**64 like numpy's. ``min``/``max`` of floats are exact except for
which zero numpy's SIMD loop returns when both 0.0 and -0.0 tie for the
minimum: that rare case is delegated to numpy itself.

Kernels are generated as a module in the Numba kernel cache directory (the one
:mod:`stratum.backends.numba.kernels` uses), so ``cache=True`` stores their
machine code there and later processes load it instead of compiling.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

import numba
import numpy as np
import pandas as pd

from stratum.backends.numba import kernels

OPS = ("sum", "mean", "min", "max", "std", "var", "count", "nunique")
SUPPORTED_DTYPES = frozenset(np.dtype(n) for n in ("bool", "int32", "int64", "float32", "float64"))
# Below this many rows one thread wins: waking the pool costs microseconds.
PARALLEL_MIN_ROWS = 1 << 17
# Each parallel pairwise segment keeps at least this many rows (and there are
# at most 2**MAX_DEPTH of them); both only affect speed, never the result.
MIN_SEGMENT = 1 << 15
MAX_DEPTH = 6


class UnsupportedReduction(Exception):
    """pandas semantics for this reduction/column are not implemented here; use pandas."""


# --- generated kernel module ------------------------------------------------------------

# How each pairwise-sum variant reads element ``i``: NaN counts as 0 (pandas
# fills NaN with 0 before summing). "same" accumulates in the column's float
# dtype, "f8" casts to float64 first, "sq" is var's (avg - x) ** 2 term, which
# numpy computes with square(), i.e. d * d.
_LOADS = {
    "same": "x = a[i]\n    return zero if x != x else x",
    "f8": "x = np.float64(a[i])\n    return 0.0 if x != x else x",
    "sq": "x = np.float64(a[i])\n    d = avg - x\n    return 0.0 if x != x else d * d",
}

_SERIAL = '@numba.njit(nogil=True, cache=True, error_model="numpy")'
_PARALLEL = '@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")'

_PAIRWISE_TEMPLATE = '''
{serial}
def load_{name}(a, i, zero, avg):
    {load}


{serial}
def pairwise_{name}(a, start, n, zero, avg):
    """numpy's pairwise_sum over a[start:start + n] (loops_utils.h.src)."""
    if n < 8:
        res = -zero  # numpy starts short runs at -0.0 so that -0.0 sums keep their sign
        for i in range(start, start + n):
            res += load_{name}(a, i, zero, avg)
        return res
    if n <= 128:
        r0 = load_{name}(a, start, zero, avg)
        r1 = load_{name}(a, start + 1, zero, avg)
        r2 = load_{name}(a, start + 2, zero, avg)
        r3 = load_{name}(a, start + 3, zero, avg)
        r4 = load_{name}(a, start + 4, zero, avg)
        r5 = load_{name}(a, start + 5, zero, avg)
        r6 = load_{name}(a, start + 6, zero, avg)
        r7 = load_{name}(a, start + 7, zero, avg)
        end = start + n - n % 8
        i = start + 8
        while i < end:
            r0 += load_{name}(a, i, zero, avg)
            r1 += load_{name}(a, i + 1, zero, avg)
            r2 += load_{name}(a, i + 2, zero, avg)
            r3 += load_{name}(a, i + 3, zero, avg)
            r4 += load_{name}(a, i + 4, zero, avg)
            r5 += load_{name}(a, i + 5, zero, avg)
            r6 += load_{name}(a, i + 6, zero, avg)
            r7 += load_{name}(a, i + 7, zero, avg)
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < start + n:
            res += load_{name}(a, i, zero, avg)
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_{name}(a, start, n2, zero, avg) + pairwise_{name}(a, start + n2, n - n2, zero, avg)


{parallel}
def whole_{name}(a, zero, avg, depth):
    """zero + pairwise_sum(a): the tree is cut at ``depth``, its segments summed in parallel."""
    count = 1 << depth
    starts = np.zeros(count, np.int64)
    sizes = np.zeros(count, np.int64)
    sizes[0] = a.shape[0]
    width = 1
    for _ in range(depth):  # split every segment as pairwise_sum would (callers keep them > 128)
        for k in range(width - 1, -1, -1):
            s = starts[k]
            m = sizes[k]
            n2 = m // 2
            n2 -= n2 % 8
            starts[2 * k] = s
            sizes[2 * k] = n2
            starts[2 * k + 1] = s + n2
            sizes[2 * k + 1] = m - n2
        width *= 2
    sums = np.full(count, zero)
    for k in numba.prange(count):
        sums[k] = pairwise_{name}(a, starts[k], sizes[k], zero, avg)
    while width > 1:  # combine siblings bottom-up: the recursion's own additions
        width //= 2
        for k in range(width):
            sums[k] = sums[2 * k] + sums[2 * k + 1]
    return zero + sums[0]


{parallel}
def buffered_{name}(a, zero, avg, bufsize):
    """A casting numpy sum: zero + sum over buffers of pairwise_sum(buffer), in order."""
    n = a.shape[0]
    count = (n + bufsize - 1) // bufsize
    sums = np.full(max(count, 1), zero)
    for k in numba.prange(count):
        start = k * bufsize
        sums[k] = pairwise_{name}(a, start, min(bufsize, n - start), zero, avg)
    res = zero
    for k in range(count):
        res += sums[k]
    return res
'''

_OTHER_KERNELS = f'''

{_PARALLEL}
def int_sum(a, chunks):
    """Sum in uint64 (wraps like numpy's int64 sum; signed overflow would be UB to LLVM)."""
    n = a.shape[0]
    size = (n + chunks - 1) // chunks
    sums = np.zeros(chunks, np.uint64)
    for c in numba.prange(chunks):
        acc = np.uint64(0)
        for i in range(c * size, min(n, (c + 1) * size)):
            acc += np.uint64(np.int64(a[i]))
        sums[c] = acc
    total = np.uint64(0)
    for c in range(chunks):
        total += sums[c]
    return np.int64(total)


{_PARALLEL}
def nan_count(a, chunks):
    n = a.shape[0]
    size = (n + chunks - 1) // chunks
    counts = np.zeros(chunks, np.int64)
    for c in numba.prange(chunks):
        k = 0
        for i in range(c * size, min(n, (c + 1) * size)):
            x = a[i]
            if x != x:
                k += 1
        counts[c] = k
    return counts.sum()


{_PARALLEL}
def float_min_max(a, chunks, want_max):
    """(min or max of the non-NaN values or +/-inf, whether a non-NaN exists, whether 0.0 and -0.0 both occur)."""
    n = a.shape[0]
    size = (n + chunks - 1) // chunks
    inf = np.float64(np.inf)
    best = np.full(chunks, -inf if want_max else inf)
    for c in numba.prange(chunks):
        m = -inf if want_max else inf
        for i in range(c * size, min(n, (c + 1) * size)):
            x = np.float64(a[i])
            if (x > m) if want_max else (x < m):  # NaN compares false: skipped
                m = x
        best[c] = m
    result = best.max() if want_max else best.min()
    found = result != (-inf if want_max else inf)
    if not found:  # only NaN, or the extreme is an actual infinity
        for i in range(n):
            if a[i] == a[i]:
                found = True
                break
    mixed_zeros = False
    if result == 0:  # numpy's SIMD loop decides which zero wins a tie; see the caller
        positive = False
        negative = False
        for i in range(n):
            if a[i] == 0:
                if np.signbit(a[i]):
                    negative = True
                else:
                    positive = True
        mixed_zeros = positive and negative
    return result, found, mixed_zeros


{_PARALLEL}
def int_min_max(a, chunks, want_max):
    n = a.shape[0]
    size = (n + chunks - 1) // chunks
    best = np.empty(chunks, np.int64)
    for c in numba.prange(chunks):
        start = c * size
        stop = min(n, (c + 1) * size)
        m = np.int64(a[min(start, n - 1)])
        for i in range(start, stop):
            x = np.int64(a[i])
            if (x > m) if want_max else (x < m):
                m = x
        best[c] = m
    return best.max() if want_max else best.min()


{_SERIAL}
def hash_nunique(a, bits):
    """Distinct non-NaN values (0.0 and -0.0 are one, as in pandas' hash tables).

    ``bits`` is ``a`` viewed as integers of its width (``a`` itself for ints):
    keys are compared by bit pattern, and the table (open addressing,
    Fibonacci hashing) doubles whenever it is half full.
    """
    shift = 64 - 10
    keys = np.zeros(1 << 10, np.int64)
    used = np.zeros(1 << 10, np.bool_)
    size = 0
    for i in range(a.shape[0]):
        x = a[i]
        if x != x:
            continue
        key = np.int64(0) if x == 0 else np.int64(bits[i])
        slot = (np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(shift)
        mask = np.uint64(keys.shape[0] - 1)
        while used[slot] and keys[slot] != key:
            slot = (slot + np.uint64(1)) & mask
        if used[slot]:
            continue
        used[slot] = True
        keys[slot] = key
        size += 1
        if 2 * size > keys.shape[0]:
            old_keys = keys
            old_used = used
            shift -= 1
            keys = np.zeros(old_keys.shape[0] * 2, np.int64)
            used = np.zeros(old_keys.shape[0] * 2, np.bool_)
            mask = np.uint64(keys.shape[0] - 1)
            for j in range(old_keys.shape[0]):
                if old_used[j]:
                    s = (np.uint64(old_keys[j]) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(shift)
                    while used[s]:
                        s = (s + np.uint64(1)) & mask
                    used[s] = True
                    keys[s] = old_keys[j]
    return size
'''


def _module_source() -> str:
    parts = [
        "# Generated by stratum.backends.numba.reductions; do not edit.",
        "import numba",
        "import numpy as np",
    ]
    for name, load in _LOADS.items():
        parts.append(_PAIRWISE_TEMPLATE.format(name=name, load=load, serial=_SERIAL, parallel=_PARALLEL))
    parts.append(_OTHER_KERNELS)
    source = "\n".join(parts)
    # A serial twin of every parallel kernel, for columns too short to pay for
    # waking the thread pool (on a busy machine that can cost milliseconds).
    twins = []
    for block in source.split("\n\n\n"):
        block = block.strip("\n")
        if block.startswith(_PARALLEL):
            twin = block.replace(_PARALLEL, _SERIAL, 1).replace("numba.prange(", "range(")
            twins.append(re.sub(r"^def (\w+)\(", r"def \1_serial(", twin, count=1, flags=re.M))
    return source + "\n\n" + "\n\n\n".join(twins) + "\n"


_module_lock = threading.Lock()


@functools.cache
def _kernels() -> Any:
    with _module_lock:
        return kernels._load(_module_source())  # the file is named by its hash: edits invalidate the cache


# --- drivers ---------------------------------------------------------------------------

def _chunks(n: int) -> int:
    if n < PARALLEL_MIN_ROWS:
        return 1
    return max(1, min(4 * numba.get_num_threads(), n // (PARALLEL_MIN_ROWS // 4)))


def _depth(n: int) -> int:
    """How deep to cut the pairwise tree for threads; 0 runs it serially."""
    if n < PARALLEL_MIN_ROWS or numba.get_num_threads() == 1:
        return 0
    depth = 0
    while depth < MAX_DEPTH and (n >> (depth + 1)) >= MIN_SEGMENT:
        depth += 1
    return depth


def _kernel(name: str, n: int) -> Any:
    """The parallel kernel ``name``, or its serial twin for short columns or one thread."""
    serial = n < PARALLEL_MIN_ROWS or numba.get_num_threads() == 1
    return getattr(_kernels(), f"{name}_serial" if serial else name)


def _whole_sum(name: str, a: np.ndarray, zero: Any, avg: float = 0.0) -> Any:
    """What ``ndarray.sum()`` gives for the (NaN -> 0 filled) values, as numpy's pairwise sum."""
    return _kernel(f"whole_{name}", len(a))(a, zero, avg, _depth(len(a)))


def _buffered_sum(name: str, a: np.ndarray) -> np.float64:
    """``a.sum(dtype=np.float64)`` of an array that is not float64 (numpy casts in buffers)."""
    return _kernel(f"buffered_{name}", len(a))(a, np.float64(0.0), 0.0, np.getbufsize())  # type: ignore[no-any-return]


def _valid(a: np.ndarray) -> int:
    if a.dtype.kind != "f":
        return len(a)
    return len(a) - int(_kernel("nan_count", len(a))(a, _chunks(len(a))))


def _sum(a: np.ndarray) -> Any:
    if a.dtype.kind == "f":
        return a.dtype.type(_whole_sum("same", a, a.dtype.type(0.0)))
    return np.int64(_kernel("int_sum", len(a))(a, _chunks(len(a))))


def _mean(a: np.ndarray) -> Any:
    if len(a) == 0:
        return np.nan
    if a.dtype.kind == "f":  # summed and counted in the column's own float dtype
        count = a.dtype.type(_valid(a))
        return _sum(a) / count if count > 0 else np.nan
    total = _sum(a) if a.dtype.kind == "b" else _buffered_sum("f8", a)  # bool sums as int64
    return total / np.float64(len(a))


def _var(a: np.ndarray, ddof: int) -> Any:
    if len(a) == 0:
        return np.nan
    dtype = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)  # ints and bools: astype(f8)
    count = dtype.type(_valid(a))
    d = count - dtype.type(ddof)
    if count <= ddof:  # pandas still divides, by NaN: a NaN sum keeps its sign bit through it
        count = d = dtype.type(np.nan)
    if a.dtype == np.float32:
        avg = _buffered_sum("f8", a) / count  # values.sum(dtype=float64) casts; float64 / float32 -> float64
    else:
        avg = _whole_sum("f8", a, np.float64(0.0)) / count
    squares = _whole_sum("sq", a, np.float64(0.0), float(avg))  # (avg - values) ** 2 is a float64 array
    return dtype.type(np.float64(squares) / d)


def _min_max(a: np.ndarray, want_max: bool) -> Any:
    if len(a) == 0:
        return np.nan
    if a.dtype.kind == "b":
        return np.bool_(a.any() if want_max else a.all())
    if a.dtype.kind == "i":
        return a.dtype.type(_kernel("int_min_max", len(a))(a, _chunks(len(a)), want_max))
    result, found, mixed_zeros = _kernel("float_min_max", len(a))(a, _chunks(len(a)), want_max)
    if not found:
        return a.dtype.type(np.nan)
    if mixed_zeros:  # which zero numpy returns depends on its SIMD lanes: ask numpy
        filled = np.where(np.isnan(a), a.dtype.type(-np.inf if want_max else np.inf), a)
        return filled.max() if want_max else filled.min()
    return a.dtype.type(result)


def _nunique(a: np.ndarray) -> int:
    if a.dtype.kind == "b":
        return int(a.any()) + int(not a.all()) if len(a) else 0
    bits = a.view(np.dtype(f"int{a.dtype.itemsize * 8}")) if a.dtype.kind == "f" else a
    return int(_kernels().hash_nunique(a, bits))


def reduce(values: np.ndarray | pd.Series, op: str, *, ddof: int = 1) -> Any:
    """``getattr(pd.Series(values), op)()`` (``ddof`` for std/var), computed by a kernel.

    Returns the same scalar type pandas does (np.float64, np.float32, np.int64,
    np.int32, np.bool_, or a Python float NaN / int where pandas returns one).
    Raises UnsupportedReduction for other ops and dtypes.
    """
    if op not in OPS:
        raise UnsupportedReduction(f"reduction {op!r}")
    if isinstance(values, pd.Series):
        if not isinstance(values.dtype, np.dtype):
            raise UnsupportedReduction(f"extension dtype {values.dtype}")
        values = values.to_numpy()
    a = np.asarray(values)
    if a.ndim != 1:
        raise UnsupportedReduction(f"{a.ndim}-d values")
    if a.dtype not in SUPPORTED_DTYPES:
        raise UnsupportedReduction(f"dtype {a.dtype}")
    if type(ddof) is not int:
        raise UnsupportedReduction(f"ddof={ddof!r}")
    a = np.ascontiguousarray(a)
    if op == "sum":
        return _sum(a)
    if op == "mean":
        return _mean(a)
    if op in ("min", "max"):
        return _min_max(a, op == "max")
    if op == "var":
        return _var(a, ddof)
    if op == "std":
        var = _var(a, ddof)
        return var if type(var) is float else np.sqrt(var)  # empty: pandas returns the Python NaN as is
    if op == "count":
        return np.int64(_valid(a))
    return _nunique(a)


def series_reduce(series: pd.Series, op: str, *, skipna: bool = True, min_count: int = 0, ddof: int = 1) -> Any:
    """``getattr(series, op)(skipna=..., min_count=..., ddof=...)`` for the supported cases.

    ``skipna=False`` and ``min_count`` other than 0 are not implemented (raise
    UnsupportedReduction): callers run pandas for those.
    """
    if skipna is not True or min_count != 0:
        raise UnsupportedReduction("only skipna=True, min_count=0")
    return reduce(series, op, ddof=ddof)
