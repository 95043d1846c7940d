# SPDX-License-Identifier: GPL-2.0
# MMIO fidelity for one NIC driver (MODS: the modules, comma-separated;
# the last one drives the NIC): load, link up, ping 10.0.2.2, link down,
# rmmod - recorded by kstride --mmio, then (MMIOTRACE=1) the same under
# Debian's mmiotrace.  Marker reads of port 0x80 delimit the stretches in
# QEMU's own trace of the device (tests/vm/mmio/fidelity.py).
MODS=$1 NAME=$2 MMIOTRACE=${3:-0}
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
O=/mnt/out
mark() { dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null; }
cat > /tmp/traffic.sh <<EOS
set -x
for m in \$(echo $MODS | tr , ' '); do modprobe \$m || exit 1; done
ip link set eth0 up || exit 1
ip addr add 10.0.2.15/24 dev eth0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "\$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && break
	sleep 1
done
ping -c 3 -W 5 10.0.2.2 || exit 2
ip link set eth0 down
for m in \$(echo $MODS | tr , ' ' | awk '{for (i = NF; i > 0; i--) print \$i}'); do
	rmmod \$m || exit 3
done
EOS
# kstride record loads the modules itself: the script's modprobe sees them
mark
$KS record --mmio -m "$MODS" -k /mnt/kstride.ko -o $O/$NAME.trace -- sh /tmp/traffic.sh
rc=$?
mark
echo "kstride: rc=$rc"
$KS mmiotrace -o $O/$NAME.mmiotrace $O/$NAME.trace || rc=1
[ $rc = 0 ] || exit $rc
if [ "$MMIOTRACE" = 1 ]; then
	T=/sys/kernel/debug/tracing
	echo 65536 > $T/buffer_size_kb
	echo mmiotrace > $T/current_tracer || exit 4
	cat $T/trace_pipe > $O/$NAME-mmiotrace.log &
	pid=$!
	sh /tmp/traffic.sh > $O/$NAME-mmiotrace-run.log 2>&1
	rc=$?
	sleep 1
	kill $pid
	wait $pid 2>/dev/null
	echo nop > $T/current_tracer
	echo "mmiotrace: rc=$rc, CPUs online $(cat /sys/devices/system/cpu/online)"
	mark
fi
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 5
exit $rc
