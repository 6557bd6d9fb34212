"""Warnings of library calls shown where python would show them.

A native op runs the library call from one of Stratum's frames, so a
warning's ``stacklevel`` that reaches the library's caller reaches Stratum:
under python that caller is the script's statement, so such warnings are
shown at the script's file and line, in ``__main__``. A warning whose
``stacklevel`` stays inside the library (scikit-learn's ConvergenceWarning,
numpy's RuntimeWarning raised in pandas' ufunc dispatch) names the library's
file and line under python too, and is filtered through that module's
registry: it is issued again there.
"""

from __future__ import annotations

import contextlib
import os
import sys
import types
import warnings
from collections.abc import Iterator
from typing import Any

_STRATUM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


_by_file: dict[str, types.ModuleType] = {}
_indexed = [-1]  # len(sys.modules) when _by_file was built


def module_of_file(filename: str) -> types.ModuleType | None:
    """The imported module whose source is ``filename`` (where its warnings' registry lives).

    The file -> module index is rebuilt only when modules were imported since:
    a script can warn thousands of times, and there are thousands of modules.
    """
    filename = os.path.abspath(filename)
    module = _by_file.get(filename)
    if module is not None and getattr(module, "__file__", None) and sys.modules.get(module.__name__) is module:
        return module
    if _indexed[0] != len(sys.modules):
        _by_file.clear()
        for candidate in list(sys.modules.values()):
            path = getattr(candidate, "__file__", None)
            if isinstance(path, str):
                _by_file.setdefault(os.path.abspath(path), candidate)
        _indexed[0] = len(sys.modules)
    return _by_file.get(filename)


# What python's registries would hold for library locations. Python empties a
# registry whenever anything changed the filters since it was last used (a
# ``catch_warnings`` or ``simplefilter`` anywhere: scikit-learn and LightGBM
# do so inside their fits, so python shows their warnings again at every
# fit). Stratum's own ``catch_warnings`` around every native op change them
# too, which python never does: so Stratum keeps its own record, emptied when
# code other than Stratum's bookkeeping changed the filters (counted by
# wrapping ``warnings._filters_mutated``, which every change calls).
_shown: dict[str, set[tuple[Any, ...]]] = {}
_mutations = [0, 0]  # changes of the filters made outside Stratum's bookkeeping; the count _shown was made under
_bookkeeping_depth = [0]


def _install_counter() -> None:
    original = warnings._filters_mutated  # type: ignore[attr-defined]
    if getattr(original, "_stratum_counter", False):
        return

    def counting() -> None:
        original()
        if not _bookkeeping_depth[0]:
            _mutations[0] += 1

    counting._stratum_counter = True  # type: ignore[attr-defined]
    warnings._filters_mutated = counting  # type: ignore[attr-defined]


_install_counter()


def filter_changes() -> int:
    """How many times code other than Stratum's bookkeeping changed the warning filters."""
    return _mutations[0]


def filters_changed() -> None:
    """Counts a change python would have made here (a cached library call's, replayed)."""
    _mutations[0] += 1


@contextlib.contextmanager
def _bookkeeping() -> Iterator[None]:
    _bookkeeping_depth[0] += 1
    try:
        yield
    finally:
        _bookkeeping_depth[0] -= 1


@contextlib.contextmanager
def recording() -> Iterator[list[warnings.WarningMessage]]:
    """``catch_warnings(record=True)`` with every warning recorded, around library code run
    for the script: entering and leaving are Stratum's (python never does them), what the
    code inside does to the filters is the library's, as under python."""
    with _bookkeeping():
        context = warnings.catch_warnings(record=True)
        caught = context.__enter__()
        warnings.simplefilter("always")
    try:
        yield caught  # type: ignore[misc]
    finally:
        with _bookkeeping():
            context.__exit__(None, None, None)


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Warnings ignored around Stratum's own computations (probes, samples), which python never runs."""
    with _bookkeeping(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _action(text: str, category: type[Warning], module: str, lineno: int) -> str:
    """The action of the first filter that matches, as ``warnings.warn_explicit`` chooses it."""
    for action, message_re, filter_category, module_re, filter_lineno in warnings.filters:
        if (
            (message_re is None or message_re.match(text))
            and issubclass(category, filter_category)
            and (module_re is None or module_re.match(module))
            and (filter_lineno == 0 or filter_lineno == lineno)
        ):
            return action
    return warnings.defaultaction


def warn_at_library(message: Any, category: type[Warning], filename: str, lineno: int) -> bool:
    """Issues the warning at the library's own location; False if that location is not a library's."""
    if not filename or os.path.abspath(filename).startswith(_STRATUM_DIR):
        return False
    module = module_of_file(filename)
    if module is None:
        return False
    if isinstance(message, Warning):
        text, category = str(message), type(message)
    else:
        text = str(message)
    if _mutations[1] != _mutations[0]:
        _shown.clear()
        _mutations[1] = _mutations[0]
    action = _action(text, category, module.__name__, lineno)
    key: tuple[Any, ...] | None = None
    if action == "default":
        key = (module.__name__, text, category, lineno)
    elif action == "module":
        key = (module.__name__, text, category, 0)
    elif action == "once":
        key = ("", text, category)
    if key is not None:
        seen = _shown.setdefault(key[0], set())
        if key in seen:
            return True  # python shows it once here: already shown
        seen.add(key)
    warnings.warn_explicit(message, category, filename, lineno, module=module.__name__, registry=None, module_globals=module.__dict__)
    return True


def warn_as_python(w: warnings.WarningMessage, script_file: str, script_line: int, script_module: types.ModuleType) -> None:
    """One caught warning, at the library's location or else at the script's statement."""
    if warn_at_library(w.message, w.category, w.filename, w.lineno):
        return
    registry = script_module.__dict__.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        w.message, w.category, script_file, script_line,
        module="__main__", registry=registry, module_globals=script_module.__dict__,
    )
