"""Rust kernels (``stratum._rt``) for factorizing and category-coding columns.

Every function returns exactly what pandas returns, whether the Rust
extension is loaded or not:

* ``factorize(values)``: ``pd.factorize(values, sort=False,
  use_na_sentinel=True)`` with the uniques as an ndarray, i.e. int64 codes in
  order of first appearance and missing values coded -1.
* ``category_codes(values)``: ``cat.codes.to_numpy()`` and
  ``cat.categories.to_numpy()`` of ``pd.Series(values).astype("category")``,
  i.e. codes into the sorted distinct values, in pandas' narrowest code dtype.

Inputs a kernel does not take (other dtypes, extension dtypes, object arrays
holding anything but ``str``, ``None`` and NaN) go to the pandas
implementations ``factorize_pandas`` and ``category_codes_pandas``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

try:
    from stratum import _rt
except ImportError:
    _rt = None

AVAILABLE: bool = _rt is not None

__all__ = [
    "AVAILABLE",
    "category_codes",
    "category_codes_pandas",
    "factorize",
    "factorize_pandas",
]

Kernel = Callable[[Any], tuple[np.ndarray, np.ndarray]]


def factorize_pandas(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """The pandas implementation of :func:`factorize`."""
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    return codes, np.asarray(uniques)


def category_codes_pandas(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """The pandas implementation of :func:`category_codes`."""
    cat = pd.Series(values).astype("category").cat
    return cat.codes.to_numpy(), cat.categories.to_numpy()


def _kernel_input(values: Any) -> np.ndarray | None:
    """``values`` as a 1-D ndarray with the same pandas semantics, or None."""
    if isinstance(values, (pd.Series, pd.Index)):
        # Python-backed strings become object arrays with NaN for missing,
        # which the str kernels take. Arrow-backed ones stay with pandas:
        # Arrow's dictionary encoding beats building a Python str per row.
        # Other extension dtypes (categorical, nullable integers, ...) keep
        # their own semantics in pandas.
        if isinstance(values.dtype, pd.StringDtype):
            if values.dtype.storage != "python":
                return None
            values = values.to_numpy(dtype=object, na_value=np.nan)
        elif isinstance(values.dtype, np.dtype):
            values = values.to_numpy()
        else:
            return None
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return values
    return None


def _dispatch(
    values: np.ndarray, int_kernel: Kernel, float_kernel: Kernel, str_kernel: Kernel
) -> tuple[np.ndarray, np.ndarray] | None:
    """Runs the kernel for ``values``' dtype, or returns None if there is none.

    Narrower ints, bools and float32 widen losslessly to the int64 / float64
    kernels, which pandas hashes and orders alike; their uniques are cast
    back to the input's dtype, as pandas returns them.
    """
    dtype = values.dtype
    if dtype.kind == "O":
        try:
            return str_kernel(values)
        except TypeError:
            # Objects other than str and missing: pandas decides what they mean.
            return None
    if not dtype.isnative:
        return None
    if dtype.kind in "bi" or (dtype.kind == "u" and dtype.itemsize < 8):
        kernel, wide = int_kernel, np.int64
    elif dtype.kind == "f" and dtype.itemsize in (4, 8):
        kernel, wide = float_kernel, np.float64
    else:
        return None
    codes, uniques = kernel(values.astype(wide, copy=False))
    return codes, uniques.astype(dtype, copy=False)


def factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64, -1 for missing) and uniques in order of first appearance.

    Same result as ``pd.factorize(values, sort=False, use_na_sentinel=True)``,
    with the uniques always an ndarray.
    """
    array = _kernel_input(values)
    if _rt is not None and array is not None:
        result = _dispatch(array, _rt.factorize_int64, _rt.factorize_float64, _rt.factorize_str)
        if result is not None:
            return result
    return factorize_pandas(values)


def category_codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted categories (-1 for missing), and the categories.

    Same result as ``.cat.codes.to_numpy()`` and ``.cat.categories.to_numpy()``
    of ``pd.Series(values).astype("category")``.
    """
    array = _kernel_input(values)
    if _rt is not None and array is not None:
        result = _dispatch(
            array, _rt.category_codes_int64, _rt.category_codes_float64, _rt.category_codes_str
        )
        if result is not None:
            return result
    return category_codes_pandas(values)
