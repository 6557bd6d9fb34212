"""Deferred library imports: an import statement need not import when nothing needs the module.

``import pandas as pd`` is a ``python.bind`` of a ``python.import``: the
bind forces the import at the statement, so that a missing module raises
ImportError at the script's line and import-time warnings appear where
python shows them. When a rerun takes every value that uses
``sklearn.ensemble`` from the value cache, importing it (about a second for
scikit-learn) is the whole cost of the statement and changes nothing the
script shows.

So a bind may leave an import to be evaluated on demand (by the first op
that needs the module, if any) when it is known to succeed silently: the
executor records a verdict the first time it evaluates the import with no
exception and no warning, keyed by the module, the name imported from it,
the library versions (the cache's salt), the module search path as the
script sees it (a local ``sklearn.py`` beside the script changes the key)
and the file the top-level package is found in, with its modification
time. Only well-known libraries qualify (``DEFERRABLE_ROOTS``): importing
them has no effect a script can observe other than the module objects,
and a script that looks at which modules are loaded (``sys.modules``,
``importlib``, ``pkgutil``) imports at its statements as python does.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import os
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from stratum.runtime.cache import MISS, ValueCache

# Libraries whose import has no observable effect beyond the modules it creates.
DEFERRABLE_ROOTS = frozenset({"numpy", "pandas", "sklearn", "scipy", "lightgbm", "xgboost"})
_VERDICT = "import-verdict-1"
# Libraries whose import (~1 s for scikit-learn) costs more than recomputing most values
# that need them: a value needing one is worth storing however quick it was.
EXPENSIVE_ROOTS = DEFERRABLE_ROOTS - {"numpy", "pandas"}


def deferrable(module: str) -> bool:
    return module.split(".")[0] in DEFERRABLE_ROOTS


def expensive(module: str) -> bool:
    return module.split(".")[0] in EXPENSIVE_ROOTS


# Ways a script can see whether a module has been imported yet.
_LOOKS_AT_LOADED_MODULES = re.compile(rb"\bsys\s*\.\s*modules\b|\bimportlib\b|\bpkgutil\b")


def looks_at_loaded_modules(script: str) -> bool:
    """Whether ``script``'s text could observe a deferred import (unreadable: assume so)."""
    try:
        stat = os.stat(script)
    except OSError:
        return True
    return _looks_at_loaded_modules(script, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _looks_at_loaded_modules(script: str, mtime: int, size: int) -> bool:
    try:
        with open(script, "rb") as handle:
            return _LOOKS_AT_LOADED_MODULES.search(handle.read()) is not None
    except OSError:
        return True


def _verdict_key(cache: ValueCache, module: str, attr: str, search_path: Sequence[str]) -> str | None:
    root = module.split(".")[0]
    path = list(search_path)
    try:
        spec = importlib.machinery.PathFinder.find_spec(root, path)
        origin = spec.origin if spec is not None else None
        if origin is None:  # not found, or a namespace package: no file to fingerprint
            return None
        mtime = os.stat(origin).st_mtime_ns
    except (OSError, ImportError, ValueError):
        return None
    return cache.key(_VERDICT, module, attr, "\x1f".join(path), origin, str(mtime))


def known_silent(cache: ValueCache, module: str, attr: str, search_path: Sequence[str] | None = None) -> bool:
    """Whether importing ``attr`` from ``module`` is recorded to succeed without a warning here."""
    if not deferrable(module):
        return False
    key = _verdict_key(cache, module, attr, sys.path if search_path is None else search_path)
    return key is not None and cache.get(key, count=False) is not MISS


def record_silent(cache: ValueCache, module: str, attr: str) -> None:
    """Records that the import just succeeded without a warning, under the current search path."""
    if not deferrable(module):
        return
    key = _verdict_key(cache, module, attr, sys.path)
    if key is not None and cache.get(key, count=False) is MISS:
        cache.put(key, True, count=False)


# The worker's replay watch (replay.RunWatch), told of each library import so
# that a library's own draws from the global random generators at import time
# are not taken for the script's.
_watch: Any = None


def watch_imports(watch: Any) -> None:
    global _watch
    _watch = watch


@contextlib.contextmanager
def importing() -> Iterator[None]:
    watch = _watch
    if watch is not None:
        watch.import_started()
    try:
        yield
    finally:
        if watch is not None:
            watch.import_finished()
