"""Runs ``df.fused`` ops as CuPy kernels on a GPU.

Registered as ``"cupy": "stratum.backends.cupy.adapter"``. A fused op runs on
the GPU only when the numba adapter's conditions hold (numpy-backed columns on
one index, Python scalar operands, functions whose reference meaning is the
program's), the kernel is exact (no libdevice transcendentals: those differ
from numpy by a few ulp, and Stratum's output must equal pandas'), and the
column has at least ``STRATUM_GPU_MIN_ROWS`` rows (default 1,000,000): below
that, copying the columns to the device and back costs more than pandas
spends. Anything else raises :class:`Declined` and the executor runs the
reference implementation.

``AVAILABLE`` is computed on first access (cupy imports and sees a device);
importing this module does not import cupy.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd
from xdsl.ir import Operation

from stratum.backends.elementwise import UnsupportedProgram
from stratum.backends.numba.adapter import Declined, program_for
from stratum.backends.numba.adapter import supports as _numba_supports
from stratum.backends.reference import evaluate_fused
from stratum.ir import dataframe as df

NAME = "cupy"

__all__ = ["NAME", "AVAILABLE", "Declined", "min_rows", "supports", "execute"]


@functools.cache
def _available() -> bool:
    # Importing cupy costs most of a second; a machine without an NVIDIA
    # device node cannot run it, so do not pay that on every compile there.
    if not any(os.path.exists(p) for p in ("/dev/nvidia0", "/dev/nvidiactl", "/dev/dxg")):
        return False
    try:
        import cupy

        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:  # ImportError, CUDARuntimeError (no driver / no device), broken installs
        return False


def __getattr__(name: str) -> Any:
    if name == "AVAILABLE":  # lazy: the registry asks only when a plan might use the backend
        return _available()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def min_rows() -> int:
    return int(os.environ.get("STRATUM_GPU_MIN_ROWS", "1000000"))


def supports(op: Operation) -> bool:
    return _numba_supports(op)


def execute(op: Operation, operands: Sequence[Any]) -> tuple[Any, ...]:
    assert isinstance(op, df.FusedOp)
    program, columns = program_for(op, operands)
    rows = len(columns[0])
    if rows < min_rows():
        raise Declined(f"{rows} rows: host-device transfers cost more than the kernel saves")
    if not _available():
        raise Declined("no CUDA device")
    from stratum.backends.cupy import kernels  # imports cupy only once a GPU run is wanted

    try:
        kernel = kernels.compile_program(program)
    except UnsupportedProgram as exc:
        raise Declined(str(exc)) from exc
    if not kernel.exact:
        raise Declined("the kernel uses CUDA transcendentals, which differ from numpy in the last bits")
    empty = evaluate_fused(op, [v.iloc[:0] if isinstance(v, pd.Series) else v for v in operands])
    if not isinstance(empty, pd.Series) or empty.dtype != kernel.out_dtype:
        raise Declined("result is not a Series of the kernel's dtype")
    values = kernel(*(c.to_numpy() for c in columns))
    return (pd.Series(values, index=columns[0].index, name=empty.name, copy=False),)
