import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error

df = pd.read_csv("./input/BTC-USD.csv")
df["Date"] = pd.to_datetime(df["Date"])
df["log_close"] = np.log(df["Close"])
for lag in range(1, 5):
    df[f"lag_{lag}"] = df["log_close"].shift(lag)
df = df.dropna().reset_index(drop=True)
features = [f"lag_{lag}" for lag in range(1, 5)]

train, valid = df.iloc[:-30], df.iloc[-30:]
model = Ridge(alpha=0.1).fit(train[features], train["log_close"])
pred = model.predict(valid[features])
print("Validation RMSE:", np.sqrt(mean_squared_error(valid["log_close"], pred)))

# Recursive 4-week forecast from the last known row
history = list(df["log_close"].values[-4:])
forecasts = []
for step in range(4):
    x = np.array(history[-4:][::-1]).reshape(1, -1)
    nxt = model.predict(pd.DataFrame(x, columns=features))[0]
    forecasts.append(nxt)
    history.append(nxt)
print("Forecasts:", np.round(np.exp(forecasts), 2))
print("Last forecast date:", df["Date"].iloc[len(df)] + pd.Timedelta(weeks=4))
