// RUN: xdsl-opt %s -p fast-cse | filecheck %s
// RUN: xdsl-opt %s -p "fast-cse{dce=false}" | filecheck %s --check-prefix=CSEONLY
// RUN: xdsl-opt %s -p "cse,dce" > %t.xdsl && xdsl-opt %s -p fast-cse > %t.fast && diff %t.xdsl %t.fast
// fast-cse gives xDSL's cse then dce. Identical pure ops merge; columns in
// another order, operands in another order, other keyword values, other
// hyperparameter types, effects, reads of another version of a file, reads
// with a write between them, and objects marked distinct never do. Unused
// pure ops and what only they use go.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %f_same = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %ab = "df.select"(%f) <{columns = ["a", "b"]}> : (!df.frame<?>) -> !df.frame<?>
  %ab2 = "df.select"(%f_same) <{columns = ["a", "b"]}> : (!df.frame<?>) -> !df.frame<?>
  %ba = "df.select"(%f) <{columns = ["b", "a"]}> : (!df.frame<?>) -> !df.frame<?>
  %ca = "df.column"(%f) <{column = "a"}> : (!df.frame<?>) -> !df.column<"float64">
  %cb = "df.column"(%f) <{column = "b"}> : (!df.frame<?>) -> !df.column<"float64">
  %amb = "df.elementwise"(%ca, %cb) <{fn = "sub"}> : (!df.column<"float64">, !df.column<"float64">) -> !df.column<"float64">
  %bma = "df.elementwise"(%cb, %ca) <{fn = "sub"}> : (!df.column<"float64">, !df.column<"float64">) -> !df.column<"float64">
  %one = "python.constant"() <{value = 1.000000e+00 : f64}> : () -> !python.object
  %one_int = "python.constant"() <{value = 1 : i64}> : () -> !python.object
  %one_again = "python.constant"() <{value = 1 : i64}> : () -> !python.object
  %r1 = "ml.estimator"(%one) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
  %r2 = "ml.estimator"(%one_int) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
  %r3 = "ml.estimator"(%one_again) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
  %r4 = "ml.estimator"(%one_int) <{class = "sklearn.linear_model.Ridge", kwnames = ["max_iter"]}> : (!python.object) -> !ml.estimator
  %dead = "df.column"(%f) <{column = "unused"}> : (!df.frame<?>) -> !df.column<?>
  %dead_user = "df.elementwise"(%dead) <{fn = "abs"}> : (!df.column<?>) -> !df.column<?>
  %t1 = "python.print"(%t0, %ab) <{kwnames = []}> : (!python.token, !df.frame<?>) -> !python.token
  %t2 = "python.print"(%t1, %ab2) <{kwnames = []}> : (!python.token, !df.frame<?>) -> !python.token
  %t3 = "python.print"(%t2, %ab2) <{kwnames = []}> : (!python.token, !df.frame<?>) -> !python.token
  %t4 = "python.bind"(%t3, %ba, %amb, %bma, %r1, %r2, %r3, %r4) <{names = ["ba", "amb", "bma", "r1", "r2", "r3", "r4"]}> : (!python.token, !df.frame<?>, !df.column<"float64">, !df.column<"float64">, !ml.estimator, !ml.estimator, !ml.estimator, !ml.estimator) -> !python.token
  %f_after_write = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %f_new = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "11aa"}> : () -> !df.frame<?>
  %z1 = "python.call"(%one_int) <{callee = "numpy.zeros", kwnames = []}> {stratum.identity = #builtin.int<0>} : (!python.object) -> !python.object
  %z2 = "python.call"(%one_int) <{callee = "numpy.zeros", kwnames = []}> {stratum.identity = #builtin.int<1>} : (!python.object) -> !python.object
  %t5 = "python.bind"(%t4, %f_after_write, %f_new, %z1, %z2) <{names = ["g", "f", "z1", "z2"]}> : (!python.token, !df.frame<?>, !df.frame<?>, !python.object, !python.object) -> !python.token
  "python.script_end"(%t5) : (!python.token) -> ()
}

// The second read of the same file version merges with the first (nothing is
// written in between), and so does the selection over it.
// CHECK:      %[[F:.*]] = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}>
// CHECK-NEXT: %[[AB:.*]] = "df.select"(%[[F]]) <{columns = ["a", "b"]}>
// CHECK-NEXT: %[[BA:.*]] = "df.select"(%[[F]]) <{columns = ["b", "a"]}>
// CHECK-NEXT: %[[CA:.*]] = "df.column"(%[[F]]) <{column = "a"}>
// CHECK-NEXT: %[[CB:.*]] = "df.column"(%[[F]]) <{column = "b"}>
// CHECK-NEXT: %[[AMB:.*]] = "df.elementwise"(%[[CA]], %[[CB]]) <{fn = "sub"}>
// CHECK-NEXT: %[[BMA:.*]] = "df.elementwise"(%[[CB]], %[[CA]]) <{fn = "sub"}>
// CHECK-NEXT: %[[ONE:.*]] = "python.constant"() <{value = 1.000000e+00 : f64}>
// CHECK-NEXT: %[[ONEI:.*]] = "python.constant"() <{value = 1 : i64}>
// CHECK-NEXT: %[[R1:.*]] = "ml.estimator"(%[[ONE]]) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}>
// CHECK-NEXT: %[[R2:.*]] = "ml.estimator"(%[[ONEI]]) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}>
// CHECK-NEXT: %[[R4:.*]] = "ml.estimator"(%[[ONEI]]) <{class = "sklearn.linear_model.Ridge", kwnames = ["max_iter"]}>
// Effects never merge, even with equal operands.
// CHECK-NEXT: %[[T1:.*]] = "python.print"(%{{.*}}, %[[AB]])
// CHECK-NEXT: %[[T2:.*]] = "python.print"(%[[T1]], %[[AB]])
// CHECK-NEXT: %[[T3:.*]] = "python.print"(%[[T2]], %[[AB]])
// CHECK-NEXT: "python.bind"(%[[T3]], %[[BA]], %[[AMB]], %[[BMA]], %[[R1]], %[[R2]], %[[R2]], %[[R4]])
// A read after a write (the bind) stays, as does another version of the file.
// CHECK-NEXT: %[[G:.*]] = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}>
// CHECK-NEXT: %[[NEWF:.*]] = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "11aa"}>
// CHECK-NEXT: %[[Z1:.*]] = "python.call"(%[[ONEI]]) <{callee = "numpy.zeros", kwnames = []}> {stratum.identity = #builtin.int<0>}
// CHECK-NEXT: %[[Z2:.*]] = "python.call"(%[[ONEI]]) <{callee = "numpy.zeros", kwnames = []}> {stratum.identity = #builtin.int<1>}
// CHECK-NEXT: "python.bind"(%{{.*}}, %[[G]], %[[NEWF]], %[[Z1]], %[[Z2]])
// CHECK-NOT:  "unused"
// CHECK-NOT:  "abs"

// Without dce, only what cse meets unused goes: the abs, not the column it reads.
// CSEONLY:     "df.column"(%{{.*}}) <{column = "unused"}>
// CSEONLY-NOT: "abs"
