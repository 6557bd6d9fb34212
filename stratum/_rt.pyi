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
