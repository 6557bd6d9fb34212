"""CuPy backend: fused elementwise column expressions as CUDA kernels.

cupy (and the kernel generator, which shares the Numba backend's dtype
logic) are imported on first use, so asking the adapter what it supports
costs nothing on machines without a GPU.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GpuKernel", "UnsupportedProgram", "compile_program", "reduce_float64"]


def __getattr__(name: str) -> Any:
    if name in ("GpuKernel", "compile_program", "reduce_float64"):
        from stratum.backends.cupy import kernels

        return getattr(kernels, name)
    if name == "UnsupportedProgram":
        from stratum.backends.elementwise import UnsupportedProgram

        return UnsupportedProgram
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
