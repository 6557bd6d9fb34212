# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# astype gives the dtype asked for (so select_dtypes stays static), and
# target statistics per group: assign, groupby(as_index=False) aggregates
# (frames, the keys as columns) and merge, all typed ops.
import numpy as np
import pandas as pd

df = pd.read_csv("../../../examples/house_prices/input/train.csv")
y = np.log1p(df["SalePrice"]).reset_index(drop=True)
df["NbhdName"] = df["Neighborhood"].astype(str)
cats = df.select_dtypes(include="object").columns.drop("NbhdName")
stats = df[["NbhdName"]].assign(t=y.values).groupby("NbhdName", as_index=False)["t"].agg(["mean", "count"])
out = df.merge(stats, on="NbhdName", how="left")
print(len(cats), out.shape)
# CHECK: "df.method"({{.*}}) <{method = "reset_index", kwnames = ["drop"]}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
# CHECK: "df.method"({{.*}}) <{method = "astype", kwnames = []}> : (!df.column<"str">, !python.object) -> !df.column<"str">
# CHECK: "df.method"({{.*}}) <{method = "select_dtypes", kwnames = ["include"]}> : {{.*}} -> !df.frame<"MSZoning": "str",
# CHECK: "df.method"({{.*}}) <{method = "drop", kwnames = []}> : (!python.object, !python.object) -> !python.object
# CHECK: "df.method"({{.*}}) <{method = "assign", kwnames = ["t"]}> : {{.*}} -> !df.frame<"NbhdName": "str", "t": "?">
# CHECK: "df.method"({{.*}}) <{method = "agg", kwnames = []}> : {{.*}} -> !df.frame<?>
# CHECK: "df.method"({{.*}}) <{method = "merge", kwnames = ["on", "how"]}>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
