"""Compilation stages shared by ``stratumc`` and ``@stratum.compile``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer

from stratum.ir import stratum_context
from stratum.passes import DEFAULT_PIPELINE, LOWERING_PIPELINE, available_passes


class UnknownPass(ValueError):
    pass


def print_ir(module: ModuleOp) -> str:
    out = StringIO()
    Printer(stream=out, print_debuginfo=True).print_op(module)
    return out.getvalue() + "\n"


def count_ops(module: ModuleOp) -> int:
    return sum(1 for _ in module.walk()) - 1  # the module itself is no op of the program


def build_pipeline(spec: str, callback: Callable[[ModulePass, ModuleOp, ModulePass], None] | None = None) -> PassPipeline:
    passes = available_passes()
    try:
        return PassPipeline.parse_spec(passes, spec, callback) if spec else PassPipeline((), callback)
    except ValueError as error:
        raise UnknownPass(str(error)) from None


@dataclass
class Stages:
    """The IR of a batch after each stage, as text, for dumps and tests."""

    ir: str = ""
    opt: str = ""
    plan: str = ""
    after_pass: list[tuple[str, str]] = field(default_factory=list)
    ops_after_opt: int = 0


def optimize_and_lower(module: ModuleOp, passes: str = DEFAULT_PIPELINE, *, keep_text: bool = False, record_each_pass: bool = False) -> Stages:
    """Runs the optimization pipeline then the lowering, in place."""
    ctx = stratum_context()
    stages = Stages()
    if keep_text:
        stages.ir = print_ir(module)

    def record(prev: ModulePass | None, mod: ModuleOp, _next: ModulePass | None) -> None:
        if prev is not None:
            stages.after_pass.append((prev.name, print_ir(mod)))

    build_pipeline(passes, record if record_each_pass else None).apply(ctx, module)
    module.verify()
    stages.ops_after_opt = count_ops(module)
    if keep_text:
        stages.opt = print_ir(module)
    build_pipeline(LOWERING_PIPELINE, record if record_each_pass else None).apply(ctx, module)
    module.verify()
    if keep_text:
        stages.plan = print_ir(module)
    return stages
