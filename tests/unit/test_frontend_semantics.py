"""Small scripts probing the frontend's hard cases, run by python and by
``stratumc --run``: the two must agree exactly (stdout, stderr's last line,
exit status), and the native-statement counts show the feature is used."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DATA = "a,b,s\n1,2.5,x\n2,,y\n3,4.0,\n"


def _run(tmp_path: Path, source: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str], dict]:
    (tmp_path / "data.csv").write_text(DATA)
    (tmp_path / "working").mkdir(exist_ok=True)
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(source))
    plain = subprocess.run([sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True)
    stats = tmp_path / "stats.json"
    ours = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "s.py", "--stats-json", str(stats)], cwd=tmp_path, capture_output=True, text=True)
    return plain, ours, json.loads(stats.read_text()) if stats.exists() else {}


def _same(plain: subprocess.CompletedProcess[str], ours: subprocess.CompletedProcess[str]) -> None:
    assert ours.stdout == plain.stdout
    assert ours.returncode == plain.returncode
    last = lambda text: (text.strip().splitlines() or [""])[-1]  # noqa: E731
    assert last(ours.stderr) == last(plain.stderr), ours.stderr


INLINING = {
    "locals_shadow_globals": """
        import pandas as pd
        train = "global"
        def main():
            train = pd.read_csv("data.csv")
            print(train.shape, len(train.columns))
        main()
        print(train)
    """,
    "mutating_a_global_frame_inside_a_function": """
        import pandas as pd
        df = pd.read_csv("data.csv")
        alias = df
        def add(frame):
            frame["c"] = frame["a"] * 2
        add(df)
        print(df.columns.tolist(), alias.columns.tolist(), df["c"].sum())
    """,
    "mutating_a_caller_local_through_a_nested_call": """
        import pandas as pd
        def add(frame, k=3):
            frame["c"] = frame["a"] + k
            return frame["c"].sum()
        def main():
            df = pd.read_csv("data.csv")
            keep = df
            total = add(df)
            print(total, keep["c"].tolist(), df.shape)
        main()
    """,
    "unbound_local_is_an_error_as_in_python": """
        import pandas as pd
        x = 1
        def f():
            print(x)
            x = 2
        f()
    """,
    "opaque_statement_in_function_sees_locals": """
        import pandas as pd
        def main():
            df = pd.read_csv("data.csv")
            cols = [c for c in df.columns if c != "s"]
            out = {c: float(df[c].fillna(0).sum()) for c in cols}
            print(out)
        main()
    """,
    "error_inside_function_reports_function_line": """
        import pandas as pd
        def main():
            df = pd.read_csv("data.csv")
            print(df["missing"])
        main()
    """,
    "early_return_runs_as_python": """
        def f(x):
            if x > 1:
                return "big"
            return "small"
        print(f(2), f(0))
    """,
    "opaque_loop_binding_a_local_before_reading_it": """
        import numpy as np
        def main():
            best_w, best = 0.5, np.inf
            for w in np.linspace(0, 1, 5):
                score = abs(w - 0.3)
                if score < best:
                    best_w, best = w, score
            print(best_w, best)
        main()
    """,
    "opaque_loop_reading_a_local_bound_later_in_the_body": """
        import numpy as np
        def main():
            for w in np.linspace(0, 1, 3):
                if w > 0.2:
                    print(score)
                score = w
        main()
    """,
    "opaque_loop_reading_a_local_it_deleted": """
        import numpy as np
        def main():
            for w in np.linspace(0, 1, 2):
                s = w
                del s
                print(s)
        main()
    """,
    "recursion_runs_as_python": """
        def fact(n):
            return 1 if n <= 1 else n * fact(n - 1)
        print(fact(5))
    """,
}


@pytest.mark.parametrize("name", sorted(INLINING))
def test_inlined_functions_behave_as_called(tmp_path: Path, name: str) -> None:
    plain, ours, _ = _run(tmp_path, INLINING[name])
    _same(plain, ours)


def test_main_function_body_becomes_native(tmp_path: Path) -> None:
    plain, ours, stats = _run(tmp_path, INLINING["locals_shadow_globals"])
    _same(plain, ours)
    # main's two statements are lowered in place of the call.
    assert stats["statements_native"] >= 5, stats


def test_opaque_loop_binding_its_own_locals_keeps_the_function_inlined(tmp_path: Path) -> None:
    plain, ours, stats = _run(tmp_path, INLINING["opaque_loop_binding_a_local_before_reading_it"])
    _same(plain, ours)
    # main is inlined (its first statement native), the loop over run-time values opaque.
    assert stats["statements_native"] >= 3, stats


ALIASING = {
    "array_item_assignment_is_seen_by_aliases": """
        import numpy as np
        a = np.zeros(3)
        b = a
        a[0] = 5
        b[1:] += 2.5
        print(a, b, a is b)
    """,
    "array_updates_keep_numpy_casting": """
        import numpy as np
        a = np.zeros(3, dtype=int)
        a[0] = 2.7
        print(a)
        c = np.arange(3)
        c += 0.5
    """,
    "scalar_augmented_assignment": """
        import numpy as np
        total = 0
        name = "x"
        for i in [1, 2, 3]:
            total += i * 2
            name += str(i)
        print(total, name)
    """,
    "equal_allocations_stay_distinct_objects": """
        import numpy as np
        a = np.zeros(3)
        b = np.zeros(3)
        for i in range(2):
            a += 1
            b += 10
        print(a, b)
    """,
    "aliases_stay_aliases": """
        import numpy as np
        a = np.zeros(3)
        b = a
        for i in range(2):
            a += 1
        print(a, b, a is b)
    """,
    "container_keeps_its_element": """
        import numpy as np
        a = np.zeros(2)
        box = [a, np.zeros(2)]
        for i in range(3):
            box[0] += 1
        print(a, box, box[0] is a)
    """,
    # Copies of a list (a slice, list(), sorted(), +) are new lists of the same
    # objects: they do not follow appends to the original, but they do see its
    # elements change, whichever copy or original the change goes through.
    "copies_of_a_list_share_elements_not_appends": """
        import numpy as np
        base = ["LotArea", "GrLivArea"]
        copy2 = base[:]
        both = base + ["x"]
        ranked = sorted(base)
        base.append("OverallQual")
        base += ["YearBuilt"]
        base[0] = "z"
        print(copy2, both, ranked, base)
        arrs = [np.zeros(2), np.ones(2)]
        view = arrs[:1]
        arrs[0] += 1
        arrs.append(np.full(2, 7.0))
        tup = tuple(arrs)
        again = list(arrs)
        arrs[1][0] = 9
        again[2][1] = -1
        print(view, tup, again, len(arrs))
        nested = [[1], [2]]
        flat = list(nested)
        nested[0].append(5)
        nested.append([3])
        print(flat, nested)
        scores = {"ridge": 0.3, "lasso": 0.2}
        frozen = dict(scores)
        scores["gbm"] = 0.1
        print(frozen, scores, min(scores, key=scores.get), sorted(frozen, key=frozen.get))
        # An item taken out of a dict and held by another container is the
        # same object: a change made through the dict shows through both.
        d = {"x": [1]}
        held = dict(k=d["x"])
        pair = [d["x"], 0]
        d["x"].append(2)
        d["y"] = 3
        print(held, pair, d)
        # Equal copies of a list opaque code made are merged into one
        # computation, but stay two lists when opaque code changes one.
        import random
        random.seed(1)
        n = random.randint(3, 5)
        x = [i * 2 for i in range(n)]
        a = list(x)
        b = list(x)
        a.sort(key=lambda v: -v)
        print(a, b, x)
    """,
    # Read-only opaque code keeps a shared frame; later opaque code changes the
    # frame, on a protective copy that the kept reference must follow.
    "kept_by_read_only_code_sees_later_changes": """
        import copy
        import pandas as pd
        frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
        x = frame[["a", "b"]]
        held = copy.copy([x])
        nested = copy.copy({"k": (x, 1)})
        x["k"] = 1
        x.loc[0, "a"] = -5.0
        print(list(held[0].columns), held[0] is x, nested["k"][0] is x)
        print(held[0], nested["k"][0]["a"].tolist())
        print(frame.columns.tolist())
    """,
}


@pytest.mark.parametrize("name", sorted(ALIASING))
def test_object_identity_survives_sharing(tmp_path: Path, name: str) -> None:
    plain, ours, _ = _run(tmp_path, ALIASING[name])
    _same(plain, ours)


def test_scripts_of_a_batch_do_not_see_each_others_mutations(tmp_path: Path) -> None:
    body = """
import numpy as np
import pandas as pd
df = pd.read_csv("data.csv")
acc = np.zeros(len(df))
for i in range({n}):
    acc += df["a"].to_numpy()
    df.loc[0, "a"] = 100
print(acc.tolist(), df["a"].tolist())
"""
    (tmp_path / "data.csv").write_text(DATA)
    for n in (1, 2):
        (tmp_path / f"s{n}.py").write_text(body.format(n=n))
    expected = "".join(subprocess.run([sys.executable, f"s{n}.py"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout for n in (1, 2))
    ours = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "s1.py", "s2.py"], cwd=tmp_path, capture_output=True, text=True)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == expected


SCHEMA = {
    "loop_over_columns_with_dtype_tests": """
        import pandas as pd
        df = pd.read_csv("data.csv")
        for col in df.columns:
            if df[col].dtype == "object" or pd.api.types.is_string_dtype(df[col]):
                df[col] = df[col].fillna("missing").astype("category").cat.codes
            else:
                df[col] = df[col].fillna(df[col].median())
        print(df.to_string())
    """,
    "select_dtypes_then_columns": """
        import numpy as np
        import pandas as pd
        df = pd.read_csv("data.csv")
        num = df.select_dtypes(include=[np.number]).columns.tolist()
        print(num, len(num), df[num].sum().tolist())
    """,
    "inplace_fillna_differs_from_fillna": """
        import pandas as pd
        df = pd.read_csv("data.csv")
        view = df
        df.fillna(0, inplace=True)  # raises on the str column, unlike df.fillna(0)
        print(view.to_string())
    """,
}


WINDOWS = {
    "groupby_aggregations": """
        import pandas as pd
        df = pd.read_csv("data.csv")
        df["k"] = df["a"] % 2
        print(df.groupby("k")["b"].mean().to_string())
        print(df.groupby("k")[["a", "b"]].agg(["sum", "count"]).to_string())
        df["b_mean"] = df.groupby("k")["b"].transform("mean")
        print(df.to_string())
    """,
    "rolling_and_shift": """
        import pandas as pd
        df = pd.read_csv("data.csv")
        df["r"] = df["a"].rolling(2).mean().shift(1)
        df["e"] = df["b"].expanding().sum()
        print(df.to_string())
    """,
    "constant_folding_keeps_python_semantics": """
        import pandas as pd
        df = pd.read_csv("data.csv")
        cols = ["a"] + ["b"]
        print(df[cols].sum().to_string(), 2 ** 10, "x" * 3, 7 // 2)
        print(1 / 0)
    """,
}


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_windows_and_folding_match_python(tmp_path: Path, name: str) -> None:
    plain, ours, stats = _run(tmp_path, WINDOWS[name])
    _same(plain, ours)
    # `1 / 0` is not folded: it stays Python, which raises ZeroDivisionError at its line.
    assert stats["statements_opaque"] == (1 if "folding" in name else 0), stats


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_schema_driven_lowering_matches_python(tmp_path: Path, name: str) -> None:
    plain, ours, stats = _run(tmp_path, SCHEMA[name])
    _same(plain, ours)
    if "inplace" not in name:  # inplace=True has semantics of its own: it runs as written
        assert stats["statements_opaque"] == 0, stats


def test_loop_over_columns_is_unrolled_natively(tmp_path: Path) -> None:
    _, _, stats = _run(tmp_path, SCHEMA["loop_over_columns_with_dtype_tests"])
    # 2 statements before the loop, one branch of the `if` per column, print.
    assert stats["statements_native"] == 2 + 3 + 1, stats


def test_file_written_by_the_script_is_not_profiled(tmp_path: Path) -> None:
    (tmp_path / "working").mkdir()
    (tmp_path / "working" / "data.csv").write_text("x\n1\n")  # stale, from an earlier run
    plain, ours, _ = _run(
        tmp_path,
        """
        import pandas as pd
        pd.DataFrame({"a": [1, 2], "b": [3.5, 4.5]}).to_csv("./working/data.csv", index=False)
        d = pd.read_csv("./working/data.csv")
        for c in d.columns:
            print(c, d[c].dtype)
        """,
    )
    _same(plain, ours)


def test_file_changed_behind_the_profile_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "working").mkdir()
    (tmp_path / "other.csv").write_text("a,b\n1,2.5\n")
    (tmp_path / "s.py").write_text(
        textwrap.dedent(
            """
            import pandas as pd
            import shutil
            src = "other.csv"
            shutil.copyfile(src, "./working/" + "data.csv")
            d = pd.read_csv("./working/data.csv")
            for c in d.columns:
                print(c)
            """
        )
    )
    stale = tmp_path / "working" / "data.csv"
    stale.write_text("x\n1\n")  # from an earlier run
    plain = subprocess.run([sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True)
    assert plain.stdout == "a\nb\n"
    stale.write_text("x\n1\n")
    ours = subprocess.run([sys.executable, "-m", "stratum.cli", "--run", "s.py"], cwd=tmp_path, capture_output=True, text=True)
    # The write is invisible to the frontend (a computed path); the profile
    # guard refuses to go on rather than print the stale columns.
    assert ours.returncode == 1 and ours.stdout == ""
    assert "changed after stratum profiled it" in ours.stderr


def test_library_warnings_appear_as_under_python(tmp_path: Path) -> None:
    # pandas 3 deprecates select_dtypes(include="object") picking str columns:
    # each of the two (merged) calls warns at its own line, from __main__.
    plain, ours, stats = _run(
        tmp_path,
        """
        import pandas as pd
        df = pd.read_csv("data.csv")
        a = df.select_dtypes(include="object").columns.tolist()
        b = df.select_dtypes(include="object").columns.tolist()
        print(a, b)
        """,
    )
    assert plain.stderr.count("Pandas4Warning") == 2
    assert ours.stderr == plain.stderr
    assert ours.stdout == plain.stdout and stats["statements_opaque"] == 0


# Idioms agents write that compile natively. Each case: the script, and how
# many statements may stay opaque (so a silent fallback to Python fails).
OTHER = "a,b,s\n7,,\n8,1.5,\n"  # `s` is all-NA here: float64, not str
IDIOMS: dict[str, tuple[str, int]] = {
    "comprehension_variable_named_like_a_later_local": ("""
        import pandas as pd
        def prepare(train, test):
            feats = [c for c in train.columns if c not in ("b",)]
            full = pd.concat([train[feats], test[feats]], axis=0, ignore_index=True)
            cats = [c for c in feats if not pd.api.types.is_numeric_dtype(full[c])]
            for c in cats:
                full[c] = full[c].astype("category")
            print(c, full.dtypes.tolist())
            return full, cats
        train = pd.read_csv("data.csv")
        full, cats = prepare(train, pd.read_csv("other.csv"))
        print(cats, full.to_string(), train.dtypes.tolist())
    """, 0),
    "comprehension_variable_read_outside_is_unbound": ("""
        import pandas as pd
        def f(df):
            names = [c for c in df.columns] + [c]
            for c in df.columns:
                print(c)
            return names
        print(f(pd.read_csv("data.csv")))
    """, 1),
    "opaque_loop_target_is_unbound_after_no_iteration": ("""
        import pandas as pd
        def show(df):
            for v in df["s"].dropna():
                print(v)
            print(v)
            for w in df["s"].iloc[:0]:
                print(w)
            print(w)
        show(pd.read_csv("data.csv"))
    """, 1),
    "drop_in_place_is_seen_by_aliases_and_containers_only": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        alias = df
        frames = [df]
        sub = df[["a", "b"]]
        df.drop("b", axis=1, inplace=True)
        print(df.columns.tolist(), alias.columns.tolist(), frames[0].columns.tolist(), sub.columns.tolist())
        df.drop(columns=["s"], inplace=True)
        print(alias.shape, df.select_dtypes(include="number").columns.tolist())
    """, 2),  # the drops run as written (pandas warns about inplace); what follows knows the columns
    "drop_in_place_of_duplicate_labels_and_missing_ones": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        both = pd.concat([df, df], axis=1)
        both.drop(columns=["a"], inplace=True)
        print(both.columns.tolist())
        df.drop(columns=["zz"], inplace=True)
        print("not reached")
    """, 2),
    "groupby_transform_with_a_lambda": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        df["k"] = df["a"] % 2
        keep = df
        df["b"] = df.groupby("k")["b"].transform(lambda x: x.fillna(x.median()))
        df["c"] = df["a"].map(lambda v: v * 10)
        print(df.select_dtypes(include="number").columns.tolist(), keep.to_string())
        print(df.groupby("k")["b"].transform(lambda x: x.fillna(x.median()).astype("int64")))
    """, 0),
    "lambda_reading_a_global_stays_python": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        factor = 2
        scaled = df["a"].map(lambda v: v * factor)
        factor = 3
        print(scaled.tolist(), df["a"].map(lambda v: v * factor).tolist())
    """, 2),
    "fill_with_mode_and_median_keeps_dtypes": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        df["s"] = df["s"].fillna(df["s"].mode()[0])
        df["b"] = df["b"].fillna(df["b"].median())
        df["a"] = df["a"].fillna(df["a"].mode()[0])
        for col in df.select_dtypes(include="number").columns:
            df[col] = df[col] * 2
        print(df.dtypes.tolist(), df.to_string(), df["s"].mode()[0], df["a"].mode()[0])
        print(df["a"].mode()[7])
    """, 0),
    "columns_selected_by_a_mask_of_a_reduction": ("""
        import numpy as np
        import pandas as pd
        df = pd.read_csv("data.csv")
        skew = df[["a", "b"]].skew().abs().sort_values(ascending=False)
        cols = skew[skew > 0.1].index.tolist()
        print(cols, len(cols), cols[:1])
        alias = df
        before = df[cols]
        df[cols] = np.log1p(df[cols].clip(lower=0))
        print(df.to_string(), alias.to_string(), before.to_string())
    """, 0),
    "columns_of_a_frame_of_unknown_schema_select_another": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        X = pd.get_dummies(df)
        X_test = pd.get_dummies(df.iloc[:2])
        feats = X.columns.drop(["a"])
        print(X[feats].shape, X_test[X_test.columns].shape)
        X_test = X_test.reindex(columns=X.columns, fill_value=0)
        print(X_test[X.columns].to_string())
        print(df[X.columns])
    """, 0),
    "column_list_assignment_then_the_list_changes": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        cols = df.columns.tolist()[:2]
        df[cols] = 0
        cols.append("s")
        print(df.to_string(), cols)
        both = pd.concat([df, df], axis=1)
        both[["a"]] = 5
        print(both.to_string())
        df[["a", "b"]] = df[["b"]]
    """, 1),  # the append runs as written
    "known_column_list_assignment_keeps_the_schema": ("""
        import numpy as np
        import pandas as pd
        df = pd.read_csv("data.csv")
        num = df.select_dtypes(include=[np.number]).columns
        df[num] = df[num].fillna(df[num].median())
        df[["n1", "n2"]] = df[["a", "b"]] * 2
        for c in df.columns:
            print(c, df[c].tolist())
    """, 0),
    "astype_then_select_dtypes": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        df["k"] = df["a"].astype(str)
        df["f"] = df["a"].astype("float64")
        df["c"] = df["s"].astype("category")
        cats = df.select_dtypes(include="object").columns.drop("s")
        for col in df.select_dtypes(include="number").columns:
            print(col, df[col].dtype)
        print(cats.tolist(), df.dtypes.tolist())
        df["b"].astype(int)
    """, 0),
    "groupby_keys_as_columns_and_target_stats": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        y = (df["a"] * 1.5).reset_index(drop=True)
        df["k"] = df["a"] % 2
        stats = (
            df[["k"]].assign(t=y.values)
            .groupby("k", as_index=False)["t"]
            .agg(["mean", "count"])
            .rename(columns={"mean": "m", "count": "n"})
        )
        means = df.groupby("k", as_index=False)["b"].mean()
        ranks = df.groupby("k", as_index=False)["a"].transform("max")
        out = df.merge(stats, on="k", how="left")
        out["m"] = out["m"].fillna(y.mean())
        print(stats.to_string(), means.to_string(), ranks.tolist(), out.drop(columns=["k"]).to_string())
    """, 0),
    "merge_on_a_key_keeps_the_columns_known": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        other = df[["a", "b"]].iloc[1:]
        m = df.merge(other, on="a", how="left")
        cols = [c for c in m.columns if c != "a"]
        for c in m.select_dtypes(include="number").columns:
            print(c, m[c].tolist())
        inner = df.merge(other, on=["a"])
        print(cols, m.to_string(), inner.dtypes.tolist(), [c for c in inner.columns])
    """, 0),
    "dtype_compared_with_a_type_and_row_slices": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        for c in df.columns:
            if df[c].dtype == object or df[c].dtype == "str":
                df[c] = df[c].fillna("None")
            elif df[c].dtype != float:
                df[c] = df[c] * 10
        print(df.to_string())
        n = 2
        head, tail = df[:n], df[n:]
        print(head.to_string(), tail.select_dtypes(include="number").columns.tolist(), df[::-1].index.tolist())
    """, 0),
    "iterating_a_list_built_by_appends": ("""
        import numpy as np
        import pandas as pd
        df = pd.read_csv("data.csv")
        scores = []
        for i in range(3):
            scores.append(df["a"].sum() * i / 7)
        print([round(s, 2) for s in scores], np.mean(scores))
        alias = scores
        scores.append(9)
        scores.extend([1, 2])
        print([x for x in alias], len(alias))
    """, 0),
    "pop_a_column_is_seen_by_aliases": ("""
        import numpy as np
        import pandas as pd
        df = pd.read_csv("data.csv")
        alias = df
        before = df[["a", "b"]]
        target = "b"
        y = np.log1p(df.pop(target))
        print(y.tolist(), df.columns.tolist(), alias.columns.tolist(), before.columns.tolist())
        print(df.select_dtypes(include="number").columns.tolist())
        df.pop("b")
    """, 1),  # popping a label that is gone (KeyError) runs as written
    "list_of_labels_decided_at_run_time": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        sparse = [c for c in df.columns if df[c].isnull().mean() > 0.3]
        df = df.drop(columns=sparse)
        keep = [c for c in df.columns if c not in sparse]
        sparse.append("zz")
        print(sparse, keep, df[keep].shape, df.columns.tolist())
        print(df.drop(columns=sparse))
    """, 2),  # the two comprehensions over columns run as written (conditions on the data)
    "lambda_over_lines_and_a_deleted_local": ("""
        import pandas as pd
        df = pd.read_csv("data.csv")
        df["k"] = df["a"] % 2
        print(df.groupby("k")["b"].transform(lambda x:
                                             x.fillna(x.median())).tolist())
        def f(d):
            del d
            return d
        print(f(df))
    """, 2),  # `del`, then the call of f (its local is unbound) run as written
}


@pytest.mark.parametrize("name", sorted(IDIOMS))
def test_agent_idioms_are_native_and_match_python(tmp_path: Path, name: str) -> None:
    source, opaque = IDIOMS[name]
    (tmp_path / "other.csv").write_text(OTHER)
    plain, ours, stats = _run(tmp_path, source)
    _same(plain, ours)
    assert stats["statements_opaque"] <= opaque, stats
