"""Times the Rust value_counts kernel against ``Series.value_counts()``.

    python benchmarks/kernels/bench_value_counts.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Each row times ``stratum.backends.rust.value_counts.value_counts(series)``
against ``series.value_counts()`` in the same process on the same Series; both
results must be identical (``assert_series_equal(check_exact=True)``). Times
are the best of ``--repeat`` runs. Every column has ~1000 distinct values:

* int64, float64 (10% NaN);
* str: pandas' default Arrow-backed ``str`` dtype, 5% missing;
* object: the same values as an object Series of shared str objects.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from stratum.backends.rust.value_counts import value_counts

from _timing import best_time, rust_benchmark_setup

DISTINCT = 1000


def make_series(kind: str, n: int, rng: np.random.Generator) -> pd.Series:
    keys = rng.integers(0, DISTINCT, n)
    if kind == "int64":
        return pd.Series(keys * 1_000_003 - 77)
    if kind == "float64":
        values = keys / 8.0
        values[rng.random(n) < 0.1] = np.nan
        return pd.Series(values)
    keys[rng.random(n) < 0.05] = DISTINCT
    pool = np.array([f"category-{i:04d}" for i in range(DISTINCT)] + [None], dtype=object)
    return pd.Series(pool[keys], dtype="str" if kind == "str" else object)


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["int64", "float64", "str", "object"])
    rng = np.random.default_rng(0)
    header = f"{'column':<8} {'rows':>11} {'rust ms':>9} {'pandas ms':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            series = make_series(kind, n, rng)
            rust_s, actual = best_time(lambda: value_counts(series), args.repeat)
            pandas_s, expected = best_time(lambda: series.value_counts(), args.repeat)
            pd.testing.assert_series_equal(actual, expected, check_exact=True)
            print(
                f"{kind:<8} {n:>11,} {rust_s * 1e3:>9.2f} {pandas_s * 1e3:>10.2f} {pandas_s / rust_s:>7.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
