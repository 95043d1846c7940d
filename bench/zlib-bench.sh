#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the zlib workload, in one run,
#   native; kstride with the trace consumed and discarded; kstride writing
#   the trace file; valgrind lackey (smaller input, scaled per input byte).
# Prints the times and ends with
#   bench: zlib ratio_collect=X ratio_file=Y lackey_ratio=Z bytes_per_event=B
# Each time is the best of $REPS runs.  Environment:
#   BENCH_KB (input size, default 256), BENCH_LACKEY_KB (default 16),
#   BENCH_TRACE_DIR (where the trace file goes: default /dev/shm, a tmpfs,
#   so that the figure is kstride's cost and not the disk's; the same run
#   is also timed into build/bench, on whatever disk that is).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
KB=${BENCH_KB:-256}
LKB=${BENCH_LACKEY_KB:-16}
REPS=${REPS:-3}
W=$B/bench
TDIR=${BENCH_TRACE_DIR:-/dev/shm}
[ -d "$TDIR" ] && [ -w "$TDIR" ] || TDIR=$W
LIB=/usr/lib/x86_64-linux-gnu/libz.a
mkdir -p "$W" "$TDIR"

gcc -O2 -o "$W/zlib-native" "$top/tests/real/zlib-test.c" "$LIB"
"$B/kstride" instrument "$LIB" -o "$W/libz-ks.a"
gcc -O2 -o "$W/zlib-ks" "$top/tests/real/zlib-test.c" "$W/libz-ks.a" "$B/libkstride-rt.a" -lpthread

# best wall time in seconds of REPS runs of "$@"
best() {
	local i t0 t1 b=
	for i in $(seq "$REPS"); do
		t0=$EPOCHREALTIME
		"$@" > /dev/null
		t1=$EPOCHREALTIME
		b=$(python3 -c "t=$t1-$t0; b='$b'; print(t if not b or t < float(b) else b)")
	done
	echo "$b"
}

tn=$(best "$W/zlib-native" "$KB")
tc=$(best env -u KSTRIDE_OUTPUT "$W/zlib-ks" "$KB")
tf=$(best env KSTRIDE_OUTPUT="$TDIR/bench.trace" "$W/zlib-ks" "$KB")
stats=$(env -u KSTRIDE_OUTPUT KSTRIDE_STATS=1 "$W/zlib-ks" "$KB" 2>&1 >/dev/null | grep "kstride runtime")
events=$(echo "$stats" | sed 's/.*: \([0-9]*\) events.*/\1/')
fbytes=$(stat -c %s "$TDIR/bench.trace")
rm -f "$TDIR/bench.trace"
td=$(best env KSTRIDE_OUTPUT="$W/bench.trace" "$W/zlib-ks" "$KB")
rm -f "$W/bench.trace"
tnl=$(best "$W/zlib-native" "$LKB")
REPS=1
tl=$(best valgrind --tool=lackey --trace-mem=yes --log-file=/dev/null "$W/zlib-native" "$LKB")

python3 - "$tn" "$tc" "$tf" "$tl" "$KB" "$LKB" "$events" "$fbytes" "$tnl" "$td" \
	"$TDIR ($(stat -f -c %T "$TDIR"))" "$W ($(stat -f -c %T "$W"))" <<'PY'
import sys
tn, tc, tf, tl = map(float, sys.argv[1:5])
kb, lkb, events, fbytes = map(int, sys.argv[5:9])
tnl, td = float(sys.argv[9]), float(sys.argv[10])
print("bench: trace file in %s: %.3fs; in %s: %.3fs (ratio %.2f, the disk's speed)"
      % (sys.argv[11], tf, sys.argv[12], td, td / tn))
print("bench: zlib workload %d KB: native %.3fs, kstride collect %.3fs, kstride file %.3fs (%.1f MB)"
      % (kb, tn, tc, tf, fbytes / 1e6))
print("bench: lackey on %d KB: %.3fs (native %.4fs on that input)" % (lkb, tl, tnl))
print("bench: %d events, %.1f M events/s collected" % (events, events / tc / 1e6))
lackey_ratio = (tl / lkb) / (tn / kb)
print("bench: zlib ratio_collect=%.2f ratio_file=%.2f lackey_ratio=%.1f bytes_per_event=%.1f"
      % (tc / tn, tf / tn, lackey_ratio, fbytes / events))
PY
