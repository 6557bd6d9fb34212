"""Numba backend: fused elementwise column expressions compiled to one loop kernel.

Importing numba takes a good part of a second, so the package exposes its
kernels lazily: operator selection can ask the adapter what it supports
without paying for it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Kernel", "UnsupportedProgram", "compile_program"]


def __getattr__(name: str) -> Any:
    if name in ("Kernel", "compile_program"):
        from stratum.backends.numba import kernels

        return getattr(kernels, name)
    if name == "UnsupportedProgram":
        from stratum.backends.elementwise import UnsupportedProgram

        return UnsupportedProgram
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
