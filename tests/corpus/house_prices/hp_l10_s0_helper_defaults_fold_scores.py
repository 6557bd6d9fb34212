import numpy as np
import pandas as pd
from sklearn.model_selection import KFold
from sklearn.linear_model import LinearRegression, Lasso
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import mean_squared_error

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print("Train:", train.shape, "Test:", test.shape)
print(train.head(3))

corr = train.select_dtypes("number").corr()["SalePrice"].drop("SalePrice")
top_feats = corr.abs().sort_values(ascending=False).head(15).index.tolist()
print("Top correlated:", top_feats[:5])
train = train[~((train["GrLivArea"] > 4000) & (train["SalePrice"] < 300000))]
train = train.reset_index(drop=True)

def prepare(frame, cols, fill_values=None):
    out = frame[cols].copy()
    if fill_values is None:
        fill_values = out.median()
    out = out.fillna(fill_values)
    return out, fill_values

X, medians = prepare(train, top_feats)
X_test, _ = prepare(test, top_feats, medians)
y = np.log1p(train["SalePrice"]).to_numpy()
scaler = StandardScaler().fit(X)
Xs = scaler.transform(X)
Xs_test = scaler.transform(X_test)

models = [("linreg", LinearRegression()), ("lasso", Lasso(alpha=0.001))]
kf = KFold(5, shuffle=True, random_state=11)
scores = {name: [] for name, _ in models}
for tr_idx, va_idx in kf.split(Xs):
    for name, m in models:
        m.fit(Xs[tr_idx], y[tr_idx])
        err = np.sqrt(mean_squared_error(y[va_idx], m.predict(Xs[va_idx])))
        scores[name].append(err)
for name, s in scores.items():
    print(f"{name}: RMSE mean={np.mean(s):.4f} std={np.std(s):.4f} folds={[round(v, 3) for v in s]}")
best = min(scores, key=lambda k: np.mean(scores[k]))
model = dict(models)[best]
model.fit(Xs, y)
pred = np.expm1(model.predict(Xs_test))
print("Prediction range: [%.0f, %.0f]" % (pred.min(), pred.max()))
pd.DataFrame({"Id": test["Id"], "SalePrice": pred}).to_csv("./working/submission.csv", index=False)
