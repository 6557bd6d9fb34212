"""The ``df`` dialect: frames and columns with pandas semantics.

Types carry schemas. ``!df.frame<"Id": "int64", "LotArea": "int64">`` is a
frame whose columns and dtypes are known at compile time (from profiling the
data sources); ``!df.frame<?>`` is a frame of unknown schema. ``!df.column<"float64">``
is a Series of that dtype, ``!df.column<?>`` one of unknown dtype. Schemas are
compile-time knowledge only: the runtime checks what it relies on.

Under pandas' copy-on-write (always on since pandas 3) every op here behaves as
if it returned a new object, so ops are pure functions of their operands; the
frontend turns in-place mutations (``df[c] = v``) into ``df.assign_column``
and rebinds the names that referred to the old value.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, NoneAttr, StringAttr
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    param_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import (
    IsTerminator,
    MemoryReadEffect,
    MemoryWriteEffect,
    Pure,
    RecursiveMemoryEffect,
)

from stratum.ir.python import StratumOp, TokenType


@irdl_attr_definition
class FrameType(ParametrizedAttribute, TypeAttribute):
    """A DataFrame; ``columns``/``dtypes`` are ``none`` when the schema is unknown."""

    name = "df.frame"
    columns: Attribute = param_def()
    dtypes: Attribute = param_def()

    @staticmethod
    def unknown() -> FrameType:
        return _UNKNOWN_FRAME

    @staticmethod
    def of(schema: Sequence[tuple[str, str]]) -> FrameType:
        # Types are immutable values: one instance per schema saves rebuilding
        # (and verifying) hundreds of string attributes per frame-typed op.
        key = tuple((c, d) for c, d in schema)
        frame = _FRAMES.get(key)
        if frame is None:
            frame = FrameType(
                ArrayAttr(StringAttr(c) for c, _ in key),
                ArrayAttr(StringAttr(d) for _, d in key),
            )
            if len(_FRAMES) >= _INTERNED_LIMIT:
                _FRAMES.clear()
            _FRAMES[key] = frame
        return frame

    @property
    def schema(self) -> list[tuple[str, str]] | None:
        if not isinstance(self.columns, ArrayAttr):
            return None
        # The frontend asks shared frame types for their schema again and
        # again; remembered per instance (kept alive, so the id stays its own).
        hit = _SCHEMAS.get(id(self))
        if hit is None:
            assert isinstance(self.dtypes, ArrayAttr)
            pairs = [
                (c.data, d.data)
                for c, d in zip(self.columns.data, self.dtypes.data, strict=True)
            ]  # type: ignore[union-attr]
            if len(_SCHEMAS) >= _INTERNED_LIMIT:
                _SCHEMAS.clear()
            hit = _SCHEMAS[id(self)] = (self, pairs)
        return list(hit[1])  # a copy: callers may change theirs

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        if parser.parse_optional_punctuation("?") is not None:
            parser.parse_punctuation(">")
            return (NoneAttr(), NoneAttr())
        pairs: list[tuple[str, str]] = []
        if parser.parse_optional_punctuation(">") is None:
            while True:
                col = parser.parse_str_literal()
                parser.parse_punctuation(":")
                pairs.append((col, parser.parse_str_literal()))
                if parser.parse_optional_punctuation(",") is None:
                    break
            parser.parse_punctuation(">")
        return (
            ArrayAttr(StringAttr(c) for c, _ in pairs),
            ArrayAttr(StringAttr(d) for _, d in pairs),
        )

    def print_parameters(self, printer: Printer) -> None:
        schema = self.schema
        printer.print_string("<")
        if schema is None:
            printer.print_string("?")
        else:
            for i, (col, dtype) in enumerate(schema):
                if i:
                    printer.print_string(", ")
                printer.print_string_literal(col)
                printer.print_string(": ")
                printer.print_string_literal(dtype)
        printer.print_string(">")

    def verify(self) -> None:
        if isinstance(self.columns, NoneAttr) != isinstance(self.dtypes, NoneAttr):
            raise ValueError("a frame's columns and dtypes are both known or both unknown")


@irdl_attr_definition
class ColumnType(ParametrizedAttribute, TypeAttribute):
    """A Series; ``dtype`` is ``none`` when unknown."""

    name = "df.column"
    dtype: Attribute = param_def()

    @staticmethod
    def of(dtype: str | None) -> ColumnType:
        column = _COLUMNS.get(dtype)
        if column is None:
            column = ColumnType(NoneAttr() if dtype is None else StringAttr(dtype))
            if len(_COLUMNS) >= _INTERNED_LIMIT:
                _COLUMNS.clear()
            _COLUMNS[dtype] = column
        return column

    @property
    def dtype_name(self) -> str | None:
        return self.dtype.data if isinstance(self.dtype, StringAttr) else None

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        if parser.parse_optional_punctuation("?") is not None:
            dtype: Attribute = NoneAttr()
        else:
            dtype = StringAttr(parser.parse_str_literal())
        parser.parse_punctuation(">")
        return (dtype,)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        if self.dtype_name is None:
            printer.print_string("?")
        else:
            printer.print_string_literal(self.dtype_name)
        printer.print_string(">")


_INTERNED_LIMIT = 4096  # bounds the caches of a long-lived process
_FRAMES: dict[tuple[tuple[str, str], ...], FrameType] = {}
_COLUMNS: dict[str | None, ColumnType] = {}
_SCHEMAS: dict[int, tuple[FrameType, list[tuple[str, str]]]] = {}
_UNKNOWN_FRAME = FrameType(NoneAttr(), NoneAttr())


@irdl_op_definition
class ReadCsvOp(StratumOp):
    """``pd.read_csv(path, **options)``.

    ``fingerprint`` identifies the file's content seen at compile time; two
    reads share work only when path, options and fingerprint agree, and the
    runtime re-checks the file before trusting it.
    """

    name = "df.read_csv"
    path = prop_def(StringAttr)
    options = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    fingerprint = prop_def(StringAttr)
    result = result_def(FrameType)
    traits = traits_def(MemoryReadEffect())


@irdl_op_definition
class ToCsvOp(StratumOp):
    """``frame.to_csv(*args, **kwargs)``: writes a file."""

    name = "df.to_csv"
    token = operand_def(TokenType)
    frame = operand_def()
    args = var_operand_def()
    kwnames = prop_def(ArrayAttr[StringAttr])
    next = result_def(TokenType)
    traits = traits_def(MemoryWriteEffect())


@irdl_op_definition
class ColumnOp(StratumOp):
    """``frame[name]``."""

    name = "df.column"
    frame = operand_def(FrameType)
    column = prop_def(StringAttr)
    result = result_def(ColumnType)
    traits = traits_def(Pure())


@irdl_op_definition
class SelectOp(StratumOp):
    """``frame[[c1, c2, ...]]``: order matters and duplicates are kept."""

    name = "df.select"
    frame = operand_def(FrameType)
    columns = prop_def(ArrayAttr[StringAttr])
    result = result_def(FrameType)
    traits = traits_def(Pure())


@irdl_op_definition
class DropOp(StratumOp):
    """``frame.drop(columns=[...])``."""

    name = "df.drop"
    frame = operand_def(FrameType)
    columns = prop_def(ArrayAttr[StringAttr])
    result = result_def(FrameType)
    traits = traits_def(Pure())


@irdl_op_definition
class AssignColumnOp(StratumOp):
    """``frame[column] = value``, as a new frame (copy-on-write)."""

    name = "df.assign_column"
    frame = operand_def(FrameType)
    value = operand_def()
    column = prop_def(StringAttr)
    result = result_def(FrameType)
    traits = traits_def(Pure())


@irdl_op_definition
class ElementwiseOp(StratumOp):
    """One elementwise function of columns and scalars (``add``, ``log1p``, ``fillna``...).

    The function names and their pandas semantics are listed in
    ``stratum.backends.elementwise.FUNCTIONS``.
    """

    name = "df.elementwise"
    args = var_operand_def()
    fn = prop_def(StringAttr)
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class FusedOp(StratumOp):
    """A DAG of ``df.elementwise`` ops computed in one pass over the rows.

    The body's block arguments stand for ``inputs``; ``df.yield`` returns the
    root. Backends compile the body into one kernel.
    """

    name = "df.fused"
    inputs = var_operand_def()
    body = region_def("single_block")
    result = result_def()
    traits = traits_def(RecursiveMemoryEffect())


@irdl_op_definition
class YieldOp(StratumOp):
    name = "df.yield"
    values = var_operand_def()
    traits = traits_def(IsTerminator(), Pure())


@irdl_op_definition
class MethodOp(StratumOp):
    """A pandas method known to be pure for its receiver, e.g. ``fillna``, ``median``."""

    name = "df.method"
    receiver = operand_def()
    args = var_operand_def()
    method = prop_def(StringAttr)
    kwnames = prop_def(ArrayAttr[StringAttr])
    result = result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class FactorizeOp(StratumOp):
    """``pd.factorize(values)`` -> ``(codes, uniques)``."""

    name = "df.factorize"
    values = operand_def()
    results_ = var_result_def()
    traits = traits_def(Pure())


@irdl_op_definition
class CategoryCodesOp(StratumOp):
    """``column.astype("category").cat.codes``."""

    name = "df.category_codes"
    column = operand_def(ColumnType)
    result = result_def(ColumnType)
    traits = traits_def(Pure())


DataFrame = Dialect(
    "df",
    [
        ReadCsvOp,
        ToCsvOp,
        ColumnOp,
        SelectOp,
        DropOp,
        AssignColumnOp,
        ElementwiseOp,
        FusedOp,
        YieldOp,
        MethodOp,
        FactorizeOp,
        CategoryCodesOp,
    ],
    [FrameType, ColumnType],
)
