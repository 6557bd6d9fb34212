# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# A helper's `if arg is None:` default is decided at compile time (a frame is
# never None); dict comprehensions unroll like list ones; appending to a list
# held by a dict, and `+=` on a list the script built, are updates of values
# (the dict is rebuilt around the new list); `zip(...)` consumed at once by
# dict()/sorted() is an iterator op of its own, never merged with another.
import numpy as np
import pandas as pd

train = pd.read_csv("../../../examples/house_prices/input/train.csv")


def prepare(frame, cols, fill=None):
    out = frame[cols].copy()
    if fill is None:
        fill = out.median()
    return out.fillna(fill)


cols = ["LotArea", "GrLivArea"]
X = prepare(train, cols)
scores = {name: [] for name in ["a", "b"]}
for name in ["a", "b"]:
    scores[name].append(float(X[cols[0]].mean()))
cols += ["OverallQual"]
pairs = dict(zip(cols, [1, 2, 3]))
ranked = sorted(zip(cols, np.arange(3)), key=lambda t: -t[1])
print(X.shape, scores, cols, pairs, ranked)
# The default `fill=None` is replaced in the inlined body:
# CHECK: "python.exec"(%{{.*}}) <{source = "def prepare(
# CHECK-NOT: "python.exec"
# CHECK: %[[MED:.*]] = "df.method"(%{{.*}}) <{method = "median", kwnames = []}>
# CHECK: "df.method"(%{{.*}}, %[[MED]]) <{method = "fillna", kwnames = []}>
# Two new lists (never merged into one) in one dict:
# CHECK: %[[A:.*]] = "python.constant"() <{value = {list = []}}> {stratum.identity = #builtin.int<{{[0-9]+}}>}
# CHECK: %[[B:.*]] = "python.constant"() <{value = {list = []}}> {stratum.identity = #builtin.int<{{[0-9]+}}>}
# CHECK: %[[D:.*]] = "python.build"(%{{.*}}, %{{.*}}, %[[A]], %[[B]]) <{kind = "dict"}>
# CHECK: %[[A2:.*]] = "python.update"(%[[A]], %{{.*}}) <{kind = "iadd"}>
# CHECK: "python.build"(%{{.*}}, %{{.*}}, %[[A2]], %[[B]]) <{kind = "dict"}>
# CHECK: %[[Z:.*]] = "python.call"(%{{.*}}, %{{.*}}) <{callee = "builtins.zip", kwnames = []}> {stratum.identity
# CHECK: "python.call"(%[[Z]]) <{callee = "builtins.dict", kwnames = []}>
# CHECK: %[[Z2:.*]] = "python.call"(%{{.*}}, %{{.*}}) <{callee = "builtins.zip", kwnames = []}> {stratum.identity
# CHECK: "python.call"(%[[Z2]], %{{.*}}) <{callee = "builtins.sorted", kwnames = ["key"]}>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
