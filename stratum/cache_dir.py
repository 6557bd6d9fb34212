"""The per-user cache directory, created private (0700) and checked to be ours."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeCacheDir(RuntimeError):
    pass


def cache_root() -> Path:
    base = os.environ.get("STRATUM_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "stratum"


def private_dir(*parts: str) -> Path:
    """``cache_root()/parts``, created 0700; refuses a directory others can write."""
    path = cache_root().joinpath(*parts)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCacheDir(f"{path} is writable by other users; refusing to use it as a cache")
    return path
