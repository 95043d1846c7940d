# SPDX-License-Identifier: GPL-2.0
# Instrumented e1000 runs a real (emulated) NIC: load, link up, ping, down,
# unload; nothing in dmesg may warn.  Runs inside the VM from /mnt.
set -x
insmod /mnt/kstride.ko || exit 1
insmod /mnt/e1000-ks.ko || exit 1
ip link set eth0 up || exit 1
ip addr add 10.0.2.15/24 dev eth0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(cat /sys/class/net/eth0/operstate)" = up ] && break
	sleep 1
done
cat /sys/class/net/eth0/operstate
ping -c 3 -W 5 10.0.2.2 > /mnt/out/ping.txt 2>&1
ping_rc=$?
cat /mnt/out/ping.txt
cat /sys/kernel/debug/kstride/stats | tee /mnt/out/kstride-stats.txt
ip link set eth0 down
rmmod e1000 || exit 1
rmmod kstride || exit 1
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
[ $ping_rc -eq 0 ] || exit 2
echo E1000-SMOKE-OK
