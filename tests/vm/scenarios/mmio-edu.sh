# SPDX-License-Identifier: GPL-2.0
# MMIO with QEMU's edu device and ks_edu.ko (tests/vm/edu): the benchmark
# (native, kstride --mmio, mmiotrace), 1000 ioremap/iounmap cycles,
# interrupts on every CPU, and a full ring.  Host side: tests/vm/mmio/edu.py.
N=${1:-20000}
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
T=/sys/kernel/debug/ks_edu
O=/mnt/out
rc=0
mark() { dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null; }
# memset_io, memcpy_toio, memcpy_fromio: native, then traced, between
# marker reads of port 0x80; QEMU's trace shows what the device got
insmod /mnt/ks_edu.ko || exit 1
mark
echo 1 > $T/copy || rc=1
mark
rmmod ks_edu
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o $O/edu-copy.trace -- \
	sh -c "dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null;
	       echo 1 > $T/copy;
	       dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null" || rc=1
# the benchmark: the same loop native, under kstride, under mmiotrace
insmod /mnt/ks_edu.ko || exit 1
echo $N > $T/bench && cat $T/result > $O/edu-native.txt || rc=1
rmmod ks_edu
# rings that hold the whole burst: the producer's cost, not the drops'
insmod /mnt/kstride.ko nsub=160 || rc=2
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o $O/edu.trace -- \
	sh -c "echo $N > $T/bench && cat $T/result > $O/edu-kstride.txt &&
	       cat /sys/devices/system/cpu/online > $O/edu-kstride-cpus.txt" || rc=2
rmmod kstride
M=/sys/kernel/debug/tracing
echo 65536 > $M/buffer_size_kb
echo mmiotrace > $M/current_tracer || rc=3
cat $M/trace_pipe > $O/edu-mmiotrace.log &
pid=$!
cat /sys/devices/system/cpu/online > $O/edu-mmiotrace-cpus.txt
insmod /mnt/ks_edu.ko && echo $N > $T/bench && cat $T/result > $O/edu-mmiotrace.txt || rc=4
rmmod ks_edu
sleep 1
kill $pid
wait $pid 2>/dev/null
echo nop > $M/current_tracer
# 1000 ioremap/iounmap cycles, and interrupts moved over every CPU, traced
cat > /tmp/robust.sh <<EOS
echo 1000 > $T/remap || exit 1
echo 1 > $T/pio || exit 4
irq=\$(awk '\$1 == "irq" && NF == 2 {print \$2}' $T/result)
for round in 1 2 3 4; do
	for cpu in \$(seq 0 \$((\$(nproc) - 1))); do
		echo \$cpu > /proc/irq/\$irq/smp_affinity_list || exit 2
		echo 25 > $T/irqs || exit 3
	done
done
cat $T/result > $O/edu-robust.txt
EOS
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o $O/edu-robust.trace -- \
	sh /tmp/robust.sh || rc=5
# a full ring: two sub-buffers and a slow reader; drops are counted and
# become MARK lines
insmod /mnt/kstride.ko nsub=2 || rc=6
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko --keep --drain-delay 400 \
	-o $O/edu-full.trace -- sh -c "echo 100000 > $T/bench &&
	cat $T/result > $O/edu-full.txt" || rc=7
rmmod ks_edu
rmmod kstride
# the benchmark and the net's cost, in interleaved rounds: the loop
# native, traced with the net armed and with --no-net, the same loop left
# original (every access caught by the net), and under mmiotrace
# (tests/vm/mmio/edu.py: medians and spreads)
N2=5000
insmod /mnt/kstride.ko nsub=160 || rc=11
bench_nonet() {
	$KS record --mmio --no-net -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o /tmp/b.trace -- \
		sh -c "echo $N2 > $T/bench && cat $T/result > $O/edu-nonet-$1.txt" 2>/dev/null || rc=11
}
bench_armed() {
	$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o /tmp/b.trace -- \
		sh -c "echo $N2 > $T/bench && cat $T/result > $O/edu-armed-$1.txt" 2>/dev/null || rc=11
	# the same without the global order's lock (kstride.ko order=0)
	echo 0 > /sys/module/kstride/parameters/order
	$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o /tmp/b.trace -- \
		sh -c "echo $N2 > $T/bench && cat $T/result > $O/edu-noorder-$1.txt" 2>/dev/null || rc=11
	echo 1 > /sys/module/kstride/parameters/order
}
for r in 1 2 3 4 5; do
	# the loop native, for the headline's ratio from these rounds' medians
	insmod /mnt/ks_edu.ko && echo $N2 > $T/bench && cat $T/result > $O/edu-native-$r.txt || rc=11
	rmmod ks_edu
	# alternate which goes first, so that a drift favours neither
	if [ $((r % 2)) = 1 ]; then bench_nonet $r; bench_armed $r; else bench_armed $r; bench_nonet $r; fi
	$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o /tmp/b.trace -- \
		sh -c "echo $N2 > $T/benchorig && cat $T/result > $O/edu-caught-$r.txt" 2>/dev/null || rc=11
	echo mmiotrace > $M/current_tracer || rc=11
	cat $M/trace_pipe > /dev/null &
	pid=$!
	insmod /mnt/ks_edu.ko && echo $N2 > $T/bench && cat $T/result > $O/edu-mmiotrace-$r.txt || rc=11
	rmmod ks_edu
	kill $pid
	wait $pid 2>/dev/null
	echo nop > $M/current_tracer
done
rm -f /tmp/b.trace
rmmod kstride
# the safety net: accesses ks_edu does not instrument (ks_edu/net: a
# kernel function, a function left original, every CPU at once)
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o $O/edu-net.trace -- \
	sh -c "cat /sys/devices/system/cpu/online > $O/edu-net-cpus.txt &&
	       echo 2000 > $T/net && echo 200 > $T/netstep &&
	       cat $T/result > $O/edu-net.txt" \
	2> $O/edu-net.err || rc=10
cat $O/edu-net.err
$KS report --mmio $O/edu-net.trace > $O/edu-net.report || rc=10
# port I/O that native code makes for a traced driver (tests/vm/piotest):
# the net finds ks_piohelp's in and out instructions and watches them
insmod /mnt/ks_piohelp.ko || rc=12
mark
$KS record --mmio -m /mnt/ks_pio.ko -k /mnt/kstride.ko -o $O/pio.trace -- \
	sh -c "echo 50 > /sys/kernel/debug/ks_pio/run &&
	       cat /sys/kernel/debug/ks_pio/result > $O/pio.txt" 2> $O/pio.err || rc=12
mark
cat $O/pio.err
rmmod ks_piohelp
# two bring-ups that differ in one register write (ks_edu's probe_live),
# for kstride diff (after the last marker: QEMU's segments stay as they are)
for v in 0x1111 0x2222; do
	$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -p probe_live=$v \
		-o $O/edu-live-$v.trace -- true 2> $O/edu-live-$v.err || rc=13
done
for t in edu edu-copy edu-robust edu-full edu-net pio; do
	$KS mmiotrace -o $O/$t.mmiotrace $O/$t.trace || rc=8
done
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 9
exit $rc
