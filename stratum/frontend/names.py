"""Which names a piece of Python code reads and binds at module scope."""

from __future__ import annotations

import ast
from collections.abc import Callable
import builtins
import os
from dataclasses import dataclass, field

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

# Code using these can read or rebind any global by name; only running the
# whole script as written is faithful.
DYNAMIC_SCOPE_BUILTINS = frozenset({"globals", "locals", "vars", "eval", "exec", "dir", "__import__"})


def names_read(node: ast.AST) -> set[str]:
    """Every name loaded anywhere in ``node``, nested scopes included (over-approximation)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _definitely_bound(stmt: ast.stmt) -> set[str]:
    """Names bound once ``stmt`` completes normally, whatever path it takes (a subset)."""
    if isinstance(stmt, ast.Assign):
        return {n for t in stmt.targets for n in _target_names(t)}
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return _target_names(stmt.target)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    return set()


def _target_names(target: ast.expr) -> set[str]:
    """The plain names an assignment target binds (unpacking included; items and attributes bind none)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return {n for e in target.elts for n in _target_names(e)}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


def _deleted(stmt: ast.stmt) -> set[str]:
    return {d.id for d in ast.walk(stmt) if isinstance(d, ast.Name) and isinstance(d.ctx, ast.Del)}


def free_names_read(node: ast.AST) -> set[str]:
    """Names loaded in ``node`` that refer to the enclosing scope: a name a
    comprehension or lambda binds itself is local to it there, and so is a
    name an earlier statement of the same statement list has certainly bound
    (nested ``def`` and class bodies are over-approximated, as in
    ``names_read``)."""
    return free_names_read_block([node])


def free_names_read_block(nodes: list[ast.AST]) -> set[str]:
    """``free_names_read`` of statements run one after the other."""
    found: set[str] = set()

    def visit_block(stmts: list[ast.AST], local: frozenset[str]) -> None:
        # Python runs statements in order: once one has bound a name, later
        # ones read that binding (a `del` anywhere in a statement undoes it).
        for stmt in stmts:
            visit(stmt, local)
            if isinstance(stmt, ast.stmt):
                local = (local | _definitely_bound(stmt)) - _deleted(stmt)

    def visit(n: ast.AST, local: frozenset[str]) -> None:
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load) and n.id not in local:
                found.add(n.id)
            return
        if isinstance(n, _COMPREHENSIONS):
            # The first iterable is evaluated outside; everything else sees
            # the comprehension's own targets.
            inner = local | {t for g in n.generators for t in names_stored(g.target)}
            for i, gen in enumerate(n.generators):
                visit(gen.iter, local if i == 0 else inner)
                for cond in gen.ifs:
                    visit(cond, inner)
            for part in (n.key, n.value) if isinstance(n, ast.DictComp) else (n.elt,):
                visit(part, inner)
            return
        if isinstance(n, ast.Lambda):
            for default in [*n.args.defaults, *n.args.kw_defaults]:
                if default is not None:
                    visit(default, local)
            visit(n.body, local | {a.arg for a in ast.walk(n.args) if isinstance(a, ast.arg)})
            return
        if isinstance(n, ast.For):
            # The body runs only after the target is bound (unless it deletes it).
            visit(n.iter, local)
            targets = names_stored(n.target)
            deleted = set().union(*(_deleted(b) for b in n.body))
            visit_block(n.body, local | (targets - deleted))
            visit_block(n.orelse, local)
            return
        if isinstance(n, (ast.With, ast.AsyncWith)):
            # `with open(p) as fh:` binds fh before the body (and before later items) runs.
            bound = set(local)
            for item in n.items:
                visit(item.context_expr, frozenset(bound))
                if item.optional_vars is not None:
                    visit(item.optional_vars, frozenset(bound))
                    bound |= names_stored(item.optional_vars)
            deleted = set().union(*(_deleted(b) for b in n.body))
            visit_block(n.body, frozenset(bound - (deleted - local)))
            return
        if isinstance(n, (ast.If, ast.While, ast.With, ast.Try)):
            # Each statement list starts from what was bound before the statement.
            for _, value in ast.iter_fields(n):
                if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                    visit_block(value, local)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST):
                            visit(item, local)
                elif isinstance(value, ast.AST):
                    visit(value, local)
            return
        for child in ast.iter_child_nodes(n):
            visit(child, local)

    visit_block(nodes, frozenset())
    return found


def names_stored(node: ast.AST) -> set[str]:
    """Every name ``node`` may bind anywhere, nested scopes included (parameters too)."""
    stored: set[str] = set()
    for n in ast.walk(node):
        _add_stored(n, stored)
    return stored


def _add_stored(n: ast.AST, stored: set[str]) -> None:
    """The names the node ``n`` itself binds (not its children), into ``stored``."""
    if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
        stored.add(n.id)
    elif isinstance(n, ast.arg):
        stored.add(n.arg)
    elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        stored.add(n.name)
    elif isinstance(n, (ast.Import, ast.ImportFrom)):
        stored.update((a.asname or a.name).split(".")[0] for a in n.names)
    elif isinstance(n, ast.ExceptHandler) and n.name:
        stored.add(n.name)
    elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
        stored.add(n.name)
    elif isinstance(n, ast.MatchMapping) and n.rest:
        stored.add(n.rest)
    elif isinstance(n, (ast.Global, ast.Nonlocal)):
        stored.update(n.names)


def is_known_global(name: str) -> bool:
    """Builtins and module attributes (``__file__``...) exist without a binding in the script."""
    return hasattr(builtins, name) or name.startswith("__") and name.endswith("__")


def names_bound(stmt: ast.stmt) -> set[str]:
    """Names a statement may bind or delete in the module namespace."""
    # Kept on the node: a compile asks again for every unrolled iteration
    # and inlined call (each compile parses its own tree).
    known = stmt.__dict__.get("_stratum_names_bound")
    if known is None:
        known = stmt.__dict__["_stratum_names_bound"] = frozenset(_names_bound(stmt))
    return set(known)


def _names_bound(stmt: ast.stmt) -> set[str]:
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


# Builtins that neither mutate their arguments nor keep references to them.
_READ_ONLY_BUILTINS = frozenset(
    {
        "print", "len", "int", "float", "str", "repr", "round", "abs", "min", "max", "sum",
        "sorted", "list", "tuple", "dict", "set", "format", "isinstance", "type", "bool",
        "enumerate", "zip", "range", "any", "all", "hash", "id", "divmod", "pow",
    }
)
# Methods that are read-only on every library type agents use (pandas,
# numpy, sklearn, str, list, dict): they return new objects.
_READ_ONLY_METHODS = frozenset(
    {
        "head", "tail", "describe", "info", "sum", "mean", "median", "std", "var", "min", "max",
        "count", "nunique", "unique", "value_counts", "isnull", "isna", "notna", "notnull",
        "to_string", "tolist", "to_list", "to_numpy", "copy", "round", "abs", "corr", "any",
        "all", "idxmax", "idxmin", "nlargest", "nsmallest", "sort_values", "argsort", "format",
        "join", "upper", "lower", "strip", "replace", "split", "startswith", "endswith",
        "items", "keys", "values", "get", "astype", "reshape", "ravel", "flatten", "item",
        "memory_usage", "quantile", "mode", "skew", "select_dtypes", "get_params", "predict",
        "score", "predict_proba", "cumsum", "dropna", "fillna", "drop", "rename",
        "reset_index", "set_index", "sample", "shift", "diff", "pct_change", "clip", "rank",
        "duplicated", "drop_duplicates", "isin", "between", "groupby", "rolling", "expanding",
        "ewm", "merge", "date", "strftime", "isoformat", "total_seconds", "timestamp",
        "is_numeric_dtype", "is_string_dtype", "is_object_dtype", "is_float_dtype", "is_integer_dtype",
        "is_bool_dtype", "is_datetime64_any_dtype", "equals",
        # numpy and pandas functions, reached as attributes of their modules
        "factorize", "cut", "qcut", "to_datetime", "to_numeric", "get_dummies", "concat", "where",
        "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "square", "sign", "floor", "ceil",
        "minimum", "maximum", "isnan", "isfinite", "nan_to_num", "zeros", "ones", "zeros_like",
        "ones_like", "full", "arange", "linspace", "array", "percentile", "corrcoef", "Timedelta",
        "Timestamp", "isocalendar", "ravel",
        # pandas.api.types predicates
        "is_numeric_dtype", "is_string_dtype", "is_object_dtype", "is_float_dtype", "is_integer_dtype",
        "is_bool_dtype", "is_categorical_dtype", "is_datetime64_any_dtype",
    }
)


def pure_lambda(node: ast.Lambda, pure_reference: Callable[[ast.Attribute], bool] | None = None, pure_names: frozenset[str] = frozenset()) -> bool:
    """A lambda that computes only from its parameters, with read-only builtins
    and methods, and has no effects (no output, no randomness): running it
    more or fewer times, or later, cannot be told apart.

    ``pure_reference`` approves module attributes it may use (``np.log``,
    ``pd.isna``: pure library functions and constants); their calls count as
    read-only. So do calls of ``pure_names`` (``skew`` from ``from scipy.stats
    import skew``: pure library functions bound to names the script never rebinds)."""
    params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    named = pure_names - params
    approved: set[int] = {id(n) for n in ast.walk(node.body) if isinstance(n, ast.Name) and n.id in named}
    pure_calls: set[int] = {id(n) for n in ast.walk(node.body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in named}
    if pure_reference is not None:
        for n in ast.walk(node.body):
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and pure_reference(n):
                root: ast.expr = n
                while isinstance(root, ast.Attribute):
                    root = root.value
                approved.add(id(root))
        pure_calls |= {id(n) for n in ast.walk(node.body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and pure_reference(n.func)}  # type: ignore[misc]
    if not _pure_lambda(node, approved) or node.args.defaults or node.args.kw_defaults or node.args.vararg or node.args.kwarg:
        return False
    for n in ast.walk(node.body):
        if isinstance(n, ast.Name) and n.id in _EFFECTFUL_BUILTINS:
            return False
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _RANDOM_METHODS:
            return False
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, (ast.Store, ast.Del)):
            return False
    return is_read_only([ast.Expr(value=node.body)], frozenset(pure_calls))


_EFFECTFUL_BUILTINS = frozenset({"print", "id", "hash"})  # output, or values that differ between runs
_RANDOM_METHODS = frozenset({"sample"})


# Methods that call the function they are given on each element, row or group.
_APPLYING_METHODS = frozenset({"apply", "map", "transform", "agg", "aggregate"})


def _pure_lambda(node: ast.Lambda, approved: set[int] | None = None) -> bool:
    """A lambda that reads only its parameters, constants and read-only builtins
    (its calls are checked like any others): it can neither mutate nor return
    anything but what it computes from its arguments. (``approved``: ids of
    module names rooting pure library references, see pure_lambda.)"""
    params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    for n in ast.walk(node.body):
        if isinstance(n, ast.Name) and n.id not in params and n.id not in _READ_ONLY_BUILTINS and not (approved and id(n) in approved):
            return False
        if isinstance(n, (ast.Lambda, ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await, *_COMPREHENSIONS)):
            return False
    return True


def _safe_applications(stmts: list[ast.stmt]) -> tuple[set[int], set[int]]:
    """``x.apply(lambda v: ...)``-style calls whose functions are pure lambdas,
    constants or read-only builtins: (ids of those calls, ids of their lambdas)."""
    calls: set[int] = set()
    lambdas: set[int] = set()
    for stmt in stmts:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _APPLYING_METHODS:
                args = [*n.args, *(k.value for k in n.keywords)]
                if any(k.arg is None for k in n.keywords):
                    continue
                ok = all(
                    isinstance(a, ast.Constant)
                    or isinstance(a, ast.Lambda) and _pure_lambda(a)
                    or isinstance(a, ast.Name) and a.id in _READ_ONLY_BUILTINS
                    or isinstance(a, ast.Dict) and all(isinstance(v, ast.Constant) for v in [*a.keys, *a.values] if v is not None) and None not in a.keys
                    for a in args
                )
                if ok:
                    calls.add(id(n))
                    lambdas.update(id(a) for a in args if isinstance(a, ast.Lambda))
    return calls, lambdas


def is_read_only(stmts: list[ast.stmt], pure_calls: frozenset[int] = frozenset()) -> bool:
    """Whether running ``stmts`` can mutate no object that existed before.

    Assigning plain names is allowed (the caller treats their values as new
    objects that may alias anything). Stores into attributes or items,
    ``inplace=`` arguments, calls of anything but read-only builtins and
    methods, and nested scopes are not. Callables passed as arguments (lambdas)
    are nested scopes, so ``apply(f)`` with a script function still counts as
    read-only only when ``f`` is a read-only builtin.
    """
    safe_calls, safe_lambdas = _safe_applications(stmts)
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                return False
            if isinstance(node, ast.AugAssign):
                return False  # `a += 1` mutates arrays, lists and frames in place
            if isinstance(node, ast.Lambda) and id(node) in safe_lambdas:
                continue
            if isinstance(node, (ast.Global, ast.Nonlocal, ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await, *_SCOPES)):
                return False
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                return False  # importing runs module code
            if isinstance(node, ast.Call):
                if any(k.arg in ("inplace", "out") for k in node.keywords):
                    return False
                if id(node) in pure_calls:
                    continue
                func = node.func
                if isinstance(func, ast.Name):
                    if func.id not in _READ_ONLY_BUILTINS:
                        return False
                elif isinstance(func, ast.Attribute):
                    if func.attr not in _READ_ONLY_METHODS and id(node) not in safe_calls:
                        return False
                else:
                    return False
    return True


def store_roots(stmts: list[ast.stmt]) -> set[str] | None:
    """The names whose objects ``stmts`` may mutate, when all they do is compute
    read-only expressions and store them into items or attributes of named
    objects (``results[name] = score``, ``df.loc[m, c] = 0``); None otherwise."""
    roots: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AugAssign):
            targets = [stmt.target]
        else:
            return None
        evaluated: list[ast.expr] = [stmt.value]
        for target in targets:
            if not isinstance(target, (ast.Subscript, ast.Attribute)):
                return None
            evaluated.append(target.value)
            if isinstance(target, ast.Subscript):
                evaluated.append(target.slice)
            base = target.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if not isinstance(base, ast.Name):
                return None
            roots.add(base.id)
        if not is_read_only([ast.Expr(value=e) for e in evaluated]):
            return None
    return roots


# pandas methods that change their receiver in place (`inplace=True`) without
# keeping references to their arguments.
_IN_PLACE_MUTATORS = frozenset(
    {"drop", "fillna", "rename", "replace", "reset_index", "sort_values", "sort_index", "dropna",
     "set_index", "drop_duplicates", "ffill", "bfill", "clip", "interpolate", "update"}
)


def _labels_comprehension(stmt: ast.Assign) -> bool:
    """``name = [c for c in frame.columns if ...]``: the list's elements are the labels themselves."""
    value = stmt.value
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name) or not isinstance(value, ast.ListComp) or len(value.generators) != 1:
        return False
    gen = value.generators[0]
    return (
        isinstance(gen.target, ast.Name) and isinstance(value.elt, ast.Name) and value.elt.id == gen.target.id
        and isinstance(gen.iter, ast.Attribute) and gen.iter.attr in ("columns", "index") and isinstance(gen.iter.value, ast.Name)
    )


def may_retain_references(stmts: list[ast.stmt]) -> bool:
    """Whether running ``stmts`` may leave some object holding a reference to another.

    False for statements that only call read-only functions and in-place
    pandas methods, and only store freshly computed values into items or
    attributes (``oof[idx] = model.predict(X)``, ``df.loc[m, c] = 0``) or
    nothing at all: numpy and pandas copy values stored into them.
    """
    for stmt in stmts:
        if isinstance(stmt, ast.Expr):
            pass
        elif isinstance(stmt, ast.Assign) and _labels_comprehension(stmt):
            pass  # a new list of a frame's labels (hashable, immutable): it holds nothing else
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Attribute) and stmt.targets[0].attr in ("columns", "index") and isinstance(stmt.targets[0].value, ast.Name):
            pass  # `frame.columns = labels`: pandas makes an Index of them (immutable), it keeps no list
        elif isinstance(stmt, (ast.Assign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if not all(isinstance(t, ast.Subscript) and isinstance(t.value, (ast.Name, ast.Attribute)) for t in targets):
                return True
            if isinstance(stmt.value, (ast.Name, ast.Attribute, ast.Subscript, ast.List, ast.Tuple, ast.Dict, ast.Set)):
                return True  # the stored object itself, or a container of objects
        else:
            return True
        safe_calls, safe_lambdas = _safe_applications([stmt])
        for node in ast.walk(stmt):
            if isinstance(node, ast.Lambda) and id(node) in safe_lambdas:
                continue
            if isinstance(node, (ast.Lambda, ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await, *_SCOPES)):
                return True
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    if func.id not in _READ_ONLY_BUILTINS:
                        return True
                elif not (isinstance(func, ast.Attribute) and (func.attr in _READ_ONLY_METHODS or func.attr in _IN_PLACE_MUTATORS or id(node) in safe_calls)):
                    return True
    return False


@dataclass
class ScriptFacts:
    """Whole-script facts the lowering needs before it looks at any statement."""

    dynamic_scope: bool = False  # uses globals()/exec/... or `import *`
    function_globals: set[str] = field(default_factory=set)  # names read inside any def/lambda/class
    # Names some def/lambda/class reads that nothing in the script ever binds:
    # calling it raises NameError, whose suggestion lists the module's names.
    functions_read_undefined: bool = False
    defines_classes: bool = False  # user classes can give any method name side effects
    rebound: set[str] = field(default_factory=set)  # names bound at more than one place (imports, stores, parameters...)
    declares_globals: bool = False  # a `global`/`nonlocal` statement: called code may rebind module names
    # Constant paths the script may write: their compile-time profile could
    # be stale by the time the script reads them.
    written_paths: set[str] = field(default_factory=set)

    @staticmethod
    def of(tree: ast.Module) -> ScriptFacts:
        facts = ScriptFacts()
        # One walk, knowing whether a node lies inside a def/lambda/class:
        # the names loaded there are the ones their bodies read.
        pending: list[tuple[ast.AST, bool]] = [(tree, False)]
        stored: set[str] = set()  # (as `names_stored(tree)`)
        while pending:
            node, in_scope = pending.pop()
            if isinstance(node, ast.Name):
                if node.id in DYNAMIC_SCOPE_BUILTINS:
                    facts.dynamic_scope = True
                if isinstance(node.ctx, ast.Load):
                    if in_scope:
                        facts.function_globals.add(node.id)
                else:
                    if node.id in stored:
                        facts.rebound.add(node.id)
                    stored.add(node.id)
                continue
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                facts.declares_globals = True
            here: set[str] = set()
            _add_stored(node, here)
            if here:
                facts.rebound |= here & stored
                stored |= here
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                facts.dynamic_scope = True
            elif isinstance(node, _SCOPES):
                in_scope = True
                if isinstance(node, ast.ClassDef):
                    facts.defines_classes = True
            pending.extend((child, in_scope) for child in ast.iter_child_nodes(node))
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if name.startswith("to_") or name in ("open", "savetxt", "save", "dump", "copy", "copyfile", "move", "rename", "replace", "write_text", "write_bytes"):
                    facts.written_paths.update(
                        os.path.normpath(a.value) for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    )
        facts.functions_read_undefined = any(not is_known_global(n) for n in facts.function_globals - stored)
        return facts
