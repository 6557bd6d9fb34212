"""Name scopes for inlining the script's own functions.

Python decides statically which names of a function are local: every name the
body binds (parameters included). :class:`FunctionScope` resolves names the
same way while the frontend lowers an inlined body: a local name reads the
function's own binding (and is unbound until assigned), any other name reads
the script's globals, and a write to a non-local name (only re-versioning of a
mutated global object does that) goes to the globals.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

from stratum.frontend.names import names_bound, names_read


class Scope(MutableMapping[str, Any]):
    """A function's names over the script's globals."""

    def __init__(self, function: str, local_names: frozenset[str], local: dict[str, Any], globals_: dict[str, Any], maybe_unbound: frozenset[str] = frozenset()):
        self.function = function
        self.local_names = local_names
        self.local = local
        self.globals = globals_
        # Locals only bound if opaque control flow ran a binding (a loop's
        # target after zero iterations is unbound: UnboundLocalError in Python).
        self.maybe_unbound = maybe_unbound

    def __getitem__(self, name: str) -> Any:
        if name in self.local_names:
            return self.local[name]
        return self.globals[name]

    def __setitem__(self, name: str, value: Any) -> None:
        (self.local if name in self.local_names else self.globals)[name] = value

    def __delitem__(self, name: str) -> None:
        del (self.local if name in self.local_names else self.globals)[name]

    def __iter__(self) -> Iterator[str]:
        yield from self.local
        yield from (n for n in self.globals if n not in self.local_names)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> Scope:
        return Scope(self.function, self.local_names, dict(self.local), dict(self.globals), self.maybe_unbound)

    def is_unbound_local(self, name: str) -> bool:
        return name in self.local_names and name not in self.local


def global_env(env: MutableMapping[str, Any]) -> dict[str, Any]:
    return env.globals if isinstance(env, Scope) else env  # type: ignore[return-value]


@dataclass(frozen=True)
class InlinableFunction:
    """A module-level ``def`` whose calls the frontend may lower in place."""

    node: ast.FunctionDef
    params: tuple[str, ...]
    defaults: dict[str, Any]  # parameter -> constant default value
    local_names: frozenset[str]
    returns_at_end: bool  # the body ends in `return <expr>`


def inlinable(node: ast.FunctionDef, literal: Any, no_literal: object) -> InlinableFunction | str:
    """The inlining facts of ``node``, or why its calls must run as Python.

    ``literal`` turns a default's expression into its constant value, or
    ``no_literal`` when it is not one (defaults are evaluated once, at `def`).
    """
    args = node.args
    if node.decorator_list:
        return "decorated function"
    if args.vararg or args.kwarg or args.posonlyargs or args.kwonlyargs:
        return "function with *args, **kwargs, or positional/keyword-only parameters"
    body = node.body
    nested: list[ast.AST] = []  # defs, lambdas and classes inside (checked for closures below)
    for i, stmt in enumerate(body):
        for inner in ast.walk(stmt):
            if isinstance(inner, (ast.Global, ast.Nonlocal)):
                return "function with global/nonlocal"
            if isinstance(inner, (ast.Yield, ast.YieldFrom, ast.Await)):
                return "generator or coroutine"
            if isinstance(inner, ast.Return) and not (i == len(body) - 1 and inner is stmt):
                return "return before the end of the function"
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                nested.append(inner)
    params = tuple(a.arg for a in args.args)
    defaults: dict[str, Any] = {}
    for param, default in zip(params[len(params) - len(args.defaults):], args.defaults):
        value = literal(default)
        if value is no_literal:
            return "non-constant default argument"
        defaults[param] = value
    local_names = set(params)
    for stmt in body:
        local_names |= names_bound(stmt)
    # A nested function or lambda reading the function's locals is a closure;
    # opaque code runs it with the locals of one moment only.
    for inner in nested:
        own = {a.arg for a in ast.walk(inner.args) if isinstance(a, ast.arg)} if not isinstance(inner, ast.ClassDef) else set()
        if (names_read(inner) - own) & local_names:
            return "closure over the function's locals"
    last = body[-1]
    return InlinableFunction(node, params, defaults, frozenset(local_names), isinstance(last, ast.Return) and last.value is not None)
