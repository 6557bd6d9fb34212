# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# A merge on a key of frames with known columns has known columns: the
# comprehension over them and select_dtypes are decided at compile time.
import numpy as np
import pandas as pd

df = pd.read_csv("../../../examples/bitcoin_price/input/BTC-USD.csv")
trend = pd.DataFrame({"Date": df["Date"]})
trend["ma"] = np.log(df["Close"]).rolling(26).mean()
feats = df.merge(trend, on="Date", how="left")
cols = [c for c in feats.columns if c not in ("Date",)]
print(cols, feats.select_dtypes(include="number").shape)
# CHECK: "df.method"({{.*}}) <{method = "merge", kwnames = ["on", "how"]}> : ({{.*}}) -> !df.frame<"Date": "str", {{.*}}"Close": "float64", {{.*}}"ma": "?">
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
