# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# A `with open(...) as fh:` block inside `main()` reads fh, which the block
# itself binds first: the block runs as written inside the inlined body (with
# the function's locals), and fh is bound for what follows (not "maybe unbound",
# which would keep the whole function from being inlined).
import json

import pandas as pd


def main():
    df = pd.read_csv("../../../examples/house_prices/input/train.csv")
    score = float(df["SalePrice"].mean())
    with open("Output/with_in_main.json", "w") as fh:
        json.dump({"score": score}, fh)
    print(fh.closed, df.shape)


main()
# CHECK: "python.exec"(%{{.*}}) <{source = "def main():
# CHECK: "df.read_csv"()
# CHECK: %{{.*}}, %[[FH:.*]] = "python.exec"(%{{.*}}) <{source = "    with open(\22Output/with_in_main.json\22, \22w\22) as fh:\0A        json.dump({\22score\22: score}, fh)", names_in = ["json", "pd", "score"], names_out = ["fh"], function = "main", local_names = ["fh", "score"]}>
# CHECK: "python.exec"(%{{.*}}, %[[FH]], %{{.*}}) <{source = "    print(fh.closed, df.shape)", names_in = ["df", "fh", "json", "pd"], names_out = [], read_only, function = "main"
