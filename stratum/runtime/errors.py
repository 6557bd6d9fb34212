"""Exceptions as the script itself would have raised them.

Frames of Stratum's own code are removed from tracebacks. An exception raised
by a native op is re-raised through code objects compiled at the script's
file and lines, one per frame python would have had (the script's inlined
functions included), so the traceback reads like Python's own.
"""

from __future__ import annotations

import ast
import functools
import linecache
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from xdsl.dialects.builtin import CallSiteLoc, FileLineColLoc, NameLoc
from xdsl.ir import Attribute

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
_STUB_NAME = "__stratum_exception__"


def _is_internal(tb: TracebackType) -> bool:
    filename = tb.tb_frame.f_code.co_filename
    return filename.startswith(_PACKAGE_DIR)


def strip_internal_frames(exc: BaseException) -> BaseException:
    """Drops Stratum's frames from ``exc`` and the exceptions chained to it."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        kept: list[TracebackType] = []
        tb = e.__traceback__
        while tb is not None:
            if not _is_internal(tb):
                kept.append(tb)
            tb = tb.tb_next
        new_tb = None
        for entry in reversed(kept):
            new_tb = TracebackType(new_tb, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
        e.__traceback__ = new_tb
        todo.extend((e.__cause__, e.__context__))
    return exc


@dataclass(frozen=True)
class Frame:
    """A frame the script would have: the function it runs in, and where it stands."""

    function: str  # "<module>" at the top level
    filename: str
    line: int
    col: int  # 0-based, where the expression at that position starts


def frames_of(loc: Attribute) -> list[Frame]:
    """The frames an op's location describes, outermost first.

    Ops lowered inside an inlined function carry ``callsite(NAME(pos) at
    caller)``: ``NAME`` is the function the op is in, ``caller`` where it was
    called from (itself a call site, or a position at the top level).
    """
    if isinstance(loc, FileLineColLoc):
        return [Frame("<module>", loc.filename.data, loc.line.data, loc.column.data - 1)]
    if isinstance(loc, NameLoc):
        inner = frames_of(loc.location)
        return [Frame(loc.desc.data, f.filename, f.line, f.col) for f in inner[-1:]] if inner else []
    if isinstance(loc, CallSiteLoc):
        return frames_of(loc.caller) + frames_of(loc.callee)
    return []


def innermost(loc: Attribute) -> FileLineColLoc | None:
    """The position an op's location points at, through call sites and names."""
    while True:
        if isinstance(loc, FileLineColLoc):
            return loc
        if isinstance(loc, NameLoc):
            loc = loc.location
        elif isinstance(loc, CallSiteLoc):
            loc = loc.callee
        else:
            return None


def _expression_span(filename: str, line: int, col: int, prefer: tuple[type, ...], callee: str | None = None, nested: int = 0) -> tuple[int, int] | None:
    """Columns of the expression starting at ``line:col`` that python would point at, if on one line.

    ``callee`` names the function or method that failed: of chained calls
    starting at one position (``a.fillna(0).astype(t)``), the one calling it;
    ``nested`` counts the expressions of the same kind inside it that start
    there too.
    """
    tree = _parsed(filename)
    if tree is None:
        return None
    found: list[ast.expr] = [
        n for n in ast.walk(tree) if isinstance(n, ast.expr) and n.lineno == line and n.col_offset == col and n.end_lineno == line
    ]
    if callee is not None:
        named = [n for n in found if isinstance(n, ast.Call) and _called_name(n) == callee]
        if named and prefer[0] is ast.Attribute:
            # The method itself was missing: python points at the attribute, without the call.
            found = [n.func for n in named if isinstance(n.func, ast.Attribute)] or named
        elif named:
            found = named
    for kind in prefer:
        matches = [n for n in found if isinstance(n, kind)]
        if matches:
            matches.sort(key=lambda n: n.end_col_offset or 0)  # innermost first, as evaluated
            node = matches[min(nested, len(matches) - 1)] if kind is prefer[0] else matches[0]
            return node.col_offset, node.end_col_offset or node.col_offset + 1
    return None


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


@functools.lru_cache(maxsize=32)
def _parsed_text(filename: str, text: str) -> ast.Module | None:
    try:
        return ast.parse(text, filename)
    except (SyntaxError, ValueError):
        return None


def _parsed(filename: str) -> ast.Module | None:
    lines = linecache.getlines(filename)
    return _parsed_text(filename, "".join(lines)) if lines else None


CALL_FIRST: tuple[type, ...] = (ast.Call, ast.Subscript, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Attribute)
SUBSCRIPT_FIRST: tuple[type, ...] = (ast.Subscript, ast.Call, ast.BinOp, ast.Attribute)
OPERATOR_FIRST: tuple[type, ...] = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Subscript)


def _place(node: ast.AST, frame: Frame, span: tuple[int, int] | None) -> None:
    text = linecache.getline(frame.filename, frame.line)
    # Spanning the whole line makes the traceback print the line without carets.
    start, end = span if span is not None else (0, max(len(text.rstrip("\r\n")) if text else frame.col + 1, 1))
    for inner in ast.walk(node):
        if isinstance(inner, (ast.stmt, ast.expr)):
            inner.lineno, inner.end_lineno = frame.line, frame.line
            inner.col_offset, inner.end_col_offset = start, end


def raise_through(exc: BaseException, frames: list[Frame], prefer: tuple[type, ...] = CALL_FIRST, callee: str | None = None, nested: int = 0) -> None:
    """Raises ``exc`` as python would have at the last of ``frames``, called through the others.

    Every frame but the first is a function the script defined (and Stratum
    inlined); each calls the next from its position. The last raises:
    ``prefer`` says which expression starting there failed (a subscript, a
    call, an operator), so the carets under the line are python's. When
    ``exc`` already has a traceback (opaque code that raised), its frames
    follow the last one.
    """
    strip_internal_frames(exc)
    filename = frames[-1].filename
    names = [f"{_STUB_NAME}{i}" for i in range(len(frames))]

    def step(i: int) -> ast.stmt:
        frame = frames[i]
        if i == len(frames) - 1:
            stmt: ast.stmt = ast.Raise(exc=ast.Name(id=_STUB_NAME, ctx=ast.Load()), cause=None)
            _place(stmt, frame, _expression_span(filename, frame.line, frame.col, prefer, callee, nested))
        else:
            stmt = ast.Expr(value=ast.Call(func=ast.Name(id=names[i + 1], ctx=ast.Load()), args=[], keywords=[]))
            _place(stmt, frame, _expression_span(filename, frame.line, frame.col, (ast.Call,)))
        return stmt

    body: list[ast.stmt] = []
    for i in range(1, len(frames)):
        function = ast.FunctionDef(name=names[i], args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=[step(i)], decorator_list=[], returns=None, type_params=[])
        function.lineno = function.end_lineno = frames[i].line
        function.col_offset, function.end_col_offset = 0, 1
        body.append(function)
    body.append(step(0))
    code = compile(ast.Module(body=body, type_ignores=[]), filename, "exec")
    # Each function's code object takes the script function's name, as its frame would have.
    renamed = code.replace(co_consts=tuple(_renamed(c, names, frames) for c in code.co_consts))
    namespace: dict[str, object] = {_STUB_NAME: exc}
    exec(renamed, namespace)


def _renamed(const: object, names: list[str], frames: list[Frame]) -> object:
    if isinstance(const, types.CodeType) and const.co_name in names:
        name = frames[names.index(const.co_name)].function
        return const.replace(co_name=name, co_qualname=name)
    return const


def print_exception(exc: BaseException) -> None:
    """What python prints for an uncaught exception: through ``sys.excepthook``, which by
    default is the interpreter's own display (with its "Did you mean" suggestions, which
    the ``traceback`` module of Python 3.11 does not compute)."""
    strip_internal_frames(exc)
    sys.stderr.flush()
    sys.excepthook(type(exc), exc, exc.__traceback__)
    sys.stderr.flush()


def die_of_interrupt(interrupt: KeyboardInterrupt) -> NoReturn:
    """What python does with a KeyboardInterrupt the script did not catch: its traceback
    (the script's frames only), the exit handlers, flushed streams, then death by SIGINT."""
    import atexit
    import os
    import signal
    import traceback

    sys.stderr.write("".join(traceback.format_exception(strip_internal_frames(interrupt))))
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)
    raise SystemExit(130)  # SIGINT was blocked: exit as a shell reports it
