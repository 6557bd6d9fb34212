"""The CuPy backend's code generation and adapter, checked without a GPU."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stratum.backends.cupy import kernels
from stratum.backends.elementwise import Apply, Const, ElementwiseProgram, Input, UnsupportedProgram

x = Input(0)


def test_generated_source_is_typed_and_exact_where_it_can_be() -> None:
    in_params, out_params, operation, out_dtype, exact = kernels.generate(
        ElementwiseProgram(("int32", "float32"), Apply("add", (Apply("mul", (x, Const(3))), Input(1)))))
    assert (in_params, out_params, out_dtype.name, exact) == ("int32 in0, float32 in1", "float64 out", "float64", True)
    assert "(unsigned long long)" in operation  # int32 * 3 wraps like numpy, not UB
    assert "((double)(" in operation  # numpy's float64 loop for int32 + float32
    # Constants are exact bit patterns, -0.0 and NaN included.
    _, _, operation, _, _ = kernels.generate(ElementwiseProgram(("float64",), Apply("fillna", (Apply("add", (x, Const(-0.0))), Const(0.1)))))
    assert "0x8000000000000000" in operation and "0x3fb999999999999a" in operation
    assert kernels.generate(ElementwiseProgram(("float64",), Apply("log1p", (x,))))[4] is False
    assert kernels.generate(ElementwiseProgram(("float64",), Apply("pow", (x, Const(2)))))[4] is True  # numpy squares


@pytest.mark.parametrize(
    ("dtypes", "root", "reason"),
    [
        (("int64", "int64"), Apply("floordiv", (x, Input(1))), "data-dependent-dtype"),
        (("int64",), Apply("mod", (x, Const(0))), "data-dependent-dtype"),
        (("bool", "bool"), Apply("sub", (x, Input(1))), "invalid-program"),
        (("object",), Apply("add", (x, Const(1))), "dtype"),
        (("float64",), Apply("and", (x, Const(1))), "invalid-program"),
        (("int32",), Apply("lt", (x, Const(2**40))), "const-out-of-range"),
        (("float64", "float64"), Apply("clip", (x, Input(1), Const(1.0))), "unsupported-operand"),
        (("float64",), Apply("fillna", (x, Const(True))), "data-dependent-dtype"),  # object where NaN
    ],
)
def test_documented_declines(dtypes: tuple[str, ...], root: Apply, reason: str) -> None:
    with pytest.raises(UnsupportedProgram) as info:
        kernels.generate(ElementwiseProgram(dtypes, root))
    assert info.value.reason == reason, info.value


def test_adapter_imports_cupy_lazily_and_declines_small_columns() -> None:
    script = (
        "import sys\n"
        "import stratum.backends.cupy.adapter as adapter\n"
        "import stratum.backends.cupy.kernels\n"
        "assert 'cupy' not in sys.modules, 'imported at import time'\n"
        "print(adapter.NAME, type(adapter.AVAILABLE).__name__, adapter.min_rows())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env={**__import__("os").environ, "STRATUM_GPU_MIN_ROWS": "123"})
    assert out.stdout.split() == ["cupy", "bool", "123"]
