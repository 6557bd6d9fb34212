"""A persistent, content-addressed cache of pure values, shared by concurrent runs.

A value's key is a hash of the op that computes it (its name, properties and
result types, never its location or SSA names) and the keys of its operands;
``df.read_csv`` adds the file's real path and a hash of its content, taken when
the script reaches the read. Values computed from opaque code, or from a
caller's arguments, have no key and are never cached; effects never are.

Entries are pickles behind a header (magic, payload length, BLAKE2b digest of
the payload). Writers write a temporary file in the same directory and rename
it into place, so readers see a whole entry or none; a reader that finds a
short or altered entry deletes it and recomputes. Entries are unpickled only
from a directory that we own and nobody else can write (``cache_dir``). Reads
refresh an entry's mtime; ``evict`` deletes the least recently used entries
beyond the size cap.

``lock`` serializes the computation of one key across processes (``flock``):
a second worker that needs a value another is computing waits, then reads it.
The kernel releases the lock when its holder dies, so a crash or a timeout of
one worker only makes the next one compute the value itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import pickle
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratum.cache_dir import check_private, make_private

_MAGIC = b"STRATUM-VALUE-1\n"
_HEADER = struct.Struct("<Q32s")  # payload length, blake2b-256 digest
DEFAULT_MAX_BYTES = 4 << 30
_MISS = object()


# Distributions whose versions values depend on, with their import names.
_SALTED = (("numpy", "numpy"), ("pandas", "pandas"), ("scikit-learn", "sklearn"), ("scipy", "scipy"),
           ("lightgbm", "lightgbm"), ("xgboost", "xgboost"), ("pyarrow", "pyarrow"), ("stratum", "stratum"))


def _salt() -> str:
    """Versions that values depend on: a library upgrade starts a fresh key space.

    Read from the installed distributions, not from imported modules: the
    cache is opened before the scripts import their libraries.
    """
    from importlib import metadata

    parts = [sys.version.split()[0]]
    for name, module_name in _SALTED:
        version = getattr(sys.modules.get(module_name), "__version__", None)  # no metadata scan when imported
        if not isinstance(version, str):
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "-"
        parts.append(f"{name}={version}")
    return ";".join(parts)


def digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def content_fingerprint(real: str) -> str | None:
    """``real:<hash of the file's bytes>``; None if it cannot be read."""
    h = hashlib.blake2b(digest_size=20)
    try:
        with open(real, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return f"{real}:{h.hexdigest()}"


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    corrupt: int = 0


class ValueCache:
    """Pickled values under ``root/<k[:2]>/<k>``; see the module docstring."""

    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, create: bool = True):
        root = Path(root).absolute()  # workers change directory: a relative root would move with them
        self.root = make_private(root) if create else check_private(root)
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._salt = _salt()
        self._file_hashes: dict[tuple[str, int, int, int], str] = {}

    # -- keys -----------------------------------------------------------------

    def key(self, *parts: str) -> str:
        return digest(self._salt, *parts)

    def file_fingerprint(self, path: str) -> str | None:
        """The real path and content hash of ``path`` as it is now; None if unreadable."""
        try:
            real = os.path.realpath(path)
            info = os.stat(real)
        except OSError:
            return None
        memo_key = (real, info.st_ino, info.st_size, info.st_mtime_ns)
        known = self._file_hashes.get(memo_key)
        if known is not None:
            return known
        # Hashing is memoized across runs by stat, itself in the cache.
        stat_key = self.key("file-stat", *map(str, memo_key))
        stored = self.get(stat_key, count=False)
        if isinstance(stored, str):
            self._file_hashes[memo_key] = stored
            return stored
        fingerprint = content_fingerprint(real)
        if fingerprint is None:
            return None
        self._file_hashes[memo_key] = fingerprint
        self.put(stat_key, fingerprint, count=False)
        return fingerprint

    # -- entries --------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def contains(self, key: str) -> bool:
        """Whether an entry is stored under ``key`` (not read: it may still turn out damaged)."""
        return os.path.exists(self._path(key))

    def get(self, key: str, *, count: bool = True) -> Any:
        """The stored value, or ``MISS``; a damaged entry is deleted and counts as a miss."""
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            if count:
                self.stats.misses += 1
            return _MISS
        value = _decode(data)
        if value is _MISS:
            self.stats.corrupt += 1
            with contextlib.suppress(OSError):
                path.unlink()
            if count:
                self.stats.misses += 1
            return _MISS
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used
        if count:
            self.stats.hits += 1
        return value

    def put(self, key: str, value: Any, *, count: bool = True) -> bool:
        """Stores ``value`` atomically; False when it cannot be pickled."""
        try:
            payload = pickle.dumps(value, protocol=5)
        except Exception:
            return False
        path = self._path(key)
        directory = path.parent
        try:
            directory.mkdir(mode=0o700, exist_ok=True)
            temp = directory / f".tmp-{os.getpid()}-{key}"
            with open(temp, "wb") as handle:
                handle.write(_MAGIC + _HEADER.pack(len(payload), hashlib.blake2b(payload, digest_size=32).digest()))
                handle.write(payload)
            os.replace(temp, path)
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()
            return False
        if count:
            self.stats.stores += 1
        return True

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Holds an exclusive inter-process lock on ``key`` while the block runs."""
        locks = self.root / "locks"
        locks.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(locks / key, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    # -- size -----------------------------------------------------------------

    def entries(self) -> list[tuple[float, int, Path]]:
        found = []
        for sub in self.root.iterdir():
            if len(sub.name) != 2 or not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                if entry.name.startswith(".tmp-"):
                    continue
                with contextlib.suppress(OSError):
                    info = entry.stat()
                    found.append((info.st_mtime, info.st_size, Path(entry.path)))
        return found

    def evict(self) -> int:
        """Deletes least recently used entries until the cache fits its cap; returns how many."""
        entries = sorted(self.entries())
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
            total -= size
        if removed:
            with contextlib.suppress(OSError):
                for lock in (self.root / "locks").iterdir():
                    lock.unlink()
        return removed


MISS = _MISS


def _decode(data: bytes) -> Any:
    start = len(_MAGIC) + _HEADER.size
    if len(data) < start or not data.startswith(_MAGIC):
        return _MISS
    length, expected = _HEADER.unpack_from(data, len(_MAGIC))
    payload = memoryview(data)[start:]
    if len(payload) != length or hashlib.blake2b(payload, digest_size=32).digest() != expected:
        return _MISS
    try:
        return pickle.load(io.BytesIO(payload))
    except Exception:
        return _MISS


def parse_size(text: str) -> int:
    """``"500M"``, ``"2G"``, ``"1048576"`` -> bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = text.strip().upper().removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)
