# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# `col.dtype == object` is decided by pandas at compile time (pandas 3's str
# columns are not object: both columns take the else branch), and
# `frame[:n]` slices rows keeping the columns.
import pandas as pd

train = pd.read_csv("../../../examples/house_prices/input/train.csv")
for c in ["MSZoning", "LotFrontage"]:
    if train[c].dtype == object:
        train[c] = train[c].fillna("None")
    else:
        train[c] = train[c].fillna(0)
head = train[:10]
print(head.select_dtypes(include="number").shape)
# CHECK-NOT: "python.exec"
# CHECK: "df.elementwise"({{.*}}) <{fn = "fillna"}> : (!df.column<"str">, !python.object) -> !df.column<?>
# CHECK: "df.elementwise"({{.*}}) <{fn = "fillna"}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
# CHECK: "python.getitem"({{.*}}) : (!df.frame<"Id": "int64", {{.*}}, !python.object) -> !df.frame<"Id": "int64",
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
