# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# A comprehension's variable is its own, not the function's later loop
# variable `c`: prepare() is inlined, and the dtype tests on the concatenated
# frame (str with float64 columns: object) and `not` fold at compile time.
import pandas as pd


def prepare(train, test):
    features = [c for c in train.columns if c not in ("Id", "SalePrice")]
    full = pd.concat([train[features], test[features]], axis=0, ignore_index=True)
    cat_cols = [c for c in features if not pd.api.types.is_numeric_dtype(full[c])]
    for c in cat_cols:
        full[c] = full[c].astype("category")
    return full, cat_cols


full, cat_cols = prepare(pd.read_csv("../../../examples/house_prices/input/train.csv"), pd.read_csv("../../../examples/house_prices/input/test.csv"))
print(len(cat_cols))
# (The `def` itself runs as written; nothing after it is opaque.)
# CHECK: "python.exec"({{.*}}) <{source = "def prepare
# CHECK-NOT: "python.exec"
# CHECK: "python.call"({{.*}}) <{callee = "pandas.concat", kwnames = ["axis", "ignore_index"]}> {{.*}} -> !df.frame<"MSSubClass": "int64", "MSZoning": "str", {{.*}}"BsmtFinSF1": "float64"
# The categorical columns are a list known at compile time: the loop is unrolled.
# CHECK: "df.assign_column"({{.*}}) <{column = "MSZoning"}>
# CHECK: "df.assign_column"({{.*}}) <{column = "Street"}>
# CHECK: "python.print"
# CHECK-NOT: "python.exec"
