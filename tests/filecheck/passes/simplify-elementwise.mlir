// RUN: xdsl-opt %s -p simplify-elementwise | filecheck %s
// Only identities that hold bit for bit, for the dtypes where they do.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"x": "float64", "i": "int64", "b": "bool">
  %x = "df.column"(%f) <{column = "x"}> : (!df.frame<"x": "float64", "i": "int64", "b": "bool">) -> !df.column<"float64">
  %i = "df.column"(%f) <{column = "i"}> : (!df.frame<"x": "float64", "i": "int64", "b": "bool">) -> !df.column<"int64">
  %b = "df.column"(%f) <{column = "b"}> : (!df.frame<"x": "float64", "i": "int64", "b": "bool">) -> !df.column<"bool">
  %zero = "python.constant"() <{value = 0 : i64}> : () -> !python.object
  %one = "python.constant"() <{value = 1 : i64}> : () -> !python.object
  %x_mul = "df.elementwise"(%x, %one) <{fn = "mul"}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
  %x_add = "df.elementwise"(%x, %zero) <{fn = "add"}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
  %i_add = "df.elementwise"(%i, %zero) <{fn = "add"}> : (!df.column<"int64">, !python.object) -> !df.column<"int64">
  %i_div = "df.elementwise"(%i, %one) <{fn = "truediv"}> : (!df.column<"int64">, !python.object) -> !df.column<"float64">
  %n1 = "df.elementwise"(%x) <{fn = "neg"}> : (!df.column<"float64">) -> !df.column<"float64">
  %n2 = "df.elementwise"(%n1) <{fn = "neg"}> : (!df.column<"float64">) -> !df.column<"float64">
  %bn1 = "df.elementwise"(%b) <{fn = "neg"}> : (!df.column<"bool">) -> !df.column<"bool">
  %bn2 = "df.elementwise"(%bn1) <{fn = "neg"}> : (!df.column<"bool">) -> !df.column<"bool">
  %l = "df.elementwise"(%x) <{fn = "log1p"}> : (!df.column<"float64">) -> !df.column<"float64">
  %e = "df.elementwise"(%l) <{fn = "expm1"}> : (!df.column<"float64">) -> !df.column<"float64">
  %fi = "df.elementwise"(%i, %zero) <{fn = "fillna"}> : (!df.column<"int64">, !python.object) -> !df.column<"int64">
  %fx = "df.elementwise"(%x, %zero) <{fn = "fillna"}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
  %t1 = "python.bind"(%t0, %x_mul, %x_add, %i_add, %i_div, %n2, %bn2, %e, %fi, %fx) <{names = ["a", "b", "c", "d", "e", "f", "g", "h", "k"]}> : (!python.token, !df.column<"float64">, !df.column<"float64">, !df.column<"int64">, !df.column<"float64">, !df.column<"float64">, !df.column<"bool">, !df.column<"float64">, !df.column<"int64">, !df.column<"float64">) -> !python.token
  "python.script_end"(%t1) : (!python.token) -> ()
}

// x * 1, int + 0, -(-x) and fillna on an int column are the operand itself;
// float + 0 (-0.0 becomes 0.0), int / 1 (becomes float), -(-bool) (raises),
// expm1(log1p(x)) (not exact) and fillna on a float column stay.
// CHECK:      %[[X:.*]] = "df.column"(%{{.*}}) <{column = "x"}>
// CHECK-NEXT: %[[I:.*]] = "df.column"(%{{.*}}) <{column = "i"}>
// CHECK:      %[[XADD:.*]] = "df.elementwise"(%[[X]], %{{.*}}) <{fn = "add"}>
// CHECK-NEXT: %[[IDIV:.*]] = "df.elementwise"(%[[I]], %{{.*}}) <{fn = "truediv"}>
// CHECK:      %[[BN1:.*]] = "df.elementwise"(%{{.*}}) <{fn = "neg"}> : (!df.column<"bool">)
// CHECK-NEXT: %[[BN2:.*]] = "df.elementwise"(%[[BN1]]) <{fn = "neg"}>
// CHECK:      %[[E:.*]] = "df.elementwise"(%{{.*}}) <{fn = "expm1"}>
// CHECK-NEXT: %[[FX:.*]] = "df.elementwise"(%[[X]], %{{.*}}) <{fn = "fillna"}>
// CHECK-NEXT: "python.bind"(%{{.*}}, %[[X]], %[[XADD]], %[[I]], %[[IDIV]], %[[X]], %[[BN2]], %[[E]], %[[I]], %[[FX]])
