"""Timing shared by the kernel benchmarks (each runs as a script from this directory)."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` calls, in seconds, and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def rust_benchmark_setup(description: str, kinds: list[str]) -> argparse.Namespace:
    """The options every Rust kernel benchmark takes (--sizes, --repeat, --kinds), after checking the extension is built."""
    import numpy as np
    import pandas as pd

    from stratum.backends import rust

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", default=kinds)
    args = parser.parse_args()
    if not rust.AVAILABLE:
        raise SystemExit("stratum._rt is not built: run `pip install -e .` first")
    print(f"pandas {pd.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, best of {args.repeat}")
    return args
