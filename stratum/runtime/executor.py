"""Executes a compiled batch (plan tasks, or plain ops with the reference backend).

Effects run in each script's token order; pure values are computed lazily, the
first time an effect needs them, and memoized by (op, identities of operand
values), so work shared across scripts runs once. A pure op that fails stores
its exception, which surfaces at the statement that needed the value.

Reads of data files are memoized by the file's stat at the time the script
reaches them, so a file changed between scripts is read again.
"""

from __future__ import annotations

import builtins
import collections
import copy
import itertools
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from xdsl.dialects.builtin import FileLineColLoc, FusedLoc, ModuleOp
from xdsl.ir import Operation, SSAValue

from stratum.backends import reference
from stratum.backends.registry import available, backend
from stratum.ir import dataframe as df
from stratum.ir import plan
from stratum.ir import python as py
from stratum.runtime.errors import raise_at, strip_internal_frames


class Unbound:
    """The value of a name that opaque code left unbound."""

    def __init__(self, name: str):
        self.name = name


@dataclass(frozen=True)
class _Slot:
    obj: Any
    vid: int  # identity of this value for memoization


@dataclass(frozen=True)
class _Failure:
    exc: BaseException


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
    def __init__(self, module: ModuleOp, *, arguments: dict[str, Any] | None = None, stdout: TextIO | None = None):
        self.module = module
        self.arguments = arguments or {}
        self.stdout = stdout
        self._memo: dict[tuple[Any, ...], tuple[_Slot, ...] | _Failure] = {}
        self._vids = itertools.count()
        self._runs: dict[SSAValue, ScriptRun] = {}
        self._code_cache: dict[tuple[str, str, int], types.CodeType] = {}
        self.stats: dict[str, Any] = {"ops_executed": 0, "memo_hits": 0, "backends": collections.Counter()}

    # -- driving ------------------------------------------------------------

    def run(self) -> list[ScriptRun]:
        runs: list[ScriptRun] = []
        for top in self.module.body.block.ops:
            op, backend_name = _unwrap(top)
            if isinstance(op, py.ScriptBeginOp):
                run = ScriptRun(op.index.data, op.script.data, _script_module(op.script.data))
                runs.append(run)
                self._runs[top.results[0]] = run
                continue
            token = _token_operand(op)
            if token is None:
                continue  # pure: evaluated on demand
            run = self._runs.pop(token)
            if not run.finished:
                with _as_main(run.module):
                    self._effect(op, run, list(top.results))
            for result in top.results:
                if isinstance(result.type, py.TokenType):
                    self._runs[result] = run
        return runs

    def _effect(self, op: Operation, run: ScriptRun, results: list[SSAValue]) -> None:
        try:
            if isinstance(op, py.BindOp):
                for value in op.values:
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
        private = [_is_private(v) for v in op.inputs]
        values = _protective_copies(values, private)
        namespace = run.module.__dict__
        for name, value in zip(names_in, values):
            if isinstance(value, Unbound):
                namespace.pop(name, None)
            else:
                namespace[name] = value
        exec(self._code(op), namespace)
        for name, result in zip((n.data for n in op.names_out.data), outputs):
            obj = namespace.get(name, Unbound(name))
            run.values[result] = _Slot(obj, next(self._vids))

    def _code(self, op: py.ExecOp) -> types.CodeType:
        loc = op.location
        assert isinstance(loc, FileLineColLoc)
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
            self._code_cache[key] = code
        return code

    # -- pure values --------------------------------------------------------

    def _force(self, value: SSAValue, run: ScriptRun, anchor: Operation) -> Any:
        """The object of ``value`` in ``run``; failures surface at ``anchor``."""
        slot = run.values.get(value)
        if slot is None:
            outcome = self._evaluate(value, run)
            if isinstance(outcome, _Failure):
                owner, _, _ = _producer(value)
                self._raise_in_script(copy.copy(outcome.exc).with_traceback(outcome.exc.__traceback__), owner, anchor, run)
            slot = run.values[value]
        if isinstance(slot.obj, Unbound) and not isinstance(anchor, (py.ExecOp, py.BindOp)):
            self._raise_in_script(NameError(f"name {slot.obj.name!r} is not defined"), anchor, anchor, run)
        return slot.obj

    def _evaluate(self, value: SSAValue, run: ScriptRun) -> _Slot | _Failure:
        """Computes ``value`` and every value it needs, iteratively (graphs are deep)."""
        stack = [value]
        while stack:
            top = stack[-1]
            if top in run.values:
                stack.pop()
                continue
            op, backend_name, outputs = _producer(top)
            missing = [v for v in op.operands if v not in run.values]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            operand_slots = [run.values[v] for v in op.operands]
            if any(isinstance(s.obj, Unbound) for s in operand_slots):
                name = next(s.obj.name for s in operand_slots if isinstance(s.obj, Unbound))
                failure = _Failure(NameError(f"name {name!r} is not defined"))
                return failure
            outcome = self._compute(op, backend_name, operand_slots, run)
            if isinstance(outcome, _Failure):
                return outcome
            for result, slot in zip(outputs, outcome):
                run.values[result] = slot
        return run.values[value]

    def _compute(self, op: Operation, backend_name: str, operands: list[_Slot], run: ScriptRun) -> tuple[_Slot, ...] | _Failure:
        if isinstance(op, py.ArgOp):
            return (_Slot(self.arguments[op.arg.data], next(self._vids)),)
        key: tuple[Any, ...] = (op, *(s.vid for s in operands))
        if isinstance(op, df.ReadCsvOp):
            key = (*key, _stat(op.path.data))
        cached = self._memo.get(key)
        if cached is not None:
            self.stats["memo_hits"] += 1
            return cached
        self.stats["ops_executed"] += 1
        args = [s.obj for s in operands]
        try:
            objects, used = _execute(op, backend_name, args)
            self.stats["backends"][used] += 1
            outcome: tuple[_Slot, ...] | _Failure = tuple(_Slot(o, next(self._vids)) for o in objects)
        except Exception as exc:
            outcome = _Failure(exc)
        self._memo[key] = outcome
        return outcome

    def _raise_in_script(self, exc: BaseException, op: Operation, anchor: Operation, run: ScriptRun) -> None:
        loc = _location_in(op, run.path) or _location_in(anchor, run.path)
        if loc is None:
            raise exc
        raise_at(exc, loc.filename.data, loc.line.data, loc.column.data - 1)


def _execute(op: Operation, backend_name: str, args: list[Any]) -> tuple[tuple[Any, ...], str]:
    """The op's results, and the name of the backend that computed them."""
    if backend_name != "reference" and available(backend_name):
        chosen = backend(backend_name)
        if chosen.supports(op):
            try:
                return chosen.execute(op, args), backend_name
            except Exception:
                # A kernel never decides the outcome: when it declines, or on
                # any surprise, the reference implementation runs, and its
                # behaviour (result or exception) is the answer.
                pass
    return reference.execute(op, args), "reference"


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


def _location_in(op: Operation, path: str) -> FileLineColLoc | None:
    loc = op.location
    candidates = loc.locations.data if isinstance(loc, FusedLoc) else (loc,)
    for candidate in candidates:
        if isinstance(candidate, FileLineColLoc) and candidate.filename.data == path:
            return candidate
    return None


def _is_private(value: SSAValue) -> bool:
    """Objects only this script holds: made by its opaque code or passed by its caller."""
    op, _, _ = _producer(value)
    return isinstance(op, (py.ExecOp, py.ArgOp))


def _protective_copies(values: list[Any], private: list[bool]) -> list[Any]:
    """Copies of shared mutable inputs, made together so aliasing among them survives."""
    if all(private) or not values:
        return values
    memo: dict[int, Any] = {}
    for value, is_private in zip(values, private):
        if is_private:
            memo[id(value)] = value
        elif hasattr(value, "copy") and type(value).__module__.startswith("pandas"):
            memo[id(value)] = value.copy(deep=False)  # copy-on-write makes this safe and cheap
    try:
        return list(copy.deepcopy(tuple(values), memo))
    except Exception:
        return values  # uncopyable objects (generators, handles) are handed over as they are


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
