"""Random small agent-like programs: the frontend never breaks on them.

Programs are drawn from a grammar of what agent scripts do to a tiny CSV
(column arithmetic and assignment, pandas reductions, prints, lists and
dicts, ifs, loops, helper functions with defaults) plus their mistakes
(misspelled columns and names, unbound names, syntax errors). Two checks:

- compiling one with ``STRATUM_STRICT_FRONTEND=1`` raises nothing but the
  script's own SyntaxError: every construct is either lowered or falls back
  to Python deliberately, never through an internal error;
- ``stratumc --run`` prints the same stdout, exits with the same status and
  ends stderr with the same line as ``python``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

DATA = "a,b,s\n1,2.5,x\n2,,y\n3,4.0,\n4,1.5,x\n"
COLUMNS = ["a", "b"]
CONSTANTS = ["0", "1", "2", "0.5", "-3", "10"]
OPERATORS = ["+", "-", "*", "/"]


@st.composite
def column_expr(draw: st.DrawFn) -> str:
    col = draw(st.sampled_from([*COLUMNS, *COLUMNS, "A"]))  # "A": a KeyError
    base = f'df["{col}"]'
    return draw(st.sampled_from([
        base,
        f"{base} {draw(st.sampled_from(OPERATORS))} {draw(st.sampled_from(CONSTANTS))}",
        f"{base}.fillna({draw(st.sampled_from(CONSTANTS))})",
        f"np.log1p({base}.abs())",
        f"{base}.shift(1)",
        f"{base}.clip(lower=0, upper={draw(st.sampled_from(CONSTANTS))})",
        f'np.where({base} > 1, 1, 0)',
        f'{base}.rolling(2).mean()',
    ]))


@st.composite
def value_expr(draw: st.DrawFn, names: list[str]) -> str:
    options = [
        "len(df)", "df.shape", "df.columns.tolist()", 'df["a"].sum()', 'df["b"].quantile(0.5)',
        'df["s"].str.upper().tolist()', 'df["s"].value_counts().to_dict()', "df.isnull().sum().tolist()",
        f"{draw(st.sampled_from(CONSTANTS))} {draw(st.sampled_from(OPERATORS))} {draw(st.sampled_from(CONSTANTS))}",
        f"[{draw(st.sampled_from(CONSTANTS))}, {draw(st.sampled_from(CONSTANTS))}]",
        '{"k": 1, "j": 2}', "sorted([3, 1, 2])", "round(float(df['a'].mean()), 3)",
    ]
    if names:
        options.append(draw(st.sampled_from(names)))
    options.append(draw(st.sampled_from(["undefined_name", "df_", "lenn(df)"])))  # NameErrors
    return draw(st.sampled_from(options))


@st.composite
def statement(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    kind = draw(st.sampled_from(["assign", "column", "print", "print", "if", "for", "append", "setitem", "def"] if depth == 0 else ["assign", "column", "print"]))
    if kind == "assign":
        name = f"v{len(names)}"
        text = f"{name} = {draw(value_expr(names))}"
        names.append(name)
        return text
    if kind == "column":
        return f'df["{draw(st.sampled_from(["c", "d", "a"]))}"] = {draw(column_expr())}'
    if kind == "print":
        what = draw(st.sampled_from([draw(value_expr(names)), "(" + draw(column_expr()) + ").tolist()", "df.head(2)", 'df[["a", "b"]].describe().round(3)']))
        return f"print({what})"
    if kind == "if":
        body = textwrap.indent(draw(statement(names, depth + 1)), "    ")
        return f"if {draw(st.sampled_from(['len(df) > 2', 'True', '1 > 2', 'df.shape[0] == 4']))}:\n{body}"
    if kind == "for":
        body = textwrap.indent(draw(statement(names, depth + 1)), "    ")
        return f"for i in {draw(st.sampled_from(['range(2)', '[1, 2]', 'df.columns']))}:\n{body}\n    print(i)"
    if kind == "append":
        return "items.append(len(items))"
    if kind == "setitem":
        return f'table["{draw(st.sampled_from(["x", "y"]))}"] = {draw(value_expr(names))}'
    k = draw(st.sampled_from(CONSTANTS))
    return f"def helper(frame, k={k}):\n    return frame[\"a\"] * k\nprint(helper(df).tolist())"


@st.composite
def program(draw: st.DrawFn) -> str:
    names: list[str] = []
    lines = ["import numpy as np", "import pandas as pd", 'df = pd.read_csv("data.csv")', "items = []", "table = {}"]
    lines += [draw(statement(names)) for _ in range(draw(st.integers(1, 7)))]
    lines.append("print(items, table)")
    if draw(st.integers(0, 9)) == 0:
        lines.insert(draw(st.integers(3, len(lines))), "x = (")  # a SyntaxError
    return "\n".join(lines) + "\n"


def write_program(tmp: Path, source: str, name: str = "s.py") -> Path:
    """``source`` as ``tmp/name``, beside the data it reads."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "data.csv").write_text(DATA)
    script = tmp / name
    script.write_text(source)
    return script


# Bounded for CI; STRATUM_FUZZ_EXAMPLES digs deeper.
_EXAMPLES = int(os.environ.get("STRATUM_FUZZ_EXAMPLES", "0")) or None


@settings(max_examples=_EXAMPLES or 40)
@given(source=program())
def test_frontend_lowers_or_falls_back_without_internal_errors(tmp_path_factory: pytest.TempPathFactory, source: str) -> None:
    from stratum.frontend import Script, ScriptSyntaxError, compile_scripts

    script = write_program(tmp_path_factory.mktemp("fuzz"), source)
    cwd = os.getcwd()
    os.environ["STRATUM_STRICT_FRONTEND"] = "1"
    try:
        os.chdir(script.parent)
        try:
            compile_scripts([Script.load(str(script))])
        except ScriptSyntaxError:
            assert "x = (" in source  # only the programs made to be broken
    finally:
        os.chdir(cwd)
        del os.environ["STRATUM_STRICT_FRONTEND"]


@settings(max_examples=_EXAMPLES or 12)
@given(source=program())
def test_stratumc_runs_random_programs_as_python_does(tmp_path_factory: pytest.TempPathFactory, source: str) -> None:
    script = write_program(tmp_path_factory.mktemp("fuzz"), source)
    plain = subprocess.run([sys.executable, "s.py"], cwd=script.parent, capture_output=True, text=True)
    ours = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "s.py"], cwd=script.parent, capture_output=True, text=True)
    last = lambda text: (text.strip().splitlines() or [""])[-1]  # noqa: E731
    assert ours.stdout == plain.stdout, source
    assert ours.returncode == plain.returncode, (source, ours.stderr)
    # "Did you mean" suggestions included: stratumc prints through the interpreter's own display.
    assert last(ours.stderr) == last(plain.stderr), (source, ours.stderr)


def test_source_segments_are_pythons() -> None:
    """The frontend's own segment lookup (lines split once) gives ``ast.get_source_segment``'s text for every node."""
    import ast
    from pathlib import Path

    from stratum.frontend.lowering import ScriptLowering

    sources = [p.read_text() for p in sorted(Path(__file__).resolve().parents[1].glob("corpus/*/*.py"))]
    sources += ["x = 1\r\ny = (2,\r\n     3)\r\n", "a = 'é'; b = {'ü': [1,\n 2]}\n\x0cc = a\r", "f(\n)\n  # tail"]
    checked = 0
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lowering = ScriptLowering.__new__(ScriptLowering)
        lowering.source, lowering._source_lines = source, None
        for node in ast.walk(tree):
            assert lowering._segment(node) == ast.get_source_segment(source, node)
            checked += 1
    assert checked > 10000
