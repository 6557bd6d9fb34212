"""Backends by name, imported on first use so startup stays fast."""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

# name -> module; each module has NAME, supports(op) and execute(op, operands).
BACKENDS = {
    "reference": "stratum.backends.reference",
    "numba": "stratum.backends.numba.adapter",
    "rust": "stratum.backends.rust.adapter",
    "cupy": "stratum.backends.cupy.adapter",
}

# Specialized backends in order of preference; operator selection takes the
# first that is available and supports an op, and the executor falls back
# along the same order (then to the reference backend) when one declines.
PREFERENCE = ("cupy", "numba", "rust")


@cache
def backend(name: str) -> ModuleType:
    return importlib.import_module(BACKENDS[name])


@cache
def available(name: str) -> bool:
    """Whether the backend can run here (its libraries or extension load)."""
    try:
        module = backend(name)
    except ImportError:
        return False
    return bool(getattr(module, "AVAILABLE", True))
