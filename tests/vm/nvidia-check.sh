#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vmcheck-nvidia: NVIDIA's binary driver (Debian's nvidia-kernel-dkms,
# built for the VM's kernel), instrumented on the host with --stats, then
# in one boot without a GPU: loaded natively under ftrace, and recorded by
# kstride in full and in MMIO mode (tests/vm/scenarios/nvidia.sh).
# tests/vm/nvidia/check.py compares them.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
export B # tests/vm/run.sh boots from $B/vm, and the checks read its share there
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
NV=$(bash "$top/tests/vm/nvidia/setup.sh" "$B") || exit 1
vm_kbuild kmod || exit 1
rc=0
for mode in full mmio; do
	flag=
	[ $mode = mmio ] && flag=--mmio
	"$B/kstride" instrument $flag --stats "$NV" -o "$B/nvidia-ks-$mode.ko" \
		> "$B/nvidia-stats-$mode.txt" 2> "$B/nvidia-warn-$mode.txt" || {
		echo "vmcheck-nvidia: instrument $flag failed:"; cat "$B/nvidia-warn-$mode.txt"; exit 1; }
	"$B/relcheck" "$B/nvidia-ks-$mode.ko" > /dev/null ||
		{ echo "vmcheck-nvidia: relcheck of the $mode-mode nvidia.ko failed"; bad; }
	# functions left original for a reason other than "nothing to record"
	left=$(awk '/^    / && !/mmio: no device access/ {n += $NF} END {print n + 0}' \
		"$B/nvidia-stats-$mode.txt")
	echo "vmcheck-nvidia: instrument $flag: $(sed -n 's/^  instrumented: *//p' "$B/nvidia-stats-$mode.txt") of $(sed -n 's/^functions: *//p' "$B/nvidia-stats-$mode.txt") functions instrumented, $left left original for a reason"
	[ "$left" -eq 0 ] || { sed -n '/left original/,/^instructions/p' "$B/nvidia-stats-$mode.txt"; bad; }
done
X=$B/vmextra-nvidia
rm -rf "$X" && bash "$top/tests/vm/kstride-libs.sh" "$B/kstride" "$X" || exit 1
gcc -static -O2 -o "$X/finit" "$top/tests/vm/progs/finit.c" || exit 1
bash "$top/tests/vm/run.sh" -t 1200 -m 3072 "$top/tests/vm/scenarios/nvidia.sh" \
	"$MODS/kmod/kstride.ko" "$NV" "$X/kstride" "$X/lib" "$X/finit" || bad
python3 "$top/tests/vm/nvidia/check.py" "$B/vm/share/out" "$NV" "$B/kstride" || bad
vm_fails_line vmcheck-nvidia
exit $rc
