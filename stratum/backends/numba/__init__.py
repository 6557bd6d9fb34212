"""Numba backend: fused elementwise column expressions compiled to one loop kernel."""

from stratum.backends.elementwise import UnsupportedProgram
from stratum.backends.numba.kernels import Kernel, compile_program

__all__ = ["Kernel", "UnsupportedProgram", "compile_program"]
