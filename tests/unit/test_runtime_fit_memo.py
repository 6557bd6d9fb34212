"""Step fits inside scikit-learn shared by the fit memo: same results, same objects, same warnings."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, QuantileTransformer, StandardScaler

from helpers import make_task_dir, python, stratumc
from stratum.runtime import fit_memo
from stratum.runtime.cache import ValueCache


@pytest.fixture
def memo():
    """The memo installed, empty, with no persistent tier; uninstalled after."""
    fit_memo.install()
    saved = (fit_memo.MEMO.cache, fit_memo.MEMO.min_seconds)
    fit_memo.MEMO.entries.clear()
    fit_memo.MEMO.bytes = 0
    fit_memo.configure(None, 0.0)
    for k in fit_memo.MEMO.stats:
        fit_memo.MEMO.stats[k] = 0
    yield fit_memo.MEMO
    fit_memo.MEMO.entries.clear()
    fit_memo.MEMO.bytes = 0
    fit_memo.MEMO.cache, fit_memo.MEMO.min_seconds = saved


def _frame(seed: int = 0, rows: int = 60) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "a": rng.normal(size=rows),
        "b": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(size=rows)),
        "c": rng.choice(["x", "y", "z", None], size=rows),
    })
    return X, pd.Series(rng.normal(size=rows), name="target")


def _prep() -> ColumnTransformer:
    return ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]), ["a", "b"]),
        ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")), ("oh", OneHotEncoder(handle_unknown="ignore"))]), ["c"]),
    ])


def _search() -> GridSearchCV:
    return GridSearchCV(
        Pipeline([("prep", _prep()), ("model", Ridge())]),
        {"model__alpha": [0.1, 1.0, 10.0]},
        cv=KFold(3, shuffle=True, random_state=0),
        scoring="neg_root_mean_squared_error",
    )


def _unmemoized(fn):
    with _memo_off():
        return fn()


class _memo_off:
    def __enter__(self):
        import sklearn.compose._column_transformer as ct
        import sklearn.model_selection._search as search
        import sklearn.model_selection._validation as validation
        import sklearn.pipeline as pipeline

        self.saved = []
        for module, attr, home in ((pipeline, "_fit_transform_one", "sklearn.pipeline"), (ct, "_fit_transform_one", "sklearn.pipeline"),
                                   (validation, "_fit_and_score", "sklearn.model_selection._validation"),
                                   (validation, "_fit_and_predict", "sklearn.model_selection._validation"),
                                   (search, "_fit_and_score", "sklearn.model_selection._validation")):
            self.saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, fit_memo._original(home, attr))

    def __exit__(self, *exc):
        for module, attr, value in self.saved:
            setattr(module, attr, value)


def test_a_grid_search_fits_each_folds_preprocessing_once_with_identical_results(memo) -> None:
    X, y = _frame()
    plain = _unmemoized(lambda: _search().fit(X, y))
    shared = _search().fit(X, y)
    assert memo.stats["hits"] > 0
    # Per fold, the ColumnTransformer is fitted for the first candidate and restored for the other two.
    assert memo.stats["hits"] >= 3 * 2
    for key in ("mean_test_score", "split0_test_score", "rank_test_score", "param_model__alpha"):
        assert np.array_equal(np.asarray(plain.cv_results_[key]), np.asarray(shared.cv_results_[key]))
    assert plain.best_params_ == shared.best_params_
    assert plain.predict(X).tobytes() == shared.predict(X).tobytes()


def test_cross_val_score_of_two_models_shares_the_preprocessing(memo) -> None:
    X, y = _frame(1)
    cv = KFold(4, shuffle=True, random_state=3)
    plain = [_unmemoized(lambda a=a: cross_val_score(Pipeline([("p", _prep()), ("m", Ridge(alpha=a))]), X, y, cv=cv)) for a in (1.0, 5.0)]
    shared = [cross_val_score(Pipeline([("p", _prep()), ("m", Ridge(alpha=a))]), X, y, cv=cv) for a in (1.0, 5.0)]
    assert memo.stats["hits"] >= 4  # the second model's four folds
    for p, s in zip(plain, shared):
        assert p.tobytes() == s.tobytes()


def test_a_hit_fits_the_callers_own_step_objects_in_place(memo) -> None:
    X, y = _frame(2)
    num = X[["a", "b"]]
    first_imputer = SimpleImputer(strategy="mean")
    Pipeline([("imp", first_imputer), ("m", Ridge())]).fit(num, y)
    imputer = SimpleImputer(strategy="mean")
    pipe = Pipeline([("imp", imputer), ("m", Ridge())]).fit(num, y)
    assert memo.stats["hits"] == 1
    # As under python: the user's object is the fitted step, with its own fitted state.
    assert pipe.steps[0][1] is imputer and pipe.named_steps["imp"] is imputer
    assert imputer.statistics_.tobytes() == first_imputer.statistics_.tobytes()
    assert imputer.statistics_ is not first_imputer.statistics_  # restored as a copy, not shared
    imputer.statistics_[0] = 99.0
    assert first_imputer.statistics_[0] != 99.0


def test_a_users_own_composite_step_is_not_restored_as_copies(memo) -> None:
    """Outside a clone, a nested Pipeline holds the caller's objects: it fits them in place, so it is never memoized whole."""
    X, y = _frame(3)
    for _ in range(2):
        scaler = StandardScaler()
        inner = Pipeline([("sc", scaler)])
        outer = Pipeline([("inner", inner), ("m", Ridge())]).fit(X[["a"]], y)
        assert outer.steps[0][1] is inner and inner.steps[0][1] is scaler
        assert hasattr(scaler, "mean_")


@settings(max_examples=20, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.just(float("nan")), st.floats(-1e6, 1e6)), min_size=2, max_size=30),
    strategy=st.sampled_from(["mean", "median", "most_frequent", "constant"]),
)
def test_memoized_step_fits_equal_plain_ones(values: list[float | None], strategy: str) -> None:
    fit_memo.install()
    X = pd.DataFrame({"v": pd.array(values, dtype="float64"), "w": np.arange(len(values), dtype="float64")})
    y = pd.Series(np.arange(len(values), dtype="float64"))

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Pipeline([("imp", SimpleImputer(strategy=strategy, fill_value=-1.0)), ("sc", StandardScaler()), ("m", Ridge())]).fit(X, y)

    plain = _unmemoized(fit)
    first, second = fit(), fit()  # the second from the memo
    for pipe in (first, second):
        assert pipe.predict(X).tobytes() == plain.predict(X).tobytes()
        assert _state(pipe.named_steps["imp"]) == _state(plain.named_steps["imp"])


def _state(estimator) -> dict:
    """Fitted attributes, exactly (bytes of arrays); scikit-learn's per-fit callback contexts aside."""
    out = {}
    for key, value in vars(estimator).items():
        if fit_memo._is_callback_bookkeeping(key):
            continue
        out[key] = (value.dtype.str, value.shape, pickle.dumps(value)) if isinstance(value, np.ndarray) else repr(value)
    return out


def test_data_keys_tell_apart_what_equality_would_merge() -> None:
    base = pd.DataFrame({"a": [1.0, 2.0], "b": ["1", "2"]})
    variants = [
        base,
        base[["b", "a"]],  # column order
        base.rename(columns={"a": "A"}),
        base.set_axis([5, 6]),  # index
        base.astype({"a": "float32"}),
        base.assign(b=[1, 2]),  # "1" vs 1
        base.assign(a=[1.0, -0.0]),
        base.assign(a=[1.0, 2.0 + 1e-15]),
    ]
    keys = [fit_memo.data_key(v) for v in variants]
    assert len(set(keys)) == len(keys)
    assert fit_memo.data_key(base.copy()) == keys[0]
    assert fit_memo.data_key(np.array([1, 2])) != fit_memo.data_key(np.array([1.0, 2.0]))


def test_what_may_not_be_skipped_is_fitted_every_time(memo) -> None:
    X, y = _frame(4, rows=40)

    class Counting(BaseEstimator, TransformerMixin):  # a script's own transformer: its fit may do anything
        fits = 0

        def fit(self, X, y=None):
            Counting.fits += 1
            return self

        def transform(self, X):
            return X

    for _ in range(2):
        Pipeline([("c", Counting()), ("m", Ridge())]).fit(X[["a"]], y)
    assert Counting.fits == 2

    calls = []

    def log_and_pass(values):  # a script's function: not memoized either
        calls.append(1)
        return values

    Pipeline([("f", FunctionTransformer(log_and_pass)), ("m", Ridge())]).fit(X[["a"]], y)
    per_fit = len(calls)
    Pipeline([("f", FunctionTransformer(log_and_pass)), ("m", Ridge())]).fit(X[["a"]], y)
    assert per_fit > 0 and len(calls) == 2 * per_fit

    # random_state=None may draw from the global generator: skipping the fit would change later draws.
    big = pd.DataFrame({"a": np.random.default_rng(0).normal(size=300)})
    target = pd.Series(np.arange(300.0))

    def draws():
        np.random.seed(7)
        for _ in range(2):
            Pipeline([("q", QuantileTransformer(n_quantiles=10, subsample=50)), ("m", Ridge())]).fit(big, target)
        return np.random.random()

    assert draws() == _unmemoized(draws)

    # A fit that changes its input in place (copy=False on an array) must do so every time.
    for _ in range(2):
        array = np.arange(12.0).reshape(6, 2)
        Pipeline([("sc", StandardScaler(copy=False)), ("m", Ridge())]).fit(array, np.arange(6.0))
        assert abs(array.mean()) < 1e-12


def test_a_hit_warns_again_as_the_fit_did(memo) -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [np.nan, np.nan, np.nan]})
    y = pd.Series([1.0, 2.0, 3.0])

    def fit_and_collect():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Pipeline([("imp", SimpleImputer()), ("m", Ridge())]).fit(X, y)
        return [(w.category, str(w.message), w.filename, w.lineno) for w in caught]

    first = fit_and_collect()
    second = fit_and_collect()
    assert memo.stats["hits"] == 1
    assert first and first == second == _unmemoized(fit_and_collect)


def test_the_persistent_tier_shares_fits_across_processes(memo, tmp_path: Path) -> None:
    X, y = _frame(5)
    cache = ValueCache(tmp_path / "cache")
    fit_memo.configure(cache, 0.0)
    first = Pipeline([("imp", SimpleImputer()), ("m", Ridge())]).fit(X[["a", "b"]], y)
    assert memo.stats["misses"] == 1
    memo.entries.clear()  # as a fresh process would start
    memo.bytes = 0
    second = Pipeline([("imp", SimpleImputer()), ("m", Ridge())]).fit(X[["a", "b"]], y)
    assert memo.stats["hits"] == 1
    assert second.predict(X[["a", "b"]]).tobytes() == first.predict(X[["a", "b"]]).tobytes()


GRID_SCRIPT = '''
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import {model}
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

train = pd.read_csv("./input/train.csv")
y = np.log1p(train["SalePrice"])
X = train.drop(columns=["Id", "SalePrice"])
num = X.select_dtypes("number").columns
cat = X.select_dtypes(exclude="number").columns
prep = ColumnTransformer([
    ("num", Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]), num),
    ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")), ("oh", OneHotEncoder(handle_unknown="ignore"))]), cat),
])
search = GridSearchCV(Pipeline([("prep", prep), ("model", {model}())]), {{"model__alpha": {grid}}},
                      cv=KFold(3, shuffle=True, random_state=0), scoring="neg_root_mean_squared_error")
search.fit(X, y)
print(search.best_params_, f"{{-search.best_score_:.10f}}")
print(search.cv_results_["mean_test_score"].round(12).tolist())
'''


def test_scripts_under_stratumc_share_step_fits_and_print_what_python_prints(tmp_path: Path) -> None:
    workdir = make_task_dir(tmp_path)
    ridge = workdir / "ridge.py"
    ridge.write_text(GRID_SCRIPT.format(model="Ridge", grid=[1.0, 10.0, 30.0]))
    lasso = workdir / "lasso.py"
    lasso.write_text(GRID_SCRIPT.format(model="Lasso", grid=[0.0005, 0.001]))
    cache = str(tmp_path / "cache")
    for script in (ridge, lasso):
        stats = tmp_path / f"{script.stem}.json"
        ran = stratumc(workdir, "--run", str(script), "--cache-dir", cache, "--stats-json", str(stats))
        assert ran == python(workdir, str(script))
        memo_stats = json.loads(stats.read_text())["runtime"]["fit_memo"]
        # Within the search: folds' preprocessing reused across grid points; the second
        # script also finds the first script's folds in the persistent cache.
        assert memo_stats["hits"] >= (2 * 3 if script is ridge else 2 * 3 + 1)


def test_an_inactive_memo_fits_every_time(memo) -> None:
    X, y = _frame(6)
    memo.active = False
    try:
        for _ in range(2):
            Pipeline([("imp", SimpleImputer()), ("m", Ridge())]).fit(X[["a", "b"]], y)
    finally:
        memo.active = True
    assert memo.stats["hits"] == 0 and not memo.entries


def test_the_environment_turns_the_memo_off(memo, monkeypatch) -> None:
    monkeypatch.setenv("STRATUM_FIT_MEMO", "0")
    fit_memo.install()
    X, y = _frame(7)
    for _ in range(2):
        Pipeline([("imp", SimpleImputer()), ("m", Ridge())]).fit(X[["a", "b"]], y)
    assert memo.stats["hits"] == 0
    monkeypatch.delenv("STRATUM_FIT_MEMO")
    fit_memo.install()
    assert memo.active


_STEPS = {
    "impute_mean": lambda: SimpleImputer(strategy="mean"),
    "impute_constant": lambda: SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True),
    "scale": lambda: StandardScaler(),
    "minmax": lambda: __import__("sklearn.preprocessing", fromlist=["MinMaxScaler"]).MinMaxScaler(),
    "poly": lambda: __import__("sklearn.preprocessing", fromlist=["PolynomialFeatures"]).PolynomialFeatures(2),
    "bins": lambda: __import__("sklearn.preprocessing", fromlist=["KBinsDiscretizer"]).KBinsDiscretizer(3, encode="ordinal", quantile_method="averaged_inverted_cdf"),
    "pca": lambda: __import__("sklearn.decomposition", fromlist=["PCA"]).PCA(2, random_state=0),
    "asinh": lambda: FunctionTransformer(np.arcsinh, feature_names_out="one-to-one"),  # defined everywhere: any step order
}


@settings(max_examples=6, deadline=None)  # each example is two grid searches
@given(
    numeric=st.lists(st.sampled_from(sorted(_STEPS)), min_size=1, max_size=3, unique=True),
    pandas_output=st.booleans(),
    seed=st.integers(0, 3),
)
def test_random_searches_score_and_predict_bitwise_as_without_the_memo(numeric: list[str], pandas_output: bool, seed: int) -> None:
    fit_memo.install()
    X, y = _frame(seed, rows=48)

    def search():
        steps = [("imp", SimpleImputer(strategy="median"))] + [(f"{n}{i}", _STEPS[n]()) for i, n in enumerate(numeric)]
        prep = ColumnTransformer([
            ("num", Pipeline(steps), ["a", "b"]),
            ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")), ("oh", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]), ["c"]),
        ])
        if pandas_output:
            prep.set_output(transform="pandas")
        grid = GridSearchCV(Pipeline([("prep", prep), ("m", Ridge())]), {"m__alpha": [0.5, 2.0]}, cv=KFold(3, shuffle=True, random_state=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return grid.fit(X, y)

    plain = _unmemoized(search)
    hits = fit_memo.MEMO.stats["hits"]
    shared = search()
    # Frames are never restored (a copy might not keep their block layout, and BLAS's last bits follow it).
    assert (fit_memo.MEMO.stats["hits"] > hits) != pandas_output
    assert np.asarray(plain.cv_results_["mean_test_score"]).tobytes() == np.asarray(shared.cv_results_["mean_test_score"]).tobytes()
    assert plain.predict(X).tobytes() == shared.predict(X).tobytes()
    assert plain.best_estimator_.named_steps["prep"].get_feature_names_out().tolist() == shared.best_estimator_.named_steps["prep"].get_feature_names_out().tolist()
