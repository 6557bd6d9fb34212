# RUN: cd %S && stratumc --emit ir %s | filecheck %s
import numpy as np
import pandas as pd

# CHECK: "python.script_begin"() <{script = "{{.*}}house_prices_snippet.py", index = #builtin.int<0>}>
# CHECK: %[[PD:.*]] = "python.import"() <{module = "pandas", attr = ""}>
train = pd.read_csv("../../../examples/house_prices/input/train.csv")
# CHECK: %[[TRAIN:.*]] = "df.read_csv"() <{path = "../../../examples/house_prices/input/train.csv", kwnames = [], fingerprint = "{{[0-9a-f]+}}"}> : () -> !df.frame<"Id": "int64", "MSSubClass": "int64",
# CHECK-SAME: "SalePrice": "int64">
# CHECK: "python.bind"(%{{.*}}, %[[TRAIN]]) <{names = ["train"]}>
train["TotalSF"] = train["TotalBsmtSF"] + train["1stFlrSF"]
# CHECK: %[[A:.*]] = "df.column"(%[[TRAIN]]) <{column = "TotalBsmtSF"}> : ({{.*}}) -> !df.column<"int64">
# CHECK: %[[B:.*]] = "df.column"(%[[TRAIN]]) <{column = "1stFlrSF"}>
# CHECK: %[[SUM:.*]] = "df.elementwise"(%[[A]], %[[B]]) <{fn = "add"}> : (!df.column<"int64">, !df.column<"int64">) -> !df.column<"int64">
# CHECK: %[[NEW:.*]] = "df.assign_column"(%[[TRAIN]], %[[SUM]]) <{column = "TotalSF"}>
# CHECK-SAME: "TotalSF": "int64">
# CHECK: "python.bind"(%{{.*}}, %[[NEW]]) <{names = ["train"]}>
print(train.shape)
# CHECK: %[[SHAPE:.*]] = "python.getattr"(%[[NEW]]) <{attr = "shape"}>
# CHECK: "python.print"(%{{.*}}, %[[SHAPE]]) <{kwnames = []}>
train.info()
# A read-only statement: the frame keeps its version.
# CHECK: "python.exec"(%{{.*}}, %[[NEW]]) <{source = "train.info()", names_in = ["train"], names_out = [], read_only}>
# CHECK-SAME: loc("{{.*}}house_prices_snippet.py":21:1)
train.loc[0, 'LotArea'] = 0
# A store into the frame: opaque, and the frame gets a new version.
# CHECK: %{{.*}}, %[[MUTATED:.*]] = "python.exec"(%{{.*}}, %[[NEW]]) <{source = "train.loc[0, 'LotArea'] = 0", names_in = ["train"], names_out = ["train"]}>
# CHECK-SAME: loc("{{.*}}house_prices_snippet.py":25:1)
print(train.shape)
# CHECK: "python.getattr"(%[[MUTATED]]) <{attr = "shape"}>
