"""lower-to-plan: wraps every op in a ``plan.task`` that names its backend.

Operator selection: an op goes to a specialized backend only when that backend
is available here and supports the op; everything else runs on the reference
backend. ``cost`` is a coarse per-op estimate used to order choices and shown
by ``--emit plan``; ``scripts`` lists the batch scripts that use the op.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, FloatAttr, IntAttr, ModuleOp, StringAttr, f64
from xdsl.ir import Block, Operation, Region
from xdsl.passes import ModulePass

from stratum.backends.registry import PREFERENCE, available, backend
from stratum.ir import dataframe as df
from stratum.ir import ml
from stratum.ir import plan
from stratum.ir import python as py

# Relative costs on the reference backend; specialized kernels divide them.
_BASE_COST = {
    df.ReadCsvOp: 100.0, ml.FitOp: 100.0, ml.FitTransformOp: 100.0, ml.FoldsOp: 5.0, ml.PredictOp: 10.0,
    df.MethodOp: 5.0, py.ExecOp: 20.0, df.FusedOp: 3.0, df.FactorizeOp: 5.0, df.CategoryCodesOp: 5.0,
}
_SPEEDUP = {"numba": 4.0, "rust": 3.0, "cupy": 8.0, "reference": 1.0}


def choose_backend(op: Operation) -> str:
    for name in PREFERENCE:
        if available(name) and backend(name).supports(op):
            return name
    return "reference"


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
        for inner in list(block.ops):
            if isinstance(inner, plan.TaskOp):
                continue
            backend = choose_backend(inner)
            cost = _BASE_COST.get(type(inner), 1.0) / _SPEEDUP[backend]
            task = plan.TaskOp(
                properties={
                    "backend": StringAttr(backend),
                    "cost": FloatAttr(cost, f64),
                    "scripts": ArrayAttr(IntAttr(i) for i in sorted(users.get(inner, ()))),
                },
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
