# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# `frame.pop(c)` is the column plus the frame without it (a new version of
# the frame); a list comprehension with a data-dependent condition runs as
# written but is known to make a list, so the frame ops using it stay typed.
import numpy as np
import pandas as pd

train = pd.read_csv("../../../examples/house_prices/input/train.csv")
y = np.log1p(train.pop("SalePrice"))
sparse = [c for c in train.columns if train[c].isnull().mean() > 0.5]
train = train.drop(columns=sparse)
print(train.shape, y.shape)
# CHECK: %[[Y:.*]] = "df.column"(%[[TRAIN:.*]]) <{column = "SalePrice"}> : {{.*}} -> !df.column<"int64">
# CHECK: %[[REST:.*]] = "df.drop"(%[[TRAIN]]) <{columns = ["SalePrice"]}> : {{.*}} -> !df.frame<"Id": "int64",
# CHECK: "python.bind"(%{{.*}}, %[[REST]]) <{names = ["train"]}>
# CHECK: %{{.*}}, %[[SPARSE:.*]] = "python.exec"({{.*}}) <{source = "sparse = [c for c in train.columns if train[c].isnull().mean() > 0.5]"
# CHECK: "df.method"(%[[REST]], %[[SPARSE]]) <{method = "drop", kwnames = ["columns"]}> : {{.*}} -> !df.frame<?>
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
