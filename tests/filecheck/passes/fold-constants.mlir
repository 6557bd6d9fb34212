// RUN: xdsl-opt %s -p fold-constants | filecheck %s
// Literal operands give the literal Python computes, with its type; what raises,
// warns, overflows 64 bits or is not finite is left to run (and fail) at its line.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %zero = "python.constant"() <{value = 0 : i64}> : () -> !python.object
  %two = "python.constant"() <{value = 2 : i64}> : () -> !python.object
  %big = "python.constant"() <{value = 4611686018427387904 : i64}> : () -> !python.object
  %half = "python.constant"() <{value = 5.000000e-01 : f64}> : () -> !python.object
  %fzero = "python.constant"() <{value = 0.000000e+00 : f64}> : () -> !python.object
  %mone = "python.constant"() <{value = -1 : i64}> : () -> !python.object
  %huge = "python.constant"() <{value = 1.000000e+308 : f64}> : () -> !python.object
  %true = "python.constant"() <{value = true}> : () -> !python.object
  %s = "python.constant"() <{value = "ab"}> : () -> !python.object
  %n100k = "python.constant"() <{value = 100000 : i64}> : () -> !python.object
  %pct = "python.constant"() <{value = "%d"}> : () -> !python.object
  %cols = "python.constant"() <{value = {list = ["x", "y", "z"]}}> : () -> !python.object
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"x": "float64">
  // Folded.
  %add = "python.binary"(%two, %half) <{op = "add"}> : (!python.object, !python.object) -> !python.object
  %bools = "python.binary"(%true, %true) <{op = "add"}> : (!python.object, !python.object) -> !python.object
  %negzero = "python.binary"(%fzero, %mone) <{op = "mul"}> : (!python.object, !python.object) -> !python.object
  %lt = "python.binary"(%two, %half) <{op = "lt"}> : (!python.object, !python.object) -> !python.object
  %cat = "python.binary"(%s, %s) <{op = "add"}> : (!python.object, !python.object) -> !python.object
  %not = "python.unary"(%zero) <{op = "not"}> : (!python.object) -> !python.object
  %n = "python.call"(%cols) <{callee = "builtins.len", kwnames = []}> : (!python.object) -> !python.object
  %fmt = "python.format"(%n, %add) <{pieces = ["", " columns, ", ""], conversions = ["", ""], specs = ["", ".2f"]}> : (!python.object, !python.object) -> !python.object
  // Not folded.
  %div0 = "python.binary"(%two, %zero) <{op = "truediv"}> : (!python.object, !python.object) -> !python.object
  %lt_str = "python.binary"(%s, %two) <{op = "lt"}> : (!python.object, !python.object) -> !python.object
  %inv = "python.unary"(%half) <{op = "invert"}> : (!python.object) -> !python.object
  %ovf = "python.binary"(%big, %two) <{op = "mul"}> : (!python.object, !python.object) -> !python.object
  %inf = "python.binary"(%huge, %huge) <{op = "add"}> : (!python.object, !python.object) -> !python.object
  %long = "python.binary"(%s, %n100k) <{op = "mul"}> : (!python.object, !python.object) -> !python.object
  %loc = "python.format"(%n100k) <{pieces = ["", ""], conversions = [""], specs = ["n"]}> : (!python.object) -> !python.object
  %printf = "python.binary"(%pct, %two) <{op = "mod"}> : (!python.object, !python.object) -> !python.object
  %wide = "python.format"(%two) <{pieces = ["", ""], conversions = [""], specs = [">99999"]}> : (!python.object) -> !python.object
  %rows = "python.call"(%f) <{callee = "builtins.len", kwnames = []}> : (!df.frame<"x": "float64">) -> !python.object
  %rows1 = "python.binary"(%rows, %two) <{op = "add"}> : (!python.object, !python.object) -> !python.object
  %t1 = "python.bind"(%t0, %add, %bools, %negzero, %lt, %cat, %not, %fmt, %div0, %lt_str, %inv, %ovf, %inf, %long, %loc, %printf, %wide, %rows1) <{names = ["a", "b", "c", "d", "e", "g", "h", "i", "j", "k", "l", "m", "o", "p", "r", "s", "q"]}> : (!python.token, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object, !python.object) -> !python.token
  "python.script_end"(%t1) : (!python.token) -> ()
}

// 2 + 0.5 is a float, True + True an int, 0.0 * -1 keeps its sign.
// CHECK:      %add = "python.constant"() <{value = 2.500000e+00 : f64}>
// CHECK-NEXT: %bools = "python.constant"() <{value = 2 : i64}>
// CHECK-NEXT: %negzero = "python.constant"() <{value = -0.000000e+00 : f64}>
// CHECK-NEXT: %lt = "python.constant"() <{value = false}>
// CHECK-NEXT: %cat = "python.constant"() <{value = "abab"}>
// CHECK-NEXT: %not = "python.constant"() <{value = true}>
// CHECK-NEXT: %n = "python.constant"() <{value = 3 : i64}>
// CHECK-NEXT: %fmt = "python.constant"() <{value = "3 columns, 2.50"}>
// ZeroDivisionError, TypeError (twice), beyond 64 bits,
// inf, a 200000-character string, the locale's format, printf-style formatting
// and a huge width (either could build a huge string), a frame's length.
// CHECK-NEXT: %div0 = "python.binary"(%two, %zero) <{op = "truediv"}>
// CHECK-NEXT: %lt_str = "python.binary"(%s, %two) <{op = "lt"}>
// CHECK-NEXT: %inv = "python.unary"(%half) <{op = "invert"}>
// CHECK-NEXT: %ovf = "python.binary"(%big, %two) <{op = "mul"}>
// CHECK-NEXT: %inf = "python.binary"(%huge, %huge) <{op = "add"}>
// CHECK-NEXT: %long = "python.binary"(%s, %n100k) <{op = "mul"}>
// CHECK-NEXT: %loc = "python.format"(%n100k)
// CHECK-NEXT: %printf = "python.binary"(%pct, %two) <{op = "mod"}>
// CHECK-NEXT: %wide = "python.format"(%two)
// CHECK-NEXT: %rows = "python.call"(%f) <{callee = "builtins.len", kwnames = []}>
// CHECK-NEXT: %rows1 = "python.binary"(%rows, %two) <{op = "add"}>
// CHECK-NEXT: "python.bind"(%t0, %add, %bools, %negzero, %lt, %cat, %not, %fmt, %div0, %lt_str, %inv, %ovf, %inf, %long, %loc, %printf, %wide, %rows1)
