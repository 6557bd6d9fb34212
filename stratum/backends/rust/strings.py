"""``series.str.<method>(...)`` on the Rust string kernels.

``string_method(accessor, method, args, kwargs)`` returns exactly what
``getattr(accessor, method)(*args, **kwargs)`` returns, or None where the
kernels do not reproduce it (then pandas must run). Taken, on a Series (not
an Index, not categorical):

* ``lower()``, ``upper()``, ``strip()``, ``lstrip()``, ``rstrip()`` (no
  characters argument), ``len()``;
* ``contains(pat)`` with ``regex=False``, or a ``pat`` without regex
  metacharacters (then the regex is the literal), ``case=True``,
  ``flags=0``; ``startswith(pat)`` / ``endswith(pat)`` with a str ``pat``;
  all three with ``na`` not given, True or False;
* ``replace(pat, repl)`` with ``regex=False`` (pandas' default) or a literal
  ``pat`` and ``repl`` without backslashes, ``n=-1``, ``case`` None/True,
  ``flags=0``, a non-empty ``pat``.

Columns: object columns of exact ``str``, ``None`` and NaN (pandas applies
Python's ``str`` methods per element and keeps missing elements as they
are), and the default ``str`` dtype (Arrow-backed, NaN missing), read from
and written to Arrow buffers in place (pandas calls pyarrow.compute). Case
mapping of non-ASCII text: object columns use Python's own method for those
elements; Arrow columns decline (pyarrow's utf8proc mapping differs from
Python's and is not reproduced). The kernels' results go through the
accessor's own ``_wrap_result``, as pandas' do, so index, name and dtype
are pandas'.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd

try:
    import pyarrow as pa
except ImportError:  # pragma: no cover - pyarrow is a dependency
    pa = None

import stratum.backends.rust as backend
from stratum.backends.rust._keys import _arrow_chunks

TRANSFORMS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "replace"})
MATCHES = frozenset({"contains", "startswith", "endswith"})
METHODS = TRANSFORMS | MATCHES | {"len"}
# Characters that make a pattern more than its literal text, for Python's re
# and RE2 alike.
REGEX_METACHARACTERS = frozenset(".^$*+?{}[]\\|()")

# Methods whose Arrow kernels measured slower than (or no faster than)
# pandas' pyarrow.compute calls (benchmarks/kernels/bench_strings.py,
# docs/benchmarks.md "Rust string kernels": strip 0.4-0.9x, startswith /
# endswith 0.5-0.9x, replace 0.3-0.8x at 1e5-1e6 rows): Arrow columns stay
# with pandas for these.
ARROW_DECLINED = frozenset({"strip", "lstrip", "rstrip", "startswith", "endswith", "replace"})
# Object-column methods that measured slower than pandas on columns of
# distinct str objects (lower 0.6x, upper and replace 0.8-0.9x, strip
# 0.9-1.4x at 1e6 rows: each str is read, mapped and created again, where
# pandas makes one C call per element): they run only where the leading
# elements repeat objects, which are then mapped once.
OBJECT_REPEATS_ONLY = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "replace"})

__all__ = ["METHODS", "is_literal", "kernel_result", "string_method", "string_method_pandas"]

_NO_DEFAULT = pd.api.extensions.no_default


def string_method_pandas(accessor: Any, method: str, args: tuple = (), kwargs: dict | None = None) -> Any:
    """The pandas implementation of :func:`string_method`."""
    return getattr(accessor, method)(*args, **(kwargs or {}))


def is_literal(pat: object) -> bool:
    """Whether ``pat`` as a regex matches exactly its own text."""
    return isinstance(pat, str) and not (REGEX_METACHARACTERS & set(pat))


def _arguments(method: str, args: tuple, kwargs: dict) -> dict[str, Any] | None:
    """The arguments bound to pandas' own signature of ``method`` (only
    those passed), or None where they do not bind (pandas raises)."""
    function = getattr(pd.core.strings.accessor.StringMethods, method)
    try:
        bound = inspect.signature(function).bind(None, *args, **kwargs)
    except TypeError:
        return None
    bound.arguments.pop(next(iter(bound.arguments)))  # self
    return dict(bound.arguments)


def _is(value: object, *allowed: object) -> bool:
    """``value`` is one of ``allowed``: same type and equal (True is not 1)."""
    return any(type(value) is type(a) and value == a for a in allowed)


def _kernel_call(method: str, arguments: dict[str, Any]) -> tuple[str | None, str | None, object] | None:
    """``(pat, repl, na)`` for the kernels, or None where they do not
    reproduce pandas for these arguments. ``na`` is None when not given."""
    given = set(arguments)
    if method in ("lower", "upper", "len"):
        return (None, None, None) if not given else None
    if method in ("strip", "lstrip", "rstrip"):
        return (None, None, None) if arguments.get("to_strip") is None else None
    pat = arguments.get("pat")
    if not isinstance(pat, str):
        return None
    na = arguments.get("na", _NO_DEFAULT)
    if na is not _NO_DEFAULT and not _is(na, True, False):
        return None
    na = None if na is _NO_DEFAULT else na
    if method in ("startswith", "endswith"):
        return pat, None, na
    if method == "contains":
        if not given <= {"pat", "case", "flags", "na", "regex"}:
            return None
        if not (_is(arguments.get("case", True), True) and _is(arguments.get("flags", 0), 0)):
            return None
        regex = arguments.get("regex", True)
        if not (_is(regex, False) or (_is(regex, True) and is_literal(pat))):
            return None
        return pat, None, na
    assert method == "replace"
    repl = arguments.get("repl")
    if not isinstance(repl, str) or pat == "":
        return None
    if not (_is(arguments.get("n", -1), -1) and _is(arguments.get("flags", 0), 0)):
        return None
    if not _is(arguments.get("case", None), None, True):
        return None
    regex = arguments.get("regex", False)
    if not (_is(regex, False) or (_is(regex, True) and is_literal(pat) and "\\" not in repl)):
        return None
    return pat, repl, None


def _column(accessor: Any) -> tuple[str, pd.Series] | None:
    """``("object" or "arrow", series)`` of the accessor, or None."""
    if not isinstance(accessor, pd.core.strings.accessor.StringMethods) or accessor._is_categorical:
        return None
    series = accessor._orig
    if not isinstance(series, pd.Series):
        return None
    dtype = series.dtype
    if dtype == object:
        return "object", series
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype.na_value is np.nan:
        return "arrow", series
    return None


def string_method(accessor: Any, method: str, args: tuple = (), kwargs: dict | None = None) -> Any | None:
    """What ``getattr(accessor, method)(*args, **kwargs)`` returns, or None
    where the kernels do not reproduce it or measured slower than pandas."""
    return kernel_result(accessor, method, args, kwargs, routed_only=True)


def kernel_result(
    accessor: Any, method: str, args: tuple = (), kwargs: dict | None = None, *, routed_only: bool = False
) -> Any | None:
    """:func:`string_method` wherever the kernels reproduce pandas; with
    ``routed_only`` not where they measured slower (without, the benchmark
    times every case)."""
    _rt = backend._rt
    if _rt is None or method not in METHODS:
        return None
    column = _column(accessor)
    arguments = _arguments(method, args, kwargs or {}) if column is not None else None
    call = _kernel_call(method, arguments) if arguments is not None else None
    if call is None:
        return None
    kind, series = column
    pat, repl, na = call
    if kind == "object":
        repeats = routed_only and method in OBJECT_REPEATS_ONLY
        result = _object_result(_rt, series.to_numpy(), method, pat, repl, na, repeats)
    elif routed_only and method in ARROW_DECLINED:
        return None
    else:
        try:
            result = _arrow_result(_rt, series.array, method, pat, repl, na)
        except ValueError:
            # Buffers the kernels do not read (say, invalid UTF-8 in a null
            # slot): pandas decides.
            return None
    if result is None:
        return None
    return accessor._wrap_result(result, returns_string=method in TRANSFORMS)


def _object_result(
    _rt: Any, values: np.ndarray, method: str, pat: str | None, repl: str | None, na: object, repeats: bool
) -> np.ndarray | None:
    """What pandas' ``_str_map`` returns for an object column: results per
    element, missing elements as they are, converted as
    ``maybe_convert_objects`` converts them."""
    if values.dtype != object or values.ndim != 1:
        return None
    try:
        if method in TRANSFORMS:
            return _rt.str_transform_object(values, method, pat, repl, require_repeats=repeats)
        if method == "len":
            lengths = _rt.str_len_object(values)
        else:
            codes = _rt.str_match_object(values, method, pat)
    except TypeError:
        # Elements other than exact str and missing: pandas decides.
        return None
    if method == "len":
        missing = lengths < 0
        if not missing.any():
            return lengths
        if missing.all():
            return values.copy()  # nothing converted: the missing objects
        result = lengths.astype(np.float64)
        result[missing] = np.nan
        return result
    missing = codes < 0
    if na is not None:
        result = codes.astype(bool)
        result[missing] = na
        return result
    if not missing.any():
        return codes.astype(bool)
    # True/False and the missing elements themselves, as object.
    result = np.array([False, True], dtype=object)[codes.clip(0)]
    result[missing] = values[missing]
    return result


def _arrow_result(_rt: Any, array: Any, method: str, pat: str | None, repl: str | None, na: object) -> Any | None:
    """What the ``ArrowStringArray._str_*`` method returns."""
    chunks = _arrow_chunks(array)
    if chunks is None:
        return None
    chunked = array._pa_array
    if method == "len":
        # pyarrow's int64 result to NumPy: float64 with NaN when any is null.
        return _rt.str_len_arrow(chunks, chunked.null_count > 0)
    if method in MATCHES:
        return _rt.str_match_arrow(chunks, method, pat, bool(na))
    buffers = _rt.str_transform_arrow(chunks, method, pat, repl)
    if buffers is None:
        return None
    pieces = []
    for chunk, (offsets, data) in zip(chunked.chunks, buffers, strict=True):
        validity, old_offsets, _ = chunk.buffers()
        if chunk.null_count == 0:
            validity = None
        pieces.append(
            pa.Array.from_buffers(
                chunk.type,
                len(chunk),
                [validity, old_offsets if offsets is None else pa.py_buffer(offsets), pa.py_buffer(data)],
                null_count=chunk.null_count,
                offset=chunk.offset,
            )
        )
    return array._from_pyarrow_array(pa.chunked_array(pieces, type=chunked.type))
