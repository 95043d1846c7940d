#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Golden tests: hand-written fixtures (fixtures.S) are instrumented, run and
# compared with the accesses they declare themselves (see check.py).
# usage: tests/golden/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
KS=$B/kstride
RT=$B/libkstride-rt.a
W=$B/tests/golden
mkdir -p "$W"

build_native() {
	gcc -c -o "$W/fx.o" "$top/tests/golden/fixtures.S" &&
	gcc -O1 -no-pie -o "$W/g-native" "$top/tests/golden/golden-main.c" "$W/fx.o" &&
	"$W/g-native" > "$W/native.out"
}

# $1: variant name, rest: kstride instrument options
golden_variant() {
	local v=$1
	shift
	"$KS" instrument "$@" --stats "$W/fx.o" -o "$W/fx-$v.o" > "$W/stats-$v.txt" || return 1
	grep -q "left original:      0" "$W/stats-$v.txt" || die "functions left original: $(cat "$W/stats-$v.txt")" || return 1
	# relocated fields hold zero, one relocation each (the kernel insists)
	"$B/relcheck" "$W/fx-$v.o" || return 1
	gcc -O1 -no-pie -o "$W/g-$v" "$top/tests/golden/golden-main.c" "$W/fx-$v.o" "$RT" -lpthread || return 1
	# a 4 KiB buffer sends many regions through the slow path
	KSTRIDE_BUFSIZE=4096 "$KS" record -q -o "$W/$v.trace" -- "$W/g-$v" "$W/exp-$v.txt" > "$W/$v.out" || die "instrumented fixtures failed" || return 1
	diff -u "$W/native.out" "$W/$v.out" || die "fixtures returned different results when instrumented" || return 1
	"$KS" script "$W/$v.trace" > "$W/$v.script" || return 1
	python3 "$top/tests/golden/check.py" $( [ "$v" = nostack ] && echo --no-stack ) "$W/exp-$v.txt" "$W/$v.script"
}

# The EVEX fixture runs only on CPUs with AVX-512: say so when it did not.
avx512() {
	grep -q "^avx512 not run" "$W/native.out" &&
		{ echo "SKIP: this CPU has no AVX-512: fx_avx512 instrumented, not run"; return 4; }
	grep -q " fx_avx512+0x[0-9a-f]* R 64 " "$W/default.script" &&
		grep -q " fx_avx512+0x[0-9a-f]* W 64 " "$W/default.script" ||
		die "fx_avx512 ran natively but its 64-byte accesses are not in the trace"
}

# Every copy is checked before it is used: copies whose stack is broken
# on purpose (--test-unbalance) must all be caught, named, and left unused,
# so that the program still computes what it computes natively.
stack_check() {
	local total failed named
	"$KS" instrument --test-unbalance --stats "$W/fx.o" -o "$W/fx-unbal.o" \
		> "$W/stats-unbal.txt" 2> "$W/warn-unbal.txt" || return 1
	total=$(sed -n 's/^functions: *//p' "$W/stats-unbal.txt")
	failed=$(sed -n 's/^    copy-failed-stack-check *//p' "$W/stats-unbal.txt")
	named=$(grep -c "internal check failed: .*left original" "$W/warn-unbal.txt")
	echo "stack check: $failed of $total broken copies caught, $named named"
	[ -n "$total" ] && [ "${failed:-0}" = "$total" ] && [ "$named" = "$total" ] ||
		die "not every broken copy was caught" || return 1
	gcc -O1 -no-pie -o "$W/g-unbal" "$top/tests/golden/golden-main.c" "$W/fx-unbal.o" "$RT" -lpthread || return 1
	# every function original: nothing to record, it runs as it is
	"$W/g-unbal" "$W/exp-unbal.txt" > "$W/unbal.out" || return 1
	diff -u "$W/native.out" "$W/unbal.out" || die "results differ" || return 1
}

# A program killed (SIGKILL) or crashing (SIGSEGV) leaves a trace whose
# flushed buffers script --force reads, descriptors and all.
died() {
	local how v=default n
	gcc -O1 -no-pie -o "$W/dies" "$top/tests/golden/dies.c" "$W/fx-$v.o" "$RT" -lpthread || return 1
	for how in kill segv; do
		KSTRIDE_BUFSIZE=4096 "$KS" record -q -o "$W/dies-$how.trace" -- "$W/dies" $how > /dev/null 2>&1
		[ -s "$W/dies-$how.trace" ] || die "$how: no trace" || return 1
		"$KS" script --force "$W/dies-$how.trace" > "$W/dies-$how.script" 2> "$W/dies-$how.err" ||
			die "$how: script --force failed: $(cat "$W/dies-$how.err")" || return 1
		n=$(grep -c "fx_hot+" "$W/dies-$how.script")
		echo "died by $how: $n accesses of fx_hot readable"
		[ "$n" -gt 1000 ] || die "$how: only $n accesses readable" || return 1
	done
}

ktest_run golden-build-native build_native
ktest_run golden-fixtures golden_variant default
ktest_run golden-fixtures-no-stack golden_variant nostack --no-stack
ktest_run golden-avx512 avx512
ktest_run golden-stack-check stack_check
ktest_run golden-killed-or-crashed died
ktest_done golden
