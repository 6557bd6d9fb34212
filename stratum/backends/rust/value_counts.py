"""``series.value_counts()`` on the Rust kernels.

``value_counts(series)`` returns exactly what ``series.value_counts()`` returns
(``sort=True, ascending=False, dropna=True``): the distinct non-missing
values as the index (named like the series, of its dtype), their counts as
int64 in a series named ``"count"``, by descending count, ties in order of
first appearance (pandas sorts its first-appearance counts stably).

Taken: the columns :mod:`stratum.backends.rust._keys` takes (int64,
float64, str / object-of-str; Arrow-backed str read in place); anything else
runs pandas.
"""

from __future__ import annotations

import pandas as pd

import stratum.backends.rust as backend
from stratum.backends.rust._keys import distinct_values, key_codes

__all__ = ["value_counts", "value_counts_pandas"]


def value_counts_pandas(series: pd.Series) -> pd.Series:
    """The pandas implementation of :func:`value_counts`."""
    return series.value_counts()


def value_counts(series: pd.Series) -> pd.Series:
    """``series.value_counts()``."""
    codes = key_codes(series, sort=False) if isinstance(series, pd.Series) else None
    if codes is None:
        return value_counts_pandas(series)
    codes, first = codes
    order, counts = backend._rt.value_counts_codes(codes, len(first))
    index = pd.Index(distinct_values(series, first[order]), dtype=series.dtype, name=series.name)
    return pd.Series(counts, index=index, name="count", copy=False)
