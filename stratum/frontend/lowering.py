"""Python ``ast`` -> Stratum IR, one script (or compiled function) at a time.

Each top-level statement is lowered natively when every part of it is
understood, and otherwise becomes one ``python.exec`` op running the statement's
original source. A native lowering that fails half-way is rolled back, so the
choice is per statement and never changes what the statement does.

Soundness rests on three rules:
- native ops are pure functions of their operands (pandas copy-on-write makes
  frames behave as values; fits run on copies);
- anything opaque code may have mutated gets a new SSA version: the names it
  binds, its mutable inputs, and every mutable value that ever escaped into
  opaque code (it may hold references to them);
- effects and the points where values must exist are ordered by the script's
  token chain, so errors and output happen in program order.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import re
import weakref
import operator
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import ArrayAttr, CallSiteLoc, IntAttr, NameLoc, StringAttr, UnitAttr
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue

from stratum.frontend import library as lib
from stratum.frontend.names import ScriptFacts, free_names_read, free_names_read_block, is_known_global, is_read_only, may_retain_references, names_bound, names_read, names_stored, pure_lambda, store_roots
from stratum.frontend.profile import fingerprint, profile_csv
from stratum.frontend.scopes import InlinableFunction, Scope, global_env, inlinable
from stratum.ir import dataframe as df
from stratum.ir import ml
from stratum.ir import python as py
from stratum.ir.constants import NotALiteral, decode, encode


class Unsupported(Exception):
    """This construct has no native lowering; the statement stays opaque."""


class CannotInline(Exception):
    """An inlined function body would not behave like the call; the call runs as Python."""


# Static kinds of values. Only these drive decisions; the runtime never
# relies on them (the reference backend runs the same Python operation).
MODULE, CALLABLE, FRAME, COLUMN, ESTIMATOR, SCALAR, STRING, CONTAINER, ARRAY, OBJECT, TYPE, SLICE, SPLITTER, ACCESSOR, WINDOW = (
    "module", "callable", "frame", "column", "estimator", "scalar", "string",
    "container", "array", "object", "type", "slice", "splitter", "accessor", "window",
)
_FOLDABLE_STR_METHODS = frozenset(
    {"startswith", "endswith", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "split", "rsplit",
     "isdigit", "isalpha", "isnumeric", "isupper", "islower", "title", "capitalize", "find", "count",
     "removeprefix", "removesuffix", "zfill"}
)
_STR_TO_STR = frozenset({"upper", "lower", "strip", "lstrip", "rstrip", "replace", "title", "capitalize", "format", "zfill", "join"})
# Methods of rolling / expanding / ewm / groupby objects that aggregate.
_WINDOW_METHODS = frozenset(
    {"mean", "sum", "std", "var", "min", "max", "median", "count", "size", "first", "last", "nunique",
     "agg", "aggregate", "transform", "quantile", "prod", "sem", "skew", "cumsum", "cumcount", "rank", "shift", "diff"}
)
# ndarray methods that return new objects, never views (reshape, ravel, T... may be views).
_ARRAY_REDUCTIONS = frozenset({"sum", "mean", "std", "var", "min", "max", "prod", "argmin", "argmax", "any", "all", "item"})
_ARRAY_METHODS = _ARRAY_REDUCTIONS | {"round", "astype", "copy", "clip", "cumsum", "cumprod", "flatten", "argsort", "tolist"}
# Fitted attributes that are numpy arrays.
_ARRAY_ATTRIBUTES = frozenset({"coef_", "feature_importances_", "mean_", "scale_", "var_", "components_", "explained_variance_ratio_", "explained_variance_", "center_", "lambdas_", "alphas_"})
_PATH_FUNCTIONS = {
    "os.path.join": os.path.join, "os.path.basename": os.path.basename, "os.path.dirname": os.path.dirname,
    "os.path.splitext": os.path.splitext, "os.path.normpath": os.path.normpath,
    "posixpath.join": os.path.join,
}
# LightGBM callbacks -> (the argument that makes them silent, its position, its default).
_LGB_CALLBACKS = {
    "lightgbm.early_stopping": ("verbose", 2, True),
    "lightgbm.callback.early_stopping": ("verbose", 2, True),
    "lightgbm.log_evaluation": ("period", 0, 1),
    "lightgbm.callback.log_evaluation": ("period", 0, 1),
}
# Meta-estimators whose fit fits their steps in place (not clones of them).
_IN_PLACE_PIPELINES = frozenset({"sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline"})
# Methods whose result is a new frame (of a frame) or a new Series (of a Series),
# whatever their arguments (see _made_kind).
_FRAME_TO_FRAME = frozenset(
    {"drop", "rename", "fillna", "dropna", "astype", "copy", "head", "tail", "sort_values", "sort_index",
     "reset_index", "set_index", "query", "sample", "assign", "merge", "join", "replace", "clip", "round",
     "abs", "drop_duplicates", "add_prefix", "add_suffix", "select_dtypes", "ffill", "bfill", "interpolate",
     "where", "mask", "isna", "isnull", "notna", "notnull", "reindex", "pivot_table", "describe", "corr",
     "rank", "shift", "diff", "pct_change", "cumsum", "filter", "melt", "nlargest", "nsmallest", "set_axis",
     "rename_axis", "transpose", "asfreq"}
)
_COLUMN_TO_COLUMN = frozenset(
    {"fillna", "dropna", "astype", "copy", "head", "tail", "sort_values", "sort_index", "replace", "clip",
     "round", "abs", "shift", "diff", "pct_change", "cumsum", "cumprod", "rank", "map", "isna", "isnull",
     "notna", "notnull", "where", "mask", "ffill", "bfill", "interpolate", "value_counts", "drop_duplicates",
     "nlargest", "nsmallest", "isin", "between", "asfreq"}
)
# str methods a script passes as functions (`rename(columns=str.lower)`): pure.
_PURE_STR_METHODS = frozenset(f"builtins.str.{m}" for m in ("lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold", "swapcase"))
# Fields of a DatetimeIndex (each a new Index).
_INDEX_FIELDS = frozenset({"year", "month", "day", "quarter", "dayofweek", "weekday", "dayofyear", "hour", "minute", "week"})
# Builtins that consume an iterator argument whole, at once (`dict(zip(keys, values))`).
_ITERATOR_CONSUMERS = frozenset({"builtins.dict", "builtins.list", "builtins.tuple", "builtins.sorted", "builtins.min", "builtins.max", "builtins.sum"})
# pandas methods whose result is a frame or a Series depending on the data (see _pandas_objects).
_PANDAS_RESULT_METHODS = frozenset({"xs", "unstack", "stack", "apply", "agg", "aggregate", "squeeze", "describe", "transform", "droplevel", "mode", "quantile"})
# pandas methods a statement may call with ``inplace=True`` (see _lower_in_place_method).
_IN_PLACE_METHODS = frozenset(
    {"drop", "fillna", "rename", "replace", "reset_index", "sort_values", "sort_index", "dropna",
     "set_index", "drop_duplicates", "ffill", "bfill", "clip", "interpolate", "where", "mask"}
)
# Kinds whose values are never None (library objects the frontend made or typed).
_NEVER_NONE_KINDS = frozenset({"module", "frame", "column", "estimator", "array", "type", "slice", "splitter", "accessor", "window"})
_IMMUTABLE_KINDS = frozenset({MODULE, CALLABLE, SCALAR, STRING, TYPE, SLICE, SPLITTER})
_DATA_KINDS = frozenset({FRAME, COLUMN, SCALAR, ARRAY})
# Kinds a library function or pandas method may take as arguments natively.
_ARG_KINDS = _DATA_KINDS | {STRING, CONTAINER, TYPE, SLICE, SPLITTER}
_NO_CONST = object()
_NUMERIC_DTYPES = frozenset({"int64", "float64", "bool"})
# Methods whose result has their receiver's rows, in order (arguments do not change them).
_ROW_PRESERVING_METHODS = frozenset({"fillna", "clip", "astype", "round", "abs", "copy", "replace", "where", "mask", "ffill", "bfill", "log1p", "isna", "isnull", "notna", "notnull"})
# Index methods that return new Index objects.
_INDEX_METHODS = frozenset({"drop", "difference", "union", "intersection", "append", "unique", "copy", "delete", "insert", "strftime", "astype", "normalize", "sort_values", "dropna", "drop_duplicates"})
# Group methods whose result has the rows of the grouped data (not one per group).
_LIKE_INDEXED_WINDOW_METHODS = frozenset({"transform", "cumsum", "cumcount", "rank", "shift", "diff"})
# Methods that call a function argument on values, groups or windows.
_LAMBDA_METHODS = frozenset({"apply", "map", "transform", "agg", "aggregate"})
# Statements that may bind a name on one path and not on another.
_BRANCHING = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try, ast.TryStar, ast.With, ast.AsyncWith, ast.Match, ast.NamedExpr)


@dataclass(frozen=True)
class Val:
    """A lowered expression: an SSA value and what is statically known about it."""

    value: SSAValue
    kind: str
    qualname: str | None = None  # modules and library callables
    const: Any = _NO_CONST  # the Python literal, when known
    deterministic: bool = True  # estimators: fitting never touches the global RNG
    # What iterating the value yields, when known at compile time (the column
    # names of ``frame.columns``, from the frame's schema).
    elements: tuple[Any, ...] | None = None
    dtype: str | None = None  # ``column.dtype``: the column's exact dtype name
    n_splits: int | None = None  # splitters: how many folds ``split`` yields
    fresh: bool = False  # an array made here (np.zeros, predict...), not a view of anything
    window_of: str | None = None  # windows and groupbys: the kind they aggregate to (frame or column)

    @property
    def immutable(self) -> bool:
        if self.kind in _IMMUTABLE_KINDS:
            return True
        return self.const is not _NO_CONST and isinstance(self.const, tuple)

    @property
    def is_const(self) -> bool:
        return self.const is not _NO_CONST


@dataclass(frozen=True)
class Ref:
    """A not yet materialized attribute path of a module, e.g. ``pd.read_csv``."""

    qualname: str
    base: Val
    path: tuple[str, ...]


@dataclass(frozen=True)
class Multi:
    """An expression with a statically known number of results (a tuple)."""

    parts: tuple[Val, ...]


@dataclass
class _State:
    env: dict[str, Val] | Scope  # module globals, or an inlined function's scope
    token: SSAValue
    escaped: set[SSAValue]
    contains: dict[SSAValue, tuple[SSAValue, ...]]
    callers_local: list[dict[str, Val]] = field(default_factory=list)  # of enclosing inlined calls
    # In-place mutations: the old value -> the value the same object has now
    # (containers still hold the old SSA value; iterating them follows this).
    versions: dict[SSAValue, Val] = field(default_factory=dict)
    direct: set[SSAValue] = field(default_factory=set)  # values mutated themselves (not just their elements)


@dataclass
class LoweringStats:
    statements: int = 0
    native_statements: int = 0
    opaque_statements: int = 0
    # (line, why) of each statement that stayed opaque, for coverage reports.
    opaque_reasons: list[tuple[int, str]] = field(default_factory=list)
    # Set when compiling the script failed inside Stratum and it runs as written (``frontend.as_written``).
    fallback: str | None = None


_UNROLL_LIMIT = 128
_SCALAR_LITERALS = (str, int, float, bool, type(None))
_LITERAL_ATTRS: dict[Any, Attribute] = {}  # (type, repr) of a literal -> its encoded attribute
_IDENTITY_ATTR = "stratum.identity"
# Identities are numbered per module (block), so one batch always prints the same IR.
_identities: weakref.WeakKeyDictionary[Block, Iterator[int]] = weakref.WeakKeyDictionary()
_INLINE_DEPTH_LIMIT = 8
_RESULT_NAME = "__r__"  # as long as the keyword `return` it replaces


def _split_lines(source: str) -> list[str]:
    """Lines with their ends, split where the parser splits them (\\r\\n, \\r, \\n; not form feeds)."""
    lines, start = [], 0
    for end in re.finditer(r"\r\n|\r|\n", source):
        lines.append(source[start:end.end()])
        start = end.end()
    if start < len(source):
        lines.append(source[start:])
    return lines


@dataclass
class ScriptLowering:
    """Appends the ops of one script to ``block``."""

    block: Block
    filename: str
    source: str
    index: int
    base_dir: Path  # where relative data paths resolve at compile time
    facts: ScriptFacts = field(default_factory=ScriptFacts)
    stats: LoweringStats = field(default_factory=LoweringStats)

    def __post_init__(self) -> None:
        self._source_lines: list[str] | None = None  # split once: ast.get_source_segment splits the whole source per call
        self._functions: dict[SSAValue, InlinableFunction] = {}  # function objects by value
        self._callers: list[Scope] = []  # scopes of the inlined calls in progress, outermost first
        # Per inlined call in progress: where it was called from (a location with the
        # call sites that led there) and the function called. Ops lowered in its body get
        # ``callsite(FUNCTION(position) at caller)``: the frames python would show.
        self._call_sites: list[tuple[Attribute, str]] = []
        self._call_locs: dict[tuple[str, int, int], tuple[Attribute, Attribute, Attribute]] = {}
        # One `python.constant` per scalar literal value (a third of all ops
        # otherwise; cse would merge them anyway): immutable, so sharing one
        # object is what Python's own constant folding does.
        self._scalar_constants: dict[tuple[type, str], py.ConstantOp] = {}
        self._indexed: dict[SSAValue, Val] = {}  # `.iloc` / `.loc` values -> the frame or column
        self._parts: dict[SSAValue, tuple[Val, ...]] = {}  # list/tuple/dict displays -> their elements
        self._must_run: list[SSAValue] = []  # values the current statement must compute (they warn)
        # Pipelines -> the estimators their fit mutates in place (step index, estimator).
        self._pipeline_steps: dict[SSAValue, list[tuple[int, Val]]] = {}
        self._list_values: set[SSAValue] = set()  # updates of lists (still lists)
        self._script_functions: set[SSAValue] = set()  # the script's own functions
        self._pure_lambdas: set[SSAValue] = set()  # lambdas reading only their parameters (see _expr_Lambda)
        self._window_dtypes: dict[SSAValue, str] = {}  # `frame.groupby(k)[c]` -> the dtype of c
        # `frame.groupby(keys, as_index=False)[c]` -> the keys' columns (names and dtypes), and c's name
        # (keys of plain dtypes: categorical keys bring unobserved categories, as NaN)
        self._key_columns: dict[SSAValue, tuple[list[tuple[str, str]], str]] = {}
        self._scalar_dtypes: dict[SSAValue, str] = {}  # `col.median()`, `col.mode()[0]` -> their dtype
        self._keys_as_columns: set[SSAValue] = set()  # `groupby(k, as_index=False)[c]`: aggregates are frames
        self._indexes: set[SSAValue] = set()  # pandas Index objects (`frame.columns`, `col.index`...): immutable
        # Results of pandas methods that are a frame or a Series (or a scalar),
        # depending on the data (`frame.xs(k)`, `unstack()`, `apply(f, axis=1)`):
        # pandas objects all the same, whose pure methods and attributes are pure.
        self._pandas_objects: set[SSAValue] = set()
        # Boosters that `lgb.train(...)`/`xgb.train(...)`, run as written, returned.
        self._boosters: set[SSAValue] = set()
        self._pure_callables: set[SSAValue] = set()  # `str.lower`...: pure functions any method may call
        self._consumed_iterators: set[int] = set()  # ids of `zip(...)` calls a consuming call takes (see _consumed_zip)
        self._lists: set[SSAValue] = set()
        self._appended: dict[SSAValue, tuple[Val, ...]] = {}  # lists built by appends -> their elements  # values that are Python lists (`.tolist()`, comprehensions)
        self._filename_attr = StringAttr(self.filename)
        begin = self._append(py.ScriptBeginOp(properties={"script": StringAttr(self.filename), "index": IntAttr(self.index)}, result_types=[py.TokenType()]), None)
        self.state = _State(env={}, token=begin.token, escaped=set(), contains={})

    # -- entry points -------------------------------------------------------

    def lower_module(self, tree: ast.Module) -> None:
        self.facts = ScriptFacts.of(tree)
        if self.facts.dynamic_scope:
            # The script can reach any global by name; run it exactly as written.
            self._emit_opaque_source(self.source, 1, 0, tree.body, bound=set())
            self.stats.statements += len(tree.body)
            self.stats.opaque_statements += len(tree.body)
        else:
            for stmt in tree.body:
                self.lower_stmt(stmt)
        self._append(py.ScriptEndOp(operands=[self.state.token, []]), None)

    def bind_arguments(self, names: Sequence[str], samples: dict[str, Any] | None = None) -> None:
        """Compiled functions: parameters arrive as ``python.arg`` values.

        ``samples`` are the objects of the call being specialized for: their
        Python types (and frame schemas) become static kinds. The caller keys
        compiled versions by exactly these facts, so they hold for every call
        that reuses the version.
        """
        for name in names:
            kind, result_type = _kind_of_object((samples or {}).get(name, _NO_CONST))
            op = self._append(py.ArgOp(properties={"arg": StringAttr(name)}, result_types=[result_type]), None)
            self.state.env[name] = Val(op.result, kind)
            self.state.escaped.add(op.result)  # the caller holds references to it

    def bind_global_module(self, name: str, module: str, attr: str, kind: str) -> None:
        """Compiled functions: a free global that is a module or library object."""
        op = self._import(module, attr, None)
        self.state.env[name] = Val(op.result, kind, qualname=f"{module}.{attr}" if attr else module)

    def result_value(self, stmt: ast.Return) -> SSAValue:
        """Compiled functions: the value of ``return <expr>``, native or opaque."""
        assert stmt.value is not None
        mark = self.block.last_op
        try:
            return self._as_val(self.expr(stmt.value), stmt.value).value
        except Unsupported:
            self._rollback(mark)
        self._emit_return_as_assignment(stmt)
        return self.state.env[_RESULT_NAME].value

    def finish_function(self, result: SSAValue | None) -> None:
        self._append(py.ScriptEndOp(operands=[self.state.token, [result] if result else []]), None)

    # -- statements ---------------------------------------------------------

    def lower_stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.FunctionDef) and not isinstance(self.state.env, Scope):
            self._define_function(stmt)
            return
        self.stats.statements += 1
        mark = self.block.last_op
        saved = self._save()
        stats = (self.stats.statements, self.stats.native_statements, self.stats.opaque_statements, len(self.stats.opaque_reasons))
        must_run = len(self._must_run)
        try:
            try:
                self._lower_stmt_native(stmt)
                if len(self._must_run) > must_run:
                    self._bind([], self._must_run[must_run:], stmt)
                    del self._must_run[must_run:]
            except (Unsupported, CannotInline):
                del self._must_run[must_run:]
                raise
            except Exception as bug:
                # A frontend bug must not cost the script: run it as written.
                if os.environ.get("STRATUM_STRICT_FRONTEND"):
                    raise
                raise Unsupported(f"internal error: {type(bug).__name__}: {bug}") from bug
            self.stats.native_statements += 1
        except Unsupported as why:
            del self._must_run[must_run:]
            self._rollback(mark)
            self._restore(saved)
            # Statements of an inlined body that was rolled back no longer count.
            self.stats.statements, self.stats.native_statements, self.stats.opaque_statements = stats[:3]
            del self.stats.opaque_reasons[stats[3]:]
            self.stats.opaque_statements += 1
            self.stats.opaque_reasons.append((stmt.lineno, str(why)))
            self._emit_opaque(stmt)

    def _save(self) -> _State:
        return _State(
            self.state.env.copy(), self.state.token, set(self.state.escaped), dict(self.state.contains),
            [dict(c.local) for c in self._callers], dict(self.state.versions), set(self.state.direct),
        )

    def _restore(self, saved: _State) -> None:
        self.state = saved
        for caller, local in zip(self._callers, saved.callers_local):
            caller.local = local

    # -- the script's own functions ------------------------------------------

    def _define_function(self, stmt: ast.FunctionDef) -> None:
        """``def`` runs as written (it only binds the function); calls may inline it.

        The definition is not a statement of work: its body counts where it
        is inlined, or runs as Python where it is called from opaque code.
        """
        self._emit_opaque(stmt)
        # A function object never changes what its calls do: immutable for
        # our purposes, so opaque code does not re-version it.
        function = Val(self.state.env[stmt.name].value, CALLABLE)
        self.state.env[stmt.name] = function
        self._script_functions.add(function.value)
        env = self.state.env

        def default_value(node: ast.expr) -> Any:
            # Defaults are evaluated once, at `def`: a name bound to an
            # immutable constant then (`windows=WINDOWS`) is that constant.
            value = _literal(node)
            if value is _NO_CONST and isinstance(node, ast.Name) and node.id in env:
                bound = env[node.id]
                if bound.is_const and _immutable_literal(bound.const):
                    return bound.const
            return value

        facts = inlinable(stmt, default_value, _NO_CONST)
        if isinstance(facts, InlinableFunction):
            self._functions[function.value] = facts

    def _inline_call(self, fn: InlinableFunction, node: ast.Call) -> Val:
        """Lowers the function's body in place of the call, in a scope of its own."""
        name = fn.node.name
        if len(self._callers) >= _INLINE_DEPTH_LIMIT or any(c.function == name for c in self._callers):
            raise Unsupported("recursive or deeply nested call")
        args, kwnames = self._call_args(node)
        n_positional = len(args) - len(kwnames)
        if n_positional > len(fn.params):
            raise Unsupported("too many arguments")  # Python's TypeError, from opaque code
        bound: dict[str, Val] = dict(zip(fn.params, args[:n_positional]))
        for kw, val in zip(kwnames, args[n_positional:]):
            if kw not in fn.params or kw in bound:
                raise Unsupported("bad keyword argument")
            bound[kw] = val
        for param in fn.params:
            if param not in bound:
                if param not in fn.defaults:
                    raise Unsupported("missing argument")
                bound[param] = self._constant(fn.defaults[param], node)
        caller = self.state.env
        scope = Scope(name, fn.local_names | {_RESULT_NAME}, dict(bound), global_env(caller))
        if isinstance(caller, Scope):
            self._callers.append(caller)
        site = py.location(self._filename_attr, node.lineno, node.col_offset + 1)
        if self._call_sites:
            outer, outer_function = self._call_sites[-1]
            called_from: Attribute = CallSiteLoc(NameLoc(StringAttr(outer_function), site), outer)
        else:
            called_from = NameLoc(StringAttr(caller.function), site) if isinstance(caller, Scope) else site
        self._call_sites.append((called_from, name))
        self.state.env = scope
        try:
            body = fn.node.body
            for stmt in body[:-1] if fn.returns_at_end else body:
                self.lower_stmt(stmt)
            if fn.returns_at_end:
                self.stats.statements += 1
                result = self._return_value(body[-1])  # type: ignore[arg-type]
            else:
                result = self._constant(None, node)
        except CannotInline as why:
            raise Unsupported(f"cannot inline {name}: {why}") from None
        finally:
            self._call_sites.pop()
            final_globals = global_env(self.state.env)
            if isinstance(caller, Scope):
                self._callers.pop()
                caller.globals = final_globals
                self.state.env = caller
            else:
                self.state.env = final_globals
        return result

    def _return_value(self, stmt: ast.Return) -> Val:
        assert stmt.value is not None
        mark = self.block.last_op
        saved = self._save()
        try:
            val = self._as_val(self.expr(stmt.value), stmt.value)
            self.stats.native_statements += 1
            return val
        except Unsupported as why:
            self._rollback(mark)
            self._restore(saved)
            self.stats.opaque_statements += 1
            self.stats.opaque_reasons.append((stmt.lineno, str(why)))
        self._emit_return_as_assignment(stmt)
        return self.state.env[_RESULT_NAME]  # type: ignore[no-any-return]

    def _segment(self, node: ast.AST) -> str | None:
        """``ast.get_source_segment(self.source, node)``, on lines split once per script."""
        lineno, end_lineno = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if lineno is None or end_lineno is None or col is None or end_col is None:
            return None
        if self._source_lines is None:
            self._source_lines = _split_lines(self.source)
        lines = self._source_lines
        if end_lineno == lineno:
            return lines[lineno - 1].encode()[col:end_col].decode()
        first = lines[lineno - 1].encode()[col:].decode()
        last = lines[end_lineno - 1].encode()[:end_col].decode()
        return "".join([first, *lines[lineno:end_lineno - 1], last])

    def _emit_return_as_assignment(self, stmt: ast.Return) -> None:
        # Run `return <expr>` as `__r__= <expr>`: same length, so the
        # expression keeps its line and columns in tracebacks.
        segment = self._segment(stmt) or ast.unparse(stmt)
        text = " " * stmt.col_offset + _RESULT_NAME + "=" + segment[len("return"):]
        self._emit_opaque_source(text, stmt.lineno, stmt.col_offset, [stmt], {_RESULT_NAME})

    def _replace_everywhere(self, old: SSAValue, new: Val) -> list[str]:
        """Every name of every live scope bound to ``old`` now refers to ``new``.

        Returns the names of the current scope that changed.
        """
        for caller in self._callers:
            for n, v in list(caller.local.items()):
                if v.value is old:
                    caller.local[n] = new
        names = [n for n, v in self.state.env.items() if v.value is old]
        for n in names:
            self.state.env[n] = new
        self.state.versions[old] = new
        return names

    def _latest(self, val: Val) -> Val:
        """The current version of the object ``val`` was (after in-place mutations)."""
        seen = 0
        while val.value in self.state.versions and seen < 10_000:
            val = self.state.versions[val.value]
            seen += 1
        return val

    def _rollback(self, mark: Operation | None) -> None:
        """Erases the ops appended after ``mark`` (the block's last op then).

        (A mark is the last op, not a count: counting a block's ops walks all of them.)"""
        op = self.block.last_op
        while op is not None and op is not mark:
            previous = op.prev_op
            op.detach()
            op.erase(safe_erase=False)
            op = previous

    def _lower_stmt_native(self, stmt: ast.stmt) -> None:
        match stmt:
            case ast.Import() | ast.ImportFrom():
                self._lower_import(stmt)
            case ast.Assign(targets=[target], value=value):
                self._lower_assign(target, value, stmt)
            case ast.Expr(value=ast.Constant(value=str())):
                pass  # a docstring: no effect, cannot fail
            case ast.Expr(value=value):
                self._lower_expr_stmt(value, stmt)
            case ast.Pass():
                pass
            case ast.AugAssign():
                self._lower_augassign(stmt)
            case ast.If(test=test, body=body, orelse=orelse):
                taken = self._static_condition(test)
                for inner in body if taken else orelse:
                    self.lower_stmt(inner)
                # The `if` itself is not a statement of work; its body counts.
                self.stats.statements -= 1
                self.stats.native_statements -= 1
            case ast.For(target=target, iter=iterable, body=body, orelse=[]):
                self._lower_for(target, iterable, body, stmt)
            case _:
                raise Unsupported(type(stmt).__name__)

    def _lower_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        bound: list[tuple[str, Val]] = []
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                op = self._import(alias.name, "", stmt)
                if alias.asname:
                    bound.append((alias.asname, Val(op.result, MODULE, qualname=alias.name)))
                else:
                    top = alias.name.split(".")[0]
                    top_op = op if top == alias.name else self._import(top, "", stmt)
                    bound.append((top, Val(top_op.result, MODULE, qualname=top)))
        else:
            if stmt.level or stmt.module is None:
                raise Unsupported("relative import")
            for alias in stmt.names:
                op = self._import(stmt.module, alias.name, stmt)
                qualname = f"{stmt.module}.{alias.name}"
                bound.append((alias.asname or alias.name, Val(op.result, CALLABLE, qualname=qualname)))
        for name, val in bound:
            self.state.env[name] = val
        self._bind([name for name, _ in bound], [val.value for _, val in bound], stmt)

    def _import(self, module: str, attr: str, node: ast.AST | None) -> py.ImportOp:
        op = py.ImportOp(properties={"module": StringAttr(module), "attr": StringAttr(attr)}, result_types=[py.ObjectType()])
        return self._append(op, node)

    def _lower_assign(self, target: ast.expr, value_node: ast.expr, stmt: ast.stmt) -> None:
        match target:
            case ast.Name(id=name):
                val = self._as_val(self.expr(value_node), value_node)
                self._assign_names({name: val}, stmt)
            case ast.Tuple(elts=elts) | ast.List(elts=elts) if all(isinstance(e, ast.Name) for e in elts):
                result = self.expr(value_node)
                parts = self._unpack(result, len(elts), value_node)
                self._assign_names({e.id: p for e, p in zip(elts, parts)}, stmt)  # type: ignore[attr-defined]
            case ast.Subscript(value=ast.Name(id=name), slice=key_node) if self._fresh_array(name):
                array = self.state.env[name]
                key = self._as_val(self.expr(key_node), key_node)
                val = self._as_val(self.expr(stmt.value), stmt.value)  # type: ignore[attr-defined]
                if key.kind not in _ARG_KINDS or val.kind not in _ARG_KINDS:
                    raise Unsupported("array item assignment with operands of unknown type")
                self._update_array(array, "setitem", [key, val], stmt)
            case ast.Subscript(value=ast.Name(id=name), slice=key_node) if self._updatable_container(name):
                # `results[name] = score`: the dict or list as a value, copied and updated.
                container = self.state.env[name]
                key = self._as_val(self.expr(key_node), key_node)
                val = self._as_val(self.expr(stmt.value), stmt.value)  # type: ignore[attr-defined]
                op = py.UpdateOp(operands=[container.value, [key.value, val.value]], properties={"kind": StringAttr("setitem")}, result_types=[py.ObjectType()])
                self._append(op, stmt)
                self.state.contains[op.result] = (*self.state.contains.get(container.value, ()), val.value)
                if self._updatable_list(name):
                    self._list_values.add(op.result)
                self._rebind_version(container, Val(op.result, CONTAINER), stmt)
            case ast.Subscript(value=ast.Name(id=name), slice=key_node):
                frame = self._frame_named(name)
                key = self.expr(key_node)
                if isinstance(key, Val) and not isinstance(key.const, str) and self._column_keys(key)[1]:
                    self._assign_columns(frame, key, stmt)
                    return
                if not (isinstance(key, Val) and isinstance(key.const, str)):
                    raise Unsupported("column assignment with a non-constant key")
                val = self._as_val(self.expr(stmt.value), stmt.value)  # type: ignore[attr-defined]
                if val.kind not in _DATA_KINDS and val.value not in self._pandas_objects and val.value not in self._indexes:
                    # (An Index is immutable: `frame["month"] = frame.index.month` stores its values.)
                    raise Unsupported("assigning an object of unknown type into a frame")
                schema = _frame_schema(frame)
                new_schema = None
                if schema is not None:
                    dtype = self._dtype_of(val)
                    cols = dict(schema)
                    cols[key.const] = dtype or "?"
                    new_schema = list(cols.items())
                op = df.AssignColumnOp(
                    operands=[frame.value, val.value],
                    properties={"column": StringAttr(key.const)},
                    result_types=[df.FrameType.of(new_schema) if new_schema else df.FrameType.unknown()],
                )
                self._append(op, stmt)
                self._rebind_version(frame, Val(op.result, FRAME), stmt)
            case ast.Attribute(value=ast.Name(id=name), attr="columns"):
                # `frame.columns = [...]`: relabels the frame in place (set_axis
                # raises the same length-mismatch ValueError).
                frame = self._frame_named(name)
                labels = self._as_val(self.expr(value_node), value_node)
                if labels.kind not in _ARG_KINDS:
                    raise Unsupported("column labels of unknown type")
                schema = _frame_schema(frame)
                new_schema = None
                if schema is not None and isinstance(labels.const, list) and len(labels.const) == len(schema) and all(isinstance(c, str) for c in labels.const) and len(set(labels.const)) == len(labels.const):
                    new_schema = [(c, d) for c, (_, d) in zip(labels.const, schema)]
                op = df.MethodOp(
                    operands=[frame.value, [labels.value, self._constant(1, stmt).value]],
                    properties={"method": StringAttr("set_axis"), "kwnames": _names_attr(["axis"])},
                    result_types=[df.FrameType.of(new_schema) if new_schema is not None else df.FrameType.unknown()],
                )
                self._append(op, stmt)
                self._rebind_version(frame, Val(op.result, FRAME), stmt)
            case _:
                raise Unsupported("assignment target")

    def _assign_columns(self, frame: Val, key: Val, stmt: ast.stmt) -> None:
        """``frame[cols] = value`` with a list or Index of labels: pandas'
        ``__setitem__`` on a copy, a new version of the frame (the labels may
        be known only at run time)."""
        val = self._as_val(self.expr(stmt.value), stmt.value)  # type: ignore[attr-defined]
        if val.kind not in _DATA_KINDS and val.value not in self._pandas_objects:
            raise Unsupported("assigning an object of unknown type into a frame")
        labels, _ = self._column_keys(key)
        schema = _frame_schema(frame)
        new_schema = None
        if schema is not None and labels is not None and len(set(labels)) == len(labels) and len({c for c, _ in schema}) == len(schema):
            # The same columns, new labels last, in order. pandas stores a
            # frame's columns by position (``self[k1] = value[k2]``), aligned on
            # the rows: dtypes hold only for values computed row by row from
            # this frame (other rows would bring NaN).
            source = _frame_schema(val) if val.kind == FRAME and self._same_rows(val.value, frame.value) else None
            if source is not None and (len(source) != len(labels) or len({c for c, _ in source}) != len(source)):
                source = None
            columns = dict(schema)
            for i, label in enumerate(labels):
                columns[label] = source[i][1] if source is not None else "?"
            new_schema = list(columns.items())
        op = py.UpdateOp(operands=[frame.value, [key.value, val.value]], properties={"kind": StringAttr("setitem")}, result_types=[df.FrameType.of(new_schema) if new_schema is not None else df.FrameType.unknown()])
        self._append(op, stmt)
        self._rebind_version(frame, Val(op.result, FRAME), stmt)

    def _same_rows(self, value: SSAValue, frame: SSAValue, depth: int = 0) -> bool:
        """``value`` is computed from ``frame`` row by row (same index, same
        order): column selections, fills, casts, elementwise math with scalars."""
        if value is frame:
            return True
        owner = value.owner
        if depth > 12 or not isinstance(owner, Operation):
            return False
        if isinstance(owner, (df.SelectOp, df.ColumnOp)):
            return self._same_rows(owner.operands[0], frame, depth + 1)
        if isinstance(owner, df.MethodOp) and owner.method.data in _ROW_PRESERVING_METHODS:
            return self._same_rows(owner.operands[0], frame, depth + 1)
        if isinstance(owner, (df.ElementwiseOp, py.BinaryOp)) or isinstance(owner, py.CallOp) and owner.callee.data in lib.NUMPY_ELEMENTWISE and owner.callee.data != "numpy.where":
            # Operands that are not scalars are aligned with each other: all must be these rows.
            data = [v for v in owner.operands if not (isinstance(v.owner, py.ConstantOp) or v in self._scalar_dtypes)]
            return bool(data) and all(self._same_rows(v, frame, depth + 1) for v in data)
        return False

    def _updatable_container(self, name: str) -> bool:
        """A dict or list the script built (a display, a constant or an update of one)."""
        val = self.state.env.get(name)
        if val is None or val.kind != CONTAINER:
            return False
        owner = val.value.owner
        if val.is_const:
            return isinstance(val.const, (dict, list))
        if isinstance(owner, py.BuildOp):
            return owner.kind.data in ("dict", "list")
        return isinstance(owner, py.UpdateOp) and owner.kind.data == "setitem" or val.value in self._list_values

    def _updatable_list(self, name: str) -> bool:
        val = self.state.env.get(name)
        return val is not None and self._updatable_list_val(val)

    def _updatable_list_val(self, val: Val) -> bool:
        if val.kind != CONTAINER:
            return False
        owner = val.value.owner
        return (
            val.is_const and isinstance(val.const, list)
            or isinstance(owner, py.BuildOp) and owner.kind.data == "list"
            or val.value in self._list_values or val.value in self._lists
        )

    def _fresh_array(self, name: str) -> bool:
        val = self.state.env.get(name)
        return val is not None and val.kind == ARRAY and val.fresh

    def _update_array(self, array: Val, kind: str, args: list[Val], stmt: ast.stmt) -> None:
        op = py.UpdateOp(operands=[array.value, [a.value for a in args]], properties={"kind": StringAttr(kind)}, result_types=[py.ObjectType()])
        self._append(op, stmt)
        self._rebind_version(array, Val(op.result, ARRAY, fresh=True), stmt)

    def _lower_augassign(self, stmt: ast.AugAssign) -> None:
        """``a += v`` on a fresh array (updated as a value) or an immutable scalar or string."""
        if isinstance(stmt.target, ast.Subscript) and isinstance(stmt.op, ast.Add):
            # `scores[name] += [s]` on a list held by a display: the list extends in
            # place and is stored back where it was (the container is unchanged).
            call = ast.Call(func=ast.Attribute(value=ast.Subscript(value=stmt.target.value, slice=stmt.target.slice, ctx=ast.Load()), attr="extend", ctx=ast.Load()), args=[stmt.value], keywords=[])
            for n in (call, call.func, call.func.value):  # type: ignore[attr-defined]
                ast.copy_location(n, stmt.target)
            if self._appended_list(call.func, call) is None:
                raise Unsupported("augmented assignment to an item or attribute")
            self._lower_expr_stmt(call, stmt)
            return
        if not isinstance(stmt.target, ast.Name):
            raise Unsupported("augmented assignment to an item or attribute")
        name = stmt.target.id
        fn = lib.BINARY_OPERATORS.get(type(stmt.op).__name__)
        if fn is None:
            raise Unsupported("augmented operator")
        if self._fresh_array(name) and fn in ("add", "sub", "mul", "truediv", "floordiv"):
            value = self._as_val(self.expr(stmt.value), stmt.value)
            if value.kind not in _ARG_KINDS:
                raise Unsupported("augmented assignment with an operand of unknown type")
            self._update_array(self.state.env[name], "i" + fn, [value], stmt)
            return
        current = self.state.env.get(name)
        if fn == "add" and current is not None and not current.is_const and self._updatable_list(name):
            # `features += [...]` on a list the script built: extends it in place, like `.extend`.
            call = ast.Call(func=ast.Attribute(value=stmt.target, attr="extend", ctx=ast.Load()), args=[stmt.value], keywords=[])
            ast.copy_location(call, stmt)
            ast.copy_location(call.func, stmt.target)
            self._lower_expr_stmt(call, stmt)
            return
        if current is not None and current.is_const and isinstance(current.const, list) and fn == "add":
            # `cols += [...]` extends the list in place: the same as rebinding
            # it to the concatenation when nothing else refers to that list.
            value = self._as_val(self.expr(stmt.value), stmt.value)
            holders = [n for n, v in self.state.env.items() if v.value is current.value and n != name]
            holders += [n for c in self._callers for n, v in c.local.items() if v.value is current.value]
            held = any(current.value in inner for inner in self.state.contains.values())
            if value.is_const and isinstance(value.const, (list, tuple)) and not holders and not held and current.value not in self._escaped_closure() and len(current.const) + len(value.const) <= 10_000:
                self._assign_names({name: self._constant(current.const + list(value.const), stmt)}, stmt)
                return
            raise Unsupported("extending a list other names or objects may hold")
        if current is None or current.kind not in (SCALAR, STRING):
            raise Unsupported("augmented assignment to a mutable or unknown object")
        # Numbers and strings have no in-place operators: `x += v` is `x = x + v`.
        result = self._operator(fn, [stmt.target, stmt.value], stmt.value)
        self._assign_names({name: result}, stmt)

    def _lower_expr_stmt(self, node: ast.expr, stmt: ast.stmt) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print" and "print" not in self.state.env:
                args, kwnames = self._call_args(node)
                op = py.PrintOp(
                    operands=[self.state.token, [a.value for a in args]],
                    properties={"kwnames": _names_attr(kwnames)},
                    result_types=[py.TokenType()],
                )
                self.state.token = self._append(op, stmt).next
                return
            if isinstance(func, ast.Attribute) and func.attr == "remove" and isinstance(func.value, ast.Name) and self._updatable_list(func.value.id) and len(node.args) == 1 and not node.keywords:
                self._remove_from_list(self.state.env[func.value.id], node, stmt)
                return
            target = self._appended_list(func, node)
            if target is not None:
                # `scores.append(score)`: the list as a value, copied and extended.
                assert isinstance(func, ast.Attribute)
                item = self._as_val(self.expr(node.args[0]), node.args[0])
                if func.attr == "append":
                    added = self._append(py.BuildOp(operands=[[item.value]], properties={"kind": StringAttr("list")}, result_types=[py.ObjectType()]), node).result
                    self._parts[added] = (item,)
                    self.state.contains[added] = (item.value,)
                    inner: tuple[SSAValue, ...] = (item.value,)
                else:
                    if item.kind not in _ARG_KINDS:
                        raise Unsupported("extending a list with an object of unknown type")
                    added, inner = item.value, self.state.contains.get(item.value, ())
                op = py.UpdateOp(operands=[target.value, [added]], properties={"kind": StringAttr("iadd")}, result_types=[py.ObjectType()])
                self._append(op, stmt)
                self.state.contains[op.result] = (*self.state.contains.get(target.value, ()), *inner)
                self._list_values.add(op.result)
                before, extra = self._list_items(target), (item,) if func.attr == "append" else self._list_items(item)
                if extra is None and isinstance(item.const, (list, tuple)) and _immutable_literal(tuple(item.const)) and len(item.const) <= _UNROLL_LIMIT:
                    extra = tuple(self._constant(v, node) for v in item.const)
                if before is not None and extra is not None:
                    self._appended[op.result] = (*before, *extra)
                self._rebind_version(target, Val(op.result, CONTAINER), stmt)
                return
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in _IN_PLACE_METHODS and _inplace_keyword(node) is True:
                receiver = self.state.env.get(func.value.id)
                if receiver is not None and receiver.kind in (FRAME, COLUMN):
                    self._lower_in_place_method(receiver, func.attr, node, stmt)
                    return
            if isinstance(func, ast.Attribute) and func.attr == "to_csv":
                receiver = self._as_val(self.expr(func.value), func.value)
                if receiver.kind in (MODULE, CALLABLE) or isinstance(func.value, ast.Call) and receiver.kind not in (FRAME, COLUMN):
                    # An effect runs in program order whatever the receiver is;
                    # only a call we cannot model stays with its statement.
                    raise Unsupported("to_csv on an unknown object")
                args, kwnames = self._call_args(node)
                op = df.ToCsvOp(
                    operands=[self.state.token, receiver.value, [a.value for a in args]],
                    properties={"kwnames": _names_attr(kwnames)},
                    result_types=[py.TokenType()],
                )
                self.state.token = self._append(op, stmt).next
                return
            qualname = self._effect_function(func)
            if qualname is not None:
                # `os.makedirs(d, exist_ok=True)`, `np.random.seed(0)`: a statement
                # of its own, so its arguments are all Python evaluates before it.
                args, kwnames = self._call_args(node)
                effect = py.EffectCallOp(
                    operands=[self.state.token, [a.value for a in args]],
                    properties={"callee": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
                    result_types=[py.ObjectType(), py.TokenType()],
                )
                self.state.token = self._append(effect, stmt).next
                return
        result = self.expr(node)
        values = [p.value for p in result.parts] if isinstance(result, Multi) else [self._as_val(result, node).value]
        self._bind([], values, stmt)

    def _remove_from_list(self, target: Val, node: ast.Call, stmt: ast.stmt) -> None:
        """``features.remove("Id")`` on a list the script built: the list as a value,
        copied and changed by its own ``remove`` (a ValueError where python raises
        one). Its items stay known when they were and the value is a literal."""
        item = self._as_val(self.expr(node.args[0]), node.args[0])
        if item.kind not in (SCALAR, STRING):
            raise Unsupported("removing an object of unknown type")  # (its __eq__ could run user code)
        op = py.UpdateOp(operands=[target.value, [item.value]], properties={"kind": StringAttr("method:remove")}, result_types=[py.ObjectType()])
        self._append(op, stmt)
        self.state.contains[op.result] = self.state.contains.get(target.value, ())
        self._list_values.add(op.result)
        before = self._list_items(target)
        if before is None and target.is_const and isinstance(target.const, list) and _immutable_literal(tuple(target.const)):
            before = tuple(self._constant(v, node) for v in target.const)
        if before is not None and item.is_const and all(b.is_const and type(b.const) in (str, int, float, bool) for b in before):
            position = next((i for i, b in enumerate(before) if b.const == item.const), None)
            if position is not None:
                self._appended[op.result] = (*before[:position], *before[position + 1:])
        self._rebind_version(target, Val(op.result, CONTAINER), stmt)

    def _appended_list(self, func: ast.expr, node: ast.Call) -> Val | None:
        """The list ``lst.append(x)`` / ``lst.extend(xs)`` extends, when the script
        built it: a name, or an item of a display (``scores[name].append(s)``
        with ``scores = {n: [] for n in names}``)."""
        if not (isinstance(func, ast.Attribute) and func.attr in ("append", "extend") and len(node.args) == 1 and not node.keywords):
            return None
        if isinstance(func.value, ast.Name):
            return self.state.env[func.value.id] if self._updatable_list(func.value.id) else None
        if not isinstance(func.value, ast.Subscript):
            return None
        mark = self.block.last_op
        item = self.expr(func.value)
        # (An item of a display is the object itself, not a copy: see _static_item.)
        if isinstance(item, Val) and item.value.owner is not None and self._updatable_list_val(item) and any(item.value in inner for inner in self.state.contains.values()):
            return item
        self._rollback(mark)
        return None

    def _lower_in_place_method(self, receiver: Val, method: str, node: ast.Call, stmt: ast.stmt) -> None:
        """``frame.fillna(v, inplace=True)`` as a statement: the method runs with
        ``inplace=True`` on a copy (pandas' own warnings and errors), and every
        name of the frame sees the copy, as they see the mutated object in Python."""
        args, kwnames = self._call_args(node)
        calls_user_code = method in lib.METHODS_CALLING_USER_CODE
        if any(a.kind not in _ARG_KINDS and (calls_user_code or not _native_origin(a)) for a in args):
            raise Unsupported("in-place method with an argument of unknown type")
        # The result's type is that of the same call without inplace, as a value.
        mark = self.block.last_op
        plain = ast.Call(func=node.func, args=node.args, keywords=[k for k in node.keywords if k.arg != "inplace"])
        ast.copy_location(plain, node)
        as_value = self._method_call(receiver, method, plain)
        self._rollback(mark)
        if as_value.kind != receiver.kind:
            raise Unsupported("in-place method changing the kind of its receiver")
        op = py.UpdateOp(
            operands=[receiver.value, [a.value for a in args]],
            properties={"kind": StringAttr(f"method:{method}"), "kwnames": _names_attr(kwnames)},
            result_types=[as_value.value.type],
        )
        self._append(op, stmt)
        self._rebind_version(receiver, Val(op.result, receiver.kind), stmt)

    def _chained_in_place(self, stmts: list[ast.stmt]) -> bool:
        """``frame[c].fillna(v, inplace=True)``: under copy-on-write the method
        changes a temporary copy, never the frame (pandas warns that it does
        nothing), so the statement mutates no object that existed before."""
        if len(stmts) != 1:
            return False
        match stmts[0]:
            case ast.Expr(value=ast.Call(func=ast.Attribute(value=ast.Subscript() | ast.Attribute() as receiver, attr=method), args=args, keywords=keywords) as call):
                pass
            case _:
                return False
        if method not in _IN_PLACE_METHODS or _inplace_keyword(call) is not True or any(k.arg is None for k in keywords):
            return False
        root = receiver
        while isinstance(root, (ast.Subscript, ast.Attribute)):
            root = root.value
        frame = self.state.env.get(root.id) if isinstance(root, ast.Name) else None
        if frame is None or frame.kind != FRAME:
            return False
        return is_read_only([ast.Expr(value=e) for e in [receiver, *args, *(k.value for k in keywords if k.arg != "inplace")]])

    def _effect_function(self, func: ast.expr) -> str | None:
        """The qualified name of a library function in ``lib.EFFECT_FUNCTIONS`` that
        ``func`` (a dotted name off an imported module or function) refers to; None otherwise."""
        qualname = self._library_function(func)
        return qualname if qualname in lib.EFFECT_FUNCTIONS else None

    def _lower_for(self, target: ast.expr, iterable: ast.expr, body: list[ast.stmt], stmt: ast.stmt) -> None:
        if any(isinstance(n, (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.YieldFrom)) for b in body for n in ast.walk(b)):
            raise Unsupported("loop with break/continue")
        items = self._loop_items(iterable)
        if len(items) > _UNROLL_LIMIT:
            raise Unsupported("loop too long to unroll")
        # The loop is unrolled: each iteration binds the target, then the body.
        self.stats.statements -= 1
        self.stats.native_statements -= 1
        for item in items:
            self._assign_target(target, item(), stmt)
            for inner in body:
                self.lower_stmt(inner)

    def _static_condition(self, test: ast.expr) -> bool:
        # `if __name__ == "__main__":` is resolved statically: a script run by
        # stratumc has __name__ == "__main__", exactly as under `python`.
        match test:
            case ast.Compare(left=ast.Name(id="__name__"), ops=[ast.Eq()], comparators=[ast.Constant(value="__main__")]):
                if "__name__" in self.state.env:
                    raise Unsupported("__name__ was rebound")
                return True
        val = self._as_val(self.expr(test), test)
        if val.is_const:
            return bool(val.const)
        raise Unsupported("dynamic condition")

    # -- opaque statements --------------------------------------------------

    def _emit_opaque(self, stmt: ast.stmt) -> None:
        segment = self._segment(stmt)
        # Indent the first line back to its column (ast offsets are in bytes;
        # only spacing depends on it), so the code compiles at its own position.
        text = " " * stmt.col_offset + (segment if segment is not None else ast.unparse(stmt))
        made: dict[str, str] = {}
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                pairs = [(target, stmt.value)]
            elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) and len(target.elts) == len(stmt.value.elts):
                # `tr, va = df.iloc[a], df.iloc[b]`: each name gets its own new object.
                pairs = list(zip(target.elts, stmt.value.elts))
            else:
                pairs = []
            names = [t.id for t, _ in pairs if isinstance(t, ast.Name)]
            if len(names) == len(pairs) and len(set(names)) == len(names):
                for name_node, value in pairs:
                    kind = self._made_kind(value)
                    if kind is not None:
                        made[name_node.id] = kind  # type: ignore[attr-defined]
        self._emit_opaque_source(text, stmt.lineno, stmt.col_offset, [stmt], names_bound(stmt), made)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call):
            if self._library_function(stmt.value.func) in _BOOSTER_TRAINERS:
                bound = self.state.env.get(stmt.targets[0].id)
                if isinstance(bound, Val):
                    self._boosters.add(bound.value)

    def _made_kind(self, node: ast.expr, depth: int = 0) -> str | None:
        """The kind of a value whatever the data: ``<frame>.rename(...)`` is a new
        frame, ``<column>.map(...)`` a new Series (or an exception), however
        unknown the arguments. For the names opaque statements bind, so one
        opaque step does not leave everything after it unknown."""
        match node:
            case ast.Call(func=func, args=args, keywords=keywords) if self._draws_array(func, args, keywords):
                return ARRAY
            case ast.Call(func=ast.Attribute(value=receiver, attr=method), keywords=keywords) if depth < 16 and all(k.arg is not None and k.arg != "inplace" for k in keywords):
                if method == "predict" and isinstance(receiver, ast.Name) and isinstance(self.state.env.get(receiver.id), Val) and self.state.env[receiver.id].value in self._boosters:
                    return ARRAY  # a booster's predictions: a new ndarray (or an exception)
                kind = self._receiver_kind(receiver, depth)
                if kind == FRAME and method in _FRAME_TO_FRAME or kind == COLUMN and method in _COLUMN_TO_COLUMN:
                    return kind
            case ast.Subscript(value=receiver, slice=ast.List() | ast.ListComp()) if depth < 16:
                if self._receiver_kind(receiver, depth) == FRAME:
                    return FRAME  # columns by a list
            case ast.Subscript(value=ast.Attribute(value=receiver, attr="iloc" | "loc"), slice=key) if depth < 16 and self._array_slice(key, depth):
                # Rows by an array of positions or labels: a new frame or Series (or an exception).
                kind = self._receiver_kind(receiver, depth)
                if kind in (FRAME, COLUMN):
                    return kind
        return None

    def _array_slice(self, node: ast.expr, depth: int) -> bool:
        """Whether ``node`` is a slice of an array (``idx[:cut]``): an array of at least one
        dimension. (A view: only ever a key here, never bound to a name.)"""
        return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and self._receiver_kind(node.value, depth + 1) == ARRAY

    def _draws_array(self, func: ast.expr, args: list[ast.expr], keywords: list[ast.keyword]) -> bool:
        """Whether ``func(*args, **keywords)`` is a call of numpy's global RNG that returns
        a new array whatever the data (``np.random.permutation(n)``, ``np.random.rand(3)``,
        ``np.random.normal(0, 1, size=5)``); a sampler without a size returns a scalar."""
        qualname = self._library_function(func)
        if qualname is None or not qualname.startswith("numpy.random.") or any(a for a in args if isinstance(a, ast.Starred)):
            return False
        fn = qualname.removeprefix("numpy.random.")
        if fn == "permutation":
            return len(args) == 1 and not keywords
        if fn in ("rand", "randn"):
            return bool(args) and not keywords and all(_is_size(a) for a in args)
        position = _SIZE_POSITION.get(fn)
        if position is None:
            return False
        sizes = [k.value for k in keywords if k.arg == "size"]
        if len(args) > position:
            sizes.append(args[position])
        return len(sizes) == 1 and _is_size(sizes[0])

    def _library_function(self, func: ast.expr) -> str | None:
        """The qualified name ``func`` (a dotted name off an imported module) refers to."""
        attrs: list[str] = []
        dotted = func
        while isinstance(dotted, ast.Attribute):
            attrs.append(dotted.attr)
            dotted = dotted.value
        root = self.state.env.get(dotted.id) if isinstance(dotted, ast.Name) else None
        if not isinstance(root, Val) or root.kind not in (MODULE, CALLABLE) or root.qualname is None:
            return None
        return ".".join([root.qualname, *reversed(attrs)])

    def _receiver_kind(self, node: ast.expr, depth: int) -> str | None:
        if isinstance(node, ast.Name):
            val = self.state.env.get(node.id)
            return val.kind if isinstance(val, Val) else None
        # Lowered on trial (then erased): the kind the native lowering gives it.
        # (Inlined calls count statements: those counts are restored too.)
        mark, saved, must_run = self.block.last_op, self._save(), len(self._must_run)
        stats = (self.stats.statements, self.stats.native_statements, self.stats.opaque_statements, len(self.stats.opaque_reasons))
        try:
            val = self.expr(node)
            kind = val.kind if isinstance(val, Val) else None
        except Exception:
            kind = None
        finally:
            self._rollback(mark)
            self._restore(saved)
            del self._must_run[must_run:]
            self.stats.statements, self.stats.native_statements, self.stats.opaque_statements = stats[:3]
            del self.stats.opaque_reasons[stats[3]:]
        return kind if kind is not None else self._made_kind(node, depth + 1)

    def _emit_opaque_source(self, text: str, line: int, col: int, stmts: list[ast.stmt], bound: set[str], made: dict[str, str] | None = None) -> None:
        env = self.state.env
        read: set[str] = set()
        for s in stmts:
            if isinstance(s, ast.FunctionDef):
                # Only decorators, defaults and annotations run at `def`; the
                # body reads its globals from the module when it is called.
                read |= set().union(*(names_read(n) for n in [*s.decorator_list, *s.args.defaults, *s.args.kw_defaults, *ast.walk(s.args)] if n is not None and not isinstance(n, ast.arguments)))
                if s.returns is not None:
                    read |= names_read(s.returns)
                continue
            read |= names_read(s)
        # A `def` runs none of its body's calls; everything else may run any of them.
        calls = [n for s in stmts if not isinstance(s, ast.FunctionDef) for n in ast.walk(s) if isinstance(n, ast.Call)]
        for call in calls:
            if isinstance(call.func, ast.Attribute) and call.func.attr in ("query", "eval"):
                # `df.query("a > @x")` reads `x` from the calling frame, by name.
                read |= {m for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str) for m in re.findall(r"@([A-Za-z_]\w*)", a.value)}
        called_globals: set[str] = set()
        if calls:
            # Calls may run script functions, which read the module's globals
            # (never the locals of an inlined caller).
            called_globals = set(self.facts.function_globals)
            if isinstance(env, Scope):
                called_globals -= env.local_names
        if isinstance(env, Scope):
            # (A comprehension's or lambda's own variables are not the function's locals.)
            free = read if any(isinstance(s, ast.FunctionDef) for s in stmts) else free_names_read_block(stmts)
            unbound = sorted(n for n in free if env.is_unbound_local(n) or n in env.maybe_unbound)
            if unbound:
                # Python would raise UnboundLocalError (or read a later
                # binding in a loop); separate code would see the global.
                raise CannotInline(f"local {unbound[0]!r} read before assignment")
        read |= called_globals
        undefined = {n for n in read if n not in env and not is_known_global(n)}
        if undefined:
            undefined -= set().union(*(names_stored(s) for s in stmts))
        if undefined or calls and self.facts.functions_read_undefined:
            # Likely a NameError: Python's "Did you mean" suggestion is drawn
            # from every name bound so far, so the code must see them all.
            read |= set(env)
        # (A builtin's name rebound by the script could be anything.)
        rebound_call = any(isinstance(n.func, ast.Name) and n.func.id in env for n in calls)
        defines = any(isinstance(s, ast.FunctionDef) for s in stmts)
        # Draws from numpy's global RNG change only its hidden state, which the
        # script cannot reach but through more draws (ordered as effects).
        draws = frozenset(id(n) for s in stmts for n in ast.walk(s) if isinstance(n, ast.Call) and self._library_function(n.func) in _GLOBAL_RNG_DRAWS)
        read_only = not defines and not self.facts.defines_classes and not rebound_call and (is_read_only(stmts, draws) or self._chained_in_place(stmts))
        if read_only:
            # Nothing that existed is mutated: inputs keep their versions.
            names_in = sorted(n for n in (read | bound) if n in env)
            names_out = sorted(bound)
        else:
            escaped_closure = self._escaped_closure()  # (once: it walks every container)
            escaped_names = {n for n, v in env.items() if v.value in escaped_closure and not v.immutable}
            # Only stores into items or attributes of named objects, of
            # read-only values: only those objects can change.
            roots = None if defines or self.facts.defines_classes or rebound_call else store_roots(stmts)
            changing = read | bound if roots is None else roots | bound
            # Objects inside the containers it gets can be mutated through them.
            inside = self._contained_closure([env[n].value for n in changing if n in env])
            escaped_names |= {n for n, v in env.items() if v.value in inside and not v.immutable}
            # So are the fitted pipelines and opaque-made containers holding
            # what it may change: they travel with it, so the change is seen
            # through them too. (Displays, updates and estimators holding it are
            # rebuilt around the new versions afterwards.)
            given = {env[n].value for n in changing if n in env}
            escaped_names |= {
                n for n, v in env.items()
                if not v.immutable and v.value not in given and not self._rebuildable(v.value) and self._held_closure(v.value) & given
            }
            # Copies of what it may change (`b = a[:]`, `list(a)`) hold the same
            # elements: they travel with it too, so that the runtime's copies keep
            # sharing those elements (`a[0].append(x)` is seen through `b`, and
            # `a.append(x)` is not), which no rebuild afterwards could tell apart.
            sources = given | {env[n].value for n in escaped_names}
            while True:
                copies = {n for n, v in env.items() if n not in escaped_names and not v.immutable and v.value not in sources and self._element_sources(v.value) & sources}
                if not copies:
                    break
                escaped_names |= copies
                sources |= {env[n].value for n in copies}
            names_in = sorted(n for n in (read | bound | escaped_names) if n in env)
            mutated = {n for n in names_in if not env[n].immutable and (roots is None or n in changing or n in escaped_names)}
            names_out = sorted(bound | escaped_names | mutated)
        inputs = [env[n].value for n in names_in]
        old = {n: env.get(n) for n in names_out}
        # A value only mutated in place keeps its type; one rebound is unknown.
        kept = {n: v for n, v in old.items() if v is not None and n not in bound}
        out_types = [_opaque_type(kept[n]) if n in kept else _type_of_kind(made[n]) if made and n in made else py.ObjectType() for n in names_out]
        column = None if read_only else _stored_column(stmts)
        if column is not None and column[0] in names_out and column[0] in kept and kept[column[0]].kind == FRAME:
            # `frame[c] = <anything>` (or `frame.loc[..., c] = ...`): the same
            # columns, c of a dtype unknown here.
            schema = _frame_schema(kept[column[0]])
            if schema is not None:
                columns = dict(schema)
                columns[column[1]] = "?"
                out_types[names_out.index(column[0])] = df.FrameType.of(list(columns.items()))
        dropped = None if read_only else _dropped_in_place(stmts)
        if dropped is not None and dropped[0] in names_out and dropped[0] in kept and kept[dropped[0]].kind == FRAME:
            # `frame.drop(columns, inplace=True)` (run as written: pandas warns
            # about inplace): if it returns, the frame has the other columns.
            schema = _frame_schema(kept[dropped[0]])
            if schema is not None and all(c in dict(schema) for c in dropped[1]):
                out_types[names_out.index(dropped[0])] = df.FrameType.of([(c, d) for c, d in schema if c not in dropped[1]])
        properties: dict[str, Attribute] = {
            "source": StringAttr(text),
            "names_in": _names_attr(names_in),
            "names_out": _names_attr(names_out),
        }
        if not read_only:
            self._keep_identity_inside(inputs)
        first_of: dict[SSAValue, int] = {}
        groups = [first_of.setdefault(v, i) for i, v in enumerate(inputs)]
        if groups != list(range(len(inputs))):
            properties["alias_groups"] = ArrayAttr(IntAttr(g) for g in groups)
        if read_only:
            properties["read_only"] = UnitAttr()
        if isinstance(env, Scope):
            properties["function"] = StringAttr(env.function)
            properties["local_names"] = _names_attr(sorted(n for n in set(names_in) | set(names_out) if n in env.local_names))
        if isinstance(env, Scope):
            # Names bound only on some paths through the code may stay unbound.
            branching = any(isinstance(n, _BRANCHING) for s in stmts for n in ast.walk(s))
            conditional = {n for n in bound if env.is_unbound_local(n) or n in env.maybe_unbound} if branching else set()
            # (`with ... as fh:` binds fh whenever the statement completes: before its body runs.)
            conditional -= {name for st in stmts if isinstance(st, (ast.With, ast.AsyncWith)) for item in st.items if item.optional_vars is not None for name in names_stored(item.optional_vars)}
            deleted = {n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Del)} & env.local_names
            env.maybe_unbound = frozenset((env.maybe_unbound - bound) | conditional | deleted)
        op = py.ExecOp(operands=[self.state.token, inputs], properties=properties, result_types=[py.TokenType(), out_types])
        op.location = self._loc_at(line, col)
        self.block.add_op(op)
        self.state.token = op.next
        retains = self.facts.defines_classes or rebound_call or may_retain_references(stmts)
        if retains and column is not None and not self.facts.defines_classes and not rebound_call and self._stores_library_data(column[0], stmts[0]):
            # pandas copies arrays and Series stored into a frame (copy-on-write):
            # the frame keeps no reference to what was stored.
            retains = False
        # An object something opaque holds is held still after code changed it in place.
        escaped_before = self._escaped_closure() if kept else set()
        if retains and not (read_only and not bound):
            self.state.escaped.update(inputs)  # new names may alias them, or code keep them
        made_list = _list_made(stmts)
        for name, result in zip(names_out, op.outputs):
            prev = kept.get(name)
            if prev is not None and prev.value in escaped_before:
                self.state.escaped.add(result)
            env[name] = Val(result, OBJECT) if prev is None else Val(result, prev.kind, prev.qualname, deterministic=prev.deterministic)
            if name == made_list and name in bound:
                # `name = [... for ...]` (a condition decided only at run time): a new list.
                env[name] = Val(result, CONTAINER)
                self._lists.add(result)
            if made and name in made and prev is None:
                # A new frame, Series or array (see _made_kind): made by its last call,
                # after everything the statement ran, so nothing else can refer to it.
                env[name] = Val(result, made[name], fresh=made[name] == ARRAY)
                continue
            if retains:
                self.state.escaped.add(result)  # opaque code may keep references to it
        if not self.facts.declares_globals:
            # Names of one object that the code did not rebind (`frame` in an inlined
            # function, `x` in its caller) are still one object: one value, so that
            # a later in-place change through either is seen through both.
            first_of: dict[SSAValue, str] = {}
            for name in names_out:
                prev = kept.get(name)
                if prev is not None and env[first_of.setdefault(prev.value, name)].kind == env[name].kind:
                    env[name] = env[first_of[prev.value]]
        # Other names that were aliases of a re-versioned object follow it.
        for name, prev in old.items():
            if prev is None:
                continue
            for caller in self._callers:
                for other, v in list(caller.local.items()):
                    if v.value is prev.value:
                        caller.local[other] = env[name]
            for other, v in list(env.items()):
                if other not in old and v.value is prev.value:
                    env[other] = env[name]
        # Containers and estimators built from an object mutated in place hold it too.
        in_place = {prev.value: env[name] for name, prev in kept.items() if prev.value is not env[name].value}
        for was, now in in_place.items():
            if was in self.state.contains:
                # What a container held, it still holds (in their new versions),
                # and maybe more: enough to know who else must follow it.
                self.state.contains[now.value] = tuple(in_place[c].value if c in in_place else c for c in self.state.contains[was])
        if in_place:
            self._mutated_in_place(in_place, stmts[0], by_opaque=True)

    def _stores_library_data(self, frame: str, stmt: ast.stmt) -> bool:
        """``frame[c] = value`` where ``frame`` is a DataFrame and ``value`` is
        computed from frames, columns, arrays, numbers or library calls (no
        containers of objects it could keep referencing)."""
        target = self.state.env.get(frame)
        if target is None or target.kind != FRAME or not isinstance(stmt, ast.Assign):
            return False
        for node in ast.walk(stmt.value):
            if isinstance(node, (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Starred)):
                if not (isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) for e in node.elts)):
                    return False
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                val = self.state.env.get(node.id)
                if val is not None and val.kind not in (FRAME, COLUMN, ARRAY, SCALAR, STRING, MODULE, CALLABLE, TYPE, ACCESSOR, WINDOW):
                    return False
                if val is not None and val.kind == CALLABLE and val.value in self._script_functions:
                    return False  # the script's own function: it could return anything
        return True

    def _keep_identity_inside(self, inputs: list[SSAValue]) -> None:
        """Objects inside containers that opaque code may mutate must stay distinct.

        Merging equal computations (CSE) would make ``[np.zeros(2),
        np.zeros(2)]`` hold one array twice; mutating one element through the
        container would then change both. A unique attribute keeps each such
        computation apart. (Top-level inputs are told apart by alias groups.)
        """
        owners = [
            v.owner for v in self._contained_closure(inputs)
            if isinstance(v.owner, Operation) and not isinstance(v.owner, (py.ExecOp, py.ArgOp, py.ConstantOp, py.ImportOp))
        ]
        if not owners:
            return
        # In program order (the closure is a set), from the module's own counter.
        position = {op: i for i, op in enumerate(self.block.ops)}
        counter = _identities.setdefault(self.block, itertools.count())
        for owner in sorted(dict.fromkeys(owners), key=lambda op: position.get(op, len(position))):
            owner.attributes[_IDENTITY_ATTR] = IntAttr(next(counter))

    def _contained_closure(self, values: list[SSAValue]) -> set[SSAValue]:
        """Values held, directly or not, by the containers among ``values``."""
        todo = [inner for v in values for inner in self.state.contains.get(v, ())]
        seen: set[SSAValue] = set()
        while todo:
            value = todo.pop()
            if value not in seen:
                seen.add(value)
                todo.extend(self.state.contains.get(value, ()))
        return seen

    def _rebuildable(self, value: SSAValue) -> bool:
        """A container or estimator the frontend built, so it can rebuild it (see _mutated_in_place)."""
        owner = value.owner
        return isinstance(owner, (py.BuildOp, ml.EstimatorOp)) or value in self.state.contains and isinstance(owner, (py.UpdateOp, py.BinaryOp, py.GetItemOp, py.CallOp))

    def _element_sources(self, value: SSAValue) -> set[SSAValue]:
        """The containers whose elements the container ``value`` holds: ``a`` for ``a[:]``
        (all of them), ``d`` for ``[d["x"]]`` or ``dict(k=d["x"])`` (one, taken out of it)."""
        if value not in self.state.contains:
            return set()
        owner = value.owner
        sources = {owner.operands[i] for i in py.element_sources(owner)} if isinstance(owner, Operation) else set()
        for held in self.state.contains[value]:
            taken = held.owner
            if isinstance(taken, py.GetItemOp) and not isinstance(taken.operands[1].owner, py.BuildOp) and _is_container(taken.operands[0], self.state.contains):
                sources.add(taken.operands[0])  # an item of a list or dict: the object the container holds
        return sources

    def _held_closure(self, value: SSAValue) -> set[SSAValue]:
        """Values ``value`` holds references to: container elements, estimator
        arguments and the steps a fitted pipeline holds, transitively."""
        seen: set[SSAValue] = set()
        todo = [value]
        while todo:
            v = todo.pop()
            inner = list(self.state.contains.get(v, ()))
            if isinstance(v.owner, (py.BuildOp, ml.EstimatorOp)):
                inner.extend(v.owner.operands)
            inner.extend(e.value for _, e in self._pipeline_steps.get(v, ()))
            for i in inner:
                if i not in seen:
                    seen.add(i)
                    todo.append(i)
        return seen

    def _escaped_closure(self) -> set[SSAValue]:
        seen = set(self.state.escaped)
        todo = list(seen)
        while todo:
            for inner in self.state.contains.get(todo.pop(), ()):
                if inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
        return seen

    # -- names ----------------------------------------------------------------

    def _assign_names(self, values: dict[str, Val], stmt: ast.stmt) -> None:
        env = self.state.env
        if isinstance(env, Scope) and env.maybe_unbound & values.keys():
            env.maybe_unbound = env.maybe_unbound - values.keys()
        for name, val in values.items():
            env[name] = val
        self._bind(list(values), [v.value for v in values.values()], stmt)

    def _rebind_version(self, old: Val, new: Val, stmt: ast.stmt) -> None:
        """An in-place mutation: every name bound to ``old`` now sees ``new``."""
        if old.value in self._escaped_closure():
            raise Unsupported("mutating an object that opaque code may reference")
        self._mutated_in_place({old.value: new}, stmt, always_bind=True)

    def _bind(self, names: list[str], values: list[SSAValue], node: ast.AST) -> None:
        op = py.BindOp(
            operands=[self.state.token, values],
            properties={"names": _names_attr(names)},
            result_types=[py.TokenType()],
        )
        self.state.token = self._append(op, node).next

    def _frame_named(self, name: str) -> Val:
        val = self.state.env.get(name)
        if val is None or val.kind != FRAME:
            raise Unsupported("not a known frame")
        return val

    # -- expressions --------------------------------------------------------

    def expr(self, node: ast.expr) -> Val | Ref | Multi:
        method: Callable[[Any], Val | Ref | Multi] | None = getattr(self, f"_expr_{type(node).__name__}", None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return method(node)

    def _expr_Constant(self, node: ast.Constant) -> Val:
        return self._constant(node.value, node)

    def _constant(self, value: Any, node: ast.AST) -> Val:
        scalar = type(value) in _SCALAR_LITERALS
        # (Attributes are immutable: one per literal. Keyed by repr: 0.0 and -0.0,
        # True and 1 differ; NaN finds itself.)
        key = (type(value), repr(value)) if scalar else None
        attr = _LITERAL_ATTRS.get(key) if scalar else None
        if attr is None:
            try:
                attr = encode(value)
            except NotALiteral as exc:
                raise Unsupported(str(exc)) from None
            if scalar and len(_LITERAL_ATTRS) < 65536:
                _LITERAL_ATTRS[key] = attr
        op = self._scalar_constants.get(key) if scalar else None
        # (Only one still in this block, so defined before anything appended now:
        # rolled-back statements erase theirs.)
        if op is None or op.parent is not self.block:
            op = self._append(py.ConstantOp(properties={"value": attr}, result_types=[py.ObjectType()]), node)
            if scalar:
                self._scalar_constants[key] = op
            elif not _immutable_literal(value):
                # Each evaluation of `[]` or `{...}` is a new object (`{k: [] for k in keys}`):
                # equal constants must not be merged into one.
                op.attributes[_IDENTITY_ATTR] = IntAttr(next(_identities.setdefault(self.block, itertools.count())))
        kind = STRING if isinstance(value, str) else SCALAR if isinstance(value, (int, float, type(None))) else CONTAINER
        return Val(op.result, kind, const=value)

    def _expr_Name(self, node: ast.Name) -> Val | Ref:
        env = self.state.env
        if isinstance(env, Scope) and node.id in env.maybe_unbound:
            raise CannotInline(f"local {node.id!r} may be unbound")
        val = env.get(node.id)
        if val is not None:
            return val
        qualname = f"builtins.{node.id}"
        if hasattr(builtins, node.id) and (qualname in lib.PURE_FUNCTIONS or qualname in lib.TYPE_OBJECTS or qualname in lib.WARNING_CATEGORIES):
            return Ref(f"builtins.{node.id}", None, ())  # type: ignore[arg-type]
        raise Unsupported(f"name {node.id!r} is not bound natively")

    def _expr_Attribute(self, node: ast.Attribute) -> Val | Ref:
        if node.attr == "codes" and isinstance(node.value, ast.Attribute) and node.value.attr == "cat" and not (
            isinstance(node.value.value, ast.Call) and isinstance(node.value.value.func, ast.Attribute) and node.value.value.func.attr == "astype"
        ):
            # `col.cat.codes` of a column that is (or is not: AttributeError) categorical.
            column = self._as_val(self.expr(node.value.value), node.value.value)
            if column.kind == COLUMN:
                cat = self._append(py.GetAttrOp(operands=[column.value], properties={"attr": StringAttr("cat")}, result_types=[py.ObjectType()]), node).result
                op = py.GetAttrOp(operands=[cat], properties={"attr": StringAttr("codes")}, result_types=[df.ColumnType.of(None)])
                return Val(self._append(op, node).result, COLUMN)
        # `col.astype("category").cat.codes`
        if node.attr == "codes" and isinstance(node.value, ast.Attribute) and node.value.attr == "cat":
            inner = node.value.value
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr == "astype"
                and len(inner.args) == 1
                and not inner.keywords
                and isinstance(inner.args[0], ast.Constant)
                and inner.args[0].value == "category"
            ):
                column = self._as_val(self.expr(inner.func.value), inner.func.value)
                if column.kind == COLUMN:
                    op = df.CategoryCodesOp(operands=[column.value], result_types=[df.ColumnType.of(None)])
                    return Val(self._append(op, node).result, COLUMN)
        if node.attr.endswith("_") and not node.attr.startswith("_") and isinstance(node.value, ast.Subscript):
            fitted = self._fitted_step_attribute(node)
            if fitted is not None:
                return fitted
        base = self.expr(node.value)
        if isinstance(base, Ref):
            return Ref(f"{base.qualname}.{node.attr}", base.base, (*base.path, node.attr))
        if isinstance(base, Multi):
            raise Unsupported("attribute of a tuple")
        if base.kind in (MODULE, CALLABLE) and base.qualname:
            return Ref(f"{base.qualname}.{node.attr}", base, (node.attr,))
        if base.kind == ESTIMATOR and node.attr in ("best_iteration", "best_score"):
            # xgboost's early-stopping results (plain numbers).
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, SCALAR)
        if base.kind == ESTIMATOR and node.attr.endswith("_") and not node.attr.startswith("_"):
            # A fitted attribute (coef_, best_params_...): a plain read.
            if node.attr == "best_estimator_":
                op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[ml.EstimatorType()])
                return Val(self._append(op, node).result, ESTIMATOR, deterministic=base.deterministic)
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, ARRAY if node.attr in _ARRAY_ATTRIBUTES else OBJECT)
        if base.kind == SPLITTER and node.attr == "n_splits" and base.n_splits is not None:
            return self._constant(base.n_splits, node)  # the constructor's constant argument
        if base.elements is not None and node.attr in ("tolist", "to_list"):
            raise Unsupported("method reference")  # only calls, handled in _method_call
        if base.kind == FRAME:
            schema = _frame_schema(base)
            if node.attr not in lib.PURE_PANDAS_ATTRIBUTES and schema is not None and node.attr in dict(schema):
                return self._column(base, node.attr, node)
        if base.kind == COLUMN and node.attr in ("dt", "str", "cat"):
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, ACCESSOR)
        if base.kind == ACCESSOR and node.attr in ("categories", "ordered"):
            # `col.cat.categories`: an Index; `cat.ordered`: a bool.
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            if node.attr == "categories":
                self._indexes.add(result)
            return Val(result, OBJECT if node.attr == "categories" else SCALAR)
        if base.kind == ACCESSOR and not node.attr.startswith("_"):
            # `col.dt.month`: a new column (methods are handled at their call).
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[df.ColumnType.of(None)])
            return Val(self._append(op, node).result, COLUMN)
        if base.kind == OBJECT and base.value in self._indexes and node.attr in _INDEX_FIELDS:
            # `frame.index.year`: a new Index of the field.
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._indexes.add(result)
            return Val(result, OBJECT)
        if base.kind == OBJECT and base.value in self._pandas_objects and node.attr in ("values", "shape", "index", "columns", "T", "dtypes", "ndim", "size", "empty"):
            kind = {"values": ARRAY, "shape": CONTAINER, "ndim": SCALAR, "size": SCALAR, "empty": SCALAR}.get(node.attr, OBJECT)
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            if node.attr in ("index", "columns"):
                self._indexes.add(result)
            elif node.attr in ("T", "dtypes"):
                self._pandas_objects.add(result)
            return Val(result, kind)
        if base.kind == ARRAY and node.attr in ("shape", "ndim", "size", "dtype"):
            # (Not `.T` or `.real`: views of the array.)
            kind = {"shape": CONTAINER, "dtype": OBJECT}.get(node.attr, SCALAR)
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, kind)
        if base.kind in (FRAME, COLUMN) and node.attr in lib.PURE_PANDAS_ATTRIBUTES:
            kind = FRAME if node.attr == "T" else {"shape": CONTAINER, "values": ARRAY}.get(node.attr, OBJECT)
            op = py.GetAttrOp(operands=[base.value], properties={"attr": StringAttr(node.attr)}, result_types=[_type_of_kind(kind)])
            val = Val(self._append(op, node).result, kind)
            schema = _frame_schema(base) if base.kind == FRAME else None
            if node.attr == "columns" and schema is not None:
                val = Val(val.value, OBJECT, elements=tuple(c for c, _ in schema))
            elif node.attr == "dtype" and base.kind == COLUMN:
                val = Val(val.value, OBJECT, dtype=_column_dtype(base))
            elif node.attr in ("iloc", "loc"):
                self._indexed[val.value] = base
            if node.attr == "index" or node.attr == "columns" and base.kind == FRAME:
                self._indexes.add(val.value)
            elif node.attr == "dtypes":
                self._pandas_objects.add(val.value)  # a Series of dtypes
            return val
        raise Unsupported("attribute")

    def _fitted_step_attribute(self, node: ast.Attribute) -> Val | None:
        """``pipe[-1].alpha_``, ``pipe.named_steps["m"].coef_``: a fitted attribute of a
        pipeline's step. The step itself is never a value of its own (it is the
        object inside the pipeline: fitting it would change the pipeline)."""
        sub = node.value
        assert isinstance(sub, ast.Subscript)
        holder = sub.value
        named = isinstance(holder, ast.Attribute) and holder.attr == "named_steps"
        base = self.expr(holder.value if named else holder)  # type: ignore[attr-defined]
        if not isinstance(base, Val) or base.kind != ESTIMATOR:
            return None
        key = self._as_val(self.expr(sub.slice), sub.slice)
        if not (type(key.const) is int if not named else isinstance(key.const, str)):
            return None
        value = base.value
        if named:
            value = self._append(py.GetAttrOp(operands=[value], properties={"attr": StringAttr("named_steps")}, result_types=[py.ObjectType()]), holder).result
        step = self._append(py.GetItemOp(operands=[value, key.value], result_types=[py.ObjectType()]), sub).result
        op = py.GetAttrOp(operands=[step], properties={"attr": StringAttr(node.attr)}, result_types=[py.ObjectType()])
        return Val(self._append(op, node).result, ARRAY if node.attr in _ARRAY_ATTRIBUTES else OBJECT)

    def _expr_Subscript(self, node: ast.Subscript) -> Val:
        base = self._as_val(self.expr(node.value), node.value)
        key = self._as_val(self.expr(node.slice), node.slice)
        if base.kind == CONTAINER and key.is_const:
            item = self._static_item(base, key.const, node)
            if item is not None:
                return item
        if base.kind == CONTAINER and type(key.const) is int and isinstance(base.value.owner, py.GetAttrOp) and base.value.owner.attr.data == "shape":
            # `X.shape[0]`: a shape holds ints.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, SCALAR)
        if base.kind == FRAME and isinstance(key.const, str):
            return self._column(base, key.const, node)
        if base.kind == FRAME and key.elements is not None and all(isinstance(k, str) for k in key.elements):
            key = Val(key.value, CONTAINER, const=list(key.elements))
        if base.kind == FRAME and isinstance(key.const, list) and all(isinstance(k, str) for k in key.const):
            schema = _frame_schema(base)
            cols = dict(schema) if schema is not None else None
            new = [(c, cols[c]) for c in key.const] if cols is not None and all(c in cols for c in key.const) else None
            op = df.SelectOp(
                operands=[base.value],
                properties={"columns": _names_attr(key.const)},
                result_types=[df.FrameType.of(new) if new is not None else df.FrameType.unknown()],
            )
            return Val(self._append(op, node).result, FRAME)
        if base.kind == FRAME and key.kind in (CONTAINER, OBJECT) and self._column_keys(key)[1]:
            # Columns by a list or an Index known only at run time: a new frame.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[df.FrameType.unknown()])
            return Val(self._append(op, node).result, FRAME)
        if base.value in self._indexes and _is_int(key.value):
            # `frame.index[i]`: one label (a number, a string, a Timestamp: immutable).
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, SCALAR)
        if base.value in self._indexes and key.kind == SLICE:
            # `frame.columns[:5]`: a new Index.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._indexes.add(result)
            return Val(result, OBJECT)
        if base.kind == COLUMN and key.kind == COLUMN:
            # A Series by a Series (a boolean mask, or labels): a Series.
            dtype = _column_dtype(base) if _column_dtype(key) == "bool" else None
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[df.ColumnType.of(dtype)])
            return Val(self._append(op, node).result, COLUMN)
        if base.kind == WINDOW and base.window_of == FRAME and (isinstance(key.const, str) or isinstance(key.const, list)):
            # `frame.groupby(k)["col"]`: the column's groupby (a list: a frame's).
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            result = self._append(op, node).result
            grouped = base.value.owner
            window_of = COLUMN if isinstance(key.const, str) else FRAME
            if isinstance(grouped, df.MethodOp) and grouped.method.data == "groupby":
                names = [n.data for n in grouped.kwnames.data]
                keywords = dict(zip(names, grouped.operands[len(grouped.operands) - len(names):]))
                as_index = keywords.get("as_index")
                if as_index is not None and not (isinstance(as_index.owner, py.ConstantOp) and decode(as_index.owner.value) is True):
                    self._keys_as_columns.add(result)  # as_index=False: aggregates are frames (the keys as columns)
                schema = _frame_schema(self._val_of(grouped.operands[0]))
                dtype = dict(schema).get(key.const) if schema is not None and isinstance(key.const, str) else None
                if dtype is not None and dtype != "?":
                    self._window_dtypes[result] = dtype
                    by = decode(grouped.args[0].owner.value) if names == ["as_index"] and len(grouped.args) == 2 and isinstance(grouped.args[0].owner, py.ConstantOp) else None
                    keys = [by] if isinstance(by, str) else by if isinstance(by, list) and all(isinstance(k, str) for k in by) else None
                    columns = dict(schema) if schema is not None else {}
                    if result in self._keys_as_columns and keys and all(columns.get(k) in ("str", "object", "int64", "float64", "bool") for k in keys) and key.const not in keys and len(columns) == len(schema or ()):
                        self._key_columns[result] = ([(k, columns[k]) for k in keys], key.const)
            return Val(result, WINDOW, window_of=window_of)
        if base.kind == OBJECT and base.value in self._indexes and key.kind == SLICE:
            # `frame.index[-10:]`: a new Index (immutable, so sharing its data is unobservable).
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._indexes.add(result)
            return Val(result, OBJECT)
        indexed = self._indexed.get(base.value)
        if indexed is not None and indexed.kind == FRAME and isinstance(key.const, str) and base.value.owner.attr.data == "loc" and key.const in _concat_keys(indexed.value):
            # `full.loc["train"]` of `pd.concat([...], keys=["train", "test"])`: the
            # rows under that key (its level dropped), a frame of the same columns.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[indexed.value.type])
            return Val(self._append(op, node).result, FRAME)
        if indexed is not None and (key.kind in (SLICE, COLUMN, ARRAY) or self._is_list(key)):
            # Rows by position, boolean mask or labels: the same columns.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[indexed.value.type])
            return Val(self._append(op, node).result, indexed.kind)
        if indexed is not None and indexed.kind == FRAME and key.kind == CONTAINER:
            selected = self._rows_and_columns(base, indexed, key, node)
            if selected is not None:
                return selected
        if indexed is not None and indexed.kind == FRAME and _is_int(key.value) and isinstance(base.value.owner, py.GetAttrOp) and base.value.owner.attr.data == "iloc":
            # `frame.iloc[0]`: one row, a Series (of the columns' common dtype).
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[df.ColumnType.of(None)])
            return Val(self._append(op, node).result, COLUMN)
        if indexed is not None and indexed.kind == COLUMN and _is_int(key.value) and isinstance(base.value.owner, py.GetAttrOp) and base.value.owner.attr.data in ("iloc", "iat"):
            # `col.iloc[-1]`: one value; of a numeric, boolean or string column, an immutable scalar.
            dtype = _column_dtype(indexed)
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            result = self._append(op, node).result
            if dtype in ("int64", "float64", "bool", "str"):
                self._scalar_dtypes[result] = dtype
                return Val(result, STRING if dtype == "str" else SCALAR)
            return Val(result, OBJECT)
        if base.kind == ARRAY and base.fresh and isinstance(node.value, ast.Call) and key.kind in (SLICE, SCALAR, CONTAINER, ARRAY, COLUMN):
            # `model.predict_proba(X)[:, 1]`: a view of an array nothing else can reach.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, ARRAY)
        if base.kind in (ARRAY, COLUMN) and key.kind in (ARRAY, COLUMN) and base.kind != COLUMN or (base.kind == COLUMN and key.kind == ARRAY):
            # Fancy or boolean indexing copies (unlike slicing, which makes views).
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[base.value.type])
            return Val(self._append(op, node).result, base.kind)
        if base.kind == CONTAINER and key.kind == SLICE and (base.is_const and isinstance(base.const, (list, tuple)) or base.value in self.state.contains or isinstance(base.value.owner, (py.BuildOp, py.CallMethodOp, df.MethodOp, py.CallOp))):
            # A slice of a list or tuple is a new one holding the same objects.
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self.state.contains[result] = self.state.contains.get(base.value, ())
            if self._is_list(base):
                self._lists.add(result)
            return Val(result, CONTAINER)
        if base.kind in (COLUMN, FRAME) and key.kind == SLICE:
            # (`frame[:n]` slices rows: the same columns.)
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[base.value.type])
            return Val(self._append(op, node).result, base.kind)
        if base.kind == OBJECT and base.value in self._pandas_objects and (key.kind in (COLUMN, FRAME, ARRAY) or key.value in self._pandas_objects):
            # A frame or a Series (which one depends on the data: `apply`, `agg`)
            # by a mask or labels: a new frame or Series. (Not by one label: an
            # element of a Series is the object it holds.)
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._pandas_objects.add(result)
            return Val(result, OBJECT)
        if base.kind in (FRAME, COLUMN, ARRAY, CONTAINER, OBJECT) and key.kind in _DATA_KINDS | {STRING, CONTAINER}:
            if base.kind == OBJECT and not self._is_pandas_indexer(base):
                raise Unsupported("subscript of an unknown object")
            if base.kind == ARRAY and key.kind != SCALAR or base.kind == CONTAINER and key.kind not in (SCALAR, STRING):
                # numpy basic slicing returns views; views alias their base.
                # (An item of a tuple, list or dict is the object itself, as in Python.)
                raise Unsupported("subscript of an array or container")
            bool_array = key.kind == ARRAY and self._scalar_dtypes.get(key.value) == "bool"
            kind = FRAME if base.kind == FRAME and (key.kind == COLUMN or bool_array) else OBJECT
            owner = base.value.owner
            dtype = _column_dtype(base) if base.kind == COLUMN else None
            if isinstance(owner, df.MethodOp) and owner.method.data == "mode" and key.kind == SCALAR and type(key.const) is int and dtype in ("str", "int64", "float64"):
                # `col.mode()[0]`: mode's labels are 0..n-1, so one value of the column's
                # dtype (or a KeyError), immutable: a string or a number.
                op = py.GetItemOp(operands=[base.value, key.value], result_types=[py.ObjectType()])
                result = self._append(op, node).result
                self._scalar_dtypes[result] = dtype
                return Val(result, STRING if dtype == "str" else SCALAR)
            result_type = _type_of_kind(kind)
            if kind == FRAME and (_column_dtype(key) == "bool" or bool_array):
                result_type = base.value.type  # rows by a boolean mask: the same columns
            op = py.GetItemOp(operands=[base.value, key.value], result_types=[result_type])
            return Val(self._append(op, node).result, kind)
        raise Unsupported("subscript")

    def _rows_and_columns(self, indexer: Val, frame: Val, key: Val, node: ast.AST) -> Val | None:
        """``frame.loc[rows, "c"]`` (a Series), ``frame.loc[rows, ["a", "b"]]``, ``frame.iloc[rows, 1:]``
        (frames), with rows selected by a mask, labels, positions or a slice (never one
        row: that would give a row or a single value)."""
        owner = key.value.owner
        parts = self._parts.get(key.value)
        if isinstance(owner, py.BuildOp) and owner.kind.data == "tuple" and parts is not None and len(parts) == 2:
            rows, cols = parts
        elif key.is_const and isinstance(key.const, tuple) and len(key.const) == 2 and isinstance(key.const[0], list):
            rows, cols = Val(key.value, CONTAINER, const=key.const[0]), self._constant(key.const[1], node)
        else:
            return None
        if not (rows.kind in (SLICE, COLUMN, ARRAY) or self._is_list(rows)):
            return None
        by_label = indexer.value.owner.attr.data == "loc"  # type: ignore[union-attr]
        schema = _frame_schema(frame)
        same_rows_dtype = rows.kind == SLICE or _column_dtype(rows) == "bool"  # (rows alone keep the dtypes)
        if by_label and isinstance(cols.const, str) or not by_label and type(cols.const) is int:
            dtype = None
            if by_label and schema is not None and same_rows_dtype and [c for c, _ in schema].count(cols.const) == 1:
                dtype = dict(schema)[cols.const]
            if not by_label and (schema is None or [c for c, _ in schema].count(schema[cols.const][0] if -len(schema) <= cols.const < len(schema) else None) != 1):
                return None  # (a duplicated label would select a frame)
            op = py.GetItemOp(operands=[indexer.value, key.value], result_types=[df.ColumnType.of(None if dtype == "?" else dtype)])
            return Val(self._append(op, node).result, COLUMN)
        labels = cols.const if isinstance(cols.const, list) else None
        if by_label and labels is None and cols.kind in (CONTAINER, OBJECT) and self._column_keys(cols)[1]:
            # Labels known at run time (an Index, a list): a frame.
            op = py.GetItemOp(operands=[indexer.value, key.value], result_types=[df.FrameType.unknown()])
            return Val(self._append(op, node).result, FRAME)
        if cols.kind == SLICE or labels is not None and all(isinstance(c, str) if by_label else type(c) is int for c in labels):
            new_schema = None
            if by_label and labels is not None and schema is not None and same_rows_dtype and len({c for c, _ in schema}) == len(schema) and all(c in dict(schema) for c in labels):
                new_schema = [(c, dict(schema)[c]) for c in labels]
            op = py.GetItemOp(operands=[indexer.value, key.value], result_types=[df.FrameType.of(new_schema) if new_schema is not None else df.FrameType.unknown()])
            return Val(self._append(op, node).result, FRAME)
        return None

    def _static_item(self, container: Val, key: Any, node: ast.AST) -> Val | None:
        """``container[key]`` known at compile time: the object itself, as in Python
        (an item of a list, tuple or dict display), or an immutable constant."""
        parts = self._parts.get(container.value)
        owner = container.value.owner
        if parts is not None and isinstance(owner, py.BuildOp):
            if owner.kind.data in ("list", "tuple") and type(key) is int and -len(parts) <= key < len(parts):
                return self._latest(parts[key])
            if owner.kind.data == "dict":
                half = len(parts) // 2
                if all(k.is_const for k in parts[:half]):
                    try:
                        mapping = {k.const: i for i, k in enumerate(parts[:half])}  # later keys win, as in a display
                        index = mapping.get(key)
                    except TypeError:
                        return None
                    return None if index is None else self._latest(parts[half + index])
            return None
        if container.is_const and isinstance(container.const, (list, tuple, dict)):
            try:
                item = container.const[key]
            except (KeyError, IndexError, TypeError):
                return None
            if _immutable_literal(item):
                return self._constant(item, node)
        return None

    def _is_list(self, val: Val) -> bool:
        """A Python list (a display, a comprehension, ``.tolist()``, an update of one)."""
        owner = val.value.owner
        return (
            isinstance(val.const, list)
            or isinstance(owner, py.BuildOp) and owner.kind.data == "list"
            or val.value in self._lists or val.value in self._list_values
        )

    def _column_keys(self, key: Val) -> tuple[list[str] | None, bool]:
        """For ``frame[key]`` (read or stored): the labels, when known at compile
        time, and whether ``key`` selects columns at all (a list or an Index of
        labels, not one label or a mask)."""
        if key.elements is not None:
            labels = list(key.elements)
        elif isinstance(key.const, list):
            labels = key.const
        else:
            return None, key.value in self._indexes or self._is_list(key)
        return (labels if all(isinstance(k, str) for k in labels) else None), True

    def _is_pandas_indexer(self, val: Val) -> bool:
        owner = val.value.owner
        # (An Index is immutable: its items and slices are new objects or labels.)
        return isinstance(owner, py.GetAttrOp) and owner.attr.data in ("iloc", "loc", "iat", "at", "index", "columns")

    def _column(self, frame: Val, name: str, node: ast.AST) -> Val:
        schema = _frame_schema(frame)
        dtype = dict(schema).get(name) if schema is not None else None
        dtype = None if dtype == "?" else dtype
        op = df.ColumnOp(operands=[frame.value], properties={"column": StringAttr(name)}, result_types=[df.ColumnType.of(dtype)])
        return Val(self._append(op, node).result, COLUMN)

    def _expr_BinOp(self, node: ast.BinOp) -> Val:
        fn = lib.BINARY_OPERATORS.get(type(node.op).__name__)
        if fn is None:
            raise Unsupported("operator")
        return self._operator(fn, [node.left, node.right], node)

    def _expr_BoolOp(self, node: ast.BoolOp) -> Val:
        # Only decided at compile time: Python evaluates operands lazily, and
        # the value is an operand, not a bool.
        is_and = isinstance(node.op, ast.And)
        for i, operand in enumerate(node.values):
            val = self._as_val(self.expr(operand), operand)
            if not val.is_const:
                raise Unsupported("boolean operator on a value unknown at compile time")
            if bool(val.const) != is_and or i == len(node.values) - 1:
                return val
        raise AssertionError("unreachable")

    def _expr_Compare(self, node: ast.Compare) -> Val:
        if len(node.ops) != 1:
            raise Unsupported("chained comparison")
        if isinstance(node.ops[0], (ast.In, ast.NotIn)) and isinstance(node.comparators[0], ast.Set) and all(isinstance(e, ast.Constant) for e in node.comparators[0].elts):
            # `c not in {"date", "target"}`: a set of literals, decided for a literal.
            lhs = self._as_val(self.expr(node.left), node.left)
            if lhs.is_const and _immutable_literal(lhs.const):
                try:
                    hit = lhs.const in {e.value for e in node.comparators[0].elts}  # type: ignore[attr-defined]
                except TypeError:
                    raise Unsupported("membership test raises") from None
                return self._constant(hit == isinstance(node.ops[0], ast.In), node)
            raise Unsupported("membership test")
        if isinstance(node.ops[0], (ast.In, ast.NotIn)):
            lhs = self._as_val(self.expr(node.left), node.left)
            rhs = self._as_val(self.expr(node.comparators[0]), node.comparators[0])
            if lhs.dtype is not None and rhs.is_const and isinstance(rhs.const, (list, tuple)) and all(isinstance(c, str) for c in rhs.const):
                hits = [_dtype_equals(lhs.dtype, c) for c in rhs.const]
                if None not in hits:
                    return self._constant(any(hits) == isinstance(node.ops[0], ast.In), node)
            if lhs.is_const and _immutable_literal(lhs.const) and rhs.elements is not None:
                # `"c" in frame.columns`: the labels are known (an Index tests its labels).
                return self._constant((lhs.const in rhs.elements) == isinstance(node.ops[0], ast.In), node)
            if lhs.is_const and rhs.is_const:
                try:
                    return self._constant((lhs.const in rhs.const) == isinstance(node.ops[0], ast.In), node)
                except TypeError:
                    raise Unsupported("membership test raises") from None
            raise Unsupported("membership test")
        if isinstance(node.ops[0], (ast.Is, ast.IsNot)):
            return self._identity_test(node)
        fn = lib.COMPARE_OPERATORS.get(type(node.ops[0]).__name__)
        if fn is None:
            raise Unsupported("comparison")
        return self._operator(fn, [node.left, node.comparators[0]], node)

    def _identity_test(self, node: ast.Compare) -> Val:
        """``x is None`` / ``x is not None`` decided at compile time: a literal is
        None or not; a frame, array, estimator... never is (the default-argument
        idiom ``def f(df, fill=None): if fill is None: ...``)."""
        lhs = self._as_val(self.expr(node.left), node.left)
        rhs = self._as_val(self.expr(node.comparators[0]), node.comparators[0])
        if rhs.is_const and rhs.const is None:
            other = lhs
        elif lhs.is_const and lhs.const is None:
            other = rhs
        else:
            raise Unsupported("identity test of objects other than None")
        if other.is_const:
            is_none = other.const is None  # (a literal: None, or anything else)
        elif other.kind in _NEVER_NONE_KINDS or other.kind == CONTAINER and isinstance(other.value.owner, (py.BuildOp, py.UpdateOp)):
            is_none = False
        else:
            raise Unsupported("identity test of a value unknown at compile time")
        return self._constant(is_none == isinstance(node.ops[0], ast.Is), node)

    def _expr_UnaryOp(self, node: ast.UnaryOp) -> Val:
        fn = lib.UNARY_OPERATORS[type(node.op).__name__]
        operand = self._as_val(self.expr(node.operand), node.operand)
        if operand.is_const and isinstance(operand.const, (int, float)) and fn in ("neg", "pos"):
            return self._constant(-operand.const if fn == "neg" else +operand.const, node)
        if fn == "not" and operand.is_const and _immutable_literal(operand.const):
            # (`not` of a literal calls no user code: it is decided here.)
            return self._constant(not operand.const, node)
        if fn in lib.ELEMENTWISE_OPERATOR_FUNCTIONS and operand.kind == COLUMN:
            return self._elementwise(fn, [operand], node)
        if operand.kind not in _DATA_KINDS:
            raise Unsupported("unary operator on an unknown object")
        op = py.UnaryOp(operands=[operand.value], properties={"op": StringAttr(fn)}, result_types=[_type_of_kind(operand.kind)])
        return Val(self._append(op, node).result, operand.kind)

    def _operator(self, fn: str, nodes: list[ast.expr], node: ast.expr) -> Val:
        lhs, rhs = (self._as_val(self.expr(n), n) for n in nodes)
        if fn in ("eq", "ne") and lhs.dtype is not None and rhs.is_const and isinstance(rhs.const, str):
            # `column.dtype == "object"`, decided by pandas itself on the exact dtype.
            equal = _dtype_equals(lhs.dtype, rhs.const)
            if equal is not None:
                return self._constant(equal if fn == "eq" else not equal, node)
        if fn in ("eq", "ne") and lhs.dtype is not None and rhs.kind == TYPE and rhs.qualname in lib.TYPE_OBJECTS:
            # `column.dtype == object` (a type: numpy compares it as a dtype).
            equal = _dtype_equals(lhs.dtype, rhs.qualname)
            if equal is not None:
                return self._constant(equal if fn == "eq" else not equal, node)
        if lhs.is_const and rhs.is_const and fn in _FOLDABLE and type(lhs.const) in _FOLDABLE_TYPES and type(rhs.const) in _FOLDABLE_TYPES and _cheap_to_fold(fn, lhs.const, rhs.const):
            try:
                folded = _FOLDABLE[fn](lhs.const, rhs.const)
            except Exception:
                raise Unsupported("constant expression raises") from None  # Python raises it at run time
            if not isinstance(folded, (str, list, tuple)) or len(folded) <= 10_000:
                return self._constant(folded, node)
        kinds = {lhs.kind, rhs.kind}
        if COLUMN in kinds and kinds <= {COLUMN, SCALAR} and fn in lib.ELEMENTWISE_OPERATOR_FUNCTIONS:
            return self._elementwise(fn, [lhs, rhs], node)
        if fn == "mul" and {lhs.kind, rhs.kind} == {CONTAINER, SCALAR} and type((rhs if rhs.kind == SCALAR else lhs).const) is int:
            # `[frame] * 3`: the same objects, repeated.
            seq = lhs if lhs.kind == CONTAINER else rhs
            op = py.BinaryOp(operands=[lhs.value, rhs.value], properties={"op": StringAttr(fn)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self.state.contains[result] = self.state.contains.get(seq.value, ())
            return Val(result, CONTAINER)
        if fn == "mod" and lhs.kind == STRING and rhs.kind == CONTAINER and rhs.value in self._parts and all(
            p.kind in _ARG_KINDS or _native_origin(p) for p in self._parts[rhs.value]
        ):
            # printf-style formatting of library values (their __format__/__str__ are pure).
            op = py.BinaryOp(operands=[lhs.value, rhs.value], properties={"op": StringAttr(fn)}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, STRING)
        if kinds == {CONTAINER} and fn == "add":
            op = py.BinaryOp(operands=[lhs.value, rhs.value], properties={"op": StringAttr(fn)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self.state.contains[result] = (*self.state.contains.get(lhs.value, ()), *self.state.contains.get(rhs.value, ()))
            if self._is_list(lhs) or self._is_list(rhs):
                self._lists.add(result)  # list + list: a new list (anything else raises)
            return Val(result, CONTAINER)
        if fn in _BOOL_RESULT and (lhs.value in self._indexes) != (rhs.value in self._indexes) and (rhs if lhs.value in self._indexes else lhs).kind in (SCALAR, STRING):
            # `frame.index < cutoff`: an Index compared with a label is a boolean ndarray.
            op = py.BinaryOp(operands=[lhs.value, rhs.value], properties={"op": StringAttr(fn)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._scalar_dtypes[result] = "bool"
            return Val(result, ARRAY)
        if OBJECT in kinds and all(v.kind != OBJECT or _native_origin(v) for v in (lhs, rhs)) and kinds - {OBJECT} <= _DATA_KINDS | {STRING}:
            # Library objects (a Timestamp, a numpy scalar...): their operators are pure.
            kind = FRAME if FRAME in kinds else COLUMN if COLUMN in kinds else OBJECT
            op = py.BinaryOp(operands=[lhs.value, rhs.value], properties={"op": StringAttr(fn)}, result_types=[_type_of_kind(kind)])
            result = self._append(op, node).result
            if kind == OBJECT and (lhs.value in self._pandas_objects or rhs.value in self._pandas_objects):
                self._pandas_objects.add(result)  # frame-or-Series arithmetic: another one
            return Val(result, kind)
        if not kinds <= _DATA_KINDS | {STRING}:
            raise Unsupported("operator on an unknown object")
        if kinds <= {SCALAR}:
            kind = SCALAR
        elif kinds <= {STRING, SCALAR} and fn in ("add", "mul", "mod"):
            kind = STRING if STRING in kinds else SCALAR
        elif FRAME in kinds:
            kind = FRAME
        elif COLUMN in kinds:
            kind = COLUMN  # (a Series with an ndarray: pandas answers with a Series)
        elif ARRAY in kinds:
            kind = ARRAY
        else:
            kind = OBJECT
        op = py.BinaryOp(operands=[lhs.value, rhs.value], properties={"op": StringAttr(fn)}, result_types=[_type_of_kind(kind)])
        return Val(self._append(op, node).result, kind)

    def _dtype_of(self, val: Val) -> str | None:
        return self._scalar_dtypes.get(val.value) or _column_dtype(val)

    def _elementwise(self, fn: str, args: list[Val], node: ast.AST) -> Val:
        dtype = _elementwise_dtype(fn, [self._dtype_of(a) for a in args])
        op = df.ElementwiseOp(operands=[[a.value for a in args]], properties={"fn": StringAttr(fn)}, result_types=[df.ColumnType.of(dtype)])
        return Val(self._append(op, node).result, COLUMN)

    def _expr_JoinedStr(self, node: ast.JoinedStr) -> Val:
        pieces, conversions, specs, values = [""], [], [], []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces[-1] += part.value
                continue
            assert isinstance(part, ast.FormattedValue)
            spec = ""
            if part.format_spec is not None:
                if not all(isinstance(p, ast.Constant) for p in part.format_spec.values):  # type: ignore[attr-defined]
                    raise Unsupported("nested format spec")
                spec = "".join(p.value for p in part.format_spec.values)  # type: ignore[attr-defined]
            value = self._as_val(self.expr(part.value), part.value)
            if value.kind not in _ARG_KINDS and not _native_origin(value):
                raise Unsupported("formatting an unknown object")  # __format__ could do anything
            values.append(value.value)
            conversions.append("" if part.conversion == -1 else chr(part.conversion))
            specs.append(spec)
            pieces.append("")
        consts = [self._val_of(v) for v in values]
        if all(c.is_const and type(c.const) in (str, int, float, bool) for c in consts):
            # Formatting Python literals is deterministic: fold it.
            out = [pieces[0]]
            for c, conv, spec, piece in zip(consts, conversions, specs, pieces[1:]):
                value = {"": c.const, "r": repr(c.const), "s": str(c.const), "a": ascii(c.const)}[conv]
                out.append(format(value, spec))
                out.append(piece)
            return self._constant("".join(out), node)
        op = py.FormatOp(
            operands=[values],
            properties={"pieces": _names_attr(pieces), "conversions": _names_attr(conversions), "specs": _names_attr(specs)},
            result_types=[py.ObjectType()],
        )
        return Val(self._append(op, node).result, STRING)

    def _expr_ListComp(self, node: ast.ListComp) -> Val:
        """``[elt for target in iterable if cond]`` over a sequence known at compile time.

        The comprehension is unrolled: its conditions must be decided at
        compile time; the elements become one list (a constant when they all
        are). Its variables are its own, as in Python 3: they are bound only
        while the element is lowered.
        """
        elements = [e for (e,) in self._unrolled_comprehension(node, [node.elt])]
        if all(e.is_const for e in elements):
            return self._constant([e.const for e in elements], node)
        op = py.BuildOp(operands=[[e.value for e in elements]], properties={"kind": StringAttr("list")}, result_types=[py.ObjectType()])
        result = self._append(op, node).result
        self._parts[result] = tuple(elements)
        self.state.contains[result] = tuple(e.value for e in elements)
        self._lists.add(result)
        return Val(result, CONTAINER)

    def _expr_DictComp(self, node: ast.DictComp) -> Val:
        """``{key: value for target in iterable if cond}``, unrolled like a list
        comprehension: one dict display (a later equal key replaces the value, as
        in the comprehension)."""
        pairs = self._unrolled_comprehension(node, [node.key, node.value])
        keys, values = [k for k, _ in pairs], [v for _, v in pairs]
        if all(k.is_const and _immutable_literal(k.const) for k in keys) and all(v.is_const and _immutable_literal(v.const) for v in values):
            return self._constant(dict(zip((k.const for k in keys), (v.const for v in values))), node)
        op = py.BuildOp(operands=[[*(k.value for k in keys), *(v.value for v in values)]], properties={"kind": StringAttr("dict")}, result_types=[py.ObjectType()])
        result = self._append(op, node).result
        self._parts[result] = (*keys, *values)
        self.state.contains[result] = tuple(v.value for v in (*keys, *values))
        return Val(result, CONTAINER)

    def _unrolled_comprehension(self, node: ast.ListComp | ast.DictComp, parts: list[ast.expr]) -> list[tuple[Val, ...]]:
        """The values of ``parts`` (in order) for each item a one-generator
        comprehension keeps, its conditions decided at compile time."""
        if len(node.generators) != 1 or node.generators[0].is_async:
            raise Unsupported("nested or async comprehension")
        gen = node.generators[0]
        if any(isinstance(n, (ast.NamedExpr, ast.Yield, ast.Lambda)) for n in ast.walk(node)):
            raise Unsupported("comprehension with a walrus, yield or lambda")
        items = self._loop_items(gen.iter)
        if len(items) > _UNROLL_LIMIT:
            raise Unsupported("comprehension too long to unroll")
        targets = sorted(names_bound(ast.Assign(targets=[gen.target], value=ast.Constant(None))))
        env = self.state.env
        saved = {n: env[n] for n in targets if n in env}
        kept: list[tuple[Val, ...]] = []
        maybe_unbound = env.maybe_unbound if isinstance(env, Scope) else None
        if isinstance(env, Scope):
            env.maybe_unbound = env.maybe_unbound - set(targets)  # the comprehension's own variables
        try:
            for item in items:
                for name, val in self._bind_target(gen.target, item()).items():
                    env[name] = val
                if all(self._static_condition(cond) for cond in gen.ifs):
                    kept.append(tuple(self._as_val(self.expr(p), p) for p in parts))
        finally:
            for name in targets:
                if name in saved:
                    env[name] = saved[name]
                elif name in env:
                    del env[name]
            if isinstance(env, Scope) and maybe_unbound is not None:
                env.maybe_unbound = maybe_unbound
        return kept

    def _expr_Lambda(self, node: ast.Lambda) -> Val:
        """A lambda that computes only from its parameters, with read-only methods
        (``lambda x: x.fillna(x.median())``): a function object, made by running
        the lambda's own source, for the methods that apply it (see _applies).

        It reads no global the script binds and has no effects, so when and
        how often it runs cannot be told apart from Python."""
        functions = frozenset(n for n in free_names_read(node) if n in self.state.env and self._pure_function_name(n))
        modules = sorted(n for n in free_names_read(node) if n in self.state.env and self._pure_module_name(n) or n in functions)
        if not pure_lambda(node, self._pure_library_reference, functions) or any(n in self.state.env and n not in modules for n in free_names_read(node)):
            raise Unsupported("Lambda")
        segment = self._segment(node)
        prefix = _RESULT_NAME + "=("
        if segment is None or node.col_offset <= len(prefix):
            raise Unsupported("Lambda")
        # `__r__=(lambda ...)` at the lambda's own line and column (tracebacks
        # inside it point at the script; the parentheses keep a lambda over
        # several lines one expression), in a namespace of its own.
        text = " " * (node.col_offset - len(prefix)) + prefix + segment + ")"
        names = _names_attr([_RESULT_NAME])
        # (The modules and functions it reads are given to it: the script never rebinds those names.)
        properties: dict[str, Attribute] = {"source": StringAttr(text), "names_in": _names_attr(modules), "names_out": names, "read_only": UnitAttr(), "local_names": names}
        if isinstance(self.state.env, Scope):
            properties["function"] = StringAttr(self.state.env.function)
        op = py.ExecOp(operands=[self.state.token, [self.state.env[n].value for n in modules]], properties=properties, result_types=[py.TokenType(), [py.ObjectType()]])
        op.location = self._loc_at(node.lineno, node.col_offset)
        self.block.add_op(op)
        self.state.token = op.next
        self._pure_lambdas.add(op.outputs[0])
        return Val(op.outputs[0], CALLABLE)

    def _pure_module_name(self, name: str) -> bool:
        """A module the script imported once and never rebinds (a lambda may read it)."""
        val = self.state.env.get(name)
        return val is not None and val.kind == MODULE and val.qualname is not None and name not in self.facts.rebound and not isinstance(self.state.env, Scope)

    def _pure_function_name(self, name: str) -> bool:
        """A pure library function the script imported by name and never rebinds
        (``from scipy.stats import skew``): a lambda may call it."""
        val = self.state.env.get(name)
        return (
            val is not None and val.kind == CALLABLE and val.qualname in lib.PURE_FUNCTIONS
            and name not in self.facts.rebound and not isinstance(self.state.env, Scope)
        )

    def _pure_library_reference(self, node: ast.Attribute) -> bool:
        """``np.log``, ``pd.isna``, ``np.nan``: a pure library function or constant of such a module."""
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or not self._pure_module_name(root.id):
            return False
        qualname = self._library_function(node)
        return qualname in lib.PURE_FUNCTIONS or qualname in lib.PURE_CONSTANTS or qualname in lib.DTYPE_PREDICATES

    def _applies(self, method: str, args: list[Val]) -> bool:
        """Every argument a native one, pure lambdas included for the methods that call them."""
        return all(a.kind in _ARG_KINDS or a.value in self._pure_lambdas and method in _LAMBDA_METHODS for a in args)

    def _expr_Slice(self, node: ast.Slice) -> Val:
        parts = [self._as_val(self.expr(p), p) if p is not None else self._constant(None, node) for p in (node.lower, node.upper, node.step)]
        if any(p.kind != SCALAR for p in parts):
            raise Unsupported("slice bound of unknown type")
        op = py.BuildOp(operands=[[p.value for p in parts]], properties={"kind": StringAttr("slice")}, result_types=[py.ObjectType()])
        return Val(self._append(op, node).result, SLICE)

    def _expr_List(self, node: ast.List) -> Val:
        return self._display(node, node.elts, "list")

    def _expr_Tuple(self, node: ast.Tuple) -> Val:
        return self._display(node, node.elts, "tuple")

    def _expr_Dict(self, node: ast.Dict) -> Val:
        if any(k is None for k in node.keys):
            raise Unsupported("dict unpacking")
        return self._display(node, [*node.keys, *node.values], "dict")  # type: ignore[list-item]

    def _display(self, node: ast.expr, elts: list[ast.expr], kind: str) -> Val:
        if any(isinstance(e, ast.Starred) for e in elts):
            raise Unsupported("starred element")
        literal = _literal(node)
        if literal is not _NO_CONST:
            return self._constant(literal, node)
        vals = [self._as_val(self.expr(e), e) for e in elts]
        if all(v.is_const and _immutable_literal(v.const) for v in vals):
            # Names of constants (`("Id", TARGET)`): a literal like any other.
            consts = [v.const for v in vals]
            try:
                value = consts if kind == "list" else tuple(consts) if kind == "tuple" else dict(zip(consts[: len(consts) // 2], consts[len(consts) // 2:]))
            except TypeError:
                value = _NO_CONST  # an unhashable key: Python's TypeError, at run time
            if value is not _NO_CONST:
                return self._constant(value, node)
        op = py.BuildOp(operands=[[v.value for v in vals]], properties={"kind": StringAttr(kind)}, result_types=[py.ObjectType()])
        result = self._append(op, node).result
        self._parts[result] = tuple(vals)
        self.state.contains[result] = tuple(v.value for v in vals)
        return Val(result, CONTAINER)

    def _expr_Call(self, node: ast.Call) -> Val | Multi:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "zip" and id(node) in self._consumed_iterators and "zip" not in self.state.env:
            return self._consumed_zip(node)
        if isinstance(func, ast.Attribute) and func.attr == "pop" and isinstance(func.value, ast.Name) and len(node.args) == 1 and not node.keywords:
            popped = self._pop_column(func.value.id, node)
            if popped is not None:
                return popped
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value)
            if isinstance(receiver, Val) and receiver.kind not in (MODULE, CALLABLE):
                return self._method_call(receiver, func.attr, node)
        callee = self.expr(func)
        if isinstance(callee, Val) and callee.value in self._functions:
            return self._inline_call(self._functions[callee.value], node)
        if not isinstance(callee, (Ref, Val)) or not (callee.qualname if isinstance(callee, Val) else True):
            raise Unsupported("call of an unknown callable")
        qualname = callee.qualname
        assert qualname is not None
        if qualname == lib.READ_CSV:
            return self._read_csv(node)
        if qualname in _ITERATOR_CONSUMERS and node.args and isinstance(node.args[0], ast.Call) and isinstance(node.args[0].func, ast.Name) and node.args[0].func.id == "zip":
            self._consumed_iterators.add(id(node.args[0]))
        args, kwnames = self._call_args(node)
        if qualname in lib.NUMPY_ELEMENTWISE and not kwnames and args and any(a.kind == COLUMN for a in args):
            fn = lib.NUMPY_ELEMENTWISE[qualname]
            if fn != "where" and all(a.kind in (COLUMN, SCALAR) for a in args):
                return self._elementwise(fn, args, node)
        if qualname == lib.FACTORIZE and len(args) == 1 and not kwnames and args[0].kind == COLUMN:
            op = df.FactorizeOp(operands=[args[0].value], result_types=[[py.ObjectType(), py.ObjectType()]])
            self._append(op, node)
            return Multi(tuple(Val(r, ARRAY if i == 0 else OBJECT) for i, r in enumerate(op.results)))
        if qualname in lib.DTYPE_PREDICATES and len(args) == 1 and not kwnames:
            dtype = args[0].dtype if args[0].dtype is not None else _column_dtype(args[0]) if args[0].kind == COLUMN else None
            answer = _dtype_predicate(qualname, dtype) if dtype is not None else None
            if answer is not None:
                return self._constant(answer, node)
        if qualname in lib.SPLITTERS:
            return self._splitter(qualname, args, kwnames, node)
        if qualname in lib.MODEL_SELECTION_FUNCTIONS:
            nested = self._nested_estimators(args)
            if nested is None or not all(e.deterministic for e in nested):
                raise Unsupported("model selection over an estimator that draws from the global RNG")
            op = ml.MetricOp(
                operands=[[a.value for a in args]],
                properties={"metric": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            return Val(self._append(op, node).result, ARRAY)
        if qualname in lib.ESTIMATORS or qualname in lib.ESTIMATOR_FACTORIES:
            deterministic = lib.ESTIMATORS.get(qualname, True) or _has_constant_seed(args, kwnames)
            nested = self._nested_estimators(args)
            if nested is None:
                raise Unsupported("meta-estimator over objects of unknown type")
            deterministic = deterministic and all(e.deterministic for e in nested)
            op = ml.EstimatorOp(
                operands=[[a.value for a in args]],
                properties={"class": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
                result_types=[ml.EstimatorType()],
            )
            result = self._append(op, node).result
            if qualname in _IN_PLACE_PIPELINES:
                self._pipeline_steps[result] = self._pipeline_step_estimators(qualname, args, kwnames)
            return Val(result, ESTIMATOR, deterministic=deterministic)
        if qualname == lib.TRAIN_TEST_SPLIT:
            n_arrays = len(args) - len(kwnames)
            if not _has_constant_seed(args, kwnames) or n_arrays < 1:
                raise Unsupported("train_test_split drawing from the global RNG")
            kinds = [args[i // 2].kind if args[i // 2].kind in (FRAME, COLUMN, ARRAY) else OBJECT for i in range(2 * n_arrays)]
            op = ml.SplitOp(
                operands=[[a.value for a in args]],
                properties={"kwnames": _names_attr(kwnames)},
                result_types=[[_type_of_kind(k) for k in kinds]],
            )
            self._append(op, node)
            return Multi(tuple(Val(r, k) for r, k in zip(op.results, kinds)))
        if qualname in lib.METRICS:
            op = ml.MetricOp(
                operands=[[a.value for a in args]],
                properties={"metric": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            return Val(self._append(op, node).result, SCALAR)
        if qualname in _PATH_FUNCTIONS and all(isinstance(a.const, str) for a in args) and not kwnames:
            # Pure string functions of constant paths.
            try:
                return self._constant(_PATH_FUNCTIONS[qualname](*(a.const for a in args)), node)
            except Exception:
                raise Unsupported("path function raises") from None
        if qualname in _LGB_CALLBACKS:
            positional = args[: len(args) - len(kwnames)]
            keywords = dict(zip(kwnames, args[len(positional):]))
            name, index, default = _LGB_CALLBACKS[qualname]
            quiet = keywords.get(name, positional[index] if len(positional) > index else None)
            value = default if quiet is None else quiet.const if quiet.is_const else _NO_CONST
            # A callback that logs prints from inside the fit: only silent ones are values.
            if not (value is False or name == "period" and type(value) is int and value <= 0):
                raise Unsupported("a LightGBM callback that prints")
            if not all(a.is_const for a in args):
                raise Unsupported("LightGBM callback with non-constant arguments")
            op = py.CallOp(
                operands=[[a.value for a in args]],
                properties={"callee": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            return Val(self._append(op, node).result, OBJECT)
        if qualname in lib.PURE_FUNCTIONS:
            if any(a.kind not in _ARG_KINDS and not _native_origin(a) and not (a.value in self._pure_lambdas and qualname in _ITERATOR_CONSUMERS) for a in args):
                raise Unsupported("library call on an unknown object")
            if qualname == "builtins.dict" and not args[: len(args) - len(kwnames)] and all(a.is_const and _immutable_literal(a.const) for a in args):
                return self._constant(dict(zip(kwnames, (a.const for a in args))), node)
            if qualname in ("builtins.list", "builtins.tuple") and len(args) == 1 and not kwnames and args[0].is_const and isinstance(args[0].const, (list, tuple)) and _immutable_literal(tuple(args[0].const)):
                return self._constant(list(args[0].const) if qualname == "builtins.list" else tuple(args[0].const), node)
            if qualname == "builtins.list" and len(args) == 1 and not kwnames and args[0].kind == CONTAINER and not args[0].is_const:
                pairs = self._display_items(args[0], "dict")
                if pairs is not None and len(pairs) <= 10_000:
                    return self._constant([k for k, _ in pairs], node)  # `list(d)`: the keys of a dict display
            if qualname in ("builtins.list", "builtins.len") and len(args) == 1 and not kwnames and args[0].elements is not None:
                items = list(args[0].elements)
                return self._constant(items if qualname == "builtins.list" else len(items), node)
            kind = _call_result_kind(qualname, args)
            fresh = qualname in lib.FRESH_ARRAY_CONSTRUCTORS or qualname == "numpy.where"
            ufunc_of_frame = lib.NUMPY_ELEMENTWISE.get(qualname, "where") != "where" and not kwnames and args and args[0].kind == FRAME and all(a.kind == SCALAR for a in args[1:])
            if ufunc_of_frame:
                kind = FRAME  # `np.log1p(frame)`: a frame of the same columns
            if qualname == "pandas.concat" and args:
                parts = self.state.contains.get(args[0].value, ())
                if parts and all(isinstance(p.type, df.FrameType) for p in parts):
                    kind = FRAME
            result_type = _type_of_kind(kind)
            if qualname == "pandas.concat" and kind == FRAME:
                schema = self._concat_schema(args, kwnames)
                if schema is not None:
                    result_type = df.FrameType.of(schema)
            if qualname == "pandas.DataFrame" and len(args) == 1 and not kwnames:
                schema = self._dict_frame_schema(args[0])
                if schema is not None:
                    result_type = df.FrameType.of(schema)
            if ufunc_of_frame:
                schema = _frame_schema(args[0])
                if schema is not None:
                    result_type = df.FrameType.of([(c, "float64" if lib.NUMPY_ELEMENTWISE[qualname] in _FLOAT_RESULT and len(args) == 1 and d in ("int64", "float64") else "?") for c, d in schema])
            op = py.CallOp(
                operands=[[a.value for a in args]],
                properties={"callee": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
                result_types=[result_type],
            )
            result = self._append(op, node).result
            if qualname in ("builtins.abs", "builtins.round") and args and args[0].value in self._pandas_objects:
                self._pandas_objects.add(result)  # elementwise over a frame or a Series
            if kind == CONTAINER:
                self.state.contains[result] = tuple(a.value for a in args)
                if qualname in ("builtins.list", "builtins.sorted"):
                    self._lists.add(result)  # a new list
            if qualname == "numpy.where" and len(args) == 3 and not kwnames:
                dtype = _promoted_dtype([self._dtype_of(a) for a in args[1:]])
                if dtype is not None:
                    self._scalar_dtypes[result] = dtype  # `np.where(m, 1, 0)`: an int64 array
            return Val(result, kind, fresh=fresh and kind == ARRAY)
        raise Unsupported(f"call of {qualname}")

    def _consumed_zip(self, node: ast.Call) -> Val:
        """``zip(a, b)`` as the argument of ``dict()``, ``sorted()``, ``list()``...:
        an iterator only that call consumes. Its op is never merged with an equal
        one (each call makes an iterator of its own, used up once)."""
        args, kwnames = self._call_args(node)
        if any(a.kind not in _ARG_KINDS and not _native_origin(a) for a in args):
            raise Unsupported("zip of an unknown object")
        op = py.CallOp(
            operands=[[a.value for a in args]],
            properties={"callee": StringAttr("builtins.zip"), "kwnames": _names_attr(kwnames)},
            result_types=[py.ObjectType()],
        )
        op.attributes[_IDENTITY_ATTR] = IntAttr(next(_identities.setdefault(self.block, itertools.count())))
        result = self._append(op, node).result
        self.state.contains[result] = tuple(a.value for a in args)  # the tuples it yields hold their items
        return Val(result, OBJECT)

    def _pop_column(self, name: str, node: ast.Call) -> Val | None:
        """``frame.pop("c")``: the column, and the frame without it as the new
        version every name of the frame sees (a label it has, only once)."""
        frame = self.state.env.get(name)
        schema = _frame_schema(frame) if frame is not None and frame.kind == FRAME else None
        arg = node.args[0]
        bound = self.state.env.get(arg.id) if isinstance(arg, ast.Name) else None
        label = bound.const if bound is not None and isinstance(bound, Val) else _literal(arg)
        if schema is None or not isinstance(label, str) or [c for c, _ in schema].count(label) != 1:
            return None
        assert frame is not None
        column = self._column(frame, label, node)
        rest = df.DropOp(operands=[frame.value], properties={"columns": _names_attr([label])}, result_types=[df.FrameType.of([(c, d) for c, d in schema if c != label])])
        self._append(rest, node)
        self._rebind_version(frame, Val(rest.result, FRAME), node)  # type: ignore[arg-type]
        return column

    def _method_call(self, receiver: Val, method: str, node: ast.Call) -> Val:
        args, kwnames = self._call_args(node)
        if receiver.elements is not None and method in ("tolist", "to_list") and not args:
            return self._constant(list(receiver.elements), node)
        if receiver.elements is not None and method == "drop" and len(args) == 1 and not kwnames:
            # `frame.columns.drop([...])`: the Index without those labels.
            labels = args[0].const if isinstance(args[0].const, list) else [args[0].const] if isinstance(args[0].const, str) else None
            if labels is None or not all(label in receiver.elements for label in labels):
                raise Unsupported("Index.drop of labels not known to be there")
            op = df.MethodOp(operands=[receiver.value, [args[0].value]], properties={"method": StringAttr("drop"), "kwnames": _names_attr([])}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, OBJECT, elements=tuple(e for e in receiver.elements if e not in labels))
        if receiver.kind in (FRAME, COLUMN) and method in ("rolling", "expanding", "ewm", "groupby", "resample") and all(a.kind in _ARG_KINDS or a.value in self._indexes for a in args):
            op = df.MethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            return Val(self._append(op, node).result, WINDOW, window_of=receiver.kind)
        if receiver.kind == WINDOW and method == "apply" and receiver.window_of == FRAME and self._applies(method, args):
            # `frame.groupby(k).apply(f)`: a Series or a frame, as f's results make it.
            op = df.MethodOp(operands=[receiver.value, [a.value for a in args]], properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._pandas_objects.add(result)
            return Val(result, OBJECT)
        if receiver.kind == WINDOW and method in _WINDOW_METHODS and self._applies(method, args):
            kind = receiver.window_of or FRAME
            if method == "agg" or method == "aggregate":
                kind = FRAME if any(a.kind == CONTAINER for a in args) else kind
            if receiver.value in self._keys_as_columns and method not in _LIKE_INDEXED_WINDOW_METHODS:
                kind = FRAME
            result_type = _type_of_kind(kind)
            dtype = self._window_dtypes.get(receiver.value)
            keyed = self._key_columns.get(receiver.value)
            if keyed is not None and not args and not kwnames and dtype is not None and _group_reduction_dtype(method, dtype) is not None:
                # `groupby(k, as_index=False)[c].median()`: the keys' columns, then c.
                result_type = df.FrameType.of([*keyed[0], (keyed[1], _group_reduction_dtype(method, dtype))])  # type: ignore[list-item]
            if method == "transform" and kind == COLUMN and dtype == "float64" and len(args) == 1 and not kwnames and args[0].value in self._pure_lambdas and _fills_from_itself(node.args[0]):
                # `transform(lambda x: x.fillna(x.median()))` of a float column: float
                # (rows of NaN groups, which groupby leaves out, are NaN).
                result_type = df.ColumnType.of("float64")
            op = df.MethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[result_type],
            )
            return Val(self._append(op, node).result, kind)
        if receiver.kind == STRING and isinstance(receiver.const, str) and method in _FOLDABLE_STR_METHODS and all(a.is_const for a in args) and not kwnames:
            # str methods are pure functions of constants: decided at compile time.
            try:
                folded = getattr(receiver.const, method)(*(a.const for a in args))
            except Exception:
                raise Unsupported("string method raises") from None  # Python raises it at run time
            if not isinstance(folded, (str, list)) or len(folded) <= 10_000:
                return self._constant(folded, node)
        if receiver.kind in (SCALAR, STRING) and not method.startswith("_") and _native_origin(receiver) and all(a.kind in _ARG_KINDS for a in args):
            # Numbers, strings, timestamps: immutable, so their methods are pure
            # (`df["Date"].min().date()`, `name.upper()`).
            op = py.CallMethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            return Val(self._append(op, node).result, STRING if receiver.kind == STRING and method in _STR_TO_STR else SCALAR)
        if receiver.kind == ACCESSOR and not method.startswith("_") and all(a.kind in _ARG_KINDS for a in args):
            keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
            expand = keywords["expand"].const if "expand" in keywords else _NO_CONST
            if method in ("isocalendar", "get_dummies", "extractall") or method in ("split", "rsplit") and expand is True or method == "extract" and expand in (True, _NO_CONST):
                kind = FRAME
            elif method == "extract" or method in ("split", "rsplit") and expand is not _NO_CONST and expand is not False or method == "cat" and not args[: len(args) - len(kwnames)] and "others" not in keywords:
                kind = OBJECT  # extract(expand=False): a Series or Index; cat(): a string
            else:
                kind = COLUMN
            op = df.MethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[_type_of_kind(kind)],
            )
            return Val(self._append(op, node).result, kind)
        owner = receiver.value.owner
        if receiver.kind == OBJECT and method in ("tolist", "to_list") and not args and (receiver.value in self._indexes or isinstance(owner, py.GetAttrOp) and owner.attr.data in ("dtypes", "index", "columns") and isinstance(owner.obj.type, (df.FrameType, df.ColumnType))):
            op = py.CallMethodOp(operands=[receiver.value, []], properties={"method": StringAttr(method), "kwnames": _names_attr([])}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._lists.add(result)
            return Val(result, CONTAINER)  # a new list
        if receiver.value in self._indexes and method == "equals" and len(args) == 1 and not kwnames and (args[0].kind in _ARG_KINDS or args[0].value in self._indexes):
            op = df.MethodOp(operands=[receiver.value, [args[0].value]], properties={"method": StringAttr(method), "kwnames": _names_attr([])}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, SCALAR)  # a bool
        if receiver.value in self._indexes and method in ("min", "max") and not args:
            # One label (a number, a string, a Timestamp) or NaN/NaT.
            op = df.MethodOp(operands=[receiver.value, []], properties={"method": StringAttr(method), "kwnames": _names_attr([])}, result_types=[py.ObjectType()])
            return Val(self._append(op, node).result, SCALAR)
        if receiver.value in self._indexes and method in _INDEX_METHODS and all(a.kind in _ARG_KINDS or a.value in self._indexes for a in args):
            # `columns.drop([...])`, `.difference(...)`: new Index objects.
            op = df.MethodOp(operands=[receiver.value, [a.value for a in args]], properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)}, result_types=[py.ObjectType()])
            result = self._append(op, node).result
            self._indexes.add(result)
            return Val(result, OBJECT)
        if receiver.kind == ARRAY and method in _ARRAY_METHODS and all(a.kind in _ARG_KINDS for a in args):
            # numpy methods that return new objects (never views of the array).
            op = py.CallMethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            result = self._append(op, node).result
            if method in _ARRAY_REDUCTIONS:
                return Val(result, SCALAR if not args else OBJECT)
            return Val(result, CONTAINER if method == "tolist" else ARRAY, fresh=method != "tolist")
        if receiver.kind == SPLITTER and method == "get_n_splits" and not args and receiver.n_splits is not None:
            return self._constant(receiver.n_splits, node)
        if receiver.kind == ESTIMATOR and method == "fit_transform" and receiver.deterministic:
            if receiver.value in self._escaped_closure():
                raise Unsupported("fitting an estimator that opaque code may reference")
            op = ml.FitTransformOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"kwnames": _names_attr(kwnames)},
                result_types=[ml.EstimatorType(), py.ObjectType()],
            )
            self._append(op, node)
            self._fitted_in_place(receiver, Val(op.fitted, ESTIMATOR, deterministic=True), node)
            return Val(op.output, ARRAY)
        if receiver.kind == ESTIMATOR:
            if method == "fit" and receiver.deterministic:
                op = ml.FitOp(
                    operands=[receiver.value, [a.value for a in args]],
                    properties={"kwnames": _names_attr(kwnames)},
                    result_types=[ml.EstimatorType()],
                )
                fitted = Val(self._append(op, node).result, ESTIMATOR, deterministic=True)
                # fit() mutates the estimator and returns it: every name of the
                # estimator now refers to the fitted one.
                if receiver.value in self._escaped_closure():
                    raise Unsupported("fitting an estimator that opaque code may reference")
                self._fitted_in_place(receiver, fitted, node)
                return fitted
            if method == "get_params" and all(a.is_const for a in args):
                op = py.CallMethodOp(
                    operands=[receiver.value, [a.value for a in args]],
                    properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                    result_types=[py.ObjectType()],
                )
                return Val(self._append(op, node).result, CONTAINER)  # a new dict each call
            if method in lib.ESTIMATOR_PREDICT_METHODS:
                op = ml.PredictOp(
                    operands=[receiver.value, [a.value for a in args]],
                    properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                    result_types=[py.ObjectType()],
                )
                # Predictions are new arrays; transform may hand back its input.
                return Val(self._append(op, node).result, SCALAR if method == "score" else ARRAY, fresh=method in ("predict", "predict_proba"))
            raise Unsupported(f"estimator method {method}")
        if receiver.kind == FRAME and method in ("query", "eval") and not (args and isinstance(args[0].const, str) and "@" not in args[0].const and len(args) == 1 + len(kwnames) and not set(kwnames) & {"local_dict", "global_dict", "resolvers", "level", "target", "inplace"}):
            raise Unsupported(f"{method} of an expression that may read variables")  # (`@x` reads the caller's frame)
        if receiver.kind in (FRAME, COLUMN) and method in lib.PURE_PANDAS_METHODS:
            if "inplace" in kwnames:
                raise Unsupported("inplace=True")
            if any(a.kind not in _ARG_KINDS and not (method not in lib.METHODS_CALLING_USER_CODE and _native_origin(a)) and not (a.value in self._pure_lambdas and method in _LAMBDA_METHODS) and a.value not in self._pure_callables for a in args):
                raise Unsupported("pandas method with an argument of unknown type")
            if receiver.kind == FRAME and method == "select_dtypes":
                schema = _frame_schema(receiver)
                selected, warns = _select_dtypes_schema(schema, args, kwnames, self._static_value) if schema is not None else (None, False)
                op = df.MethodOp(
                    operands=[receiver.value, [a.value for a in args]],
                    properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                    result_types=[df.FrameType.of(selected) if selected is not None else df.FrameType.unknown()],
                )
                self._append(op, node)
                if warns:
                    # The call warns under Python: keep it, even if only its schema is used.
                    self._must_run.append(op.result)
                return Val(op.result, FRAME)
            if receiver.kind == COLUMN and method == "fillna" and len(args) == 1 and not kwnames and args[0].kind == SCALAR:
                return self._elementwise("fillna", [receiver, args[0]], node)
            if receiver.kind == FRAME and method == "drop":
                columns = _drop_columns(args, kwnames)
                if columns is not None:
                    schema = _frame_schema(receiver)
                    new = [(c, d) for c, d in schema if c not in columns] if schema is not None and all(c in dict(schema) for c in columns) else None
                    op = df.DropOp(
                        operands=[receiver.value],
                        properties={"columns": _names_attr(columns)},
                        result_types=[df.FrameType.of(new) if new is not None else df.FrameType.unknown()],
                    )
                    return Val(self._append(op, node).result, FRAME)
            result_type, kind = _method_result(receiver, method, args, kwnames)
            dtype = _column_dtype(receiver) if receiver.kind == COLUMN else None
            if method == "fillna" and dtype == "str" and len(args) == 1 and not kwnames and (isinstance(args[0].const, str) or self._scalar_dtypes.get(args[0].value) == "str"):
                result_type = df.ColumnType.of("str")  # a string fills a string column
            elif method == "astype" and dtype is not None and len(args) == 1 and not kwnames:
                target = args[0].const if isinstance(args[0].const, str) else args[0].qualname if args[0].kind == TYPE and args[0].qualname in lib.TYPE_OBJECTS else None
                cast = _astype_dtype(dtype, target) if target is not None else None
                if cast is not None:
                    result_type = df.ColumnType.of(cast)  # astype's dtype is the one asked for
            elif method == "mode" and dtype is not None and not args:
                result_type = df.ColumnType.of(dtype)  # the most frequent values themselves
            schema = _frame_schema(receiver) if receiver.kind == FRAME else None
            if schema is not None and method == "assign" and len(args) == len(kwnames):
                # New columns of the values' dtypes, where known (`assign(flag=1)`: int64).
                columns = dict(schema)
                for name, value in zip(kwnames, args):
                    columns[name] = (self._dtype_of(value) or "?") if value.kind in (COLUMN, SCALAR) or value.value in self._scalar_dtypes else "?"
                result_type = df.FrameType.of(list(columns.items()))
            if schema is not None and method == "rename" and kwnames == ["columns"] and (args[0].is_const and isinstance(args[0].const, dict) or args[0].value in self._pure_callables):
                # Labels renamed by a constant mapping (labels it does not have are
                # ignored) or a str method (`columns=str.lower`).
                if args[0].is_const:
                    mapping = args[0].const
                else:
                    function = getattr(str, args[0].qualname.rpartition(".")[2])  # type: ignore[union-attr]
                    mapping = {c: function(c) for c, _ in schema}
                renamed = [(mapping.get(c, c) if isinstance(mapping.get(c, c), str) else None, d) for c, d in schema]
                if all(c is not None for c, _ in renamed) and len({c for c, _ in renamed}) == len(renamed):
                    result_type = df.FrameType.of(renamed)  # type: ignore[arg-type]
            if schema is not None and method == "merge":
                merged = _merge_schema(schema, args, kwnames)
                if merged is not None:
                    result_type = df.FrameType.of(merged)
            if schema is not None and method in ("mean", "median") and not args and all(d in _NUMERIC_DTYPES for _, d in schema):
                result_type = df.ColumnType.of("float64")  # one float per (numeric) column
            elif schema is not None and method == "fillna" and len(args) == 1 and not kwnames and args[0].kind == CONTAINER and self._display_items(args[0], "dict") is not None:
                # `fillna({"c": value})`: only those columns change; a float fills a float column in place.
                fills = dict(self._display_items(args[0], "dict"))  # type: ignore[arg-type]
                result_type = df.FrameType.of([(c, d if c not in fills or self._fill_keeps(d, fills[c]) else "?") for c, d in schema])
            elif schema is not None and method == "fillna" and len(args) == 1 and not kwnames and args[0].is_const and isinstance(args[0].const, dict):
                result_type = df.FrameType.of([(c, d if c not in args[0].const or _fill_keeps_dtype(d, args[0].const[c]) else "?") for c, d in schema])
            elif schema is not None and method == "fillna" and len(args) == 1 and not kwnames and args[0].kind == COLUMN and _column_dtype(args[0]) == "float64":
                # Floats by column label fill float columns in place; int and
                # bool columns have nothing to fill.
                result_type = df.FrameType.of([(c, d if d in _NUMERIC_DTYPES else "?") for c, d in schema])
            op = df.MethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[result_type],
            )
            result = self._append(op, node).result
            if kind == SCALAR and dtype in ("int64", "float64") and method in ("mean", "median") and not args:
                self._scalar_dtypes[result] = "float64"  # a float (NaN when nothing is there)
            if kind == OBJECT and method in _PANDAS_RESULT_METHODS:
                self._pandas_objects.add(result)
            return Val(result, kind)
        if receiver.value in self._pandas_objects and method in lib.PURE_PANDAS_METHODS:
            # A frame or a Series (see _pandas_objects): the same pure methods.
            if "inplace" in kwnames:
                raise Unsupported("inplace=True")
            if any(a.kind not in _ARG_KINDS and not (method not in lib.METHODS_CALLING_USER_CODE and _native_origin(a)) and not (a.value in self._pure_lambdas and method in _LAMBDA_METHODS) for a in args):
                raise Unsupported("pandas method with an argument of unknown type")
            kind = {"to_numpy": ARRAY, "unique": ARRAY, "tolist": CONTAINER, "to_list": CONTAINER, "to_string": STRING}.get(method, OBJECT)
            op = df.MethodOp(
                operands=[receiver.value, [a.value for a in args]],
                properties={"method": StringAttr(method), "kwnames": _names_attr(kwnames)},
                result_types=[py.ObjectType()],
            )
            result = self._append(op, node).result
            if kind == CONTAINER:
                self._lists.add(result)  # a new list
            elif kind == OBJECT and method not in ("get", "items", "keys", "first_valid_index"):
                self._pandas_objects.add(result)
            return Val(result, kind)
        raise Unsupported(f"method {method} on {receiver.kind}")

    def _fill_keeps(self, dtype: str, value: Val) -> bool:
        """Whether filling a column of ``dtype`` with ``value`` keeps its dtype."""
        if value.is_const:
            return _fill_keeps_dtype(dtype, value.const)
        known = self._scalar_dtypes.get(value.value)
        return _fill_keeps_dtype(dtype, _NO_CONST) or dtype == "float64" and known in ("int64", "float64") or dtype == "str" and known == "str"

    def _pipeline_step_estimators(self, qualname: str, args: list[Val], kwnames: list[str]) -> list[tuple[int, Val]]:
        """The steps a pipeline's fit mutates in place: every estimator step (sklearn
        clones none of them unless ``memory`` caches)."""
        keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
        positional = args[: len(args) - len(kwnames)]
        memory = keywords.get("memory")
        if memory is not None and memory.const is not None:
            return []  # with a cache, sklearn fits clones
        if qualname == "sklearn.pipeline.make_pipeline":
            steps = list(enumerate(positional))
        else:
            steps_val = keywords.get("steps", positional[0] if positional else None)
            if steps_val is None or self._parts.get(steps_val.value) is None:
                raise Unsupported("pipeline steps of unknown structure")
            steps = []
            for i, step in enumerate(self._parts[steps_val.value]):
                pair = self._parts.get(step.value)
                if pair is None or len(pair) != 2:
                    raise Unsupported("pipeline step of unknown structure")
                steps.append((i, pair[1]))
        found = []
        for i, est in steps:
            if est.kind == ESTIMATOR:
                found.append((i, est))
            elif not (est.is_const and est.const in (None, "passthrough")):
                raise Unsupported("pipeline step of unknown type")
        return found

    def _fitted_in_place(self, old: Val, fitted: Val, node: ast.AST) -> None:
        """``est.fit(...)`` mutates ``est``: every name, container and estimator
        holding it (or, for a pipeline, one of the steps it fits in place) now
        holds the fitted object, as in Python."""
        repl: dict[SSAValue, Val] = {old.value: fitted}
        todo = [(old.value, fitted)]
        while todo:
            was, now = todo.pop()
            steps = self._pipeline_steps.get(was)
            if steps is None:
                continue
            steps_attr = self._append(py.GetAttrOp(operands=[now.value], properties={"attr": StringAttr("steps")}, result_types=[py.ObjectType()]), node).result
            new_steps = []
            for i, est in steps:
                if est.value in repl:
                    raise Unsupported("one estimator object in two places of a pipeline")
                pair = self._append(py.GetItemOp(operands=[steps_attr, self._constant(i, node).value], result_types=[py.ObjectType()]), node).result
                nested = self._append(py.GetItemOp(operands=[pair, self._constant(1, node).value], result_types=[ml.EstimatorType()]), node).result
                fitted_step = Val(nested, ESTIMATOR, deterministic=est.deterministic)
                repl[est.value] = fitted_step
                new_steps.append((i, fitted_step))
                todo.append((est.value, fitted_step))
            self._pipeline_steps[now.value] = new_steps
        # A step of a pipeline fitted earlier lives inside that fitted object,
        # which cannot be rebuilt around a newly fitted step.
        for holder, steps in self._pipeline_steps.items():
            if not isinstance(holder.owner, ml.EstimatorOp) and holder not in repl and holder not in (v.value for v in repl.values()):
                if any(est.value in repl for _, est in steps):
                    raise Unsupported("refitting a step of a fitted pipeline")
        self._mutated_in_place(repl, node)

    def _mutated_in_place(self, repl: dict[SSAValue, Val], node: ast.AST, always_bind: bool = False, by_opaque: bool = False) -> None:
        """Objects were mutated in place (``repl``: old value -> new value): every
        name, and every container or estimator built from them that a name
        holds, now refers to the new version, as Python's aliasing makes it.

        ``by_opaque``: opaque code did it, and already re-versioned whatever
        may reference it (escaped values are skipped, not refused)."""
        self.state.direct.update(repl)
        escaped = self._escaped_closure()
        memo: dict[SSAValue, Val | None] = {}

        def rebuilt(value: SSAValue) -> Val | None:
            """The value holding the fitted objects in place of the old ones (None: unchanged)."""
            if value in repl:
                return repl[value]
            if value in memo:
                return memo[value]
            memo[value] = None  # (cycles are impossible in SSA; this only memoizes)
            owner = value.owner
            result: Val | None = None
            # Containers built by displays, updates, concatenation, slicing or
            # calls like list()/sorted(), and estimators built from objects.
            derived = value in self.state.contains and isinstance(owner, (py.UpdateOp, py.BinaryOp, py.GetItemOp, py.CallOp))
            if value in self.state.contains and not derived and not isinstance(owner, (py.BuildOp, ml.EstimatorOp)):
                # A container opaque code made holds it: it cannot be rebuilt
                # around the new version (opaque code, given both, can).
                if not by_opaque and any(rebuilt(c) is not None for c in self.state.contains[value]):
                    raise Unsupported("an object mutated in place is held by a container opaque code made")
            elif isinstance(owner, (py.BuildOp, ml.EstimatorOp)) or derived:
                operands = list(owner.operands)
                copied = py.element_sources(owner) if derived else frozenset()
                # A new container of an operand's elements (`base[:]`, `list(base)`,
                # `base + more`) follows changes of those elements, but not of the
                # operand itself: `base.append(x)` leaves the copy as it was.
                new = [None if i in copied and v in repl else rebuilt(v) for i, v in enumerate(operands)]
                if any(n is not None for n in new):
                    if value in escaped:
                        if by_opaque:
                            memo[value] = None
                            return None
                        raise Unsupported("an object mutated in place is held by something opaque code may reference")
                    values = [n.value if n is not None else v for n, v in zip(new, operands)]
                    op: Operation = owner.clone()
                    op.operands = values
                    self._append(op, node)
                    new_value = op.results[0]
                    parts = self._parts.get(value)
                    if parts is not None:
                        self._parts[new_value] = tuple(n if n is not None else p for p, n in zip(parts, new))
                    if value in self.state.contains:
                        held = [rebuilt(c) for c in self.state.contains[value]]
                        self.state.contains[new_value] = tuple(h.value if h is not None else c for h, c in zip(held, self.state.contains[value]))
                    if value in self._list_values:
                        self._list_values.add(new_value)
                    if value in self._pipeline_steps:
                        self._pipeline_steps[new_value] = [(i, rebuilt(e.value) or e) for i, e in self._pipeline_steps[value]]
                    result = Val(new_value, ESTIMATOR if isinstance(owner, ml.EstimatorOp) else CONTAINER)
            memo[value] = result
            return result

        changed: dict[SSAValue, Val] = dict(repl)
        scopes = [*(c.local for c in self._callers), self.state.env]
        for scope in scopes:
            for name, v in list(scope.items()):
                if v.value in changed:
                    continue
                new_val = rebuilt(v.value)
                if new_val is not None:
                    if new_val.kind == ESTIMATOR and v.kind == ESTIMATOR:
                        new_val = Val(new_val.value, ESTIMATOR, deterministic=v.deterministic and new_val.deterministic)
                    changed[v.value] = new_val
        names: list[str] = []
        values: list[SSAValue] = []
        for was, now in changed.items():
            if was in escaped and not by_opaque:
                raise Unsupported("mutating an object that opaque code may reference")
            for name in self._replace_everywhere(was, now):
                names.append(name)
                values.append(now.value)
        if names or always_bind:
            self._bind(names, values, node)

    def _static_value(self, val: Val) -> Any:
        """The Python object ``val`` is known to be at compile time, or ``_NO_CONST``."""
        if val.is_const:
            return val.const
        if val.kind == TYPE and val.qualname is not None:
            return _resolve_type(val.qualname)
        owner = val.value.owner
        parts = self._parts.get(val.value)
        if isinstance(owner, py.BuildOp) and owner.kind.data in ("list", "tuple") and parts is not None:
            items = [self._static_value(p) for p in parts]
            if any(i is _NO_CONST for i in items):
                return _NO_CONST
            return items if owner.kind.data == "list" else tuple(items)
        return _NO_CONST

    def _splitter(self, qualname: str, args: list[Val], kwnames: list[str], node: ast.Call) -> Val:
        keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
        positional = args[: len(args) - len(kwnames)]
        shuffle = keywords.get("shuffle")
        if shuffle is not None and shuffle.const is not False and not _has_constant_seed(args, kwnames):
            raise Unsupported("a splitter shuffling with the global RNG")
        n = keywords.get("n_splits", positional[0] if positional else None)
        n_splits = lib.SPLITTERS[qualname] if n is None else n.const
        if type(n_splits) is not int or not all(a.is_const for a in args):
            raise Unsupported("splitter with non-constant arguments")
        op = ml.EstimatorOp(
            operands=[[a.value for a in args]],
            properties={"class": StringAttr(qualname), "kwnames": _names_attr(kwnames)},
            result_types=[ml.EstimatorType()],
        )
        return Val(self._append(op, node).result, SPLITTER, qualname=None, n_splits=n_splits)

    def _loop_items(self, node: ast.expr) -> list[Callable[[], Val | Multi]]:
        """What each iteration of ``for ... in node`` binds, when known at compile time."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("enumerate", "range") and node.func.id not in self.state.env:
            if node.func.id == "range":
                bounds = [self._as_val(self.expr(a), a) for a in node.args]
                if node.keywords or not all(type(b.const) is int for b in bounds):
                    raise Unsupported("range() of non-constant bounds")
                values = list(range(*(b.const for b in bounds)))
                return [lambda v=v: self._constant(v, node) for v in values]
            start_node = node.args[1] if len(node.args) == 2 else node.keywords[0].value if len(node.keywords) == 1 and node.keywords[0].arg == "start" else None
            if not (len(node.args) == 1 and not node.keywords or start_node is not None and len(node.args) + len(node.keywords) == 2):
                raise Unsupported("enumerate() with unknown arguments")
            start = 0
            if start_node is not None:
                start_val = self._as_val(self.expr(start_node), start_node)
                if type(start_val.const) is not int:
                    raise Unsupported("enumerate() with a start unknown at compile time")
                start = start_val.const
            inner = self._loop_items(node.args[0])
            return [lambda i=i, item=item: Multi((self._constant(i, node), item())) for i, item in enumerate(inner, start)]  # type: ignore[arg-type]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split":
            splitter = self._as_val(self.expr(node.func.value), node.func.value)
            if splitter.kind == SPLITTER and splitter.n_splits is not None:
                args, kwnames = self._call_args(node)
                if any(a.kind not in _ARG_KINDS for a in args):
                    raise Unsupported("splitting data of unknown type")
                folds = self._append(
                    ml.FoldsOp(operands=[splitter.value, [a.value for a in args]], properties={"kwnames": _names_attr(kwnames)}, result_types=[py.ObjectType()]),
                    node,
                ).result
                return [lambda i=i: self._fold(folds, i, node) for i in range(splitter.n_splits)]
        view = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "keys", "values") and not node.args and not node.keywords:
            view, node = node.func.attr, node.func.value
        seq = self._as_val(self.expr(node), node)
        if seq.is_const and isinstance(seq.const, dict) and all(_immutable_literal(k) for k in seq.const):
            pairs = list(seq.const.items())
            if view == "items":
                return [lambda k=k, v=v: Multi((self._constant(k, node), self._element(seq, self._constant(v, node)))) for k, v in pairs]
            return [lambda v=v: self._element(seq, self._constant(v, node)) for v in (list(seq.const.values()) if view == "values" else list(seq.const))]
        if view is None and isinstance(seq.value.owner, py.BuildOp) and seq.value.owner.kind.data == "dict":
            view = "keys"  # iterating a dict: its keys
        if view is not None:
            pairs = self._display_items(seq, "dict")
            if pairs is None:
                raise Unsupported(f"loop over {view}() of a dict unknown at compile time")
            if view == "items":
                return [lambda k=k, v=v: Multi((self._constant(k, node), self._element(seq, v))) for k, v in pairs]
            if view == "values":
                return [lambda v=v: self._element(seq, v) for _, v in pairs]
            return [lambda k=k: self._element(seq, self._constant(k, node)) for k, _ in pairs]
        items = seq.elements if seq.elements is not None else seq.const if seq.is_const and isinstance(seq.const, (list, tuple)) else None
        if items is None:
            displayed = self._display_items(seq, "list") or self._display_items(seq, "tuple")
            if displayed is not None:
                return [lambda v=v: self._element(seq, v) for v in displayed]
            raise Unsupported("loop over a non-constant sequence")
        if seq.elements is None:
            # A list the loop body may change (`cols.remove(c)`): Python's iteration would see it.
            return [lambda v=v: self._element(seq, self._constant(v, node)) for v in items]
        return [lambda v=v: self._constant(v, node) for v in items]

    def _element(self, container: Val, part: Val) -> Val:
        """An element of a display being iterated: the object as it is now, when
        the container itself has not changed since the loop began."""
        if container.value in self._escaped_closure():
            raise Unsupported("the loop body lets opaque code change the container")
        value = container.value
        while value in self.state.versions:
            if value in self.state.direct:
                raise Unsupported("the loop body changes the container")
            value = self.state.versions[value].value
        if value in self.state.direct or value in self._escaped_closure():
            raise Unsupported("the loop body changes the container")
        return self._latest(part)

    def _list_items(self, val: Val) -> tuple[Val, ...] | None:
        """The elements of a list the script built (a display, appends to one), if known."""
        if val.value in self._appended:
            return self._appended[val.value]
        if val.is_const and val.const == []:
            return ()
        owner = val.value.owner
        if isinstance(owner, py.BuildOp) and owner.kind.data == "list" and val.value in self._parts:
            return self._parts[val.value]
        return None

    def _display_items(self, seq: Val, kind: str) -> list[Any] | None:
        """The elements of a list/tuple display (dict: its (key, value) pairs), when
        iterating it cannot see the container change: nothing opaque can reach it."""
        owner = seq.value.owner
        if kind == "list" and seq.value in self._appended and seq.value not in self._escaped_closure():
            return list(self._appended[seq.value])  # `scores.append(s)` in an unrolled loop
        parts = self._parts.get(seq.value)
        if not isinstance(owner, py.BuildOp) or owner.kind.data != kind or parts is None or seq.value in self._escaped_closure():
            return None
        if kind != "dict":
            return list(parts)
        half = len(parts) // 2
        keys = parts[:half]
        if not all(k.is_const and _immutable_literal(k.const) for k in keys):
            return None
        merged: dict[Any, int] = {}
        try:
            for i, k in enumerate(keys):
                merged[k.const] = i  # as in a display: a repeated key keeps its first place, its last value
        except TypeError:
            return None
        return [(k, parts[half + i]) for k, i in merged.items()]

    def _fold(self, folds: SSAValue, i: int, node: ast.AST) -> Multi:
        pair = self._append(py.GetItemOp(operands=[folds, self._constant(i, node).value], result_types=[py.ObjectType()]), node).result
        parts = [self._append(py.GetItemOp(operands=[pair, self._constant(k, node).value], result_types=[py.ObjectType()]), node).result for k in (0, 1)]
        return Multi(tuple(Val(p, ARRAY) for p in parts))

    def _assign_target(self, target: ast.expr, value: Val | Multi, stmt: ast.stmt) -> None:
        self._assign_names(self._bind_target(target, value), stmt)

    def _bind_target(self, target: ast.expr, value: Val | Multi) -> dict[str, Val]:
        names: dict[str, Val] = {}

        def visit(t: ast.expr, v: Val | Multi) -> None:
            if isinstance(t, ast.Name):
                names[t.id] = self._as_val(v, t)
            elif isinstance(t, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in t.elts):
                for e, part in zip(t.elts, self._unpack(v, len(t.elts), t)):
                    visit(e, part)
            else:
                raise Unsupported("loop target")

        visit(target, value)
        return names

    def _nested_estimators(self, args: list[Val]) -> list[Val] | None:
        """Estimators inside the arguments (pipeline steps...); None if any part is unknown."""
        found: list[Val] = []
        todo = list(args)
        while todo:
            val = todo.pop()
            if val.kind == ESTIMATOR:
                found.append(val)
            elif val.kind == CONTAINER and val.value in self._parts:
                todo.extend(self._parts[val.value])
            elif val.kind not in _ARG_KINDS:
                return None
        return found

    def _dict_frame_schema(self, data: Val) -> list[tuple[str, str]] | None:
        """``pd.DataFrame({"a": column, ...})``: one column per key, in dict order."""
        owner = data.value.owner
        parts = self._parts.get(data.value)
        if not isinstance(owner, py.BuildOp) or owner.kind.data != "dict" or parts is None:
            return None
        half = len(parts) // 2
        columns: dict[str, str] = {}
        for key, value in zip(parts[:half], parts[half:]):
            if not isinstance(key.const, str):
                return None
            columns[key.const] = (_column_dtype(value) or "?") if value.kind == COLUMN else "?"
        return list(columns.items())

    def _concat_schema(self, args: list[Val], kwnames: list[str]) -> list[tuple[str, str]] | None:
        """``pd.concat([frames], ignore_index=..., keys=...)`` of frames stacked by rows
        (keys, names and the row labels do not change the columns)."""
        n_positional = len(args) - len(kwnames)
        keywords = dict(zip(kwnames, args[n_positional:]))
        if n_positional != 1 or not set(keywords) <= {"ignore_index", "axis", "keys", "names", "sort", "join", "verify_integrity"}:
            return None
        if "axis" in keywords and keywords["axis"].const not in (0, "index"):
            return None
        sort, join = keywords.get("sort"), keywords.get("join")
        if sort is not None and type(sort.const) is not bool or join is not None and join.const != "outer":
            return None
        parts = self.state.contains.get(args[0].value)
        if not parts:
            return None
        schemas = [p.type.schema if isinstance(p.type, df.FrameType) else None for p in parts]
        if any(sc is None for sc in schemas):
            return None
        if any([c for c, _ in sc] != [c for c, _ in schemas[0]] for sc in schemas):  # type: ignore[union-attr]
            # Different columns: their union (sorted if asked), missing values
            # NaN. pandas itself decides the columns and dtypes, on empty frames.
            return _union_concat_schema(tuple(tuple(sc) for sc in schemas), sort is not None and sort.const is True)  # type: ignore[arg-type]
        merged = []
        for i, (column, _) in enumerate(schemas[0]):  # type: ignore[index]
            dtypes = {sc[i][1] for sc in schemas}  # type: ignore[index]
            if len(dtypes) == 1:
                dtype = dtypes.pop()
            elif dtypes == {"int64", "float64"}:
                dtype = "float64"
            elif dtypes & {"object", "str"} and dtypes <= {"object", "str", "int64", "float64", "bool"}:
                dtype = "object"  # strings with anything else (all-NA columns too): object, as pandas does
            else:
                dtype = "?"
            merged.append((column, dtype))
        return merged

    def _read_csv(self, node: ast.Call) -> Val:
        if len(node.args) != 1:
            raise Unsupported("read_csv with positional options")
        # The path is often a parameter of an inlined helper (`load(path)`).
        path_val = self._as_val(self.expr(node.args[0]), node.args[0])
        if not isinstance(path_val.const, str):
            raise Unsupported("read_csv of a non-constant path")
        options: dict[str, Any] = {}
        values: list[Val] = []
        kwnames: list[str] = []
        for kw in node.keywords:
            if kw.arg is None:
                raise Unsupported("**kwargs")
            val = self._as_val(self.expr(kw.value), kw.value)
            if not val.is_const:
                raise Unsupported("read_csv with a non-constant option")
            options[kw.arg] = val.const
            values.append(val)
            kwnames.append(kw.arg)
        path = path_val.const
        file = Path(path) if Path(path).is_absolute() else self.base_dir / path
        fp = fingerprint(file)
        # A file the script itself may write is read as it is then, not as profiled now.
        prof = None if os.path.normpath(path) in self.facts.written_paths else profile_csv(file, options, fp)
        op = df.ReadCsvOp(
            operands=[[v.value for v in values]],
            properties={"path": StringAttr(path), "kwnames": _names_attr(kwnames), "fingerprint": StringAttr(fp)},
            result_types=[df.FrameType.of(prof.schema) if prof else df.FrameType.unknown()],
        )
        return Val(self._append(op, node).result, FRAME)

    def _dict_get(self, node: ast.expr) -> Val | None:
        """``key=d.get`` (``min(scores, key=scores.get)``): the bound method of a dict the
        script built, as a pure function for the call it is given to. Only as an
        argument: the call runs it at once, so no later change of ``d`` can come
        between (a name bound to it would see every later version of ``d``)."""
        if not (isinstance(node, ast.Attribute) and node.attr == "get" and isinstance(node.value, ast.Name)):
            return None  # (a name only: lowering anything else twice could run its effects twice)
        base = self.expr(node.value)
        if not isinstance(base, Val) or base.kind != CONTAINER:
            return None
        op = py.GetAttrOp(operands=[self._latest(base).value], properties={"attr": StringAttr("get")}, result_types=[py.ObjectType()])
        result = self._append(op, node).result
        self._pure_lambdas.add(result)
        return Val(result, CALLABLE)

    def _call_args(self, node: ast.Call) -> tuple[list[Val], list[str]]:
        """Positional args then keyword args (in source order), and the keyword names."""
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise Unsupported("*args")
        positional = [self._as_val(self.expr(a), a) for a in node.args]
        keywords: list[Val] = []
        names: list[str] = []
        for k in node.keywords:
            val = self._dict_get(k.value) if k.arg == "key" else None
            if val is None:
                val = self._as_val(self.expr(k.value), k.value)
            if k.arg is not None:
                keywords.append(val)
                names.append(k.arg)
                continue
            # `**params` of a dict known at compile time: its items, in order.
            pairs = self._display_items(val, "dict") if not val.is_const and val.kind == CONTAINER else None
            if pairs is not None and all(type(key) is str for key, _ in pairs):
                # A dict display (`assign(**{f"lag{k}": s.shift(k) for k in ks})`): its items as they are.
                for key, item in pairs:
                    keywords.append(self._latest(item))
                    names.append(key)
                continue
            if not (val.is_const and isinstance(val.const, dict) and all(type(key) is str for key in val.const)):
                raise Unsupported("**kwargs of a value unknown at compile time")
            for key, item in val.const.items():
                keywords.append(self._constant(item, k.value))
                names.append(key)
        if len(set(names)) != len(names):
            raise Unsupported("repeated keyword argument")  # Python's TypeError, from opaque code
        return positional + keywords, names

    def _unpack(self, result: Val | Ref | Multi, n: int, node: ast.expr) -> tuple[Val, ...]:
        if isinstance(result, Multi):
            if len(result.parts) != n:
                raise Unsupported("unpacking arity mismatch")  # Python's own ValueError, from opaque code
            return result.parts
        val = self._as_val(result, node)
        owner = val.value.owner
        if isinstance(owner, py.BuildOp) and owner.kind.data in ("tuple", "list") and len(owner.elements) == n:
            parts = self._parts.get(val.value)
            return parts if parts is not None else tuple(self._val_of(v) for v in owner.elements)
        if val.is_const and isinstance(val.const, (tuple, list)) and len(val.const) == n:
            return tuple(self._constant(c, node) for c in val.const)
        if isinstance(owner, df.MethodOp) and owner.method.data == "quantile" and val.kind == COLUMN and len(owner.args) == 1 and not owner.kwnames.data:
            # `lo, hi = s.quantile([a, b])`: one value per quantile; iterating
            # a Series yields what tolist() holds.
            q = self._val_of(owner.args[0])
            if q.is_const and isinstance(q.const, (list, tuple)) and len(q.const) == n:
                values = self._append(df.MethodOp(operands=[val.value, []], properties={"method": StringAttr("tolist"), "kwnames": _names_attr([])}, result_types=[py.ObjectType()]), node).result
                return tuple(
                    Val(self._append(py.GetItemOp(operands=[values, self._constant(i, node).value], result_types=[py.ObjectType()]), node).result, SCALAR)
                    for i in range(n)
                )
        raise Unsupported("unpacking a value of unknown length")

    def _val_of(self, value: SSAValue) -> Val:
        for v in self.state.env.values():
            if v.value is value:
                return v
        owner = value.owner
        if isinstance(owner, py.ConstantOp):
            const = decode(owner.value)
            kind = STRING if isinstance(const, str) else SCALAR if isinstance(const, (int, float, type(None))) else CONTAINER
            return Val(value, kind, const=const)
        kind = {df.FrameType: FRAME, df.ColumnType: COLUMN, ml.EstimatorType: ESTIMATOR}.get(type(value.type), OBJECT)
        return Val(value, kind)

    def _as_val(self, result: Val | Ref | Multi, node: ast.AST) -> Val:
        if isinstance(result, Val):
            return result
        if isinstance(result, Multi):
            op = py.BuildOp(operands=[[p.value for p in result.parts]], properties={"kind": StringAttr("tuple")}, result_types=[py.ObjectType()])
            value = self._append(op, node).result
            self.state.contains[value] = tuple(p.value for p in result.parts)
            self._parts[value] = result.parts
            return Val(value, CONTAINER)
        # Materialize a module attribute path as getattr ops.
        if result.qualname in lib.TYPE_OBJECTS or result.qualname in lib.WARNING_CATEGORIES:
            if result.base is None:
                module, _, attr = result.qualname.rpartition(".")
                return Val(self._import(module, attr, node).result, TYPE, qualname=result.qualname)
            value = result.base.value
            for attr in result.path:
                value = self._append(py.GetAttrOp(operands=[value], properties={"attr": StringAttr(attr)}, result_types=[py.ObjectType()]), node).result
            return Val(value, TYPE, qualname=result.qualname)
        if result.qualname in _PURE_STR_METHODS and result.base is None:
            # `rename(columns=str.lower)`, `map(str.strip)`: pure functions of strings.
            value = self._import("builtins", "str", node).result
            value = self._append(py.GetAttrOp(operands=[value], properties={"attr": StringAttr(result.path[-1])}, result_types=[py.ObjectType()]), node).result
            self._pure_callables.add(value)
            return Val(value, CALLABLE, qualname=result.qualname)
        if result.base is None:
            raise Unsupported("builtin used as a value")
        if result.qualname in lib.PURE_CONSTANTS:
            value = result.base.value
            for attr in result.path:
                value = self._append(py.GetAttrOp(operands=[value], properties={"attr": StringAttr(attr)}, result_types=[py.ObjectType()]), node).result
            return Val(value, SCALAR)
        raise Unsupported("library object used as a value")

    # -- plumbing -------------------------------------------------------------

    def _append(self, op: Operation, node: ast.AST | None) -> Any:
        if node is not None and hasattr(node, "lineno"):
            op.location = self._loc_at(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        self.block.add_op(op)
        return op

    def _loc_at(self, line: int, col: int) -> Attribute:
        position = py.location(self._filename_attr, line, col + 1)
        if not self._call_sites:
            return position
        called_from, function = self._call_sites[-1]
        # One location per position and call site (building one costs more than
        # the op): keyed by identity, the entry keeps its parts alive.
        key = (function, id(position), id(called_from))
        cached = self._call_locs.get(key)
        if cached is None or cached[1] is not position or cached[2] is not called_from:
            cached = self._call_locs[key] = (CallSiteLoc(NameLoc(StringAttr(function), position), called_from), position, called_from)
        return cached[0]


def _type_of_kind(kind: str) -> Attribute:
    if kind == FRAME:
        return df.FrameType.unknown()
    if kind == COLUMN:
        return df.ColumnType.of(None)
    if kind == ESTIMATOR:
        return ml.EstimatorType()
    return py.ObjectType()


def _opaque_type(prev: Val) -> Attribute:
    return _type_of_kind(prev.kind)


def _kind_of_object(obj: Any) -> tuple[str, Attribute]:
    """The static kind of a sample argument (only exact, well-known types)."""
    if obj is _NO_CONST:
        return OBJECT, py.ObjectType()
    module = type(obj).__module__
    name = type(obj).__name__
    if module.startswith("pandas") and name == "DataFrame":
        if obj.columns.is_unique and all(isinstance(c, str) for c in obj.columns):
            return FRAME, df.FrameType.of([(c, str(d)) for c, d in obj.dtypes.items()])
        return FRAME, df.FrameType.unknown()
    if module.startswith("pandas") and name == "Series":
        return COLUMN, df.ColumnType.of(str(obj.dtype))
    if module == "numpy" and name == "ndarray":
        return ARRAY, py.ObjectType()
    if type(obj) in (int, float, bool) or obj is None:
        return SCALAR, py.ObjectType()
    if type(obj) is str:
        return STRING, py.ObjectType()
    return OBJECT, py.ObjectType()


def argument_signature(obj: Any) -> tuple[Any, ...]:
    """What a compiled version assumed about an argument (see ``bind_arguments``)."""
    kind, result_type = _kind_of_object(obj)
    return (type(obj), kind, str(result_type))


def _names_attr(names: Sequence[str]) -> ArrayAttr[StringAttr]:
    return ArrayAttr(StringAttr(n) for n in names)


def _stored_column(stmts: list[ast.stmt]) -> tuple[str, str] | None:
    """(frame name, column) of a statement that only stores one column:
    ``name["c"] = ...`` or ``name.loc[rows, "c"] = ...``. What is stored is
    checked by the caller (the statement only mutates ``name``)."""
    if len(stmts) != 1 or not isinstance(stmts[0], ast.Assign) or len(stmts[0].targets) != 1 or store_roots(stmts) is None:
        return None
    target = stmts[0].targets[0]
    match target:
        case ast.Subscript(value=ast.Name(id=name), slice=ast.Constant(value=str() as column)):
            return name, column
        case ast.Subscript(value=ast.Attribute(value=ast.Name(id=name), attr="loc"), slice=ast.Tuple(elts=[_, ast.Constant(value=str() as column)])):
            return name, column
    return None


def _merge_schema(left: list[tuple[str, str]], args: list[Val], kwnames: list[str]) -> list[tuple[str, str]] | None:
    """``left.merge(right, on=keys, how="left"|"inner")`` of frames with known,
    unique columns: left's columns, then right's other ones (``_x``/``_y`` on
    names in both). Inner joins keep every dtype; a left join keeps left's and
    those of right's columns that hold NaN as they are (unmatched rows)."""
    keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
    positional = args[: len(args) - len(kwnames)]
    if len(positional) != 1 or not set(keywords) <= {"on", "how"} or "on" not in keywords:
        return None
    right = _frame_schema(positional[0]) if positional[0].kind == FRAME else None
    on = keywords["on"].const
    keys = [on] if isinstance(on, str) else on if isinstance(on, list) and all(isinstance(k, str) for k in on) else None
    how = keywords["how"].const if "how" in keywords else "inner"
    if right is None or keys is None or how not in ("left", "inner"):
        return None
    lcols, rcols = dict(left), dict(right)
    if len(lcols) != len(left) or len(rcols) != len(right) or not all(k in lcols and k in rcols for k in keys):
        return None
    both = (set(lcols) & set(rcols)) - set(keys)
    out: list[tuple[str, str]] = []
    for c, d in left:
        if c in keys and d != rcols[c]:
            d = "?"
        out.append((f"{c}_x" if c in both else c, d))
    for c, d in right:
        if c not in keys:
            out.append((f"{c}_y" if c in both else c, d if how == "inner" or d in ("float64", "object", "str") else "?"))
    if len({c for c, _ in out}) != len(out):
        return None  # pandas refuses duplicate result columns
    return out


def _group_reduction_dtype(method: str, dtype: str) -> str | None:
    """The dtype of ``groupby(...)[c].<method>()`` for a column c of ``dtype`` (None: not known here)."""
    if dtype not in ("int64", "float64"):
        return None
    if method in ("mean", "median", "std", "var"):
        return "float64"
    if method in ("count", "nunique"):
        return "int64"
    if method in ("sum", "min", "max", "first", "last"):
        return dtype if method in ("sum", "min", "max") or dtype == "float64" else None
    return None


def _is_container(value: SSAValue, contains: dict[SSAValue, tuple[SSAValue, ...]]) -> bool:
    """A list, dict or other holder the frontend tracks (cheap: no scan of the names)."""
    owner = value.owner
    return value in contains or isinstance(owner, py.ConstantOp) and isinstance(decode(owner.value), (list, dict))


# Functions of numpy's global RNG that mutate none of their arguments
# (``shuffle`` does; ``seed`` and ``set_state`` are effects of their own).
_GLOBAL_RNG_DRAWS = frozenset(
    f"numpy.random.{fn}" for fn in (
        "permutation", "rand", "randn", "randint", "random", "random_sample", "ranf", "sample",
        "choice", "normal", "uniform", "standard_normal", "binomial", "poisson", "exponential",
        "beta", "gamma", "lognormal", "laplace", "random_integers",
    )
)
# Methods that give a frame with their receiver's index (labels and levels).
_INDEX_KEEPING_METHODS = frozenset({"fillna", "astype", "replace", "clip", "round", "abs", "copy", "where", "mask", "ffill", "bfill"})


def _concat_keys(frame: SSAValue) -> frozenset[str]:
    """The outer index labels of a frame made by ``pd.concat(frames, keys=[...])``
    and then only changed column by column; empty when unknown."""
    value = frame
    for _ in range(256):
        owner = value.owner
        if isinstance(owner, (df.DropOp, df.SelectOp, df.AssignColumnOp)):
            value = owner.frame
        elif isinstance(owner, df.MethodOp) and owner.method.data in _INDEX_KEEPING_METHODS and not any(n.data in ("axis", "inplace") for n in owner.kwnames.data):
            value = owner.receiver
        elif isinstance(owner, py.UpdateOp) and owner.kind.data == "setitem" and isinstance(owner.target.type, df.FrameType):
            value = owner.target  # `frame[labels] = value`: columns stored, rows kept
        elif isinstance(owner, py.CallOp) and owner.callee.data == "pandas.concat":
            kwnames = [n.data for n in owner.kwnames.data]
            keywords = dict(zip(kwnames, list(owner.operands)[len(owner.operands) - len(kwnames):]))
            keys = keywords.get("keys")
            if set(kwnames) - {"keys", "sort"} or len(owner.operands) - len(kwnames) != 1 or keys is None or not isinstance(keys.owner, py.ConstantOp):
                return frozenset()
            labels = decode(keys.owner.value)
            return frozenset(labels) if isinstance(labels, (list, tuple)) and all(isinstance(k, str) for k in labels) else frozenset()
        else:
            return frozenset()
    return frozenset()


# Library functions that train and return a Booster (whose predict gives a new ndarray).
_BOOSTER_TRAINERS = frozenset({"lightgbm.train", "xgboost.train"})
# Where numpy's samplers take ``size`` positionally (``randint(low, high, size)``).
_SIZE_POSITION = {
    "random": 0, "random_sample": 0, "ranf": 0, "sample": 0, "standard_normal": 0,
    "randint": 2, "choice": 1, "normal": 2, "uniform": 2, "binomial": 2, "poisson": 1,
    "exponential": 1, "beta": 2, "gamma": 2, "lognormal": 2, "laplace": 2,
}


def _is_size(node: ast.expr) -> bool:
    """A ``size`` that is never None: an int literal, a tuple display, or ``len(...)``."""
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.Tuple):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def _list_made(stmts: list[ast.stmt]) -> str | None:
    """The name ``name = [...]`` / ``name = [... for ...]`` binds to a new list."""
    if len(stmts) == 1 and isinstance(stmts[0], ast.Assign) and len(stmts[0].targets) == 1 and isinstance(stmts[0].targets[0], ast.Name):
        if isinstance(stmts[0].value, (ast.ListComp, ast.List)):
            return stmts[0].targets[0].id
    return None


def _dropped_in_place(stmts: list[ast.stmt]) -> tuple[str, list[str]] | None:
    """(frame name, columns) of ``name.drop(columns, inplace=True)`` with literal columns."""
    if len(stmts) != 1:
        return None
    match stmts[0]:
        case ast.Expr(value=ast.Call(func=ast.Attribute(value=ast.Name(id=name), attr="drop"), args=args, keywords=keywords)):
            pass
        case _:
            return None
    kw = {k.arg: k.value for k in keywords}
    inplace = kw.pop("inplace", None)
    if None in kw or not (isinstance(inplace, ast.Constant) and inplace.value is True):
        return None
    if not args and set(kw) == {"columns"}:
        target = kw["columns"]
    elif len(args) == 1 and set(kw) == {"axis"} and isinstance(kw["axis"], ast.Constant) and kw["axis"].value in (1, "columns"):
        target = args[0]
    else:
        return None
    try:
        columns = ast.literal_eval(target)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    columns = [columns] if isinstance(columns, str) else columns
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        return None
    return name, columns


def _promoted_dtype(dtypes: list[str | None]) -> str | None:
    """numpy's result dtype for numbers of these dtypes (Python numbers: see _column_dtype)."""
    if any(d not in ("int64", "float64", "bool") for d in dtypes):
        return None
    return "float64" if "float64" in dtypes else "int64" if "int64" in dtypes else "bool"


def _is_int(value: SSAValue, depth: int = 0) -> bool:
    """A Python int for certain: a literal, ``len()``, ``int()``, an item of a
    shape, or integer arithmetic of those (``int(len(df) * 0.8)``)."""
    owner = value.owner
    if isinstance(owner, py.ConstantOp):
        return type(decode(owner.value)) is int
    if isinstance(owner, py.CallOp):
        return owner.callee.data in ("builtins.len", "builtins.int")
    if isinstance(owner, py.GetItemOp):
        shape = owner.operands[0].owner
        return isinstance(shape, py.GetAttrOp) and shape.attr.data == "shape" and _is_int(owner.operands[1], depth + 1)
    if isinstance(owner, py.BinaryOp) and depth < 8:
        return owner.op.data in ("add", "sub", "mul", "floordiv", "mod") and all(_is_int(v, depth + 1) for v in owner.operands)
    if isinstance(owner, py.UnaryOp) and depth < 8:
        return owner.op.data in ("neg", "pos") and _is_int(owner.operands[0], depth + 1)
    return False


def _inplace_keyword(node: ast.Call) -> Any:
    """The constant ``inplace=`` argument of a call (``_NO_CONST`` if absent or not a literal)."""
    for k in node.keywords:
        if k.arg == "inplace":
            return k.value.value if isinstance(k.value, ast.Constant) else _NO_CONST
    return _NO_CONST


def _drops_rows(args: list[Val], kwnames: list[str]) -> bool:
    """``frame.drop(labels)`` / ``drop(index=...)`` / ``drop(labels, axis=0)``: rows go, the columns stay."""
    keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
    positional = args[: len(args) - len(kwnames)]
    if not set(keywords) <= {"axis", "index", "errors"} or len(positional) + ("index" in keywords) != 1:
        return False
    axis = keywords.get("axis")
    return axis is None or axis.is_const and axis.const in (0, "index", "rows") and "index" not in keywords


def _fills_from_itself(node: ast.expr) -> bool:
    """``lambda x: x.fillna(x.<reduction>())``: a float Series stays float."""
    if not (isinstance(node, ast.Lambda) and len(node.args.args) == 1 and not node.args.defaults):
        return False
    param = node.args.args[0].arg
    match node.body:
        case ast.Call(func=ast.Attribute(value=ast.Name(id=p), attr="fillna"), args=[ast.Call(func=ast.Attribute(value=ast.Name(id=q), attr=reduction), args=[], keywords=[])], keywords=[]):
            return p == q == param and reduction in ("median", "mean", "min", "max")
    return False


def _immutable_literal(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_immutable_literal(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_CONST
    try:
        encode(value)
    except NotALiteral:
        return _NO_CONST
    return value


_FOLDABLE = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}
_FOLDABLE_TYPES = (int, float, bool, str, list, tuple)


def _cheap_to_fold(fn: str, lhs: Any, rhs: Any) -> bool:
    """Folding must not build something huge at compile time (`10 ** 10**9`, `"a" * 10**9`)."""
    if fn == "pow":
        return isinstance(rhs, float) or abs(rhs) <= 64 and abs(lhs) < 2**64 if not isinstance(lhs, (str, list, tuple)) else False
    if fn == "mul":
        counts = [v for v in (lhs, rhs) if isinstance(v, int)]
        sized = [v for v in (lhs, rhs) if isinstance(v, (str, list, tuple))]
        return not sized or all(abs(c) <= 10_000 for c in counts)
    return True


def _fill_keeps_dtype(dtype: str, value: Any) -> bool:
    if dtype in ("int64", "bool"):
        return True  # never missing: fillna changes nothing
    if value is _NO_CONST:
        return False
    if dtype == "object":
        return True
    if dtype == "float64":
        return type(value) in (int, float)
    if dtype == "str":
        return type(value) is str
    return False


def _native_origin(val: Val) -> bool:
    """Whether a value was computed by a library op (not by opaque code or a caller).

    Such objects are pandas/numpy/sklearn/builtin results, whose dunder
    methods (``__len__``, ``__format__``...) have no side effects.
    """
    return not isinstance(val.value.owner, (py.ExecOp, py.ArgOp)) and not isinstance(val.value, BlockArgument)


@functools.lru_cache(maxsize=1024)
def _astype_dtype(dtype: str, target: str) -> str | None:
    """The dtype of ``column.astype(target)``, by pandas on an empty column of ``dtype``."""
    if dtype == "?":
        return None
    import warnings

    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resolved = _resolve_type(target) if target in lib.TYPE_OBJECTS else target
            return str(pd.Series(dtype=dtype).astype(resolved).dtype)
    except Exception:
        return None


@functools.lru_cache(maxsize=1024)
def _dtype_predicate(qualname: str, dtype: str) -> bool | None:
    """A ``pandas.api.types.is_*_dtype`` predicate, by pandas on an empty column of ``dtype``."""
    if dtype == "?":
        return None
    import warnings

    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(_resolve_type(qualname)(pd.Series(dtype=dtype)))
    except (TypeError, ValueError, AttributeError):
        return None


@functools.lru_cache(maxsize=1024)
def _dtype_equals(dtype: str, other: str) -> bool | None:
    """``pandas_dtype(dtype) == other`` as pandas decides it, or None if unknown."""
    if dtype == "?":
        return None
    import pandas as pd

    try:
        return bool(pd.api.types.pandas_dtype(dtype) == (_resolve_type(other) if other in lib.TYPE_OBJECTS else other))
    except TypeError:
        return None


def _select_dtypes_schema(schema: list[tuple[str, str]], args: list[Val], kwnames: list[str], static_value: Callable[[Val], Any]) -> tuple[list[tuple[str, str]] | None, bool]:
    """The columns ``select_dtypes`` keeps, computed by pandas on an empty frame of the
    schema, and whether the call warns (then it must really run, where Python runs it)."""
    if any(d == "?" for _, d in schema) or len(args) - len(kwnames) > 2:
        return None, False
    options: dict[str, Any] = {}
    names = ["include", "exclude"][: len(args) - len(kwnames)] + kwnames  # (positional: include, exclude)
    for name, arg in zip(names, args):
        value = static_value(arg)
        if value is _NO_CONST:
            return None, False
        options[name] = value
    try:
        key = repr(sorted(options.items()))
    except TypeError:
        return None, False
    kept, warns = _selected_columns(tuple(schema), key, options)
    if kept is None:
        return None, warns
    types = dict(schema)
    return [(c, types[c]) for c in kept], warns


@functools.lru_cache(maxsize=256)
def _empty_frame(schema: tuple[tuple[str, str], ...]) -> Any:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in schema})


_SELECTED: dict[tuple[tuple[tuple[str, str], ...], str], tuple[tuple[str, ...] | None, bool]] = {}


def _selected_columns(schema: tuple[tuple[str, str], ...], key: str, options: dict[str, Any]) -> tuple[tuple[str, ...] | None, bool]:
    """The kept columns, and whether pandas warns on this call (memoized; options may be unhashable)."""
    if (schema, key) in _SELECTED:
        return _SELECTED[schema, key]
    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kept: tuple[str, ...] | None = tuple(str(c) for c in _empty_frame(schema).select_dtypes(**options).columns)
    except (TypeError, ValueError):
        kept, caught = None, []  # pandas raises at run time, from the real call
    _SELECTED[schema, key] = (kept, bool(caught))
    return _SELECTED[schema, key]


@functools.lru_cache(maxsize=256)
def _union_concat_schema(schemas: tuple[tuple[tuple[str, str], ...], ...], sort: bool) -> list[tuple[str, str]] | None:
    """The columns of ``pd.concat`` of frames of ``schemas`` with different columns (outer join)."""
    if any(d == "?" for sc in schemas for _, d in sc) or any(len({c for c, _ in sc}) != len(sc) for sc in schemas):
        return None
    import warnings

    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = pd.concat([_empty_frame(sc) for sc in schemas], sort=sort)
    except Exception:
        return None
    return [(str(c), str(d)) for c, d in out.dtypes.items()]


def _resolve_type(qualname: str) -> Any:
    import importlib

    module, _, attr = qualname.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _frame_schema(val: Val) -> list[tuple[str, str]] | None:
    t = val.value.type
    return t.schema if isinstance(t, df.FrameType) else None


def _column_dtype(val: Val) -> str | None:
    t = val.value.type
    if isinstance(t, df.ColumnType):
        return None if t.dtype_name == "?" else t.dtype_name
    if val.is_const:
        return {bool: "bool", int: "int64", float: "float64"}.get(type(val.const))
    return None


# Series methods that give floats for floats (with integer arguments: periods, decimals).
_FLOAT_STAYS_FLOAT = frozenset({"shift", "diff", "pct_change", "round", "abs", "cumsum", "cumprod", "cummax", "cummin", "ffill", "bfill"})
_FLOAT_RESULT = {"truediv", "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "arctan"}
_BOOL_RESULT = {"eq", "ne", "lt", "le", "gt", "ge"}


def _elementwise_dtype(fn: str, dtypes: list[str | None]) -> str | None:  # noqa: PLR0911
    """The result dtype for the common numeric cases; None when unsure."""
    if fn in _BOOL_RESULT:
        return "bool"
    if fn in ("and", "or", "xor", "invert") and all(d == "bool" for d in dtypes):
        return "bool"
    if fn == "fillna":
        if dtypes[0] in ("int64", "bool"):
            return dtypes[0]  # never missing: fillna changes nothing
        # A number fills a float column in place; anything else upcasts it.
        return "float64" if dtypes[0] == "float64" and len(dtypes) > 1 and dtypes[1] in ("int64", "float64") else None
    if any(d is None for d in dtypes) or not all(d in ("int64", "float64", "bool") for d in dtypes):
        return None
    if fn in _FLOAT_RESULT:
        return "float64"
    if fn in ("add", "sub", "mul", "abs", "neg", "minimum", "maximum", "square"):
        if "float64" in dtypes:
            return "float64"
        if all(d == "int64" for d in dtypes):
            return "int64"
    return None


def _has_constant_seed(args: list[Val], kwnames: list[str]) -> bool:
    keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
    seed = keywords.get("random_state")
    if seed is not None and seed.is_const and isinstance(seed.const, int) and not isinstance(seed.const, bool):
        return True
    shuffle = keywords.get("shuffle")
    return shuffle is not None and shuffle.const is False


def _drop_columns(args: list[Val], kwnames: list[str]) -> list[str] | None:
    """Columns of ``drop(columns=...)`` / ``drop(labels, axis=1)``, when constant."""
    keywords = dict(zip(kwnames, args[len(args) - len(kwnames):]))
    positional = args[: len(args) - len(kwnames)]
    if set(keywords) == {"columns"} and not positional:
        target = keywords["columns"]
    elif len(positional) == 1 and set(keywords) == {"axis"} and keywords["axis"].const in (1, "columns"):
        target = positional[0]
    else:
        return None
    if isinstance(target.const, str):
        return [target.const]
    if isinstance(target.const, list) and all(isinstance(c, str) for c in target.const):
        return list(target.const)
    return None


_SCALAR_METHODS = {"median", "mean", "sum", "std", "var", "min", "max", "count", "nunique", "skew", "kurt", "prod", "sem", "idxmax", "idxmin"}
_SAME_KIND_METHODS = {
    "fillna", "dropna", "astype", "copy", "head", "tail", "rename", "replace", "sort_values",
    "sort_index", "clip", "round", "abs", "shift", "diff", "pct_change", "cumsum", "cumprod",
    "drop", "drop_duplicates", "sample", "ffill", "bfill", "interpolate", "where", "mask",
    "isna", "isnull", "notna", "notnull", "rank", "log1p", "cummax", "cummin", "reset_index",
    "reindex", "asfreq",
}


def _method_result(receiver: Val, method: str, args: list[Val], kwnames: list[str]) -> tuple[Attribute, str]:
    if receiver.kind == FRAME and method == "query":
        return receiver.value.type, FRAME  # some rows, the same columns
    if receiver.kind in (FRAME, COLUMN) and method in ("add_prefix", "add_suffix"):
        return _type_of_kind(receiver.kind), receiver.kind
    if receiver.kind == COLUMN and method in ("to_frame", "unstack"):
        return df.FrameType.unknown(), FRAME  # (unstack: of a Series with a MultiIndex, else a ValueError)
    if receiver.kind == COLUMN and method == "reset_index" and kwnames == ["drop"] and len(args) == 1 and args[0].const is True:
        return df.ColumnType.of(_column_dtype(receiver)), COLUMN  # new labels, the same values
    if receiver.kind == FRAME and method == "assign" and len(args) == len(kwnames):
        # New (or replaced) columns at the end, in order, of dtypes unknown here.
        schema = _frame_schema(receiver)
        if schema is None:
            return df.FrameType.unknown(), FRAME
        columns = dict(schema)
        for name in kwnames:
            columns[name] = "?"
        return df.FrameType.of(list(columns.items())), FRAME
    if method in _SAME_KIND_METHODS and not (method == "reset_index" and receiver.kind == COLUMN):
        if receiver.kind == FRAME:
            keeps_schema = method in ("copy", "head", "tail", "sort_values", "sort_index", "sample", "dropna", "drop_duplicates") or method == "drop" and _drops_rows(args, kwnames)
            if method == "reset_index" and len(args) == 1 and args[0].const is True and kwnames == ["drop"]:
                keeps_schema = True  # new row labels, the same columns
            axis = dict(zip(kwnames, args[len(args) - len(kwnames):])).get("axis")
            if axis is not None and not (axis.is_const and axis.const in (0, "index", "rows")):
                keeps_schema = False  # (`dropna(axis=1)` drops columns)
            t = receiver.value.type if keeps_schema else df.FrameType.unknown()
            schema = _frame_schema(receiver)
            if method == "asfreq" and schema is not None:
                # New rows (of missing values where a date had none): the same columns, dtypes may widen.
                t = df.FrameType.of([(c, "?") for c, _ in schema])
            if method == "fillna" and schema is not None:
                # The columns stay; a dtype stays where the value fits it.
                value = args[0].const if len(args) == 1 and args[0].is_const else _NO_CONST
                t = df.FrameType.of([(c, d if _fill_keeps_dtype(d, value) else "?") for c, d in schema])
            return t, FRAME
        # Only row selections keep a column's dtype for certain (shift, clip
        # and friends may introduce NaN or floats).
        dtype = receiver.value.type.dtype_name if method in ("copy", "head", "tail", "sort_values", "sort_index", "dropna", "sample", "drop_duplicates") else None  # type: ignore[union-attr]
        if dtype is None and method in _FLOAT_STAYS_FLOAT and _column_dtype(receiver) == "float64" and not kwnames and all(type(a.const) is int for a in args):
            dtype = "float64"  # (NaN where a shift or a difference has no value: still floats)
        return df.ColumnType.of(dtype), COLUMN
    if method == "quantile":
        q = args[0] if len(args) > len(kwnames) else dict(zip(kwnames, args[len(args) - len(kwnames):])).get("q")
        scalar_q = q is None or q.is_const and type(q.const) in (int, float)
        listed_q = q is not None and q.is_const and isinstance(q.const, (list, tuple))
        if receiver.kind == COLUMN and (scalar_q or listed_q):
            return (py.ObjectType(), SCALAR) if scalar_q else (df.ColumnType.of("float64" if _column_dtype(receiver) in ("int64", "float64") else None), COLUMN)
        if receiver.kind == FRAME and (scalar_q or listed_q):
            return (df.ColumnType.of(None), COLUMN) if scalar_q else (df.FrameType.unknown(), FRAME)
        return py.ObjectType(), OBJECT
    if receiver.kind == FRAME and method == "set_index":
        schema = _frame_schema(receiver)
        if schema is not None and len(args) == 1 and not kwnames and isinstance(args[0].const, str) and args[0].const in dict(schema):
            return df.FrameType.of([(c, d) for c, d in schema if c != args[0].const]), FRAME
        return df.FrameType.unknown(), FRAME
    if receiver.kind == FRAME and method in ("merge", "join", "pivot_table", "melt", "explode", "nlargest", "nsmallest"):
        return df.FrameType.unknown(), FRAME
    if receiver.kind == COLUMN and method in ("nlargest", "nsmallest"):
        return df.ColumnType.of(_column_dtype(receiver)), COLUMN
    if receiver.kind == FRAME and method in _SCALAR_METHODS:
        return df.ColumnType.of(None), COLUMN  # one result per column
    if receiver.kind == FRAME and method in ("mode", "quantile", "isin", "describe", "corr"):
        return df.FrameType.unknown(), FRAME
    if receiver.kind == COLUMN and method in _SCALAR_METHODS:
        return py.ObjectType(), SCALAR
    if receiver.kind == COLUMN and method in ("mode", "value_counts", "isin", "map", "apply"):
        return df.ColumnType.of(None), COLUMN
    if method in ("to_numpy", "unique"):
        return py.ObjectType(), ARRAY
    if method in ("tolist", "to_list"):
        return py.ObjectType(), CONTAINER  # a new list
    return py.ObjectType(), OBJECT


def _call_result_kind(qualname: str, args: list[Val]) -> str:
    if qualname in ("numpy.argmax", "numpy.argmin") and len(args) == 1:
        return SCALAR
    if qualname == "pandas.Categorical":
        return ARRAY  # an array of values (never a view of its argument's)
    if qualname in ("pandas.DataFrame", "pandas.concat", "pandas.get_dummies", "pandas.merge", "pandas.crosstab"):
        return FRAME if qualname != "pandas.concat" else OBJECT  # concat: decided from its parts
    if qualname in ("pandas.Series",):
        return COLUMN
    if qualname in ("pandas.to_datetime", "pandas.to_numeric", "pandas.isna", "pandas.isnull", "pandas.notna", "pandas.cut", "pandas.qcut") and args:
        # Elementwise over a Series or frame: the same kind back.
        return args[0].kind if args[0].kind in (COLUMN, FRAME) else OBJECT
    if qualname in ("builtins.abs", "builtins.round") and args and args[0].kind in (COLUMN, FRAME, ARRAY):
        return args[0].kind  # elementwise: `abs(skew) > 0.75`
    if qualname in ("builtins.abs", "builtins.round") and args and args[0].kind != SCALAR:
        return OBJECT  # of a frame-or-Series, a numpy scalar...: whatever its __abs__/__round__ gives
    if qualname in ("builtins.len", "builtins.int", "builtins.float", "builtins.bool", "builtins.round", "builtins.abs", "builtins.isinstance"):
        return SCALAR
    if qualname in ("builtins.str", "builtins.repr"):
        return STRING
    if qualname in ("builtins.list", "builtins.tuple", "builtins.dict", "builtins.sorted"):
        return CONTAINER
    if qualname == "numpy.where":
        return ARRAY if len(args) == 3 else OBJECT  # a new ndarray (one argument: a tuple of them)
    if qualname.startswith("numpy.") and qualname in lib.NUMPY_ELEMENTWISE:
        return SCALAR if all(a.kind == SCALAR for a in args) else ARRAY if ARRAY in {a.kind for a in args} else OBJECT
    if qualname in ("numpy.mean", "numpy.median", "numpy.std", "numpy.var", "numpy.sum", "numpy.min", "numpy.max", "numpy.average", "numpy.percentile", "numpy.quantile", "numpy.prod"):
        return SCALAR if all(a.kind in (COLUMN, ARRAY, CONTAINER) for a in args[:1]) and len(args) == 1 else OBJECT
    if qualname.startswith("numpy."):
        return ARRAY
    return OBJECT

