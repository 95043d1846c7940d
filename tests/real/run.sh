#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real code nobody here wrote: every member of Debian's libz.a and
# libsqlite3.a is instrumented; the workloads must print exactly what the
# native build prints, and the trace must read back.
# usage: tests/real/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
KS=$B/kstride
RT=$B/libkstride-rt.a
W=$B/tests/real
LIBDIR=/usr/lib/x86_64-linux-gnu
mkdir -p "$W"

# $1 name, $2 archive, $3 source, $4 run args, $5 extra link libs
real_lib() {
	local n=$1 lib=$2 src=$3 args=$4 libs=$5 members done
	[ -f "$lib" ] || { echo "SKIP: $lib is missing (apt-get install the -dev package)"; return 4; }
	"$KS" instrument --stats "$lib" -o "$W/$n-ks.a" > "$W/$n-stats.txt" || return 1
	members=$(ar t "$lib" | wc -l)
	grep -q "^objects: *$members\$" "$W/$n-stats.txt" || die "expected $members objects: $(head -3 "$W/$n-stats.txt")" || return 1
	gcc -O2 -o "$W/$n-native" "$top/$src" "$lib" $libs || return 1
	gcc -O2 -o "$W/$n-ks" "$top/$src" "$W/$n-ks.a" "$RT" $libs -lpthread || return 1
	"$W/$n-native" $args > "$W/$n-native.out" || die "native $n failed" || return 1
	"$W/$n-ks" $args > "$W/$n-ks.out" || die "instrumented $n failed (no trace)" || return 1
	cmp "$W/$n-native.out" "$W/$n-ks.out" || die "outputs differ" || return 1
	"$KS" record -q -o "$W/$n.trace" -- "$W/$n-ks" $args > "$W/$n-rec.out" || die "instrumented $n failed under record" || return 1
	cmp "$W/$n-native.out" "$W/$n-rec.out" || die "outputs differ under record" || return 1
	"$KS" report "$W/$n.trace" > "$W/$n-report.txt" || return 1
	done=$(sed -n 's/^  instrumented: *//p' "$W/$n-stats.txt")
	echo "$n: $done functions instrumented; $(head -1 "$W/$n-report.txt")"
	# every workload must have produced events in the library's hot code
	[ "$(awk 'NR>2 {n++} END {print n+0}' "$W/$n-report.txt")" -gt 20 ] || die "too few functions in the trace"
}

# Static functions of the same name in two members are told apart.
t_ambiguous() {
	local d=$top/tests/real/ambig o=$W/ambig
	mkdir -p "$o"
	gcc -O2 -c -o "$o/a.o" "$d/a.c" && gcc -O2 -c -o "$o/b.o" "$d/b.c" || return 1
	rm -f "$o/lib.a" && ar rc "$o/lib.a" "$o/a.o" "$o/b.o" || return 1
	"$KS" instrument "$o/lib.a" -o "$o/lib-ks.a" || return 1
	gcc -o "$o/prog" "$d/main.c" "$o/lib-ks.a" "$RT" -lpthread || return 1
	[ "$("$o/prog")" = "3 9" ] || die "wrong result" || return 1
	"$KS" record -q -o "$o/t.trace" -- "$o/prog" > /dev/null || return 1
	"$KS" report --by-insn "$o/t.trace" > "$o/by-insn.txt" || return 1
	cat "$o/by-insn.txt"
	grep -q "^a.o:helper+0x0 R 4 1$" "$o/by-insn.txt" || die "a.o:helper missing" || return 1
	grep -q "^b.o:helper+0x0 R 4 1$" "$o/by-insn.txt" || die "b.o:helper missing" || return 1
	"$KS" script "$o/t.trace" | grep -q " from_a+0x0 ENTRY" || die "unambiguous names must stay plain"
}

# fork: the child runs instrumented code too; the parent's trace stays whole
t_fork() {
	[ -f "$W/zlib-ks.a" ] || { echo "SKIP: needs the zlib test's library"; return 4; }
	gcc -O2 -o "$W/fork-ks" "$top/tests/real/fork-test.c" "$W/zlib-ks.a" "$RT" -lpthread || return 1
	timeout 120 "$KS" record -q -o "$W/fork.trace" -- "$W/fork-ks" 512 > "$W/fork.out" ||
		die "the instrumented parent or child failed or hung" || return 1
	cat "$W/fork.out"
	[ "$(grep -c . "$W/fork.out")" -eq 3 ] || die "missing output" || return 1
	"$KS" report "$W/fork.trace" > "$W/fork-report.txt" || die "the trace does not read back" || return 1
	grep -q " deflate_slow \| deflate_fast \| longest_match " "$W/fork-report.txt" ||
		die "no zlib events in the parent's trace"
}

# Timer signals whose handlers run instrumented code, nested, while the
# interrupted code is itself instrumented: results right, and every byte
# the program read once per call is in the trace once per call.
t_signals() {
	[ -f "$W/zlib-ks.a" ] || { echo "SKIP: needs the zlib test's library"; return 4; }
	gcc -O2 -o "$W/signal-ks" "$top/tests/real/signal-test.c" "$W/zlib-ks.a" "$RT" -lpthread || return 1
	local i
	for i in 1 2 3; do
		timeout 120 "$W/signal-ks" > "$W/signal.out" ||
			die "run $i: wrong results, a crash or a hang: $(cat "$W/signal.out")" || return 1
	done
	timeout 120 "$KS" record -q -o "$W/signal.trace" -- "$W/signal-ks" > "$W/signal.out" ||
		die "wrong results, a crash or a hang under record: $(cat "$W/signal.out")" || return 1
	cat "$W/signal.out"
	awk '$1 == "signals" && $2 < 500 { exit 1 }' "$W/signal.out" ||
		die "too few signals came to mean anything" || return 1
	"$KS" script "$W/signal.trace" | "$B/readcover" "$W/signal.out"
}

# C++ exceptions thrown, cleaned up after, rethrown and caught in
# instrumented frames: the copies' own FDEs and call-site tables.
t_cxx() {
	local d=$top/tests/real/cxx o=$W/cxx
	mkdir -p "$o"
	g++ -O2 -c -o "$o/lib.o" "$d/lib.cc" || return 1
	"$KS" instrument "$o/lib.o" -o "$o/lib-ks.o" || return 1
	g++ -O2 -o "$o/native" "$d/main.cc" "$o/lib.o" || return 1
	g++ -O2 -o "$o/prog" "$d/main.cc" "$o/lib-ks.o" "$RT" -lpthread || return 1
	"$o/native" > "$o/native.out" || die "the native build is wrong" || return 1
	"$o/prog" > "$o/prog.out" || die "wrong results or terminate(): $(cat "$o/prog.out")" || return 1
	"$KS" record -q -o "$o/t.trace" -- "$o/prog" > "$o/rec.out" ||
		die "wrong results under record" || return 1
	head -2 "$o/rec.out"
	"$KS" script "$o/t.trace" | "$B/readcover" "$o/rec.out"
}

# Debian's libstdc++.a (libsupc++ in it: __cxa_throw, the personality
# routine) instrumented whole: exceptions the library throws unwind
# through instrumented frames and are caught by the program.
t_libstdcxx() {
	local lib o=$W/stdcxx
	lib=$(g++ -print-file-name=libstdc++.a)
	[ -f "$lib" ] || { echo "SKIP: no libstdc++.a (apt-get install libstdc++-12-dev)"; return 4; }
	mkdir -p "$o"
	"$KS" instrument --stats "$lib" -o "$o/libstdc++-ks.a" > "$o/stats.txt" || return 1
	sed -n 's/^  instrumented: *//p' "$o/stats.txt" | sed 's/^/functions instrumented: /'
	g++ -O2 -c -o "$o/stl.o" "$top/tests/real/cxx/stl-test.cc" || return 1
	g++ -O2 -static-libstdc++ -o "$o/native" "$o/stl.o" || return 1
	# the gcc driver: no libstdc++ but ours
	gcc -O2 -o "$o/prog" "$o/stl.o" "$o/libstdc++-ks.a" "$RT" -lpthread -lm || return 1
	"$o/native" 3000 > "$o/native.out" || return 1
	"$o/prog" 3000 > "$o/prog.out" || die "instrumented run failed" || return 1
	cmp "$o/native.out" "$o/prog.out" || die "outputs differ" || return 1
	cat "$o/prog.out"
	"$KS" record -q -o "$o/t.trace" -- "$o/prog" 3000 > "$o/rec.out" || return 1
	cmp "$o/native.out" "$o/rec.out" || die "outputs differ under record" || return 1
	"$KS" report "$o/t.trace" > "$o/report.txt" || return 1
	grep -q " __gxx_personality_v0 " "$o/report.txt" ||
		die "the personality routine ran uninstrumented" || return 1
	grep -q " __cxa_throw " "$o/report.txt" || die "no __cxa_throw in the trace"
}

ktest_run real-ambiguous-static t_ambiguous
ktest_run real-zlib real_lib zlib $LIBDIR/libz.a tests/real/zlib-test.c 64 ""
ktest_run real-fork t_fork
ktest_run real-signals t_signals
ktest_run real-cxx-exceptions t_cxx
ktest_run real-libstdcxx t_libstdcxx
ktest_run real-sqlite real_lib sqlite $LIBDIR/libsqlite3.a tests/real/sqlite-test.c 2000 "-lm -ldl"
ktest_done real
