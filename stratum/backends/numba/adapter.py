"""Runs ``df.fused`` ops as compiled Numba kernels.

A fused op runs on a kernel only when the result is certain to be what the
reference backend computes: every column operand is a numpy-backed Series on
the same index (so pandas would not realign), every other operand is a Python
scalar, each function has the same meaning in the kernel as in the reference
backend, and the kernel's output dtype is the one pandas gives. Anything else
raises :class:`Declined` and the executor runs the reference implementation,
and so does a kernel that raised a floating-point exception numpy would have
reported (a warning such as "divide by zero encountered in log", or an error
under ``np.errstate``): pandas recomputes it, with numpy's own messages.

Compiling a kernel costs far more than pandas spends on a small column, so a
program not yet compiled in this process runs on a kernel only from
``STRATUM_KERNEL_MIN_ROWS`` rows (default 20,000); compiled kernels are used at
any size.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from xdsl.ir import Operation, SSAValue

from stratum.backends.elementwise import FUNCTIONS, Apply, Const, ElementwiseProgram, Input, Node, UnsupportedProgram
from stratum.backends.reference import evaluate_fused
from stratum.ir import dataframe as df
from stratum.ir import python as py
from stratum.ir.constants import decode

NAME = "numba"
AVAILABLE = True

# Functions whose reference implementation (operator / numpy ufunc / fillna on
# a Series) is exactly the semantics ElementwiseProgram gives them. ``where``,
# ``clip``, ``isna`` and ``notna`` are spelled differently in the reference
# backend and stay there.
KERNEL_FUNCTIONS = frozenset(FUNCTIONS) - {"where", "clip", "isna", "notna"}


class Declined(Exception):
    """This op, with these operands, runs on the reference backend."""


def min_rows() -> int:
    return int(os.environ.get("STRATUM_KERNEL_MIN_ROWS", "20000"))


def supports(op: Operation) -> bool:
    if not isinstance(op, df.FusedOp):
        return False
    for inner in op.body.block.ops:
        if isinstance(inner, df.ElementwiseOp) and inner.fn.data not in KERNEL_FUNCTIONS:
            return False
        if not isinstance(inner, (df.ElementwiseOp, py.ConstantOp, df.YieldOp)):
            return False
    return True


def program_for(op: df.FusedOp, operands: Sequence[Any]) -> tuple[ElementwiseProgram, list[pd.Series]]:
    """The kernel program of ``op`` for these operand values, and its column arguments."""
    from stratum.backends.numba import kernels

    columns: list[pd.Series] = []
    leaves: dict[SSAValue, Node] = {}
    for arg, value in zip(op.body.block.args, operands):
        if isinstance(value, pd.Series):
            if not isinstance(value.dtype, np.dtype) or value.dtype not in kernels.SUPPORTED_DTYPES:
                raise Declined(f"column dtype {value.dtype}")
            if columns and not value.index.equals(columns[0].index):
                raise Declined("columns on different indexes are aligned by pandas")
            leaves[arg] = Input(len(columns))
            columns.append(value)
        elif type(value) in (bool, int, float):
            leaves[arg] = Const(value)
        else:
            raise Declined(f"operand of type {type(value).__name__}")
    if not columns:
        raise Declined("no column operand")
    for inner in op.body.block.ops:
        if isinstance(inner, py.ConstantOp):
            value = decode(inner.value)
            if type(value) not in (bool, int, float):
                raise Declined(f"constant of type {type(value).__name__}")
            leaves[inner.result] = Const(value)
        elif isinstance(inner, df.ElementwiseOp):
            leaves[inner.result] = Apply(inner.fn.data, tuple(leaves[a] for a in inner.args))
        elif isinstance(inner, df.YieldOp):
            root = leaves[inner.values[0]]
            return ElementwiseProgram(tuple(c.dtype.name for c in columns), root), columns
    raise Declined("df.fused body without df.yield")


def execute(op: Operation, operands: Sequence[Any]) -> tuple[Any, ...]:
    import sys

    assert isinstance(op, df.FusedOp)
    rows = max((len(v) for v in operands if isinstance(v, pd.Series)), default=0)
    if rows < min_rows() and "stratum.backends.numba.kernels" not in sys.modules:
        # No kernel compiled in this process yet: not even worth importing numba.
        raise Declined(f"{rows} rows do not pay for compiling a kernel")
    from stratum.backends.numba import kernels

    program, columns = program_for(op, operands)
    if rows < min_rows() and program.key() not in kernels._kernels:
        raise Declined(f"{rows} rows do not pay for compiling a kernel")
    try:
        kernel = kernels.compile_program(program)
    except UnsupportedProgram as exc:
        raise Declined(str(exc)) from exc
    # Name and dtype as pandas gives them, from the same program on no rows.
    empty = evaluate_fused(op, [v.iloc[:0] if isinstance(v, pd.Series) else v for v in operands])
    if not isinstance(empty, pd.Series) or empty.dtype != kernel.out_dtype:
        raise Declined("result is not a Series of the kernel's dtype")
    if kernel.reads_fp_flags and not kernels.FP_STATUS_KNOWN:
        raise Declined("floating-point status flags unknown on this machine")
    values, raised = kernel.run(*(c.to_numpy() for c in columns))
    if raised:
        # numpy would warn (or raise, per np.errstate): pandas recomputes, with its exact messages.
        raise Declined("a floating-point exception numpy reports")
    return (pd.Series(values, index=columns[0].index, name=empty.name, copy=False),)
