import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error

# Load weekly BTC-USD prices
df = pd.read_csv("./input/BTC-USD.csv", parse_dates=["Date"])
df = df.sort_values("Date").reset_index(drop=True)
print(f"Loaded {len(df)} weekly rows from {df['Date'].min().date()} to {df['Date'].max().date()}")

# Model the log of the close price (the metric is RMSE on log prices)
df["log_close"] = np.log(df["Close"])

# Lag features: previous weeks' log close
LAGS = [1, 2, 3, 4]
for lag in LAGS:
    df[f"lag_{lag}"] = df["log_close"].shift(lag)

# Rolling statistics and momentum, all computed from past weeks only (shift(1))
past = df["log_close"].shift(1)
df["roll_mean_4"] = past.rolling(4).mean()
df["roll_mean_12"] = past.rolling(12).mean()
df["roll_std_4"] = past.rolling(4).std()
df["ret_1"] = df["Close"].pct_change().shift(1)
df["ret_4"] = df["Close"].pct_change(4).shift(1)
df["log_volume_lag1"] = np.log1p(df["Volume"]).shift(1)

df = df.dropna().reset_index(drop=True)
features = [f"lag_{lag}" for lag in LAGS] + [
    "roll_mean_4", "roll_mean_12", "roll_std_4", "ret_1", "ret_4", "log_volume_lag1",
]
print(f"{len(features)} features, {len(df)} usable rows")

# Time-ordered split: hold out the last 52 weeks
HOLDOUT = 52
train = df.iloc[:-HOLDOUT]
valid = df.iloc[-HOLDOUT:]
print(f"Train: {len(train)} rows, validation: {len(valid)} rows")

model = LinearRegression()
model.fit(train[features], train["log_close"])
pred = model.predict(valid[features])

rmse = np.sqrt(mean_squared_error(valid["log_close"], pred))
naive_rmse = np.sqrt(mean_squared_error(valid["log_close"], valid["lag_1"]))
print(f"Naive (last week) RMSE: {naive_rmse:.5f}")
print(f"Validation RMSE: {rmse:.5f}")

submission = pd.DataFrame({"Date": valid["Date"].dt.strftime("%Y-%m-%d"), "Close": np.exp(pred)})
submission.to_csv("./working/submission.csv", index=False)
print(f"Saved {len(submission)} predictions")
