# SPDX-License-Identifier: GPL-2.0
# kstride record -m e1000 around link up and a ping; the trace comes back
# in /mnt/out/e1000.trace.  Runs inside the VM from /mnt.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
cat > /tmp/traffic.sh <<'EOS'
ip link set eth0 up || exit 1
ip addr add 10.0.2.15/24 dev eth0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(cat /sys/class/net/eth0/operstate)" = up ] && break
	sleep 1
done
ping -c 3 -W 5 10.0.2.2 || exit 2
ip link set eth0 down
EOS
# kstride.ko as DKMS built it from make install's source (tests/vm/check.sh;
# the VM's /lib/modules is read-only, so it is named here)
$KS record -m e1000 -k /mnt/kstride-dkms.ko -o /mnt/out/e1000.trace -- sh /tmp/traffic.sh
rc=$?
cat /sys/kernel/debug/kstride/stats 2>/dev/null
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
lsmod | grep -E "^(e1000|kstride) " && exit 4
exit $rc
