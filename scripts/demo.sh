#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo (make demo): trace every device access of Debian's own e1000
# driver inside a VM of Debian's own kernel (QEMU, software emulation)
# while it loads, brings its link up, pings 10.0.2.2, takes the link down
# and unloads; print accesses per BAR and the most touched registers.
# Leaves build/demo/e1000.mmiotrace (mmiotrace's text format), the full
# trace build/demo/e1000-mmio.trace and its timeline
# (build/demo/e1000-timeline.json for Perfetto, .svg for a browser).  Then the same for user space:
# Debian's libz.a, instrumented, compressing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh
echo "== building kstride"
make -s -j"$(nproc)"
B=build
D=$B/demo
mkdir -p "$D"

echo "== setting up the VM (Debian's kernel, headers, qemu, busybox)"
B=$top/build
. tests/vm/bed.sh
vm_bed
vm_kbuild kmod
rm -rf "$B/vmextra" && bash tests/vm/kstride-libs.sh "$B/kstride" "$B/vmextra"
echo 'sh /mnt/mmio-nic.sh e1000 e1000 0' > "$B/vm/demo.sh"
echo "== booting $krel: kstride record --mmio -m e1000 -- (load, link up, ping, link down, rmmod)"
bash tests/vm/run.sh -t 900 -q "-nic user,model=e1000" "$B/vm/demo.sh" \
	tests/vm/scenarios/mmio-nic.sh "$MODS/kmod/kstride.ko" \
	"$B/vmextra/kstride" "$B/vmextra/lib"
O=$B/vm/share/out
cp "$O/e1000.trace" "$D/e1000-mmio.trace"
cp "$O/e1000.mmiotrace" "$D/e1000.mmiotrace"
sed -n 's/^kstride record: /   /p; /bytes from\|packets transmitted/s/^/   /p' \
	"$O/scenario.log"
echo "== what e1000 did with its registers (kstride report --mmio --map scripts/maps/e1000.regs)"
$B/kstride report --mmio --map scripts/maps/e1000.regs "$D/e1000-mmio.trace" |
	awk '/^# registers, by/ { on = 1; print; next } on && /^$/ { exit } on' |
	awk 'NR <= 2 || ($3 != "" && $3 != "r")' | head -16 | sed 's/^/   /'
echo "   (all of it: kstride report --mmio --map scripts/maps/e1000.regs $D/e1000-mmio.trace)"
echo "== when, on which CPU, in which context (kstride timeline)"
$B/kstride timeline --map scripts/maps/e1000.regs "$D/e1000-mmio.trace" \
	-o "$D/e1000-timeline.json" --svg "$D/e1000-timeline.svg" 2>&1 | sed 's/^/   /'
echo "   (open the .json in https://ui.perfetto.dev, the .svg in any browser)"
echo "== the first accesses, in mmiotrace's format:"
grep -m 6 "^MAP\|^R \|^W " "$D/e1000.mmiotrace" | sed 's/^/   /'
echo "== and with the instruction that made each (kstride script):"
$B/kstride script "$D/e1000-mmio.trace" | grep -m 4 "MMIO_" | sed 's/^/   /'
echo "mmiotrace log: $D/e1000.mmiotrace"
echo "full trace:    $D/e1000-mmio.trace"
echo "timeline:      $D/e1000-timeline.json, $D/e1000-timeline.svg"

echo
echo "== user space too: Debian's libz.a, instrumented, compressing"
$B/kstride instrument /usr/lib/x86_64-linux-gnu/libz.a -o "$D/libz-ks.a"
gcc -O2 -o "$D/zlib-ks" tests/real/zlib-test.c "$D/libz-ks.a" $B/libkstride-rt.a -lpthread
$B/kstride record -o "$D/zlib.trace" -- "$D/zlib-ks" 16 > /dev/null
$B/kstride report "$D/zlib.trace" | head -8
echo "trace: $D/zlib.trace"
