# SPDX-License-Identifier: GPL-2.0
# The rings under load: probe_stress runs 100000 times on every CPU from
# work items, and from IPIs (hardirq) and NMIs meanwhile (not in the fast
# reader's run, which gives the throughput); nothing else instrumented
# runs.  Once with a reader too slow to keep up (drops, counted), once with
# a fast one.  The host checks produced = read + dropped, exactly.  Then
# "hop": one kthread calls it while being moved between CPUs, preempted
# anywhere (the VM boots with preempt=full).  "switch": the fast reader's
# run with, instead of random NMIs, one NMI in each of 100 ring switches;
# "preswitch": the same, just before each switch sets its flag.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
T=/sys/kernel/debug/kstride_test
for mode in slow fast hop switch preswitch; do
	delay=0
	[ $mode = slow ] && delay=300
	# the fast reader gets rings that hold a whole burst (5 MiB a CPU)
	[ $mode != slow ] && insmod /mnt/kstride.ko nsub=160
	file=stress what=1
	[ $mode = hop ] && file=hop
	# an NMI provoked in 100 ring switches, inside or just before
	# (kstride.ko's test hook)
	[ $mode = switch ] && file=switchnmi what="in 100"
	[ $mode = preswitch ] && file=switchnmi what="pre 100"
	# the fast reader's run gives the throughput: no NMIs (see main.c)
	[ $mode = fast ] && what=2
	$KS record -m /mnt/kstride_test.ko -k /mnt/kstride.ko --keep \
		--drain-delay $delay -o /mnt/out/stress-$mode.trace -- \
		sh -c "echo '$what' > $T/$file" || exit 1
	cat $T/truth > /mnt/out/stress-$mode.truth
	rmmod kstride_test || exit 1
	rmmod kstride 2>/dev/null
done
# the benchmark: the same hot loop native, then instrumented
insmod /mnt/kstride_test.ko || exit 1
echo 1 > $T/bench
grep bench_ns $T/truth > /mnt/out/bench-native.txt
rmmod kstride_test
# rings that hold the whole loop: the producer's cost, not the drop path's
insmod /mnt/kstride.ko nsub=160
$KS record -m /mnt/kstride_test.ko -k /mnt/kstride.ko --keep \
	-o /mnt/out/bench.trace -- sh -c "echo 1 > $T/bench" || exit 1
grep bench_ns $T/truth > /mnt/out/bench-kstride.txt
rmmod kstride_test
rmmod kstride
# a WARN in an instrumented copy: where it says it is, and how it got there
insmod /mnt/kstride.ko || exit 1
insmod /mnt/ks-kstride_test.ko 2>/dev/null || true
dmesg -c > /dev/null
echo 1 > $T/warn
dmesg -c > /mnt/out/warn-dmesg.txt
rmmod kstride_test
rmmod kstride
dmesg | grep -E "WARNING|BUG|Oops|general protection" && exit 3
exit 0
