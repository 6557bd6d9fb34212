# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# Fold scores appended to a list in an unrolled CV loop: iterating the list
# afterwards is unrolled too (its elements are the appended values).
import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import TimeSeriesSplit

df = pd.read_csv("../../../examples/bitcoin_price/input/BTC-USD.csv")
X, y = df[["Open", "High"]], df["Close"]
scores = []
for tr, va in TimeSeriesSplit(n_splits=2).split(X):
    m = Ridge().fit(X.iloc[tr], y.iloc[tr])
    scores.append(np.sqrt(mean_squared_error(y.iloc[va], m.predict(X.iloc[va]))))
print([round(s, 2) for s in scores])
# CHECK: %[[S0:.*]] = "python.call"(%{{.*}}) <{callee = "numpy.sqrt", kwnames = []}>
# CHECK: %[[S1:.*]] = "python.call"(%{{.*}}) <{callee = "numpy.sqrt", kwnames = []}>
# CHECK: "python.call"(%[[S0]], %{{.*}}) <{callee = "builtins.round", kwnames = []}>
# CHECK: "python.call"(%[[S1]], %{{.*}}) <{callee = "builtins.round", kwnames = []}>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
