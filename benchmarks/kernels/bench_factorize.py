"""Times the Rust factorize / category_codes kernels against pandas.

    python benchmarks/kernels/bench_factorize.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Both sides run in the same process on the same arrays and must give identical
results; each time is the best of ``--repeat`` runs. Every column has ~1000
distinct values:

* int64: in a small range (the kernel indexes a table instead of hashing);
* int64-wide: spread over the int64 range (hashed);
* float64: with 10% NaN;
* str: object array, 5% None, repeating the same 1000 str objects (as columns
  built from a pool of values, or from ``Categorical.to_numpy()``, do);
* str-fresh: the same values, but a separate str object in every row (as
  ``to_numpy()`` of an Arrow-backed str column gives).
"""

from __future__ import annotations


import numpy as np

import stratum.backends.rust as rust

from _timing import best_time, rust_benchmark_setup

DISTINCT = 1000


def make_column(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    keys = rng.integers(0, DISTINCT, n)
    if kind == "int64":
        return keys - DISTINCT // 2
    if kind == "int64-wide":
        return (keys - DISTINCT // 2) * 1_000_000_007_000
    if kind == "float64":
        values = keys / 8.0
        values[rng.random(n) < 0.1] = np.nan
        return values
    keys[rng.random(n) < 0.05] = DISTINCT
    if kind == "str":
        pool = np.array([f"category-{i:04d}" for i in range(DISTINCT)] + [None], dtype=object)
        return pool[keys]
    fresh = np.empty(n, dtype=object)
    fresh[:] = [None if k == DISTINCT else f"category-{k:04d}" for k in keys.tolist()]
    return fresh


def assert_identical(actual: tuple, expected: tuple) -> None:
    for a, e in zip(actual, expected):
        assert a.dtype == e.dtype, (a.dtype, e.dtype)
        np.testing.assert_array_equal(a, e)


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["int64", "int64-wide", "float64", "str", "str-fresh"])

    ops = [
        ("factorize", rust.factorize, rust.factorize_pandas),
        ("category_codes", rust.category_codes, rust.category_codes_pandas),
    ]
    rng = np.random.default_rng(0)
    header = f"{'kernel':<15} {'column':<10} {'rows':>10} {'rust ms':>10} {'pandas ms':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            values = make_column(kind, n, rng)
            for name, fast, reference in ops:
                rust_s, rust_result = best_time(lambda: fast(values), args.repeat)
                pandas_s, pandas_result = best_time(lambda: reference(values), args.repeat)
                assert_identical(rust_result, pandas_result)
                print(
                    f"{name:<15} {kind:<10} {n:>10,} {rust_s * 1e3:>10.2f} {pandas_s * 1e3:>10.2f}"
                    f" {pandas_s / rust_s:>7.1f}x",
                    flush=True,
                )


if __name__ == "__main__":
    main()
