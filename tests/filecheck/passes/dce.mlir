// RUN: xdsl-opt %s -p dce | filecheck %s
// Unused pure ops go; effects (prints, opaque code, reads bound by a statement) stay.

builtin.module {
  %t0 = "py.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !py.token
  %unused = "py.constant"() <{value = "dead"}> : () -> !py.object
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %dead_col = "df.column"(%f) <{column = "a"}> : (!df.frame<?>) -> !df.column<?>
  %t1 = "py.bind"(%t0, %f) <{names = ["f"]}> : (!py.token, !df.frame<?>) -> !py.token
  %t2 = "py.exec"(%t1) <{source = "x = 1", names_in = [], names_out = []}> : (!py.token) -> !py.token
  "py.script_end"(%t2) : (!py.token) -> ()
}

// CHECK-NOT:  "dead"
// CHECK-NOT:  "df.column"
// CHECK:      "df.read_csv"
// CHECK-NEXT: "py.bind"
// CHECK-NEXT: "py.exec"
