# SPDX-License-Identifier: GPL-2.0
# A kselftest-style harness for shell tests: ktest_run NAME FUNC runs one
# case and prints "ok N NAME" / "not ok N NAME" / "ok N NAME # SKIP reason";
# ktest_done prints the totals as "N passed, N failed, N skipped" and exits
# non-zero if anything failed.  A case skips by returning 4 after printing
# its reason on stdout as "SKIP: ...".
KTEST_N=0
KTEST_PASS=0
KTEST_FAIL=0
KTEST_SKIP=0
KTEST_LOG=${KTEST_LOG:-/tmp/ktest.$$.log}

ktest_run() {
	local name=$1 rc out
	shift
	KTEST_N=$((KTEST_N + 1))
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" > "$KTEST_LOG"
	if [ $rc -eq 0 ]; then
		KTEST_PASS=$((KTEST_PASS + 1))
		echo "ok $KTEST_N $name"
	elif [ $rc -eq 4 ]; then
		KTEST_SKIP=$((KTEST_SKIP + 1))
		echo "ok $KTEST_N $name # SKIP $(printf '%s\n' "$out" | sed -n 's/^SKIP: //p' | head -1)"
	else
		KTEST_FAIL=$((KTEST_FAIL + 1))
		echo "not ok $KTEST_N $name"
		printf '%s\n' "$out" | tail -40 | sed 's/^/#   /'
	fi
}

ktest_done() {
	echo "# $1: $KTEST_PASS passed, $KTEST_FAIL failed, $KTEST_SKIP skipped"
	KTEST_TOTAL_PASS=$KTEST_PASS
	[ $KTEST_FAIL -eq 0 ]
}

# Fail with a message.
die() {
	echo "FAIL: $*"
	return 1
}
