import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler


def rmse(y, p):
    return float(np.sqrt(mean_squared_error(y, p)))


train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print("train", train.shape, "test", test.shape)

y = np.log1p(train["SalePrice"]).values

# numeric columns only for the linear baseline
num_feats = train.select_dtypes(include="number").columns.drop(["Id", "SalePrice"])
X = train[num_feats].copy()
X_test = test[num_feats].copy()

fill_values = X.median()
X = X.fillna(fill_values)
X_test = X_test.fillna(fill_values)

# reduce skew of the size-like columns
for col in ["LotArea", "GrLivArea", "1stFlrSF", "TotalBsmtSF", "MasVnrArea", "BsmtFinSF1"]:
    X[col] = np.log1p(X[col])
    X_test[col] = np.log1p(X_test[col])

# one-hot encode a few strong categorical columns (on train+test so columns line up)
cat_feats = ["Neighborhood", "MSZoning", "KitchenQual", "ExterQual", "BsmtQual", "SaleCondition"]
cats = pd.get_dummies(pd.concat([train[cat_feats], test[cat_feats]], axis=0), dummy_na=True, dtype=float)
X = pd.concat([X, cats.iloc[: len(train)].reset_index(drop=True)], axis=1)
X_test = pd.concat([X_test, cats.iloc[len(train):].reset_index(drop=True)], axis=1)
print(f"Added {cats.shape[1]} one-hot columns"

print(f"X: {X.shape}, X_test: {X_test.shape}")

kf = KFold(n_splits=5, shuffle=True, random_state=42)
oof = np.zeros(len(X))
test_preds = np.zeros(len(X_test))
for fold, (tr_idx, va_idx) in enumerate(kf.split(X)):
    model = make_pipeline(RobustScaler(), ElasticNet(alpha=0.0005, l1_ratio=0.9, max_iter=50000, random_state=42))
    model.fit(X.iloc[tr_idx], y[tr_idx])
    oof[va_idx] = model.predict(X.iloc[va_idx])
    test_preds += model.predict(X_test) / kf.get_n_splits()
    print(f"fold {fold}: {rmse(y[va_idx], oof[va_idx]):.5f}")

print(f"Validation RMSE: {rmse(y, oof):.5f}")

sub = pd.DataFrame({"Id": test["Id"], "SalePrice": np.expm1(test_preds)})
sub.to_csv("./working/submission.csv", index=False)
print(sub.head())
