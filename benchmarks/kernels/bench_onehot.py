"""Times the Rust one-hot kernel (``get_dummies``) against ``pd.get_dummies``.

    python benchmarks/kernels/bench_onehot.py [--sizes 1e5 1e6 1e7] [--repeat 3]

Each row times ``stratum.backends.rust.onehot.get_dummies(data)`` against
``pd.get_dummies(data)`` in the same process on the same input; both frames
must be identical (``assert_frame_equal(check_exact=True)``). Times are the
best of ``--repeat`` runs. Columns have 20 levels:

* str: pandas' default Arrow-backed ``str`` Series, 5% missing;
* object: the same values as an object Series of shared str objects;
* int64: a Series encoded with ``prefix="c"``;
* frame: a DataFrame with two str columns and one float column (the float
  column is prepended unencoded), ``drop_first=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from stratum.backends.rust.onehot import get_dummies

from _timing import best_time, rust_benchmark_setup

LEVELS = 20


def make_input(kind: str, n: int, rng: np.random.Generator) -> tuple[Any, dict]:
    pool = np.array([f"level-{i:02d}" for i in range(LEVELS)] + [None], dtype=object)
    codes = rng.integers(0, LEVELS, n)
    codes[rng.random(n) < 0.05] = LEVELS
    if kind == "str":
        return pd.Series(pool[codes], dtype="str", name="s"), {}
    if kind == "object":
        return pd.Series(pool[codes], dtype=object, name="s"), {}
    if kind == "int64":
        return pd.Series(rng.integers(0, LEVELS, n), name="i"), {"prefix": "c"}
    frame = pd.DataFrame(
        {
            "a": pd.Series(pool[codes], dtype="str"),
            "x": rng.normal(size=n),
            "b": pd.Series(pool[rng.integers(0, LEVELS, n)], dtype="str"),
        }
    )
    return frame, {"drop_first": True}


def main() -> None:
    args = rust_benchmark_setup(__doc__.splitlines()[0], ["str", "object", "int64", "frame"])
    rng = np.random.default_rng(0)
    header = f"{'input':<8} {'rows':>11} {'rust ms':>9} {'pandas ms':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for size in args.sizes:
            n = int(size)
            data, kwargs = make_input(kind, n, rng)
            rust_s, actual = best_time(lambda: get_dummies(data, **kwargs), args.repeat)
            pandas_s, expected = best_time(lambda: pd.get_dummies(data, **kwargs), args.repeat)
            pd.testing.assert_frame_equal(actual, expected, check_exact=True)
            del actual, expected
            print(
                f"{kind:<8} {n:>11,} {rust_s * 1e3:>9.2f} {pandas_s * 1e3:>10.2f} {pandas_s / rust_s:>7.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
