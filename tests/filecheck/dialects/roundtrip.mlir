// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// Every Stratum dialect parses and prints back unchanged, types with schemas included.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %path = "python.constant"() <{value = "x.csv"}> : () -> !python.object
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"a": "int64", "b c": "float64">
  %unknown = "df.select"(%f) <{columns = ["b c", "a"]}> : (!df.frame<"a": "int64", "b c": "float64">) -> !df.frame<?>
  %col = "df.column"(%f) <{column = "a"}> : (!df.frame<"a": "int64", "b c": "float64">) -> !df.column<"int64">
  %any = "df.column"(%unknown) <{column = "a"}> : (!df.frame<?>) -> !df.column<?>
  %two = "python.constant"() <{value = 2.500000e+00 : f64}> : () -> !python.object
  %fused = "df.fused"(%col) ({
  ^bb0(%x : !df.column<"int64">):
    %c = "python.constant"() <{value = 2.500000e+00 : f64}> : () -> !python.object
    %m = "df.elementwise"(%x, %c) <{fn = "mul"}> : (!df.column<"int64">, !python.object) -> !df.column<"float64">
    "df.yield"(%m) : (!df.column<"float64">) -> ()
  }) : (!df.column<"int64">) -> !df.column<"float64">
  %est = "ml.estimator"(%two) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
  %fit = "ml.fit"(%est, %f, %col) <{kwnames = []}> : (!ml.estimator, !df.frame<"a": "int64", "b c": "float64">, !df.column<"int64">) -> !ml.estimator
  %t1 = "python.bind"(%t0, %fit, %fused) <{names = ["model", "z"]}> : (!python.token, !ml.estimator, !df.column<"float64">) -> !python.token
  %t2, %out = "python.exec"(%t1, %fit) <{source = "model.n = 1", names_in = ["model"], names_out = ["model"]}> : (!python.token, !ml.estimator) -> (!python.token, !ml.estimator)
  %task = "plan.task"() <{backend = "reference", cost = 1.000000e+00 : f64, scripts = [#builtin.int<0>]}> ({
    %k = "python.constant"() <{value = {list = [1 : i64, "x", none]}}> : () -> !python.object
    "plan.yield"(%k) : (!python.object) -> ()
  }) : () -> !python.object
  "python.script_end"(%t2) : (!python.token) -> ()
}

// CHECK:      "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"a": "int64", "b c": "float64">
// CHECK:      "df.select"(%{{.*}}) <{columns = ["b c", "a"]}> : (!df.frame<"a": "int64", "b c": "float64">) -> !df.frame<?>
// CHECK:      -> !df.column<"int64">
// CHECK:      (!df.frame<?>) -> !df.column<?>
// CHECK:      "df.fused"
// CHECK-NEXT: ^{{.*}}(%{{.*}}: !df.column<"int64">):
// CHECK:      "df.elementwise"(%{{.*}}, %{{.*}}) <{fn = "mul"}>
// CHECK:      "df.yield"
// CHECK:      "ml.estimator"(%{{.*}}) <{class = "sklearn.linear_model.Ridge", kwnames = ["alpha"]}> : (!python.object) -> !ml.estimator
// CHECK:      "ml.fit"
// CHECK:      "python.bind"(%{{.*}}, %{{.*}}, %{{.*}}) <{names = ["model", "z"]}>
// CHECK:      "python.exec"(%{{.*}}, %{{.*}}) <{source = "model.n = 1", names_in = ["model"], names_out = ["model"]}>
// CHECK:      "plan.task"() <{backend = "reference", cost = 1.000000e+00 : f64, scripts = [#builtin.int<0>]}>
// CHECK:      <{value = {list = [1 : i64, "x", none]}}>
// CHECK:      "python.script_end"
