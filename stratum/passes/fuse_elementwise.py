"""fuse-elementwise: trees of ``df.elementwise`` ops become one ``df.fused`` op.

An op joins its consumer's tree only when that consumer is its single use, so
no value is computed twice and nothing observable is lost. Constants are
cloned into the body (they may have other uses). The fused body holds the same
ops, so evaluating it op by op is exactly the unfused computation.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from stratum.ir import dataframe as df
from stratum.ir import python as py


def _single_user(value: SSAValue) -> Operation | None:
    uses = list(value.uses)
    return uses[0].operation if len(uses) == 1 else None


def _is_tree_interior(op: Operation) -> bool:
    return isinstance(op, df.ElementwiseOp) and isinstance(_single_user(op.result), df.ElementwiseOp)


@dataclass(frozen=True)
class FuseElementwise(ModulePass):
    name = "fuse-elementwise"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for block in _blocks(op):
            for root in [o for o in block.ops if isinstance(o, df.ElementwiseOp) and not _is_tree_interior(o)]:
                _fuse_tree(root)


def _blocks(module: ModuleOp) -> list[Block]:
    return [module.body.block]


def _fuse_tree(root: df.ElementwiseOp) -> None:
    members: list[Operation] = []  # operands before users

    def collect(op: Operation) -> None:
        for operand in op.operands:
            owner = operand.owner
            if isinstance(owner, df.ElementwiseOp) and _single_user(owner.result) is op and owner.parent_block() is root.parent_block():
                collect(owner)
        members.append(op)

    collect(root)
    if len(members) < 2:
        return
    member_set = set(members)
    inputs: list[SSAValue] = []
    for member in members:
        for operand in member.operands:
            owner = operand.owner
            if owner in member_set or isinstance(owner, py.ConstantOp) or operand in inputs:
                continue
            inputs.append(operand)

    body = Block(arg_types=[v.type for v in inputs])
    mapping: dict[SSAValue, SSAValue] = dict(zip(inputs, body.args))
    for member in members:
        for operand in member.operands:
            if operand not in mapping:  # a constant leaf
                const = operand.owner
                assert isinstance(const, py.ConstantOp)
                clone = const.clone()
                body.add_op(clone)
                mapping[operand] = clone.result
        clone = df.ElementwiseOp(
            operands=[[mapping[o] for o in member.operands]],
            properties={"fn": member.fn},  # type: ignore[attr-defined]
            result_types=[member.results[0].type],
        )
        clone.location = member.location
        body.add_op(clone)
        mapping[member.results[0]] = clone.result
    body.add_op(df.YieldOp(operands=[[mapping[root.result]]]))
    fused = df.FusedOp(operands=[inputs], regions=[Region(body)], result_types=[root.result.type])
    fused.location = root.location
    block = root.parent_block()
    assert block is not None
    # At the root: every input is defined before the member that uses it, so before the
    # root, while the first member may precede an input defined later.
    block.insert_op_before(fused, root)
    root.result.replace_all_uses_with(fused.result)
    for member in reversed(members):
        member.detach()
        member.erase()
