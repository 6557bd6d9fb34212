# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# Schemas that survive row-only operations: dropping rows by label, stacking
# frames with keys (a MultiIndex on the rows) or with different columns (their
# union, as pandas computes it). Slicing rows by `len`/`shape` ints, and
# `frame.xs(key)` (a frame or a row: a pandas object) then `.values`.
import numpy as np
import pandas as pd

train = pd.read_csv("../../../examples/house_prices/input/train.csv")
test = pd.read_csv("../../../examples/house_prices/input/test.csv")
train = train.drop(train[train["GrLivArea"] > 4000].index)
y = np.log1p(train.pop("SalePrice"))
both = pd.concat([train, test], keys=["train", "test"])
num_cols = both.select_dtypes(include=[np.number]).columns
cat_cols = [c for c in both.columns if c not in num_cols]
X = both.xs("train").values
raw = pd.read_csv("../../../examples/house_prices/input/train.csv")
stacked = pd.concat([test, raw], sort=False)
n = train.shape[0]
head = stacked[:n]
print(len(cat_cols), X.shape[1], head.shape, y.shape)
# CHECK: %[[DROPPED:.*]] = "df.method"(%{{.*}}, %{{.*}}) <{method = "drop", kwnames = []}> : (!df.frame<"Id": "int64", {{.*}}"SalePrice": "int64">, !python.object) -> !df.frame<"Id": "int64", {{.*}}"SalePrice": "int64">
# CHECK: "df.column"(%[[DROPPED]]) <{column = "SalePrice"}>
# CHECK: "python.call"(%{{.*}}) <{callee = "pandas.concat", kwnames = ["keys"]}> : (!python.object, !python.object) -> !df.frame<"Id": "int64",
# The text columns, a constant: the labels and the dtypes are known.
# CHECK: "python.constant"() <{value = {list = ["MSZoning", "Street",
# CHECK: %[[ROW:.*]] = "df.method"(%{{.*}}, %{{.*}}) <{method = "xs", kwnames = []}> {{.*}} -> !python.object
# CHECK: "python.getattr"(%[[ROW]]) <{attr = "values"}>
# The union of the columns: test's, then "SalePrice" (missing in test's rows: floats).
# CHECK: "python.call"(%{{.*}}, %{{.*}}) <{callee = "pandas.concat", kwnames = ["sort"]}> {{.*}} -> !df.frame<"Id": "int64", {{.*}}"SaleCondition": "str", "SalePrice": "float64">
# CHECK: %[[N:.*]] = "python.getitem"(%{{.*}}, %{{.*}}) : (!python.object, !python.object) -> !python.object
# CHECK: "python.build"(%{{.*}}, %[[N]], %{{.*}}) <{kind = "slice"}>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
