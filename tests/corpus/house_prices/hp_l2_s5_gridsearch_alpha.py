import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
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
            # dense output so Lasso's coordinate descent works on a plain array
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
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

    # Remove the two well-known outliers: huge living area but a low price
    outliers = (train["GrLivArea"] > 4000) & (train["SalePrice"] < 300000)
    print(f"Dropping {outliers.sum()} outliers")
    train = train[~outliers].reset_index(drop=True)

    y = np.log1p(train["SalePrice"])
    X = train.drop(columns=["Id", "SalePrice"])
    X_test = test.drop(columns=["Id"])

    num_cols = X.select_dtypes(include=["number"]).columns.tolist()
    cat_cols = X.select_dtypes(exclude=["number"]).columns.tolist()
    print(f"Numeric features: {len(num_cols)}, categorical features: {len(cat_cols)}")

    # log1p-transform highly skewed numeric features (skew measured on train)
    skewness = X[num_cols].skew().abs().sort_values(ascending=False)
    skewed_cols = skewness[skewness > 0.75].index.tolist()
    print(f"Log-transforming {len(skewed_cols)} skewed features, top 5: {skewed_cols[:5]}")
    X[skewed_cols] = np.log1p(X[skewed_cols].clip(lower=0))
    X_test[skewed_cols] = np.log1p(X_test[skewed_cols].clip(lower=0))

    model = Pipeline(
        steps=[
            ("prep", build_preprocessor(num_cols, cat_cols)),
            ("lasso", Lasso(alpha=0.0005, max_iter=20000, random_state=42)),
        ]
    )

    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=42)

    # Tune the Lasso penalty with a small 3-fold grid search on the training split
    param_grid = {"lasso__alpha": [0.0002, 0.0005, 0.001, 0.003]}
    search = GridSearchCV(
        model,
        param_grid,
        cv=KFold(n_splits=3, shuffle=True, random_state=42),
        scoring="neg_root_mean_squared_error",
    )
    search.fit(X_tr, y_tr)
    for alpha, mean_score in zip(param_grid["lasso__alpha"], search.cv_results_["mean_test_score"]):
        print(f"  alpha={alpha}: CV RMSE={-mean_score:.5f}")
    print(f"Best params: {search.best_params_}, CV RMSE: {-search.best_score_:.5f}")

    model = search.best_estimator_
    score = rmse(y_va, model.predict(X_va))
    print(f"Validation RMSE: {score:.5f}")

    # Refit on the full training set for the submission
    model.fit(X, y)
    n_used = int(np.sum(model.named_steps["lasso"].coef_ != 0))
    print(f"Lasso kept {n_used} non-zero coefficients")
    preds = np.expm1(model.predict(X_test))
    submission = pd.DataFrame({"Id": test["Id"], "SalePrice": preds})
    submission.to_csv("./working/submission.csv", index=False)
    print(f"Wrote {len(submission)} predictions to ./working/submission.csv")


if __name__ == "__main__":
    main()
