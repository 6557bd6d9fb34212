"""Compilation stages shared by ``stratumc`` and ``@stratum.compile``."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from io import StringIO

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer

from stratum.ir import stratum_context
from stratum.passes import DEFAULT_PIPELINE, LOWERING_PIPELINE, available_passes


# Verifying the whole module after the pipeline costs as much as the passes;
# the test suite turns it on (tests/conftest.py), as does STRATUM_VERIFY=1.
VERIFY = os.environ.get("STRATUM_VERIFY", "") not in ("", "0")
# Frontend, pass and lowering bugs raise, instead of running the affected scripts as written.
STRICT = os.environ.get("STRATUM_STRICT_FRONTEND", "") not in ("", "0")


class UnknownPass(ValueError):
    pass


@contextmanager
def _no_gc() -> Iterator[None]:
    """Compiling allocates tens of thousands of small objects, most of them
    kept (the IR): collections during it (~10% of compile time, a heap holding
    pandas and sklearn) free little. Garbage made meanwhile is collected after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def print_ir(module: ModuleOp) -> str:
    out = StringIO()
    Printer(stream=out, print_debuginfo=True).print_op(module)
    return out.getvalue() + "\n"


def count_ops(module: ModuleOp) -> int:
    return sum(1 for _ in module.walk()) - 1  # the module itself is no op of the program


_PIPELINES: dict[str, PassPipeline] = {}


def build_pipeline(spec: str, callback: Callable[[ModulePass, ModuleOp, ModulePass], None] | None = None) -> PassPipeline:
    # Listing xDSL's passes and parsing the spec costs ~1.7 ms, as much as the
    # passes on a small script; passes are frozen dataclasses, so a parsed
    # pipeline can be reused.
    cached = _PIPELINES.get(spec)
    if cached is None:
        passes = available_passes()
        try:
            cached = PassPipeline.parse_spec(passes, spec) if spec else PassPipeline(())
        except ValueError as error:
            raise UnknownPass(str(error)) from None
        _PIPELINES[spec] = cached
    return cached if callback is None else PassPipeline(cached.passes, callback)


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
    if VERIFY:
        module.verify()
    stages.ops_after_opt = count_ops(module)
    if keep_text:
        stages.opt = print_ir(module)
    build_pipeline(LOWERING_PIPELINE, record if record_each_pass else None).apply(ctx, module)
    if VERIFY:
        module.verify()
    if keep_text:
        stages.plan = print_ir(module)
    return stages


@dataclass
class Optimized:
    """A batch after the frontend and the optimization pipeline (before lowering)."""

    module: ModuleOp
    stats: list[Any]  # LoweringStats per script
    ops_total: int  # as the frontend built it
    ops_opaque: int
    ops_after_opt: int


def compile_optimized(
    scripts: list[Any], passes: str = DEFAULT_PIPELINE, *, use_cache: bool = True, later: list[Callable[[], None]] | None = None, defer_entry: bool = False
) -> Optimized:
    """Frontend + ``passes``, reusing an earlier compilation of the same batch over the same data,
    or else the frontend's output of each unchanged script (see ``compile_cache``).

    ``later``: the batch's cache entry is taken now but written by calling what
    is appended there (a caller with something more urgent to do first); with
    ``defer_entry`` it is also taken then (the caller leaves the module as it is)."""
    from stratum import compile_cache
    from stratum import frontend

    cache_key = compile_cache.key([(s.path, s.source) for s in scripts], passes) if use_cache else None
    if cache_key is not None:
        hit = compile_cache.load(cache_key)
        if isinstance(hit, Optimized):
            return hit
    with _no_gc():
        parts = [_script_part(s, use_cache) for s in scripts]
        data_files: dict[str, tuple[int, int, str]] = {}
        for part in parts:
            data_files.update(part.data_files)
        module = frontend.assemble(parts)
        ops_total, ops_opaque = _op_counts(module)
        pipeline = build_pipeline(passes)
        try:
            pipeline.apply(stratum_context(), module)
        except Exception as bug:
            if STRICT:
                raise
            parts = _parts_passes_accept(scripts, passes, use_cache, _describe("pass pipeline", bug))
            module = frontend.assemble(parts)
            ops_total, ops_opaque = _op_counts(module)
            pipeline.apply(stratum_context(), module)  # accepted as assembled, in _parts_passes_accept
            cache_key = None  # a bug's workaround is not kept: a fixed Stratum compiles anew
        stats = [p.stats for p in parts]
    if VERIFY:
        module.verify()
    result = Optimized(module, stats, ops_total, ops_opaque, count_ops(module))
    if cache_key is not None:
        if later is not None and defer_entry:
            later.append(lambda: compile_cache.write(cache_key, compile_cache.entry(result, data_files)))
            return result
        data = compile_cache.entry(result, data_files)
        if later is None:
            compile_cache.write(cache_key, data)
        else:
            later.append(lambda: compile_cache.write(cache_key, data))
    return result


def select_scripts(module: ModuleOp, scripts: set[int]) -> ModuleOp:
    """A copy of the batch holding only what ``scripts`` run: their effects and the pure ops those need.

    Ops keep their attributes (fusion, projections, the ``python.script_begin``
    index), so each op computes what it computes in the whole batch, under the
    same cache keys; only the other scripts' work is left out. Used when the
    others are replayed: lowering, sending and walking their ops would be for nothing.
    """
    from stratum.ir import python as py

    ops = list(module.body.block.ops)
    tokens: set[Any] = set()
    kept: set[Any] = set()
    for op in ops:
        if isinstance(op, py.ScriptBeginOp):
            if op.index.data in scripts:
                kept.add(op)
                tokens.update(op.results)
            continue
        if any(operand in tokens for operand in op.operands if isinstance(operand.type, py.TokenType)):
            kept.add(op)
            tokens.update(r for r in op.results if isinstance(r.type, py.TokenType))
    # Everything those ops use, inside their regions too (nested ops may use values from above).
    stack = list(kept)
    while stack:
        for inner in stack.pop().walk():
            for operand in inner.operands:
                owner = operand.owner
                if isinstance(owner, Operation) and owner not in kept and owner.parent_op() is module:
                    kept.add(owner)
                    stack.append(owner)
    mapper: dict[Any, Any] = {}
    selected = ModuleOp([op.clone(mapper) for op in ops if op in kept])
    selected.attributes.update(module.attributes)
    return selected


def _op_counts(module: ModuleOp) -> tuple[int, int]:
    """Ops as the frontend built them, and of those the opaque ones (one walk for both)."""
    from stratum.ir import python as py

    total = opaque = 0
    for op in module.walk():
        total += 1
        opaque += isinstance(op, py.ExecOp)
    return total - 1, opaque  # the module itself is no op, as count_ops


def _describe(stage: str, bug: BaseException) -> str:
    return f"{stage}: {type(bug).__name__}: {bug}"


def _parts_passes_accept(scripts: list[Any], passes: str, use_cache: bool, why: str) -> list[Any]:
    """After the pipeline failed on the batch: each script compiled alone, and run
    as written if the pipeline fails on it alone too (sharing with the others is
    lost for this batch, nothing else). If the batch still fails together, every
    script runs as written."""
    from stratum import frontend

    accepted = []
    for script in scripts:
        alone = frontend.assemble([_script_part(script, use_cache)])
        try:
            build_pipeline(passes).apply(stratum_context(), alone)
            accepted.append(True)
        except Exception:
            accepted.append(False)
    if all(accepted) or not any(accepted):
        # The failure needs several scripts together, or every one of them has it.
        return [frontend.as_written(s, why) for s in scripts]

    def parts() -> list[Any]:  # anew each time: assembling moves a part's ops away
        return [_script_part(s, use_cache) if ok else frontend.as_written(s, why) for s, ok in zip(scripts, accepted)]

    try:
        build_pipeline(passes).apply(stratum_context(), frontend.assemble(parts()))
    except Exception:
        return [frontend.as_written(s, why) for s in scripts]
    return parts()


def compile_plan(
    scripts: list[Any], passes: str = DEFAULT_PIPELINE, *, use_cache: bool = True, running: set[int] | None = None, later: list[Callable[[], None]] | None = None
) -> Optimized:
    """The batch compiled, optimized and lowered to its plan (only ``running``'s part, when given).

    Lowering that fails inside Stratum makes every script of the plan run as
    written: the plan is then trivially lowered, and the scripts behave as under python."""
    import copy

    from stratum import frontend

    optimized = compile_optimized(scripts, passes, use_cache=use_cache, later=later, defer_entry=running is not None and later is not None)
    if running is not None:
        whole = optimized  # its cache entry is written from the module as optimized
        optimized = copy.copy(whole)
        optimized.module = select_scripts(whole.module, running)
    try:
        lower(optimized.module)
    except Exception as bug:
        if STRICT:
            raise
        why = _describe("lowering", bug)
        parts = [frontend.as_written(s, why) for s in scripts]
        optimized = copy.copy(optimized)
        optimized.stats = [p.stats for p in parts]
        optimized.module = frontend.assemble(parts)
        if running is not None:
            optimized.module = select_scripts(optimized.module, running)
        lower(optimized.module)
    return optimized


def compile_for_dump(scripts: list[Any]) -> Any:
    """The batch as the frontend builds it, for ``--emit``: a script the frontend fails on shows as written."""
    from stratum import frontend

    parts = [_script_part(s, use_cache=False) for s in scripts]
    return frontend.CompiledBatch(frontend.assemble(parts), scripts, [p.stats for p in parts])


def _script_part(script: Any, use_cache: bool) -> Any:
    """The frontend's output for one script: from the compile cache, or lowered (and stored)."""
    from stratum import compile_cache
    from stratum import frontend
    from stratum.frontend import profile

    base_dir = os.getcwd()
    part_key = compile_cache.part_key(script.path, script.source, base_dir) if use_cache else None
    if part_key is not None:
        hit = compile_cache.load(part_key)
        if isinstance(hit, frontend.ScriptPart):
            return hit
    profile.consulted.clear()  # what this script's lowering reads, for its entry
    try:
        part = frontend.lower_script(script)
    except frontend.ScriptSyntaxError:
        raise
    except Exception as bug:
        if STRICT:
            raise
        return frontend.as_written(script, _describe("frontend", bug))  # not stored: a fixed Stratum compiles it anew
    part.data_files = dict(profile.consulted)
    if part_key is not None:
        compile_cache.store(part_key, part, part.data_files)  # before `assemble` moves its ops away
    return part


def lower(module: ModuleOp) -> None:
    """The plan: every op assigned its backend (in place)."""
    build_pipeline(LOWERING_PIPELINE).apply(stratum_context(), module)
    if VERIFY:
        module.verify()
