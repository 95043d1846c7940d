#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'instrument --calls' and 'kstride race' in user space:
#   race-tsan      race-user.c's planted races and their synchronised twins,
#                  against ThreadSanitizer on the same source built
#                  separately (compare.py: the same pairs of functions;
#                  every planted race found, no twin reported), three runs;
#   race-compare-selftest  compare.py catches a missed race, an added one,
#                  a reported twin, a planted race both miss;
#   race-report-calls  'kstride report' counts the calls per callee that
#                  race-user.c makes (counted from its source);
#   race-entry-args  entries record their first two arguments: the 5
#                  threads race-user.c starts with an argument enter with it;
#   race-calls-zlib   Debian's libz.a with --calls: the workload prints what
#                  the native build prints, the calls it makes out of the
#                  library (memcpy, malloc...) are in the trace, with
#                  CALL_PRE and CALL_POST paired, and no race is reported
#                  (one thread);
#   race-calls-cxx C++ exceptions thrown through copies with call records
#                  (right results, every access the program reports seen);
#   race-indirect-targets  an indirect call's CALL_PRE records its target,
#                  through memory, a RIP-relative pointer and a register;
#   race-no-calls  a trace without call records is refused with a reason.
# usage: tests/race/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
KS=$B/kstride
RT=$B/libkstride-rt.a
W=$B/tests/race
rm -rf "$W" && mkdir -p "$W"
SRC=$top/tests/race/race-user.c
EXPECT="--expect counter_racy_thread:counter_racy_thread --expect flag_writer:flag_reader --expect uaf_user:uaf_freer --expect rw_reader:rw_writer"
TWINS="--twins counter_locked_thread,joined_writer,joined_reader,reuse_user,reuse_main_touch"

build() {
	[ -f "$W/race-ks" ] && return 0
	gcc -O1 -g -fsanitize=thread -o "$W/race-tsan" "$SRC" ||
		{ echo "cannot build with -fsanitize=thread (apt-get install libtsan2)"; return 1; }
	gcc -O1 -g -c -o "$W/race.o" "$SRC" || return 1
	"$KS" instrument --calls --stats "$W/race.o" -o "$W/race-ks.o" > "$W/stats.txt" || return 1
	gcc -o "$W/race-ks" "$W/race-ks.o" "$RT" -lpthread
}

t_tsan() {
	local n rc
	build || return 1
	for n in 1 2 3; do
		TSAN_OPTIONS="exitcode=0 halt_on_error=0 suppress_equal_addresses=0" \
			"$W/race-tsan" > "$W/tsan-$n.out" 2> "$W/tsan-$n.txt" || return 1
		"$KS" record -q -o "$W/race-$n.trace" -- "$W/race-ks" > "$W/ks-$n.out" || return 1
		cmp -s "$W/tsan-$n.out" "$W/ks-$n.out" || die "the instrumented program printed something else" || return 1
		"$KS" race -q "$W/race-$n.trace" > "$W/race-$n.txt"
		rc=$?
		[ $rc -eq 1 ] || die "kstride race exited $rc (1: races reported)" || return 1
		python3 "$top/tests/race/compare.py" "$W/tsan-$n.txt" "$W/race-$n.txt" $EXPECT $TWINS || return 1
	done
}

t_selftest() {
	[ -f "$W/race-1.txt" ] || { build && "$KS" record -q -o "$W/race-1.trace" -- "$W/race-ks" > /dev/null &&
		{ "$KS" race -q "$W/race-1.trace" > "$W/race-1.txt"; true; } &&
		TSAN_OPTIONS="exitcode=0 suppress_equal_addresses=0" "$W/race-tsan" > /dev/null 2> "$W/tsan-1.txt"; } || return 1
	python3 "$top/tests/race/compare.py" "$W/tsan-1.txt" "$W/race-1.txt" $EXPECT $TWINS --selftest
}

# report's calls per callee, against what race-user.c makes: N = 2000
# locked increments in each of two threads, 14 threads, 5 objects (calloc,
# 4 of them through the wrapper obj_new, which tail-calls it), and
# N / 10 = 200 rwlock rounds in each of two readers and one writer
t_report() {
	local want got
	[ -f "$W/race-1.trace" ] || { build && "$KS" record -q -o "$W/race-1.trace" -- "$W/race-ks" > /dev/null; } || return 1
	"$KS" report "$W/race-1.trace" > "$W/report.txt" || return 1
	for want in "pthread_mutex_lock 4000" "pthread_mutex_unlock 4000" \
		"pthread_create 14" "pthread_join 14" "calloc 5" "obj_new 4" "free 5" \
		"pthread_rwlock_rdlock 400" "pthread_rwlock_wrlock 200" \
		"pthread_rwlock_unlock 600"; do
		got=$(sed -n '/^# calls out/,$p' "$W/report.txt" | awk -v f="${want% *}" '$1 == f {print $1, $2}')
		[ "$got" = "$want" ] || die "calls out: want '$want', got '$got'" || return 1
	done
	# the wrapper's tail calls return with its callers' calls: every
	# object is known to be new, and every free names a known object
	"$KS" race "$W/race-1.trace" 2>&1 > /dev/null | grep -q " 5 allocations, 5 frees," ||
		die "allocations not all seen: $("$KS" race "$W/race-1.trace" 2>&1 > /dev/null)"
}

# with --calls, entries record their first two arguments: each thread
# started with an argument (uaf, reuse: 5 of them) enters its function
# with it, in a thread other than the creator's
t_entry_args() {
	[ -f "$W/race-1.trace" ] || { build && "$KS" record -q -o "$W/race-1.trace" -- "$W/race-ks" > /dev/null; } || return 1
	"$KS" script "$W/race-1.trace" > "$W/race-1.script" || return 1
	python3 - "$W/race-1.script" <<'PY'
import re, sys
creates, entries = [], {}
for line in open(sys.argv[1]):
    w = line.split()
    m = re.search(r"CALL_PRE pthread_create\(.*arg=(0x[0-9a-f]+)\)", line)
    if m and int(m.group(1), 16):
        creates.append((w[0], m.group(1)))
    m = re.search(r"^\s*(\d+) (\w+)\+0x0 ENTRY sp=\S+ args=(0x[0-9a-f]+),", line)
    if m:
        entries.setdefault(m.group(3), set()).add((m.group(1), m.group(2)))
bad = [a for tid, a in creates if not any(t != tid for t, f in entries.get(a, ()))]
print("%d threads created with an argument; %d entered with it elsewhere" %
      (len(creates), len(creates) - len(bad)))
sys.exit(1 if bad or len(creates) != 5 else 0)
PY
}

t_zlib() {
	local lib=/usr/lib/x86_64-linux-gnu/libz.a o=$W/zlib pre post
	[ -f "$lib" ] || { echo "SKIP: $lib is missing (apt-get install zlib1g-dev)"; return 4; }
	mkdir -p "$o"
	"$KS" instrument --calls --stats "$lib" -o "$o/libz-ks.a" > "$o/stats.txt" || return 1
	grep "calls out recorded" "$o/stats.txt" || die "no call sites" || return 1
	gcc -O2 -o "$o/native" "$top/tests/real/zlib-test.c" "$lib" || return 1
	gcc -O2 -o "$o/prog" "$top/tests/real/zlib-test.c" "$o/libz-ks.a" "$RT" -lpthread || return 1
	"$o/native" 16 > "$o/native.out" || return 1
	"$KS" record -q -o "$o/t.trace" -- "$o/prog" 16 > "$o/prog.out" || return 1
	cmp "$o/native.out" "$o/prog.out" || die "outputs differ" || return 1
	"$KS" script "$o/t.trace" | grep " CALL_P" > "$o/calls.txt"
	# a tail call (" tail") returns to the caller's caller: no CALL_POST
	pre=$(grep " CALL_PRE " "$o/calls.txt" | grep -vc " tail seq=")
	post=$(grep -c " CALL_POST " "$o/calls.txt")
	echo "CALL_PRE $pre, CALL_POST $post; callees: $(sed -n 's/.* CALL_PRE \([^(]*\)(.*/\1/p' "$o/calls.txt" | sort -u | tr '\n' ' ')"
	[ "$pre" -gt 0 ] && [ "$pre" -eq "$post" ] || die "CALL_PRE and CALL_POST do not pair" || return 1
	grep -q " CALL_PRE \(malloc\|memcpy\|memset\)(" "$o/calls.txt" || die "no call to the C library seen" || return 1
	# every CALL_PRE's ticket is below its CALL_POST's
	awk '/ CALL_PRE / && !/ tail seq=/{split($NF,a,"="); p=a[2]} / CALL_POST /{split($NF,a,"="); if (a[2] <= p) bad++} END {exit bad > 0}' \
		"$o/calls.txt" || die "a CALL_POST ticket is not after its CALL_PRE's" || return 1
	"$KS" race "$o/t.trace" 2> "$o/race.txt" || die "races reported in a single thread" || return 1
	# zlib allocates through zcalloc, which tail-calls calloc, through
	# strm->zalloc: every free must name an allocation seen
	cat "$o/race.txt"
	grep -q " \([1-9][0-9]*\) allocations, \1 frees," "$o/race.txt" ||
		die "frees of allocations not seen"
}

t_cxx() {
	local d=$top/tests/real/cxx o=$W/cxx
	mkdir -p "$o"
	g++ -O2 -c -o "$o/lib.o" "$d/lib.cc" || return 1
	"$KS" instrument --calls "$o/lib.o" -o "$o/lib-ks.o" || return 1
	g++ -O2 -o "$o/native" "$d/main.cc" "$o/lib.o" || return 1
	g++ -O2 -o "$o/prog" "$d/main.cc" "$o/lib-ks.o" "$RT" -lpthread || return 1
	"$o/native" > "$o/native.out" || return 1
	"$KS" record -q -o "$o/t.trace" -- "$o/prog" > "$o/prog.out" ||
		die "wrong results or terminate() with call records: $(cat "$o/prog.out")" || return 1
	# the program checks its results (its output has addresses)
	"$KS" script "$o/t.trace" > "$o/script.txt" || return 1
	"$B/readcover" "$o/prog.out" < "$o/script.txt" || return 1
	grep -q " CALL_PRE __cxa_throw(" "$o/script.txt" || die "no __cxa_throw call recorded"
}

# CALL_PRE of an indirect call records the target: through memory, a
# RIP-relative pointer and a register, against the addresses the
# program prints
t_indirect() {
	local o=$W/ind f want got
	mkdir -p "$o"
	gcc -O2 -c -o "$o/ind.o" "$top/tests/race/indirect.c" || return 1
	objdump -d "$o/ind.o" | grep -q "call  *\*0x0(%rip)" || die "no call through a RIP-relative pointer" || return 1
	"$KS" instrument --calls "$o/ind.o" -o "$o/ind-ks.o" || return 1
	gcc -o "$o/ind" "$o/ind-ks.o" "$RT" -lpthread || return 1
	"$KS" record -q -o "$o/t.trace" -- "$o/ind" > "$o/out.txt" || return 1
	"$KS" script "$o/t.trace" > "$o/script.txt" || return 1
	for f in via_mem via_rip via_reg; do
		want=$(awk -v f=$f '$1 == f {print $2}' "$o/out.txt")
		got=$(sed -n "s/.* $f+0x[0-9a-f]* CALL_PRE \*\(0x[0-9a-f]*\)(.*/\1/p" "$o/script.txt")
		echo "$f: called $want, recorded $got"
		[ -n "$want" ] && [ "$want" = "$got" ] || die "$f: target $got, not $want" || return 1
	done
}

t_nocalls() {
	local out
	build || return 1
	"$KS" instrument "$W/race.o" -o "$W/plain-ks.o" || return 1
	gcc -o "$W/plain" "$W/plain-ks.o" "$RT" -lpthread || return 1
	"$KS" record -q -o "$W/plain.trace" -- "$W/plain" counter > /dev/null || return 1
	out=$("$KS" race "$W/plain.trace" 2>&1)
	[ $? -eq 2 ] || die "exit status $? (2 expected)" || return 1
	echo "$out" | grep -q "plain.trace: no call records: instrument .* --calls" || die "unclear: $out"
}

ktest_run race-tsan t_tsan
ktest_run race-compare-selftest t_selftest
ktest_run race-report-calls t_report
ktest_run race-entry-args t_entry_args
ktest_run race-calls-zlib t_zlib
ktest_run race-calls-cxx t_cxx
ktest_run race-indirect-targets t_indirect
ktest_run race-no-calls t_nocalls
ktest_done race
