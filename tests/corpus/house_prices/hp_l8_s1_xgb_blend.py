"""XGBoost added to the pipeline comparison; blend the two best models."""
import json
import os

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

RANDOM_STATE = 42
os.makedirs("./working", exist_ok=True)

train_df = pd.read_csv("./input/train.csv")
test_df = pd.read_csv("./input/test.csv")
assert train_df.shape[1] == test_df.shape[1] + 1, "test should lack only the target"

target = np.log1p(train_df["SalePrice"])
X = train_df.drop(["Id", "SalePrice"], axis=1)
X_test = test_df.drop("Id", axis=1)
for frame in (X, X_test):
    frame["TotalSF"] = frame["TotalBsmtSF"].fillna(0) + frame["1stFlrSF"] + frame["2ndFlrSF"]
    frame["Age"] = frame["YrSold"] - frame["YearBuilt"]

numeric_features = X.select_dtypes(include=["number"]).columns.tolist()
categorical_features = [c for c in X.columns if c not in numeric_features]

preprocessor = ColumnTransformer([
    ("num", Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]), numeric_features),
    ("cat", Pipeline([("imp", SimpleImputer(strategy="most_frequent")),
                      ("ohe", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]), categorical_features),
])

models = {
    "ridge": Ridge(alpha=12.0),
    "xgb": xgb.XGBRegressor(n_estimators=80, max_depth=3, learning_rate=0.12, subsample=0.8,
                            colsample_bytree=0.7, random_state=RANDOM_STATE, n_jobs=2),
}
kf = KFold(n_splits=3, shuffle=True, random_state=RANDOM_STATE)
cv_results = {}
for name, model in models.items():
    pipe = Pipeline([("prep", preprocessor), ("model", model)])
    scores = -cross_val_score(pipe, X, target, cv=kf, scoring="neg_root_mean_squared_error")
    cv_results[name] = float(scores.mean())
    print(f"{name}: CV RMSE {scores.mean():.4f} (+/- {scores.std():.4f})")

X_tr, X_va, y_tr, y_va = train_test_split(X, target, test_size=0.2, random_state=RANDOM_STATE)
val_preds = {}
for name, model in models.items():
    pipe = Pipeline([("prep", preprocessor), ("model", model)])
    pipe.fit(X_tr, y_tr)
    val_preds[name] = pipe.predict(X_va)

blend = 0.5 * val_preds["ridge"] + 0.5 * val_preds["xgb"]
blend_rmse = np.sqrt(mean_squared_error(y_va, blend))
print(f"Blend validation RMSE: {blend_rmse:.4f}")

with open("./working/cv_results.json", "w") as f:
    json.dump({"cv": cv_results, "blend_rmse": round(float(blend_rmse), 6)}, f, indent=2)

test_preds = []
for name, model in models.items():
    pipe = Pipeline([("prep", preprocessor), ("model", model)])
    pipe.fit(X, target)
    test_preds.append(pipe.predict(X_test))
final = np.expm1(np.mean(test_preds, axis=0))
try:
    assert np.all(final > 0)
    print("All predictions positive")
except AssertionError:
    print("Found non-positive predictions!")
pd.DataFrame({"Id": test_df["Id"], "SalePrice": final}).to_csv("./working/submission.csv", index=False)
print("done")
