"""LightGBM baseline with native categorical handling, evaluated with cross_val_score."""
import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.model_selection import KFold, cross_val_score

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

    cv = KFold(n_splits=5, shuffle=True, random_state=RANDOM_STATE)
    scores = -cross_val_score(make_model(), X, y, cv=cv, scoring="neg_root_mean_squared_error")
    print("Fold RMSEs:", np.round(scores, 5))
    print(f"Validation RMSE: {scores.mean():.5f} +/- {scores.std():.5f}")

    model = make_model()
    model.fit(X, y)
    preds = np.expm1(model.predict(X_test))
    pd.DataFrame({"Id": test["Id"], "SalePrice": preds}).to_csv("./working/submission.csv", index=False)
    print("Submission written")
