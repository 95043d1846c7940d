# SPDX-License-Identifier: GPL-2.0
# make vmbench: the e1000 scenario's wall time (load, link up, ping, link
# down, unload), in five interleaved rounds: untraced (kstride.ko not
# loaded), under kstride --mmio with the module rewritten in the guest
# (--no-cache), under kstride --mmio with the module from record's cache
# (what a second recording costs), and under Debian's mmiotrace.  Each run
# goes to /mnt/out/nic-times.txt as "LABEL ROUND SECONDS" (bench/stats.py);
# /proc/uptime's hundredths are the clock.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
O=/mnt/out
TIMES=$O/nic-times.txt
: > $TIMES
cat > /tmp/traffic.sh <<'EOS'
modprobe e1000 || exit 1
ip link set eth0 up || exit 1
ip addr add 10.0.2.15/24 dev eth0 2>/dev/null
# the carrier polled every 0.1 s: whole-second sleeps made the wall
# times move by seconds from one run to the next
i=0
while [ $i -lt 100 ]; do
	[ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && break
	sleep 0.1
	i=$((i + 1))
done
ping -c 3 -W 5 10.0.2.2 > /dev/null || exit 2
ip link set eth0 down
rmmod e1000 || exit 3
EOS
up() { cut -d' ' -f1 /proc/uptime; }
run() { # LABEL ROUND CMD...
	local l=$1 r=$2 t0 t1
	shift 2
	t0=$(up)
	"$@" > /tmp/bench-nic-$l.log 2>&1 || { echo "bench-nic: $l round $r failed"; cat /tmp/bench-nic-$l.log; exit 1; }
	t1=$(up)
	echo "$l $r $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.2f", b - a }')" >> $TIMES
}
M=/sys/kernel/debug/tracing
mmiotrace_run() {
	echo 65536 > $M/buffer_size_kb
	echo mmiotrace > $M/current_tracer || return 4
	cat $M/trace_pipe > /dev/null &
	pid=$!
	sh /tmp/traffic.sh
	rc=$?
	sleep 1 # as mmio-nic.sh: the reader drains
	kill $pid
	wait $pid 2>/dev/null
	echo nop > $M/current_tracer
	return $rc
}
# the cache filled once, before the rounds
$KS record --mmio -m e1000 -k /mnt/kstride.ko -o /tmp/warm.trace -- true > /dev/null 2>&1
for r in 1 2 3 4 5; do
	run untraced $r sh /tmp/traffic.sh
	run kstride-rewrite $r $KS record --mmio --no-cache -m e1000 -k /mnt/kstride.ko \
		-o /tmp/bench-nic.trace -- sh /tmp/traffic.sh
	run kstride $r $KS record --mmio -m e1000 -k /mnt/kstride.ko \
		-o /tmp/bench-nic.trace -- sh /tmp/traffic.sh
	run mmiotrace $r mmiotrace_run
done
grep -h "loaded from the cache" /tmp/bench-nic-kstride.log > $O/nic-cache.txt
rm -f /tmp/bench-nic.trace /tmp/warm.trace
exit 0
