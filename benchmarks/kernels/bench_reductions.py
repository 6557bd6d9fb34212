"""Numba Series reductions vs pandas, and their bandwidth vs np.copyto.

For 1e5, 1e6 and 1e7 rows of float64 (10% NaN), int64 and float32 prints, per
reduction, the pandas time, the kernel time (best of --repeat; results are
asserted bitwise equal first), the speedup, and the kernel's read bandwidth
against ``np.copyto`` moving the same number of bytes (read once, written
once) in the same run. var/std read the column twice, as pandas' two-pass
algorithm does; nunique is hash-bound, not bandwidth-bound.

    PYTHONPATH=. python benchmarks/kernels/bench_reductions.py [--repeat N] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numba
import numpy as np
import pandas as pd

from stratum.backends.numba.reductions import reduce

OPS = ("sum", "mean", "min", "max", "std", "var", "count", "nunique")
PASSES = {"std": 2, "var": 2}


def best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    print(f"numpy {np.__version__}, pandas {pd.__version__}, numba {numba.__version__}, {numba.get_num_threads()} threads")
    header = f"{'dtype':<8} {'op':<8} {'rows':>6} {'pandas ms':>10} {'numba ms':>9} {'speedup':>8} {'numba GB/s':>11} {'copy GB/s':>10} {'of copy':>8}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for rows in (10**5, 10**6, 10**7):
        f = rng.standard_normal(rows) * 1e3
        f[::10] = np.nan
        columns = {"float64": f, "int64": rng.integers(0, 10_000, rows), "float32": f.astype(np.float32)}
        for dtype, values in columns.items():
            series = pd.Series(values)
            target = np.empty_like(values)
            t_copy = best(lambda: np.copyto(target, values), args.repeat)
            copy_rate = 2 * values.nbytes / t_copy  # read + write
            for op in OPS:
                wanted, got = getattr(series, op)(), reduce(values, op)
                assert type(wanted) is type(got) and np.asarray(wanted).tobytes() == np.asarray(got).tobytes(), (dtype, op, wanted, got)
                t_pandas = best(lambda: getattr(series, op)(), args.repeat)
                t_kernel = best(lambda: reduce(values, op), args.repeat)
                rate = PASSES.get(op, 1) * values.nbytes / t_kernel
                print(f"{dtype:<8} {op:<8} {rows:>6.0e} {t_pandas * 1e3:>10.3f} {t_kernel * 1e3:>9.3f} {t_pandas / t_kernel:>7.1f}x "
                      f"{rate / 1e9:>11.2f} {copy_rate / 1e9:>10.2f} {100 * rate / copy_rate:>7.0f}%")


if __name__ == "__main__":
    main()
