"""push-projection: reads narrowed to the columns used give what full reads give.

The property draws random CSV files (ints, floats with NaN, strings with
missing values, bools, header-only files, duplicate and empty header names)
and random batches of scripts that read columns, select lists of them,
assign new and existing columns, drop columns, ask for ``shape`` and ``len``,
or use the whole frame, and checks that
every script prints the same, warns the same and fails the same under plain
Python, under Stratum without passes, with push-projection alone and with the
default pipeline.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.passes import DEFAULT_PIPELINE
from stratum.passes.push_projection import USECOLS
from stratum.runtime.executor import Executor
from helpers import in_tmp

HEADER = "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data.csv')\n"
NAMES = ["a", "b", "c", "d"]

_cells = {
    "int": st.integers(-5, 5).map(str),
    "float": st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr), st.just(""), st.just("nan")),
    "str": st.one_of(st.sampled_from(["x", "y", "hello world"]), st.just("")),
    "bool": st.sampled_from(["True", "False"]),
}


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    kinds = draw(st.lists(st.sampled_from(list(_cells)), min_size=2, max_size=5))
    header = [NAMES[i] if i < len(NAMES) else f"e{i}" for i in range(len(kinds))]
    if draw(st.integers(0, 3)) == 0:
        # Names pandas mangles or makes up: a duplicate, an empty header.
        header[-1] = draw(st.sampled_from(["a", ""]))
    rows = draw(st.integers(0, 6))
    lines = [",".join(header)]
    for _ in range(rows):
        lines.append(",".join(draw(_cells[k]) for k in kinds))
    return "\n".join(lines) + "\n"


_column = st.sampled_from(NAMES + ["zz"])
_statement = st.one_of(
    _column.map(lambda c: f"print(df[{c!r}].to_string())"),
    st.lists(_column, min_size=1, max_size=3).map(lambda cs: f"print(df[{cs!r}].to_string())"),
    st.tuples(st.sampled_from(["n", "a", "b"]), _column).map(lambda t: f"df[{t[0]!r}] = df[{t[1]!r}]"),
    st.sampled_from(["n", "a"]).map(lambda c: f"print(df[{c!r}].astype(str).tolist())"),
    st.sampled_from(["print(df.shape, len(df))", "g = df.drop(columns=['b'])\nprint(g.shape, g['a'].tolist())"]),  # rows and column counts
    st.lists(_column, min_size=1, max_size=2).map(lambda cs: f"print(df.drop(columns={cs!r})[['a']].to_string())"),
    st.just("print(len(df.columns))"),  # the whole frame
)


@st.composite
def batches(draw: st.DrawFn) -> tuple[str, list[str]]:
    data = draw(csv_files())
    pool = draw(st.lists(_statement, min_size=1, max_size=4))
    scripts = [HEADER + "\n".join(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))) + "\n" for _ in range(draw(st.integers(1, 3)))]
    return data, scripts


Outcome = tuple[str, list[tuple[str, str] | None], list[str]]


def _plain(paths: list[Path]) -> Outcome:
    out = io.StringIO()
    errors: list[tuple[str, str] | None] = []
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in paths:
            try:
                exec(compile(path.read_text(), str(path), "exec"), {"__name__": "__main__", "__file__": str(path)})
                errors.append(None)
            except Exception as exc:  # noqa: BLE001 - the script's own failure
                errors.append((type(exc).__name__, str(exc)))
    return out.getvalue(), errors, [f"{w.category.__name__}: {w.message}" for w in caught]


def _stratum(paths: list[Path], passes: str) -> tuple[Outcome, str]:
    batch = compile_scripts([Script.load(str(p)) for p in paths])
    stages = optimize_and_lower(batch.module, passes, keep_text=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = Executor(batch.module).run()
    errors = [None if r.exception is None else (type(r.exception).__name__, str(r.exception)) for r in runs]
    return (out.getvalue(), errors, [f"{w.category.__name__}: {w.message}" for w in caught]), stages.plan




def _write_scripts(tmp: Path, sources: list[str]) -> list[Path]:
    paths = []
    for i, source in enumerate(sources):
        path = tmp / f"s{i}.py"
        path.write_text(source)
        paths.append(path)
    return paths


@given(batches())
def test_projected_reads_give_the_same_results(batch: tuple[str, list[str]]) -> None:
    data, sources = batch
    with in_tmp() as tmp, np.errstate(all="ignore"):
        (tmp / "data.csv").write_text(data)
        paths = _write_scripts(tmp, sources)
        expected = _plain(paths)
        for passes in ("", "push-projection", DEFAULT_PIPELINE):
            outcome, _ = _stratum(paths, passes)
            assert outcome == expected, (passes, data, sources)


def test_merged_read_keeps_the_union_in_file_order() -> None:
    with in_tmp() as tmp:
        pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan], "c": ["x", "y"], "d": [3, 4]}).to_csv("data.csv", index=False)
        # Two reads CSE merges (no effect between them), each user reading its own columns.
        script = 'import pandas as pd\nprint(pd.read_csv("data.csv")["d"].sum(), pd.read_csv("data.csv")[["b", "a"]].to_string())\n'
        paths = _write_scripts(tmp, [script])
        expected = _plain(paths)
        outcome, plan = _stratum(paths, "cse,push-projection")
        assert outcome == expected
        # One read, of the columns either use reads: a, b, d (positions 0, 1, 3), in file order.
        assert plan.count('"df.read_csv"') == 1
        assert f"{USECOLS} = [#builtin.int<0>, #builtin.int<1>, #builtin.int<3>]" in plan


@pytest.mark.parametrize(
    ("data", "scripts"),
    [
        ("a,b,c\n1,2,3\n", ['print(df.head(1).to_string())\nprint(df["a"].sum())\n']),  # the whole frame is used
        ("a,b\n1,2,3\n4,5,6\n", ['print(df["a"].tolist())\n']),  # rows one field longer: an implicit index
        ("a,a,c\n1,2,3\n", ['print(df["a"].tolist())\n']),  # a duplicate name pandas mangles
        ("a,b\n1,x\n", ['print(df["a"].tolist())\nprint(df[["b"]].shape)\n']),  # every column is read
        ("a,b\n1,x\n", ['df = pd.read_csv("data.csv", usecols=["a", "b"])\nprint(df["a"].tolist())\n']),  # the script's own usecols
    ],
)
def test_refused_reads_stay_whole(data: str, scripts: list[str]) -> None:
    with in_tmp() as tmp:
        Path("data.csv").write_text(data)
        paths = _write_scripts(tmp, [HEADER.replace("df = pd.read_csv('data.csv')\n", "") + s if "usecols" in s else HEADER + s for s in scripts])
        expected = _plain(paths)
        outcome, plan = _stratum(paths, "cse,push-projection")
        assert outcome == expected
        assert USECOLS not in plan


def test_shape_len_and_drop_keep_the_read_narrow() -> None:
    with in_tmp() as tmp:
        pd.DataFrame({"a": [1, 2, 3], "b": [0.5, np.nan, 2.0], "c": ["x", "y", "z"], "d": [3, 4, 5]}).to_csv("data.csv", index=False)
        script = HEADER + 'print(df.shape, len(df))\nX = df.drop(columns=["d"])\nprint(X.shape, X["a"].sum())\n'
        paths = _write_scripts(tmp, [script])
        expected = _plain(paths)
        outcome, plan = _stratum(paths, DEFAULT_PIPELINE)
        assert outcome == expected and expected[0] == "(3, 4) 3\n(3, 3) 6\n"
        # a is read, d is dropped (so it must be there): b and c are not read.
        assert f"{USECOLS} = [#builtin.int<0>, #builtin.int<3>]" in plan
        assert '"python.getattr"' not in plan  # shape: the rows of the narrowed frame, the script's column count


def test_a_file_changed_after_compiling_is_read_whole() -> None:
    with in_tmp() as tmp:
        Path("data.csv").write_text("a,b,c\n1,2.5,x\n")
        paths = _write_scripts(tmp, [HEADER + 'print(df["a"].tolist(), df["c"].tolist())\n'])
        batch = compile_scripts([Script.load(str(p)) for p in paths])
        optimize_and_lower(batch.module, "push-projection")
        assert any(USECOLS in op.attributes for op in batch.module.walk())
        # Same schema, other values: the values of this file, as a full read gives them.
        Path("data.csv").write_text("a,b,c\n7,0.5,y\n8,1.5,z\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            (run,) = Executor(batch.module).run()
        assert run.exception is None and out.getvalue() == "[7, 8] ['y', 'z']\n"
        # Another schema: the profile guard fails, as it does without the pass.
        Path("data.csv").write_text("a,b,c\n1,2.5,3\n")
        (run,) = Executor(batch.module).run()
        assert type(run.exception).__name__ == "ProfileMismatch"


def test_projected_read_holds_only_the_kept_columns() -> None:
    with in_tmp() as tmp:
        pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5], "c": ["x", "y"]}).to_csv("data.csv", index=False)
        paths = _write_scripts(tmp, [HEADER + 'print(df["c"].tolist())\n'])
        batch = compile_scripts([Script.load(str(p)) for p in paths])
        optimize_and_lower(batch.module, "push-projection")
        executor = Executor(batch.module)
        seen = []
        original = executor._execute

        def spy(op, backend_name, operands, content_key, **kw):  # type: ignore[no-untyped-def]
            outcome = original(op, backend_name, operands, content_key, **kw)
            if op.name == "df.read_csv":
                seen.append(list(outcome[0].obj.columns))
            return outcome

        executor._execute = spy  # type: ignore[method-assign]
        with contextlib.redirect_stdout(io.StringIO()):
            executor.run()
        assert seen == [["c"]]
