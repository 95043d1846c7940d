# SPDX-License-Identifier: GPL-2.0
# The planted kernel races (tests/vm/race/ks_race.c), recorded with call
# events; 'kstride race' runs on the host (tests/vm/race-check.sh).
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
$KS record --calls -m /mnt/ks_race.ko -k /mnt/kstride.ko -o /mnt/out/race.trace -- \
	sh -c 'echo run > /sys/kernel/debug/ks_race/run'
rc=$?
# real drivers under load, e1000 and 8139cp: only when race-check.sh
# --nic brought race-nic.sh
if [ -f /mnt/race-nic.sh ]; then
	insmod /mnt/kstride.ko nsub=160 || rc=1
	for d in e1000:e1000 8139cp:cp; do
		sh /mnt/race-nic.sh ${d%%:*} ${d#*:} > /mnt/out/race-${d#*:}.log 2>&1 ||
			{ echo "race: ${d%%:*} failed"; tail -5 /mnt/out/race-${d#*:}.log; rc=1; }
		cat /mnt/out/race-${d#*:}.log
	done
	rmmod kstride
fi
dmesg > /mnt/out/race-dmesg.txt
grep -E "WARNING|BUG|Oops|Call Trace|general protection" /mnt/out/race-dmesg.txt && exit 3
exit $rc
