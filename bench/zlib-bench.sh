#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the zlib workload, in one run, with the method issue 13 asks
# for (bench/stats.py): ROUNDS interleaved rounds, each running
#   native; kstride with the trace consumed and discarded (collect);
#   kstride writing the trace file to a tmpfs (file); and to build/bench
#   (disk, whatever disk that is),
# then min, median and spread of each, and every ratio as the median of
# the per-round ratios, with its spread.  Beside wall time, instruction
# counts from valgrind's callgrind, which a busy host does not change
# (the collect run is counted twice to show it), and valgrind lackey, the
# peer, once on a smaller input (scaled per input byte).  Ends with
#   bench: zlib ratio_collect=X ratio_file=Y lackey_ratio=Z bytes_per_event=B
# Environment: BENCH_KB (input, default 256), ROUNDS (default 5),
#   BENCH_CG_KB (callgrind's input, default 64), BENCH_LACKEY_KB (16),
#   BENCH_TRACE_DIR (the tmpfs: default /dev/shm).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
KB=${BENCH_KB:-256}
LKB=${BENCH_LACKEY_KB:-16}
ROUNDS=${ROUNDS:-5}
CGKB=${BENCH_CG_KB:-64}
ST=$top/bench/stats.py
W=$B/bench
TDIR=${BENCH_TRACE_DIR:-/dev/shm}
[ -d "$TDIR" ] && [ -w "$TDIR" ] || TDIR=$W
LIB=/usr/lib/x86_64-linux-gnu/libz.a
mkdir -p "$W" "$TDIR"

gcc -O2 -o "$W/zlib-native" "$top/tests/real/zlib-test.c" "$LIB"
"$B/kstride" instrument "$LIB" -o "$W/libz-ks.a"
gcc -O2 -o "$W/zlib-ks" "$top/tests/real/zlib-test.c" "$W/libz-ks.a" "$B/libkstride-rt.a" -lpthread

# seconds of one run of "$@", appended to the times file as LABEL ROUND S
run() {
	local label=$1 round=$2 t0 t1
	shift 2
	t0=$EPOCHREALTIME
	"$@" > /dev/null
	t1=$EPOCHREALTIME
	echo "$label $round $(python3 -c "print($t1 - $t0)")" >> "$W/times.txt"
}

# instructions executed (all threads), from callgrind:
#   irefs [ENV-ARGS...] -- PROGRAM ARGS...   (env(1)'s arguments)
irefs() {
	local pre=()
	while [ "$1" != "--" ]; do pre+=("$1"); shift; done
	shift
	env "${pre[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

: > "$W/times.txt"
for r in $(seq "$ROUNDS"); do
	echo "bench: round $r of $ROUNDS" >&2
	run native "$r" "$W/zlib-native" "$KB"
	run collect "$r" env -u KSTRIDE_OUTPUT "$W/zlib-ks" "$KB"
	# a new file each time: truncating the last 2 GB is not kstride's cost
	rm -f "$TDIR/bench.trace" "$W/bench.trace"
	run file "$r" env KSTRIDE_OUTPUT="$TDIR/bench.trace" "$W/zlib-ks" "$KB"
	run disk "$r" env KSTRIDE_OUTPUT="$W/bench.trace" "$W/zlib-ks" "$KB"
done
fbytes=$(stat -c %s "$TDIR/bench.trace")
rm -f "$TDIR/bench.trace" "$W/bench.trace"
# the event count (KSTRIDE_STATS=1 walks the records; the rounds do not)
stats=$(env -u KSTRIDE_OUTPUT KSTRIDE_STATS=1 "$W/zlib-ks" "$KB" 2>&1 >/dev/null | grep "kstride runtime")
events=$(echo "$stats" | sed 's/.*: \([0-9]*\) events.*/\1/')
[ -n "$events" ] && [ "$events" -gt 0 ] || { echo "bench: no event count from KSTRIDE_STATS" >&2; exit 1; }

echo "bench: instruction counts (callgrind, $CGKB KB)" >&2
irn=$(irefs -- "$W/zlib-native" "$CGKB")
irc1=$(irefs -u KSTRIDE_OUTPUT -- "$W/zlib-ks" "$CGKB")
irc2=$(irefs -u KSTRIDE_OUTPUT -- "$W/zlib-ks" "$CGKB")
irf=$(irefs KSTRIDE_OUTPUT="$TDIR/bench-cg.trace" -- "$W/zlib-ks" "$CGKB")
for v in "$irn" "$irc1" "$irc2" "$irf"; do
	[ -n "$v" ] || { echo "bench: callgrind printed no instruction count" >&2; exit 1; }
done
rm -f "$TDIR/bench-cg.trace"

echo "bench: valgrind lackey on $LKB KB (once: it is slow)" >&2
run native-small 1 "$W/zlib-native" "$LKB"
run lackey 1 valgrind --tool=lackey --trace-mem=yes --log-file=/dev/null "$W/zlib-native" "$LKB"

python3 "$ST" times "$W/times.txt" native collect file disk | sed 's/^/bench: /'
rc=$(python3 "$ST" ratio "$W/times.txt" collect native)
rf=$(python3 "$ST" ratio "$W/times.txt" file native)
rd=$(python3 "$ST" ratio "$W/times.txt" disk native)
python3 - "$rc" "$rf" "$rd" "$KB" "$events" "$fbytes" "$irn" "$irc1" "$irc2" "$irf" \
	"$W/times.txt" "$LKB" "$TDIR ($(stat -f -c %T "$TDIR"))" "$W ($(stat -f -c %T "$W"))" <<'PY'
import statistics, sys
rc, rf, rd = (a.split() for a in sys.argv[1:4])
kb, events, fbytes, irn, irc1, irc2, irf = map(int, sys.argv[4:11])
t = {}
for line in open(sys.argv[11]):
    k, _, v = line.split()
    t.setdefault(k, []).append(float(v))
lkb = int(sys.argv[12])
for name, r in (("collect", rc), ("file", rf), ("disk", rd)):
    print("bench: ratio %-7s median %s min %s spread %s%% over %s rounds (%s)"
          % (name, r[0], r[1], r[2], r[3], " ".join(r[4:])))
print("bench: trace file in %s; disk run into %s (its ratio is the disk's speed)"
      % (sys.argv[13], sys.argv[14]))
print("bench: %d events, %.1f MB file, %.1f M events/s collected (median)"
      % (events, fbytes / 1e6, events / statistics.median(t["collect"]) / 1e6))
print("bench: instructions native=%d collect=%d file=%d: ratio_collect=%.2f ratio_file=%.2f"
      % (irn, irc1, irf, irc1 / irn, irf / irn))
print("bench: callgrind counted the collect run twice: %d and %d (%.3f%% apart)"
      % (irc1, irc2, abs(irc1 - irc2) / irc1 * 100))
lackey = (t["lackey"][0] / lkb) / (statistics.median(t["native"]) / kb)
print("bench: lackey on %d KB: %.1fs" % (lkb, t["lackey"][0]))
print("bench: zlib ratio_collect=%s ratio_file=%s lackey_ratio=%.1f bytes_per_event=%.1f"
      % (rc[0], rf[0], lackey, fbytes / events))
PY
