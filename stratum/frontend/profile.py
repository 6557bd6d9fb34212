"""Compile-time profiles of data sources: schema, nulls, row count.

A profile is keyed by the file's content fingerprint and the read options, and
cached on disk, so recompiling against unchanged data does not touch pandas.
Profiles only inform compile-time decisions; the runtime never trusts them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratum.cache_dir import UnsafeCacheDir, private_dir

MISSING = "missing"


@dataclass(frozen=True)
class Profile:
    columns: tuple[str, ...]
    dtypes: tuple[str, ...]
    nulls: tuple[int, ...]
    rows: int

    @property
    def schema(self) -> list[tuple[str, str]]:
        return list(zip(self.columns, self.dtypes, strict=True))


_fingerprints: dict[tuple[str, int, int], str] = {}
# Every file fingerprinted in this process: the compile cache revalidates them.
consulted: dict[str, tuple[int, int, str]] = {}


def fingerprint(path: Path) -> str:
    """A content hash of the file (memoized on path, size and mtime)."""
    try:
        info = path.stat()
    except OSError:
        consulted[str(path.resolve())] = (-1, -1, MISSING)
        return MISSING
    key = (str(path.resolve()), info.st_size, info.st_mtime_ns)
    if key not in _fingerprints:
        digest = hashlib.blake2b(digest_size=16)
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        _fingerprints[key] = digest.hexdigest()
    consulted[key[0]] = (info.st_size, info.st_mtime_ns, _fingerprints[key])
    return _fingerprints[key]


def profile_csv(path: Path, options: dict[str, Any], fp: str) -> Profile | None:
    """Profile ``pd.read_csv(path, **options)``; None if it cannot be read."""
    if fp == MISSING:
        return None
    key = hashlib.blake2b(
        json.dumps([fp, sorted(options.items(), key=lambda kv: kv[0])], default=repr).encode(),
        digest_size=16,
    ).hexdigest()
    try:
        cache_file: Path | None = private_dir("profiles") / f"{key}.json"
    except (OSError, UnsafeCacheDir):
        cache_file = None
    if cache_file is not None and cache_file.exists():
        try:
            data = json.loads(cache_file.read_text())
            return Profile(tuple(data["columns"]), tuple(data["dtypes"]), tuple(data["nulls"]), data["rows"])
        except (OSError, ValueError, KeyError):
            pass  # a corrupt entry is recomputed below
    import pandas as pd

    try:
        frame = pd.read_csv(path, **options)
    except Exception:  # the script will hit the same error at run time, in order
        return None
    if not frame.columns.is_unique or not all(isinstance(c, str) for c in frame.columns):
        return None  # names the frame type cannot carry faithfully
    prof = Profile(
        tuple(str(c) for c in frame.columns),
        tuple(str(d) for d in frame.dtypes),
        tuple(int(n) for n in frame.isna().sum()),
        len(frame),
    )
    if cache_file is not None:
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(prof.__dict__))
        os.replace(tmp, cache_file)  # atomic: concurrent compiles never see half a file
    return prof
