"""``Series.median()`` and ``Series.quantile(q)`` on the Rust selection
kernels (``rust_runtime/src/quantile.rs``).

``median(series)`` / ``quantile(series, q)`` return exactly what pandas
returns (a ``np.float64``, bit for bit), or None when the kernel does not
take the input, so the caller runs pandas: numpy int64 / float64 Series,
a float ``q`` in [0, 1], at least one non-NaN value, and results whose
computation in numpy would not warn (non-finite neighbours or results,
int64 overflow) nor depend on where numpy's partition leaves 0.0 and -0.0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import stratum.backends.rust as backend

__all__ = ["median", "quantile"]


def _values(series: Any) -> np.ndarray | None:
    if backend._rt is None or type(series) is not pd.Series:
        return None
    if not isinstance(series.dtype, np.dtype) or series.dtype not in (np.int64, np.float64):
        return None
    return series.to_numpy()


def median(series: Any) -> np.float64 | None:
    """``series.median()``, or None."""
    values = _values(series)
    if values is None:
        return None
    # pandas takes the median of the values as float64.
    result = backend._rt.median_float64(values.astype(np.float64, copy=False))
    return None if result is None else np.float64(result)


def quantile(series: Any, q: Any) -> np.float64 | None:
    """``series.quantile(q)`` for a float ``q``, or None."""
    values = _values(series)
    # An int q takes numpy's integer-index path; arrays give a Series.
    if values is None or type(q) not in (float, np.float64) or not 0.0 <= q <= 1.0:
        return None
    kernel = backend._rt.quantile_float64 if values.dtype == np.float64 else backend._rt.quantile_int64
    result = kernel(values, float(q))
    return None if result is None else np.float64(result)
