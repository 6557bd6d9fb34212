# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# Fills keep dtypes the frontend can tell (a string column filled with its
# mode, a float one with its median or a per-group median through a lambda),
# and an in-place drop (the method run in place on a copy: pandas warns about
# inplace) leaves the other columns: select_dtypes is still decided at compile time.
import pandas as pd

df = pd.read_csv("../../../examples/house_prices/input/train.csv")
df.drop("Id", axis=1, inplace=True)
df["MSZoning"] = df["MSZoning"].fillna(df["MSZoning"].mode()[0])
df["MasVnrArea"] = df["MasVnrArea"].fillna(df["MasVnrArea"].median())
df["LotFrontage"] = df.groupby("Neighborhood")["LotFrontage"].transform(lambda x: x.fillna(x.median()))
cats = df.select_dtypes(include="object").columns.tolist()
print(len(cats), cats[:2])
# CHECK: %[[DF:.*]] = "python.update"({{.*}}) <{kind = "method:drop", kwnames = ["axis", "inplace"]}> : {{.*}} -> !df.frame<"MSSubClass": "int64",
# CHECK: %[[MODE:.*]] = "df.method"({{.*}}) <{method = "mode", kwnames = []}> : {{.*}} -> !df.column<"str">
# CHECK: "df.method"({{.*}}) <{method = "fillna", kwnames = []}> : {{.*}} -> !df.column<"str">
# CHECK: "df.elementwise"({{.*}}) <{fn = "fillna"}> : {{.*}} -> !df.column<"float64">
# The lambda is a function object made by its own source; transform is a typed op.
# CHECK: %{{.*}}, %[[FN:.*]] = "python.exec"(%{{.*}}) <{source = "{{ *}}__r__=(lambda x: x.fillna(x.median()))", names_in = [], names_out = ["__r__"], read_only, local_names = ["__r__"]}>
# CHECK: "df.method"(%{{.*}}, %[[FN]]) <{method = "transform", kwnames = []}> : {{.*}} -> !df.column<"float64">
# CHECK: "df.method"({{.*}}) <{method = "select_dtypes", kwnames = ["include"]}> : {{.*}} -> !df.frame<"MSZoning": "str", "Street": "str",
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
