# SPDX-License-Identifier: GPL-2.0
# The test module, recorded: it runs its probes in process, softirq,
# hardirq and per-CPU work contexts, with a faulting uaccess and a static
# key toggled after load, then writes its own truth (checked on the host).
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
$KS record -m /mnt/kstride_test.ko -k /mnt/kstride.ko -o /mnt/out/ktest.trace -- \
	sh -c 'echo run > /sys/kernel/debug/kstride_test/run &&
	       cat /sys/kernel/debug/kstride_test/truth > /mnt/out/truth.txt'
rc=$?
# compressed modules, found by name in a modules tree as modprobe does
R=/tmp/root/lib/modules/$(uname -r)
mkdir -p "$R/extra"
for ext in xz zst gz; do
	cp /mnt/kstride_test.ko.$ext "$R/extra/"
	echo "extra/kstride_test.ko.$ext:" > "$R/modules.dep"
	$KS record -d /tmp/root -m kstride_test -k /mnt/kstride.ko \
		-o /mnt/out/ktest-$ext.trace -- \
		sh -c 'echo run > /sys/kernel/debug/kstride_test/run' || rc=1
	rm "$R/extra/kstride_test.ko.$ext"
done
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit $rc
