"""Compare a few regressors inside one preprocessing pipeline."""
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

RANDOM_STATE = 42
DATA_DIR = "./input"

train_df = pd.read_csv(f"{DATA_DIR}/train.csv")
test_df = pd.read_csv(f"{DATA_DIR}/test.csv")
print("Train:", train_df.shape)
print("Test:", test_df.shape)

target = np.log1p(train_df["SalePrice"])
X = train_df.drop(["Id", "SalePrice"], axis=1)
X_test = test_df.drop("Id", axis=1)

numeric_features = X.select_dtypes(include=["int64", "float64"]).columns.tolist()
categorical_features = X.select_dtypes(exclude=["int64", "float64"]).columns.tolist()
print(f"{len(numeric_features)} numeric and {len(categorical_features)} categorical features")
print("First categorical:", sorted(categorical_features)[:5])

numeric_transformer = Pipeline(steps=[
    ("imputer", SimpleImputer(strategy="median")),
    ("scaler", StandardScaler()),
])
categorical_transformer = Pipeline(steps=[
    ("imputer", SimpleImputer(strategy="most_frequent")),
    ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
])
preprocessor = ColumnTransformer(transformers=[
    ("num", numeric_transformer, numeric_features),
    ("cat", categorical_transformer, categorical_features),
])

X_train, X_valid, y_train, y_valid = train_test_split(X, target, test_size=0.2, random_state=RANDOM_STATE)

models = {
    "Ridge": Ridge(alpha=10.0),
    "RandomForest": RandomForestRegressor(n_estimators=60, max_depth=12, random_state=RANDOM_STATE),
    "GradientBoosting": GradientBoostingRegressor(n_estimators=120, max_depth=3, random_state=RANDOM_STATE),
}
results = {}
for name, model in models.items():
    pipe = Pipeline(steps=[("preprocessor", preprocessor), ("model", model)])
    pipe.fit(X_train, y_train)
    preds = pipe.predict(X_valid)
    rmse = np.sqrt(mean_squared_error(y_valid, preds))
    results[name] = rmse
    print(f"{name:>16}: RMSE = {rmse:.4f}")

best_name = min(results, key=results.get)
print("Best model:", best_name)
for name, score in sorted(results.items(), key=lambda kv: kv[1]):
    print(name, round(score, 4))

final = Pipeline(steps=[("preprocessor", preprocessor), ("model", models[best_name])])
final.fit(X, target)
test_pred = np.expm1(final.predict(X_test))
submission = pd.DataFrame({"Id": test_df["Id"], "SalePrice": test_pred})
submission.to_csv("./working/submission.csv", index=False)
print("Submission saved:", submission.shape)
