# SPDX-License-Identifier: GPL-2.0
# 100 load/unload cycles of the instrumented e1000 (with its NIC) must not
# leak.  The same cycles of the native e1000 in the same boot are the
# baseline: module loading itself moves MemFree (page cache of the module
# file, lazily purged vmalloc areas), so what counts is the drift per cycle
# beyond the native one, measured from cycle 10 to the last.
N=${1:-100}
insmod /mnt/kstride.ko || exit 1
mem() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }
cycles() {
	for i in $(seq 1 "$N"); do
		if [ "$1" = native ]; then
			modprobe e1000 || { echo "cycle $i: modprobe failed"; exit 1; }
		else
			insmod /mnt/e1000-ks.ko || { echo "cycle $i: insmod failed"; exit 1; }
		fi
		rmmod e1000 || { echo "cycle $i: rmmod failed"; exit 1; }
		if [ "$i" -eq 10 ]; then
			settle
			f0=$(mem MemFree) s0=$(mem Slab)
		fi
	done
	settle
	echo "$1 $((f0 - $(mem MemFree))) $(($(mem Slab) - s0))"
}
set -- $(cycles native) $(cycles instrumented)
rmmod kstride || exit 1
echo "cycles: $N each; MemFree lost over 90: native ${2} kB, instrumented ${5} kB; Slab grown: native ${3} kB, instrumented ${6} kB"
# beyond the native drift, a leak of even 16 KiB a cycle would show
[ $(( $5 - $2 )) -lt 1440 ] || { echo "MemFree: instrumented loses more than native"; exit 2; }
[ $(( $6 - $3 )) -lt 512 ] || { echo "Slab: instrumented grows more than native"; exit 2; }
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit 0
