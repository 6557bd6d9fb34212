import os
import warnings

import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

warnings.filterwarnings("ignore")
np.random.seed(42)

# Load the data
train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print(train.shape)
print(test.shape)
print(train.head())
print(train["SalePrice"].describe())
train.info()

# Missing values overview
missing = train.isnull().sum().sort_values(ascending=False)
print(missing.head(10))
print(train["MSZoning"].value_counts())

y = np.log1p(train["SalePrice"])
test_ids = test["Id"]
train = train.drop(columns=["Id", "SalePrice"])
test = test.drop(columns=["Id"])

cat_cols = train.select_dtypes(include=["object", "string"]).columns.tolist()
num_cols = train.select_dtypes(exclude=["object", "string"]).columns.tolist()
print(len(cat_cols), "categorical,", len(num_cols), "numerical")

for c in cat_cols:
    train[c] = train[c].fillna("None")
    test[c] = test[c].fillna("None")
    le = LabelEncoder()
    le.fit(list(train[c].values) + list(test[c].values))
    train[c] = le.transform(list(train[c].values))
    test[c] = le.transform(list(test[c].values))

for c in num_cols:
    med = train[c].median()
    train[c] = train[c].fillna(med)
    test[c] = test[c].fillna(med)

X_train, X_val, y_train, y_val = train_test_split(train, y, test_size=0.2, random_state=42)

model = lgb.LGBMRegressor(n_estimators=300, learning_rate=0.05, num_leaves=31, random_state=42, verbose=-1)
model.fit(
    X_train,
    y_train,
    eval_set=[(X_val, y_val)],
    callbacks=[lgb.early_stopping(stopping_rounds=30, verbose=False)],
)
print("Best iteration:", model.best_iteration_)
val_pred = model.predict(X_val, num_iteration=model.best_iteration_)
rmse = np.sqrt(mean_squared_error(y_val, val_pred))
print(f"Validation RMSE: {rmse:.5f}")

os.makedirs("./working", exist_ok=True)
preds = np.expm1(model.predict(test, num_iteration=model.best_iteration_))
submission = pd.DataFrame({"Id": test_ids, "SalePrice": preds})
submission.to_csv("./working/submission.csv", index=False)
print(submission.head())
