// RUN: xdsl-opt %s -p dce | filecheck %s
// Unused pure ops go; effects (prints, opaque code, reads bound by a statement) stay.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %unused = "python.constant"() <{value = "dead"}> : () -> !python.object
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %dead_col = "df.column"(%f) <{column = "a"}> : (!df.frame<?>) -> !df.column<?>
  %t1 = "python.bind"(%t0, %f) <{names = ["f"]}> : (!python.token, !df.frame<?>) -> !python.token
  %t2 = "python.exec"(%t1) <{source = "x = 1", names_in = [], names_out = []}> : (!python.token) -> !python.token
  "python.script_end"(%t2) : (!python.token) -> ()
}

// CHECK-NOT:  "dead"
// CHECK-NOT:  "df.column"
// CHECK:      "df.read_csv"
// CHECK-NEXT: "python.bind"
// CHECK-NEXT: "python.exec"
