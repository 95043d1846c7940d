#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every host test suite, then one total line.
# usage: tests/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
pass=0 fail=0 skip=0

suite() {
	local out
	out=$("$@" 2>&1 | tee >(cat >&2) | grep -E '^# [a-z0-9-]+: [0-9]+ passed')
	while read -r _ _ p _ f _ s _; do
		pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	done <<< "$out"
	[ -n "$out" ] || fail=$((fail + 1))
}

suite "$B/tests/unit/test-x86"
suite "$B/tests/unit/test-kdecode"
suite "$B/tests/unit/test-kring"
suite "$B/tests/unit/test-twrite"
suite "$B/tests/unit/test-sem"
suite "$B/tests/unit/test-race"
suite "$B/tests/unit/test-fcache"
obj=$B/tests/unit/elf-sample.o
gcc -O2 -c -o "$obj" "$top/tests/real/zlib-test.c"
suite "$B/tests/unit/test-elf" "$obj"
suite "$B/tests/unit/test-decomp" "$obj"
suite bash "$top/tests/golden/run.sh" "$B"
suite bash "$top/tests/real/run.sh" "$B"
suite bash "$top/tests/bad/run.sh" "$B"
suite bash "$top/tests/doctor/run.sh" "$B"
suite bash "$top/tests/install/run.sh" "$B"
suite bash "$top/tests/man/run.sh" "$B"
suite bash "$top/tests/race/run.sh" "$B"
suite bash "$top/tests/ibt/run.sh" "$B"
echo "check: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
