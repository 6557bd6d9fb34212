"""``pd.get_dummies`` on the Rust kernels.

``get_dummies(data, ...)`` takes ``pd.get_dummies``' arguments and returns
exactly its result: same columns (order, names, index dtype), dtypes, index
and values. It follows pandas' own construction step by step
(``pandas/core/reshape/encoding.py``) and replaces only the expensive parts:
the sorted categories and codes of each encoded column (pandas builds a
``Categorical``) and the one-hot matrix, which the kernel writes as the
transpose of the column-major matrix pandas fills, so the frame built from it
has the same single block.

Taken: Series, and DataFrames with unique column labels, whose encoded
columns are int64, float64, object-of-str or ``str`` (see
:mod:`stratum.backends.rust._keys`), with ``sparse=False``, a numeric or bool
``dtype`` (default bool), ``prefix`` / ``prefix_sep`` as str, list or dict,
``columns`` None or a list. Anything else, including inputs pandas rejects
(so that it raises its own error), runs ``pd.get_dummies``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_list_like

import stratum.backends.rust as backend
from stratum.backends.rust._keys import distinct_values, key_codes

__all__ = ["get_dummies", "get_dummies_pandas"]

# Output dtypes the kernel writes directly (NumPy names).
_KERNEL_DTYPES = frozenset(
    {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"}
)


def get_dummies_pandas(data: Any, **kwargs: Any) -> pd.DataFrame:
    """The pandas implementation of :func:`get_dummies`."""
    return pd.get_dummies(data, **kwargs)


class _Unsupported(Exception):
    """These arguments run on pandas."""


def get_dummies(
    data: Any,
    prefix: Any = None,
    prefix_sep: Any = "_",
    dummy_na: bool = False,
    columns: Any = None,
    sparse: bool = False,
    drop_first: bool = False,
    dtype: Any = None,
) -> pd.DataFrame:
    """``pd.get_dummies(data, prefix, prefix_sep, dummy_na, columns, sparse,
    drop_first, dtype)``."""
    kwargs = dict(
        prefix=prefix,
        prefix_sep=prefix_sep,
        dummy_na=dummy_na,
        columns=columns,
        sparse=sparse,
        drop_first=drop_first,
        dtype=dtype,
    )
    if backend._rt is None or sparse is not False:
        return get_dummies_pandas(data, **kwargs)
    try:
        if isinstance(data, pd.DataFrame):
            return _frame_dummies(data, prefix, prefix_sep, bool(dummy_na), columns, bool(drop_first), dtype)
        if isinstance(data, pd.Series) and columns is None:
            return _dummies_1d(data, prefix, prefix_sep, bool(dummy_na), bool(drop_first), dtype)
    except _Unsupported:
        pass
    return get_dummies_pandas(data, **kwargs)


def _is_encodable(dtype: Any) -> bool:
    """Whether ``columns=None`` encodes a column of this dtype (pandas'
    ``_is_encodable``); dtypes it encodes that the kernels don't take, such
    as categoricals and ``ArrowDtype``, are unsupported here."""
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, (pd.CategoricalDtype, pd.ArrowDtype)):
        raise _Unsupported
    return isinstance(dtype, np.dtype) and dtype == object


def _frame_dummies(
    data: pd.DataFrame, prefix: Any, prefix_sep: Any, dummy_na: bool, columns: Any, drop_first: bool, dtype: Any
) -> pd.DataFrame:
    if not data.columns.is_unique:
        raise _Unsupported
    if columns is None:
        encoded = [name for name, d in data.dtypes.items() if _is_encodable(d)]
    elif isinstance(columns, list) and all(c in data.columns for c in columns) and len(set(columns)) == len(columns):
        encoded = list(columns)
    else:
        raise _Unsupported
    # Length mismatches raise in pandas; let it.
    for item in (prefix, prefix_sep):
        if is_list_like(item) and not isinstance(item, dict) and len(item) != len(encoded):
            raise _Unsupported
    if isinstance(prefix, str):
        prefixes = list(itertools.repeat(prefix, len(encoded)))
    elif isinstance(prefix, dict):
        if not all(c in prefix for c in encoded):
            raise _Unsupported
        prefixes = [prefix[c] for c in encoded]
    elif prefix is None:
        prefixes = list(encoded)
    elif isinstance(prefix, list):
        prefixes = prefix
    else:
        raise _Unsupported
    if isinstance(prefix_sep, str):
        seps = list(itertools.repeat(prefix_sep, len(encoded)))
    elif isinstance(prefix_sep, dict):
        if not all(c in prefix_sep for c in encoded):
            raise _Unsupported
        seps = [prefix_sep[c] for c in encoded]
    elif isinstance(prefix_sep, list):
        seps = prefix_sep
    else:
        raise _Unsupported

    dummies = [
        _dummies_1d(data[name], pre, sep, dummy_na, drop_first, dtype)
        for name, pre, sep in zip(encoded, prefixes, seps, strict=True)
    ]
    if len(encoded) == data.shape[1]:
        with_dummies: list[pd.DataFrame] = []
    elif columns is not None:
        with_dummies = [data.drop(columns, axis=1)]
    else:
        # The columns left unencoded, in their order, as pandas prepends them.
        with_dummies = [data[[c for c in data.columns if c not in set(encoded)]]]
    return pd.concat(with_dummies + dummies, axis=1)


def _levels(data: pd.Series, first: np.ndarray) -> pd.Index:
    """``Categorical(data).categories``, given the sorted first positions."""
    return pd.Index(distinct_values(data, first), dtype=data.dtype)


def _dummies_1d(
    data: pd.Series, prefix: Any, prefix_sep: Any, dummy_na: bool, drop_first: bool, dtype: Any
) -> pd.DataFrame:
    """pandas' ``_get_dummies_1d`` for a Series, dense."""
    codes_first = key_codes(data, sort=True)
    if codes_first is None:
        raise _Unsupported
    codes, first = codes_first
    levels = _levels(data, first)
    # key_codes takes no dtype whose default is a nullable or Arrow bool.
    out_dtype = np.dtype(bool) if dtype is None else pd.api.types.pandas_dtype(dtype)
    if not isinstance(out_dtype, np.dtype) or out_dtype.name not in _KERNEL_DTYPES:
        raise _Unsupported

    if not dummy_na and len(levels) == 0:
        return pd.DataFrame(index=data.index)
    if dummy_na:
        codes = np.where(codes == -1, len(levels), codes)
        levels = levels.insert(len(levels), np.nan)
    if drop_first and len(levels) == 1:
        return pd.DataFrame(index=data.index)
    if prefix is None:
        dummy_cols = levels
    else:
        dummy_cols = pd.Index([f"{prefix}{prefix_sep}{level}" for level in levels])
    # (k, n) row-major: as laid out in memory, pandas' (n, k) column-major matrix.
    dummy_mat = backend._rt.onehot_matrix(codes, len(levels), out_dtype.name).T
    if drop_first:
        dummy_mat = dummy_mat[:, 1:]
        dummy_cols = dummy_cols[1:]
    return pd.DataFrame(dummy_mat, index=data.index, columns=dummy_cols, dtype=out_dtype, copy=False)
