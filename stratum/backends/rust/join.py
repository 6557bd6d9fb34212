"""``pd.merge`` / ``DataFrame.merge`` (how inner or left) with the join
indexers from the Rust hash join (``rust_runtime/src/join.rs``).

``merge(left, right, **kwargs)`` returns exactly ``left.merge(right,
**kwargs)``, or None when the kernel does not take the call. Only the
row-index pairs are computed in Rust; the frame is assembled by pandas' own
merge code (its ``_MergeOperation``, with the indexers handed in), so column
order, suffixes, key columns, dtypes (ints that become float64 for unmatched
left rows, ...) and the index are pandas' by construction. The pairs come in
pandas' order: left rows in order, each followed by its matches in right
order; missing keys (NaN, None) match each other, as in pandas.

Taken: two DataFrames, ``how`` "inner" or "left", keys by ``on`` or
``left_on``/``right_on`` (column labels), ``suffixes``; each key pair of
one dtype among int64, float64, object holding ``str`` (None and NaN
missing) and ``str`` with NaN as missing value; both sides non-empty.
Declined: other ``how``, ``sort=True``, ``indicator``, ``validate``, index
joins, mismatched or other key dtypes, numeric keys on fewer than
``NUMERIC_MIN_ROWS`` rows, and any call during which pandas warns (so
pandas runs it and warns itself).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import stratum.backends.rust as backend
from stratum.backends.rust._keys import _arrow_chunks
from stratum.runtime import library_warnings

try:  # pandas' merge machinery; without it every call is declined
    from pandas._libs.lib import is_range_indexer
    from pandas.core.reshape.merge import _MergeOperation
except ImportError:  # pragma: no cover - depends on the pandas version
    _MergeOperation = None

__all__ = ["KEYWORDS", "NUMERIC_MIN_ROWS", "merge"]

# Below this many rows (both sides together), merges on int64 / float64
# keys stay on pandas, whose hash lookup is then as fast as the kernel's
# fixed costs (docs/benchmarks.md: 0.6-0.9x at 1e5 left rows, 1.5-1.9x at
# 1e6). String keys gain at every size.
NUMERIC_MIN_ROWS = 1 << 18

# Keywords passed through to pandas' merge unchanged.
KEYWORDS = frozenset({"how", "on", "left_on", "right_on", "suffixes"})


def _key_codes(left: Any, right: Any) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Join codes of one key pair (see ``join_codes_int64``), or None."""
    _rt = backend._rt
    dtype = left.dtype
    if dtype != right.dtype:
        return None
    if isinstance(dtype, pd.StringDtype):
        if dtype.na_value is pd.NA:
            return None
        if dtype.storage == "pyarrow":
            lchunks, rchunks = _arrow_chunks(left), _arrow_chunks(right)
            if lchunks is None or rchunks is None:
                return None
            return _rt.join_codes_arrow_str(lchunks, rchunks)
        left, right = (np.asarray(a.to_numpy(dtype=object, na_value=np.nan)) for a in (left, right))
        dtype = left.dtype
    if not isinstance(left, np.ndarray) or not isinstance(right, np.ndarray):
        return None
    if dtype == np.int64:
        return _rt.join_codes_int64(left, right)
    if dtype == np.float64:
        return _rt.join_codes_float64(left, right)
    if dtype == object:
        try:
            return _rt.join_codes_str(left, right)
        except TypeError:
            # Objects other than str and missing: pandas decides what they mean.
            return None
    return None


def _combined_codes(pairs: list[tuple[np.ndarray, np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray, int] | None:
    """One code per row for several keys: mixed-radix numbers of the codes,
    coded again densely. A row with any code -1 (a key the other side lacks)
    matches nothing: it gets -1 on the left and -2 on the right, which never
    meet."""
    left, right, n = pairs[0]
    for lc, rc, m in pairs[1:]:
        if n * m >= 2**62:
            return None
        left = np.where((left < 0) | (lc < 0), -1, left * m + lc)
        right = np.where((right < 0) | (rc < 0), -2, right * m + rc)
        left, right, n = backend._rt.join_codes_int64(left, right)
    return left, right, n


def merge(left: Any, right: Any, **kwargs: Any) -> pd.DataFrame | None:
    """``left.merge(right, **kwargs)``, or None when the kernel declines."""
    if backend._rt is None or _MergeOperation is None or not set(kwargs) <= KEYWORDS:
        return None
    if type(left) is not pd.DataFrame or type(right) is not pd.DataFrame:
        return None
    how = kwargs.get("how", "inner")
    if how not in ("inner", "left") or not len(left) or not len(right):
        return None
    with library_warnings.recording() as caught:
        try:
            # pd.merge's defaults, which _MergeOperation's own differ from.
            op = _MergeOperation(left, right, **{"how": "inner", "suffixes": ("_x", "_y"), **kwargs}, sort=False)
        except Exception:
            return None  # pandas raises it again, itself
        if caught:
            return None
        if op.left_index or op.right_index or op.sort or op.indicator or op.how != how:
            return None
        lkeys, rkeys = op.left_join_keys, op.right_join_keys
        if not lkeys or len(lkeys) != len(rkeys):
            return None
        numeric = all(isinstance(k.dtype, np.dtype) and k.dtype.kind in "if" for k in lkeys)
        if numeric and len(left) + len(right) < NUMERIC_MIN_ROWS:
            return None
        pairs = []
        for lk, rk in zip(lkeys, rkeys):
            codes = _key_codes(lk, rk)
            if codes is None:
                return None
            pairs.append(codes)
        codes = _combined_codes(pairs)
        if codes is None:
            return None
        lidx, ridx = backend._rt.join_indexers(*codes, how == "left")
        # As pandas' get_join_indexers: an identity indexer is None.
        indexers = (
            None if lidx is None or is_range_indexer(lidx, len(left)) else lidx,
            None if is_range_indexer(ridx, len(right)) else ridx,
        )
        op._get_join_indexers = lambda: indexers
        result = op.get_result()
        if caught:
            return None
    return result
