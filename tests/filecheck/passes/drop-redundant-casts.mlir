// RUN: xdsl-opt %s -p drop-redundant-casts | filecheck %s
// A column cast to the dtype it has is the column itself (pandas 3 shares the data).

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">
  %s = "df.column"(%f) <{column = "s"}> : (!df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> !df.column<"str">
  %i = "df.column"(%f) <{column = "i"}> : (!df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> !df.column<"int64">
  %x = "df.column"(%f) <{column = "x"}> : (!df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> !df.column<"float64">
  %b = "df.column"(%f) <{column = "b"}> : (!df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> !df.column<"bool">
  %str = "python.import"() <{module = "builtins", attr = "str"}> : () -> !python.object
  %int = "python.import"() <{module = "builtins", attr = "int"}> : () -> !python.object
  %npf = "python.import"() <{module = "numpy", attr = "float64"}> : () -> !python.object
  %bool_name = "python.constant"() <{value = "bool"}> : () -> !python.object
  %int_name = "python.constant"() <{value = "int"}> : () -> !python.object
  %int32 = "python.constant"() <{value = "int32"}> : () -> !python.object
  %false = "python.constant"() <{value = false}> : () -> !python.object
  // Dropped.
  %s_str = "df.method"(%s, %str) <{method = "astype", kwnames = []}> : (!df.column<"str">, !python.object) -> !df.column<"str">
  %i_int = "df.method"(%i, %int) <{method = "astype", kwnames = []}> : (!df.column<"int64">, !python.object) -> !df.column<"int64">
  %x_f64 = "df.method"(%x, %npf) <{method = "astype", kwnames = []}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
  %b_bool = "df.method"(%b, %bool_name) <{method = "astype", kwnames = []}> : (!df.column<"bool">, !python.object) -> !df.column<"bool">
  // Kept: another dtype, a spelling not matched exactly, a keyword, a frame,
  // a copy, a column of unknown dtype, and a column opaque code made.
  %i_str = "df.method"(%i, %str) <{method = "astype", kwnames = []}> : (!df.column<"int64">, !python.object) -> !df.column<"str">
  %i_intname = "df.method"(%i, %int_name) <{method = "astype", kwnames = []}> : (!df.column<"int64">, !python.object) -> !df.column<"int64">
  %i_wide = "df.method"(%i, %int32) <{method = "astype", kwnames = []}> : (!df.column<"int64">, !python.object) -> !df.column<"?">
  %i_kw = "df.method"(%i, %int, %false) <{method = "astype", kwnames = ["copy"]}> : (!df.column<"int64">, !python.object, !python.object) -> !df.column<"int64">
  %sel = "df.select"(%f) <{columns = ["i"]}> : (!df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> !df.frame<"i": "int64">
  %sel_int = "df.method"(%sel, %int) <{method = "astype", kwnames = []}> : (!df.frame<"i": "int64">, !python.object) -> !df.frame<"i": "int64">
  %x_copy = "df.method"(%x) <{method = "copy", kwnames = []}> : (!df.column<"float64">) -> !df.column<"float64">
  %u = "python.getitem"(%x, %b) : (!df.column<"float64">, !df.column<"bool">) -> !df.column<"?">
  %u_f = "df.method"(%u, %npf) <{method = "astype", kwnames = []}> : (!df.column<"?">, !python.object) -> !df.column<"float64">
  %t1, %o = "python.exec"(%t0, %f) <{source = "o = f['x']", names_in = ["f"], names_out = ["o"]}> : (!python.token, !df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> (!python.token, !df.column<"float64">)
  %o_f = "df.method"(%o, %npf) <{method = "astype", kwnames = []}> : (!df.column<"float64">, !python.object) -> !df.column<"float64">
  // In a container opaque code may mutate (the frontend's mark): kept distinct.
  %held = "df.column"(%f) <{column = "s"}> {stratum.identity = #builtin.int<0>} : (!df.frame<"s": "str", "i": "int64", "x": "float64", "b": "bool">) -> !df.column<"str">
  %held_str = "df.method"(%held, %str) <{method = "astype", kwnames = []}> {stratum.identity = #builtin.int<1>} : (!df.column<"str">, !python.object) -> !df.column<"str">
  %t2 = "python.bind"(%t1, %s_str, %i_int, %x_f64, %b_bool, %i_str, %i_intname, %i_wide, %i_kw, %sel_int, %x_copy, %u_f, %o_f, %held_str) <{names = ["a", "b", "c", "d", "e", "g", "h", "k", "l", "m", "n", "p", "q"]}> : (!python.token, !df.column<"str">, !df.column<"int64">, !df.column<"float64">, !df.column<"bool">, !df.column<"str">, !df.column<"int64">, !df.column<"?">, !df.column<"int64">, !df.frame<"i": "int64">, !df.column<"float64">, !df.column<"float64">, !df.column<"float64">, !df.column<"str">) -> !python.token
  "python.script_end"(%t2) : (!python.token) -> ()
}

// CHECK-NOT:  "df.method"(%s, %str)
// CHECK-NOT:  "df.method"(%i, %int)
// CHECK-NOT:  "df.method"(%x, %npf)
// CHECK-NOT:  "df.method"(%b, %bool_name)
// CHECK:      %i_str = "df.method"(%i, %str)
// CHECK-NEXT: %i_intname = "df.method"(%i, %int_name)
// CHECK-NEXT: %i_wide = "df.method"(%i, %int32)
// CHECK-NEXT: %i_kw = "df.method"(%i, %int, %false)
// CHECK-NEXT: %sel = "df.select"
// CHECK-NEXT: %sel_int = "df.method"(%sel, %int)
// CHECK-NEXT: %x_copy = "df.method"(%x) <{method = "copy"
// CHECK-NEXT: %u = "python.getitem"(%x, %b)
// CHECK-NEXT: %u_f = "df.method"(%u, %npf)
// CHECK-NEXT: %t1, %o = "python.exec"
// CHECK-NEXT: %o_f = "df.method"(%o, %npf)
// CHECK-NEXT: %held = "df.column"
// CHECK-NEXT: %held_str = "df.method"(%held, %str)
// CHECK-NEXT: "python.bind"(%t1, %s, %i, %x, %b, %i_str, %i_intname, %i_wide, %i_kw, %sel_int, %x_copy, %u_f, %o_f, %held_str)
