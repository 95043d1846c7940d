# SPDX-License-Identifier: GPL-2.0
# The corpus sweep, VM half.  For each candidate (list.txt: NAME RELPATH),
# load it natively with modprobe (which loads its dependencies); if that
# works, unload it and load the instrumented one from /mnt/ko/RELPATH, then
# unload that.  dmesg must gain no oops, BUG or WARNING on the way.
# Writes /mnt/out/sweep.txt: one line per candidate:
#   NAME native-fail | NAME ok | NAME load-fail | NAME unload-fail | NAME dmesg-bad
insmod /mnt/kstride.ko || exit 1
: > /mnt/out/sweep.txt
dmesg -c > /dev/null
bad="WARNING|BUG|Oops|Call Trace|general protection"
# rmmod, given time: a module may be busy for a moment after its load (a
# crypto algorithm's self-test runs in cryptomgr's kthread on 6.12 and
# holds the module while it runs, longer when the module is instrumented)
unload() {
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		rmmod "$1" 2> /dev/null && return 0
		sleep 0.25
	done
	return 1
}
while read -r name rel; do
	dmesg -c > /dev/null
	# natively loadable: loads, unloads, and leaves dmesg clean
	if ! modprobe "$name" 2> /dev/null || ! unload "$name" ||
	   dmesg -c | grep -qE "$bad"; then
		echo "$name native-fail" >> /mnt/out/sweep.txt
		continue
	fi
	if ! insmod "/mnt/ko/$rel" 2> /mnt/out/err.txt; then
		echo "$name load-fail $(cat /mnt/out/err.txt | tr '\n' ' ')" >> /mnt/out/sweep.txt
		dmesg -c | tail -3 >> /mnt/out/sweep-dmesg.txt
		continue
	fi
	if ! unload "$name"; then
		echo "$name unload-fail" >> /mnt/out/sweep.txt
		continue
	fi
	if dmesg -c | grep -E "$bad" >> /mnt/out/sweep-dmesg.txt; then
		echo "$name dmesg-bad" >> /mnt/out/sweep.txt
		continue
	fi
	echo "$name ok" >> /mnt/out/sweep.txt
done < /mnt/list.txt
rmmod kstride || exit 1
exit 0
