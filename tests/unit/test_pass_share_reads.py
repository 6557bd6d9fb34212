"""share-reads: equal reads of different scripts become one op, and files changed between scripts are read again.

The property draws batches in which scripts read a CSV, print from it, and
some rewrite it (to_csv, or opaque code appending a row) before later
scripts read it, and checks every script prints and fails as under plain
Python with the default pipeline.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_batch_properties import _plain, _stratum

from stratum.driver import optimize_and_lower
from stratum.frontend import Script, compile_scripts
from stratum.passes import DEFAULT_PIPELINE
from stratum.runtime.executor import Executor
from helpers import in_tmp

READ = "import pandas as pd\ndf = pd.read_csv('data.csv')\n"
_bodies = st.sampled_from(
    [
        'print(df["a"].sum(), len(df))\n',
        'print(df[["b", "a"]].to_string())\n',
        'df["a"] = df["a"] * 2\ndf.to_csv("data.csv", index=False)\nprint(df["a"].tolist())\n',
        'print(df["b"].max())\nwith open("data.csv", "a") as f:\n    f.write("7,0.25\\n")\n',
        'print(df["missing"].sum())\n',
    ]
)




def _write(sources: list[str]) -> list[Path]:
    paths = []
    for i, source in enumerate(sources):
        path = Path(f"s{i}.py").resolve()
        path.write_text(source)
        paths.append(path)
    return paths


DATA = "a,b\n1,0.5\n2,\n3,1.5\n"


@given(st.lists(_bodies, min_size=2, max_size=4))
def test_shared_reads_see_each_scripts_file(bodies: list[str]) -> None:
    with in_tmp():
        sources = [READ + body for body in bodies]
        paths = _write(sources)
        Path("data.csv").write_text(DATA)
        expected = _plain(paths)
        Path("data.csv").write_text(DATA)
        assert _stratum(paths, DEFAULT_PIPELINE) == expected, bodies


def test_equal_reads_of_two_scripts_are_one_read() -> None:
    with in_tmp():
        Path("data.csv").write_text(DATA)
        paths = _write([READ + 'print(df["a"].sum())\n', READ + 'print(df["a"].sum() + 1)\nprint(df["b"].mean())\n'])
        expected = _plain(paths)[0]
        batch = compile_scripts([Script.load(str(p)) for p in paths])
        stages = optimize_and_lower(batch.module, DEFAULT_PIPELINE, keep_text=True)
        assert stages.opt.count('"df.read_csv"') == 1
        # cse then shares what is computed from it: one `df["a"].sum()` for both scripts.
        assert stages.opt.count('<{method = "sum"') == 1
        out = io.StringIO()
        executor = Executor(batch.module)
        with contextlib.redirect_stdout(out):
            executor.run()
        assert out.getvalue() == expected
        assert executor.stats["computed"]["df.read_csv"] == 1


def test_two_reads_of_one_script_stay_apart() -> None:
    with in_tmp():
        Path("data.csv").write_text(DATA)
        script = READ + 'print(df["a"].tolist())\npd.DataFrame({"a": [9], "b": [1.0]}).to_csv("data.csv", index=False)\ndf = pd.read_csv("data.csv")\nprint(df["a"].tolist())\n'
        paths = _write([script, READ + 'print(df["a"].tolist())\n'])
        expected = _plain(paths)
        Path("data.csv").write_text(DATA)
        assert expected[0] == "[1, 2, 3]\n[9]\n[9]\n"
        assert _stratum(paths, DEFAULT_PIPELINE) == expected


def test_a_missing_file_fails_at_each_scripts_line() -> None:
    with in_tmp():
        paths = _write(["import pandas as pd\n\ndf = pd.read_csv('gone.csv')\n", "import pandas as pd\ndf = pd.read_csv('gone.csv')\n"])
        batch = compile_scripts([Script.load(str(p)) for p in paths])
        optimize_and_lower(batch.module, DEFAULT_PIPELINE)
        assert sum(op.name == "df.read_csv" for op in batch.module.walk()) == 1
        runs = Executor(batch.module).run()
        lines = []
        for run in runs:
            assert isinstance(run.exception, FileNotFoundError)
            tb = run.exception.__traceback__
            while tb is not None:  # the script's own frame, as Python's traceback shows it
                if tb.tb_frame.f_code.co_filename == run.path:
                    lines.append((run.path, tb.tb_lineno))
                tb = tb.tb_next
        assert lines == [(str(paths[0]), 3), (str(paths[1]), 2)]
        assert [r.exit_code for r in runs] == [1, 1]
