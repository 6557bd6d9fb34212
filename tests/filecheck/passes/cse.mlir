// RUN: xdsl-opt %s -p cse | filecheck %s
// Identical pure ops merge; column lists in another order, effects and
// estimators with other hyperparameters never do.

builtin.module {
  %t0 = "py.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !py.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %ab = "df.select"(%f) <{columns = ["a", "b"]}> : (!df.frame<?>) -> !df.frame<?>
  %ab2 = "df.select"(%f) <{columns = ["a", "b"]}> : (!df.frame<?>) -> !df.frame<?>
  %ba = "df.select"(%f) <{columns = ["b", "a"]}> : (!df.frame<?>) -> !df.frame<?>
  %one = "py.constant"() <{value = 1.000000e+00 : f64}> : () -> !py.object
  %one_int = "py.constant"() <{value = 1 : i64}> : () -> !py.object
  %r1 = "ml.estimator"(%one) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!py.object) -> !ml.estimator
  %r2 = "ml.estimator"(%one_int) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!py.object) -> !ml.estimator
  %t1 = "py.print"(%t0, %ab) <{kwnames = []}> : (!py.token, !df.frame<?>) -> !py.token
  %t2 = "py.print"(%t1, %ab2) <{kwnames = []}> : (!py.token, !df.frame<?>) -> !py.token
  %t3 = "py.bind"(%t2, %ba, %r1, %r2) <{names = ["ba", "r1", "r2"]}> : (!py.token, !df.frame<?>, !ml.estimator, !ml.estimator) -> !py.token
  "py.script_end"(%t3) : (!py.token) -> ()
}

// CHECK:      %[[AB:.*]] = "df.select"(%{{.*}}) <{columns = ["a", "b"]}>
// CHECK-NEXT: %[[BA:.*]] = "df.select"(%{{.*}}) <{columns = ["b", "a"]}>
// CHECK:      %[[R1:.*]] = "ml.estimator"
// CHECK-NEXT: %[[R2:.*]] = "ml.estimator"
// CHECK:      "py.print"(%{{.*}}, %[[AB]])
// CHECK-NEXT: "py.print"(%{{.*}}, %[[AB]])
// CHECK-NEXT: "py.bind"(%{{.*}}, %[[BA]], %[[R1]], %[[R2]])
