# SPDX-License-Identifier: GPL-2.0
# MMIO fidelity for one NIC driver (MODS: the modules, comma-separated;
# the last one drives the NIC): load, link up, ping 10.0.2.2, link down,
# rmmod - recorded by kstride --mmio, then (MMIOTRACE=1) the same under
# Debian's mmiotrace.  Marker reads of port 0x80 delimit the stretches in
# QEMU's own trace of the device (tests/vm/mmio/fidelity.py).
MODS=$1 NAME=$2 MMIOTRACE=${3:-0} NODEV=${4:-0}
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
up() { cut -d' ' -f1 /proc/uptime; }
# rings that hold a whole scenario (5 MiB a CPU): under mmiotrace, one
# CPU single-steps every access and the reader falls behind
insmod /mnt/kstride.ko nsub=160 || exit 1
# kstride record loads the modules itself: the script's modprobe sees them
mark
t0=$(up)
$KS record --mmio -m "$MODS" -k /mnt/kstride.ko -o $O/$NAME.trace -- sh /tmp/traffic.sh
rc=$?
t1=$(up)
mark
echo "kstride: rc=$rc"
echo "kstride $t0 $t1" > $O/$NAME-times.txt
$KS mmiotrace -o $O/$NAME.mmiotrace $O/$NAME.trace || exit 1
# a driver that refuses the device (8139too on QEMU's 8139C+: NODEV=1)
# has no eth0; its recording is still checked, against QEMU's account
[ $rc = 0 ] || { [ "$NODEV" = 1 ] && [ $rc = 1 ]; } || exit $rc
mmiotrace_on() {
	T=/sys/kernel/debug/tracing
	echo 65536 > $T/buffer_size_kb
	echo mmiotrace > $T/current_tracer || exit 4
	cat $T/trace_pipe > $1 &
	pid=$!
}
mmiotrace_off() {
	sleep 1
	kill $pid
	wait $pid 2>/dev/null
	echo nop > $T/current_tracer
	echo "mmiotrace: CPUs online $(cat /sys/devices/system/cpu/online)"
}
if [ "$MMIOTRACE" = 1 ]; then
	# the same scenario under Debian's mmiotrace alone
	mmiotrace_on $O/$NAME-mmiotrace.log
	t0=$(up)
	sh /tmp/traffic.sh > $O/$NAME-mmiotrace-run.log 2>&1 || rc=6
	t1=$(up)
	mmiotrace_off
	echo "mmiotrace $t0 $t1" >> $O/$NAME-times.txt
	mark
	# and both at once: mmiotrace sees the very accesses kstride.ko makes
	# for the module, and any the module would make behind its back
	mmiotrace_on $O/$NAME-both-mmiotrace.log
	$KS record --mmio -m "$MODS" -k /mnt/kstride.ko -o $O/$NAME-both.trace -- \
		sh /tmp/traffic.sh > $O/$NAME-both-run.log 2>&1 || rc=7
	mmiotrace_off
	$KS mmiotrace -o $O/$NAME-both.mmiotrace $O/$NAME-both.trace || rc=1
	mark
	# and untraced, for the wall time: kstride.ko not even loaded
	rmmod kstride
	t0=$(up)
	sh /tmp/traffic.sh > $O/$NAME-native-run.log 2>&1 || rc=8
	t1=$(up)
	echo "native $t0 $t1" >> $O/$NAME-times.txt
	mark
fi
rmmod kstride 2>/dev/null
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 5
exit $rc
