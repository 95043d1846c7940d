#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fidelity/run.sh LIB: compare kstride's per-instruction access counts
# with an independent oracle, valgrind's lackey, on a real library.
#
#   LIB = zlib    /usr/lib/x86_64-linux-gnu/libz.a,       tests/real/zlib-test.c 8
#         sqlite  /usr/lib/x86_64-linux-gnu/libsqlite3.a, tests/real/sqlite-test.c 200
#
# Environment: FIDELITY_OUT (build dir, default build/fidelity under the
# tree), FIDELITY_ARG (the workload's argument), KSTRIDE_BUILD (where
# kstride and libkstride-rt.a are, default build/; this script does not run
# make), CC (default gcc).
#
# Steps:
#  1. native program: linked non-PIE (-no-pie) with -Wl,-Map, so valgrind's
#     instruction addresses are the map's link-time addresses and no load
#     base has to be subtracted;
#  2. instrumented program: every member of the archive instrumented, linked
#     as usual (PIE) with the runtime;
#  3. attrib.py: from the map and the original members (readelf, objdump),
#     FUNCTION+0xOFF of each native instruction, the address ranges of the
#     library's code, and the instructions with GOT-relative operands;
#  4. the native program under valgrind --tool=lackey --trace-mem=yes; its
#     log (hundreds of MB of text) goes through a pipe into lackey-agg and is
#     never written to disk;
#  5. the instrumented program under kstride record, then report --by-insn;
#  6. both programs must print the same stdout;
#  7. compare.py compares every instruction: kind (lackey L, S, M = kstride
#     R, W, U), size and count, after four normalisations of lackey's side
#     documented there (GOT-slot loads, and three artefacts of valgrind's
#     translation: register-only bt*, dead pops, locked read-modify-writes;
#     valgrind-quirks.sh shows the latter on valgrind-quirks.S).
#
# Prints mismatches and what was normalised on stderr and, last, exactly one
# line on stdout:
#	fidelity: LIB MATCHED/TOTAL instructions
# Exits 0 only when MATCHED == TOTAL, both runs succeeded and their outputs
# are identical.  A missing prerequisite (valgrind, the kstride build, the
# library, a tool) is an error, never a skip: it exits 1 with a message
# saying what to do, without a result line, since there is no result.
# Once both programs are built the result line is always printed, even when
# a run fails (its side then compares as empty).

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=${1:-}
libdir=/usr/lib/x86_64-linux-gnu

case "$lib" in
zlib)
	archive=$libdir/libz.a
	src=$root/tests/real/zlib-test.c
	arg=${FIDELITY_ARG:-8}
	pkg=zlib1g-dev
	;;
sqlite)
	archive=$libdir/libsqlite3.a
	src=$root/tests/real/sqlite-test.c
	arg=${FIDELITY_ARG:-200}
	pkg=libsqlite3-dev
	;;
*)
	echo "usage: $0 zlib|sqlite" >&2
	exit 2
	;;
esac

out=${FIDELITY_OUT:-$root/build/fidelity}
ksb=${KSTRIDE_BUILD:-$root/build}
kstride=$ksb/kstride
rt=$ksb/libkstride-rt.a
cc=${CC:-gcc}
libs=(-lm -lpthread -ldl)
status=0

# no result to print: say why and what to do
fail() {
	echo "fidelity: $lib: FAILED: $*" >&2
	exit 1
}

command -v valgrind >/dev/null ||
	fail "valgrind not installed (apt-get install valgrind, or" \
		"scripts/install-deps.sh)"
valgrind --version >/dev/null 2>&1 || fail "valgrind does not run"
for c in "$cc" python3 objdump readelf ar cmp diff; do
	command -v "$c" >/dev/null ||
		fail "$c not installed (scripts/install-deps.sh)"
done
for f in "$kstride" "$rt"; do
	[ -s "$f" ] || fail "$f missing: build kstride first (make -C $root)," \
		"or point KSTRIDE_BUILD at a build"
done
[ -x "$kstride" ] || fail "$kstride is not executable"
[ -e "$archive" ] || fail "$archive missing (apt-get install $pkg)"
[ -e "$src" ] || fail "$src missing"
mkdir -p "$out" || fail "cannot create $out"
p=$out/$lib
agg=$out/lackey-agg-$lib

"$cc" -O2 -Wall -o "$agg" "$here/lackey-agg.c" ||
	fail "cannot build lackey-agg"

# 1. native, non-PIE, with a link map
"$cc" -O2 -no-pie -o "$p-native" "$src" "$archive" "${libs[@]}" \
	-Wl,-Map="$p-native.map" || fail "native link failed"

# 2. instrumented
"$kstride" instrument "$archive" -o "$p-ks.a" || fail "kstride instrument failed"
"$cc" -O2 -o "$p-ks" "$src" "$p-ks.a" "$rt" "${libs[@]}" ||
	fail "instrumented link failed"

# 3. attribution
rm -rf "$p-attr"
python3 "$here/attrib.py" "$p-native.map" "$archive" "$p-attr" ||
	fail "attribution failed"

# 4. lackey, streamed: valgrind's log goes to fd 9 = the pipe, the
#    program's stdout to a file
valgrind --tool=lackey --trace-mem=yes --log-fd=9 \
	"$p-native" "$arg" 9>&1 >"$p-native.out" |
	"$agg" -i "$p-attr/ranges.txt" >"$p-lackey.txt"
st=("${PIPESTATUS[@]}")
[ "${st[0]}" = 0 ] || { echo "fidelity: $lib: native run under valgrind exited ${st[0]}" >&2; status=1; }
[ "${st[1]:-0}" = 0 ] || { echo "fidelity: $lib: lackey-agg exited ${st[1]}" >&2; status=1; }
grep -q ' I ' "$p-lackey.txt" || {
	echo "fidelity: $lib: lackey traced no instruction of the library" \
		"(valgrind --tool=lackey broken?)" >&2
	status=1
}

# 5. kstride; a failed run is compared as an empty report (all mismatches)
rm -f "$p.trace"
"$kstride" record -o "$p.trace" -- "$p-ks" "$arg" >"$p-ks.out"
rc=$?
[ $rc = 0 ] || { echo "fidelity: $lib: instrumented run exited $rc" >&2; status=1; }
: >"$p-kstride.txt"
if [ -s "$p.trace" ]; then
	"$kstride" report --by-insn "$p.trace" >"$p-kstride.txt" || {
		echo "fidelity: $lib: kstride report failed" >&2
		: >"$p-kstride.txt"
		status=1
	}
fi

# 6. same output
if ! cmp -s "$p-native.out" "$p-ks.out"; then
	echo "fidelity: $lib: native and instrumented stdout differ:" >&2
	diff "$p-native.out" "$p-ks.out" | head -10 >&2
	status=1
fi

# 7. compare; its last stdout line is the result
python3 "$here/compare.py" "$lib" "$p-attr" "$p-lackey.txt" \
	"$p-kstride.txt" >"$p-result.txt"
rc=$?
if ! grep -q "^fidelity: $lib [0-9]*/[0-9]* instructions\$" "$p-result.txt"; then
	cat "$p-result.txt"
	fail "compare.py failed (exit $rc) without a result"
fi
cat "$p-result.txt"
[ $rc = 0 ] || status=1
exit $status
