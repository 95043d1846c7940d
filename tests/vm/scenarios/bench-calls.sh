# SPDX-License-Identifier: GPL-2.0
# make vmbench: what --calls costs in the kernel.  Two loops of the test
# module (tests/vm/ktest/main.c): probe_bench, three accesses an iteration
# and no call, and probe_bench_calls, a spinlock taken and dropped (two
# calls out) around two accesses.  Each runs native, instrumented on the
# host in full mode and with --calls (loaded as they are), in five
# interleaved rounds; the times go to /mnt/out/bench-calls.times as
# "LABEL ROUND SECONDS" (bench/stats.py).
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
T=/sys/kernel/debug/kstride_test
O=/mnt/out/bench-calls.times
: > $O
# rings that hold a round: the producer's cost, not the drop path's
insmod /mnt/kstride.ko nsub=160 || exit 1
put_times() { # MODE ROUND
	awk -v m=$1 -v r=$2 '$1 == "bench_ns" { printf "loop-%s %d %.9f\n", m, r, $2 / 1e9 }
		$1 == "bench_calls_ns" { printf "calls-%s %d %.9f\n", m, r, $2 / 1e9 }' $T/truth >> $O
}
for r in 1 2 3 4 5; do
	insmod /mnt/kstride_test.ko || exit 1
	echo 1 > $T/bench && echo 1 > $T/bench_calls || exit 1
	put_times native $r
	rmmod kstride_test || exit 1
	for m in plain calls; do
		opt=
		[ $m = calls ] && opt=--calls
		$KS record $opt -m /mnt/ks-$m-kstride_test.ko -k /mnt/kstride.ko --keep \
			-o /tmp/bench-$m.trace -- sh -c "echo 1 > $T/bench && echo 1 > $T/bench_calls" \
			2> /tmp/bench-$m.log || { cat /tmp/bench-$m.log; exit 1; }
		put_times $m $r
		rmmod kstride_test || exit 1
		grep -h "dropped" /tmp/bench-$m.log | sed "s/^/$m $r: /" >> /mnt/out/bench-calls.drops
	done
done
# the last round's traces, for their call records and drops
cp /tmp/bench-plain.trace /tmp/bench-calls.trace /mnt/out/
rmmod kstride
exit 0
