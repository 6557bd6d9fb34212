import os
import warnings

import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.metrics import mean_squared_error, mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split

warnings.filterwarnings("ignore")
SEED = 42
QUALITY_MAP = {"Ex": 5, "Gd": 4, "TA": 3, "Fa": 2, "Po": 1}

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print("Train shape:", train.shape, "Test shape:", test.shape)

# Remove extreme outliers: huge living area, low price
upper = train["GrLivArea"].quantile(0.995)
print("GrLivArea 99.5% quantile:", upper)
train = train[~((train["GrLivArea"] > 4000) & (train["SalePrice"] < 300000))].reset_index(drop=True)
print("After outlier removal:", train.shape)

y = np.log1p(train["SalePrice"])
n_train = len(train)
full = pd.concat([train.drop(columns=["SalePrice"]), test], axis=0).reset_index(drop=True)
print(full.shape)

# Ordinal quality columns
for col in ["ExterQual", "ExterCond", "BsmtQual", "KitchenQual", "HeatingQC", "FireplaceQu", "GarageQual"]:
    full[col] = full[col].map(QUALITY_MAP).fillna(0)

full["TotalSF"] = full["TotalBsmtSF"].fillna(0) + full["1stFlrSF"] + full["2ndFlrSF"]
full["HouseAge"] = full["YrSold"] - full["YearBuilt"]
full["RemodAge"] = full["YrSold"] - full["YearRemodAdd"]
full["HouseAge"] = full["HouseAge"].clip(lower=0, upper=150)
full["IsRemodeled"] = np.where(full["YearBuilt"] != full["YearRemodAdd"], 1, 0)
full["HasPool"] = full["PoolArea"].apply(lambda x: 1 if x > 0 else 0)
full["AgeBin"] = pd.cut(full["HouseAge"], bins=[-1, 10, 30, 60, 200], labels=False)
full["LotFrontage"] = full["LotFrontage"].fillna(full["LotFrontage"].median())
full.loc[full["GarageYrBlt"].isnull(), "GarageYrBlt"] = full["YearBuilt"]
full["CentralAir"] = (full["CentralAir"] == "Y").astype(int)
print(full[["TotalSF", "HouseAge", "IsRemodeled", "AgeBin"]].describe())
print(full["AgeBin"].value_counts().sort_index())

full = full.drop(columns=["Id", "PoolQC", "MiscFeature", "Alley", "Fence"])
obj_cols = [c for c in full.columns if full[c].dtype == "object" or pd.api.types.is_string_dtype(full[c])]
for c in obj_cols:
    full[c] = full[c].fillna("Missing").astype("category")
print("Categorical columns:", len(obj_cols))

X = full.iloc[:n_train]
X_test = full.iloc[n_train:]
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=SEED)

params = dict(n_estimators=400, learning_rate=0.03, num_leaves=20, subsample=0.8, subsample_freq=1,
              colsample_bytree=0.7, random_state=SEED, verbose=-1)
model = lgb.LGBMRegressor(**params)
model.fit(X_tr, y_tr, eval_set=[(X_va, y_va)], eval_metric="rmse",
          callbacks=[lgb.early_stopping(50, verbose=False), lgb.log_evaluation(0)])
pred = model.predict(X_va)
print("RMSE: %.5f" % np.sqrt(mean_squared_error(y_va, pred)))
print("MAE: %.5f" % mean_absolute_error(y_va, pred))
print("R2: %.4f" % r2_score(y_va, pred))

importances = pd.Series(model.feature_importances_, index=X.columns).sort_values(ascending=False)
print(importances.head(15))

os.makedirs("./working", exist_ok=True)
sub = pd.DataFrame({"Id": test["Id"], "SalePrice": np.expm1(model.predict(X_test))})
sub.to_csv("./working/submission.csv", index=False)
print("Saved submission with", len(sub), "rows")
