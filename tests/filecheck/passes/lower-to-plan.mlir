// RUN: xdsl-opt %s -p lower-to-plan | filecheck %s
// Every op is wrapped in a plan.task naming its backend and the scripts using it;
// work shared by two scripts lists both.

builtin.module {
  %a0 = "py.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !py.token
  %b0 = "py.script_begin"() <{script = "b.py", index = #builtin.int<1>}> : () -> !py.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %col = "df.column"(%f) <{column = "a"}> : (!df.frame<?>) -> !df.column<?>
  %a1 = "py.bind"(%a0, %f) <{names = ["f"]}> : (!py.token, !df.frame<?>) -> !py.token
  %b1 = "py.bind"(%b0, %col) <{names = ["c"]}> : (!py.token, !df.column<?>) -> !py.token
  "py.script_end"(%a1) : (!py.token) -> ()
  "py.script_end"(%b1) : (!py.token) -> ()
}

// CHECK:      %[[F:.*]] = "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<0>, #builtin.int<1>]}> ({
// CHECK-NEXT:   %[[R:.*]] = "df.read_csv"()
// CHECK-NEXT:   "plan.yield"(%[[R]])
// CHECK:      "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<1>]}> ({
// CHECK-NEXT:   "df.column"(%[[F]])
// CHECK:      "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<0>]}> ({
// CHECK-NEXT:   "py.bind"
