"""Exceptions as the script itself would have raised them.

Frames of Stratum's own code are removed from tracebacks. An exception raised
by a native op is re-raised from a one-statement code object compiled at the
script's file and line, so the traceback reads like Python's own.
"""

from __future__ import annotations

import ast
import linecache
import sys
import traceback
from pathlib import Path
from types import TracebackType

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


def raise_at(exc: BaseException, filename: str, line: int, col: int) -> None:
    """Raises ``exc`` from a frame at ``filename:line`` of the script's top level."""
    strip_internal_frames(exc)
    text = linecache.getline(filename, line)
    stmt = ast.Raise(exc=ast.Name(id=_STUB_NAME, ctx=ast.Load()), cause=None)
    end = len(text.rstrip("\r\n")) if text else col + 1
    # Spanning the whole line makes the traceback print the line without carets.
    for node in (stmt, stmt.exc):
        node.lineno, node.end_lineno = line, line  # type: ignore[union-attr]
        node.col_offset, node.end_col_offset = 0, max(end, 1)  # type: ignore[union-attr]
    code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec")
    exec(code, {_STUB_NAME: exc})


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(strip_internal_frames(exc)))


def print_exception(exc: BaseException) -> None:
    sys.stderr.write(format_exception(exc))
    sys.stderr.flush()
