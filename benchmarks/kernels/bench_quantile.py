"""Times Series.median() / Series.quantile(q) on the Rust selection kernels
against pandas.

    python benchmarks/kernels/bench_quantile.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Each row times ``median(s)`` / ``quantile(s, q)`` from
``stratum.backends.rust.quantile`` against ``s.median()`` / ``s.quantile(q)``
in the same process on the same Series; both results must be identical (same
type, same bits). Times are the best of ``--repeat`` runs. Series: float64
normal values with 5% NaN, and int64 values.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from stratum.backends.rust.quantile import median, quantile

from _timing import best_time, rust_benchmark_setup

OPS = [("median", None), ("quantile", 0.25), ("quantile", 0.9)]


def make_series(kind: str, n: int, rng: np.random.Generator) -> pd.Series:
    if kind == "int64":
        return pd.Series(rng.integers(-(10**9), 10**9, n))
    values = rng.normal(size=n) * 100
    values[rng.random(n) < 0.05] = np.nan
    return pd.Series(values)


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["float64", "int64"])
    rng = np.random.default_rng(0)
    header = f"{'op':<15} {'values':<8} {'rows':>11} {'rust ms':>9} {'pandas ms':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            s = make_series(kind, n, rng)
            for name, q in OPS:
                if q is None:
                    fast, slow = (lambda: median(s)), s.median
                else:
                    fast, slow = (lambda: quantile(s, q)), (lambda: s.quantile(q))
                rust_s, actual = best_time(fast, args.repeat)
                pandas_s, expected = best_time(slow, args.repeat)
                assert actual is not None, "the kernel declined"
                assert type(actual) is type(expected) and actual.tobytes() == expected.tobytes(), (actual, expected)
                label = name if q is None else f"{name}({q})"
                print(
                    f"{label:<15} {kind:<8} {n:>11,} {rust_s * 1e3:>9.2f} {pandas_s * 1e3:>10.2f}"
                    f" {pandas_s / rust_s:>7.1f}x",
                    flush=True,
                )


if __name__ == "__main__":
    main()
