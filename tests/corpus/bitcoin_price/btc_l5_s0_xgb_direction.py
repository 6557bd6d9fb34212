import os

import numpy as np
import pandas as pd
from xgboost import XGBRegressor
from sklearn.metrics import mean_squared_error

os.makedirs("./working", exist_ok=True)

btc = pd.read_csv("./input/BTC-USD.csv")
btc = btc.drop(columns=["Adj Close"])
btc["Date"] = pd.to_datetime(btc["Date"], format="%Y-%m-%d")
print("Columns:", btc.columns.tolist())
print("Missing values per column:")
print(btc.isnull().sum())

btc["Return"] = btc["Close"].pct_change()
btc["Direction"] = np.where(btc["Return"] > 0, "up", "down")
print(btc["Direction"].value_counts(normalize=True).round(3))
btc["DirectionFlag"] = btc["Direction"].map({"up": 1, "down": 0})

btc["Volatility"] = btc["Return"].rolling(8).std()
btc["VolRegime"] = pd.cut(btc["Volatility"], bins=3, labels=["calm", "normal", "wild"])
print(btc.groupby("VolRegime", observed=True)["Return"].agg(["mean", "std", "count"]))
btc["VolRegimeCode"] = btc["VolRegime"].cat.codes

btc["LogClose"] = np.log(btc["Close"])
btc["LogVolume"] = np.log(btc["Volume"])
lag_features = []
for k in (1, 2, 4):
    for col in ("LogClose", "LogVolume", "Return"):
        name = f"{col}_lag{k}"
        btc[name] = btc[col].shift(k)
        lag_features.append(name)
btc["Target"] = btc["LogClose"].shift(-1) - btc["LogClose"]
btc["Month"] = btc["Date"].dt.month
btc["WeekOfYear"] = btc["Date"].dt.isocalendar().week.astype(int)

FEATURES = lag_features + ["Volatility", "VolRegimeCode", "DirectionFlag", "Month", "WeekOfYear"]
model_df = btc.dropna(subset=FEATURES + ["Target"]).copy()
print("Model rows:", len(model_df), "features:", len(FEATURES))

split = int(len(model_df) * 0.85)
tr, va = model_df.iloc[:split], model_df.iloc[split:]
xgb = XGBRegressor(n_estimators=120, max_depth=3, learning_rate=0.05, subsample=0.9,
                   colsample_bytree=0.8, random_state=0, n_jobs=1)
xgb.fit(tr[FEATURES], tr["Target"], eval_set=[(va[FEATURES], va["Target"])], verbose=False)
pred_ret = xgb.predict(va[FEATURES])
pred_log = va["LogClose"].values + pred_ret
true_log = va["LogClose"].values + va["Target"].values
rmse = np.sqrt(mean_squared_error(true_log, pred_log))
naive = np.sqrt(mean_squared_error(true_log, va["LogClose"].values))
print("XGB log-price RMSE: %.5f, naive: %.5f" % (rmse, naive))

imp = sorted(zip(FEATURES, xgb.feature_importances_), key=lambda t: -t[1])
for feat, score in imp[:5]:
    print(f"  {feat:<16} {score:.4f}")

sub = va[["Date"]].copy()
sub["Date"] = (sub["Date"] + pd.Timedelta(days=7)).dt.strftime("%Y-%m-%d")
sub["Close"] = np.exp(pred_log)
sub.to_csv("./working/submission.csv", index=False)
print(sub.shape)
