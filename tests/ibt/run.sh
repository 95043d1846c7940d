#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The IBT plugin (tests/tools/ibtwatch.c), which make vmcheck's IBT boot
# trusts to find an indirect branch that lands without an endbr64, checked
# on a program of known answer under QEMU's user-mode emulator: three
# calls through a pointer to ibt_good (endbr64), one to ibt_bad (none).
# usage: tests/ibt/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
W=$B/tests/ibt
mkdir -p "$W"
n=0 pass=0 fail=0
t() { # NAME COND...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $name"; pass=$((pass + 1)); else echo "not ok $n $name"; fail=$((fail + 1)); fi
}
echo "TAP version 13"
gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$W/ibtwatch.so" "$top/tests/tools/ibtwatch.c" &&
gcc -O2 -fcf-protection=full -static -no-pie -o "$W/prog" "$top/tests/ibt/prog.c" ||
	{ echo "not ok 1 build"; echo "# ibt: 0 passed, 1 failed, 0 skipped"; exit 1; }
addr() { nm "$W/prog" | awk -v s="$1" '$3 == s {print $1}' | sed 's/^0*/0x/'; }
end() { nm -S "$W/prog" | awk -v s="$1" '$4 == s {print $1, $2}' | { read -r a z; printf '%#x' $((0x$a + 0x$z)); }; }
good=$(addr ibt_good) bad=$(addr ibt_bad) main=$(addr main)
# the range: main to the end of the two functions, not the C library's
# start-up and exit code (which has indirect targets without endbr64)
lo=$main
hi=$(end ibt_good)
[ $(($(end ibt_bad))) -gt $((hi)) ] && hi=$(end ibt_bad)
rm -f "$W/watch.txt"
qemu-x86_64 -plugin "$W/ibtwatch.so,lo=$lo,hi=$hi,out=$W/watch.txt" "$W/prog" > "$W/prog.out"
t "the program runs under the plugin" grep -qx 9 "$W/prog.out"
t "ibt_good reached 3 times, on its endbr64" grep -q "^T $good 3 1$" "$W/watch.txt"
t "ibt_bad reached once without one" grep -q "^T $bad 1 0$" "$W/watch.txt"
t "exactly one violation, at ibt_bad" [ "$(grep -c '^V ' "$W/watch.txt")" = 1 ]
t "...whose target is ibt_bad" grep -q "^V 0x[0-9a-f]* $bad$" "$W/watch.txt"
t "the header counts it" grep -q "^ibtwatch: .* violations=1 " "$W/watch.txt"
echo "# ibt: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
