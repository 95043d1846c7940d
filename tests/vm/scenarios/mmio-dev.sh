# SPDX-License-Identifier: GPL-2.0
# MMIO fidelity for one PCI device with its driver's whole module stack
# traced (MODS, comma-separated, dependencies first): recorded by kstride
# --mmio while WORK exercises the device; kstride record loads the
# modules, and unloads them after WORK.  Marker reads of port 0x80
# delimit the stretch in QEMU's own trace (tests/vm/mmio/fidelity.py).
#   usage: mmio-dev.sh MODS NAME WORK
MODS=$1 NAME=$2 WORK=$3
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
O=/mnt/out
mark() { dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null; }
cat > /tmp/work-$NAME.sh <<EOS
set -x
cat /sys/devices/system/cpu/online > $O/$NAME-cpus.txt
$WORK
EOS
insmod /mnt/kstride.ko nsub=160 || exit 1
mark
$KS record --mmio -m "$MODS" -k /mnt/kstride.ko -o $O/$NAME.trace -- \
	sh /tmp/work-$NAME.sh > $O/$NAME-run.log 2>&1
rc=$?
mark
cat $O/$NAME-run.log
echo "kstride: rc=$rc"
$KS mmiotrace -o $O/$NAME.mmiotrace $O/$NAME.trace || exit 1
$KS report --mmio $O/$NAME.trace > $O/$NAME.report || exit 1
rmmod kstride 2>/dev/null
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 5
exit $rc
