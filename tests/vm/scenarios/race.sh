# SPDX-License-Identifier: GPL-2.0
# The planted kernel races (tests/vm/race/ks_race.c), recorded with call
# events; 'kstride race' runs on the host (tests/vm/race-check.sh).
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
$KS record --calls -m /mnt/ks_race.ko -k /mnt/kstride.ko -o /mnt/out/race.trace -- \
	sh -c 'echo run > /sys/kernel/debug/ks_race/run'
rc=$?
dmesg > /mnt/out/race-dmesg.txt
grep -E "WARNING|BUG|Oops|Call Trace|general protection" /mnt/out/race-dmesg.txt && exit 3
exit $rc
