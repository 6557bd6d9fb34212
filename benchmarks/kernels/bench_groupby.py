"""Times the Rust groupby kernels against pandas' groupby.

    python benchmarks/kernels/bench_groupby.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Each row times ``groupby_agg(frame["k"], frame["v"], fn)`` (or
``groupby_transform``) against ``frame.groupby("k")["v"].agg(fn)`` (or
``.transform(fn)``) in the same process on the same frame; both results must
be identical (``assert_series_equal(check_exact=True)``). Times are the best
of ``--repeat`` runs. Keys have 1000 distinct values with 1% missing; values
are float64 with 5% NaN:

* int64 keys (missing rows get their own key, as ints cannot be missing);
* str keys: pandas' default Arrow-backed ``str`` dtype.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from stratum.backends.rust.groupby import groupby_agg, groupby_transform

from _timing import best_time, rust_benchmark_setup

DISTINCT = 1000
OPS = [("agg", "sum"), ("agg", "mean"), ("agg", "std"), ("agg", "median"), ("agg", "count"), ("transform", "mean")]


def make_frame(kind: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    keys = rng.integers(0, DISTINCT, n)
    values = rng.normal(size=n) * 100
    values[rng.random(n) < 0.05] = np.nan
    if kind == "int64":
        return pd.DataFrame({"k": keys * 7 - 3000, "v": values})
    pool = np.array([f"customer-{i:04d}" for i in range(DISTINCT)] + [None], dtype=object)
    keys[rng.random(n) < 0.01] = DISTINCT
    return pd.DataFrame({"k": pd.Series(pool[keys], dtype="str"), "v": values})


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["int64", "str"])
    rng = np.random.default_rng(0)
    header = f"{'op':<16} {'keys':<6} {'rows':>11} {'rust ms':>9} {'pandas ms':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            frame = make_frame(kind, n, rng)
            keys, values = frame["k"], frame["v"]
            for how, fn in OPS:
                fast = groupby_agg if how == "agg" else groupby_transform
                rust_s, actual = best_time(lambda: fast(keys, values, fn), args.repeat)
                pandas_s, expected = best_time(lambda: getattr(frame.groupby("k")["v"], how)(fn), args.repeat)
                pd.testing.assert_series_equal(actual, expected, check_exact=True)
                print(
                    f"{how + ' ' + fn:<16} {kind:<6} {n:>11,} {rust_s * 1e3:>9.2f} {pandas_s * 1e3:>10.2f}"
                    f" {pandas_s / rust_s:>7.1f}x",
                    flush=True,
                )


if __name__ == "__main__":
    main()
