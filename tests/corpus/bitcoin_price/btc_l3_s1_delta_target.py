import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error


def build_features(df):
    df = df.copy()
    df["log_close"] = np.log(df["Close"])
    df["year"] = df["Date"].dt.year
    df["month"] = df["Date"].dt.month
    df["weekofyear"] = df["Date"].dt.isocalendar().week.astype(int)
    for lag in (1, 2, 3):
        df[f"log_close_lag{lag}"] = df["log_close"].shift(lag)
    return df


def main():
    df = pd.read_csv("./input/BTC-USD.csv")
    df["Date"] = pd.to_datetime(df["Date"])
    df = df.sort_values("Date").reset_index(drop=True)
    print("Data shape:", df.shape)
    print(df[["Date", "Close"]].tail(3).to_string(index=False))

    df = build_features(df)
    df = df.dropna().reset_index(drop=True)
    feature_cols = ["year", "month", "weekofyear", "log_close_lag1", "log_close_lag2", "log_close_lag3"]

    split_date = pd.Timestamp("2023-01-01")
    train = df[df["Date"] < split_date]
    valid = df[df["Date"] >= split_date]
    print(f"Train: {len(train)} weeks (until {train['Date'].max().date()}), valid: {len(valid)} weeks")

    rf = RandomForestRegressor(n_estimators=200, max_depth=8, random_state=42)
    # RF cannot extrapolate above the training price range, so learn the weekly change instead
    rf.fit(train[feature_cols], train["log_close"] - train["log_close_lag1"])
    pred = valid["log_close_lag1"].values + rf.predict(valid[feature_cols])

    score = np.sqrt(mean_squared_error(valid["log_close"], pred))
    print(f"Validation RMSE: {score:.5f}")

    out = pd.DataFrame({"Date": valid["Date"].dt.date, "Close": np.exp(pred)})
    out.to_csv("./working/submission.csv", index=False)


if __name__ == "__main__":
    main()
