import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler
from lightgbm import LGBMRegressor


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
print(f"Added {cats.shape[1]} one-hot columns")

# drop the two huge-but-cheap houses that distort the linear fit
outlier_mask = (X["GrLivArea"] > np.log1p(4000)) & (train["SalePrice"] < 300000)
X = X[~outlier_mask].reset_index(drop=True)
y = y[~outlier_mask.values]
print(f"Removed {int(outlier_mask.sum())} outliers")

print(f"X: {X.shape}, X_test: {X_test.shape}")

kf = KFold(n_splits=5, shuffle=True, random_state=42)
oof_enet = np.zeros(len(X))
oof_lgb = np.zeros(len(X))
test_enet = np.zeros(len(X_test))
test_lgb = np.zeros(len(X_test))
for fold, (tr_idx, va_idx) in enumerate(kf.split(X)):
    enet = make_pipeline(RobustScaler(), ElasticNet(alpha=0.0005, l1_ratio=0.9, max_iter=50000, random_state=42))
    enet.fit(X.iloc[tr_idx], y[tr_idx])
    oof_enet[va_idx] = enet.predict(X.iloc[va_idx])
    test_enet += enet.predict(X_test) / kf.get_n_splits()

    gbm = LGBMRegressor(n_estimators=250, learning_rate=0.05, num_leaves=8, min_child_samples=15,
                        subsample=0.8, subsample_freq=1, colsample_bytree=0.5, random_state=42, verbose=-1)
    gbm.fit(X.iloc[tr_idx], y[tr_idx])
    oof_lgb[va_idx] = gbm.predict(X.iloc[va_idx])
    test_lgb += gbm.predict(X_test) / kf.get_n_splits()
    print(f"fold {fold}: enet {rmse(y[va_idx], oof_enet[va_idx]):.5f} | lgbm {rmse(y[va_idx], oof_lgb[va_idx]):.5f}")

print(f"ElasticNet OOF RMSE: {rmse(y, oof_enet):.5f}")
print(f"LightGBM OOF RMSE: {rmse(y, oof_lgb):.5f}")
oof = 0.5 * oof_enet + 0.5 * oof_lgb
test_preds = 0.5 * test_enet + 0.5 * test_lgb
print(f"Validation RMSE: {rmse(y, oof):.5f}")

sub = pd.DataFrame({"Id": test["Id"], "SalePrice": np.expm1(test_preds)})
sub.to_csv("./working/submission.csv", index=False)
print(sub.head())
