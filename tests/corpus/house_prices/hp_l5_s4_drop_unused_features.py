"""LightGBM baseline with native categorical handling, evaluated with cross_val_score."""
import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.model_selection import GridSearchCV, KFold

RANDOM_STATE = 42
TRAIN_PATH = "./input/train.csv"
TEST_PATH = "./input/test.csv"


def load(path):
    df = pd.read_csv(path)
    print(f"Loaded {path}: {df.shape[0]} rows x {df.shape[1]} cols")
    return df


def prepare(train, test):
    features = [c for c in train.columns if c not in ("Id", "SalePrice")]
    full = pd.concat([train[features], test[features]], axis=0, ignore_index=True)
    cat_cols = [c for c in features if not pd.api.types.is_numeric_dtype(full[c])]
    for c in cat_cols:
        full[c] = full[c].astype("category")
    X = full.iloc[: len(train)].reset_index(drop=True)
    X_test = full.iloc[len(train):].reset_index(drop=True)
    return X, X_test, cat_cols


def make_model():
    return lgb.LGBMRegressor(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=31,
        min_child_samples=20,
        random_state=RANDOM_STATE,
        verbose=-1,
    )


if __name__ == "__main__":
    train = load(TRAIN_PATH)
    test = load(TEST_PATH)
    y = np.log1p(train["SalePrice"])
    X, X_test, cat_cols = prepare(train, test)
    print(f"{X.shape[1]} features ({len(cat_cols)} categorical)")

    cv = KFold(n_splits=3, shuffle=True, random_state=RANDOM_STATE)
    param_grid = {"num_leaves": [15, 31], "learning_rate": [0.05, 0.1]}
    grid = GridSearchCV(make_model(), param_grid, cv=cv, scoring="neg_root_mean_squared_error")
    grid.fit(X, y)
    results = pd.DataFrame(grid.cv_results_)[["params", "mean_test_score", "rank_test_score"]]
    for _, row in results.iterrows():
        print(f"{row['params']} -> RMSE {-row['mean_test_score']:.5f} (rank {row['rank_test_score']})")
    print("Best params:", grid.best_params_)
    print(f"Validation RMSE: {-grid.best_score_:.5f}")

    model = grid.best_estimator_

    # Inspect feature importances before deciding on feature selection
    importances = pd.Series(model.feature_importances_, index=X.columns).sort_values(ascending=False, kind="stable")
    print("Top 10 features by split importance:")
    print(importances.head(10).to_string())
    zero_imp = importances[importances == 0].index.tolist()
    print(f"{len(zero_imp)} features have zero importance: {zero_imp}")

    # Drop the unused features and refit the best configuration on all data
    X = X.drop(columns=zero_imp)
    X_test = X_test.drop(columns=zero_imp)
    print(f"Refitting on {X.shape[1]} features")
    model = make_model().set_params(**grid.best_params_)
    model.fit(X, y)

    preds = np.expm1(model.predict(X_test))
    pd.DataFrame({"Id": test["Id"], "SalePrice": preds}).to_csv("./working/submission.csv", index=False)
    print("Submission written")
