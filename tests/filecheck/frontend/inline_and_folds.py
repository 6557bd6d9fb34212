# RUN: cd %S && stratumc --emit ir %s | filecheck %s
# The script's functions are inlined (their locals live in the caller's IR),
# and the cross-validation loop is unrolled into one fit per fold.
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold


def load():
    return pd.read_csv("../../../examples/house_prices/input/train.csv")


def main():
    train = load()
    kf = KFold(n_splits=2, shuffle=True, random_state=0)
    for fold, (tr, va) in enumerate(kf.split(train)):
        model = Ridge(alpha=1.0).fit(train[["LotArea"]].iloc[tr], train["SalePrice"].iloc[tr])
        print(fold, mean_squared_error(train["SalePrice"].iloc[va], model.predict(train[["LotArea"]].iloc[va])))


main()
# CHECK: %[[TRAIN:.*]] = "df.read_csv"() <{path = "../../../examples/house_prices/input/train.csv"
# Inside load(), called from main() at 15:13, itself called at 22:1: the frames python would show.
# CHECK-SAME: loc(callsite("load"("{{.*}}inline_and_folds.py":11:12) at callsite("main"("{{.*}}inline_and_folds.py":15:13) at "{{.*}}inline_and_folds.py":22:1)))
# CHECK: %[[KF:.*]] = "ml.estimator"({{.*}}) <{class = "sklearn.model_selection.KFold", kwnames = ["n_splits", "shuffle", "random_state"]}>
# CHECK: %[[FOLDS:.*]] = "ml.folds"(%[[KF]], %[[TRAIN]]) <{kwnames = []}>
# CHECK-SAME: loc(callsite("main"("{{.*}}inline_and_folds.py":17:37) at "{{.*}}inline_and_folds.py":22:1))
# CHECK: "ml.fit"
# CHECK: "ml.metric"({{.*}}) <{metric = "sklearn.metrics.mean_squared_error"
# CHECK: "python.print"
# CHECK: "ml.fit"
# CHECK: "ml.metric"
# CHECK: "python.print"
# CHECK-NOT: "ml.fit"
# CHECK-NOT: "python.exec"(%{{.*}}) <{source = "main()"
