#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IBT at run time, for kernels built with CONFIG_X86_KERNEL_IBT (part of
# make vmcheck there).  TCG does not enforce IBT, so QEMU runs with the
# ibtwatch plugin (tests/tools/ibtwatch.c), which checks every indirect
# branch's landing place for an endbr64, as a CPU with IBT would.  One
# boot: e1000 and the test module instrumented, then the test module with
# one copy's endbr64 broken (tests/vm/scenarios/ibt.sh), which must be
# caught.  spectre_v2=off: indirect calls are then real indirect calls,
# not retpolines (a ret, which IBT does not check), as on the CPUs that
# have IBT (eIBRS).
# usage: tests/vm/ibt-check.sh [BUILD_DIR]   (make vmcheck-ibt)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
export B
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
I=$B/ibt
rc=0
rm -rf "$I" && mkdir -p "$I"
vm_kbuild kmod ktest || exit 1
bash "$top/tests/vm/kstride-libs.sh" "$B/kstride" "$I/x" || exit 1
K=$B/vm/kernel/lib/modules/$krel/kernel
e1000=$(ls "$K"/drivers/net/ethernet/intel/e1000/e1000.ko* 2> /dev/null | head -1)
"$B/kstride" instrument "$e1000" -o "$I/e1000-ks.ko" > /dev/null &&
"$B/kstride" instrument "$MODS/ktest/kstride_test.ko" -o "$I/ks-kstride_test.ko" > /dev/null ||
	{ echo "ibt: instrument failed"; exit 1; }
gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$I/ibtwatch.so" "$top/tests/tools/ibtwatch.c" ||
	{ echo "ibt: the plugin does not build"; exit 1; }
"$B/ibtcheck" --break truth_show "$I/ks-kstride_test.ko" "$I/ks-ibt-broken.ko" ||
	{ echo "ibt: cannot break truth_show's endbr64"; exit 1; }
w=$I/ibtwatch.txt
rm -f "$w"
# the module space: MODULES_VADDR (0xffffffffa0000000, or 0xffffffffc0000000
# with KASLR's larger image) to MODULES_END; run.sh boots with nokaslr,
# which leaves the kernel's own text below
KS_VM_APPEND="spectre_v2=off" bash "$top/tests/vm/run.sh" -t 900 \
	-q "-nic user,model=e1000 -plugin $I/ibtwatch.so,lo=0xffffffffa0000000,hi=0xffffffffff000000,out=$w" \
	"$top/tests/vm/scenarios/ibt.sh" "$MODS/kmod/kstride.ko" "$I/e1000-ks.ko" \
	"$I/ks-kstride_test.ko" "$I/ks-ibt-broken.ko" "$I/x/kstride" "$I/x/lib" ||
	{ echo "ibt: the boot failed"; grep -v '^+' "$B/vm/share/out/scenario.log" 2>/dev/null | tail -15; bad; }
python3 "$top/tests/vm/ibt/check.py" "$w" "$B/vm/share/out" "$I/e1000-ks.ko" \
	"$I/ks-kstride_test.ko" "$I/ks-ibt-broken.ko" || bad
vm_fails_line ibt
exit $rc
