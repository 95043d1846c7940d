#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: build the libFuzzer target with ASan/UBSan and run it for a
# bounded time on a corpus seeded with real objects and the bad inputs.
# usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
SECS=${2:-60}
W=$B/fuzz
mkdir -p "$W/obj" "$W/corpus" "$W/crashes"
command -v clang > /dev/null || { echo "fuzz: SKIP: clang is not installed"; exit 0; }
CFLAGS="-O1 -g -std=gnu11 -D_GNU_SOURCE -I$top/include -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
objs=
for src in $(cd "$top" && ls lib/util/*.c lib/elf/*.c lib/arch/x86/*.c lib/rewrite/*.c); do
	o=$W/obj/$(echo "$src" | tr / _).o
	if [ ! -f "$o" ] || [ "$top/$src" -nt "$o" ]; then
		clang $CFLAGS -c -o "$o" "$top/$src"
	fi
	objs="$objs $o"
done
clang $CFLAGS -fsanitize=fuzzer -o "$W/fuzz-rewrite" "$top/tests/fuzz/fuzz-rewrite.c" $objs -lelf -lZydis
# seeds: real objects of every shape we support, and the bad inputs
if [ -z "$(ls -A "$W/corpus")" ]; then
	(cd "$W/corpus" && ar x /usr/lib/x86_64-linux-gnu/libz.a adler32.o crc32.o compress.o zutil.o)
	gcc -c -o "$W/corpus/fixtures.o" "$top/tests/golden/fixtures.S"
	gcc -c -o "$W/corpus/unknown.o" "$top/tests/bad/unknown.S"
	gcc -c -o "$W/corpus/overlap.o" "$top/tests/bad/overlap.S"
	# kernel modules exercise the metadata tables (extable, jump labels,
	# ORC, alternatives...): small ones, if the VM bed was set up
	find "$B/vm/kernel/lib/modules" -name '*.ko' -size -48k 2>/dev/null |
		head -12 | while read -r ko; do cp "$ko" "$W/corpus/"; done
	find "$B"/vm/kernels/*/mods/ktest -name kstride_test.ko 2>/dev/null |
		head -1 | while read -r ko; do cp "$ko" "$W/corpus/"; done
fi
# C++: .eh_frame with personality and LSDAs, call-site tables (cfi.c)
if [ ! -f "$W/corpus/cxx-lib.o" ] && command -v g++ > /dev/null; then
	g++ -O2 -c -o "$W/corpus/cxx-lib.o" "$top/tests/real/cxx/lib.cc"
	lib=$(g++ -print-file-name=libsupc++.a)
	[ -f "$lib" ] && (cd "$W/corpus" && ar x "$lib" eh_personality.o dyncast.o eh_globals.o) || true
fi
echo "fuzz: running fuzz-rewrite for ${SECS}s"
"$W/fuzz-rewrite" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
	-artifact_prefix="$W/crashes/" -print_final_stats=1 "$W/corpus" 2>&1 |
	grep -E "^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|ERROR|SUMMARY" | tail -5
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	echo "fuzz: FAILED, reproducer in $W/crashes/"
	exit 1
fi
echo "fuzz: no crash in ${SECS}s"
