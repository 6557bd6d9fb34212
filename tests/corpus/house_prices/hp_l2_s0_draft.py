import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def rmse(y_true, y_pred):
    return np.sqrt(mean_squared_error(y_true, y_pred))


def build_preprocessor(num_cols, cat_cols):
    numeric = Pipeline(
        steps=[
            ("imputer", SimpleImputer(strategy="median")),
            ("scaler", StandardScaler()),
        ]
    )
    categorical = Pipeline(
        steps=[
            ("imputer", SimpleImputer(strategy="constant", fill_value="missing")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    return ColumnTransformer(
        transformers=[
            ("num", numeric, num_cols),
            ("cat", categorical, cat_cols),
        ]
    )


def main():
    train = pd.read_csv("./input/train.csv")
    test = pd.read_csv("./input/test.csv")
    print(f"Loaded train {train.shape} and test {test.shape}")

    y = np.log1p(train["SalePrice"])
    X = train.drop(columns=["Id", "SalePrice"])
    X_test = test.drop(columns=["Id"])

    num_cols = X.select_dtypes(include=["number"]).columns.tolist()
    cat_cols = X.select_dtypes(exclude=["number"]).columns.tolist()
    print(f"Numeric features: {len(num_cols)}, categorical features: {len(cat_cols)}")

    model = Pipeline(
        steps=[
            ("prep", build_preprocessor(num_cols, cat_cols)),
            ("ridge", Ridge(alpha=10.0)),
        ]
    )

    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=42)
    model.fit(X_tr, y_tr)
    score = rmse(y_va, model.predict(X_va))
    print(f"Validation RMSE: {score:.5f}")

    # Refit on the full training set for the submission
    model.fit(X, y)
    preds = np.expm1(model.predict(X_test))
    submission = pd.DataFrame({"Id": test["Id"], "SalePrice": preds})
    submission.to_csv("./working/submission.csv", index=False)
    print(f"Wrote {len(submission)} predictions to ./working/submission.csv")


if __name__ == "__main__":
    main()
