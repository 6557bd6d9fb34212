// RUN: xdsl-opt %s -p lower-to-plan | filecheck %s
// Every op is wrapped in a plan.task naming its backend and the scripts using it;
// work shared by two scripts lists both.

builtin.module {
  %a0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %b0 = "python.script_begin"() <{script = "b.py", index = #builtin.int<1>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<?>
  %col = "df.column"(%f) <{column = "a"}> : (!df.frame<?>) -> !df.column<?>
  %a1 = "python.bind"(%a0, %f) <{names = ["f"]}> : (!python.token, !df.frame<?>) -> !python.token
  %b1 = "python.bind"(%b0, %col) <{names = ["c"]}> : (!python.token, !df.column<?>) -> !python.token
  "python.script_end"(%a1) : (!python.token) -> ()
  "python.script_end"(%b1) : (!python.token) -> ()
}

// CHECK:      %[[F:.*]] = "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<0>, #builtin.int<1>]}> ({
// CHECK-NEXT:   %[[R:.*]] = "df.read_csv"()
// CHECK-NEXT:   "plan.yield"(%[[R]])
// CHECK:      "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<1>]}> ({
// CHECK-NEXT:   "df.column"(%[[F]])
// CHECK:      "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<0>]}> ({
// CHECK-NEXT:   "python.bind"
