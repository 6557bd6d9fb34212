"""``@stratum.compile``: compile a function's body; calling it runs the plan.

Parameters and the function's free globals become ``py.arg`` values, bound per
call; globals that are modules are imported natively so library calls on them
lower to typed ops. A body that returns anywhere but its last statement, or
uses ``global``/``nonlocal``/``yield``, is not compiled: calls then run the
original function and ``explain()`` says why.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region

from stratum.driver import optimize_and_lower, print_ir
from stratum.passes import DEFAULT_PIPELINE

_UNSUPPORTED_IN_BODY = (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await)


class CompiledFunction:
    def __init__(self, fn: Callable[..., Any], passes: str = DEFAULT_PIPELINE):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.ir: str | None = None  # the IR as built by the frontend
        self.opt_ir: str | None = None
        self.plan_ir: str | None = None
        self.not_compiled: str | None = None
        self._module: ModuleOp | None = None
        self._signature = inspect.signature(fn)
        self._globals_used: list[str] = []
        self._compile(passes)

    def _compile(self, passes: str) -> None:
        from stratum.frontend.lowering import MODULE, ScriptLowering, Unsupported

        code = self.fn.__code__
        filename = code.co_filename
        source = "".join(linecache.getlines(filename))
        node = _find_function(source, code.co_firstlineno, self.fn.__name__) if source else None
        if node is None:
            self.not_compiled = "source not available"
            return
        reason = _unsupported_reason(node)
        if reason:
            self.not_compiled = reason
            return
        params = list(self._signature.parameters)
        assigned = {n for stmt in node.body for n in _assigned(stmt)}
        free = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - set(params) - assigned)
        block = Block()
        lowering = ScriptLowering(block, filename, source, 0, Path.cwd())
        lowering.bind_arguments(params)
        for name in free:
            value = self.fn.__globals__.get(name)
            if isinstance(value, types.ModuleType):
                lowering.bind_global_module(name, value.__name__, "", MODULE)
            elif name in self.fn.__globals__:
                self._globals_used.append(name)
        lowering.bind_arguments(self._globals_used)
        returns = bool(node.body) and isinstance(node.body[-1], ast.Return)
        for stmt in node.body[:-1] if returns else node.body:
            lowering.lower_stmt(stmt)
        result_node = node.body[-1].value if returns else None  # type: ignore[attr-defined]
        try:
            result = lowering.result_value(result_node) if result_node is not None else None
        except Unsupported:
            self.not_compiled = "the returned expression has no native lowering"
            return
        lowering.finish_function(result)
        module = ModuleOp(Region(block))
        self.ir = print_ir(module)
        stages = optimize_and_lower(module, passes, keep_text=True)
        self.opt_ir, self.plan_ir = stages.opt, stages.plan
        self._module = module

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._module is None:
            return self.fn(*args, **kwargs)
        from stratum.runtime.executor import Executor

        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.update({name: self.fn.__globals__[name] for name in self._globals_used})
        (run,) = Executor(self._module, arguments=arguments).run()
        if run.exception is not None:
            raise run.exception
        if run.exit_code:
            raise SystemExit(run.exit_code)
        return run.result

    def explain(self) -> str:
        if self._module is None:
            return f"{self.fn.__qualname__}: not compiled ({self.not_compiled}); calls run the original function"
        return f"{self.fn.__qualname__}: compiled plan\n{self.plan_ir}"


def compile(fn: Callable[..., Any] | None = None, *, passes: str = DEFAULT_PIPELINE) -> Any:
    """Decorator: ``@stratum.compile`` or ``@stratum.compile(passes="cse,dce")``."""
    if fn is None:
        return lambda f: CompiledFunction(f, passes)
    return CompiledFunction(fn, passes)


def _find_function(source: str, first_line: int, name: str) -> ast.FunctionDef | None:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            if first_line in (start, node.lineno):
                return node
    return None


def _unsupported_reason(node: ast.FunctionDef) -> str | None:
    for stmt in node.body:
        for inner in ast.walk(stmt):
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                break
            if isinstance(inner, _UNSUPPORTED_IN_BODY):
                return f"uses {type(inner).__name__.lower()}"
            if isinstance(inner, ast.Return) and inner is not node.body[-1]:
                return "returns before its last statement"
    return None


def _assigned(stmt: ast.stmt) -> set[str]:
    from stratum.frontend.names import names_bound

    return names_bound(stmt)

