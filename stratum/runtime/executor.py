"""Executes a compiled batch (plan tasks, or plain ops with the reference backend).

Effects run in each script's token order; pure values are computed lazily, the
first time an effect needs them, and memoized by (op, identities of operand
values), so work shared across scripts runs once. A pure op that fails stores
its exception, which surfaces at the statement that needed the value.

Reads of data files are memoized by the file's stat at the time the script
reaches them, so a file changed between scripts is read again.

Memory planning: before running, ``last_uses`` finds for each value the last
effect that can need it; after that effect the value leaves every script's
slots and the memo, so intermediates do not pile up over a long batch.

With a ``ValueCache`` (``cache.py``) pure values also persist across runs and
processes: every value that does not depend on opaque code or on a caller's
arguments gets a content key, is looked up before it is computed, and is
stored after. Ops that several scripts of the batch share are computed under
the key's lock, so parallel workers compute them once.

With a ``memory_budget`` (bytes) a buffer pool (``spill.py``) counts the
arrays and frames pure ops computed; above the budget it writes those whose
next use is farthest to disk and reads them back when an op needs them,
only ever values whose identity nothing but the executor can observe.
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import copy
import itertools
import os
import sys
import time
import types
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from xdsl.dialects.builtin import FileLineColLoc, FusedLoc, ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue

from stratum.backends import reference
from stratum.backends.registry import PREFERENCE, available, backend
from stratum.ir import dataframe as df
from stratum.ir import ml
from stratum.ir import plan
from stratum.ir import python as py
from stratum.ir.constants import decode
from stratum.passes.push_projection import FULL_SCHEMA, USECOLS
from stratum.runtime import fit_memo, imports, library_warnings
from stratum.runtime.cache import MISS, ValueCache
from stratum.runtime.library_warnings import warn_as_python
from stratum.runtime.errors import CALL_FIRST, OPERATOR_FIRST, SUBSCRIPT_FIRST, frames_of, innermost, raise_through, strip_internal_frames
from stratum.runtime.spill import STATS as SPILL_STATS
from stratum.runtime.spill import BufferPool, Spilled, plan_spills

# Never stored: cheap to recompute, and modules do not pickle.
_NOT_STORED = ("python.import", "python.getattr", "python.constant")
# Values quicker to compute than this are not stored: reading them back would cost as much.
STORE_MIN_SECONDS = 0.002


def _store_min_seconds() -> float:
    try:
        return float(os.environ.get("STRATUM_CACHE_MIN_SECONDS", STORE_MIN_SECONDS))
    except ValueError:
        return STORE_MIN_SECONDS
# Computed under the value's lock, so concurrent workers needing it compute it once:
# ops shared in the IR, and these, which other scripts often compute too.
_WORTH_WAITING = ("df.read_csv", "ml.fit", "ml.predict", "ml.train_test_split")


class Unbound:
    """The value of a name that opaque code left unbound."""

    def __init__(self, name: str):
        self.name = name


@dataclass(frozen=True)
class _Slot:
    obj: Any
    vid: int  # identity of this value for memoization
    key: str | None = None  # content key: None when it depends on opaque code or arguments


@dataclass(frozen=True)
class _Warned:
    """A cached value whose computation warned: the warnings are shown again when it is reused."""

    objects: tuple[Any, ...]
    warnings: tuple[tuple[Any, ...], ...]  # (message, category, filename, lineno, line) each
    # Its library code changed the warning filters (as scikit-learn's and LightGBM's fits do),
    # which under python makes a warning shown once per location show again.
    touched_filters: bool = False


def _warning_records(caught: list[warnings.WarningMessage]) -> tuple[tuple[Any, ...], ...]:
    return tuple((w.message, w.category, w.filename, w.lineno, w.line) for w in caught)


def _warning_messages(records: tuple[tuple[Any, ...], ...]) -> list[warnings.WarningMessage]:
    return [warnings.WarningMessage(message, category, filename, lineno, line=line) for message, category, filename, lineno, line in records]


@dataclass(frozen=True)
class _Failure:
    exc: BaseException
    op: Operation | None = None  # the op that raised; values computed from it fail too


@dataclass
class ScriptRun:
    """The state and outcome of one script of the batch."""

    index: int
    path: str
    module: types.ModuleType
    values: dict[SSAValue, _Slot] = field(default_factory=dict)
    exit_code: int | None = None  # set when the script stops
    exception: BaseException | None = None
    result: Any = None
    keys: dict[Operation, str | None] = field(default_factory=dict)  # content keys of ops, when cached

    @property
    def finished(self) -> bool:
        return self.exit_code is not None


def _script_module(path: str) -> types.ModuleType:
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    module.__spec__ = None
    module.__package__ = None
    module.__loader__ = None
    return module


class Executor:
    """Runs ``module``: every script of it, or only those numbered in ``scripts``.

    ``cache`` persists pure values (see the module docstring); ``record_ops``
    keeps, per top-level op index, how its value was obtained and how long it took.
    """

    def __init__(
        self,
        module: ModuleOp,
        *,
        arguments: dict[str, Any] | None = None,
        stdout: TextIO | None = None,
        scripts: Collection[int] | None = None,
        cache: ValueCache | None = None,
        record_ops: bool = False,
        free_dead: bool = True,
        memory_budget: int | None = None,
        spill_dir: str | Path | None = None,
    ):
        self.module = module
        self.arguments = arguments or {}
        self.stdout = stdout
        self.scripts = None if scripts is None else set(scripts)
        self.cache = cache
        self.records: dict[int, dict[str, Any]] | None = {} if record_ops else None
        self._op_index: dict[Operation, int] | None = None
        self._signatures: dict[Operation, str] = {}
        self._missed: set[str] = set()  # keys looked up in vain during this run
        self._store_min_seconds = _store_min_seconds()
        self._memo: dict[tuple[Any, ...], tuple[_Slot, ...] | _Failure] = {}
        self._memo_keys: dict[Operation, list[tuple[Any, ...]]] = collections.defaultdict(list)  # op -> its memo entries
        self._free_dead = free_dead
        self.memory_budget = memory_budget
        self.spill_dir = spill_dir  # where the spill directory goes (default: the temp dir)
        self._pool: BufferPool | None = None
        self._clean: set[SSAValue] = set()  # values of pure lineage: the only ones the pool may spill
        self._dead: set[SSAValue] = set()
        self._warnings: dict[Operation, list[warnings.WarningMessage]] = {}  # what each op's library call warned
        self._touched: set[Operation] = set()  # ops whose library call changed the warning filters
        self._warned: set[tuple[Operation, int]] = set()  # (op, script) pairs already shown
        self._any_warned = False  # whether any op's library call warned (most runs: none)
        self._warned_again: set[tuple[Operation, int, Operation]] = set()  # (op, script, user) shown again at a merged statement
        self._vids = itertools.count()
        self._runs: dict[SSAValue, ScriptRun] = {}
        self._code_cache: dict[tuple[str, str, int], types.CodeType] = {}
        self._silent: dict[tuple[str, str, tuple[str, ...]], bool] = {}
        self._noisy: set[Operation] = set()  # ops that warned, or were computed from ops of their statement that did
        self.stats: dict[str, Any] = {
            "ops_executed": 0,
            "memo_hits": 0,
            "cache_hits": 0,
            "cache_stores": 0,
            "computed": collections.Counter(),  # op name -> how many computed here
            "backends": collections.Counter(),
            "values_freed": 0,
            "peak_live_values": 0,  # most value slots held at once, over all scripts (after each effect)
            **{name: 0 for name in SPILL_STATS},  # buffer pool, with a memory budget
        }

    # -- driving ------------------------------------------------------------

    def run(self) -> list[ScriptRun]:
        # Step fits inside scikit-learn (Pipeline, ColumnTransformer, searches) repeat: share them.
        fit_memo.install()
        fit_memo.configure(self.cache, self._store_min_seconds)
        runs: list[ScriptRun] = []
        top_ops = list(self.module.body.block.ops)
        dead_after = last_uses(top_ops, self.scripts) if self._free_dead else {}
        if self.memory_budget is not None:
            plan = plan_spills(top_ops, self.scripts)
            self._clean = plan.clean
            computed = lambda value: any(value in r.values for r in runs)  # noqa: E731
            self._pool = BufferPool(self.memory_budget, directory=self.spill_dir, plan=plan, computed=computed, stats=self.stats)
        try:
            for position, top in enumerate(top_ops):
                op, backend_name = _unwrap(top)
                if isinstance(op, py.ScriptBeginOp):
                    if self.scripts is not None and op.index.data not in self.scripts:
                        continue
                    run = ScriptRun(op.index.data, op.script.data, _script_module(op.script.data))
                    runs.append(run)
                    self._runs[top.results[0]] = run
                    continue
                token = _token_operand(op)
                if token is None:
                    continue  # pure: evaluated on demand
                run = self._runs.pop(token, None)
                if run is None:
                    continue  # a script not selected to run here
                if self._pool is not None:
                    self._pool.position = position
                if not run.finished:
                    started = time.perf_counter()
                    with _as_main(run.module):
                        self._effect(op, run, list(top.results))
                    if self.records is not None and not isinstance(op, (py.BindOp, py.ScriptEndOp)):
                        # Effects are never shared nor stored: the report shows where a script's time went.
                        how = "ran" if run.exit_code is None else "failed" if run.exception is not None else "exited"
                        self._record(op, how, time.perf_counter() - started, backend_name, 0.0, None)
                for result in top.results:
                    if isinstance(result.type, py.TokenType):
                        self._runs[result] = run
                live = sum(len(r.values) for r in runs)
                self.stats["peak_live_values"] = max(self.stats["peak_live_values"], live)
                dead = dead_after.get(position)
                if dead:
                    self._free(dead, runs)
        finally:
            if self._pool is not None:
                self._pool.close()  # spill files go even when Stratum itself fails
        self.stats["fit_memo"] = dict(fit_memo.MEMO.stats)
        return runs

    def _free(self, dead: list[SSAValue], runs: list[ScriptRun]) -> None:
        """Drops values no op that can still run needs: from every script's slots and from the memo."""
        for value in dead:
            for r in runs:
                slot = r.values.pop(value, None)
                if slot is not None:
                    self.stats["values_freed"] += 1
                    if self._pool is not None:
                        self._pool.discard(slot)
            self._dead.add(value)
            owner = value.owner
            if isinstance(owner, Operation) and all(result in self._dead for result in owner.results):
                # The memo holds all of an op's results together: they go with its last one.
                op, _, _ = _producer(value)
                for key in self._memo_keys.pop(op, ()):
                    self._memo.pop(key, None)

    def _effect(self, op: Operation, run: ScriptRun, results: list[SSAValue]) -> None:
        try:
            if isinstance(op, py.BindOp):
                for value in op.values:
                    if value not in run.values and (self._silent_import(value, run) or self._stored_quietly(value, run)):
                        # Known to succeed without a warning: evaluated when (if) an op
                        # needs it, not read from the cache (or imported) just to be named.
                        continue
                    self._force(value, run, op)
            elif isinstance(op, py.PrintOp):
                args = [self._force(v, run, op) for v in op.args]
                positional, keywords = reference.split_call(args, [k.data for k in op.kwnames.data])
                if self.stdout is not None and "file" not in keywords:
                    keywords["file"] = self.stdout
                self._guard(op, run, lambda: print(*positional, **keywords))
            elif isinstance(op, df.ToCsvOp):
                frame = self._force(op.frame, run, op)
                args = [self._force(v, run, op) for v in op.args]
                positional, keywords = reference.split_call(args, [k.data for k in op.kwnames.data])
                self._guard(op, run, lambda: frame.to_csv(*positional, **keywords))
            elif isinstance(op, py.EffectCallOp):
                args = [self._force(v, run, op) for v in op.args]
                positional, keywords = reference.split_call(args, [k.data for k in op.kwnames.data])
                function = reference.resolve(op.callee.data)
                value = self._guard(op, run, lambda: function(*positional, **keywords))
                run.values[op.result] = _Slot(value, next(self._vids))
            elif isinstance(op, py.ExecOp):
                self._exec(op, run, results[1:])
            elif isinstance(op, py.ScriptEndOp):
                if op.result is not None:
                    run.result = self._force(op.result, run, op)
                run.exit_code = 0
            else:
                raise TypeError(f"unexpected effect op {op.name}")
        except SystemExit as stop:
            run.exit_code = _exit_status(stop)
        except BaseException as exc:  # the script's own failure, reported like Python
            if isinstance(exc, KeyboardInterrupt):
                raise
            run.exception = strip_internal_frames(exc)
            run.exit_code = 1

    def _silent_import(self, value: SSAValue, run: ScriptRun) -> bool:
        """Whether ``value`` is a library import recorded to succeed silently here (``imports.py``)."""
        op, _, _ = _producer(value)
        if self.cache is None or not isinstance(op, py.ImportOp) or not imports.deferrable(op.module.data):
            return False
        if imports.looks_at_loaded_modules(run.path):
            return False
        key = (op.module.data, op.attr.data, tuple(sys.path))
        known = self._silent.get(key)
        if known is None:
            known = self._silent[key] = imports.known_silent(self.cache, key[0], key[1], key[2])
        return known

    def _stored_quietly(self, value: SSAValue, run: ScriptRun) -> bool:
        """Whether the cache holds ``value``, computed without a warning (so naming it shows nothing)."""
        op, _, _ = _producer(value)
        if self.cache is None or op.name in _NOT_STORED or isinstance(op, py.ExecOp) or _token_operand(op) is not None:
            return False
        key = self._op_key(op, run)
        return key is not None and self.cache.contains(key) and not self.cache.contains(_warned_marker(self.cache, key))

    def imports_needed(self, directory: str | Path | None = None) -> set[str]:
        """The modules a run of the selected scripts would import, given what the cache holds now.

        Follows demand as ``run`` does (effects force their operands; a value
        the cache holds needs nothing more), without computing anything, so
        the controller can import just these before its workers fork.
        Conservative where it cannot tell: opaque code's inputs are all needed.
        ``directory``: where the scripts start (their relative paths name files there).
        """
        needed: set[str] = set()
        saved_path, saved_cwd = list(sys.path), os.getcwd()
        try:
            if directory is not None:
                os.chdir(directory)
            self._demand_imports(needed)
        finally:
            sys.path[:] = saved_path
            os.chdir(saved_cwd)
        return needed

    def _demand_imports(self, needed: set[str]) -> None:
        runs: dict[SSAValue, ScriptRun] = {}
        seen: set[Operation] = set()
        for top in self.module.body.block.ops:
            op, _ = _unwrap(top)
            if isinstance(op, py.ScriptBeginOp):
                if self.scripts is None or op.index.data in self.scripts:
                    runs[top.results[0]] = ScriptRun(op.index.data, op.script.data, _script_module(op.script.data))
                    # Modules are looked up as the script's worker will: its directory first.
                    sys.path[0:1] = [os.path.dirname(os.path.abspath(op.script.data))]
                continue
            token = _token_operand(op)
            run = runs.pop(token, None) if token is not None else None
            if run is None:
                continue
            for result in top.results:
                if isinstance(result.type, py.TokenType):
                    runs[result] = run
            demanded = [v for v in op.operands if not isinstance(v.type, py.TokenType)]
            if isinstance(op, py.BindOp):
                demanded = [v for v in op.values if not self._silent_import(v, run) and not self._stored_quietly(v, run)]
            stack = [_producer(v)[0] for v in demanded]
            while stack:
                producer = stack.pop()
                if producer in seen:
                    continue
                seen.add(producer)
                if isinstance(producer, py.ImportOp):
                    needed.add(producer.module.data)
                    continue
                if isinstance(producer, py.ExecOp) or _token_operand(producer) is not None:
                    continue  # an effect's results: its own operands are demanded where it runs
                if self.cache is not None and producer.name not in _NOT_STORED:
                    key = self._op_key(producer, run)
                    if key is not None and self.cache.contains(key):
                        continue
                needed.update(_library_named_by(producer))
                stack.extend(_producer(v)[0] for v in producer.operands)

    def _guard(self, op: Operation, run: ScriptRun, action: Any) -> Any:
        """Runs a native effect; its failure is raised at the op's script line."""
        try:
            return action()
        except Exception as exc:
            self._raise_in_script(exc, op, op, run)

    # -- opaque code ----------------------------------------------------------

    def _exec(self, op: py.ExecOp, run: ScriptRun, outputs: list[SSAValue]) -> None:
        names_in = [n.data for n in op.names_in.data]
        values = [self._force(v, run, op) for v in op.inputs]
        if op.read_only is None:
            private = [_is_private(v) for v in op.inputs]
            groups = [g.data for g in op.alias_groups.data] if op.alias_groups is not None else list(range(len(values)))
            shallow = [not p and _copies_private_elements(v) for v, p in zip(op.inputs, private)]
            values = _protective_copies(values, private, groups, shallow)
        if self._pool is not None:
            for value, obj in zip(op.inputs, values):
                slot = run.values.get(value)
                if slot is not None:
                    # Handed over as it is, opaque code may keep it, or its id.
                    self._pool.expose(slot, handed=slot.obj is obj)
        globals_ = run.module.__dict__
        local_names = {n.data for n in op.local_names.data} if op.local_names is not None else None
        # Globals go to the module (script functions called from this code
        # read them there); an inlined function's locals go to a namespace of
        # their own, layered over the globals, as in the function's frame.
        namespace = globals_ if local_names is None else {}
        for name, value in zip(names_in, values):
            target = namespace if local_names is not None and name in local_names else globals_
            if isinstance(value, Unbound):
                target.pop(name, None)
            else:
                target[name] = value
        if local_names is not None:
            namespace = {**globals_, **namespace}
        try:
            exec(self._code(op), namespace)
        except SystemExit:
            raise
        except BaseException as exc:
            frames = frames_of(_full_location_in(op, run.path) or op.location)
            if len(frames) > 1:
                # Inlined: the frames of the calls that led here come before the code's own.
                raise_through(exc, frames[:-1])
            raise
        for name, result in zip((n.data for n in op.names_out.data), outputs):
            obj = namespace.get(name, Unbound(name))
            run.values[result] = _Slot(obj, next(self._vids))  # no key: opaque code made it

    def _code(self, op: py.ExecOp) -> types.CodeType:
        loc = innermost(op.location)
        assert loc is not None
        filename, line, col = loc.filename.data, loc.line.data, loc.column.data - 1
        key = (op.source.data, filename, line)
        code = self._code_cache.get(key)
        if code is None:
            text = op.source.data
            # Keep the script's own line numbers and columns: pad with blank
            # lines, and wrap indented code in an `if` that always runs.
            if col == 0 and not text[:1].isspace():
                padded = "\n" * (line - 1) + text
            else:
                padded = "\n" * (line - 2) + "if 1:\n" + text if line > 1 else "if 1:" + text.lstrip()
            code = compile(padded, filename, "exec", dont_inherit=True)
            if op.function is not None:  # tracebacks say "in <function>"
                code = code.replace(co_name=op.function.data, co_qualname=op.function.data)
            self._code_cache[key] = code
        return code

    # -- pure values --------------------------------------------------------

    def _force(self, value: SSAValue, run: ScriptRun, anchor: Operation) -> Any:
        """The object of ``value`` in ``run``; failures surface at ``anchor``."""
        slot = run.values.get(value)
        if slot is not None and self._any_warned:
            self._replay_warnings_again(value, run, anchor)
        if slot is None:
            outcome = self._evaluate(value, run)
            if isinstance(outcome, _Failure):
                owner, _, _ = _producer(value)
                # Python raises at the expression that failed, not at the value built from it.
                self._raise_in_script(_fresh_copy(outcome.exc), outcome.op or owner, anchor, run)
            slot = run.values[value]
        if isinstance(slot.obj, Unbound) and not isinstance(anchor, (py.ExecOp, py.BindOp)):
            self._raise_in_script(NameError(f"name {slot.obj.name!r} is not defined"), anchor, anchor, run)
        return self._obj(slot)

    def _obj(self, slot: _Slot) -> Any:
        """The slot's object, read back first if the buffer pool spilled it."""
        return self._pool.load(slot) if type(slot.obj) is Spilled else slot.obj  # type: ignore[union-attr]

    def _hold(self, outputs: list[SSAValue], slots: tuple[_Slot, ...]) -> None:
        """Counts new values in the buffer pool, and spills if they overflow the budget."""
        if self._pool is None:
            return
        for result, slot in zip(outputs, slots):
            if result in self._clean:
                self._pool.track(slot, result)
        self._pool.relieve()

    def _evaluate(self, value: SSAValue, run: ScriptRun) -> _Slot | _Failure:
        """Computes ``value`` and every value it needs, iteratively (graphs are deep)."""
        stack = [value]
        computed_here: set[Operation] = set()  # this statement's ops: a cache hit would skip their warnings
        while stack:
            top = stack[-1]
            if top in run.values:
                stack.pop()
                continue
            op, backend_name, outputs = _producer(top)
            if self.cache is not None and op.name not in _NOT_STORED:
                # Keys need no values: a cached value is found before its inputs are computed.
                content_key = self._op_key(op, run)
                if content_key is not None and content_key not in self._missed:
                    hit = self._lookup(op, content_key)
                    if hit is not None:
                        stack.pop()
                        for result, slot in zip(outputs, hit):
                            run.values[result] = slot
                        self._hold(outputs, hit)
                        self._replay_warnings(op, run)
                        continue
                    self._missed.add(content_key)
            missing = [v for v in op.operands if v not in run.values]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            if self._any_warned:
                # An operand merged from an earlier statement warns again here, as its second evaluation would.
                for operand in op.operands:
                    self._replay_warnings_again(operand, run, op)
            operand_slots = [run.values[v] for v in op.operands]
            if any(isinstance(s.obj, Unbound) for s in operand_slots):
                name = next(s.obj.name for s in operand_slots if isinstance(s.obj, Unbound))
                failure = _Failure(NameError(f"name {name!r} is not defined"))
                return failure
            # A cached value stands in for everything computed for it, so it must not
            # hide warnings: none from this statement's inner ops (they are not
            # stored with it) and none from a warned operand (merged from another
            # statement, python computes it again here and warns again).
            producers = [_producer(v)[0] for v in op.operands]
            inner_warned = any(p in self._noisy and p in computed_here for p in producers)
            storable = not inner_warned and not any(self._warnings.get(p) for p in producers)
            outcome = self._compute(op, backend_name, operand_slots, run, storable)
            computed_here.add(op)
            if inner_warned or self._warnings.get(op):
                self._noisy.add(op)
            self._replay_warnings(op, run)
            if isinstance(outcome, _Failure):
                return outcome
            for result, slot in zip(outputs, outcome):
                run.values[result] = slot
            self._hold(outputs, outcome)
        return run.values[value]

    def _compute(self, op: Operation, backend_name: str, operands: list[_Slot], run: ScriptRun, storable: bool = True) -> tuple[_Slot, ...] | _Failure:
        if isinstance(op, py.ArgOp):
            return (_Slot(self.arguments[op.arg.data], next(self._vids)),)
        key: tuple[Any, ...] = (op, *(s.vid for s in operands))
        if isinstance(op, df.ReadCsvOp):
            key = (*key, _stat(op.path.data))
        cached = self._memo.get(key)
        if cached is not None:
            self.stats["memo_hits"] += 1
            return cached
        content_key = self._op_key(op, run) if self.cache is not None and storable else None
        if content_key is None:
            outcome = self._execute(op, backend_name, operands, None)
        else:
            outcome = None if content_key in self._missed else self._lookup(op, content_key)
            if outcome is None and op.name not in _NOT_STORED and (op.name in _WORTH_WAITING or self._is_shared(op)):
                # Another worker may be computing it: wait for it, then look again.
                started = time.perf_counter()
                with self.cache.lock(content_key):  # type: ignore[union-attr]
                    waited = time.perf_counter() - started
                    outcome = self._lookup(op, content_key, waited)
                    if outcome is None:
                        outcome = self._execute(op, backend_name, operands, content_key, always_store=True)
            elif outcome is None:
                outcome = self._execute(op, backend_name, operands, content_key)
        self._memo[key] = outcome
        self._memo_keys[op].append(key)
        return outcome

    def _lookup(self, op: Operation, content_key: str, waited: float = 0.0) -> tuple[_Slot, ...] | None:
        if op.name in _NOT_STORED:
            return None
        started = time.perf_counter()
        value = self.cache.get(content_key)  # type: ignore[union-attr]
        if isinstance(value, _Warned):
            self._warnings[op] = _warning_messages(value.warnings)
            self._any_warned = True
            if getattr(value, "touched_filters", False):  # (entries stored before the field have none)
                self._touched.add(op)
                library_warnings.filters_changed()  # as the computation it stands for did, here
            value = value.objects
        if value is MISS or not isinstance(value, tuple) or len(value) != len(op.results):
            return None
        self.stats["cache_hits"] += 1
        self._record(op, "waited" if waited > 0.05 else "cache", time.perf_counter() - started, None, waited, content_key)
        return tuple(_Slot(o, next(self._vids), _result_key(content_key, i)) for i, o in enumerate(value))

    def _execute(
        self, op: Operation, backend_name: str, operands: list[_Slot], content_key: str | None, *, always_store: bool = False
    ) -> tuple[_Slot, ...] | _Failure:
        self.stats["ops_executed"] += 1
        args = [self._obj(s) for s in operands]
        started = time.perf_counter()
        changes = library_warnings.filter_changes()
        try:
            with library_warnings.recording() as caught:
                with imports.importing() if isinstance(op, py.ImportOp) else contextlib.nullcontext():
                    objects, used = _execute(op, backend_name, args)
        except Exception as exc:
            self._record(op, "failed", time.perf_counter() - started, backend_name, 0.0, content_key)
            self._warnings[op] = caught
            return _Failure(exc, op)
        self._warnings[op] = caught
        touched = library_warnings.filter_changes() != changes
        if touched:
            self._touched.add(op)
        self._any_warned = self._any_warned or bool(caught)
        if isinstance(op, py.ImportOp) and not caught and self.cache is not None:
            imports.record_silent(self.cache, op.module.data, op.attr.data)
        elapsed = time.perf_counter() - started
        self.stats["backends"][used] += 1
        self.stats["computed"][op.name] += 1
        self._record(op, "computed", elapsed, used, 0.0, content_key)
        if content_key is None:
            return tuple(_Slot(o, next(self._vids)) for o in objects)
        if op.name not in _NOT_STORED and (always_store or elapsed >= self._store_min_seconds or _needs_expensive_import(op)):
            # A rerun served from the cache must warn as this computation did.
            stored = _Warned(tuple(objects), _warning_records(caught), touched) if caught or touched else tuple(objects)
            if caught or touched:
                self.cache.put(_warned_marker(self.cache, content_key), True)  # type: ignore[arg-type]
            if self.cache.put(content_key, stored):  # type: ignore[union-attr]
                self.stats["cache_stores"] += 1
                self._missed.discard(content_key)
        return tuple(_Slot(o, next(self._vids), _result_key(content_key, i)) for i, o in enumerate(objects))

    def _op_key(self, op: Operation, run: ScriptRun) -> str | None:
        """The content key of ``op``'s results, from its structure and its inputs' keys, without computing anything.

        None when the op depends on opaque code, a caller's argument, or a file that cannot be read.
        """
        keys = run.keys
        stack = [op]
        while stack:
            current = stack[-1]
            if current in keys:
                stack.pop()
                continue
            if isinstance(current, (py.ExecOp, py.ArgOp)) or _token_operand(current) is not None:
                keys[current] = None
                stack.pop()
                continue
            producers = [_producer(v)[0] for v in current.operands]
            pending = [p for p in producers if p not in keys]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            parts = [self._signature(current)]
            for operand, producer in zip(current.operands, producers):
                producer_key = keys[producer]
                if producer_key is None:
                    break
                parts.append(_result_key(producer_key, operand.index))  # type: ignore[attr-defined]
            else:
                if isinstance(current, df.ReadCsvOp):
                    fingerprint = self.cache.file_fingerprint(current.path.data)  # type: ignore[union-attr]
                    if fingerprint is None:
                        keys[current] = None
                        continue
                    parts.append(fingerprint)
                keys[current] = self.cache.key(*parts)  # type: ignore[union-attr]
                continue
            keys[current] = None
        return keys[op]

    def _signature(self, op: Operation) -> str:
        """The op's structure: name, properties, attributes, result types and regions."""
        known = self._signatures.get(op)
        if known is None:
            fields = [op.name]
            fields += [f"{k}={v}" for k, v in sorted(op.properties.items())]
            fields += [f"{k}={v}" for k, v in sorted(op.attributes.items())]
            fields += [str(r.type) for r in op.results]
            if op.regions:
                for region in op.regions:
                    for inner in region.walk():
                        fields.append(f"{inner.name}|{sorted(inner.properties.items())}|{[str(r.type) for r in inner.results]}")
                        fields.append(",".join(_local_name(o, region) for o in inner.operands))
            known = self._signatures[op] = "\x1f".join(fields)
        return known

    def _is_shared(self, op: Operation) -> bool:
        parent = op.parent_op()
        return isinstance(parent, plan.TaskOp) and len(parent.scripts.data) > 1

    def _record(self, op: Operation, how: str, seconds: float, backend_name: str | None, waited: float, key: str | None) -> None:
        if self.records is None:
            return
        if self._op_index is None:
            self._op_index = {top: i for i, top in enumerate(self.module.body.block.ops)}
        top = op.parent_op() if isinstance(op.parent_op(), plan.TaskOp) else op
        index = self._op_index.get(top)  # type: ignore[arg-type]
        if index is None:
            return
        self.records[index] = {"op": op.name, "how": how, "seconds": seconds, "backend": backend_name, "waited": waited, "key": key}

    def _replay_warnings(self, op: Operation, run: ScriptRun) -> None:
        """Warnings a library call gave, as Python shows them: from the script's line.

        A native op runs inside Stratum, so a library warning whose
        stacklevel reaches its caller names Stratum's frames (and
        DeprecationWarnings outside ``__main__`` are hidden by default).
        Re-issuing those at the script's own file and line, in ``__main__``,
        and the others at the library's location (``library_warnings``),
        gives the same filtering and text as under ``python``; each script
        that uses a shared value sees them.
        """
        caught = self._warnings.get(op)
        if not caught or (op, run.index) in self._warned:
            return
        self._warned.add((op, run.index))
        loc = _location_in(op, run.path)
        if loc is None:
            return
        for w in caught:
            warn_as_python(w, loc.filename.data, loc.line.data, run.module)

    def _replay_warnings_again(self, value: SSAValue, run: ScriptRun, anchor: Operation) -> None:
        """A value merged from several statements warns at each of them, as each call would.

        CSE keeps the position of every statement it merged (a fused
        location). When the anchor's statement uses an already computed value
        merged from it, python would have computed that value there again,
        and with it every merged op it was built from: their warnings are
        shown again, innermost first. A statement that only uses the value
        (a name bound earlier) computed nothing, and python would not warn.
        """
        if not self._any_warned:
            return
        loc = _location_in(anchor, run.path)
        if loc is None:
            return
        line = loc.line.data
        again: list[Operation] = []
        seen: set[Operation] = set()
        stack = [value]
        while stack:
            current = stack.pop()
            if not isinstance(current.owner, Operation):
                continue
            op, _, _ = _producer(current)
            if op in seen or not isinstance(op.location, FusedLoc):
                continue  # (an op no statement shares was computed where it stands)
            seen.add(op)
            first = _location_in(op, run.path)
            if first is None or first.line.data == line or line not in _lines_in(op, run.path):
                continue
            again.append(op)
            stack.extend(op.operands)
        for op in reversed(again):
            if self._warnings.get(op) and (op, run.index) in self._warned and (op, run.index, anchor) not in self._warned_again:
                self._warned_again.add((op, run.index, anchor))
                if op in self._touched:
                    library_warnings.filters_changed()  # python computes it again here, changing them again
                for w in self._warnings[op]:
                    warn_as_python(w, loc.filename.data, line, run.module)

    def _raise_in_script(self, exc: BaseException, op: Operation, anchor: Operation, run: ScriptRun) -> None:
        at = op if _location_in(op, run.path) is not None else anchor
        loc = _full_location_in(at, run.path)
        if loc is None:
            raise exc
        prefer, nested = _failing_expression(at)
        if isinstance(exc, AttributeError) and isinstance(at, (df.MethodOp, py.CallMethodOp)) and getattr(exc, "name", None) == at.method.data:
            prefer, nested = (ast.Attribute, *CALL_FIRST), 0  # the method lookup failed, not the call
        raise_through(exc, frames_of(loc), prefer, _callee_name(at), nested)


def _fresh_copy(exc: BaseException) -> BaseException:
    """A copy of a stored failure to raise again (each raise extends its traceback), with its chain:
    ``copy.copy`` keeps the arguments and attributes but drops ``__cause__`` and ``__context__``."""
    again = copy.copy(exc).with_traceback(exc.__traceback__)
    again.__cause__, again.__context__ = exc.__cause__, exc.__context__
    again.__suppress_context__ = exc.__suppress_context__
    # What python's "Did you mean" suggestions read; copy.copy drops these slots.
    if isinstance(exc, AttributeError):
        again.name, again.obj = exc.name, exc.obj
    elif isinstance(exc, NameError):
        again.name = exc.name
    return again


def _execute(op: Operation, backend_name: str, args: list[Any]) -> tuple[tuple[Any, ...], str]:
    """The op's results, and the name of the backend that computed them."""
    if isinstance(op, df.ReadCsvOp) and USECOLS in op.attributes:
        return (_read_projected(op, args),), "reference"
    if backend_name != "reference":
        # The plan's choice first, then the other specialized backends in
        # preference order (a GPU kernel declines small columns; Numba takes them).
        for name in (backend_name, *(n for n in PREFERENCE if n != backend_name)):
            if not available(name) or not backend(name).supports(op):
                continue
            try:
                return backend(name).execute(op, args), name
            except Exception:
                # A kernel never decides the outcome: when it declines, or on
                # any surprise, the reference implementation runs, and its
                # behaviour (result or exception) is the answer.
                continue
    return reference.execute(op, args), "reference"


def last_uses(top_ops: list[Operation], scripts: Collection[int] | None) -> dict[int, list[SSAValue]]:
    """For each position in ``top_ops``, the values no op that can run after it needs.

    Pure values are computed lazily, on behalf of effects, so a value is
    needed until the last effect (of any selected script) whose operands
    depend on it through pure ops has run. Each value is kept as long as
    every value computed from it: a script that needs a shared value computes
    it from its operands' memoized slots, so those stay until the value's own
    last use. Effects' own outputs that nothing uses die where they are made.
    """
    block_ops = set(top_ops)
    script_of: dict[SSAValue, int] = {}
    effects: list[int] = []
    for position, top in enumerate(top_ops):
        op, _ = _unwrap(top)
        if isinstance(op, py.ScriptBeginOp):
            script_of[top.results[0]] = op.index.data
            continue
        token = _token_operand(op)
        if token is None or token not in script_of:
            continue
        index = script_of[token]
        for result in top.results:
            if isinstance(result.type, py.TokenType):
                script_of[result] = index
        if scripts is None or index in scripts:
            effects.append(position)
    last: dict[SSAValue, int] = {}
    for position in reversed(effects):
        # Latest effects first: a value already marked was marked by a later
        # effect, and so were all the values it is computed from.
        stack = _outer_operands(top_ops[position], block_ops)
        while stack:
            value = stack.pop()
            if value in last:
                continue
            last[value] = position
            owner = value.owner
            if isinstance(owner, Operation) and _token_operand(_unwrap(owner)[0]) is None:
                stack.extend(_outer_operands(owner, block_ops))
    for position in effects:
        for result in top_ops[position].results:
            if not isinstance(result.type, py.TokenType):
                last.setdefault(result, position)
    dead: dict[int, list[SSAValue]] = collections.defaultdict(list)
    for value, position in last.items():
        if not isinstance(value.type, py.TokenType):
            dead[position].append(value)
    return dead


def _outer_operands(top: Operation, block_ops: set[Operation]) -> list[SSAValue]:
    """Values defined by top-level ops that ``top`` (or an op nested in it) uses."""
    return [
        operand
        for nested in top.walk()
        for operand in nested.operands
        if isinstance(operand.owner, Operation) and operand.owner in block_ops
    ]


class _FullRead:
    """A projected read seen whole: what ``check_profile`` compares a full read with."""

    def __init__(self, op: df.ReadCsvOp):
        self.path = op.path
        self.result = types.SimpleNamespace(type=op.attributes[FULL_SCHEMA])


def _read_projected(op: df.ReadCsvOp, args: list[Any]) -> Any:
    """A read narrowed by push-projection: ``usecols`` only on the very file the pass checked.

    A file changed since compiling is read whole, checked against the full
    profile (so it fails as the unnarrowed read would) and then narrowed.
    """
    import pandas as pd

    from stratum.frontend.profile import fingerprint

    options = dict(zip((k.data for k in op.kwnames.data), args))
    positions = [p.data for p in op.attributes[USECOLS].data]  # type: ignore[attr-defined]
    if fingerprint(Path(op.path.data)) == op.fingerprint.data:
        frame = pd.read_csv(op.path.data, usecols=positions, **options)
    else:
        frame = pd.read_csv(op.path.data, **options)
        reference.check_profile(_FullRead(op), frame)  # type: ignore[arg-type]
        frame = frame.iloc[:, positions]
    reference.check_profile(op, frame)
    return frame


def _library_named_by(op: Operation) -> list[str]:
    """Modules an op imports by name when it runs (``ml.estimator``'s class, ``ml.metric``'s function)."""
    found = []
    for value in op.properties.values():
        if isinstance(value, StringAttr) and "." in value.data and imports.deferrable(value.data):
            found.append(value.data.rsplit(".", 1)[0])
    return found


def _needs_expensive_import(op: Operation) -> bool:
    """Whether recomputing the op would import scikit-learn or the like (a rerun need not, if it is stored)."""
    if any(imports.expensive(module) for module in _library_named_by(op)):
        return True
    for operand in op.operands:
        producer, _, _ = _producer(operand)
        if isinstance(producer, py.ImportOp) and imports.expensive(producer.module.data):
            return True
    return False


def _warned_marker(cache: ValueCache, content_key: str) -> str:
    """Stored beside a value whose computation warned: whether it did is known without reading it."""
    return cache.key("warned", content_key)


def _result_key(content_key: str, index: int) -> str:
    return f"{content_key}#{index}"


def _local_name(value: SSAValue, region: Any) -> str:
    """Operands inside a fused body: block arguments by position, inner results by op order."""
    owner = value.owner
    if isinstance(owner, Operation):
        ops = list(region.walk())
        return f"op{ops.index(owner)}.{value.index}" if owner in ops else "outer"
    return f"arg{value.index}"


def _unwrap(op: Operation) -> tuple[Operation, str]:
    if isinstance(op, plan.TaskOp):
        inner = op.body.block.first_op
        assert inner is not None
        return inner, op.backend.data
    return op, "reference"


def _producer(value: SSAValue) -> tuple[Operation, str, list[SSAValue]]:
    """The op computing ``value``, its backend, and the values it defines outside."""
    owner = value.owner
    assert isinstance(owner, Operation), "block arguments are only used inside fused bodies"
    op, backend_name = _unwrap(owner)
    return op, backend_name, list(owner.results)


def _token_operand(op: Operation) -> SSAValue | None:
    for operand in op.operands:
        if isinstance(operand.type, py.TokenType):
            return operand
    return None


def _full_location_in(op: Operation, path: str) -> Any:
    """The location ``op`` has in script ``path`` (merged ops have one per script), call sites included."""
    loc = op.location
    candidates = loc.locations.data if isinstance(loc, FusedLoc) else (loc,)
    for candidate in candidates:
        position = innermost(candidate)
        if position is not None and position.filename.data == path:
            return candidate
    return None


def _lines_in(op: Operation, path: str) -> set[int]:
    """The lines of script ``path`` whose statements ``op`` computes (several once CSE merged them)."""
    loc = op.location
    candidates = loc.locations.data if isinstance(loc, FusedLoc) else (loc,)
    positions = (innermost(c) for c in candidates)
    return {p.line.data for p in positions if p is not None and p.filename.data == path}


def _location_in(op: Operation, path: str) -> FileLineColLoc | None:
    """The position of ``op`` in script ``path``."""
    full = _full_location_in(op, path)
    return innermost(full) if full is not None else None


def _callee_name(op: Operation) -> str | None:
    """The name the script calls for this op, when it is a call (``astype`` of ``x.astype(t)``)."""
    for name in ("method", "callee"):
        value = op.properties.get(name)
        if isinstance(value, StringAttr):
            return value.data.rpartition(".")[2]
    if isinstance(op, ml.FitOp):
        return "fit"
    return None


def _failing_expression(op: Operation) -> tuple[tuple[type, ...], int]:
    """Which expression at the op's position python points at when it raises: its kinds, in
    order of preference, and how many of that kind nest inside it at the same position
    (``a["x"].iloc[i]`` is the second subscript starting at ``a``)."""
    prefer = _expression_kinds(op)
    nested = 0
    position = _position(op)
    current = op
    while current.operands and position is not None:
        if not isinstance(current.operands[0].owner, Operation):
            break
        producer = _producer(current.operands[0])[0]  # through the plan's task
        if _position(producer) != position:
            break
        if _expression_kinds(producer)[0] is prefer[0]:
            nested += 1
        current = producer
    return prefer, nested


def _expression_kinds(op: Operation) -> tuple[type, ...]:
    if isinstance(op, (df.ColumnOp, df.SelectOp, py.GetItemOp)):
        return SUBSCRIPT_FIRST
    if isinstance(op, (df.ElementwiseOp, df.FusedOp, py.BinaryOp, py.UnaryOp)):
        return OPERATOR_FIRST
    if isinstance(op, py.GetAttrOp):
        return (ast.Attribute,)
    return CALL_FIRST


def _position(op: Operation) -> tuple[str, int, int] | None:
    loc = op.location
    first = loc.locations.data[0] if isinstance(loc, FusedLoc) and loc.locations.data else loc
    position = innermost(first)
    return None if position is None else (position.filename.data, position.line.data, position.column.data)


def _is_private(value: SSAValue) -> bool:
    """Objects only this script holds: made by its opaque code or passed by its caller."""
    op, _, _ = _producer(value)
    return isinstance(op, (py.ExecOp, py.ArgOp))


def _copies_private_elements(value: SSAValue, depth: int = 0) -> bool:
    """A new container of objects only this script holds (``tuple(arrs)``, ``arrs[:1]``,
    ``list(x)`` of lists opaque code made): its protective copy is shallow, a new
    container of the very same elements, which opaque code may change in place
    and every other holder must then see. (The container itself is still copied:
    merging may have made two equal ones one object.)"""
    op, _, _ = _producer(value)
    if depth > 32 or not py.element_sources(op):
        return False
    held = [v for v in op.operands if not _immutable_operand(v)]
    return bool(held) and all(_is_private(v) or _copies_private_elements(v, depth + 1) for v in held)


def _immutable_operand(value: SSAValue) -> bool:
    """A literal or a slice: nothing a container could hold and see change."""
    owner, _, _ = _producer(value)
    if isinstance(owner, py.ConstantOp):
        return isinstance(decode(owner.value), (int, float, str, bool, type(None), tuple))
    return isinstance(owner, py.BuildOp) and owner.kind.data == "slice"


def _protective_copies(values: list[Any], private: list[bool], groups: list[int], shallow: list[bool] | None = None) -> list[Any]:
    """Copies of shared mutable inputs, made together so aliasing among them survives.

    Shared (memoized, maybe merged) objects must never change under opaque
    code, so it gets copies. Inputs in different alias groups were distinct
    objects in the script (two ``np.zeros(n)`` calls), even when merging equal
    computations made them one object here: each group gets its own copy.
    """
    if not values or all(private) and len({id(v) for v in values}) == len(set(groups)) == len(values):
        return values
    memo: dict[int, Any] = {}
    for value, is_private in zip(values, private):
        if is_private:
            memo[id(value)] = value
    copies: list[Any] = []
    top_level: dict[int, int] = {}  # id of an input object -> the group that copied it
    for value, is_private, group, is_shallow in zip(values, private, groups, shallow or [False] * len(values)):
        if is_shallow and type(value) in (list, tuple, dict):
            # A copy of private elements: a new container of the same elements
            # (one per alias group: merging may have made two of them one object).
            if top_level.setdefault(id(value), group) != group or id(value) not in memo:
                try:
                    memo[id(value)] = copy.copy(value)
                except Exception:
                    memo[id(value)] = value
            copies.append(memo[id(value)])
            continue
        if is_private and top_level.setdefault(id(value), group) != group:
            # Two private values of the script that merging made one object: the second gets a copy.
            memo.pop(id(value), None)
            is_private = False
        if is_private or isinstance(value, _NOT_COPIED):
            copies.append(value)
            continue
        owner = top_level.setdefault(id(value), group)
        if owner != group:
            # The same object for two distinct values of the script: a copy of its own.
            memo.pop(id(value), None)
        if hasattr(value, "copy") and type(value).__module__.startswith("pandas") and id(value) not in memo:
            memo[id(value)] = value.copy(deep=False)  # copy-on-write makes this safe and cheap
        try:
            copies.append(copy.deepcopy(value, memo))
        except Exception:
            copies.append(value)  # uncopyable objects (generators, handles) are handed over as they are
    # (Not an object also handed over as it is: a private input split from its
    # merged twin keeps the original, and references to it stay.)
    kept = {id(twin) for twin, value in zip(copies, values) if twin is value}
    replaced = {id(value): twin for value, twin in zip(values, copies) if twin is not value and id(value) not in kept}
    if replaced:
        # A private container may hold a shared input (`held = copy.copy([x])`
        # ran as read-only code, so it kept `x` itself): under python it sees
        # what this code does to `x`, so it must now hold the copy. Only this
        # script holds private objects, so they are changed in place.
        copies = [_redirected(twin, replaced, set()) if is_private else twin for twin, is_private in zip(copies, private)]
    return copies


_REDIRECT_DEPTH = 8


def _redirected(obj: Any, replaced: dict[int, Any], seen: set[int], depth: int = 0) -> Any:
    """``obj`` with every reference to a replaced object (through lists, dicts and tuples) pointing at its copy.

    Lists and dicts are changed in place; a tuple that holds a replaced object
    is rebuilt (it cannot change) and returned in its place.
    """
    twin = replaced.get(id(obj)) if depth > 0 else None  # (the input itself stays what it is)
    if twin is not None:
        return twin
    if depth > _REDIRECT_DEPTH or id(obj) in seen or type(obj) not in (list, dict, tuple):
        return obj
    seen.add(id(obj))
    if type(obj) is list:
        for i, item in enumerate(obj):
            new = _redirected(item, replaced, seen, depth + 1)
            if new is not item:
                obj[i] = new
        return obj
    if type(obj) is dict:
        for key, item in obj.items():
            new = _redirected(item, replaced, seen, depth + 1)
            if new is not item:
                obj[key] = new
        return obj
    items = [_redirected(item, replaced, seen, depth + 1) for item in obj]
    if all(new is old for new, old in zip(items, obj)):
        return obj
    return tuple(items)


# Immutable, or objects whose identity is the point (modules, classes, functions).
_NOT_COPIED = (
    types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
    int, float, complex, str, bytes, bool, type(None), range,
)


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _exit_status(stop: SystemExit) -> int:
    code = stop.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


@contextmanager
def _as_main(module: types.ModuleType) -> Iterator[None]:
    """The script's namespace is ``__main__`` while it runs (pickling, multiprocessing)."""
    previous = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    try:
        yield
    finally:
        if previous is not None:
            sys.modules["__main__"] = previous
