#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The corpus sweep: instrument every module on the host (sweep-host.sh),
# then, in one VM boot, load and unload each candidate that loads natively
# without hardware (crypto, lib, fs, net and friends).  Ends with
#   sweep: instrumented=N/M functions, loaded=K/L modules
# where L counts candidates that load natively and K those that also load
# and unload instrumented with a clean dmesg.
# usage: tests/vm/sweep.sh [BUILD_DIR] [MAX_CANDIDATES]
# KS_SWEEP_SAMPLE=N instruments every Nth module on the host (and every
# candidate), for a second kernel in the README's test command.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
export B # tests/vm/run.sh boots from $B/vm
MAX=${2:-400}
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
M=$B/vm/kernel/lib/modules/$krel/kernel
# the candidates: modules that load without hardware, the first MAX
for d in crypto lib fs net/ipv4 net/ipv6 net/netfilter net/sched net/core drivers/md drivers/block drivers/char; do
	[ -d "$M/$d" ] || continue
	find "$M/$d" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | sort
done | head -n "$MAX" > "$B/sweep-candidates.txt"
# KS_SWEEP_SAMPLE=N: the host half over every Nth module and the candidates
KS_SWEEP_KEEP=$B/sweep-candidates.txt bash "$top/tests/vm/sweep-host.sh" "$B" > "$B/sweep-host.log" 2>&1
hostrc=$?
cat "$B/sweep-host.log" | grep "^sweep-host:"
W=$B/sweep
L=$W/vmlist
rm -rf "$L" && mkdir -p "$L/ko"
: > "$L/list.txt"
while read -r p; do
	# sweep-host.sh wrote a plain .ko for a compressed one
	rel=$(echo "${p#"$M"/}" | sed 's/\.ko\.[a-z]*$/.ko/')
	[ -f "$W/ko/$rel" ] || continue
	name=$(basename "$rel" .ko | tr - _)
	mkdir -p "$L/ko/$(dirname "$rel")"
	cp "$W/ko/$rel" "$L/ko/$rel"
	echo "$name $rel" >> "$L/list.txt"
done < "$B/sweep-candidates.txt"
[ "${SWEEP_PREPARE_ONLY:-0}" = 1 ] && exit $hostrc
vm_kbuild kmod 2> /dev/null || exit 1
bash "$top/tests/vm/run.sh" -t 1500 "$top/tests/vm/scenarios/sweep.sh" \
	"$MODS/kmod/kstride.ko" "$L/list.txt" "$L/ko"
vmrc=$?
R=$B/vm/share/out/sweep.txt
cp "$R" "$W/sweep-vm.txt" 2>/dev/null
native=$(grep -vc " native-fail" "$R")
ok=$(grep -c " ok$" "$R")
grep -vE " (ok|native-fail)" "$R" | head -20
inst=$(sed -n 's/^sweep-host: instrumented=\([0-9]*\/[0-9]*\).*/\1/p' "$B/sweep-host.log")
echo "sweep: instrumented=$inst functions, loaded=$ok/$native modules"
[ $hostrc -eq 0 ] && [ $vmrc -eq 0 ] && [ "$ok" -eq "$native" ] && [ "$ok" -ge 150 ]
