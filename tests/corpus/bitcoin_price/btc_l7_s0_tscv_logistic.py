import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import TimeSeriesSplit

prices = pd.read_csv("./input/BTC-USD.csv", index_col="Date", parse_dates=True)
prices.columns = [c.lower().replace(" ", "_") for c in prices.columns]
print(prices.columns.tolist())
prices["ret"] = prices["close"].pct_change()
prices["target"] = (prices["ret"].shift(-1) > 0).astype(int)
feature_names = []
for n in range(1, 6):
    name = "ret_%d" % n
    prices[name] = prices["ret"].shift(n - 1)
    feature_names.append(name)
prices["rsi_like"] = prices["ret"].clip(lower=0).rolling(6).mean() / prices["ret"].abs().rolling(6).mean()
prices["hl_spread"] = np.log(prices["high"] / prices["low"])
feature_names += ["rsi_like", "hl_spread"]
data = prices.dropna(subset=feature_names).iloc[:-1]
print(data[feature_names].describe().loc[["mean", "std"]].round(4))
X = data[feature_names].to_numpy()
y = data["target"].to_numpy()
print("class balance:", np.bincount(y))
tscv = TimeSeriesSplit(n_splits=4)
accs, aucs = [], []
for i, (tr, te) in enumerate(tscv.split(X)):
    clf = LogisticRegression(C=0.5, max_iter=1000)
    clf.fit(X[tr], y[tr])
    proba = clf.predict_proba(X[te])[:, 1]
    accs.append(accuracy_score(y[te], proba > 0.5))
    aucs.append(roc_auc_score(y[te], proba))
    print(f"split {i}: train={len(tr)} test={len(te)} acc={accs[-1]:.3f} auc={aucs[-1]:.3f}")
print(f"mean acc {np.mean(accs):.3f}, mean auc {np.mean(aucs):.3f}")
clf = LogisticRegression(C=0.5, max_iter=1000).fit(X, y)
last = prices[feature_names].iloc[[-1]].to_numpy()
print("P(up next week) =", round(float(clf.predict_proba(last)[0, 1]), 4))
print(pd.Series(clf.coef_[0], index=feature_names).round(4))
proba_all = clf.predict_proba(X)[:, 1]
print(f"in-sample probability RMSE: {np.sqrt(np.mean((proba_all - y) ** 2)):.4f}")
pd.DataFrame({"Date": data.index, "p_up": proba_all}).to_csv("./working/submission.csv", index=False)
