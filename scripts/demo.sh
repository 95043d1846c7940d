#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo: trace Debian's own e1000 driver inside a VM of Debian's own
# kernel (QEMU, software emulation) while it brings its link up and pings,
# then show where its memory accesses went.  Also traces Debian's libz.a
# in user space.  Leaves build/demo/e1000.trace and build/demo/zlib.trace.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh
make -s -j"$(nproc)"
B=build
D=$B/demo
mkdir -p "$D"

echo "== setting up the VM (Debian's kernel, headers, qemu, busybox)"
krel=$(bash tests/vm/setup.sh "$B")
make -s -C "/usr/src/linux-headers-$krel" M="$top/kmod" modules 2>&1 |
	grep -v "version generation failed\|asm-prototypes\|Skipping BTF" || true
rm -rf "$B/vmextra" && bash tests/vm/kstride-libs.sh "$B/kstride" "$B/vmextra"
echo "== booting $krel; kstride record -m e1000 -- (link up, ping 10.0.2.2)"
bash tests/vm/run.sh -t 600 -q "-nic user,model=e1000" \
	tests/vm/scenarios/e1000-record.sh kmod/kstride.ko \
	"$B/vmextra/kstride" "$B/vmextra/lib"
cp "$B/vm/share/out/e1000.trace" "$D/e1000.trace"
sed -n 's/^kstride record: /   /p; /bytes from/s/^/   /p' "$B/vm/share/out/scenario.log"
echo "== kstride report $D/e1000.trace (top 15 functions)"
$B/kstride report "$D/e1000.trace" | head -17
echo "== busiest instructions into vmalloc space: the BAR through ioremap, and"
echo "   kernel stacks (push/pop/call/ret are left out; telling MMIO apart exactly"
echo "   is the next step, with ioremap tracking)"
$B/kstride script "$D/e1000.trace" |
	awk '$5 ~ /^0xffffc9/ && $0 !~ / stack/ { n[$2 " " $3 " " $4]++ }
	END { for (k in n) print n[k], k }' | sort -rn | head -8
echo "trace: $D/e1000.trace"

echo
echo "== user space too: Debian's libz.a, instrumented, compressing"
$B/kstride instrument /usr/lib/x86_64-linux-gnu/libz.a -o "$D/libz-ks.a"
gcc -O2 -o "$D/zlib-ks" tests/real/zlib-test.c "$D/libz-ks.a" $B/libkstride-rt.a -lpthread
$B/kstride record -o "$D/zlib.trace" -- "$D/zlib-ks" 16 > /dev/null
$B/kstride report "$D/zlib.trace" | head -8
echo "trace: $D/zlib.trace"
