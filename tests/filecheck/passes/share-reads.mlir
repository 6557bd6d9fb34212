// RUN: xdsl-opt %s -p share-reads --print-debuginfo | filecheck %s
// Equal reads of different scripts become one op carrying both locations; a
// second read in the same script, a read with other options and one of other
// file contents stay their own ops.

builtin.module {
  %a0 = "python.script_begin"() <{script = "a.py", index = #builtin.int<0>}> : () -> !python.token
  %fa = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"k": "int64"> loc("a.py":2:6)
  %a1 = "python.bind"(%a0, %fa) <{names = ["df"]}> : (!python.token, !df.frame<"k": "int64">) -> !python.token
  %fa2 = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"k": "int64"> loc("a.py":5:6)
  %a2 = "python.bind"(%a1, %fa2) <{names = ["df"]}> : (!python.token, !df.frame<"k": "int64">) -> !python.token
  "python.script_end"(%a2) : (!python.token) -> ()
  %b0 = "python.script_begin"() <{script = "b.py", index = #builtin.int<1>}> : () -> !python.token
  %fb = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"k": "int64"> loc("b.py":3:6)
  %sep = "python.constant"() <{value = ";"}> : () -> !python.object
  %fs = "df.read_csv"(%sep) <{path = "x.csv", kwnames = ["sep"], fingerprint = "00ff"}> : (!python.object) -> !df.frame<?> loc("b.py":4:6)
  %fo = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "11ee"}> : () -> !df.frame<"k": "int64"> loc("b.py":5:6)
  %b1 = "python.bind"(%b0, %fb, %fs, %fo) <{names = ["df", "s", "o"]}> : (!python.token, !df.frame<"k": "int64">, !df.frame<?>, !df.frame<"k": "int64">) -> !python.token
  "python.script_end"(%b1) : (!python.token) -> ()
}

// CHECK:      %fa = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"k": "int64"> loc(fused["a.py":2:6, "b.py":3:6])
// CHECK:      %fa2 = "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "00ff"}> : () -> !df.frame<"k": "int64"> loc("a.py":5:6)
// CHECK:      "python.script_begin"() <{script = "b.py"
// CHECK-NOT:  fingerprint = "00ff"}> : () -> !df.frame<"k": "int64">
// CHECK:      "df.read_csv"(%sep) <{path = "x.csv", kwnames = ["sep"]
// CHECK:      "df.read_csv"() <{path = "x.csv", kwnames = [], fingerprint = "11ee"}>
// CHECK:      "python.bind"(%b0, %fa, %fs, %fo)
