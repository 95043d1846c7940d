# SPDX-License-Identifier: GPL-2.0
# The test module, recorded: it runs its probes in process, softirq,
# hardirq and per-CPU work contexts, with a faulting uaccess and a static
# key toggled after load, then writes its own truth (checked on the host).
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
$KS record -m /mnt/kstride_test.ko -k /mnt/kstride.ko -o /mnt/out/ktest.trace -- \
	sh -c 'echo run > /sys/kernel/debug/kstride_test/run &&
	       cat /sys/kernel/debug/kstride_test/truth > /mnt/out/truth.txt'
rc=$?
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit $rc
