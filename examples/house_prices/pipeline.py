import os

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

os.makedirs("./working", exist_ok=True)

# Load data
train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print(f"Train shape: {train.shape}, test shape: {test.shape}")

# Drop columns that are mostly missing
drop_cols = ["Alley", "PoolQC", "Fence", "MiscFeature"]
train = train.drop(columns=drop_cols)
test = test.drop(columns=drop_cols)

# Fill missing values
train["LotFrontage"] = train["LotFrontage"].fillna(train["LotFrontage"].median())
test["LotFrontage"] = test["LotFrontage"].fillna(train["LotFrontage"].median())
for col in ["TotalBsmtSF", "GarageCars", "GarageArea", "BsmtFinSF1"]:
    test[col] = test[col].fillna(0)

# Derived feature
train["TotalSF"] = train["TotalBsmtSF"] + train["1stFlrSF"] + train["2ndFlrSF"]
test["TotalSF"] = test["TotalBsmtSF"] + test["1stFlrSF"] + test["2ndFlrSF"]
train["Age"] = train["YrSold"] - train["YearBuilt"]
test["Age"] = test["YrSold"] - test["YearBuilt"]

# Encode a few categoricals
for col in ["Neighborhood", "KitchenQual", "ExterQual"]:
    train[col] = train[col].astype("category").cat.codes
    test[col] = test[col].astype("category").cat.codes

# Log-transform the target
y = np.log1p(train["SalePrice"])

features = [
    "OverallQual", "GrLivArea", "GarageCars", "GarageArea", "TotalSF", "Age",
    "LotFrontage", "LotArea", "FullBath", "BsmtFinSF1", "Neighborhood",
    "KitchenQual", "ExterQual",
]
X = train[features]
X_test = test[features]

X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=42)

model = Ridge(alpha=10.0)
model.fit(X_train, y_train)
val_pred = model.predict(X_val)
rmse = np.sqrt(mean_squared_error(y_val, val_pred))
print(f"Validation RMSE: {rmse:.5f}")

# Refit on all data and predict the test set
model.fit(X, y)
preds = np.expm1(model.predict(X_test))
submission = pd.DataFrame({"Id": test["Id"], "SalePrice": preds})
submission.to_csv("./working/submission.csv", index=False)
print("Wrote ./working/submission.csv")
