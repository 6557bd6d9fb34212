import pandas as pd
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_squared_error

btc = pd.read_csv("./input/BTC-USD.csv")
btc["Date"] = pd.to_datetime(btc["Date"])
btc = btc.set_index("Date").sort_index()
print(btc.info())
print(btc.tail())

def make_features(frame, lags=(1, 2, 3), windows=(3, 6)):
    out = frame[["Close", "Volume"]].copy()
    out["ret"] = out["Close"].pct_change()
    for l in lags:
        out["lag%d" % l] = out["ret"].shift(l)
    for w in windows:
        out["roll_mean_%d" % w] = out["ret"].rolling(w).mean()
        out["roll_max_%d" % w] = out["Close"].rolling(w).max() / out["Close"]
    out["vol_chg"] = out["Volume"].pct_change().replace([np.inf, -np.inf], np.nan)
    out["ewm"] = out["Close"].ewm(span=5, adjust=False).mean() / out["Close"]
    out["y"] = out["ret"].shift(-1)
    return out.dropna()

feats = make_features(btc)
print(feats.shape)
cols = [c for c in feats.columns if c not in ("Close", "Volume", "y")]
cutoff = feats.index[int(len(feats) * 0.75)]
tr = feats[feats.index < cutoff]
te = feats[feats.index >= cutoff]
print("train until", cutoff.date(), "->", len(tr), "rows;", len(te), "test rows")

gbr = GradientBoostingRegressor(n_estimators=150, max_depth=2, learning_rate=0.05, random_state=3)
gbr.fit(tr[cols], tr["y"])
p = gbr.predict(te[cols])
rmse = np.sqrt(mean_squared_error(te["y"], p))
hit = np.mean(np.sign(p) == np.sign(te["y"]))
print("RMSE=%.5f hit-rate=%.3f" % (rmse, hit))
ranked = sorted(zip(cols, gbr.feature_importances_), key=lambda t: -t[1])
print(ranked[:3])
res = te[["y"]].assign(pred=p)
res["error"] = (res["y"] - res["pred"]).abs()
print(res.sort_values("error", ascending=False).head())
res.reset_index().to_csv("./working/submission.csv", index=False)
