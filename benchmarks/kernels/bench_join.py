"""Times merge with the Rust join indexers against pandas' merge.

    python benchmarks/kernels/bench_join.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Each row times ``stratum.backends.rust.join.merge(left, right, on="k",
how=how)`` against ``left.merge(right, on="k", how=how)`` in the same process
on the same frames; both results must be identical
(``assert_frame_equal(check_exact=True)``). Times are the best of
``--repeat`` runs. The left frame has ``rows`` rows (key, one float64 and one
int64 column); the right one is a lookup table of ``rows / 10`` distinct keys
(at most 100,000) with one float64 column, holding about 5 in 6 of the left's
keys, so left joins have unmatched rows (float64 fill). Keys:

* int64: random integers (not monotonic, so pandas hashes them);
* str: pandas' default Arrow-backed ``str``.

Numeric-key merges on fewer than ``join.NUMERIC_MIN_ROWS`` rows stay on
pandas in the adapter; the benchmark times the kernel there anyway.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from stratum.backends.rust import join
from stratum.backends.rust.join import merge

from _timing import best_time, rust_benchmark_setup


def make_frames(kind: str, n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    distinct = max(10, min(n // 10, 100_000))
    universe = rng.permutation(10**9)[: distinct * 6 // 5]
    left_keys = universe[rng.integers(0, len(universe), n)]
    right_keys = universe[:distinct]
    if kind == "str":
        left_keys = pd.Series([f"id-{k}" for k in universe], dtype="str").to_numpy()[rng.integers(0, len(universe), n)]
        left_keys = pd.Series(left_keys, dtype="str")
        right_keys = pd.Series([f"id-{k}" for k in right_keys], dtype="str")
    left = pd.DataFrame({"k": left_keys, "x": rng.normal(size=n), "c": rng.integers(0, 100, n)})
    right = pd.DataFrame({"k": right_keys, "y": rng.normal(size=len(right_keys))})
    return left, right


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["int64", "str"])
    # Time the kernel at every size, also below the row count from which the
    # adapter uses it for numeric keys (the rows below show why it is there).
    join.NUMERIC_MIN_ROWS = 0
    rng = np.random.default_rng(0)
    header = f"{'merge':<8} {'keys':<6} {'rows':>11} {'rust ms':>9} {'pandas ms':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            left, right = make_frames(kind, n, rng)
            for how in ("inner", "left"):
                rust_s, actual = best_time(lambda: merge(left, right, on="k", how=how), args.repeat)
                pandas_s, expected = best_time(lambda: left.merge(right, on="k", how=how), args.repeat)
                assert actual is not None, "the kernel declined"
                pd.testing.assert_frame_equal(actual, expected, check_exact=True)
                del actual, expected
                print(
                    f"{how:<8} {kind:<6} {n:>11,} {rust_s * 1e3:>9.2f} {pandas_s * 1e3:>10.2f}"
                    f" {pandas_s / rust_s:>7.1f}x",
                    flush=True,
                )


if __name__ == "__main__":
    main()
