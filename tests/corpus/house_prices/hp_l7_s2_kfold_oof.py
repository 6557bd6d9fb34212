import os
import random
import warnings

import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold

warnings.filterwarnings("ignore")
random.seed(0)
np.random.seed(0)

N_FOLDS = 5
TARGET = "SalePrice"

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print(f"train: {train.shape}, test: {test.shape}")

y = np.log1p(train[TARGET].values)
features = [c for c in train.columns if c not in ("Id", TARGET)]
print("Number of features:", len(features))

all_df = pd.concat([train[features], test[features]], axis=0, ignore_index=True)
for c in all_df.columns:
    if all_df[c].dtype == "object" or pd.api.types.is_string_dtype(all_df[c]):
        all_df[c] = all_df[c].fillna("NA")
        all_df[c] = pd.factorize(all_df[c])[0]
all_df["TotalSF"] = all_df["TotalBsmtSF"] + all_df["1stFlrSF"] + all_df["2ndFlrSF"]
all_df["QualSF"] = all_df["OverallQual"] * all_df["GrLivArea"]

X = all_df.iloc[: len(train)].reset_index(drop=True)
X_test = all_df.iloc[len(train):].reset_index(drop=True)
print(X.shape, X_test.shape)

oof = np.zeros(len(X))
test_pred = np.zeros(len(X_test))
scores = []
kf = KFold(n_splits=N_FOLDS, shuffle=True, random_state=42)
for fold, (trn_idx, val_idx) in enumerate(kf.split(X, y)):
    X_trn, X_val = X.iloc[trn_idx], X.iloc[val_idx]
    y_trn, y_val = y[trn_idx], y[val_idx]
    model = lgb.LGBMRegressor(n_estimators=150, learning_rate=0.08, num_leaves=15,
                              min_child_samples=10, random_state=fold, verbose=-1)
    model.fit(X_trn, y_trn, eval_set=[(X_val, y_val)], callbacks=[lgb.early_stopping(25, verbose=False)])
    oof[val_idx] = model.predict(X_val)
    test_pred += model.predict(X_test) / N_FOLDS
    score = np.sqrt(mean_squared_error(y_val, oof[val_idx]))
    scores.append(score)
    print(f"Fold {fold + 1}: RMSE = {score:.5f} (best iter {model.best_iteration_})")

print("CV RMSE: {:.5f} +/- {:.5f}".format(np.mean(scores), np.std(scores)))
print("OOF RMSE:", round(np.sqrt(mean_squared_error(y, oof)), 5))

os.makedirs("./working", exist_ok=True)
submission = pd.DataFrame({"Id": test["Id"], "SalePrice": np.expm1(test_pred)})
submission.to_csv("./working/submission.csv", index=False)
print(submission.describe())
