#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The MMIO tests (part of make vmcheck): each NIC driver scenario recorded
# with kstride --mmio and compared with QEMU's own trace of the device,
# with -smp 2 (per-CPU order) and -smp 1 (total order); e1000 also under
# Debian's mmiotrace, after kstride and at the same time.  One boot per
# NIC model and CPU count.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
export B # tests/vm/run.sh boots from $B/vm, and the checks read its share there
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
vm_kbuild kmod edu piotest || exit 1
X=$B/vmextra
S=$B/vm/share/out
M=$top/tests/vm/mmio
SC=$top/tests/vm/scenarios/mmio-nic.sh
rm -f "$B/vm/mmio-fails.txt"
rc=0
# PREEMPT_RT runs interrupt handlers in threads (tests/vm/mmio/contexts.py)
THREADED=
grep -q "^CONFIG_PREEMPT_RT=y" "$KDIR/.config" && THREADED=--threaded
printf '%s\n' 'sh /mnt/mmio-edu.sh 20000; r=$?' 'sh /mnt/mmio-lies.sh > /mnt/out/lies.log 2>&1 || r=20' \
	'exit $r' > "$B/vm/mmio-edu-run.sh"

# KS_MMIO_SAMPLE=1 (a second kernel in the README's test command): e1000,
# 5-level paging, virtio-net, nvme and xhci; the rest in make vmcheck-full
full() { [ "${KS_MMIO_SAMPLE:-0}" != 1 ]; }
[ "${KS_MMIO_SAMPLE:-0}" = 1 ] &&
	echo "mmio: a sample: e1000, la57, virtio-net, nvme, xhci (make vmcheck-full runs every device)"

boot() { # NAME SMP MODEL SCENARIO-LINES [QEMU-ARGS]
	local name=$1 smp=$2 model=$3 lines=$4 q=$B/vm/qemu-$1.log
	rm -f "$q"
	printf '%s\n' "$lines" > "$B/vm/mmio-$name.sh"
	if ! bash "$top/tests/vm/run.sh" -t 900 -c "$smp" \
		-q "-nic user,model=$model -trace enable=memory_region_ops_*,file=$q ${5:-}" \
		"$B/vm/mmio-$name.sh" "$SC" "$MODS/kmod/kstride.ko" "$X/kstride" "$X/lib"; then
		echo "mmio: boot $name failed"; grep -v '^+' "$S/scenario.log" | tail -15
		bad
		return 1
	fi
	rm -rf "$B/vm/mmio-out-$name" && cp -r "$S" "$B/vm/mmio-out-$name"
}

fid() { # NAME BOOT TRACE SEGMENT VENDEV [--allow-none]
	local o=$B/vm/mmio-out-$2
	"$B/kstride" script "$o/$3.trace" > "$o/$3.script" &&
	python3 "$M/fidelity.py" ${6:-} "$1" "$B/vm/qemu-$2.log" "$4" "$5" \
		"$o/$3.mmiotrace" "$o/$3.script" || bad
}

# tl TRACE SCRIPT KINDS [--map FILE]: kstride timeline's JSON checked
# against the Trace Event Format and the trace (tlcheck.py, which must
# catch damage to it), its SVG rendered by headless Chromium and not blank
tl() {
	local tr=$1 sc=$2 kinds=$3 out=${1%.trace}-timeline py=python3
	shift 3
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3 # with python3-pil
	if "$B/kstride" timeline "$@" "$tr" -o "$out.json" --svg "$out.svg" &&
	   python3 "$top/tests/tools/tlcheck.py" --selftest "$@" "$out.json" "$sc" > "$out-check.txt" &&
	   $py "$top/tests/tools/svgshot.py" --selftest --expect "$kinds" "$out.svg" \
		"$out.png" > "$out-shot.txt"; then
		grep "^tlcheck: .*events, format valid" "$out-check.txt"
		head -1 "$out-shot.txt"
	else
		echo "timeline: $tr FAILED"; cat "$out-check.txt" "$out-shot.txt" 2>/dev/null | tail -12
		bad
	fi
}

if boot e1000 2 e1000 'sh /mnt/mmio-nic.sh e1000 e1000 1'; then
	o=$B/vm/mmio-out-e1000
	fid e1000 e1000 e1000 1 8086100e
	python3 "$M/contexts.py" $THREADED e1000 "$o/e1000.script" e1000_intr e1000_probe || bad
	# report's device table against a recount of script
	if "$B/kstride" report "$o/e1000.trace" > "$o/e1000.report" &&
	   python3 "$M/reportcount.py" "$o/e1000.script" "$o/e1000.report" > "$o/reportcount.txt"; then
		tail -1 "$o/reportcount.txt"
	else
		cat "$o/reportcount.txt"; bad
	fi
	# report --mmio's registers against a recount of script, placed in
	# the BARs of the PCIDEV lines (with the demo's e1000 register map)
	if "$B/kstride" report --mmio --format=csv --map "$top/scripts/maps/e1000.regs" \
		"$o/e1000.trace" > "$o/e1000-regs.csv" &&
	   python3 "$M/regcount.py" "$o/e1000.mmiotrace" "$o/e1000.script" \
		"$o/e1000-regs.csv" > "$o/regcount.txt"; then
		tail -1 "$o/regcount.txt"
	else
		cat "$o/regcount.txt"; bad
	fi
	# its timeline, registers named from the map; the SVG in a browser
	tl "$o/e1000.trace" "$o/e1000.script" task,mmio-read,mmio-write \
		--map "$top/scripts/maps/e1000.regs"
	# segment 2: mmiotrace alone; 3: both at once
	fid e1000+mmiotrace e1000 e1000-both 3 8086100e
	# that second recording loaded what the first made from the module
	# cache, and said what the first said of it (fid just checked it)
	n1=$(grep -h "e1000: [0-9]*/[0-9]* functions instrumented" "$o/scenario.log" | head -1)
	n2=$(grep -h "e1000: [0-9]*/[0-9]* functions instrumented" "$o/e1000-both-run.log" | head -1)
	if grep -q "instrumenting .*e1000" "$o/scenario.log" &&
	   grep -q "e1000.* loaded from the cache" "$o/e1000-both-run.log" &&
	   [ -n "$n1" ] && [ "$n1" = "$n2" ]; then
		echo "mmio: module cache: the second recording loaded e1000 from it (${n2#kstride record: })"
	else
		echo "mmio: module cache: the second recording did not load e1000 from it, or said otherwise ('$n1', '$n2')"; bad
	fi
	"$B/kstride" mmiotrace "$o/e1000-both.trace" > "$o/e1000-both.mmiotrace" &&
	python3 "$M/vs-mmiotrace.py" e1000 "$o/e1000-both-mmiotrace.log" \
		"$o/e1000-both.mmiotrace" || bad
	# a consumer's field rules (tests/tools/mmioparse.c): kstride's file
	# and the kernel's own log parse with nothing rejected, and identically
	"$B/mmioparse" "$o/e1000.mmiotrace" > /dev/null &&
	"$B/mmioparse" "$o/e1000-both.mmiotrace" "$o/parsed-kstride.txt" &&
	"$B/mmioparse" "$o/e1000-both-mmiotrace.log" "$o/parsed-mmiotrace.txt" || bad
	if cmp -s "$o/parsed-kstride.txt" "$o/parsed-mmiotrace.txt"; then
		echo "mmioparse: kstride's log and mmiotrace's parse identically ($(wc -l < "$o/parsed-kstride.txt") accesses), nothing rejected"
	else
		echo "mmioparse: kstride's log and mmiotrace's parse differently"; bad
	fi
	# one after the other: the device's state and timing differ between
	# runs (CTRL as the last driver left it, polls): information only
	python3 "$M/vs-mmiotrace.py" e1000-sequential "$o/e1000-mmiotrace.log" \
		"$o/e1000.mmiotrace" | sed -n 1p
fi
if [ -f "$B/vm/mmio-out-e1000/e1000-times.txt" ]; then
	awk '{t[$1] = $3 - $2} END {printf "mmiobench: e1000 scenario wall time: untraced %.2f s, kstride --mmio %.2f s, mmiotrace %.2f s\n", t["native"], t["kstride"], t["mmiotrace"]}' \
		"$B/vm/mmio-out-e1000/e1000-times.txt"
fi
if full; then
boot e1000-smp1 1 e1000 'sh /mnt/mmio-nic.sh e1000 e1000 0' &&
	fid e1000-smp1 e1000-smp1 e1000 1 8086100e
fi
# 5-level paging, where the kernel has it: QEMU's "max" CPU offers la57,
# and a vmalloc space far larger than the inline checks' window (the rest
# is the safety net's).  The VM must really run with 5 levels: its
# VmallocTotal is then more than 4-level paging's 32 TiB.
if grep -q "^CONFIG_X86_5LEVEL=y" "$KDIR/.config"; then
	if boot e1000-la57 2 e1000 'grep VmallocTotal /proc/meminfo > /mnt/out/meminfo.txt
sh /mnt/mmio-nic.sh e1000 e1000 0' "-cpu max"; then
		v=$(awk '{print $2}' "$B/vm/mmio-out-e1000-la57/meminfo.txt" 2>/dev/null)
		if [ -n "$v" ] && [ "$v" -gt $((32 << 30)) ]; then
			echo "mmio: la57: 5-level paging in use (VmallocTotal $v kB)"
			fid e1000-la57 e1000-la57 e1000 1 8086100e
		else
			echo "mmio: la57: the VM did not run with 5-level paging (VmallocTotal '${v}' kB)"; bad
		fi
	fi
fi
if full; then
# kstride diff: a trace against itself is the same (exit 0); the two boots
# differ (exit 1), in the DMA addresses the driver wrote among others
a=$B/vm/mmio-out-e1000/e1000.trace b=$B/vm/mmio-out-e1000-smp1/e1000.trace
if [ -f "$a" ] && [ -f "$b" ]; then
	"$B/kstride" diff "$a" "$a" > "$B/vm/diff-self.txt"; d1=$?
	"$B/kstride" diff --map "$top/scripts/maps/e1000.regs" "$a" "$b" > "$B/vm/diff-boots.txt"; d2=$?
	if [ $d1 = 0 ] && [ $d2 = 1 ] && grep -q "^- .*TDBAL 4 W " "$B/vm/diff-boots.txt" &&
	   grep -q "^+ .*TDBAL 4 W " "$B/vm/diff-boots.txt"; then
		echo "mmio-diff: self the same; two boots: $(tail -1 "$B/vm/diff-boots.txt")"
	else
		echo "mmio-diff: FAILED (self $d1, boots $d2)"; tail -3 "$B/vm/diff-boots.txt"; bad
	fi
fi
if boot rtl8139 2 rtl8139 'sh /mnt/mmio-nic.sh 8139cp cp 0
sh /mnt/mmio-nic.sh 8139too too 0 1
dmesg | grep -q "enhanced 8139C+ chip, use 8139cp" && echo 8139too-refused > /mnt/out/too-refused'; then
	fid 8139cp rtl8139 cp 1 10ec8139
	python3 "$M/contexts.py" $THREADED 8139cp "$B/vm/mmio-out-rtl8139/cp.script" cp_interrupt cp_open || bad
	"$B/mmioparse" "$B/vm/mmio-out-rtl8139/cp.mmiotrace" || bad
	# QEMU's rtl8139 is a C+ chip (revision 0x20): 8139too refuses it in
	# its probe, before any access; both sides must show none
	if [ -f "$B/vm/mmio-out-rtl8139/too-refused" ]; then
		fid 8139too rtl8139 too 3 10ec8139 --allow-none
	else
		echo "mmio: 8139too did not refuse QEMU's 8139C+"; bad
	fi
fi
boot rtl8139-smp1 1 rtl8139 'sh /mnt/mmio-nic.sh 8139cp cp 0' &&
	fid 8139cp-smp1 rtl8139-smp1 cp 1 10ec8139
fi
# virtio-net (modern only; ioeventfd off, or notify writes bypass QEMU's
# trace) with its whole module stack traced, in a VM with no other virtio
# device (run.sh -N): the class of the virtio-pci oops (a retpoline call
# through a register an MMIO check used).  The PCI core programs the
# MSI-X table itself: the safety net catches those (net=N).
# The stack's modules, as this kernel has them (modules.dep): 6.12 builds
# virtio and virtio_pci in, and then only virtio_net's part is a module.
MDEP=$B/vm/kernel/lib/modules/$krel/modules.dep
VMODS= VFILES=
for n in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
	 failover net_failover virtio_net; do
	p=$(sed -n "s|^\([^:]*/$n\.ko[.a-z]*\):.*|\1|p" "$MDEP" | head -1)
	[ -n "$p" ] || continue
	VMODS=$VMODS${VMODS:+,}$n
	VFILES="$VFILES $p"
done
echo "mmio: virtio-net: the stack's modules here: $VMODS"
case ",$VMODS," in
*,virtio_pci,*) ;;
*) echo "mmio: virtio-net: virtio_pci is built into $krel: its accesses for virtio_net come from no module (not covered yet)" ;;
esac
q=$B/vm/qemu-virtio-net.log
rm -f "$q"
printf 'sh /mnt/mmio-nic.sh %s virtio-net 0\n' "$VMODS" > "$B/vm/mmio-virtio-net.sh"
if KS_VM_MODULES="$VFILES" \
   bash "$top/tests/vm/run.sh" -N -t 900 -c 2 \
	-q "-device virtio-net-pci,disable-legacy=on,ioeventfd=off,netdev=n0,romfile= -netdev user,id=n0 -trace enable=memory_region_ops_*,file=$q" \
	"$B/vm/mmio-virtio-net.sh" "$SC" "$MODS/kmod/kstride.ko" "$X/kstride" "$X/lib" &&
   ! grep -q "Oops\|BUG:\|general protection" "$S/dmesg.txt"; then
	rm -rf "$B/vm/mmio-out-virtio-net" && cp -r "$S" "$B/vm/mmio-out-virtio-net"
	o=$B/vm/mmio-out-virtio-net
	"$B/kstride" script "$o/virtio-net.trace" > "$o/virtio-net.script" &&
	python3 "$M/fidelity.py" virtio-net "$q" 1 1af41041 \
		"$o/virtio-net.mmiotrace" "$o/virtio-net.script" || bad
else
	echo "mmio: the virtio-net boot failed"; grep -v '^+' "$S/scenario.log" | tail -15
	grep -A30 "BUG:\|Oops" "$S/dmesg.txt" | head -40
	bad
fi
# A storage controller and a USB host, each with its driver's whole
# module stack traced, in one boot: nvme (MSI-X; a disk read) and
# qemu-xhci with a USB keyboard (enumeration).  The truth is QEMU's trace.
DSC=$top/tests/vm/scenarios/mmio-dev.sh
q=$B/vm/qemu-storage-usb.log
img=$B/vm/nvme.img
rm -f "$q" "$img"
# a disk whose every sector says where it is: reads return known data
python3 -c "import sys
for i in range(16384): sys.stdout.buffer.write(b'kstride sector %08d ' % i + bytes(488))" > "$img"
cat > "$B/vm/mmio-storage-usb.sh" <<'EOS'
sh /mnt/mmio-dev.sh nvme_core,nvme nvme 'for i in $(seq 40); do [ -b /dev/nvme0n1 ] && break; sleep 0.5; done
dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=256 && head -c 23 /dev/nvme0n1; echo' || echo nvme-failed > /mnt/out/nvme-failed
sh /mnt/mmio-dev.sh usb_common,usbcore,xhci_hcd,xhci_pci xhci 'for i in $(seq 60); do [ -e /sys/bus/usb/devices/1-1/idVendor ] && break; sleep 0.5; done
cat /sys/bus/usb/devices/1-1/idVendor /sys/bus/usb/devices/1-1/product' || echo xhci-failed > /mnt/out/xhci-failed
EOS
if bash "$top/tests/vm/run.sh" -t 900 -c 2 \
	-q "-drive file=$img,if=none,id=nv0,format=raw -device nvme,serial=kstride0,drive=nv0 -device qemu-xhci,id=xhci -device usb-kbd,bus=xhci.0 -trace enable=memory_region_ops_*,file=$q" \
	"$B/vm/mmio-storage-usb.sh" "$DSC" "$MODS/kmod/kstride.ko" "$X/kstride" "$X/lib"; then
	rm -rf "$B/vm/mmio-out-storage-usb" && cp -r "$S" "$B/vm/mmio-out-storage-usb"
	o=$B/vm/mmio-out-storage-usb
	for d in nvme:1b360010 xhci:1b36000d; do
		n=${d%%:*}
		if [ -f "$o/$n-failed" ] || [ ! -f "$o/$n.trace" ]; then
			echo "mmio: $n: the scenario failed"; grep -v '^+' "$o/scenario.log" | tail -15
			bad
			continue
		fi
		"$B/kstride" script "$o/$n.trace" > "$o/$n.script" &&
		python3 "$M/fidelity.py" "$n" "$q" "$([ $n = nvme ] && echo 1 || echo 3)" "${d#*:}" \
			"$o/$n.mmiotrace" "$o/$n.script" || bad
		echo "mmio: $n: CPUs online while recording: $(cat "$o/$n-cpus.txt" 2>/dev/null)"
		grep "safety net:" "$o/$n-run.log" "$o/scenario.log" 2>/dev/null | head -1 | sed "s/^[^:]*:/mmio: $n: /"
	done
else
	echo "mmio: the storage and USB boot failed"; grep -v '^+' "$S/scenario.log" | tail -15
	grep -A30 "BUG:\|Oops" "$S/dmesg.txt" | head -40
	bad
fi
if full; then
# A display: bochs-display with fbcon drawing, drm_kms_helper and bochs
# traced (drm_kms_helper copies the console into VRAM).  By default the
# VRAM writes are counted, and the registers' accesses are exact; with
# --apertures they are recorded too: what that costs in trace and drops.
q=$B/vm/qemu-display.log
rm -f "$q"
cat > "$B/vm/mmio-display.sh" <<'EOS'
W='for i in $(seq 60); do [ -e /dev/fb0 ] && break; sleep 0.5; done
for i in $(seq 30); do echo "kstride draws line $i on the console, through fbcon, into VRAM" > /dev/tty1; done; sleep 2'
sh /mnt/mmio-dev.sh drm_kms_helper,bochs bochs "$W" || echo bochs-failed > /mnt/out/bochs-failed
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null
$KS record --mmio --apertures -m drm_kms_helper,bochs -k /mnt/kstride.ko -o /mnt/out/bochs-ap.trace -- sh -c "$W" > /mnt/out/bochs-ap-run.log 2>&1 || echo bochs-ap-failed > /mnt/out/bochs-ap-failed
dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null
$KS mmiotrace -o /mnt/out/bochs-ap.mmiotrace /mnt/out/bochs-ap.trace
ls -l /mnt/out/bochs.trace /mnt/out/bochs-ap.trace > /mnt/out/bochs-sizes.txt
EOS
if bash "$top/tests/vm/run.sh" -t 900 -c 2 \
	-q "-device bochs-display -trace enable=memory_region_ops_*,file=$q" \
	"$B/vm/mmio-display.sh" "$DSC" "$MODS/kmod/kstride.ko" "$X/kstride" "$X/lib"; then
	rm -rf "$B/vm/mmio-out-display" && cp -r "$S" "$B/vm/mmio-out-display"
	o=$B/vm/mmio-out-display
	if [ -f "$o/bochs-failed" ] || [ ! -f "$o/bochs.trace" ]; then
		echo "mmio: bochs: the scenario failed"; grep -v '^+' "$o/scenario.log" | tail -15
		bad
	else
		"$B/kstride" script "$o/bochs.trace" > "$o/bochs.script" &&
		python3 "$M/fidelity.py" bochs "$q" 1 12341111 "$o/bochs.mmiotrace" "$o/bochs.script" || bad
		grep -h "counted, not recorded\|safety net:" "$o/bochs-run.log" | sed 's/^/mmio: bochs: /'
		# the alternative, for information: every VRAM write recorded
		if [ -f "$o/bochs-ap.trace" ]; then
			"$B/kstride" script "$o/bochs-ap.trace" > "$o/bochs-ap.script"
			python3 "$M/fidelity.py" bochs--apertures "$q" 3 12341111 \
				"$o/bochs-ap.mmiotrace" "$o/bochs-ap.script" | grep "^mmio-fidelity.* order=" |
				sed 's/$/ (VRAM writes recorded: extra)/'
			grep -h "rings were full\|MB of records" "$o/bochs-ap-run.log" "$o/bochs-run.log" | sed 's/^/mmio: bochs: /'
		fi
	fi
else
	echo "mmio: the display boot failed"; grep -v '^+' "$S/scenario.log" | tail -15
	grep -A30 "BUG:\|Oops" "$S/dmesg.txt" | head -40
	bad
fi
# More than 64 CPUs: 72, each making device accesses at once (the net's
# test with ks_edu, short); every CPU's ring must be drained, and every
# CPU's accesses be there (tests/vm/mmio/net.py, per CPU)
cat > "$B/vm/mmio-smp72.sh" <<'EOS'
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
T=/sys/kernel/debug/ks_edu
O=/mnt/out
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o $O/edu-net.trace -- \
	sh -c "cat /sys/devices/system/cpu/online > $O/edu-net-cpus.txt &&
	       echo 20 > $T/net && cat $T/result > $O/edu-net.txt" 2> $O/edu-net.err
r=$?
cat $O/edu-net.err
dmesg | grep -E "WARNING|BUG:|Oops|general protection" && exit 9
exit $r
EOS
if bash "$top/tests/vm/run.sh" -t 900 -c 72 -m 2048 -q "-device edu" \
	"$B/vm/mmio-smp72.sh" "$MODS/kmod/kstride.ko" "$X/kstride" "$X/lib" \
	"$MODS/edu/ks_edu.ko"; then
	rm -rf "$B/vm/mmio-out-smp72" && cp -r "$S" "$B/vm/mmio-out-smp72"
	o=$B/vm/mmio-out-smp72
	"$B/kstride" script "$o/edu-net.trace" > "$o/edu-net.script" &&
	python3 "$M/net.py" "$o" > "$o/net.txt" || bad
	sed 's/^net-catches:/net-catches-smp72:/' "$o/net.txt"
	"$B/kstride" report "$o/edu-net.trace" > /dev/null || bad
	n=$(awk '{print $1}' "$o/edu-net.script" | sort -u | wc -l)
	echo "smp72: $(cat "$o/edu-net-cpus.txt") online; records from $n CPUs drained"
	[ "$n" -ge 72 ] || { echo "smp72: FAIL: not every CPU's ring was drained"; bad; }
else
	echo "mmio: the 72-CPU boot failed"; grep -v '^+' "$S/scenario.log" | tail -15; bad
fi
# QEMU's edu device: the benchmark, 1000 ioremap cycles, interrupts on
# every CPU, a full ring
X=$B/vmextra
rm -f "$B/vm/qemu-edu.log"
# the same module, instrumented here, with descriptors that lie
"$B/kstride" instrument --mmio "$MODS/edu/ks_edu.ko" -o "$B/vm/ks_edu-mmio.ko" > /dev/null 2>&1 &&
	python3 "$M/lie.py" "$B/vm/ks_edu-mmio.ko" "$B/vm/ks_edu-lies.ko" || bad
if bash "$top/tests/vm/run.sh" -t 1200 \
	-q "-device edu -device pci-testdev -trace enable=memory_region_ops_*,file=$B/vm/qemu-edu.log" \
	"$B/vm/mmio-edu-run.sh" \
	"$top/tests/vm/scenarios/mmio-edu.sh" "$MODS/kmod/kstride.ko" "$X/kstride" \
	"$X/lib" "$MODS/edu/ks_edu.ko" "$MODS/piotest/ks_pio.ko" \
	"$MODS/piotest/ks_piohelp.ko" "$top/tests/vm/scenarios/mmio-lies.sh" \
	"$B/vm/ks_edu-lies.ko"; then
	rm -rf "$B/vm/mmio-out-edu" && cp -r "$S" "$B/vm/mmio-out-edu"
	"$B/kstride" script "$B/vm/mmio-out-edu/edu-robust.trace" > "$B/vm/mmio-out-edu/edu-robust.script" &&
	python3 "$M/edu.py" "$B/vm/mmio-out-edu" "$B/vm/qemu-edu.log" || bad
	"$B/kstride" script "$B/vm/mmio-out-edu/edu-net.trace" > "$B/vm/mmio-out-edu/edu-net.script" &&
	python3 "$M/net.py" "$B/vm/mmio-out-edu" || bad
	# the port I/O a native helper makes for the traced driver, against
	# QEMU's account (the last stretch between markers) and the module's
	o=$B/vm/mmio-out-edu
	"$B/kstride" script "$o/pio.trace" > "$o/pio.script" &&
	python3 "$M/fidelity.py" pio "$B/vm/qemu-edu.log" -2 1b360005 "$o/pio.mmiotrace" "$o/pio.script" || bad
	# port registers too, the net's catches among them
	"$B/kstride" report --mmio --format=csv "$o/pio.trace" > "$o/pio-regs.csv" &&
	python3 "$M/regcount.py" "$o/pio.mmiotrace" "$o/pio.script" "$o/pio-regs.csv" | tail -1 &&
	python3 "$M/regcount.py" "$o/pio.mmiotrace" "$o/pio.script" "$o/pio-regs.csv" > /dev/null || bad
	tl "$o/pio.trace" "$o/pio.script" task,pio
	# kstride diff on two bring-ups that differ in one known register
	# write (ks_edu probe_live=0x1111, then 0x2222): exactly that change
	"$B/kstride" diff "$o/edu-live-0x1111.trace" "$o/edu-live-0x1111.trace" > "$o/diff-live-self.txt"
	d0=$?
	"$B/kstride" diff "$o/edu-live-0x1111.trace" "$o/edu-live-0x2222.trace" > "$o/diff-live.txt"
	d1=$?
	if [ $d0 = 0 ] && [ $d1 = 1 ] && [ "$(grep -c '^- ' "$o/diff-live.txt")" = 1 ] &&
	   [ "$(grep -c '^+ ' "$o/diff-live.txt")" = 1 ] &&
	   grep -q '^- .* BAR0+0x0004 4 W 0x1111  edu_probe$' "$o/diff-live.txt" &&
	   grep -q '^+ .* BAR0+0x0004 4 W 0x2222  edu_probe$' "$o/diff-live.txt" &&
	   grep -q '^diff: 1 hunk;' "$o/diff-live.txt"; then
		echo "mmio-diff: one known register write changed: found exactly it ($(grep '^[-+] ' "$o/diff-live.txt" | tr -s ' ' | cut -d' ' -f1,4-7 | tr '\n' ';'))"
	else
		echo "mmio-diff: probe_live FAILED (self $d0, changed $d1)"; cat "$o/diff-live.txt" | head -20; bad
	fi
	python3 "$M/pio.py" "$o" || bad
	python3 "$M/lies.py" "$o" || bad
else
	echo "mmio: the edu boot failed"; grep -v '^+' "$S/scenario.log" | tail -15; bad
fi
fi
vm_fails_line mmio | tee "$B/vm/mmio-fails.txt"
exit $rc
