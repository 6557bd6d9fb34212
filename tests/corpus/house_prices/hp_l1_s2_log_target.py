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
X = train.select_dtypes(include=[np.number]).drop(["Id", "SalePrice"], axis=1)
X_test = test[X.columns]
print(f"Using {X.shape[1]} numeric features")

# Impute with the training medians instead of zeros
medians = X.median()
X = X.fillna(medians)
X_test = X_test.fillna(medians)
print(f"Missing values after imputation: train={X.isnull().sum().sum()}, test={X_test.isnull().sum().sum()}")

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
