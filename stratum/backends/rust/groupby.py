"""``series.groupby(keys).agg(fn)`` / ``.transform(fn)`` on the Rust kernels.

``groupby_agg(keys, values, fn)`` and ``groupby_transform(keys, values, fn)``
return exactly what ``values.groupby(keys).agg(fn)`` / ``.transform(fn)``
(equivalently ``frame.groupby(key)[col]``) return with the defaults
``sort=True, dropna=True``: same index, name, dtype and values, for ``fn`` in
sum, mean, count, min, max, std (ddof=1), median and size.

Values are bitwise equal to pandas': the kernels (``rust_runtime/src/
groupby.rs``) replay pandas' Cython arithmetic in the same order: Kahan
summation per group in row order for sum and mean, Welford's update for std,
``(hi + lo) / 2`` of the middle order statistics for median. The one
difference we know of: when a group's median is a zero taken from both 0.0
and -0.0 values, its sign may differ from pandas' (they compare equal).

Taken: numpy int64 / float64 values, keys as described in
:mod:`stratum.backends.rust._keys` (int64, float64, str / object-of-str),
``keys`` and ``values`` Series on equal indexes. Anything else runs pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import stratum.backends.rust as backend
from stratum.backends.rust._keys import distinct_values, key_codes

FUNCTIONS = frozenset({"sum", "mean", "count", "min", "max", "std", "median", "size"})

__all__ = ["FUNCTIONS", "groupby_agg", "groupby_agg_pandas", "groupby_transform", "groupby_transform_pandas"]


def groupby_agg_pandas(keys: pd.Series, values: pd.Series, fn: str) -> pd.Series:
    """The pandas implementation of :func:`groupby_agg`."""
    return values.groupby(keys).agg(fn)


def groupby_transform_pandas(keys: pd.Series, values: pd.Series, fn: str) -> pd.Series:
    """The pandas implementation of :func:`groupby_transform`."""
    return values.groupby(keys).transform(fn)


def _groups(keys: object, values: object, fn: object) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(codes, first, value array)`` when the kernels take these inputs."""
    if backend._rt is None or not isinstance(fn, str) or fn not in FUNCTIONS:
        return None
    if not isinstance(keys, pd.Series) or not isinstance(values, pd.Series):
        return None
    if not isinstance(values.dtype, np.dtype) or values.dtype not in (np.int64, np.float64):
        return None
    # pandas aligns keys to values by label; equal indexes need no alignment.
    if len(keys) != len(values) or not keys.index.equals(values.index):
        return None
    codes = key_codes(keys, sort=True)
    if codes is None:
        return None
    return codes[0], codes[1], values.to_numpy()


def _result_index(keys: pd.Series, first: np.ndarray) -> pd.Index:
    distinct = distinct_values(keys, first)
    if keys.dtype == object:
        # pandas infers the index dtype of object keys (str for strings).
        return pd.Index(np.asarray(distinct, dtype=object), name=keys.name)
    return pd.Index(distinct, dtype=keys.dtype, name=keys.name)


def groupby_agg(keys: pd.Series, values: pd.Series, fn: str) -> pd.Series:
    """``values.groupby(keys).agg(fn)``: one row per key, keys sorted."""
    groups = _groups(keys, values, fn)
    if groups is None:
        return groupby_agg_pandas(keys, values, fn)
    codes, first, array = groups
    result = backend._rt.groupby_agg(codes, len(first), array, fn)
    return pd.Series(result, index=_result_index(keys, first), name=values.name, copy=False)


def groupby_transform(keys: pd.Series, values: pd.Series, fn: str) -> pd.Series:
    """``values.groupby(keys).transform(fn)``: each row's group result, NaN
    for rows whose key is missing (which makes integer results float64)."""
    groups = _groups(keys, values, fn)
    if groups is None:
        return groupby_transform_pandas(keys, values, fn)
    codes, first, array = groups
    per_group = backend._rt.groupby_agg(codes, len(first), array, fn)
    result = backend._rt.groupby_broadcast(codes, per_group)
    return pd.Series(result, index=values.index, name=values.name, copy=False)
