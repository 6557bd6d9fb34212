"""The ``plan`` dialect: the lowered, executable form of a batch.

``lower-to-plan`` wraps every op in a ``plan.task`` that records the backend
chosen to run it, its estimated cost (microseconds), the rows it works on
when an estimate is known, and which scripts of the batch use it.
The runtime executes plan tasks; the wrapped op says what to compute.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, FloatAttr, IntAttr, StringAttr
from xdsl.ir import Dialect
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import IsTerminator, Pure, RecursiveMemoryEffect


@irdl_op_definition
class TaskOp(IRDLOperation):
    name = "plan.task"
    backend = prop_def(StringAttr)
    cost = prop_def(FloatAttr)
    rows = opt_prop_def(IntAttr)
    scripts = prop_def(ArrayAttr[IntAttr])
    body = region_def("single_block")
    outputs = var_result_def()
    traits = traits_def(RecursiveMemoryEffect())


@irdl_op_definition
class YieldOp(IRDLOperation):
    name = "plan.yield"
    values = var_operand_def()
    traits = traits_def(IsTerminator(), Pure())


Plan = Dialect("plan", [TaskOp, YieldOp], [])
