// RUN: xdsl-opt %s -p drop-redundant-casts | filecheck %s
// A script that may set pandas options (`future.infer_string`,
// `mode.string_storage`) may change what `astype(str)` gives: it stays.
// Numeric dtypes do not depend on options.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"s": "str", "i": "int64">
  %s = "df.column"(%f) <{column = "s"}> : (!df.frame<"s": "str", "i": "int64">) -> !df.column<"str">
  %i = "df.column"(%f) <{column = "i"}> : (!df.frame<"s": "str", "i": "int64">) -> !df.column<"int64">
  %str = "python.import"() <{module = "builtins", attr = "str"}> : () -> !python.object
  %int = "python.import"() <{module = "builtins", attr = "int"}> : () -> !python.object
  %t1 = "python.exec"(%t0) <{source = "pd.set_option('future.infer_string', False)", names_in = [], names_out = []}> : (!python.token) -> !python.token
  %s_str = "df.method"(%s, %str) <{method = "astype", kwnames = []}> : (!df.column<"str">, !python.object) -> !df.column<"str">
  %i_int = "df.method"(%i, %int) <{method = "astype", kwnames = []}> : (!df.column<"int64">, !python.object) -> !df.column<"int64">
  %t2 = "python.bind"(%t1, %s_str, %i_int) <{names = ["a", "b"]}> : (!python.token, !df.column<"str">, !df.column<"int64">) -> !python.token
  "python.script_end"(%t2) : (!python.token) -> ()
}

// CHECK:      %s_str = "df.method"(%s, %str) <{method = "astype"
// CHECK-NEXT: "python.bind"(%t1, %s_str, %i)
