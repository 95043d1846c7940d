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
# on a terminal (tests/vm/progs/ptyrun.c): the live line, then the summary
/mnt/ptyrun /mnt/out/e1000-record-tty.txt \
	$KS record -m e1000 -k /mnt/kstride-dkms.ko -o /mnt/out/e1000.trace -- sh /tmp/traffic.sh
rc=$?
cat /mnt/out/e1000-record-tty.txt
if [ $rc = 0 ]; then
	tr '\r' '\n' < /mnt/out/e1000-record-tty.txt |
		grep -q "^kstride record: [0-9]* records/s, [0-9]* records, 0 dropped, [0-9.]* MB written" ||
		{ echo "e1000-record: no live line on a terminal"; rc=5; }
	grep -q "e1000.trace: .* sub-buffers" /mnt/out/e1000-record-tty.txt ||
		{ echo "e1000-record: no summary on a terminal"; rc=5; }
	# not a terminal: the summary alone
	$KS record -m e1000 -k /mnt/kstride-dkms.ko -o /tmp/quiet.trace -- sleep 2 2> /tmp/notty.txt ||
		{ echo "e1000-record: record failed"; rc=6; }
	cat /tmp/notty.txt
	grep -q "records/s" /tmp/notty.txt && { echo "e1000-record: a live line in a file"; rc=5; }
	rm -f /tmp/quiet.trace
	# a module instrumented ahead of time, on the host (tests/vm/check.sh):
	# loaded as it is, not instrumented again
	$KS record -m /mnt/e1000-ks.ko -k /mnt/kstride-dkms.ko -o /mnt/out/e1000-ahead.trace \
		-- sh /tmp/traffic.sh 2> /tmp/ahead.txt ||
		{ echo "e1000-record: record of the module instrumented ahead of time failed"; rc=7; }
	cat /tmp/ahead.txt
	grep -q "e1000-ks.ko: instrumented ahead of time (full mode), loaded as it is" /tmp/ahead.txt ||
		{ echo "e1000-record: the module instrumented ahead of time was not taken as it is"; rc=7; }
	grep -q "kstride record: instrumenting" /tmp/ahead.txt &&
		{ echo "e1000-record: the module instrumented ahead of time was instrumented again"; rc=7; }
	# ...and refused for a record in another mode
	$KS record --mmio -m /mnt/e1000-ks.ko -k /mnt/kstride-dkms.ko -o /tmp/mode.trace \
		-- true 2> /tmp/mode.txt &&
		{ echo "e1000-record: a full-mode module accepted by record --mmio"; rc=7; }
	cat /tmp/mode.txt
	grep -q "instrumented in full mode, but this record traces in mmio mode" /tmp/mode.txt ||
		{ echo "e1000-record: no clear error for the mode"; rc=7; }
	rm -f /tmp/mode.trace
fi
cat /sys/kernel/debug/kstride/stats 2>/dev/null
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
lsmod | grep -E "^(e1000|kstride) " && exit 4
exit $rc
