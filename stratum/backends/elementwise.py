"""Fused elementwise column expressions, independent of any backend.

The optimizer turns a chain such as ``np.log1p(df["a"] * 2 + df["b"]).fillna(0) > 3``
into an :class:`ElementwiseProgram`: a DAG over input columns and Python scalar
constants. A backend compiles it into one kernel whose result must equal, dtype
and bits, what pandas computes; :func:`evaluate_with_pandas` is that oracle.

Every backend needs the dtype pandas gives each intermediate, including
pandas' value-dependent quirks (``int // 0`` turns an int64 result into
float64). :func:`infer_dtypes` gets them by running the oracle on sample
columns and declines programs whose dtypes depend on the data.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from stratum.runtime import library_warnings

# name -> arity. Semantics are those of the pandas/numpy call in _PANDAS_OPS.
FUNCTIONS: dict[str, int] = {
    "add": 2, "sub": 2, "mul": 2, "truediv": 2, "floordiv": 2, "mod": 2, "pow": 2,
    "neg": 1, "abs": 1,
    "eq": 2, "ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2,
    "and": 2, "or": 2, "xor": 2, "invert": 1,
    "log": 1, "log1p": 1, "log2": 1, "log10": 1, "exp": 1, "expm1": 1,
    "sqrt": 1, "square": 1, "sin": 1, "cos": 1, "tan": 1, "tanh": 1, "arctan": 1,
    "floor": 1, "ceil": 1, "sign": 1,
    "isna": 1, "notna": 1, "fillna": 2, "where": 3, "clip": 3,
    "minimum": 2, "maximum": 2,
}

# Why a backend may decline a program; callers fall back to pandas.
DECLINE_REASONS: dict[str, str] = {
    "dtype": "an input or intermediate dtype the backend does not implement "
    "(object, strings, datetime, nullable extension dtypes, float16, unsigned...)",
    "invalid-program": "pandas itself raises on this program (e.g. bool - bool, float & float)",
    "const-subexpression": "an operation on constants only, or a result that does not "
    "depend on any input; the optimizer folds those",
    "data-dependent-dtype": "pandas' result dtype or error depends on the values: int // or % "
    "by a column or by 0, int ** a column, fillna/clip values the column cannot hold",
    "unsupported-operand": "an operand form the backend does not implement (clip bounds "
    "that are columns, fillna from a column of another dtype, mixed-signature numpy loops)",
    "const-out-of-range": "an integer constant that does not fit the operation's integer dtype",
    "numpy-loop-unavailable": "numpy's inner loop for a transcendental function could not be "
    "obtained or failed self-verification",
}


class UnsupportedProgram(Exception):
    """A backend cannot reproduce pandas exactly for this program."""

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in DECLINE_REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Input:
    index: int  # position in the kernel's argument list

    def __post_init__(self) -> None:
        if type(self.index) is not int or self.index < 0:
            raise ValueError(f"Input index must be a non-negative int, got {self.index!r}")


@dataclass(frozen=True)
class Const:
    # Python scalars only: numpy scalars promote differently (NEP 50 treats
    # Python int/float as "weak", np.float64 as a strong float64).
    value: bool | int | float

    def __post_init__(self) -> None:
        if type(self.value) not in (bool, int, float):
            raise TypeError(f"Const value must be a Python bool, int or float, got {type(self.value).__name__}")


@dataclass(frozen=True)
class Apply:
    fn: str
    args: tuple[Node, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(self.args))
        if FUNCTIONS.get(self.fn) != len(self.args):
            raise ValueError(f"{self.fn!r} is not an elementwise function of {len(self.args)} arguments")
        for arg in self.args:
            if not isinstance(arg, (Input, Const, Apply)):
                raise TypeError(f"Apply argument must be a Node, got {type(arg).__name__}")
        # Shared subtrees make the generated structural hash exponential in
        # depth; arguments are hashed already, so caching keeps it O(1).
        object.__setattr__(self, "_hash", hash((self.fn, self.args)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined,no-any-return]


Node = Input | Const | Apply


@dataclass(frozen=True)
class Step:
    """One distinct node of a program, its operands given as indices of earlier steps."""

    node: Node
    operands: tuple[int, ...]


@dataclass(frozen=True)
class ElementwiseProgram:
    input_dtypes: tuple[str, ...]  # numpy dtype names: "float64", "int32", "bool", ...
    root: Node

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_dtypes", tuple(_dtype_name(d) for d in self.input_dtypes))
        for step in self.steps:
            if isinstance(step.node, Input) and step.node.index >= len(self.input_dtypes):
                raise ValueError(f"Input({step.node.index}) but only {len(self.input_dtypes)} input dtypes")

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """Distinct nodes in dependency order, root last.

        Structurally equal subtrees become one step whether or not they are
        the same object, so backends compute each once (CSE for free).
        """
        steps: list[Step] = []
        line_index: dict[str, int] = {}
        done: dict[int, int] = {}  # id(node) -> step index
        stack: list[tuple[Node, bool]] = [(self.root, False)]
        while stack:  # iterative post-order: long chains exceed the recursion limit
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if isinstance(node, Apply) and not expanded:
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args) if id(arg) not in done)
                continue
            operands = tuple(done[id(arg)] for arg in node.args) if isinstance(node, Apply) else ()
            line = _canonical_line(node, operands)
            if line not in line_index:
                line_index[line] = len(steps)
                steps.append(Step(node, operands))
            done[id(node)] = line_index[line]
        return tuple(steps)

    def key(self) -> str:
        """A canonical string, equal for structurally equal programs; the cache key."""
        lines = (_canonical_line(s.node, s.operands) for s in self.steps)
        return f"({','.join(self.input_dtypes)}) " + "; ".join(lines)


def _dtype_name(name: str) -> str:
    try:
        return np.dtype(name).name  # "f8" and "float64" are one dtype, and one cache key
    except TypeError:
        return name  # e.g. pandas' "Int64": kept verbatim; backends decline it


def _canonical_line(node: Node, operands: tuple[int, ...]) -> str:
    if isinstance(node, Input):
        return f"in{node.index}"
    if isinstance(node, Const):
        # The type tag keeps True, 1 and 1.0 apart; repr keeps -0.0, nan, inf.
        return f"{type(node.value).__name__}:{node.value!r}"
    return f"{node.fn}({','.join(f'%{i}' for i in operands)})"


def _where(cond: Any, a: Any, b: Any) -> pd.Series:
    index = next(v.index for v in (cond, a, b) if isinstance(v, pd.Series))
    return pd.Series(np.where(cond, a, b), index=index)


# The exact call an agent script would write for each function.
_PANDAS_OPS: dict[str, Callable[..., Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "neg": operator.neg, "abs": np.abs,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "invert": operator.invert,
    "log": np.log, "log1p": np.log1p, "log2": np.log2, "log10": np.log10, "exp": np.exp,
    "expm1": np.expm1, "sqrt": np.sqrt, "square": np.square, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "arctan": np.arctan,
    "floor": np.floor, "ceil": np.ceil, "sign": np.sign,
    "isna": pd.isna, "notna": pd.notna,
    "fillna": lambda x, value: x.fillna(value),
    "where": _where,
    "clip": lambda x, lower, upper: x.clip(lower, upper),
    "minimum": np.minimum, "maximum": np.maximum,
}
assert _PANDAS_OPS.keys() == FUNCTIONS.keys()


def _evaluate_steps(program: ElementwiseProgram, columns: Sequence[pd.Series]) -> list[Any]:
    if len(columns) != len(program.input_dtypes):
        raise ValueError(f"program takes {len(program.input_dtypes)} columns, got {len(columns)}")
    for i, (column, dtype) in enumerate(zip(columns, program.input_dtypes)):
        if str(column.dtype) != dtype:
            raise ValueError(f"column {i} has dtype {column.dtype}, program expects {dtype}")
    values: list[Any] = []
    for step in program.steps:
        node = step.node
        if isinstance(node, Input):
            values.append(columns[node.index])
        elif isinstance(node, Const):
            values.append(node.value)
        else:
            values.append(_PANDAS_OPS[node.fn](*(values[i] for i in step.operands)))
    return values


def evaluate_with_pandas(program: ElementwiseProgram, columns: Sequence[pd.Series]) -> pd.Series:
    """The oracle: the program evaluated with the pandas/numpy calls it stands for."""
    result = _evaluate_steps(program, columns)[-1]
    if not isinstance(result, pd.Series):
        raise TypeError(f"program evaluates to {type(result).__name__}, not a Series")
    return result


_FLOAT_SAMPLES = (np.nan, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.0, 100.0, np.inf, -np.inf, 1e300, -1e-300)


def _special_values(dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "b":
        values: Sequence[Any] = (False, True)
    elif dtype.kind == "i":
        info = np.iinfo(dtype)
        values = (0, 1, -1, 2, -3, 7, 100, int(info.min), int(info.max))
    elif dtype.kind == "u":
        values = (0, 1, 2, 3, 7, 100, int(np.iinfo(dtype).max))
    else:
        with np.errstate(over="ignore"):
            return np.array(_FLOAT_SAMPLES).astype(dtype)
    return np.array(values, dtype=dtype)


def _sample_sets(dtypes: Sequence[np.dtype]) -> list[list[pd.Series]]:
    """Samples whose results reveal value-dependent dtypes: specials, benign, empty."""
    specials = [_special_values(d) for d in dtypes]
    # The first two inputs see every pair of specials (zero divisors, NaN
    # fills); further inputs cycle with co-prime strides.
    rows = np.arange(len(specials[0]) * (len(specials[1]) if len(specials) > 1 else 1))
    special = []
    for i, values in enumerate(specials):
        k = len(values)
        index = rows % k if i == 0 else (rows // len(specials[0])) % k if i == 1 else (rows * (2 * i + 1) + i) % k
        special.append(pd.Series(values[index]))
    empty = [pd.Series(np.empty(0, dtype=d)) for d in dtypes]
    benign = [pd.Series(np.array([True] * 3 if d.kind == "b" else [1, 2, 3], dtype=d)) for d in dtypes]
    return [special, benign, empty]


def infer_dtypes(program: ElementwiseProgram) -> tuple[np.dtype | None, ...]:
    """The numpy dtype pandas gives each step's result (None for constants).

    Raises UnsupportedProgram when pandas raises, when a dtype is not a plain
    numpy bool/int/float dtype, when an operation has only constant operands,
    or when the dtypes differ between sample inputs (value-dependent).
    """
    try:
        dtypes = [np.dtype(name) for name in program.input_dtypes]
    except TypeError as exc:
        raise UnsupportedProgram("dtype", str(exc)) from None
    for dtype in dtypes:
        if dtype.kind not in "biuf":
            raise UnsupportedProgram("dtype", f"input dtype {dtype}")
    depends_on_input = [False] * len(program.steps)
    for i, step in enumerate(program.steps):
        depends_on_input[i] = isinstance(step.node, Input) or any(depends_on_input[j] for j in step.operands)
        if not depends_on_input[i]:
            if isinstance(step.node, Apply) or i == len(program.steps) - 1:
                raise UnsupportedProgram("const-subexpression", _canonical_line(step.node, step.operands))
    if not dtypes:
        raise UnsupportedProgram("const-subexpression", "program has no inputs")

    observed: list[tuple[np.dtype | None, ...]] = []
    errors: list[Exception] = []
    for position, columns in enumerate(_sample_sets(dtypes)):
        try:
            with np.errstate(all="ignore"), library_warnings.quietly():
                values = _evaluate_steps(program, columns)
        except Exception as exc:  # pandas/numpy raise many types; all mean "pandas rejects this"
            errors.append(exc)
            if position == 1 and len(errors) == 2:  # both non-empty samples fail: pandas rejects the program
                raise UnsupportedProgram("invalid-program", f"{type(exc).__name__}: {exc}") from None
            continue
        step_dtypes: list[np.dtype | None] = []
        for step, value in zip(program.steps, values):
            if isinstance(step.node, Const):
                step_dtypes.append(None)
            elif not isinstance(value, pd.Series) or not isinstance(value.dtype, np.dtype):
                raise UnsupportedProgram("dtype", f"{_canonical_line(step.node, step.operands)} gives {getattr(value, 'dtype', type(value))}")
            else:
                step_dtypes.append(value.dtype)
        observed.append(tuple(step_dtypes))
    if errors:  # raising on some values only (int ** a column with negatives) is value-dependent
        raise UnsupportedProgram("data-dependent-dtype", f"{type(errors[0]).__name__}: {errors[0]}")
    for other in observed[1:]:
        if other != observed[0]:
            changed = next(i for i, (a, b) in enumerate(zip(observed[0], other)) if a != b)
            step = program.steps[changed]
            raise UnsupportedProgram(
                "data-dependent-dtype",
                f"{_canonical_line(step.node, step.operands)} is {observed[0][changed]} or {other[changed]} depending on values",
            )
    for dtype, step in zip(observed[0], program.steps):
        if dtype is not None and dtype.kind not in "biuf":
            raise UnsupportedProgram("dtype", f"{_canonical_line(step.node, step.operands)} gives {dtype}")
    return observed[0]
