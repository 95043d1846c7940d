#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's kernel in QEMU (TCG) with a busybox initramfs and run one
# scenario script inside; its files come back through the 9p share.
# usage: tests/vm/run.sh [-t SECONDS] [-c CPUS] [-m MB] [-q 'QEMU ARGS'] [-N] SCENARIO [FILES...]
#   -N: no virtio in the VM (to trace the virtio drivers themselves): the
#   files travel in the initramfs, with the modules KS_VM_MODULES names
#   (paths under lib/modules/RELEASE, with modules.dep), and /mnt/out comes
#   back as a tar over a second serial port.
#   SCENARIO runs as /mnt/scenario.sh; FILES are copied next to it; what the
#   scenario writes to /mnt/out lands in build/vm/share/out.  The console is
#   in build/vm/console.log.  Exit status: the scenario's, or 124 on timeout.
#   KS_VM_APPEND adds kernel parameters (e.g. "ignore_loglevel" to debug).
#   With -N the kernel's check for unhandled interrupts is off
#   (noirqdebug): on PREEMPT_RT the second port's interrupt is threaded,
#   and while the tar streams out (the UART drains at once under TCG) most
#   of its interrupts find nothing left to do; the kernel then disabled
#   IRQ 3 as a stuck line and the results never came back.
#   A soft lockup panics the VM at once, with every CPU's backtrace on the
#   console, instead of running into the time limit.  tsc=unstable: TCG's
#   TSC drifts against the HPET, and the clocksource watchdog then turns
#   the sched_clock static key in the middle of a test; 6.12 died of an
#   int3 left by that text_poke_bp under load (6.1 gave the TSC up while
#   booting).  So both give it up at boot.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
V=$B/vm
T=600 CPUS=2 MEM=1024 QEXTRA= NOVIRTIO=
while getopts "t:c:m:q:N" o; do
	case $o in
	N) NOVIRTIO=1 ;;
	t) T=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	m) MEM=$OPTARG ;;
	q) QEXTRA=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-t s] [-c cpus] [-q args] SCENARIO [FILES...]" >&2; exit 2; }
krel=$(bash "$top/tests/vm/setup.sh" "$B")
K=$V/kernel
M=$K/lib/modules/$krel

S=$V/share
rm -rf "$S" && mkdir -p "$S/out"
cp "$1" "$S/scenario.sh"
[ -s "$V/kallsyms-$krel" ] || touch "$S/.kallsyms-wanted"
shift
for f in "$@"; do
	cp -r "$f" "$S/"
done

# initramfs: busybox, /init and the modules that mount the share
I=$V/initramfs
rm -rf "$I" && mkdir -p "$I/bin" "$I/modules"
cp /bin/busybox "$I/bin/busybox"
ln -s busybox "$I/bin/sh"
cp "$top/tests/vm/init" "$I/init"
chmod +x "$I/init"
# virtio-pci, 9p over virtio and what they need, by the kernel's own
# modules.dep (a dependency line lists the last to load first); built-in
# ones are skipped, compressed ones (.ko.xz, .ko.zst) unpacked; /init
# loads them in the order of modules/order
: > "$I/modules/order"
want() { # PATH, relative to $M, as modules.dep spells it
	local n
	n=$(basename "$1" | sed 's/\.ko\(\.[a-z]*\)\?$//')
	grep -qx "$n" "$I/modules/order" && return 0
	case $1 in
	*.ko) cp "$M/$1" "$I/modules/$n.ko" ;;
	*.ko.xz) xz -dc "$M/$1" > "$I/modules/$n.ko" ;;
	*.ko.zst) zstd -qdc "$M/$1" > "$I/modules/$n.ko" ;;
	*.ko.gz) gzip -dc "$M/$1" > "$I/modules/$n.ko" ;;
	*) echo "vm: $1: a module of an unknown kind" >&2; exit 1 ;;
	esac
	echo "$n" >> "$I/modules/order"
}
for n in virtio_pci 9pnet_virtio 9p; do
	line=$(grep -m1 "/$n\.ko[.a-z]*:" "$M/modules.dep" || true)
	if [ -z "$line" ]; then
		grep -q "/$n\.ko" "$M/modules.builtin" ||
			{ echo "vm: $krel has no $n, as a module or built in" >&2; exit 1; }
		continue
	fi
	for dep in $(echo "${line#*:}" | tr ' ' '\n' | tac); do
		want "$dep"
	done
	want "${line%%:*}"
done
VIRTFS="-virtfs local,path=$S,mount_tag=share,security_model=none,id=share
	-virtfs local,path=$K/lib/modules,mount_tag=modules,security_model=none,readonly=on,id=mods"
if [ -n "$NOVIRTIO" ]; then
	rm -f "$I"/modules/*
	cp -r "$S" "$I/mnt"
	mkdir -p "$I/lib/modules/$krel"
	cp "$M"/modules.dep "$M"/modules.alias "$M"/modules.builtin* "$I/lib/modules/$krel/"
	for m in ${KS_VM_MODULES:-}; do
		mkdir -p "$I/lib/modules/$krel/$(dirname "$m")"
		cp "$M/$m" "$I/lib/modules/$krel/$m"
	done
	rm -f "$V/out.b64"
	# the console on the first serial port, the results on the second
	VIRTFS="-serial stdio -serial file:$V/out.b64"
fi
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) > "$V/initramfs.cpio.gz"


echo "vm: booting $krel, $CPUS CPUs, TCG, limit ${T}s" >&2
# a hang is read before the time limit ends it: every vCPU's place
mon=$V/monitor.sock
rm -f "$mon" "$V/hang.txt"
# (killed with its sleep by the trap: a fresh minimal system has no pkill)
( trap 'kill $s 2> /dev/null; exit 0' TERM
  sleep $((T > 30 ? T - 15 : T / 2)) & s=$!
  wait $s &&
  python3 "$top/tests/vm/tools/hangdump.py" "$mon" "$S/out/.kallsyms" "$V/kallsyms-$krel" \
	"$CPUS" > "$V/hang.txt" 2>&1 ) 2> /dev/null &
dumper=$!
set +e
t0=$SECONDS
timeout --foreground "$T" qemu-system-x86_64 -monitor unix:"$mon",server,nowait -accel tcg -m "$MEM" -smp "$CPUS" \
	-kernel "$K/boot/vmlinuz-$krel" -initrd "$V/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=5 nokaslr preempt=full softlockup_panic=1 softlockup_all_cpu_backtrace=1 tsc=unstable ${NOVIRTIO:+ks_novirtio noirqdebug} ${KS_VM_APPEND:-}" \
	-nographic -no-reboot -nic none $VIRTFS \
	$QEXTRA < /dev/null > "$V/console.log" 2>&1
qrc=$?
echo "vm: ran $((SECONDS - t0)) s of its ${T} s limit" >&2
if [ -n "$NOVIRTIO" ] && [ -s "$V/out.b64" ]; then
	# (the guest's tty ends lines with \r\n: -i passes over the \r)
	base64 -di "$V/out.b64" 2> /dev/null | tar -x -C "$S/out" 2> /dev/null ||
		echo "vm: the results sent over the serial port are damaged" >&2
fi
[ -s "$S/out/.kallsyms" ] && mv "$S/out/.kallsyms" "$V/kallsyms-$krel"
kill $dumper 2> /dev/null # and its sleep (its trap)
wait $dumper 2>/dev/null
set -e
if [ $qrc -eq 124 ]; then
	cp "$V/console.log" "$V/console-failed-$(date +%s).log"
	echo "vm: TIMEOUT after ${T}s; the console ended with:" >&2
	tail -30 "$V/console.log" >&2
	if [ -s "$V/hang.txt" ]; then
		cp "$V/hang.txt" "$V/hang-$(date +%s).txt"
		echo "vm: where each vCPU was (build/vm/hang-*.txt):" >&2
		grep "^=== vCPU\|^  " "$V/hang.txt" | head -60 >&2
	fi
	exit 124
fi
rc=$(sed -n 's/.*KSTRIDE-VM: done rc=\([0-9]*\).*/\1/p' "$V/console.log" | tail -1)
if [ -z "$rc" ]; then
	# kept for later: the next boot overwrites console.log
	cp "$V/console.log" "$V/console-failed-$(date +%s).log"
	echo "vm: the scenario did not finish (qemu status $qrc); the console ended with:" >&2
	if grep -q "soft lockup\|NMI backtrace" "$V/console.log"; then
		# every CPU's backtrace, from the first report on
		sed -n '/soft lockup\|NMI backtrace/,$p' "$V/console.log" | head -150 >&2
	else
		tail -30 "$V/console.log" >&2
	fi
	exit 1
fi
exit "$rc"
