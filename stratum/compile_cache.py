"""Reuse of compiled batches across runs: an unchanged batch over unchanged data.

The frontend's output depends on the scripts' text and paths, the current
directory (relative data paths), the data files it profiled, the pass
pipeline and Stratum itself. The key hashes all of it but the data; each
entry records the files the frontend consulted (size, mtime and content
hash) and is used only if they are unchanged, re-hashing a file only when its
size or mtime moved. Entries are pickles, so they live in the private 0700
cache directory and are written atomically; a corrupt entry is recompiled.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratum.cache_dir import UnsafeCacheDir, private_dir

_FORMAT = 1


def _stratum_fingerprint() -> str:
    # Any change to Stratum's own code may change what it compiles to.
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        info = path.stat()
        digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


_STRATUM = _stratum_fingerprint()


def key(sources: list[tuple[str, str]], passes: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in (str(_FORMAT), _STRATUM, os.getcwd(), passes):
        digest.update(part.encode() + b"\0")
    for path, source in sources:
        digest.update(os.path.abspath(path).encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()


@dataclass
class Entry:
    compiled: Any
    data_files: dict[str, tuple[int, int, str]]  # path -> (size, mtime_ns, content hash)


def _directory() -> Path | None:
    try:
        return private_dir("compiled")
    except (OSError, UnsafeCacheDir):
        return None


def _unchanged(data_files: dict[str, tuple[int, int, str]]) -> bool:
    from stratum.frontend.profile import MISSING, fingerprint

    for path, (size, mtime, digest) in data_files.items():
        try:
            info = os.stat(path)
        except OSError:
            if digest != MISSING:
                return False
            continue
        if (info.st_size, info.st_mtime_ns) != (size, mtime) and fingerprint(Path(path)) != digest:
            return False
    return True


def load(cache_key: str) -> Any | None:
    directory = _directory()
    if directory is None:
        return None
    path = directory / f"{cache_key}.pickle"
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception:  # truncated or from an incompatible version: compile again
        return None
    if not isinstance(entry, Entry) or not _unchanged(entry.data_files):
        return None
    return entry.compiled


def store(cache_key: str, compiled: Any, data_files: dict[str, tuple[int, int, str]]) -> None:
    directory = _directory()
    if directory is None:
        return
    try:
        data = pickle.dumps(Entry(compiled, data_files), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return  # something in the IR does not pickle: nothing cached
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, directory / f"{cache_key}.pickle")  # atomic: readers see all or nothing
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
