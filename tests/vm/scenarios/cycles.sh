# SPDX-License-Identifier: GPL-2.0
# 100 load/unload cycles of the instrumented e1000 (with its NIC) must not
# leak.  The same cycles of the native e1000 in the same boot are the
# baseline: module loading itself moves MemFree (page cache of the module
# file, lazily purged vmalloc areas), so what counts is the drift per cycle
# beyond the native one, measured from cycle 10 to the last.  Slab and
# VmallocUsed (where the loader and kstride.ko allocate) are held tight;
# MemFree, which the page allocator makes noisy, loosely.
N=${1:-100}
insmod /mnt/kstride.ko || exit 1
# the test module, native, only for its "purge" file (vm_unmap_aliases)
insmod /mnt/kstride_test.ko || exit 1
mem() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# MemFree once caches are dropped, lazily freed vmalloc purged, and
# deferred frees done: the best of three readings a second apart
settle() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	echo 1 > /sys/kernel/debug/kstride_test/purge
	best=0
	for k in 1 2 3; do
		sleep 1
		v=$(mem MemFree)
		[ "$v" -gt "$best" ] && best=$v
	done
}
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
			f0=$best s0=$(mem Slab) v0=$(mem VmallocUsed) p0=$(mem PageTables)
		fi
	done
	settle
	echo "$1 $((f0 - best)) $(($(mem Slab) - s0)) $(($(mem VmallocUsed) - v0))" \
		"$(($(mem PageTables) - p0))"
}
set -- $(cycles native) $(cycles instrumented)
# $1 native, $2 MemFree lost, $3 Slab grown, $4 VmallocUsed grown,
# $5 PageTables grown; $6 instrumented, $7 .. $10 the same
rmmod kstride_test
rmmod kstride || exit 1
echo "cycles: $N each; over the last $((N - 10)) cycles: MemFree lost native $2 kB, instrumented $7 kB; Slab grown native $3 kB, instrumented $8 kB; VmallocUsed grown native $4 kB, instrumented $9 kB; PageTables grown native $5 kB, instrumented ${10} kB"
set -- "$2" "$3" "$4" "$5" "$7" "$8" "$9" "${10}"
# Where module loading and kstride.ko allocate: tight.
# ($1..$4: native MemFree, Slab, VmallocUsed, PageTables; $5..$8: instrumented)
[ $(( $6 - $2 )) -lt 256 ] || { echo "Slab: instrumented grows more than native"; exit 2; }
[ $(( $7 - $3 )) -lt 256 ] || { echo "VmallocUsed: instrumented grows more than native"; exit 2; }
# MemFree moves by megabytes between runs under TCG, even for the native
# module (seen: 224..1984 kB over 90 cycles): beyond the native drift, a
# leak of 45 KiB a cycle or more still fails here.
[ $(( $5 - $1 )) -lt 4096 ] || { echo "MemFree: instrumented loses more than native"; exit 2; }
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit 0
