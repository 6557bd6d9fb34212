import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
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

    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=SEED)

    model = XGBRegressor(
        n_estimators=200,
        learning_rate=0.07,
        max_depth=4,
        subsample=0.8,
        colsample_bytree=0.8,
        random_state=SEED,
    )
    model.fit(X_tr, y_tr)
    val_rmse = np.sqrt(mean_squared_error(y_va, model.predict(X_va)))
    print(f"Validation RMSE: {val_rmse:.5f}")

    model.fit(X, y)
    test_pred = np.expm1(model.predict(X_test))
    sub = pd.DataFrame({"Id": test["Id"], "SalePrice": test_pred})
    sub.to_csv("./working/submission.csv", index=False)
    print("Saved submission:", sub.shape)


if __name__ == "__main__":
    main()
