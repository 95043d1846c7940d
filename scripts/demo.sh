#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo: instrument Debian's own libz.a, link a program with it, record
# every memory access while it compresses and decompresses, and show where
# they went.  Leaves the trace in build/demo/zlib.trace.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh
make -s -j"$(nproc)"
B=build
D=$B/demo
mkdir -p "$D"
echo "== instrumenting /usr/lib/x86_64-linux-gnu/libz.a"
$B/kstride instrument --stats /usr/lib/x86_64-linux-gnu/libz.a -o "$D/libz-ks.a" | sed 's/^/   /'
gcc -O2 -o "$D/zlib-native" tests/real/zlib-test.c /usr/lib/x86_64-linux-gnu/libz.a
gcc -O2 -o "$D/zlib-ks" tests/real/zlib-test.c "$D/libz-ks.a" $B/libkstride-rt.a -lpthread
echo "== recording"
$B/kstride record -o "$D/zlib.trace" -- "$D/zlib-ks" 16 > "$D/ks.out"
"$D/zlib-native" 16 > "$D/native.out"
cmp -s "$D/ks.out" "$D/native.out" && echo "   the instrumented program printed exactly what the native one prints"
echo "== kstride report $D/zlib.trace (top 12)"
$B/kstride report "$D/zlib.trace" | head -14
echo "== kstride report --by-insn: the busiest instructions"
$B/kstride report --by-insn "$D/zlib.trace" | sort -k4 -n -r | head -8
echo "== kstride script: the first events"
$B/kstride script "$D/zlib.trace" | head -12
echo "trace: $D/zlib.trace"
