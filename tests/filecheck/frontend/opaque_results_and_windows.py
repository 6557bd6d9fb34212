# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# A statement that runs as written still binds a frame when its last call
# makes one whatever the data (`frame.rename(columns=<lambda>)`): the names it
# binds stay typed, and storing into the result is native. Also: str methods
# as functions (`rename(columns=str.lower)`, the schema follows), `query`
# without `@` names, `resample` windows, DatetimeIndex fields as group keys,
# `**` of a dict comprehension, `enumerate(..., 1)`, a frame's row by position.
import pandas as pd

btc = pd.read_csv("../../../examples/bitcoin_price/input/BTC-USD.csv", parse_dates=["Date"])
low = btc.drop(columns=["Adj Close"]).rename(columns=str.lower)
df = btc.rename(columns=lambda c: c.replace(" ", "_"))
df["Range"] = df["High"] - df["Low"]
up = low.query("close > open")
monthly = low.set_index("date")["close"].resample("ME").last()
by_year = low.set_index("date").groupby(low.set_index("date").index.year)["volume"].mean()
lags = {f"lag{k}": low["close"].shift(k) for k in range(1, 3)}
low = low.assign(**lags)
for i, c in enumerate(["lag1", "lag2"], 1):
    print(i, low[c].iloc[-1])
print(df.shape, up.shape, monthly.tail(2), by_year.round(1), low.iloc[0]["close"])
# CHECK: %[[LOWER:.*]] = "python.getattr"(%{{.*}}) <{attr = "lower"}>
# CHECK: %[[LOW:.*]] = "df.method"(%{{.*}}, %[[LOWER]]) <{method = "rename", kwnames = ["columns"]}> : {{.*}} -> !df.frame<"date": "datetime64[us]", "open": "float64", "high": "float64", "low": "float64", "close": "float64", "volume": "int64">
# CHECK: %{{.*}}, %{{.*}}, %[[DF:.*]] = "python.exec"(%{{.*}}) <{source = "df = btc.rename(columns=lambda c: c.replace(\22 \22, \22_\22))", names_in = ["btc"], names_out = ["btc", "df"]}> : {{.*}} -> (!python.token, !df.frame<?>, !df.frame<?>)
# CHECK: "df.assign_column"(%[[DF]], %{{.*}}) <{column = "Range"}>
# CHECK: "df.method"(%[[LOW]], %{{.*}}) <{method = "query", kwnames = []}> : {{.*}} -> !df.frame<"date": "datetime64[us]", "open": "float64",
# CHECK: %[[RS:.*]] = "df.method"(%{{.*}}, %{{.*}}) <{method = "resample", kwnames = []}>
# CHECK: "df.method"(%[[RS]]) <{method = "last", kwnames = []}>
# CHECK: %[[YEAR:.*]] = "python.getattr"(%{{.*}}) <{attr = "year"}>
# CHECK: "df.method"(%{{.*}}, %[[YEAR]]) <{method = "groupby", kwnames = []}>
# CHECK: "df.method"(%{{.*}}, %{{.*}}, %{{.*}}) <{method = "assign", kwnames = ["lag1", "lag2"]}> : {{.*}} -> !df.frame<{{.*}}"volume": "int64", "lag1": "float64", "lag2": "float64">
# CHECK: "python.print"(%{{.*}}, %{{.*}}, %{{.*}}) {{.*}}loc({{.*}}:20:5)
# CHECK: "python.print"(%{{.*}}, %{{.*}}, %{{.*}}) {{.*}}loc({{.*}}:20:5)
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
