"""lower-to-plan: wraps every op in a ``plan.task`` that names its backend.

Operator selection is cost-based. A side analysis estimates the rows each
value has: ``df.read_csv`` from its compile-time profile (or a
``stratum.rows`` attribute on the read), then through every op with a frame
or column result as the most rows among its operands (an upper bound: masks
and filters only remove rows). Each backend that is available here and
supports the op gets a cost estimate, in microseconds, from the op's work
per row (per cell for reads) and the backend's fixed overhead and speed-up;
backends whose adapters would decline at that size (the Numba kernel below
``STRATUM_KERNEL_MIN_ROWS``, the GPU below ``STRATUM_GPU_MIN_ROWS``) are not
candidates. The cheapest wins; ties go to the reference backend. With rows
unknown (a caller's argument, an unprofiled file) costs are estimated at
``NOMINAL_ROWS``: large inputs are where a kernel matters, and the adapters
still decline small inputs at run time.

The constants are coarse calibrations (``docs/benchmarks.md`` and
``benchmarks/sharing/bench_cost_model.py``: pandas ~40 us and ~10 ns per row
per elementwise op, Numba fused kernels ~4x from 1e5 rows, the Rust kernels
~2x, read_csv ~25 ns per cell); they only have to rank backends, never to be
exact. ``plan.task`` records the choice, its cost, the rows estimate when
known, and the scripts of the batch that use the op.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, FloatAttr, IntAttr, ModuleOp, StringAttr, f64
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from stratum.backends.registry import PREFERENCE, available, backend
from stratum.ir import dataframe as df
from stratum.ir import ml
from stratum.ir import plan
from stratum.ir import python as py
from stratum.ir.constants import decode

ROWS = "stratum.rows"
NOMINAL_ROWS = 1_000_000


@dataclass(frozen=True)
class Work:
    """An op's cost on the reference backend: fixed microseconds, plus nanoseconds per row."""

    fixed_us: float
    ns_per_row: float


# Reference-backend work by op kind. Column access and selection are views or
# copy-on-write copies: nearly free. Unknown python calls get a modest default.
_WORK: dict[type[Operation], Work] = {
    df.ReadCsvOp: Work(300.0, 25.0),  # per cell: multiplied by the columns read
    df.ColumnOp: Work(5.0, 0.0),
    df.SelectOp: Work(30.0, 0.5),
    df.DropOp: Work(30.0, 0.5),
    df.AssignColumnOp: Work(30.0, 0.5),
    df.ElementwiseOp: Work(40.0, 10.0),
    df.FusedOp: Work(40.0, 10.0),  # per op of the body: pandas runs them one by one
    df.MethodOp: Work(30.0, 10.0),
    df.FactorizeOp: Work(50.0, 30.0),
    df.CategoryCodesOp: Work(100.0, 20.0),
    ml.FitOp: Work(10_000.0, 5_000.0),
    ml.FitTransformOp: Work(1_000.0, 500.0),
    ml.PredictOp: Work(1_000.0, 500.0),
    ml.FoldsOp: Work(100.0, 5.0),
    ml.SplitOp: Work(200.0, 5.0),
    ml.MetricOp: Work(50.0, 5.0),
    py.ExecOp: Work(1_000.0, 0.0),
    py.CallOp: Work(20.0, 5.0),
}
_FREE = Work(1.0, 0.0)  # constants, imports, binds, builds: bookkeeping

# Specialized backends: fixed overhead per call (us) and speed-up on the per-row work.
_OVERHEAD_US = {"numba": 15.0, "rust": 20.0, "cupy": 1_000.0}
_SPEEDUP = {"numba": 4.0, "rust": 2.0, "cupy": 8.0}
# Host-device transfer: bytes per row per column moved, at this many bytes per microsecond (~12 GB/s).
_GPU_BYTES_PER_US = 12_000.0


def _env_rows(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _width(value: SSAValue) -> int:
    schema = value.type.schema if isinstance(value.type, df.FrameType) else None
    return len(schema) if schema else 1


def _fused_ops(op: df.FusedOp) -> int:
    return sum(isinstance(inner, df.ElementwiseOp) for inner in op.body.block.ops) or 1


def _fixed_us(op: Operation) -> float:
    work = _WORK.get(type(op), _FREE)
    return work.fixed_us * (_fused_ops(op) if isinstance(op, df.FusedOp) else 1)


def reference_cost(op: Operation, rows: int) -> float:
    per_row = _WORK.get(type(op), _FREE).ns_per_row
    if isinstance(op, df.ReadCsvOp):
        per_row *= _width(op.result)
    elif isinstance(op, df.FusedOp):
        per_row *= _fused_ops(op)
    return _fixed_us(op) + rows * per_row / 1_000.0


def backend_cost(name: str, op: Operation, rows: int) -> float:
    """Estimated microseconds of ``op`` on backend ``name``; inf where its adapter would decline."""
    reference = reference_cost(op, rows)
    if name == "reference":
        return reference
    variable = reference - _fixed_us(op)
    if name == "numba" and rows < _env_rows("STRATUM_KERNEL_MIN_ROWS", 20_000):
        return math.inf  # compiling a kernel does not pay: the adapter declines
    if name == "cupy":
        if rows < _env_rows("STRATUM_GPU_MIN_ROWS", 1_000_000):
            return math.inf
        columns = len(op.operands) + 1
        return _OVERHEAD_US["cupy"] + rows * 8 * columns / _GPU_BYTES_PER_US + variable / _SPEEDUP["cupy"]
    return _OVERHEAD_US.get(name, 0.0) + variable / _SPEEDUP.get(name, 1.0)


def candidates(op: Operation) -> list[str]:
    return ["reference", *(name for name in PREFERENCE if available(name) and backend(name).supports(op))]


def choose_backend(op: Operation, rows: int | None) -> tuple[str, float]:
    """The cheapest backend for ``op`` at ``rows`` (``NOMINAL_ROWS`` if unknown), and its cost."""
    at = NOMINAL_ROWS if rows is None else rows
    costs = [(backend_cost(name, op, at), i, name) for i, name in enumerate(candidates(op))]
    cost, _, name = min(costs)  # ties: the earlier candidate, the reference backend first
    return name, cost


def _profiled_rows(op: df.ReadCsvOp) -> int | None:
    hint = op.attributes.get(ROWS)
    if isinstance(hint, IntAttr):
        return hint.data
    from stratum.frontend.profile import MISSING, profile_csv

    if op.fingerprint.data == MISSING or not isinstance(op.result.type, df.FrameType) or op.result.type.schema is None:
        return None  # not profiled by the frontend (say, a file the script writes): never read it here
    options = {}
    for name, value in zip((k.data for k in op.kwnames.data), op.options):
        if not isinstance(value.owner, py.ConstantOp):
            return None
        options[name] = decode(value.owner.value)
    # The frontend profiled this read moments ago: the profile cache answers without touching the file.
    profile = profile_csv(Path(op.path.data), options, op.fingerprint.data)
    return None if profile is None else profile.rows


def estimate_rows(block: Block) -> dict[SSAValue, int]:
    """Rows of each frame and column value, where an upper bound is known."""
    rows: dict[SSAValue, int] = {}
    for op in block.ops:
        if isinstance(op, df.ReadCsvOp):
            known = _profiled_rows(op)
            if known is not None:
                rows[op.result] = known
            continue
        if isinstance(op, py.CallOp) and op.callee.data in ("pandas.concat", "pandas.merge"):
            continue  # may add rows
        if isinstance(op, df.MethodOp) and op.method.data in ("merge", "join"):
            continue
        operand_rows = [rows[v] for v in op.operands if v in rows]
        if not operand_rows:
            continue
        for result in op.results:
            if isinstance(result.type, (df.FrameType, df.ColumnType)):
                rows[result] = max(operand_rows)
    return rows


def script_users(block: Block) -> dict[Operation, set[int]]:
    """For each op, the indices of the scripts whose results depend on it."""
    script_of_token: dict[object, int] = {}
    users: dict[Operation, set[int]] = {}
    for op in block.ops:
        if isinstance(op, py.ScriptBeginOp):
            script_of_token[op.token] = op.index.data
        for operand in op.operands:
            if operand in script_of_token:
                for result in op.results:
                    if isinstance(result.type, py.TokenType):
                        script_of_token[result] = script_of_token[operand]
                users[op] = {script_of_token[operand]}
    for op in reversed(list(block.ops)):
        if isinstance(op, py.ScriptBeginOp):
            users[op] = {op.index.data}
        if op in users:
            continue
        scripts: set[int] = set()
        for result in op.results:
            for use in result.uses:
                scripts |= users.get(use.operation, set())
        users[op] = scripts
    return users


@dataclass(frozen=True)
class LowerToPlan(ModulePass):
    name = "lower-to-plan"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        block = op.body.block
        users = script_users(block)
        rows = estimate_rows(block)
        for inner in list(block.ops):
            if isinstance(inner, plan.TaskOp):
                continue
            # An op's work scales with its largest input (a read: with its output).
            sizes = [rows[v] for v in (*inner.operands, *inner.results) if v in rows]
            op_rows = max(sizes) if sizes else None
            chosen, cost = choose_backend(inner, op_rows)
            properties = {
                "backend": StringAttr(chosen),
                "cost": FloatAttr(cost, f64),
                "scripts": ArrayAttr(IntAttr(i) for i in sorted(users.get(inner, ()))),
            }
            if op_rows is not None and type(inner) in _WORK:
                properties["rows"] = IntAttr(op_rows)
            task = plan.TaskOp(
                properties=properties,
                regions=[Region(Block())],
                result_types=[[r.type for r in inner.results]],
            )
            task.location = inner.location
            block.insert_op_before(task, inner)
            inner.detach()
            task.body.block.add_op(inner)
            yield_op = plan.YieldOp(operands=[list(inner.results)])
            task.body.block.add_op(yield_op)
            for result, output in zip(inner.results, task.outputs):
                result.replace_uses_with_if(output, lambda use: use.operation is not yield_op)
                if result in rows:  # later ops see the task's outputs
                    rows[output] = rows[result]
