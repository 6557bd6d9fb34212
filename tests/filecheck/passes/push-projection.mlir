// RUN: printf 'a,b,c,d\n1,2.5,x,4\n3,,y,5\n' > %t.csv
// RUN: python -c "import sys, hashlib, pathlib; t = pathlib.Path(sys.argv[1]).read_text(); c = sys.argv[2]; fp = hashlib.blake2b(pathlib.Path(c).read_bytes(), digest_size=16).hexdigest(); print(t.replace('@CSV@', c).replace('@FP@', fp))" %s %t.csv | xdsl-opt -p push-projection | filecheck %s
// A read shared by two scripts keeps the union of the columns they read, in
// file order; frames built by assign_column are narrowed with it. Reads whose
// frame may be read whole, or whose options or file could change what the
// kept columns hold, are left alone.

builtin.module {
  %a0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %b0 = "python.script_begin"() <{script = "b.py", index = #builtin.int<1>}> : () -> !python.token
  %f = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "@FP@"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
  %a1 = "python.bind"(%a0, %f) <{names = ["f"]}> : (!python.token, !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !python.token
  %d = "df.select"(%f) <{columns = ["d", "d"]}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.frame<"d": "int64", "d": "int64">
  %col = "df.column"(%f) <{column = "a"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.column<"int64">
  %g = "df.assign_column"(%f, %col) <{column = "n"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">, !df.column<"int64">) -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64", "n": "int64">
  %n = "df.column"(%g) <{column = "n"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64", "n": "int64">) -> !df.column<"int64">
  %a2 = "python.print"(%a1, %n) <{kwnames = []}> : (!python.token, !df.column<"int64">) -> !python.token
  %b1 = "python.print"(%b0, %d) <{kwnames = []}> : (!python.token, !df.frame<"d": "int64", "d": "int64">) -> !python.token
  "python.script_end"(%a2) : (!python.token) -> ()
  "python.script_end"(%b1) : (!python.token) -> ()

  // shape and len need rows only; a dropped column must be there to be dropped.
  %h = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "@FP@"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
  %hs = "python.getattr"(%h) <{attr = "shape"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !python.object
  %hl = "python.call"(%h) <{callee = "builtins.len", kwnames = []}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !python.object
  %hd = "df.drop"(%h) <{columns = ["c"]}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.frame<"a": "int64", "b": "float64", "d": "int64">
  %hb = "df.column"(%hd) <{column = "b"}> : (!df.frame<"a": "int64", "b": "float64", "d": "int64">) -> !df.column<"float64">
  %hds = "python.getattr"(%hd) <{attr = "shape"}> : (!df.frame<"a": "int64", "b": "float64", "d": "int64">) -> !python.object
  %d0 = "python.script_begin"() <{script = "d.py", index = #builtin.int<3>}> : () -> !python.token
  %d1 = "python.print"(%d0, %hs, %hl, %hb, %hds) <{kwnames = []}> : (!python.token, !python.object, !python.object, !df.column<"float64">, !python.object) -> !python.token
  "python.script_end"(%d1) : (!python.token) -> ()

  // The whole frame is printed: every column is read.
  %w = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "@FP@"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
  %wc = "df.column"(%w) <{column = "a"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.column<"int64">
  %c0 = "python.script_begin"() <{script = "c.py", index = #builtin.int<2>}> : () -> !python.token
  %c1 = "python.print"(%c0, %w, %wc) <{kwnames = []}> : (!python.token, !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">, !df.column<"int64">) -> !python.token
  "python.script_end"(%c1) : (!python.token) -> ()

  // index_col changes the frame's index: refused.
  %zero = "python.constant"() <{value = 0 : i64}> : () -> !python.object
  %i = "df.read_csv"(%zero) <{path = "@CSV@", kwnames = ["index_col"], fingerprint = "@FP@"}> : (!python.object) -> !df.frame<"b": "float64", "c": "str", "d": "int64">
  %ic = "df.column"(%i) <{column = "b"}> : (!df.frame<"b": "float64", "c": "str", "d": "int64">) -> !df.column<"float64">

  // A column the profile does not have (a KeyError at run time): refused.
  %k = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "@FP@"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
  %kc = "df.column"(%k) <{column = "zz"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.column<"int64">

  // The file is no longer the profiled one: refused.
  %s = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "stale"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
  %sc = "df.column"(%s) <{column = "a"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.column<"int64">

  // A mixed-type (object) column: pandas' DtypeWarning names it, so nothing is dropped.
  %o = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "@FP@"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "object", "d": "int64">
  %oc = "df.column"(%o) <{column = "a"}> : (!df.frame<"a": "int64", "b": "float64", "c": "object", "d": "int64">) -> !df.column<"int64">

  // The frame is assigned as a column value: refused.
  %v = "df.read_csv"() <{path = "@CSV@", kwnames = [], fingerprint = "@FP@"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
  %vc = "df.column"(%v) <{column = "a"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.column<"int64">
  %vv = "df.assign_column"(%w, %v) <{column = "x"}> : (!df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">, !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">) -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64", "x": "int64">
}

// CHECK:      %[[F:.*]] = "df.read_csv"() <{path = "{{.*}}", kwnames = [], fingerprint = "{{[0-9a-f]+}}"}> {stratum.usecols = [#builtin.int<0>, #builtin.int<3>], stratum.full_schema = !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">} : () -> !df.frame<"a": "int64", "d": "int64">
// CHECK:      "df.select"(%[[F]]) <{columns = ["d", "d"]}> : (!df.frame<"a": "int64", "d": "int64">)
// CHECK:      %[[A:.*]] = "df.column"(%[[F]]) <{column = "a"}> : (!df.frame<"a": "int64", "d": "int64">)
// CHECK:      %[[G:.*]] = "df.assign_column"(%[[F]], %[[A]]) <{column = "n"}> : (!df.frame<"a": "int64", "d": "int64">, !df.column<"int64">) -> !df.frame<"a": "int64", "d": "int64", "n": "int64">
// CHECK:      "df.column"(%[[G]]) <{column = "n"}> : (!df.frame<"a": "int64", "d": "int64", "n": "int64">)
// CHECK:      %[[H:.*]] = "df.read_csv"() {{.*}} {stratum.usecols = [#builtin.int<1>, #builtin.int<2>], {{.*}}} : () -> !df.frame<"b": "float64", "c": "str">
// CHECK-NEXT: %[[ROWS:.*]] = "python.call"(%[[H]]) <{callee = "builtins.len", kwnames = []}>
// CHECK-NEXT: %[[COLS:.*]] = "python.constant"() <{value = 4 : i64}>
// CHECK-NEXT: %hs = "python.build"(%[[ROWS]], %[[COLS]]) <{kind = "tuple"}>
// CHECK-NEXT: %hl = "python.call"(%[[H]]) <{callee = "builtins.len", kwnames = []}>
// CHECK-NEXT: %[[HD:.*]] = "df.drop"(%[[H]]) <{columns = ["c"]}> : (!df.frame<"b": "float64", "c": "str">) -> !df.frame<"b": "float64">
// CHECK-NEXT: "df.column"(%[[HD]]) <{column = "b"}>
// CHECK-NEXT: %{{.*}} = "python.call"(%[[HD]]) <{callee = "builtins.len", kwnames = []}>
// CHECK-NEXT: %{{.*}} = "python.constant"() <{value = 3 : i64}>
// CHECK-NOT:  stratum.usecols
// CHECK:      "df.read_csv"() <{path = "{{.*}}", kwnames = [], fingerprint = "{{[0-9a-f]+}}"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
// CHECK-NOT:  stratum.usecols
// CHECK:      "df.read_csv"(%{{.*}}) <{path = "{{.*}}", kwnames = ["index_col"], fingerprint = "{{[0-9a-f]+}}"}> : (!python.object) -> !df.frame<"b": "float64", "c": "str", "d": "int64">
// CHECK-NOT:  stratum.usecols
// CHECK:      "df.read_csv"() <{path = "{{.*}}", kwnames = [], fingerprint = "{{[0-9a-f]+}}"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
// CHECK-NOT:  stratum.usecols
// CHECK:      "df.read_csv"() <{path = "{{.*}}", kwnames = [], fingerprint = "stale"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
// CHECK-NOT:  stratum.usecols
// CHECK:      "df.read_csv"() <{path = "{{.*}}", kwnames = [], fingerprint = "{{[0-9a-f]+}}"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "object", "d": "int64">
// CHECK-NOT:  stratum.usecols
// CHECK:      "df.read_csv"() <{path = "{{.*}}", kwnames = [], fingerprint = "{{[0-9a-f]+}}"}> : () -> !df.frame<"a": "int64", "b": "float64", "c": "str", "d": "int64">
// CHECK-NOT:  stratum.usecols
