# SPDX-License-Identifier: GPL-2.0
# make vmbench: the rings' sustained rate, in five rounds of the stress
# run with the fast reader (stress.sh's "fast": probe_stress from work
# items on every CPU, no NMIs, rings of 5 MiB a CPU).  Each round leaves
# its trace and the module's truth (calls, ns) for the host, which counts
# the drops (kstride report) and takes the median rate of the rounds
# that dropped nothing.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
T=/sys/kernel/debug/kstride_test
for r in 1 2 3 4 5; do
	insmod /mnt/kstride.ko nsub=160 || exit 1
	$KS record -m /mnt/kstride_test.ko -k /mnt/kstride.ko --keep \
		-o /mnt/out/ring-$r.trace -- sh -c "echo 2 > $T/stress" || exit 1
	cat $T/truth > /mnt/out/ring-$r.truth
	rmmod kstride_test || exit 1
	rmmod kstride || exit 1
done
exit 0
