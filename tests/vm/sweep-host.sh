#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The corpus sweep, host half: 'kstride instrument' over every .ko of
# Debian's kernel package.  Per-module stats go to build/sweep/stats/,
# outputs to build/sweep/ko/ (same tree), failures to build/sweep/fail.txt.
# Ends with: sweep-host: instrumented=N/M functions, modules ok=K/L, crashes=C
# usage: tests/vm/sweep-host.sh [BUILD_DIR] [JOBS]
# KS_SWEEP_SAMPLE=N: only every Nth module, and the paths in KS_SWEEP_KEEP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
J=${2:-$(nproc)}
krel=$(bash "$top/tests/vm/setup.sh" "$B") || exit 1
M=$B/vm/kernel/lib/modules/$krel/kernel
W=$B/sweep
rm -rf "$W" && mkdir -p "$W/stats" "$W/ko"
export KS=$B/kstride M W

one() {
	local rel=${1#"$M"/} out st rc
	# (6.12 ships .ko.xz: the output is a plain .ko of the same name)
	out=$W/ko/$(echo "$rel" | sed 's/\.ko\.[a-z]*$/.ko/')
	st=$W/stats/$(echo "$rel" | tr / _).txt
	mkdir -p "$(dirname "$out")"
	timeout 120 "$KS" instrument --stats "$1" -o "$out" > "$st" 2> "$st.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "$rc $rel $(head -c 300 "$st.err" | tr '\n' ' ')" >> "$W/fail.txt"
	fi
}
export -f one
find "$M" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' |
	sort > "$W/list.txt"
# a sample: every Nth module, and those the VM half loads (KS_SWEEP_KEEP)
N=${KS_SWEEP_SAMPLE:-1}
if [ "$N" -gt 1 ]; then
	all=$(wc -l < "$W/list.txt")
	{ awk -v n="$N" 'NR % n == 0' "$W/list.txt"; cat "${KS_SWEEP_KEEP:-/dev/null}"; } |
		sort -u > "$W/list.sample" && mv "$W/list.sample" "$W/list.txt"
	echo "sweep-host: a sample of $(wc -l < "$W/list.txt") of $all modules: every ${N}th and the VM's candidates"
fi
total=$(wc -l < "$W/list.txt")
echo "sweep-host: $total modules, $J jobs" >&2
xargs -P "$J" -I{} bash -c 'one "$@"' _ {} < "$W/list.txt"
touch "$W/fail.txt"
crashes=$(awk '$1 >= 124' "$W/fail.txt" | wc -l)
failed=$(wc -l < "$W/fail.txt")
cat "$W"/stats/*.txt | awk '
	/^functions:/ { f += $2 }
	/^  instrumented:/ { i += $2 }
	/^    [a-z-]+ +[0-9]+$/ { r[$1] += $2 }
	END {
		for (k in r) printf "sweep-host: left original: %-32s %d\n", k, r[k]
		printf "sweep-host: instrumented=%d/%d functions (%.2f%%)\n", i, f, f ? 100 * i / f : 0
	}' | sort
echo "sweep-host: modules ok=$((total - failed))/$total, crashes=$crashes"

# MMIO mode over the same modules: the functions that may reach a device
# and stay original, by reason (instrument names each in a warning)
one_mmio() {
	local rel=${1#"$M"/} tmp
	tmp=$(mktemp "$W/mmio.XXXXXX")
	timeout 120 "$KS" instrument --mmio "$1" -o "$tmp" 2>&1 > /dev/null |
		grep " left original (" > "$W/mmio-lost/$(echo "$rel" | tr / _).txt"
	[ "${PIPESTATUS[0]}" -lt 124 ] || echo "$rel" >> "$W/mmio-crash.txt"
	rm -f "$tmp"
}
export -f one_mmio
mkdir -p "$W/mmio-lost"
xargs -P "$J" -I{} bash -c 'one_mmio "$@"' _ {} < "$W/list.txt"
mcrash=$(cat "$W/mmio-crash.txt" 2>/dev/null | wc -l)
cat "$W"/mmio-lost/*.txt | sed -n 's/.* left original (\([^)]*\)).*/\1/p' | sort | uniq -c |
	awk '{n = $1; $1 = ""; printf "sweep-mmio: left original, may reach a device:%s %d\n", $0, n}'
echo "sweep-mmio: $(cat "$W"/mmio-lost/*.txt | wc -l) functions that may reach a device left original, $mcrash crashes, over $total modules"
[ "$crashes" -eq 0 ] && [ "$mcrash" -eq 0 ]
