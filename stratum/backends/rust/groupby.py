"""``series.groupby(keys).agg(fn)`` / ``.transform(fn)`` on the Rust kernels.

``groupby_agg(keys, values, fn)`` and ``groupby_transform(keys, values, fn)``
return exactly what ``values.groupby(keys).agg(fn)`` / ``.transform(fn)``
(equivalently ``frame.groupby(key)[col]``) return with the defaults
``sort=True, dropna=True``: same index, name, dtype and values, for ``fn`` in
sum, mean, count, min, max, std (ddof=1), median and size.

Values are bitwise equal to pandas': the kernels (``rust_runtime/src/
groupby.rs``) replay pandas' Cython arithmetic in the same order: Kahan
summation per group in row order for sum and mean, Welford's update for std,
``(hi + lo) / 2`` of the middle order statistics for median. Which zero
pandas returns from a group holding both 0.0 and -0.0 depends on its code
path, so such columns run pandas for ``median``, ``min`` and ``max``. And
pandas (3.1+) computes sum, mean, min and max of sorted groups of NaN-free
values with ``ufunc.reduceat`` (pairwise summation): those run pandas too.

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
# Functions whose result may be either zero when a group holds 0.0 and -0.0.
ZERO_SIGN_SENSITIVE = frozenset({"median", "min", "max"})

try:  # pandas >= 3.1: sorted groups of NaN-free values go to ufunc.reduceat
    from pandas.core.groupby.ops import _REDUCEAT_UFUNCS, BaseGrouper

    REDUCEAT = frozenset(_REDUCEAT_UFUNCS) & FUNCTIONS if hasattr(BaseGrouper, "_reduceat_aggregate") else frozenset()
except ImportError:  # pragma: no cover - depends on the pandas version
    REDUCEAT = frozenset()

# The adapter routes groupbys of at most this many rows, except median.
# benchmarks/kernels/bench_groupby.py on 2026-12-02 (2 shared cores, load
# 0.5-2, docs/benchmarks.md): at 1e6 rows 1.6-2.5x (int64 keys) and 1.0-1.3x
# (str keys); at 3e6 1.0-1.3x and 0.9-1.0x; at 1e7 0.7-1.0x for sum, mean,
# std, count and transform mean. Median stays faster (1.5x / 1.1x at 1e7).
MAX_ROWS = 2_000_000
UNBOUNDED = frozenset({"median"})

__all__ = [
    "FUNCTIONS",
    "MAX_ROWS",
    "routed_rows_exceeded",
    "declines",
    "grouped_inputs",
    "groupby_agg",
    "groupby_agg_pandas",
    "groupby_transform",
    "groupby_transform_pandas",
    "kernel_result",
]


def routed_rows_exceeded(values: pd.Series, fn: str) -> bool:
    """Whether the adapter leaves this groupby to pandas for its size
    (:data:`MAX_ROWS`); the kernels themselves take any size."""
    return fn not in UNBOUNDED and len(values) > MAX_ROWS


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


def grouped_inputs(grouped: object) -> tuple[pd.Series, pd.Series] | None:
    """``(keys, values)`` of ``frame.groupby(key)[col]`` when it was made with
    the settings the kernels reproduce, else None.

    Taken: a ``SeriesGroupBy`` grouped by one column of its frame (not an
    index level, array or function) with ``sort=True, dropna=True,
    as_index=True``. The key column is read back from the grouper, so no
    frame is needed.
    """
    if not isinstance(grouped, pd.api.typing.SeriesGroupBy):
        return None
    if not (grouped.sort is True and grouped.dropna is True and grouped.as_index is True and grouped.level is None):
        return None
    values = grouped.obj
    groupings = getattr(getattr(grouped, "_grouper", None), "groupings", None)
    if not isinstance(values, pd.Series) or groupings is None or len(groupings) != 1:
        return None
    (grouping,) = groupings
    if not (grouping.in_axis and grouping.level is None and isinstance(grouped.keys, str)):
        return None
    if grouping.name != grouped.keys:
        return None
    vector = grouping.grouping_vector
    if not isinstance(vector, (np.ndarray, pd.api.extensions.ExtensionArray)) or len(vector) != len(values):
        return None
    keys = pd.Series(vector, index=values.index, name=grouping.name, copy=False)
    return keys, values


def _reduceat_path(codes: np.ndarray, array: np.ndarray) -> bool:
    """Whether pandas aggregates these with ``ufunc.reduceat`` (pairwise sums,
    not the Cython kernels the Rust ones replay): group codes sorted, some
    row in a group, and no NaN among float values."""
    if not (codes >= 0).any() or (array.dtype.kind == "f" and np.isnan(array).any()):
        return False
    return bool((codes[1:] >= codes[:-1]).all())


def _declined(fn: str, codes: np.ndarray, array: np.ndarray) -> bool:
    if fn in REDUCEAT and _reduceat_path(codes, array):
        return True
    return fn in ZERO_SIGN_SENSITIVE and _mixed_zero_signs(array)


def declines(keys: pd.Series, values: pd.Series, fn: str) -> bool:
    """Whether the kernels leave these inputs, which they would otherwise
    take, to pandas: sorted groups where pandas takes its ``reduceat`` path,
    or a zero-sign-sensitive function over both zeros."""
    groups = _groups(keys, values, fn)
    return groups is not None and _declined(fn, groups[0], groups[2])


def _mixed_zero_signs(array: np.ndarray) -> bool:
    if array.dtype != np.float64:
        return False
    zeros = array[array == 0]
    signs = np.signbit(zeros)
    return bool(signs.any() and not signs.all())


def kernel_result(keys: pd.Series, values: pd.Series, fn: str, transform: bool) -> pd.Series | None:
    """What :func:`groupby_agg` / :func:`groupby_transform` return, or None
    when the kernels do not take these inputs (nothing falls back here).

    Which of 0.0 and -0.0 pandas returns for a group holding both depends on
    its code path (its median's selection; for min and max, even on whether
    the column has NaNs or one group), so columns holding both zeros are not
    taken for ``median``, ``min`` and ``max``.
    """
    groups = _groups(keys, values, fn)
    if groups is None:
        return None
    codes, first, array = groups
    if _declined(fn, codes, array):
        return None
    per_group = backend._rt.groupby_agg(codes, len(first), array, fn)
    if transform:
        result = backend._rt.groupby_broadcast(codes, per_group)
        return pd.Series(result, index=values.index, name=values.name, copy=False)
    return pd.Series(per_group, index=_result_index(keys, first), name=values.name, copy=False)


def _result_index(keys: pd.Series, first: np.ndarray) -> pd.Index:
    distinct = distinct_values(keys, first)
    if keys.dtype == object:
        # pandas infers the index dtype of object keys (str for strings).
        return pd.Index(np.asarray(distinct, dtype=object), name=keys.name)
    return pd.Index(distinct, dtype=keys.dtype, name=keys.name)


def groupby_agg(keys: pd.Series, values: pd.Series, fn: str) -> pd.Series:
    """``values.groupby(keys).agg(fn)``: one row per key, keys sorted."""
    result = kernel_result(keys, values, fn, transform=False)
    return groupby_agg_pandas(keys, values, fn) if result is None else result


def groupby_transform(keys: pd.Series, values: pd.Series, fn: str) -> pd.Series:
    """``values.groupby(keys).transform(fn)``: each row's group result, NaN
    for rows whose key is missing (which makes integer results float64)."""
    result = kernel_result(keys, values, fn, transform=True)
    return groupby_transform_pandas(keys, values, fn) if result is None else result
