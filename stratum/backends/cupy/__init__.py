"""CuPy backend: fused elementwise column expressions as CUDA kernels (imports cupy lazily)."""

from stratum.backends.cupy.kernels import GpuKernel, compile_program, reduce_float64
from stratum.backends.elementwise import UnsupportedProgram

__all__ = ["GpuKernel", "UnsupportedProgram", "compile_program", "reduce_float64"]
