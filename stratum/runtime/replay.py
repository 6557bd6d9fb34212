"""Replaying a script's whole outcome when nothing it depends on changed.

An agent's next batch reruns mostly the same scripts. A script is a function
of its source, the files it reads, its environment and the libraries; when
all of those are what they were in an earlier run, running it again can only
reproduce what that run produced, so the batch runner replays the stored
outcome instead: stdout, stderr, exit status and every file the script
wrote.

Only scripts that are deterministic by construction qualify, checked twice:

* statically (``replayable_source``): the script imports only libraries whose
  results depend on their inputs alone, and uses no clock, no unseeded or
  OS-seeded random generator, no absolute or parent-relative paths, no
  subprocesses, sockets or dynamic imports;
* while it runs (``RunWatch``): numpy's and Python's global random
  generators were either untouched or seeded before any draw, and every
  file it opened for reading outside its base directory is recorded with its
  content hash.

The key covers the script's path and text, its argv, the environment, the
Python executable and library versions, Stratum's own code, the timeout and
the content of every file under the base directory (which each script sees
as its starting directory). A recorded outside read that changed, or any
change to the key, means the script runs. Timeouts and crashes are never
stored. Entries live in the value cache (private, checksummed, atomic).
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratum.runtime.cache import MISS, ValueCache

FORMAT = "replay-2"
MAX_STORED_BYTES = 64 << 20  # files written above this are not stored: rerunning is cheaper than the disk

# Imports whose results are a function of their inputs (given fixed seeds, checked at run time).
_DETERMINISTIC_ROOTS = frozenset(
    {
        "numpy", "pandas", "sklearn", "scipy", "lightgbm", "xgboost", "catboost", "statsmodels",
        "math", "cmath", "statistics", "collections", "itertools", "functools", "operator", "typing",
        "dataclasses", "warnings", "re", "json", "string", "copy", "decimal", "fractions", "enum",
        "abc", "textwrap", "pprint", "heapq", "bisect", "numbers", "os", "sys", "gc", "random",
    }
)
# Attribute names that read a clock or OS entropy, wherever they appear.
_NONDETERMINISTIC_ATTRS = frozenset({"now", "today", "utcnow", "time", "perf_counter", "monotonic", "process_time", "urandom", "getpid", "listdir", "scandir", "walk", "environ", "getenv", "system", "popen"})
_VOLATILE_ENV = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})


def replayable_source(source: str) -> bool:
    """Whether the script's text rules out every source of nondeterminism the run-time watch cannot see."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] not in _DETERMINISTIC_ROOTS for alias in node.names):
                return False
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".")[0] not in _DETERMINISTIC_ROOTS:
                return False
        elif isinstance(node, ast.Attribute) and node.attr in _NONDETERMINISTIC_ATTRS:
            return False
        elif isinstance(node, ast.Name) and node.id in ("__import__", "input", "breakpoint"):
            return False
        elif isinstance(node, ast.Call) and _unseeded_generator(node):
            return False
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _outside_path(node.value):
            return False
    return True


def _unseeded_generator(call: ast.Call) -> bool:
    """``default_rng()``, ``RandomState()``, ``Generator(...)``, ``random.Random()``: seeded from the OS."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id if isinstance(call.func, ast.Name) else ""
    if name in ("default_rng", "RandomState", "Random", "SeedSequence"):
        seed = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("seed", "x", "entropy")), None)
        return seed is None or (isinstance(seed, ast.Constant) and seed.value is None)
    return False


def _outside_path(text: str) -> bool:
    return text.startswith(("/", "~")) or ".." in text.replace("\\", "/").split("/")


# -- the key -----------------------------------------------------------------------


def tree_fingerprint(base: Path, cache: ValueCache, skip: set[str]) -> str | None:
    """Names, kinds and contents of everything under ``base``, as every script's directory starts."""
    parts: list[str] = []
    for root, dirs, files in os.walk(base, followlinks=True):
        dirs[:] = sorted(d for d in dirs if os.path.realpath(os.path.join(root, d)) not in skip)
        relative = os.path.relpath(root, base)
        parts.append(f"d:{relative}")
        for name in sorted(files):
            fingerprint = cache.file_fingerprint(os.path.join(root, name))
            if fingerprint is None:
                return None
            parts.append(f"f:{relative}/{name}:{fingerprint.rpartition(':')[2]}")
    return "\n".join(parts)


def outcome_key(cache: ValueCache, *, script: str, source: str, tree: str, timeout: float | None, stratum: str) -> str:
    environment = sorted((k, v) for k, v in os.environ.items() if k not in _VOLATILE_ENV)
    return cache.key(FORMAT, stratum, sys.executable, os.path.abspath(script), source, repr([script]), repr(environment), repr(timeout), tree)


# -- what a run records ------------------------------------------------------------------


@dataclass
class RunWatch:
    """Installed in a worker before its script runs: random generators and outside reads."""

    base: str
    directory: str
    reads: dict[str, str] = field(default_factory=dict)  # outside files read -> content fingerprint
    _states: dict[str, Any] = field(default_factory=dict)  # each generator's state as the script last left it
    _seeded_first: dict[str, bool] = field(default_factory=dict)
    _drawn: set[str] = field(default_factory=set)  # generators the script itself drew from before seeding

    def install(self, cache: ValueCache | None) -> None:
        self._cache = cache
        self._hashing = False
        self._opened: list[str] = []
        # The script's own inputs are in the key already; system files and the installed
        # libraries (their versions are in the key) are the machine, not the script's data.
        # Not every sys.path entry: a source checkout on it may hold data files.
        # Stratum's own cache is read by Stratum, not by the script.
        import site

        system = {"/proc", "/sys", "/dev", sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(), site.getusersitepackages(), str(getattr(cache, "root", "") or "")}
        self._covered = tuple(os.path.realpath(p) + os.sep for p in (self.base, self.directory, *system) if p)
        for name, module in _generators():
            self._states[name] = _state(name, module)
            self._wrap_seed(name, module)
        from stratum.runtime import imports

        imports.watch_imports(self)

    def import_started(self) -> None:
        """A library is about to be imported: a state change before it was the script's own draw."""
        for name, module in _generators():
            if name in self._states and name not in self._seeded_first and _state(name, module) != self._states[name]:
                self._drawn.add(name)

    def import_finished(self) -> None:
        """Draws made while importing are the library's (rich and lightgbm draw at import), not the script's."""
        for name, module in _generators():
            if name in self._states:
                self._states[name] = _state(name, module)

    def _wrap_seed(self, name: str, module: Any) -> None:
        original = module.seed
        watch = self

        def seed(*args: Any, **kwargs: Any) -> Any:
            if name not in watch._seeded_first:
                value = args[0] if args else kwargs.get("seed", kwargs.get("a"))
                # Deterministic only if nothing was drawn before and the seed is a value, not the OS.
                watch._seeded_first[name] = value is not None and name not in watch._drawn and _state(name, module) == watch._states[name]
            return original(*args, **kwargs)

        module.seed = seed

    def opened(self, file: Any) -> None:
        """Called for each open for reading; notes files outside the base and the script's directory."""
        if self._hashing or not isinstance(file, (str, bytes, os.PathLike)):
            return
        real = os.path.realpath(os.fsdecode(file))
        if real.startswith(self._covered) or real in self._opened:
            return
        self._opened.append(real)

    def outside_reads(self) -> dict[str, str]:
        """Each outside file read, with its content hash now (the cache hashes it once per stat)."""
        self._hashing = True
        try:
            for real in self._opened:
                if real not in self.reads:
                    fingerprint = self._cache.file_fingerprint(real) if self._cache is not None else None
                    self.reads[real] = fingerprint or "unreadable"
        finally:
            self._hashing = False
        return self.reads

    def deterministic(self) -> bool:
        for name, module in _generators():
            if self._seeded_first.get(name, False):
                continue
            if name in self._drawn or (name in self._states and _state(name, module) != self._states[name]):
                return False
        return True


def _generators() -> list[tuple[str, Any]]:
    found = []
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        found.append(("numpy", numpy.random))
    import random

    found.append(("random", random))
    return found


def _state(name: str, module: Any) -> Any:
    if name == "numpy":
        kind, keys, pos, has_gauss, gauss = module.get_state()
        return (kind, keys.tobytes(), pos, has_gauss, gauss)
    return module.getstate()


# -- storing and replaying ----------------------------------------------------------------


def collect(directory: Path, reserved: tuple[str, ...]) -> dict[str, bytes] | None:
    """The files a finished script left in its directory (its stdout and stderr
    files included), or None when too large to store."""
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(directory.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = str(path.relative_to(directory))
        if relative in reserved:
            continue
        total += path.stat().st_size
        if total > MAX_STORED_BYTES:
            return None
        files[relative] = path.read_bytes()
    return files


def store(cache: ValueCache, key: str, entry: dict[str, Any]) -> bool:
    return cache.put(key, entry, count=False)


def lookup(cache: ValueCache, key: str) -> dict[str, Any] | None:
    entry = cache.get(key, count=False)
    if entry is MISS or not isinstance(entry, dict):
        return None
    for path, fingerprint in entry.get("reads", {}).items():
        if cache.file_fingerprint(path) != fingerprint:
            return None  # a file it read elsewhere changed: it must run
    return entry


def restore(directory: Path, entry: dict[str, Any]) -> None:
    """Writes what the earlier run left: its files (after the mirror is gone) and its output streams."""
    for relative, data in entry["files"].items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)
