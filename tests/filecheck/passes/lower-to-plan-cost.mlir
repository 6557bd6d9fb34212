// RUN: xdsl-opt %s -p lower-to-plan | filecheck %s
// Cost-based operator selection: rows come from the read (here a stratum.rows
// hint, as a profile would give) and flow to the ops computed from it. A fused
// op on 1460 rows stays on pandas (a Numba kernel does not pay below
// STRATUM_KERNEL_MIN_ROWS); on 200000 rows it runs on Numba; with rows unknown
// it is costed at NOMINAL_ROWS and goes to Numba, whose adapter still declines
// small inputs at run time. Rust's factorize is cheaper at any size.

builtin.module {
  %t0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %small = "df.read_csv"() <{path = "small.csv", kwnames = [], fingerprint = "00aa"}> {stratum.rows = #builtin.int<1460>} : () -> !df.frame<"x": "float64", "k": "int64">
  %big = "df.read_csv"() <{path = "big.csv", kwnames = [], fingerprint = "00bb"}> {stratum.rows = #builtin.int<200000>} : () -> !df.frame<"x": "float64", "k": "int64">
  %unknown = "df.read_csv"() <{path = "missing.csv", kwnames = [], fingerprint = "00cc"}> : () -> !df.frame<?>
  %sx = "df.column"(%small) <{column = "x"}> : (!df.frame<"x": "float64", "k": "int64">) -> !df.column<"float64">
  %bx = "df.column"(%big) <{column = "x"}> : (!df.frame<"x": "float64", "k": "int64">) -> !df.column<"float64">
  %ux = "df.column"(%unknown) <{column = "x"}> : (!df.frame<?>) -> !df.column<?>
  %sf = "df.fused"(%sx) ({
  ^bb0(%a : !df.column<"float64">):
    %l = "df.elementwise"(%a) <{fn = "log1p"}> : (!df.column<"float64">) -> !df.column<"float64">
    "df.yield"(%l) : (!df.column<"float64">) -> ()
  }) : (!df.column<"float64">) -> !df.column<"float64">
  %bf = "df.fused"(%bx) ({
  ^bb1(%b : !df.column<"float64">):
    %m = "df.elementwise"(%b) <{fn = "log1p"}> : (!df.column<"float64">) -> !df.column<"float64">
    "df.yield"(%m) : (!df.column<"float64">) -> ()
  }) : (!df.column<"float64">) -> !df.column<"float64">
  %uf = "df.fused"(%ux) ({
  ^bb2(%c : !df.column<?>):
    %n = "df.elementwise"(%c) <{fn = "log1p"}> : (!df.column<?>) -> !df.column<?>
    "df.yield"(%n) : (!df.column<?>) -> ()
  }) : (!df.column<?>) -> !df.column<?>
  %sk = "df.column"(%small) <{column = "k"}> : (!df.frame<"x": "float64", "k": "int64">) -> !df.column<"int64">
  %codes = "df.category_codes"(%sk) : (!df.column<"int64">) -> !df.column<"int8">
  %t1 = "python.bind"(%t0, %sf, %bf, %uf, %codes) <{names = ["s", "b", "u", "c"]}> : (!python.token, !df.column<"float64">, !df.column<"float64">, !df.column<?>, !df.column<"int8">) -> !python.token
  "python.script_end"(%t1) : (!python.token) -> ()
}

// The read of 1460 rows x 2 columns: 300 us + 1460 * 2 * 25 ns.
// CHECK:      %small = "plan.task"() <{backend = "reference", cost = 3.730000e+02 : f64, scripts = [#builtin.int<0>], rows = #builtin.int<1460>}> ({
// CHECK-NEXT:   "df.read_csv"() <{path = "small.csv"
// CHECK:      "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<0>], rows = #builtin.int<200000>}> ({
// CHECK-NEXT:   "df.read_csv"() <{path = "big.csv"
// CHECK:      "plan.task"() <{backend = "reference", cost = {{.*}}, scripts = [#builtin.int<0>]}> ({
// CHECK-NEXT:   "df.read_csv"() <{path = "missing.csv"
// CHECK:      %sf = "plan.task"() <{backend = "reference", cost = {{.*}}, rows = #builtin.int<1460>}> ({
// CHECK-NEXT:   "df.fused"
// CHECK:      %bf = "plan.task"() <{backend = "numba", cost = {{.*}}, rows = #builtin.int<200000>}> ({
// CHECK-NEXT:   "df.fused"
// CHECK:      %uf = "plan.task"() <{backend = "numba", cost = {{.*}}, scripts = [#builtin.int<0>]}> ({
// CHECK-NEXT:   "df.fused"
// CHECK:      %codes = "plan.task"() <{backend = "rust", cost = {{.*}}, rows = #builtin.int<1460>}> ({
// CHECK-NEXT:   "df.category_codes"
