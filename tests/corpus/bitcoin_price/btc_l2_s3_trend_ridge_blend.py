import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBRegressor

DATA_PATH = "./input/BTC-USD.csv"
VALID_WEEKS = 40


def rmse(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def load_data(path):
    df = pd.read_csv(path)
    df["Date"] = pd.to_datetime(df["Date"])
    df = df.sort_values("Date").reset_index(drop=True)
    print(f"Loaded {len(df)} rows, columns: {list(df.columns)}")
    return df


def make_features(df):
    out = pd.DataFrame({"Date": df["Date"]})
    log_close = np.log(df["Close"])
    out["target"] = log_close
    out["prev_log_close"] = log_close.shift(1)
    log_ret = log_close.diff()
    for k in range(1, 5):
        out[f"ret_lag_{k}"] = log_ret.shift(k)
    out["hl_range_lag1"] = ((df["High"] - df["Low"]) / df["Close"]).shift(1)
    out["oc_change_lag1"] = ((df["Close"] - df["Open"]) / df["Open"]).shift(1)
    out["vol_change_lag1"] = np.log(df["Volume"]).diff().shift(1)
    log_adj = np.log(df["Adj Close"])
    out["ma8_gap_lag1"] = (log_adj - log_adj.rolling(8).mean()).shift(1)
    out["month"] = df["Date"].dt.month
    return out.dropna().reset_index(drop=True)


def add_trend_features(df, feats):
    """Slow-moving trend/volatility context, merged on Date."""
    trend = pd.DataFrame({"Date": df["Date"]})
    lc = np.log(df["Close"])
    trend["ma26_gap_lag1"] = (lc - lc.rolling(26).mean()).shift(1)
    trend["vol26_lag1"] = lc.diff().rolling(26).std().shift(1)
    return feats.merge(trend, on="Date", how="left")


def main():
    df = load_data(DATA_PATH)
    feats = make_features(df)
    feats = add_trend_features(df, feats)
    feature_cols = [c for c in feats.columns if c not in ("Date", "target", "prev_log_close")]
    print(f"Feature columns ({len(feature_cols)}): {feature_cols}")

    train = feats.iloc[:-VALID_WEEKS]
    valid = feats.iloc[-VALID_WEEKS:]
    print(f"train weeks: {len(train)}, valid weeks: {len(valid)}")

    # Predict the next log return, then add back the last known log close
    y_train = train["target"] - train["prev_log_close"]
    model = XGBRegressor(
        n_estimators=150,
        max_depth=3,
        learning_rate=0.05,
        subsample=0.9,
        colsample_bytree=0.9,
        random_state=42,
    )
    model.fit(train[feature_cols], y_train)
    pred_xgb = valid["prev_log_close"].values + model.predict(valid[feature_cols])
    print(f"Naive baseline RMSE: {rmse(valid['target'], valid['prev_log_close']):.5f}")
    print(f"XGB RMSE: {rmse(valid['target'], pred_xgb):.5f}")

    ridge = make_pipeline(StandardScaler(), Ridge(alpha=10.0))
    ridge.fit(train[feature_cols], y_train)
    pred_ridge = valid["prev_log_close"].values + ridge.predict(valid[feature_cols])
    print(f"Ridge RMSE: {rmse(valid['target'], pred_ridge):.5f}")

    pred_log = 0.5 * pred_xgb + 0.5 * pred_ridge
    print(f"Validation RMSE: {rmse(valid['target'], pred_log):.5f}")

    sub = pd.DataFrame({"Date": valid["Date"].dt.strftime("%Y-%m-%d"), "Predicted_Close": np.exp(pred_log)})
    sub.to_csv("./working/submission.csv", index=False)
    print(sub.tail(3).to_string(index=False))


if __name__ == "__main__":
    main()
