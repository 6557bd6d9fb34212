# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# Column lists: selected and stored by lists known at compile time (the schema
# follows) or only at run time (a skew mask's index): typed ops either way.
import numpy as np
import pandas as pd

train = pd.read_csv("../../../examples/house_prices/input/train.csv")
X = pd.get_dummies(train.drop(columns=["SalePrice"]))
X_test = train[X.columns[:5]]
num = train.select_dtypes(include=[np.number]).columns
train[num] = train[num].fillna(train[num].median())
skew = train[num].skew().abs().sort_values(ascending=False)
skewed = skew[skew > 0.75].index.tolist()
train[skewed] = np.log1p(train[skewed].clip(lower=0))
print(len(skewed), X_test.shape, train.shape)
# `X.columns` of a frame whose columns are known only at run time:
# CHECK: %[[COLS:.*]] = "python.getattr"(%{{.*}}) <{attr = "columns"}> : (!df.frame<?>)
# CHECK: "python.getitem"(%{{.*}}, %{{.*}}) : (!df.frame<"Id": "int64", {{.*}}, !python.object) -> !df.frame<?>
# A known list: the numeric columns keep their dtypes (median floats fill float
# columns; int columns have nothing to fill), computed row by row from train.
# CHECK: %[[MED:.*]] = "df.method"(%{{.*}}) <{method = "median", kwnames = []}> {{.*}} -> !df.column<"float64">
# CHECK: %[[FILLED:.*]] = "df.method"(%{{.*}}, %[[MED]]) <{method = "fillna", kwnames = []}> {{.*}} -> !df.frame<"Id": "int64", "MSSubClass": "int64", "LotFrontage": "float64",
# CHECK: %[[TRAIN:.*]] = "python.update"(%{{.*}}, %{{.*}}, %[[FILLED]]) <{kind = "setitem"}> {{.*}} -> !df.frame<"Id": "int64", "MSSubClass": "int64", "MSZoning": "str", "LotFrontage": "float64",
# The skewed columns, a list made at run time from a boolean mask of a reduction:
# CHECK: %[[MASK:.*]] = "df.elementwise"(%[[SKEW:.*]], %{{.*}}) <{fn = "gt"}>
# CHECK: "python.getitem"(%[[SKEW]], %[[MASK]]) : {{.*}} -> !df.column<?>
# CHECK: %[[LIST:.*]] = "python.call_method"(%{{.*}}) <{method = "tolist", kwnames = []}>
# CHECK: %[[SEL:.*]] = "python.getitem"(%[[TRAIN]], %[[LIST]]) : {{.*}} -> !df.frame<?>
# CHECK: "python.call"(%{{.*}}) <{callee = "numpy.log1p", kwnames = []}> : (!df.frame<?>) -> !df.frame<?>
# CHECK: "python.update"(%[[TRAIN]], %[[LIST]], %{{.*}}) <{kind = "setitem"}> {{.*}} -> !df.frame<?>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
