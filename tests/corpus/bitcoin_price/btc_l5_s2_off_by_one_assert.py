import math
import os
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

WINDOWS = (4, 8, 16)
START = 400
STEP = 10


def make_features(frame, windows=WINDOWS, target_col="Close"):
    out = pd.DataFrame(index=frame.index)
    logp = np.log(frame[target_col])
    out["logp"] = logp
    for w in windows:
        out[f"mom_{w}"] = logp - logp.shift(w)
        out[f"z_{w}"] = (logp - logp.rolling(w).mean()) / logp.rolling(w).std()
    out["hl"] = np.log(frame["High"] / frame["Low"])
    out["next_logp"] = logp.shift(-1)
    return out


def walk_forward(feats, model_factory, start=START, step=STEP):
    cols = [c for c in feats.columns if c not in ("next_logp",)]
    errors = []
    preds = []
    for cut in range(start, len(feats) - 1, step):
        tr = feats.iloc[:cut]
        te = feats.iloc[cut:cut + step]
        scaler = StandardScaler()
        Xtr = scaler.fit_transform(tr[cols])
        Xte = scaler.transform(te[cols])
        model = model_factory()
        # predict the change, add back the current level
        model.fit(Xtr, tr["next_logp"] - tr["logp"])
        p = te["logp"].values + model.predict(Xte)
        preds.append(pd.Series(p, index=te.index))
        errors.extend((p - te["next_logp"].values) ** 2)
    return math.sqrt(sum(errors) / len(errors)), pd.concat(preds)


prices = pd.read_csv("./input/BTC-USD.csv")
if prices.empty:
    print("no data")
    sys.exit(1)
prices = prices.sort_values("Date", ignore_index=True)
feats = make_features(prices)
print("feature frame:", feats.shape)
feats = feats.dropna()
print("after dropna:", feats.shape, "first index:", feats.index[0])

candidates = {
    "ridge_1": lambda: Ridge(alpha=1.0),
    "ridge_10": lambda: Ridge(alpha=10.0),
    "extra_trees": lambda: ExtraTreesRegressor(n_estimators=50, min_samples_leaf=5, random_state=3),
}
summary = []
all_preds = {}
for name, factory in candidates.items():
    try:
        score, preds = walk_forward(feats, factory)
    except ValueError as exc:
        print(f"{name} failed: {exc}")
        continue
    summary.append((name, score))
    all_preds[name] = preds
    print(f"{name:12s} walk-forward RMSE {score:.5f} over {len(preds)} weeks")

summary.sort(key=lambda t: t[1])
best_name, best_score = summary[0]
print("best:", best_name, "RMSE %.5f" % best_score)
assert len(all_preds[best_name]) == len(feats) - 1 - START, "unexpected number of predictions"

best = all_preds[best_name]
dates = pd.to_datetime(prices.loc[best.index, "Date"]) + pd.Timedelta(days=7)
result = pd.DataFrame({"Date": dates.dt.strftime("%Y-%m-%d").values, "Close": np.exp(best.values)})
os.makedirs("working", exist_ok=True)
with open(os.path.join("working", "submission.csv"), "w") as fh:
    result.to_csv(fh, index=False)
with open("working/notes.txt", "w") as fh:
    for name, score in summary:
        fh.write(f"{name}\t{score:.6f}\n")
print(open("working/notes.txt").read().strip())
