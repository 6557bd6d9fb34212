"""Fused Numba elementwise kernels vs. pandas vs. memory bandwidth.

For 1e5, 1e6 and 1e7 float64 rows and a few representative programs, prints
the pandas time, the kernel time (warm, machine code cached; both allocate
their result), the speedup, and the kernel's bytes/s against ``np.copyto``
moving the same traffic.

Traffic is bytes read plus bytes written: the kernel reads its inputs and
writes its output once; the copy baseline copies half that many bytes (read
once, written once), so equal times mean the kernel runs at copy bandwidth.
Both write into preallocated buffers for that comparison, since the page
faults of a fresh 80 MB result cost as much as the copy itself.

    PYTHONPATH=. python benchmarks/kernels/bench_elementwise.py [--repeat N] [--threads N]

``--threads 1`` measures the serial kernels. On a machine whose cores are busy
with other work the parallel kernels stall for whole scheduler quanta (ms)
waiting for their worker threads, so compare both.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numba
import numpy as np
import pandas as pd

from stratum.backends.elementwise import Apply, Const, ElementwiseProgram, Input, evaluate_with_pandas
from stratum.backends.numba import compile_program

a, b = Input(0), Input(1)
PROGRAMS: dict[str, tuple[ElementwiseProgram, Callable[[pd.Series, pd.Series], pd.Series]]] = {
    "a*2+b": (
        ElementwiseProgram(("float64", "float64"), Apply("add", (Apply("mul", (a, Const(2))), b))),
        lambda a, b: a * 2 + b,
    ),
    "log1p(a*2+b).fillna(0)>3": (
        ElementwiseProgram(("float64", "float64"), Apply("gt", (
            Apply("fillna", (Apply("log1p", (Apply("add", (Apply("mul", (a, Const(2))), b)),)), Const(0))), Const(3)))),
        lambda a, b: np.log1p(a * 2 + b).fillna(0) > 3,
    ),
    "where(a>b,sqrt(|a|)*.5,b-1).fillna(0).clip(-1,3)": (
        ElementwiseProgram(("float64", "float64"), Apply("clip", (Apply("fillna", (Apply("where", (
            Apply("gt", (a, b)), Apply("mul", (Apply("sqrt", (Apply("abs", (a,)),)), Const(0.5))),
            Apply("sub", (b, Const(1))))), Const(0))), Const(-1), Const(3)))),
        lambda a, b: pd.Series(np.where(a > b, np.sqrt(a.abs()) * 0.5, b - 1), index=a.index).fillna(0).clip(-1, 3),
    ),
}


def best_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: first-touch page faults, lazy compilation
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS, help="Numba threads (1: serial kernels)")
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # log1p of negatives: pandas warns, the kernel does not
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, pandas {pd.__version__}, numba {numba.__version__}, {numba.get_num_threads()} threads")
    header = f"{'program':<50} {'rows':>9} {'pandas ms':>10} {'numba ms':>9} {'speedup':>8} {'numba GB/s':>11} {'copy GB/s':>10} {'of copy':>8}"
    print(header)
    print("-" * len(header))
    for rows in (10**5, 10**6, 10**7):
        x = rng.exponential(3.0, rows)  # skewed and non-negative, like prices or counts
        x[::13] = np.nan
        y = rng.standard_normal(rows)
        sx, sy = pd.Series(x), pd.Series(y)
        for name, (program, expression) in PROGRAMS.items():
            kernel = compile_program(program)
            result = kernel(x, y)
            expected = evaluate_with_pandas(program, [sx, sy]).to_numpy()
            np.testing.assert_array_equal(result, expected, strict=True)
            np.testing.assert_array_equal(expression(sx, sy).to_numpy(), expected, strict=True)

            traffic = x.nbytes + y.nbytes + result.nbytes
            src = np.ones(traffic // 2, dtype=np.uint8)
            dst = np.empty_like(src)
            t_pandas = best_time(lambda: expression(sx, sy), args.repeat)
            t_kernel = best_time(lambda: kernel(x, y), args.repeat)
            t_kernel_out = best_time(lambda: kernel(x, y, out=result), args.repeat)
            t_copy = best_time(lambda: np.copyto(dst, src), args.repeat)
            print(
                f"{name:<50} {rows:>9.0e} {t_pandas * 1e3:>10.3f} {t_kernel * 1e3:>9.3f} {t_pandas / t_kernel:>7.1f}x "
                f"{traffic / t_kernel_out / 1e9:>11.2f} {traffic / t_copy / 1e9:>10.2f} {t_copy / t_kernel_out:>7.0%}"
            )


if __name__ == "__main__":
    main()
