"""Type stubs for the Rust extension ``stratum._rt`` (rust_runtime/).

Codes are -1 for missing values. The ``*_str`` kernels take a list or 1-D
object array of ``str``, where ``None`` and float NaN are missing, and raise
``TypeError`` for any other element.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

def factorize_int64(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def factorize_float64(
    values: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def factorize_str(
    values: npt.NDArray[np.object_] | list[Any],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]: ...

# Codes are int8, int16, int32 or int64, chosen from the number of categories
# as pandas does.
def category_codes_int64(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.int64]]: ...
def category_codes_float64(
    values: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.float64]]: ...
def category_codes_str(
    values: npt.NDArray[np.object_] | list[Any],
) -> tuple[npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.object_]]: ...

# Group codes: ``(codes, first)``, int64 codes into the distinct non-missing
# values (sorted when ``sort``, else in first-appearance order, -1 for
# missing) and each distinct value's first position.
def group_codes_int64(values: npt.NDArray[np.int64], sort: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def group_codes_float64(values: npt.NDArray[np.float64], sort: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def group_codes_str(
    values: npt.NDArray[np.object_] | list[Any], sort: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

# An Arrow string chunk: (offsets int32 or int64, data uint8, validity uint8
# or None, offset, length), the buffers as NumPy views.
ArrowChunk = tuple[npt.NDArray[Any], npt.NDArray[np.uint8], npt.NDArray[np.uint8] | None, int, int]

def group_codes_arrow_str(chunks: list[ArrowChunk], sort: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

# ``fn`` in sum, mean, count, min, max, std, median, size; codes in
# -1..n_groups. Raises ValueError for bad codes or an unknown ``fn``.
def groupby_agg(
    codes: npt.NDArray[np.int64], n_groups: int, values: npt.NDArray[np.float64] | npt.NDArray[np.int64], fn: str
) -> npt.NDArray[np.float64] | npt.NDArray[np.int64]: ...
def groupby_broadcast(
    codes: npt.NDArray[np.int64], per_group: npt.NDArray[np.float64] | npt.NDArray[np.int64]
) -> npt.NDArray[np.float64] | npt.NDArray[np.int64]: ...
def value_counts_codes(codes: npt.NDArray[np.int64], n_groups: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def onehot_matrix(codes: npt.NDArray[np.int64], n_columns: int, dtype: str) -> npt.NDArray[Any]: ...

# Join codes ``(left, right, n)``, both in -1..n (-1: the key is not on the
# other side, so it matches nothing); a missing key (NaN, None) is a key of
# its own, which matches missing keys on the other side.
def join_codes_int64(
    left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]: ...
def join_codes_float64(
    left: npt.NDArray[np.float64], right: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]: ...
def join_codes_str(
    left: npt.NDArray[np.object_] | list[Any], right: npt.NDArray[np.object_] | list[Any]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]: ...
def join_codes_arrow_str(
    left: list[ArrowChunk], right: list[ArrowChunk]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]: ...

# ``(left indexer, right indexer)`` of an inner join, or with ``left`` a left
# join (-1 for unmatched left rows), in pandas' order; the left indexer is
# None when it is ``arange(len(left_codes))``. ValueError for bad codes.
def join_indexers(
    left_codes: npt.NDArray[np.int64], right_codes: npt.NDArray[np.int64], n: int, left: bool
) -> tuple[npt.NDArray[np.int64] | None, npt.NDArray[np.int64]]: ...

# None where pandas must answer (no values, numpy would warn, or the result
# depends on the zero signs numpy's partition leaves).
def median_float64(values: npt.NDArray[np.float64]) -> float | None: ...
def quantile_float64(values: npt.NDArray[np.float64], q: float) -> float | None: ...
def quantile_int64(values: npt.NDArray[np.int64], q: float) -> float | None: ...

# String methods. Object columns: exact ``str``, None and NaN (anything else,
# str subclasses included, raises TypeError); missing elements come back as
# they are. ``method``: lower, upper, strip, lstrip, rstrip, or replace with
# ``pat`` and ``repl`` (literal, every occurrence); tests: contains,
# startswith, endswith of a literal ``pat``. Lengths are -1 and tests -1 for
# missing. ValueError for an unknown method or bad Arrow buffers.
# With ``require_repeats``, None when the leading elements are mostly distinct objects.
def str_transform_object(
    values: npt.NDArray[np.object_] | list[Any],
    method: str,
    pat: str | None = None,
    repl: str | None = None,
    require_repeats: bool = False,
) -> npt.NDArray[np.object_] | None: ...
def str_len_object(values: npt.NDArray[np.object_] | list[Any]) -> npt.NDArray[np.int64]: ...
def str_match_object(values: npt.NDArray[np.object_] | list[Any], method: str, pat: str) -> npt.NDArray[np.int8]: ...

# Per chunk ``(offsets or None, data)``: None offsets share the input's;
# offsets keep the input's logical offset, so its validity bitmap applies.
# None when case mapping meets non-ASCII text.
def str_transform_arrow(
    chunks: list[ArrowChunk], method: str, pat: str | None = None, repl: str | None = None
) -> list[tuple[npt.NDArray[Any] | None, npt.NDArray[np.uint8]]] | None: ...
# int64 (-1 for null rows), or with ``as_float`` float64 with NaN.
def str_len_arrow(chunks: list[ArrowChunk], as_float: bool) -> npt.NDArray[np.int64] | npt.NDArray[np.float64]: ...
def str_match_arrow(chunks: list[ArrowChunk], method: str, pat: str, na: bool) -> npt.NDArray[np.bool_]: ...
