"""``@stratum.compile``: compile a function's body; calling it runs the plan.

Parameters and the function's free globals become ``python.arg`` values, bound per
call; globals that are modules are imported natively so library calls on them
lower to typed ops. Like a JIT, each call is served by a version specialized
to its arguments' types and frame schemas (``.ir`` before any call shows the
generic version). A body that returns anywhere but its last statement, or uses
``global``/``nonlocal``/``yield``, is not compiled: calls then run the
original function and ``explain()`` says why.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region

from stratum import driver
from stratum.driver import optimize_and_lower, print_ir
from stratum.passes import DEFAULT_PIPELINE

_UNSUPPORTED_IN_BODY = (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await)


@dataclass
class _Version:
    module: ModuleOp
    ir: str
    opt_ir: str
    plan_ir: str


class CompiledFunction:
    def __init__(self, fn: Callable[..., Any], passes: str = DEFAULT_PIPELINE):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.passes = passes
        self.not_compiled: str | None = None
        self._signature = inspect.signature(fn)
        self._versions: dict[tuple[Any, ...], _Version] = {}
        # Executor statistics of the latest call: ops run, memo hits, and how
        # many ops each backend computed.
        self.last_run_stats: dict[str, Any] | None = None
        self._node, self._source = self._find_source()
        if self._node is not None:
            self.not_compiled = _unsupported_reason(self._node)
        self._generic = self._compile_or_fall_back({}) if self.not_compiled is None else None

    @property
    def ir(self) -> str | None:
        """The IR as built by the frontend (generic version)."""
        return self._generic.ir if self._generic else None

    @property
    def opt_ir(self) -> str | None:
        return self._generic.opt_ir if self._generic else None

    @property
    def plan_ir(self) -> str | None:
        return self._generic.plan_ir if self._generic else None

    def _find_source(self) -> tuple[ast.FunctionDef | None, str]:
        code = self.fn.__code__
        source = "".join(linecache.getlines(code.co_filename))
        node = _find_function(source, code.co_firstlineno, self.fn.__name__) if source else None
        if node is None:
            self.not_compiled = "source not available"
        return node, source

    def _globals_used(self) -> tuple[list[str], list[str]]:
        """Free names of the body: (module globals, other globals)."""
        assert self._node is not None
        params = set(self._signature.parameters)
        assigned = {n for stmt in self._node.body for n in _assigned(stmt)}
        free = sorted({n.id for n in ast.walk(self._node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - params - assigned)
        modules = [n for n in free if isinstance(self.fn.__globals__.get(n), types.ModuleType)]
        others = [n for n in free if n in self.fn.__globals__ and n not in modules]
        return modules, others

    def _compile(self, samples: dict[str, Any]) -> _Version:
        from stratum.frontend.lowering import MODULE, ScriptLowering

        assert self._node is not None
        filename = self.fn.__code__.co_filename
        block = Block()
        lowering = ScriptLowering(block, filename, self._source, 0, Path.cwd())
        modules, others = self._globals_used()
        lowering.bind_arguments(list(self._signature.parameters), samples)
        for name in modules:
            lowering.bind_global_module(name, self.fn.__globals__[name].__name__, "", MODULE)
        lowering.bind_arguments(others, samples)
        body = self._node.body
        returns = bool(body) and isinstance(body[-1], ast.Return) and body[-1].value is not None  # type: ignore[attr-defined]
        for stmt in body[:-1] if returns else body:
            lowering.lower_stmt(stmt)
        result = lowering.result_value(body[-1]) if returns else None  # type: ignore[arg-type]
        lowering.finish_function(result)
        module = ModuleOp(Region(block))
        ir = print_ir(module)
        stages = optimize_and_lower(module, self.passes, keep_text=True)
        return _Version(module, ir, stages.opt, stages.plan)

    def _compile_or_fall_back(self, samples: dict[str, Any]) -> _Version | None:
        try:
            return self._compile(samples)
        except Exception as bug:
            if driver.STRICT:
                raise
            # A bug of Stratum's costs the caller nothing but speed: from now on, the function as written.
            self.not_compiled = f"compiling failed inside Stratum: {type(bug).__name__}: {bug}"
            return None

    def _arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        _, others = self._globals_used()
        arguments.update({name: self.fn.__globals__[name] for name in others})
        return arguments

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.not_compiled is not None:
            return self.fn(*args, **kwargs)
        from stratum.frontend.lowering import argument_signature
        from stratum.runtime.executor import Executor

        arguments = self._arguments(args, kwargs)
        key = tuple((name, argument_signature(value)) for name, value in arguments.items())
        version = self._versions.get(key)
        if version is None:
            version = self._compile_or_fall_back(arguments)
            if version is None:
                return self.fn(*args, **kwargs)
            self._versions[key] = version
        executor = Executor(version.module, arguments=arguments)
        (run,) = executor.run()
        self.last_run_stats = executor.stats
        if run.exception is not None:
            raise run.exception
        if run.exit_code:
            raise SystemExit(run.exit_code)
        return run.result

    def explain(self) -> str:
        if self.not_compiled is not None:
            return f"{self.fn.__qualname__}: not compiled ({self.not_compiled}); calls run the original function"
        versions = len(self._versions)
        latest = next(reversed(self._versions.values())) if versions else self._generic
        assert latest is not None
        return f"{self.fn.__qualname__}: {versions} specialized version(s); latest plan:\n{latest.plan_ir}"


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
    def visit(inner: ast.AST) -> str | None:
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None  # nested scopes keep their own returns
        if isinstance(inner, _UNSUPPORTED_IN_BODY):
            return f"uses {type(inner).__name__.lower()}"
        if isinstance(inner, ast.Return) and inner is not node.body[-1]:
            return "returns before its last statement"
        for child in ast.iter_child_nodes(inner):
            reason = visit(child)
            if reason:
                return reason
        return None

    for stmt in node.body:
        reason = visit(stmt)
        if reason:
            return reason
    return None


def _assigned(stmt: ast.stmt) -> set[str]:
    from stratum.frontend.names import names_bound

    return names_bound(stmt)
