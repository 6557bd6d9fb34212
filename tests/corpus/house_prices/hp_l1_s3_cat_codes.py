import pandas as pd
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error

# Load data
train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print(f"Train shape: {train.shape}, Test shape: {test.shape}")

# Train on log1p(SalePrice) since the metric is RMSE on log prices
y = np.log1p(train["SalePrice"])

# Use all features: encode categoricals as integer codes on train+test together
n_train = len(train)
X = pd.concat([train.drop(["Id", "SalePrice"], axis=1), test.drop(["Id"], axis=1)], axis=0, ignore_index=True)
print(f"Combined feature frame: {X.shape}")

for col in X.columns:
    if X[col].dtype == "object":
        X[col] = X[col].fillna("Missing").astype("category").cat.codes
    else:
        X[col] = X[col].fillna(X[col].median())

X_test = X.iloc[n_train:].reset_index(drop=True)
X = X.iloc[:n_train].reset_index(drop=True)
print(f"Using {X.shape[1]} features")

X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=42)

model = RandomForestRegressor(n_estimators=100, random_state=42)
model.fit(X_train, y_train)

val_pred = model.predict(X_val)
rmse = np.sqrt(mean_squared_error(y_val, val_pred))
print(f"Validation RMSE (log): {rmse:.5f}")

# Retrain on all data and predict test
model.fit(X, y)
preds = np.expm1(model.predict(X_test))

submission = pd.DataFrame({"Id": test["Id"], "SalePrice": preds})
submission.to_csv("./working/submission.csv", index=False)
print("Submission saved to ./working/submission.csv")
