// RUN: xdsl-opt %s -p cse | filecheck %s
// Identical pure ops merge; column lists in another order, effects,
// estimators with other hyperparameters, reads of another version of a file,
// and allocations the frontend marked as distinct objects never do.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %ab = "df.select"(%f) <{columns = ["a", "b"]}> : (!df.frame<?>) -> !df.frame<?>
  %ab2 = "df.select"(%f) <{columns = ["a", "b"]}> : (!df.frame<?>) -> !df.frame<?>
  %ba = "df.select"(%f) <{columns = ["b", "a"]}> : (!df.frame<?>) -> !df.frame<?>
  %one = "python.constant"() <{value = 1.000000e+00 : f64}> : () -> !python.object
  %one_int = "python.constant"() <{value = 1 : i64}> : () -> !python.object
  %r1 = "ml.estimator"(%one) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
  %r2 = "ml.estimator"(%one_int) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
  %t1 = "python.print"(%t0, %ab) <{kwnames = []}> : (!python.token, !df.frame<?>) -> !python.token
  %t2 = "python.print"(%t1, %ab2) <{kwnames = []}> : (!python.token, !df.frame<?>) -> !python.token
  %t3 = "python.bind"(%t2, %ba, %r1, %r2) <{names = ["ba", "r1", "r2"]}> : (!python.token, !df.frame<?>, !ml.estimator, !ml.estimator) -> !python.token
  %f_new = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "11aa"}> : () -> !df.frame<?>
  %z1 = "python.call"(%one_int) <{callee = "numpy.zeros", kwnames = []}> {stratum.identity = #builtin.int<0>} : (!python.object) -> !python.object
  %z2 = "python.call"(%one_int) <{callee = "numpy.zeros", kwnames = []}> {stratum.identity = #builtin.int<1>} : (!python.object) -> !python.object
  %t4 = "python.bind"(%t3, %f_new, %z1, %z2) <{names = ["f", "z1", "z2"]}> : (!python.token, !df.frame<?>, !python.object, !python.object) -> !python.token
  "python.script_end"(%t4) : (!python.token) -> ()
}

// CHECK:      %[[AB:.*]] = "df.select"(%{{.*}}) <{columns = ["a", "b"]}>
// CHECK-NEXT: %[[BA:.*]] = "df.select"(%{{.*}}) <{columns = ["b", "a"]}>
// CHECK:      %[[R1:.*]] = "ml.estimator"
// CHECK-NEXT: %[[R2:.*]] = "ml.estimator"
// CHECK:      "python.print"(%{{.*}}, %[[AB]])
// CHECK-NEXT: "python.print"(%{{.*}}, %[[AB]])
// CHECK-NEXT: "python.bind"(%{{.*}}, %[[BA]], %[[R1]], %[[R2]])
// CHECK:      %[[NEWF:.*]] = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "11aa"}>
// CHECK-NEXT: %[[Z1:.*]] = "python.call"
// CHECK-NEXT: %[[Z2:.*]] = "python.call"
// CHECK-NEXT: "python.bind"(%{{.*}}, %[[NEWF]], %[[Z1]], %[[Z2]])
