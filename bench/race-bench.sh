#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-race: what --calls costs, and how fast 'kstride race' reads.
#   1. the zlib workload (tests/real/zlib-test.c) native, with libz.a
#      instrumented, and instrumented --calls, each run ROUNDS times in
#      interleaved rounds (native, plain, calls, native, ...): the median,
#      the spread (max - min over median) and the ratios of medians;
#   2. 'kstride race' over a --calls trace of that workload and of
#      tests/race/race-user.c: events (accesses and calls) per second,
#      median of ROUNDS.
# Benchmark lines, not timed tests.  ROUNDS (default 5), BENCH_KB (64).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
ROUNDS=${ROUNDS:-5}
KB=${BENCH_KB:-64}
W=$B/bench/race
LIB=/usr/lib/x86_64-linux-gnu/libz.a
TDIR=/dev/shm
[ -d "$TDIR" ] && [ -w "$TDIR" ] || TDIR=$W
mkdir -p "$W"
RT=$B/libkstride-rt.a

gcc -O2 -o "$W/native" "$top/tests/real/zlib-test.c" "$LIB"
"$B/kstride" instrument "$LIB" -o "$W/libz-ks.a"
"$B/kstride" instrument --calls "$LIB" -o "$W/libz-calls.a"
gcc -O2 -o "$W/plain" "$top/tests/real/zlib-test.c" "$W/libz-ks.a" "$RT" -lpthread
gcc -O2 -o "$W/calls" "$top/tests/real/zlib-test.c" "$W/libz-calls.a" "$RT" -lpthread
gcc -O1 -g -c -o "$W/race.o" "$top/tests/race/race-user.c"
"$B/kstride" instrument --calls "$W/race.o" -o "$W/race-ks.o"
gcc -o "$W/race-ks" "$W/race-ks.o" "$RT" -lpthread

# seconds of one run of "$@"
t() {
	local t0=$EPOCHREALTIME
	"$@" > /dev/null 2>&1 || true
	python3 -c "print($EPOCHREALTIME - $t0)"
}

: > "$W/times.txt"
for r in $(seq "$ROUNDS"); do
	echo "native $(t "$W/native" "$KB")" >> "$W/times.txt"
	echo "plain $(t env -u KSTRIDE_OUTPUT "$W/plain" "$KB")" >> "$W/times.txt"
	echo "calls $(t env -u KSTRIDE_OUTPUT "$W/calls" "$KB")" >> "$W/times.txt"
done
"$B/kstride" record -q -o "$TDIR/race-bench-zlib.trace" -- "$W/calls" "$KB" > /dev/null
"$B/kstride" record -q -o "$TDIR/race-bench-user.trace" -- "$W/race-ks" > /dev/null
trap 'rm -f "$TDIR"/race-bench-*.trace' EXIT
for tr in zlib user; do
	"$B/kstride" race "$TDIR/race-bench-$tr.trace" > /dev/null 2> "$W/race-$tr.summary" || true
	for r in $(seq "$ROUNDS"); do
		echo "race-$tr $(t "$B/kstride" race -q "$TDIR/race-bench-$tr.trace")" >> "$W/times.txt"
	done
done
python3 - "$W/times.txt" "$W/race-zlib.summary" "$W/race-user.summary" "$KB" <<'PY'
import re, statistics, sys
times = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    times.setdefault(k, []).append(float(v))
med = {k: statistics.median(v) for k, v in times.items()}
def spread(k):
    return (max(times[k]) - min(times[k])) / med[k] * 100
for k in ("native", "plain", "calls"):
    print("bench-race: zlib %d KB %-6s median %.3fs min %.3fs spread %.0f%% (%d rounds)"
          % (int(sys.argv[4]), k, med[k], min(times[k]), spread(k), len(times[k])))
print("bench-race: zlib ratio_plain=%.2f ratio_calls=%.2f calls_over_plain=%.2f"
      % (med["plain"] / med["native"], med["calls"] / med["native"],
         med["calls"] / med["plain"]))
for tr, f in (("zlib", sys.argv[2]), ("user", sys.argv[3])):
    s = open(f).read()
    m = re.search(r"(\d+) accesses, (\d+) calls", s)
    if not m:
        sys.exit("bench-race: no summary from kstride race: " + s)
    ev = int(m.group(1)) + int(m.group(2))
    k = "race-" + tr
    print("bench-race: kstride race on %s: %d events, median %.3fs spread %.0f%%: %.1f M events/s"
          % (tr, ev, med[k], spread(k), ev / med[k] / 1e6))
PY
