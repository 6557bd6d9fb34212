"""The step-fit memo on a grid search: the same GridSearchCV with the memo off and on, in one run.

GridSearchCV(Pipeline([ColumnTransformer(imputer+scaler, imputer+one-hot), Ridge]))
over 6 alphas and 5 folds on house_prices train.csv. With the memo the
ColumnTransformer is fitted once per fold instead of once per fold and alpha.
Prints best-of-N seconds for each, the ratio, the memo's hits, and checks that
cv_results_ scores and predictions are bitwise equal.

    python benchmarks/sharing/bench_fit_memo.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from stratum.runtime import fit_memo

ROOT = Path(__file__).resolve().parents[2]


def search(X: pd.DataFrame, y: pd.Series) -> GridSearchCV:
    numeric = X.select_dtypes("number").columns
    categorical = X.select_dtypes(exclude="number").columns
    prep = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]), numeric),
        ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")), ("oh", OneHotEncoder(handle_unknown="ignore"))]), categorical),
    ])
    grid = GridSearchCV(
        Pipeline([("prep", prep), ("model", Ridge())]),
        {"model__alpha": [0.1, 1, 3, 10, 30, 100]},
        cv=KFold(5, shuffle=True, random_state=0),
        scoring="neg_root_mean_squared_error",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return grid.fit(X, y)


def timed(X: pd.DataFrame, y: pd.Series, active: bool, repeat: int) -> tuple[float, GridSearchCV]:
    best, result = float("inf"), None
    for _ in range(repeat):
        fit_memo.MEMO.entries.clear()  # every repetition starts cold: sharing within the search only
        fit_memo.MEMO.bytes = 0
        fit_memo.MEMO.active = active
        started = time.perf_counter()
        result = search(X, y)
        best = min(best, time.perf_counter() - started)
    fit_memo.MEMO.active = True
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fit_memo.install()
    fit_memo.configure(None, 0.0)
    train = pd.read_csv(ROOT / "examples" / "house_prices" / "input" / "train.csv")
    y = np.log1p(train["SalePrice"])
    X = train.drop(columns=["Id", "SalePrice"])
    off, plain = timed(X, y, False, args.repeat)
    hits = fit_memo.MEMO.stats["hits"]
    on, shared = timed(X, y, True, args.repeat)
    hits = (fit_memo.MEMO.stats["hits"] - hits) // args.repeat
    for key in ("mean_test_score", "std_test_score"):
        assert plain.cv_results_[key].tobytes() == shared.cv_results_[key].tobytes(), key
    assert plain.predict(X).tobytes() == shared.predict(X).tobytes()
    print(f"grid search, memo off: {off:.3f} s; memo on: {on:.3f} s ({hits} step fits reused per search); "
          f"{off / on:.2f}x; scores and predictions bitwise equal (best of {args.repeat})")


if __name__ == "__main__":
    main()
