import warnings

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

warnings.filterwarnings("ignore")
np.random.seed(42)

df = pd.read_csv("./input/BTC-USD.csv")
print(df.shape)
print(df.head())
print(df.dtypes)
df.info()
print(df.describe().T)

df["Date"] = pd.to_datetime(df["Date"])
df = df.sort_values("Date").reset_index(drop=True)
df["year"] = df["Date"].dt.year
df["month"] = df["Date"].dt.month
df["dayofweek"] = df["Date"].dt.dayofweek
df["quarter"] = df["Date"].dt.quarter
print(df["year"].value_counts().sort_index())

df["log_close"] = np.log(df["Close"])
for lag in [1, 2, 3, 5, 8]:
    df[f"close_lag_{lag}"] = df["log_close"].shift(lag)
df["ma_4"] = df["log_close"].rolling(window=4).mean()
df["ma_13"] = df["log_close"].rolling(window=13).mean()
df["vol_13"] = df["log_close"].diff().rolling(13).std()
df["range"] = (df["High"] - df["Low"]) / df["Close"]
df["target"] = df["log_close"].shift(-1)

print("Rows with NaN:", df.isna().any(axis=1).sum())
data = df.dropna().reset_index(drop=True)
print("Usable rows:", len(data))

feature_cols = [c for c in data.columns if c.startswith("close_lag_") or c.startswith("ma_")]
feature_cols += ["log_close", "vol_13", "range", "month", "quarter"]
print("Features:", feature_cols)

test_size = 52
train = data.iloc[:-test_size]
valid = data.iloc[-test_size:]
X_train, y_train = train[feature_cols], train["target"]
X_valid, y_valid = valid[feature_cols], valid["target"]
print(f"train {X_train.shape}, valid {X_valid.shape}")

models = {
    "linear": LinearRegression(),
    "ridge": Ridge(alpha=1.0),
    "forest": RandomForestRegressor(n_estimators=100, max_depth=6, random_state=42),
}
scores = {}
best_pred = None
for name, model in models.items():
    model.fit(X_train, y_train)
    pred = model.predict(X_valid)
    rmse = np.sqrt(mean_squared_error(y_valid, pred))
    mae = mean_absolute_error(y_valid, pred)
    r2 = r2_score(y_valid, pred)
    scores[name] = rmse
    print(f"{name}: RMSE={rmse:.5f} MAE={mae:.5f} R2={r2:.4f}")
    if best_pred is None or rmse <= min(scores.values()):
        best_pred = pred

best = min(scores, key=scores.get)
print(f"Best model: {best} (validation RMSE {scores[best]:.5f})")

next_dates = valid["Date"] + pd.Timedelta(days=7)
submission = pd.DataFrame({"Date": next_dates.dt.strftime("%Y-%m-%d"), "Predicted_Close": np.exp(best_pred)})
submission.to_csv("./working/submission.csv", index=False)
print(submission.tail())
