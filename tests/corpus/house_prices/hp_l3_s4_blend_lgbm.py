import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold
from lightgbm import LGBMRegressor
from xgboost import XGBRegressor

SEED = 42


def load_data():
    train = pd.read_csv("./input/train.csv")
    test = pd.read_csv("./input/test.csv")
    return train, test


def preprocess(train, test):
    n_train = len(train)
    all_data = pd.concat([train.drop(columns=["SalePrice"]), test], axis=0, ignore_index=True)
    all_data = all_data.drop(columns=["Id"])

    # engineered features
    all_data["TotalSF"] = all_data["TotalBsmtSF"] + all_data["1stFlrSF"] + all_data["2ndFlrSF"]
    all_data["HouseAge"] = all_data["YrSold"] - all_data["YearBuilt"]
    all_data["RemodAge"] = all_data["YrSold"] - all_data["YearRemodAdd"]
    all_data["TotalBath"] = (
        all_data["FullBath"]
        + 0.5 * all_data["HalfBath"]
        + all_data["BsmtFullBath"]
        + 0.5 * all_data["BsmtHalfBath"]
    )
    all_data["TotalPorchSF"] = (
        all_data["OpenPorchSF"] + all_data["EnclosedPorch"] + all_data["3SsnPorch"] + all_data["ScreenPorch"]
    )
    all_data["HasGarage"] = (all_data["GarageArea"] > 0).astype(int)

    # numeric: median fill, categorical: one-hot (NaN becomes all zeros)
    num_cols = all_data.select_dtypes(include=[np.number]).columns
    all_data[num_cols] = all_data[num_cols].fillna(all_data[num_cols].median())
    all_data = pd.get_dummies(all_data)

    X = all_data.iloc[:n_train].copy()
    X_test = all_data.iloc[n_train:].copy()
    return X, X_test


def main():
    train, test = load_data()
    print(f"train: {train.shape}, test: {test.shape}")

    y = np.log1p(train["SalePrice"].values)
    X, X_test = preprocess(train, test)
    print(f"Feature matrix after one-hot encoding: {X.shape}")

    kf = KFold(n_splits=5, shuffle=True, random_state=SEED)
    oof = np.zeros(len(X))
    oof_lgb = np.zeros(len(X))
    test_pred = np.zeros(len(X_test))
    test_pred_lgb = np.zeros(len(X_test))
    for fold, (tr_idx, va_idx) in enumerate(kf.split(X)):
        model = XGBRegressor(
            n_estimators=200,
            learning_rate=0.07,
            max_depth=4,
            subsample=0.8,
            colsample_bytree=0.8,
            random_state=SEED,
        )
        model.fit(X.iloc[tr_idx], y[tr_idx])
        oof[va_idx] = model.predict(X.iloc[va_idx])
        test_pred += model.predict(X_test) / kf.n_splits

        lgb_model = LGBMRegressor(
            n_estimators=200,
            learning_rate=0.07,
            num_leaves=15,
            min_child_samples=10,
            colsample_bytree=0.7,
            random_state=SEED,
            verbosity=-1,
        )
        lgb_model.fit(X.iloc[tr_idx], y[tr_idx])
        oof_lgb[va_idx] = lgb_model.predict(X.iloc[va_idx])
        test_pred_lgb += lgb_model.predict(X_test) / kf.n_splits

        xgb_rmse = np.sqrt(mean_squared_error(y[va_idx], oof[va_idx]))
        lgb_rmse = np.sqrt(mean_squared_error(y[va_idx], oof_lgb[va_idx]))
        print(f"Fold {fold + 1}: XGB RMSE = {xgb_rmse:.5f}, LGBM RMSE = {lgb_rmse:.5f}")

    print(f"XGB OOF RMSE: {np.sqrt(mean_squared_error(y, oof)):.5f}")
    print(f"LGBM OOF RMSE: {np.sqrt(mean_squared_error(y, oof_lgb)):.5f}")
    best_w, best_score = 0.5, np.inf
    for w in np.linspace(0, 1, 11):
        blend_score = np.sqrt(mean_squared_error(y, w * oof + (1 - w) * oof_lgb))
        if blend_score < best_score:
            best_w, best_score = w, blend_score
    print(f"Best XGB weight: {best_w:.1f}")
    print(f"Validation RMSE (blend OOF): {best_score:.5f}")

    test_pred = np.expm1(best_w * test_pred + (1 - best_w) * test_pred_lgb)
    sub = pd.DataFrame({"Id": test["Id"], "SalePrice": test_pred})
    sub.to_csv("./working/submission.csv", index=False)
    print("Saved submission:", sub.shape)


if __name__ == "__main__":
    main()
