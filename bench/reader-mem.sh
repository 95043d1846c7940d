#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-reader: the trace readers stream.  Records the zlib workload
# into a trace of about 4 GB (BENCH_READER_KB, default 512 KB of input),
# then reads it back with `kstride report` and prints the reader's peak
# resident memory, against the 256 MB it must stay under:
#   reader: trace 4.2 GB; report: peak RSS 21 MB in 38.1 s (limit 256 MB)
# A benchmark line, not a timed test.  The trace goes to build/bench (on
# disk: BENCH_READER_DIR to change) and is removed afterwards.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
KB=${BENCH_READER_KB:-512}
W=$B/bench
D=${BENCH_READER_DIR:-$W}
LIB=/usr/lib/x86_64-linux-gnu/libz.a
mkdir -p "$W" "$D"
T=$D/reader.trace
trap 'rm -f "$T"' EXIT

"$B/kstride" instrument "$LIB" -o "$W/libz-ks.a"
gcc -O2 -o "$W/zlib-ks" "$top/tests/real/zlib-test.c" "$W/libz-ks.a" "$B/libkstride-rt.a" -lpthread
echo "reader: recording the zlib workload on $KB KB into $T"
"$B/kstride" record -q -o "$T" -- "$W/zlib-ks" "$KB" > /dev/null
python3 - "$B/kstride" "$T" <<'PY'
import os, resource, subprocess, sys, time
ks, t = sys.argv[1], sys.argv[2]
size = os.path.getsize(t)
t0 = time.time()
p = subprocess.run([ks, "report", t], stdout=subprocess.PIPE)
dt = time.time() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
if p.returncode:
    sys.exit("reader: report failed")
events = p.stdout.decode().splitlines()[0]
print("reader: trace %.1f GB (%s); report: peak RSS %.0f MB in %.1f s (limit 256 MB)%s"
      % (size / 1e9, events.lstrip("# "), rss, dt, "" if rss < 256 else "  OVER"))
PY
