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


def check_private(path: Path) -> Path:
    """Refuses ``path`` unless it is a real directory owned by us that nobody else can write."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeCacheDir(f"{path} is a symbolic link; refusing to use it as a cache")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeCacheDir(f"{path} is not a directory; refusing to use it as a cache")
    if info.st_uid != os.getuid():
        raise UnsafeCacheDir(f"{path} is owned by another user; refusing to use it as a cache")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCacheDir(f"{path} is writable by other users; refusing to use it as a cache")
    return path


def make_private(path: Path) -> Path:
    """``path``, created 0700 (with its parents) if missing, then checked like ``check_private``."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return check_private(path)


def private_dir(*parts: str) -> Path:
    """``cache_root()/parts``, created 0700; refuses a directory others can write."""
    # The root is checked too: whoever can write it can swap our directory.
    root = make_private(cache_root())
    return make_private(root.joinpath(*parts))
