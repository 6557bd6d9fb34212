import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import TimeSeriesSplit

warnings.filterwarnings("ignore")

df = pd.read_csv("./input/BTC-USD.csv", parse_dates=["Date"])
df = df.sort_values("Date").set_index("Date")
print("Period:", df.index.min().strftime("%Y-%m-%d"), "->", df.index.max().strftime("%Y-%m-%d"))
print(df[["Close", "Volume"]].tail(3))

close = df["Close"]
df["ret"] = np.log(close / close.shift(1))
df["ret_fwd"] = df["ret"].shift(-1)
df["ret_lag1"] = df["ret"].shift(1)
df["ret_lag2"] = df["ret"].shift(2)
df["ema_fast"] = close.ewm(span=4, adjust=False).mean() / close - 1
df["ema_slow"] = close.ewm(span=12, adjust=False).mean() / close - 1
df["roll_max"] = close.rolling(8).max() / close - 1
df["roll_min"] = close.rolling(8).min() / close - 1
df["vol_chg"] = df["Volume"].pct_change().clip(lower=-0.9, upper=5.0)
df["ret_q"] = df["ret"].rolling(12).quantile(0.75)
q_lo, q_hi = df["ret"].quantile([0.01, 0.99])
print(f"Return 1%/99% quantiles: {q_lo:.4f} {q_hi:.4f}")
df["ret"] = df["ret"].clip(q_lo, q_hi)

features = ["ret", "ret_lag1", "ret_lag2", "ema_fast", "ema_slow", "roll_max", "roll_min", "vol_chg", "ret_q"]
data = df.dropna(subset=features + ["ret_fwd"])
print("Training rows:", data.shape[0])

X, y = data[features], data["ret_fwd"]
tscv = TimeSeriesSplit(n_splits=4, test_size=40)
fold_rmse = []
for i, (tr, va) in enumerate(tscv.split(X)):
    reg = lgb.LGBMRegressor(n_estimators=200, learning_rate=0.03, num_leaves=7, min_child_samples=15,
                            subsample=0.8, subsample_freq=1, random_state=i, verbose=-1)
    reg.fit(X.iloc[tr], y.iloc[tr], eval_set=[(X.iloc[va], y.iloc[va])],
            callbacks=[lgb.early_stopping(20, verbose=False)])
    p = reg.predict(X.iloc[va])
    # Error on log prices: next log close = log close + predicted return
    log_close = np.log(data["Close"].iloc[va].values)
    err = np.sqrt(mean_squared_error(log_close + y.iloc[va].values, log_close + p))
    fold_rmse.append(err)
    print(f"fold {i}: n_train={len(tr)} best_iter={reg.best_iteration_} log-price RMSE={err:.5f}")
print("mean log-price RMSE:", np.round(np.mean(fold_rmse), 5))

final = lgb.LGBMRegressor(n_estimators=60, learning_rate=0.03, num_leaves=7, min_child_samples=15, random_state=0, verbose=-1)
final.fit(X.iloc[:-26], y.iloc[:-26])
hold = X.iloc[-26:]
pred_ret = final.predict(hold)
pred_close = data["Close"].iloc[-26:].values * np.exp(pred_ret)
out = pd.DataFrame({"Date": (hold.index + pd.Timedelta(weeks=1)).strftime("%Y-%m-%d"), "Close": pred_close})
out.to_csv("./working/submission.csv", index=False)
print(out.head(3))
