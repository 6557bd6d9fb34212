"""Stratum: a compiler and runtime for the ML pipelines that LLM agents write.

``stratumc`` compiles and runs batches of scripts; ``@stratum.compile``
compiles one function. Heavy modules load on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["compile", "CompiledFunction"]


def __getattr__(name: str) -> Any:
    if name in ("compile", "CompiledFunction"):
        from stratum import decorator

        return getattr(decorator, name)
    raise AttributeError(f"module 'stratum' has no attribute {name!r}")
