# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# `frame.method(..., inplace=True)` as a statement runs the method in place on a
# copy (python.update "method:..."), which every name of the frame then sees;
# the schema follows. On a column of a frame (chained), the method changes a
# temporary copy only (copy-on-write): the statement runs as written, read-only.
import pandas as pd

df = pd.read_csv("../../../examples/house_prices/input/train.csv")
alias = df
df.fillna({"LotFrontage": df["LotFrontage"].median()}, inplace=True)
df.drop("Id", axis=1, inplace=True)
df["MasVnrArea"].fillna(0, inplace=True)
cats = df.select_dtypes("object").columns.tolist()
print(len(cats), "Id" in alias.columns, "LotFrontage" in df.columns)
# CHECK: %[[MED:.*]] = "df.method"(%{{.*}}) <{method = "median", kwnames = []}>
# CHECK: %[[FILLS:.*]] = "python.build"(%{{.*}}, %[[MED]]) <{kind = "dict"}>
# CHECK: %[[FILLED:.*]] = "python.update"(%[[DF:.*]], %[[FILLS]], %{{.*}}) <{kind = "method:fillna", kwnames = ["inplace"]}> : (!df.frame<"Id": "int64", {{.*}}) -> !df.frame<"Id": "int64", "MSSubClass": "int64", "MSZoning": "str", "LotFrontage": "float64",
# CHECK: "python.bind"(%{{.*}}, %[[FILLED]], %[[FILLED]]) <{names = ["df", "alias"]}>
# CHECK: %[[DROPPED:.*]] = "python.update"(%[[FILLED]], %{{.*}}, %{{.*}}, %{{.*}}) <{kind = "method:drop", kwnames = ["axis", "inplace"]}> {{.*}} -> !df.frame<"MSSubClass": "int64",
# CHECK: "python.exec"(%{{.*}}, %[[DROPPED]]) <{source = "df[\22MasVnrArea\22].fillna(0, inplace=True)", names_in = ["df"], names_out = [], read_only}>
# The labels are known, so the text columns and the membership tests are constants:
# CHECK: "python.constant"() <{value = {list = ["MSZoning", "Street",
# CHECK-NOT: "python.exec"
# CHECK: "python.print"
