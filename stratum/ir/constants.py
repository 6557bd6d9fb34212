"""Encoding of Python literals as attributes, for ``python.constant``.

The encoding is injective, so structural equality of attributes is equality
of the Python values *and* their types: ``1``, ``1.0`` and ``True`` differ,
``[1]`` differs from ``(1,)``, and ``0.0`` differs from ``-0.0``.
"""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    NoneAttr,
    StringAttr,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


class NotALiteral(ValueError):
    """The value has no attribute encoding (e.g. bytes, huge ints, objects)."""


def encode(value: Any) -> Attribute:
    if value is None:
        return NoneAttr()
    if isinstance(value, bool):
        return IntegerAttr(int(value), i1)
    if isinstance(value, int):
        if not _I64_MIN <= value <= _I64_MAX:
            raise NotALiteral("integer does not fit in 64 bits")
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, tuple):
        return ArrayAttr(encode(v) for v in value)
    if isinstance(value, list):
        return DictionaryAttr({"list": ArrayAttr(encode(v) for v in value)})
    if isinstance(value, dict):
        items = ArrayAttr(ArrayAttr((encode(k), encode(v))) for k, v in value.items())
        return DictionaryAttr({"dict": items})
    raise NotALiteral(f"no literal encoding for {type(value).__name__}")


def decode(attr: Attribute) -> Any:
    if isinstance(attr, NoneAttr):
        return None
    if isinstance(attr, IntegerAttr):
        value = attr.value.data
        return bool(value) if attr.type == i1 else value
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, ArrayAttr):
        return tuple(decode(a) for a in attr.data)
    if isinstance(attr, DictionaryAttr):
        ((kind, payload),) = attr.data.items()
        assert isinstance(payload, ArrayAttr)
        if kind == "list":
            return [decode(a) for a in payload.data]
        if kind == "dict":
            return {decode(k): decode(v) for k, v in (pair.data for pair in payload.data)}  # type: ignore[attr-defined]
    raise NotALiteral(f"not a literal encoding: {attr}")
