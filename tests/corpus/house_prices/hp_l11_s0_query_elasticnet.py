import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print("Shapes: {} / {}".format(train.shape, test.shape))
print(train.describe().T.head(8))
corr = train.corr(numeric_only=True)["SalePrice"].sort_values(ascending=False)
print("Top correlations:\n", corr.head(6))
expensive = train.query("SalePrice > 300000 and OverallQual >= 8")
print(f"{len(expensive)} expensive houses, mean area {expensive['GrLivArea'].mean():.1f}")
missing_pct = (train.isnull().mean() * 100).round(2)
print(missing_pct[missing_pct > 15].sort_values(ascending=False))
keep = missing_pct[missing_pct < 15].index
train = train.loc[:, keep]
test = test[[c for c in keep if c != "SalePrice"]]
train = train.sample(frac=1.0, random_state=0).reset_index(drop=True)
train = train.astype({"MSSubClass": str, "YrSold": str})
test = test.astype({"MSSubClass": str, "YrSold": str})
y = np.log1p(train["SalePrice"])
full = pd.concat([train.drop(columns=["SalePrice"]), test], axis=0)
full = pd.get_dummies(full, drop_first=True, dtype=float)
full = full.fillna(full.median(numeric_only=True))
X = full.iloc[: len(train)].drop(columns=["Id"])
X_test = full.iloc[len(train):].drop(columns=["Id"])
print("Design matrix:", X.shape)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=42)
mu, sd = X_tr.mean(), X_tr.std().replace(0, 1)
enet = ElasticNet(alpha=0.0008, l1_ratio=0.6, max_iter=20000)
enet.fit((X_tr - mu) / sd, y_tr)
val = enet.predict((X_va - mu) / sd)
print("Validation RMSE: %.5f" % np.sqrt(mean_squared_error(y_va, val)))
coef = pd.Series(enet.coef_, index=X.columns)
print("Non-zero coefficients:", (coef != 0).sum(), "of", len(coef))
print(coef.abs().nlargest(5))
pred = np.expm1(enet.predict((X_test - mu) / sd))
pred = np.clip(pred, 10000, None)
sub = pd.DataFrame({"Id": test["Id"].values, "SalePrice": pred})
sub.to_csv("./working/submission.csv", index=False)
print(sub.SalePrice.describe().round(1))
