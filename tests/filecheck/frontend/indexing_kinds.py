# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# What indexing gives, so that what uses it stays typed: `.loc[rows, "c"]` is a
# Series (of c's dtype under a boolean mask), `.loc[rows, [...]]` a frame,
# `col.iloc[-1]` one number, `index[i]` one label, `index < label` a boolean
# array selecting rows; `np.where(m, 1, 0)` stored as an int64 column; a view of
# a temporary prediction; a fitted attribute of a pipeline's step; a lambda
# reading a module the script never rebinds.
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("../../../examples/bitcoin_price/input/BTC-USD.csv", index_col="Date", parse_dates=True)
up = df.loc[df["Close"] > df["Open"], "Volume"]
both = df.loc[df["Close"] > 100, ["Open", "Close"]]
last = df["Close"].iloc[-1]
cutoff = df.index[int(len(df) * 0.8)]
recent = df[df.index >= cutoff]
df["up"] = np.where(df["Close"] > df["Open"], 1, 0)
df["logv"] = df["Volume"].apply(lambda v: np.log1p(v))
X, y = df[["Open", "Volume"]], df["up"]
clf = LogisticRegression(max_iter=500).fit(X, y)
p = clf.predict_proba(X)[:, 1]
pipe = make_pipeline(StandardScaler(), RidgeCV(alphas=[0.1, 1.0])).fit(X, df["Close"])
print(up.mean(), both.shape, f"{last:.2f}", cutoff.date(), len(recent), df["up"].dtype, p.round(3)[:2], pipe[-1].alpha_)
# CHECK: %[[LOC:.*]] = "python.getattr"(%[[DF:.*]]) <{attr = "loc"}>
# CHECK: "python.getitem"(%[[LOC]], %{{.*}}) : (!python.object, !python.object) -> !df.column<"int64">
# CHECK: "python.getitem"(%{{.*}}, %{{.*}}) : (!python.object, !python.object) -> !df.frame<"Open": "float64", "Close": "float64">
# CHECK: %[[LAST:.*]] = "python.getitem"(%{{.*}}, %{{.*}}) : (!python.object, !python.object) -> !python.object
# CHECK: %[[INDEX:.*]] = "python.getattr"(%[[DF]]) <{attr = "index"}>
# CHECK: %[[CUT:.*]] = "python.getitem"(%[[INDEX]], %{{.*}})
# CHECK: %[[MASK:.*]] = "python.binary"(%{{.*}}, %[[CUT]]) <{op = "ge"}>
# CHECK: "python.getitem"(%[[DF]], %[[MASK]]) : (!df.frame<"Open": "float64", {{.*}}>, !python.object) -> !df.frame<"Open": "float64",
# CHECK: %[[UP:.*]] = "python.call"(%{{.*}}, %{{.*}}, %{{.*}}) <{callee = "numpy.where", kwnames = []}>
# CHECK: "df.assign_column"(%[[DF]], %[[UP]]) <{column = "up"}> : {{.*}} -> !df.frame<{{.*}}"Volume": "int64", "up": "int64">
# CHECK: "python.exec"(%{{.*}}, %{{.*}}) <{source = "{{ *}}__r__=(lambda v: np.log1p(v))", names_in = ["np"], names_out = ["__r__"], read_only
# CHECK: %[[PROBA:.*]] = "ml.predict"(%{{.*}}, %{{.*}}) <{method = "predict_proba", kwnames = []}>
# CHECK: "python.getitem"(%[[PROBA]], %{{.*}})
# CHECK: %[[STEPS:.*]] = "python.getitem"(%{{.*}}, %{{.*}}) : (!ml.estimator, !python.object) -> !python.object
# CHECK: "python.getattr"(%[[STEPS]]) <{attr = "alpha_"}>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
