"""Which names a piece of Python code reads and binds at module scope."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

# Code using these can read or rebind any global by name; only running the
# whole script as written is faithful.
DYNAMIC_SCOPE_BUILTINS = frozenset({"globals", "locals", "vars", "eval", "exec", "dir", "__import__"})


def names_read(node: ast.AST) -> set[str]:
    """Every name loaded anywhere in ``node``, nested scopes included (over-approximation)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def names_bound(stmt: ast.stmt) -> set[str]:
    """Names a statement may bind or delete in the module namespace."""
    bound: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.Global):
            bound.update(node.names)
            return
        if isinstance(node, _SCOPES):
            if top and not isinstance(node, ast.Lambda):
                bound.add(node.name)
            if isinstance(node, ast.Lambda):
                visit(node.body, False)
            else:
                for child in node.body:
                    visit(child, False)
            return
        if top:
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bound.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                bound.add(node.target.id)
        # Comprehension targets are local to the comprehension, but walrus
        # targets inside one bind in the enclosing scope: keep visiting.
        for child in ast.iter_child_nodes(node):
            if isinstance(node, _COMPREHENSIONS) and isinstance(child, ast.comprehension):
                visit(child.iter, top)
                for cond in child.ifs:
                    visit(cond, top)
                continue
            visit(child, top)

    visit(stmt, True)
    return bound


@dataclass
class ScriptFacts:
    """Whole-script facts the lowering needs before it looks at any statement."""

    dynamic_scope: bool = False  # uses globals()/exec/... or `import *`
    function_globals: set[str] = field(default_factory=set)  # names read inside any def/lambda/class

    @staticmethod
    def of(tree: ast.Module) -> ScriptFacts:
        facts = ScriptFacts()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in DYNAMIC_SCOPE_BUILTINS:
                facts.dynamic_scope = True
            elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                facts.dynamic_scope = True
            elif isinstance(node, _SCOPES):
                facts.function_globals |= names_read(node)
        return facts
