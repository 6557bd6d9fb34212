"""Property: random multi-script batches give every script the same output
and the same exception with and without the optimizer.

Scripts are drawn from a pool of statements over a random CSV, so batches
overlap the way agent lineages do (shared prefixes, the same expression in
several scripts, column lists in different orders) and exercise cross-script
CSE, DCE, fusion and operator selection. Each batch is run by plain Python
(script by script) and by Stratum with no passes, with CSE + DCE, and with
the default pipeline; NaNs, empty frames and failing scripts are generated.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.passes import DEFAULT_PIPELINE
from stratum.runtime.executor import Executor

HEADER = "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data.csv')\n"

_columns = st.permutations(["a", "b", "c"]).flatmap(lambda cols: st.integers(1, 3).map(lambda k: cols[:k]))
_operand = st.sampled_from(['df["a"]', 'df["b"]', 'df["c"]', "2", "0.5"])
_expr = st.recursive(
    _operand,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", ">"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"np.log1p(np.abs({e}))"),
        inner.map(lambda e: f"({e}).fillna(-1)" if "df" in e else e),
    ),
    max_leaves=4,
)
_statement = st.one_of(
    _columns.map(lambda cols: f"print(df[{list(cols)!r}].to_string())"),
    st.tuples(st.sampled_from(["n1", "n2"]), _expr).map(lambda t: f"df[{t[0]!r}] = {t[1]}"),
    _expr.map(lambda e: f"print(pd.Series({e}).to_string())" if "df" in e else f"print({e})"),
    st.just('print(df.select_dtypes(include="number").columns.tolist())'),
    st.just("for col in df.columns:\n    print(col, df[col].dtype)"),
    st.just("z = np.zeros(len(df))\nw = np.zeros(len(df))\nz += 1\nprint(z.sum(), w.sum())"),
    st.just("print(df.fillna(0).sum().to_string())"),
    st.just('print(df["missing"].sum())'),  # a KeyError ends this script only
)
_floats = st.floats(allow_nan=True, allow_infinity=False, width=64) | st.just(float("nan"))


@st.composite
def batches(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str]]:
    rows = draw(st.integers(0, 12))
    frame = pd.DataFrame(
        {
            "a": draw(st.lists(_floats, min_size=rows, max_size=rows)),
            "b": draw(st.lists(_floats, min_size=rows, max_size=rows)),
            "c": draw(st.lists(st.integers(-5, 5), min_size=rows, max_size=rows)),
        }
    )
    pool = draw(st.lists(_statement, min_size=1, max_size=4))
    scripts = []
    for _ in range(draw(st.integers(2, 3))):
        picked = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
        scripts.append(HEADER + "\n".join(picked) + "\n")
    return frame, scripts


def _plain(paths: list[Path]) -> tuple[str, list[tuple[str, str] | None]]:
    out = io.StringIO()
    errors: list[tuple[str, str] | None] = []
    with contextlib.redirect_stdout(out):
        for path in paths:
            try:
                exec(compile(path.read_text(), str(path), "exec"), {"__name__": "__main__", "__file__": str(path)})
                errors.append(None)
            except Exception as exc:  # noqa: BLE001 - the script's own failure
                errors.append((type(exc).__name__, str(exc)))
    return out.getvalue(), errors


def _stratum(paths: list[Path], passes: str) -> tuple[str, list[tuple[str, str] | None]]:
    batch = compile_scripts([Script.load(str(p)) for p in paths])
    optimize_and_lower(batch.module, passes)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runs = Executor(batch.module).run()
    return out.getvalue(), [None if r.exception is None else (type(r.exception).__name__, str(r.exception)) for r in runs]


@given(batches())
def test_batches_behave_the_same_under_every_pipeline(batch: tuple[pd.DataFrame, list[str]]) -> None:
    frame, sources = batch
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp, np.errstate(all="ignore"):
        os.chdir(tmp)
        try:
            frame.to_csv("data.csv", index=False)
            paths = []
            for i, source in enumerate(sources):
                path = Path(tmp) / f"s{i}.py"
                path.write_text(source)
                paths.append(path)
            expected = _plain(paths)
            for passes in ("", "cse,dce", DEFAULT_PIPELINE):
                assert _stratum(paths, passes) == expected, (passes, sources)
        finally:
            os.chdir(old)
