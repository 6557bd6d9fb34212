"""Fused elementwise programs on the GPU (CuPy) vs pandas vs the Numba CPU kernel.

For 1e6, 1e7 and 1e8 float64 rows prints, per program: pandas, the Numba
kernel (all CPU threads), the CuPy kernel including the host->device copy of
the inputs and the device->host copy of the result, and the CuPy kernel alone
on data already on the device; then the speedups. GPU times are best-of-N
wall times around a synchronized call.

    PYTHONPATH=. python benchmarks/kernels/bench_cupy.py [--sizes 1e6 1e7 1e8] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import cupy
import numba
import numpy as np
import pandas as pd

from stratum.backends import cupy as gpu
from stratum.backends import numba as cpu
from stratum.backends.elementwise import Apply, Const, ElementwiseProgram, Input

a, b = Input(0), Input(1)
PROGRAMS: dict[str, tuple[ElementwiseProgram, Callable[[pd.Series, pd.Series], pd.Series]]] = {
    "a*2+b": (ElementwiseProgram(("float64", "float64"), Apply("add", (Apply("mul", (a, Const(2))), b))), lambda a, b: a * 2 + b),
    "where(a>b,sqrt(|a|)*.5,b-1).fillna(0).clip(-1,3)": (
        ElementwiseProgram(("float64", "float64"), Apply("clip", (Apply("fillna", (Apply("where", (
            Apply("gt", (a, b)), Apply("mul", (Apply("sqrt", (Apply("abs", (a,)),)), Const(0.5))),
            Apply("sub", (b, Const(1))))), Const(0))), Const(-1), Const(3)))),
        lambda a, b: pd.Series(np.where(a > b, np.sqrt(a.abs()) * 0.5, b - 1), index=a.index).fillna(0).clip(-1, 3),
    ),
    "log1p(a*2+b).fillna(0)>3 (not exact)": (
        ElementwiseProgram(("float64", "float64"), Apply("gt", (
            Apply("fillna", (Apply("log1p", (Apply("add", (Apply("mul", (a, Const(2))), b)),)), Const(0))), Const(3)))),
        lambda a, b: np.log1p(a * 2 + b).fillna(0) > 3,
    ),
}


def best(fn: Callable[[], object], repeat: int, sync: bool = False) -> float:
    fn()
    if sync:
        cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        if sync:
            cupy.cuda.Device().synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def measure_ulps() -> None:
    """Largest ulp distance between CUDA's transcendentals and numpy's, over ~1e6 values each."""
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.standard_normal(500_000) * 5, np.exp(rng.uniform(-700, 700, 500_000)), rng.uniform(-1, 1, 100_000)])
    for dtype in ("float64", "float32"):
        with np.errstate(over="ignore"):
            v = values.astype(dtype)
        row = []
        for fn in ("log", "log1p", "log2", "log10", "exp", "expm1", "sin", "cos", "tan", "tanh", "arctan", "pow"):
            args = (v, np.abs(v[::-1]) / 100) if fn == "pow" else (v,)
            program = ElementwiseProgram((dtype,) * len(args), Apply(fn, tuple(Input(k) for k in range(len(args)))))
            with np.errstate(all="ignore"):
                expected = getattr(np, {"pow": "power"}.get(fn, fn))(*(args if fn != "pow" else (np.abs(v), args[1])))
            actual = gpu.compile_program(program)(*((np.abs(v), args[1]) if fn == "pow" else args))
            ints = np.dtype(f"int{actual.dtype.itemsize * 8}")
            ok = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
            def ordered(x: np.ndarray) -> np.ndarray:
                bits = x.view(ints).astype(np.int64)
                return np.where(bits < 0, np.iinfo(ints).min - bits, bits)
            diff = np.abs(ordered(actual[~ok]) - ordered(expected[~ok])) if (~ok).any() else np.zeros(1, np.int64)
            row.append(f"{fn} {int(diff.max())}ulp/{100 * (~ok).mean():.1f}%")
        print(f"max ulp (share differing), {dtype}: " + ", ".join(row))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7, 1e8])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    props = cupy.cuda.runtime.getDeviceProperties(0)
    print(f"device {props['name'].decode()}, cupy {cupy.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"numba {numba.__version__} ({numba.get_num_threads()} threads)")
    measure_ulps()
    header = f"{'program':<50} {'rows':>6} {'pandas ms':>10} {'numba ms':>9} {'gpu+copy ms':>12} {'gpu ms':>8} {'vs pandas':>10} {'vs numba':>9} {'kernel vs pandas':>17}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for rows in (int(s) for s in args.sizes):
        x = rng.exponential(3.0, rows)
        x[::13] = np.nan
        y = rng.standard_normal(rows)
        sx, sy = pd.Series(x), pd.Series(y)
        dx, dy = cupy.asarray(x), cupy.asarray(y)
        for name, (program, reference) in PROGRAMS.items():
            cpu_kernel, gpu_kernel = cpu.compile_program(program), gpu.compile_program(program)
            t_pandas = best(lambda: reference(sx, sy), args.repeat)
            t_numba = best(lambda: cpu_kernel(x, y), args.repeat)
            t_copy = best(lambda: gpu_kernel(x, y), args.repeat, sync=True)
            t_gpu = best(lambda: gpu_kernel(dx, dy), args.repeat, sync=True)
            print(f"{name:<50} {rows:>6.0e} {t_pandas * 1e3:>10.2f} {t_numba * 1e3:>9.2f} {t_copy * 1e3:>12.2f} {t_gpu * 1e3:>8.3f} "
                  f"{t_pandas / t_copy:>9.1f}x {t_numba / t_copy:>8.1f}x {t_pandas / t_gpu:>16.0f}x")
        del dx, dy
        cupy.get_default_memory_pool().free_all_blocks()
    # Reductions: GPU float64 sum/mean/min/max vs pandas at the largest size.
    rows = int(max(args.sizes))
    x = rng.standard_normal(rows) * np.exp(rng.uniform(-10, 10, rows))
    x[::9] = np.nan
    dx = cupy.asarray(x)
    series = pd.Series(x)
    for op in ("sum", "mean", "min", "max"):
        expected = getattr(series, op)()
        actual = gpu.reduce_float64(dx, op)
        scale = np.nansum(np.abs(x)) / (np.count_nonzero(~np.isnan(x)) if op == "mean" else 1)
        t_pandas = best(lambda: getattr(series, op)(), args.repeat)
        t_gpu = best(lambda: gpu.reduce_float64(dx, op), args.repeat, sync=True)
        print(f"reduce {op:<5} {rows:.0e} rows: pandas {t_pandas * 1e3:.2f} ms, gpu (on device) {t_gpu * 1e3:.3f} ms, "
              f"|gpu - pandas| / scale = {abs(actual - expected) / scale:.2e}")


if __name__ == "__main__":
    main()
