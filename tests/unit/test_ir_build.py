"""Stratum's op builder, shared types and locations give what xDSL's generic paths give."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from xdsl.dialects.builtin import ArrayAttr, FileLineColLoc, IntAttr, ModuleOp, StringAttr
from xdsl.ir import Block, Region
from xdsl.irdl import IRDLOperation

from stratum.driver import print_ir
from stratum.ir import dataframe as df
from stratum.ir import ml
from stratum.ir import python as py
from stratum.ir.constants import encode


def _generic(cls: type[IRDLOperation], **kwargs: Any) -> IRDLOperation:
    op = cls.__new__(cls)
    IRDLOperation.__init__(op, **kwargs)
    return op


def _fields(op: IRDLOperation) -> tuple[Any, ...]:
    return (
        type(op),
        op._operands,
        [(u.operation is op, u.index) for u in op._operand_uses],
        [(type(r), r.type, r.index, r.op is op) for r in op.results],
        op.properties,
        op.attributes,
        op.location,
        op._successors,
        op.regions,
        sorted(op.__dict__),
    )


def _values() -> tuple[Any, Any, Any]:
    block = Block(arg_types=[py.TokenType(), df.FrameType.unknown(), py.ObjectType()])
    return block.args[0], block.args[1], block.args[2]


def _cases() -> list[tuple[type[IRDLOperation], dict[str, Any]]]:
    token, frame, obj = _values()
    names = ArrayAttr([StringAttr("a"), StringAttr("b")])
    return [
        (py.ScriptBeginOp, {"properties": {"script": StringAttr("s.py"), "index": IntAttr(0)}, "result_types": [py.TokenType()]}),
        (py.ScriptEndOp, {"operands": [token, []]}),
        (py.ScriptEndOp, {"operands": [token, [obj]]}),
        (py.BindOp, {"operands": [token, [frame, obj]], "properties": {"names": names}, "result_types": [py.TokenType()]}),
        (
            py.ExecOp,
            {
                "operands": [token, (obj,)],
                "properties": {"source": StringAttr("x"), "names_in": names, "names_out": names, "function": None},
                "result_types": [py.TokenType(), [py.ObjectType(), py.ObjectType()]],
            },
        ),
        (py.ConstantOp, {"properties": {"value": encode((1, "a"))}, "result_types": [py.ObjectType()]}),
        (py.BinaryOp, {"operands": [obj, frame], "properties": {"op": StringAttr("add")}, "result_types": [py.ObjectType()]}),
        (df.ColumnOp, {"operands": [frame], "properties": {"column": StringAttr("a")}, "result_types": [df.ColumnType.of("int64")]}),
        (df.ElementwiseOp, {"operands": [[obj, obj]], "properties": {"fn": StringAttr("add")}, "result_types": [df.ColumnType.of(None)]}),
        (df.FactorizeOp, {"operands": [obj], "result_types": [[py.ObjectType(), py.ObjectType()]]}),
        (ml.FitTransformOp, {"operands": [obj, [frame]], "properties": {"kwnames": ArrayAttr([])}, "result_types": [ml.EstimatorType(), py.ObjectType()]}),
        (ml.SplitOp, {"operands": [[frame, obj]], "properties": {"kwnames": ArrayAttr([])}, "result_types": [[py.ObjectType()] * 4]}),
    ]


@pytest.mark.parametrize("index", range(len(_cases())))
def test_op_built_as_xdsl_builds_it(index: int) -> None:
    cls, kwargs = _cases()[index]
    fast = cls(**kwargs)
    cls_, kwargs_ = _cases()[index]
    generic = _generic(cls_, **kwargs_)
    a, b = _fields(fast), _fields(generic)
    assert a[0] is b[0] and a[2:] == b[2:]
    assert [v.type for v in a[1]] == [v.type for v in b[1]]


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (df.ReadCsvOp, {"properties": {"path": StringAttr("x")}, "result_types": [df.FrameType.unknown()]}),  # no operands for the variadic
        (py.ScriptEndOp, {"operands": [_values()[0], [_values()[2], _values()[2]]]}),  # two values for an optional operand
        (df.ColumnOp, {"operands": [[_values()[1]]], "result_types": []}),  # no result type
        (py.BinaryOp, {"operands": [_values()[2]], "result_types": [py.ObjectType()]}),  # one operand short
    ],
)
def test_malformed_builds_fail_as_in_xdsl(cls: type[IRDLOperation], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as fast:
        cls(**kwargs)
    with pytest.raises(ValueError) as generic:
        _generic(cls, **kwargs)
    assert str(fast.value) == str(generic.value)


def test_operation_operands_go_through_xdsl() -> None:
    # An Operation given as operand stands for its single result (xDSL's builder).
    producer = py.ConstantOp(properties={"value": encode(1)}, result_types=[py.ObjectType()])
    op = py.UnaryOp(operands=[producer], properties={"op": StringAttr("neg")}, result_types=[py.ObjectType()])
    assert op.operand is producer.result


def test_types_are_shared_and_equal_to_fresh_ones() -> None:
    assert py.ObjectType() is py.ObjectType() and py.TokenType() is py.TokenType() and ml.EstimatorType() is ml.EstimatorType()
    assert py.ObjectType() == py.ObjectType.new(()) and hash(py.ObjectType()) == hash(py.ObjectType.new(()))
    assert pickle.loads(pickle.dumps(py.ObjectType())) is py.ObjectType()
    schema = [("a", "int64"), ("b", "str")]
    frame = df.FrameType.of(schema)
    assert frame is df.FrameType.of(list(schema))
    assert frame == df.FrameType(ArrayAttr([StringAttr("a"), StringAttr("b")]), ArrayAttr([StringAttr("int64"), StringAttr("str")]))
    assert frame.schema == schema and df.FrameType.of([("a", "int64")]) != frame
    frame.schema.append(("c", "int64"))  # each caller gets its own list
    assert frame.schema == schema
    assert df.ColumnType.of("int64") is df.ColumnType.of("int64") and df.ColumnType.of(None).dtype_name is None
    with pytest.raises(Exception):
        py.ObjectType(StringAttr("x"))  # no parameters, as before
    assert py.ObjectType() == py.ObjectType.new(())


def test_location_is_shared_and_equal_to_a_fresh_one() -> None:
    name = StringAttr("s.py")
    loc = py.location(name, 3, 5)
    assert loc is py.location(StringAttr("s.py"), 3, 5)
    assert loc == FileLineColLoc(name, IntAttr(3), IntAttr(5))
    assert py.location(name, 3, 6) != loc


def test_module_prints_the_same_either_way() -> None:
    def build(make: Any) -> str:
        block = Block()
        begin = make(py.ScriptBeginOp, properties={"script": StringAttr("s.py"), "index": IntAttr(0)}, result_types=[py.TokenType()])
        block.add_op(begin)
        read = make(df.ReadCsvOp, operands=[[]], properties={"path": StringAttr("x.csv"), "kwnames": ArrayAttr([]), "fingerprint": StringAttr("f")}, result_types=[df.FrameType.of([("a", "int64")])])
        block.add_op(read)
        column = make(df.ColumnOp, operands=[read.result], properties={"column": StringAttr("a")}, result_types=[df.ColumnType.of("int64")])
        block.add_op(column)
        bind = make(py.BindOp, operands=[begin.token, [column.result]], properties={"names": ArrayAttr([StringAttr("c")])}, result_types=[py.TokenType()])
        block.add_op(bind)
        block.add_op(make(py.ScriptEndOp, operands=[bind.next, []]))
        return print_ir(ModuleOp(Region(block)))

    assert build(lambda cls, **kw: cls(**kw)) == build(_generic)
