// RUN: xdsl-opt %s -p fuse-elementwise | filecheck %s
// A chain of single-use elementwise ops becomes one df.fused; a value that is
// also bound by a statement stays outside, so nothing is computed twice.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %a = "df.column"(%f) <{column = "a"}> : (!df.frame<?>) -> !df.column<?>
  %b = "df.column"(%f) <{column = "b"}> : (!df.frame<?>) -> !df.column<?>
  %two = "python.constant"() <{value = 2 : i64}> : () -> !python.object
  %m = "df.elementwise"(%a, %two) <{fn = "mul"}> : (!df.column<?>, !python.object) -> !df.column<?>
  %s = "df.elementwise"(%m, %b) <{fn = "add"}> : (!df.column<?>, !df.column<?>) -> !df.column<?>
  %l = "df.elementwise"(%s) <{fn = "log1p"}> : (!df.column<?>) -> !df.column<?>
  %kept = "df.elementwise"(%a) <{fn = "neg"}> : (!df.column<?>) -> !df.column<?>
  %z = "df.elementwise"(%kept) <{fn = "abs"}> : (!df.column<?>) -> !df.column<?>
  %t1 = "python.bind"(%t0, %l, %kept, %z) <{names = ["l", "kept", "z"]}> : (!python.token, !df.column<?>, !df.column<?>, !df.column<?>) -> !python.token
  "python.script_end"(%t1) : (!python.token) -> ()
}

// CHECK:      %[[A:.*]] = "df.column"(%{{.*}}) <{column = "a"}>
// CHECK:      %[[B:.*]] = "df.column"(%{{.*}}) <{column = "b"}>
// CHECK:      %[[L:.*]] = "df.fused"(%[[A]], %[[B]]) ({
// CHECK-NEXT: ^{{.*}}(%[[X:.*]]: !df.column<?>, %[[Y:.*]]: !df.column<?>):
// CHECK-NEXT:   %[[C:.*]] = "python.constant"() <{value = 2 : i64}>
// CHECK-NEXT:   %[[M:.*]] = "df.elementwise"(%[[X]], %[[C]]) <{fn = "mul"}>
// CHECK-NEXT:   %[[S:.*]] = "df.elementwise"(%[[M]], %[[Y]]) <{fn = "add"}>
// CHECK-NEXT:   %[[LOG:.*]] = "df.elementwise"(%[[S]]) <{fn = "log1p"}>
// CHECK-NEXT:   "df.yield"(%[[LOG]])
// CHECK:      %[[KEPT:.*]] = "df.elementwise"(%[[A]]) <{fn = "neg"}>
// CHECK-NEXT: %[[Z:.*]] = "df.elementwise"(%[[KEPT]]) <{fn = "abs"}>
// CHECK-NEXT: "python.bind"(%{{.*}}, %[[L]], %[[KEPT]], %[[Z]])
