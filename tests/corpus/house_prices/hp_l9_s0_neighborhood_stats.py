import os
import random

import numpy as np
import pandas as pd
from sklearn.linear_model import Lasso
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold
from sklearn.preprocessing import RobustScaler

random.seed(2024)
np.random.seed(2024)
INPUT = "./input"
OUTPUT = "./working"
SKEW_THRESHOLD = 0.75


def load(name, index_col=None):
    path = os.path.join(INPUT, name)
    frame = pd.read_csv(path)
    print(f"Loaded {name}: {frame.shape[0]} rows, {frame.shape[1]} columns")
    return frame


def rmse(y_true, y_pred):
    return np.sqrt(mean_squared_error(y_true, y_pred))


class Preprocessor:
    def __init__(self, drop_cols=None):
        self.drop_cols = drop_cols or []

    def transform(self, frame):
        frame = frame.drop(columns=self.drop_cols, errors="ignore")
        frame["MSSubClass"] = frame["MSSubClass"].astype(str)
        frame["MSZoning"] = frame["MSZoning"].fillna("RL").str.replace(" (all)", "", regex=False)
        frame["Exterior1st"] = frame["Exterior1st"].str.lower().str.strip()
        frame["IsNew"] = frame["SaleType"].str.contains("New", na=False).astype(int)
        return frame


train = load("train.csv")
test = load("test.csv")
print(train[["SalePrice", "GrLivArea", "OverallQual"]].head())

# Neighborhood aggregates merged back in
nbhd = train.groupby("Neighborhood")["SalePrice"].agg(["mean", "median", "count"]).reset_index()
nbhd.columns = ["Neighborhood", "nbhd_mean", "nbhd_median", "nbhd_count"]
print(nbhd.sort_values("nbhd_mean", ascending=False).head())
train = train.merge(nbhd, on="Neighborhood", how="left")
test = test.merge(nbhd, on="Neighborhood", how="left")
print("Unmatched test neighborhoods:", test["nbhd_mean"].isna().sum())

prep = Preprocessor(drop_cols=["PoolQC", "MiscFeature", "Alley", "Fence", "FireplaceQu"])
train = prep.transform(train)
test = prep.transform(test)
print(train["MSZoning"].unique())

train["PriceBand"] = pd.qcut(train["SalePrice"], q=4, labels=["low", "mid", "high", "top"])
print(train["PriceBand"].value_counts())
print(train.groupby("PriceBand", observed=True)["GrLivArea"].mean().round(1))

y = np.log1p(train.pop("SalePrice"))
train = train.drop(columns=["PriceBand"])
ntrain = train.shape[0]
all_data = pd.concat([train, test]).reset_index(drop=True)

numeric = all_data.dtypes[all_data.dtypes != "object"].index
numeric = [c for c in numeric if pd.api.types.is_numeric_dtype(all_data[c]) and c != "Id"]
skewness = all_data[numeric].skew().sort_values(ascending=False)
skewed = skewness[abs(skewness) > SKEW_THRESHOLD].index.tolist()
print(f"{len(skewed)} skewed numeric features, top: {skewed[:3]}")
for col in skewed:
    all_data[col] = np.log1p(all_data[col].clip(lower=0))
all_data[numeric] = all_data[numeric].fillna(all_data[numeric].median())

all_data = pd.get_dummies(all_data.drop(columns=["Id"]), dummy_na=False)
all_data = all_data.fillna(0)
print("After dummies:", all_data.shape)

X = all_data[:ntrain].values.astype(float)
X_test = all_data[ntrain:].values.astype(float)
scaler = RobustScaler()
X = scaler.fit_transform(X)
X_test = scaler.transform(X_test)

kf = KFold(5, shuffle=True, random_state=2024)
fold_scores = []
for tr, va in kf.split(X):
    m = Lasso(alpha=0.0005, max_iter=5000)
    m.fit(X[tr], y.values[tr])
    fold_scores.append(rmse(y.values[va], m.predict(X[va])))
print("Lasso CV RMSE:", np.round(fold_scores, 4), "mean", round(float(np.mean(fold_scores)), 5))

model = Lasso(alpha=0.0005, max_iter=5000).fit(X, y)
print("Non-zero coefficients:", int((model.coef_ != 0).sum()))
pred = np.expm1(model.predict(X_test))
pd.DataFrame({"Id": test["Id"], "SalePrice": pred}).to_csv(os.path.join(OUTPUT, "submission.csv"), index=False)
print("Wrote", os.path.join(OUTPUT, "submission.csv"))
