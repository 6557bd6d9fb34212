"""Group codes of a pandas column on the Rust kernels, shared by groupby,
one-hot encoding and value_counts.

``key_codes(column, sort)`` returns ``(codes, first)``: int64 codes into the
column's distinct non-missing values (sorted when ``sort``, else in order of
first appearance, -1 for missing) and the position of each distinct value's
first appearance, from which callers take the distinct values themselves, so
they keep the column's dtype and, for floats, the sign of the first zero.

Taken: numpy int64 / float64, object columns holding only ``str`` (``None``
and NaN missing), and ``str`` columns with NaN as missing value (Arrow-backed
ones are read from their Arrow buffers in place). Anything else, including
``StringDtype`` with ``pd.NA`` (its results use nullable dtypes), gives None.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

try:
    import pyarrow as pa
except ImportError:  # pragma: no cover - pyarrow is a dependency
    pa = None

import stratum.backends.rust as backend

Codes = tuple[np.ndarray, np.ndarray]


def _arrow_chunks(array: object) -> list[tuple] | None:
    """The Arrow chunks of an Arrow-backed string array as buffer views."""
    if pa is None or not hasattr(array, "__arrow_array__"):
        return None
    chunked = array.__arrow_array__()
    if isinstance(chunked, pa.Array):
        chunked = pa.chunked_array([chunked])
    if pa.types.is_large_string(chunked.type):
        offset_dtype = np.int64
    elif pa.types.is_string(chunked.type):
        offset_dtype = np.int32
    else:
        return None
    chunks = []
    for chunk in chunked.chunks:
        validity, offsets, data = chunk.buffers()
        chunks.append(
            (
                np.frombuffer(offsets, dtype=offset_dtype),
                np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8),
                np.frombuffer(validity, dtype=np.uint8) if validity is not None and chunk.null_count else None,
                chunk.offset,
                len(chunk),
            )
        )
    return chunks


def key_codes(column: pd.Series | pd.Index, sort: bool) -> Codes | None:
    """``(codes, first)`` of ``column``, or None when no kernel takes it."""
    _rt = backend._rt
    if _rt is None:
        return None
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.na_value is pd.NA:
            return None
        if dtype.storage == "pyarrow":
            chunks = _arrow_chunks(column.array)
            return None if chunks is None else _rt.group_codes_arrow_str(chunks, sort)
        return _str_codes(column.to_numpy(dtype=object, na_value=np.nan), sort)
    if not isinstance(dtype, np.dtype):
        return None
    if dtype == np.int64:
        return _rt.group_codes_int64(column.to_numpy(), sort)
    if dtype == np.float64:
        return _rt.group_codes_float64(column.to_numpy(), sort)
    if dtype == object:
        return _str_codes(column.to_numpy(), sort)
    return None


def _str_codes(values: np.ndarray, sort: bool) -> Codes | None:
    try:
        return backend._rt.group_codes_str(values, sort)
    except TypeError:
        # Objects other than str and missing: pandas decides what they mean.
        return None


def distinct_values(column: pd.Series | pd.Index, first: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The values at ``first`` as an array of the column's dtype."""
    return column.array.take(first)
