"""Times the Rust string kernels against pandas' ``.str`` methods.

    python benchmarks/kernels/bench_strings.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Each row times ``stratum.backends.rust.strings.kernel_result(s.str, method,
args)`` (the kernel, whether or not the adapter routes that case: the last
column says whether it does) against
``getattr(s.str, method)(*args)`` in the same process on the same Series;
both results must be identical (``assert_series_equal(check_exact=True)``
and the same element types). Times are the best of ``--repeat`` runs. Values
are ASCII names with mixed case and padding, ~1000 distinct, 5% missing:

* str: pandas' default Arrow-backed ``str`` dtype (pandas calls pyarrow.compute);
* object: the same values as an object Series of shared str objects (a pool);
* object-fresh: an object Series of a distinct str object per row (each
  value also distinct), where no object is read twice.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from stratum.backends.rust.strings import kernel_result, string_method

from _timing import best_time, rust_benchmark_setup

DISTINCT = 1000
OPS = [
    ("lower", ()),
    ("upper", ()),
    ("strip", ()),
    ("len", ()),
    ("contains", ("er",)),
    ("startswith", ("Cu",)),
    ("endswith", ("7 ",)),
    ("replace", ("er", "ER")),
]


def make_series(kind: str, n: int, rng: np.random.Generator) -> pd.Series:
    keys = rng.integers(0, DISTINCT, n)
    missing = rng.random(n) < 0.05
    if kind == "object-fresh":
        values = np.array([f" Customer-{k:04d} Order {i} " for i, k in enumerate(keys)], dtype=object)
        values[missing] = None
        return pd.Series(values, dtype=object)
    keys[missing] = DISTINCT
    pool = np.array([f" Customer-{i:04d} Name " if i % 2 else f"customer-{i:04d}" for i in range(DISTINCT)] + [None],
                    dtype=object)
    return pd.Series(pool[keys], dtype="str" if kind == "str" else object)


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["str", "object", "object-fresh"])
    rng = np.random.default_rng(0)
    header = f"{'op':<11} {'column':<13} {'rows':>11} {'rust ms':>9} {'pandas ms':>10} {'speedup':>8}  routed"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            series = make_series(kind, n, rng)
            for method, call_args in OPS:
                rust_s, actual = best_time(lambda: kernel_result(series.str, method, call_args), args.repeat)
                pandas_s, expected = best_time(lambda: getattr(series.str, method)(*call_args), args.repeat)
                pd.testing.assert_series_equal(actual, expected, check_exact=True)
                if expected.dtype == object:
                    assert [type(v) for v in actual.array] == [type(v) for v in expected.array]
                routed = "no" if string_method(series.str, method, call_args) is None else "yes"
                print(
                    f"{method:<11} {kind:<13} {n:>11,} {rust_s * 1e3:>9.2f} {pandas_s * 1e3:>10.2f}"
                    f" {pandas_s / rust_s:>7.1f}x  {routed}",
                    flush=True,
                )
            del series


if __name__ == "__main__":
    main()
