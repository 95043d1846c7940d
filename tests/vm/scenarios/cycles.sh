# SPDX-License-Identifier: GPL-2.0
# Load/unload cycles of the instrumented e1000 (with its NIC) must not
# leak: not one page a cycle.
#
#   cycles.sh N            N cycles native, then N instrumented
#   cycles.sh selftest N   N native, then N instrumented with a leak of
#                          one page a cycle made on purpose (kstride_test's
#                          "leak": a free page, a kmalloc, a vmalloc): each
#                          must be found, or the test cannot see a leak
#
# What is measured, from cycle 10 to the last (M cycles), in pages, each
# reading after dropping caches, purging lazily freed vmalloc areas and
# folding the per-CPU vmstat counters (vm/stat_refresh), so that it is
# exact:
#   live     kstride.ko's own live allocations (module parameter
#            live_allocs): exact, must not move at all
#   slab     nr_slab_unreclaimable, and the bytes of the objects in use
#            in caches that are not reclaimable (/proc/slabinfo, per-CPU
#            slabs flushed): dentries and inodes come and go with files;
#            judged per cache (the one that grew most beyond the
#            baseline's same cache), since the sum of all caches moves by
#            tens of pages with nothing leaking
#   vmalloc  /proc/vmallocinfo, pages by caller
#   other    pages in no account: pages in use (every allocation less
#            every free, from one reading of /proc/vmstat, so that pages
#            moving between the per-CPU lists and the buddy do not count)
#            less page cache (with shmem), anonymous, slab, page tables,
#            kernel stacks, vmalloc, percpu and misc reclaimable.  A
#            driver's alloc_pages() and DMA memory are here.  pcp, the
#            pages on the per-CPU free lists, is shown: MemFree leaves
#            them out, which is what made MemFree move by megabytes.
# What moves with nothing leaking is bounded (per-CPU caches, page
# fragment caches, kernel page tables of the module space: tens of pages,
# seen up to 83 between two runs on a 2-core AMD host), what leaks grows
# with the cycles: 300 of them (290 measured, 145 pages the bar) keep the
# two apart; 150 (a bar of 70) did not, every time.  The self-test, whose
# baseline is the same instrumented module without its leak, moved by
# under 30 pages and runs 150 (make vmcheck: 489 s for the test's 600
# cycles, 1237 s for the self-test's 1200).
# The native module's growth over the same cycles is the baseline.  A
# growth, beyond it, of M/2 pages or more in one slab cache (bytes in
# use), other, the vmalloc total or any one vmalloc caller is a leak.
# The self-test judges each leak against the instrumented module's own
# growth without it, over the same number of cycles: the same code path
# but the leak, so that what is found is the leak alone.
MODE=normal
if [ "$1" = selftest ]; then
	MODE=selftest
	shift
fi
N=${1:-300}
M=$((N - 10))
H=$((M / 2))
T=/sys/kernel/debug/kstride_test
insmod /mnt/kstride.ko || exit 1
# the test module, native: "purge" (vm_unmap_aliases) and "leak"
insmod /mnt/kstride_test.ko || exit 1
LIVE=/sys/module/kstride/parameters/live_allocs
[ -r $LIVE ] || { echo "kstride.ko has no live_allocs"; exit 1; }

# Shell builtins only from here to the reading: a process that ends
# frees its task and mm after an RCU grace period, which would be counted.
settle() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	echo 1 > $T/purge
	# per-CPU slabs back to their caches, empty slabs freed
	for f in /sys/kernel/slab/*/shrink; do echo 1 > "$f"; done 2> /dev/null
	sleep 2 # RCU callbacks and deferred frees
	echo 3 > /proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do echo 1 > "$f"; done 2> /dev/null
	echo 1 > /proc/sys/vm/stat_refresh 2> /dev/null
}

# the caches whose objects the kernel reclaims (dentries, inodes...)
for f in /sys/kernel/slab/*/reclaim_account; do
	read r < "$f" && [ "$r" = 1 ] && { f=${f%/reclaim_account}; echo "${f##*/}"; }
done > /tmp/reclaimable 2> /dev/null

# "other slab vmalloc file shmem pcp live slabused" in pages (live:
# objects; slabused: the bytes of the unreclaimable slab objects in use)
reading() {
	read live < $LIVE
	awk -v live="$live" '
		FILENAME == "/tmp/reclaimable" { recl[$1] = 1; next }
		FILENAME == "/proc/slabinfo" && FNR > 2 && !($1 in recl) { used += $2 * $4 }
		FILENAME == "/proc/vmstat" { v[$1] = $2 }
		FILENAME == "/proc/zoneinfo" && $1 == "count:" { pcp += $2 }
		FILENAME == "/proc/meminfo" { m[$1] = $2 }
		END {
			# pages in use: every allocation less every free, one
			# snapshot of /proc/vmstat (free and per-CPU lists alike)
			inuse = v["pgalloc_dma"] + v["pgalloc_dma32"] + \
				v["pgalloc_normal"] + v["pgalloc_movable"] + \
				v["pgalloc_device"] - v["pgfree"]
			slab = v["nr_slab_reclaimable"] + v["nr_slab_unreclaimable"]
			vm = m["VmallocUsed:"] / 4
			known = v["nr_file_pages"] + v["nr_anon_pages"] + slab + \
				v["nr_page_table_pages"] + v["nr_sec_page_table_pages"] + \
				v["nr_kernel_stack"] / 4 + vm + m["Percpu:"] / 4 + \
				v["nr_kernel_misc_reclaimable"]
			printf "%d %d %d %d %d %d %d %d\n", inuse - known,
				v["nr_slab_unreclaimable"], vm, v["nr_file_pages"],
				v["nr_shmem"], pcp, live, used / 4096
		}' /tmp/reclaimable /proc/slabinfo /proc/vmstat /proc/zoneinfo /proc/meminfo
}

# bytes of the objects in use, per cache that is not reclaimable
slab_by_cache() {
	awk 'FILENAME == "/tmp/reclaimable" { recl[$1] = 1; next }
	     FNR > 2 && !($1 in recl) { print $1, $2 * $4 }' /tmp/reclaimable /proc/slabinfo
}

# per cache, the growth between two slab_by_cache files
slab_delta() {
	awk 'FILENAME == ARGV[1] { a[$1] = $2; next } { print $1, $2 - a[$1] }' "$1" "$2"
}

# the cache that grew most in run INST beyond the same cache in run BASE,
# from two slab_delta files: "PAGES CACHE"
slab_grown() {
	awk 'FILENAME == ARGV[1] { b[$1] = $2; next }
	     { d = $2 - b[$1]; if (d > best) { best = d; who = $1 } }
	     END { printf "%d %s\n", best / 4096, (who == "" ? "-" : who) }' "$1" "$2"
}

# vmalloc'd pages by caller, live areas only
vmalloc_by_caller() {
	awk '!/unpurged/ {
		for (i = 4; i <= NF; i++)
			if ($i ~ /^pages=/) { p[$3] += substr($i, 7) }
	} END { for (c in p) print c, p[c] }' /proc/vmallocinfo
}

# the caller that grew most between two vmalloc_by_caller files
vmalloc_grown() {
	awk 'FILENAME == ARGV[1] { a[$1] = $2; next }
	     { d = $2 - a[$1]; if (d > best) { best = d; who = $1 } }
	     END { print best + 0, (who == "" ? "-" : who) }' "$1" "$2"
}

# cycles KIND LEAK TAG: prints "other slab vmalloc file shmem pcp live
# slabused top_caller_pages top_caller", each the growth from cycle 10 to
# the end; the growth per slab cache goes to /tmp/slab-TAG
cycles() {
	for i in $(seq 1 "$N"); do
		if [ "$1" = native ]; then
			modprobe e1000 || { echo "cycle $i: modprobe failed" >&2; exit 1; }
		else
			insmod /mnt/e1000-ks.ko || { echo "cycle $i: insmod failed" >&2; exit 1; }
		fi
		rmmod e1000 || { echo "cycle $i: rmmod failed" >&2; exit 1; }
		if [ "$i" -eq 10 ]; then
			settle
			r0=$(reading)
			slab_by_cache > /tmp/sl0
			vmalloc_by_caller > /tmp/vm0
			echo "$2" > $T/leak
		fi
	done
	echo none > $T/leak
	settle
	r1=$(reading)
	slab_by_cache > /tmp/sl1
	slab_delta /tmp/sl0 /tmp/sl1 > "/tmp/slab-$3"
	vmalloc_by_caller > /tmp/vm1
	set -- $r0 $r1
	echo "$(($9 - $1)) $((${10} - $2)) $((${11} - $3)) $((${12} - $4))" \
		"$((${13} - $5)) $((${14} - $6)) $((${15} - $7)) $((${16} - $8))" \
		"$(vmalloc_grown /tmp/vm0 /tmp/vm1)"
}

# judge BASE INSTRUMENTED BASETAG TAG: what grew by a leak's measure
judge() {
	sg=$(slab_grown "/tmp/slab-$3" "/tmp/slab-$4")
	set -- $1 $2
	# $1..${10} the baseline, ${11}..${20} instrumented
	bad=
	[ "${17}" -eq 0 ] || bad="$bad live"
	[ $((${11} - $1)) -lt $H ] || bad="$bad other"
	[ "${sg%% *}" -lt $H ] || bad="$bad slab"
	[ $((${13} - $3)) -lt $H ] || bad="$bad vmalloc"
	[ "${19}" -lt $H ] || bad="$bad vmalloc-caller"
	echo "${bad# }"
}

describe() {
	set -- $1
	echo "other $1 slab $2 (in use $8) vmalloc $3 (most by one caller: $9 ${10}) file $4 shmem $5 pcp $6 live $7"
}

native=$(cycles native none native) || exit 1
echo "cycles: $N each, measured over the last $M, in pages; a leak: $H or more beyond the baseline"
echo "cycles: native:       $(describe "$native")"
if [ $MODE = normal ]; then
	inst=$(cycles instrumented none inst) || exit 1
	echo "cycles: instrumented: $(describe "$inst")"
	echo "cycles: slab cache grown most beyond native: $(slab_grown /tmp/slab-native /tmp/slab-inst) (pages, cache)"
	verdict=$(judge "$native" "$inst" native inst)
	rmmod kstride_test
	rmmod kstride || exit 1
	if [ -n "$verdict" ]; then
		echo "cycles: LEAK: $verdict"
		exit 2
	fi
	echo "cycles: no leak (kstride.ko's own allocations back exactly where they were)"
else
	fail=0
	base=$(cycles instrumented none base) || exit 1
	echo "cycles-selftest: baseline, no leak: $(describe "$base")"
	for leak in page slab vmalloc; do
		inst=$(cycles instrumented $leak $leak) || exit 1
		verdict=$(judge "$base" "$inst" base $leak)
		echo "cycles-selftest: one $leak a cycle: slab cache grown most: $(slab_grown /tmp/slab-base /tmp/slab-$leak)"
		want=other
		[ $leak = slab ] && want=slab
		[ $leak = vmalloc ] && want=vmalloc
		echo "cycles-selftest: one $leak a cycle: $(describe "$inst")"
		case " $verdict " in
		*" $want "*) echo "cycles-selftest: one $leak a cycle: found ($verdict)" ;;
		*) echo "cycles-selftest: one $leak a cycle: NOT FOUND ($verdict)"; fail=1 ;;
		esac
	done
	rmmod kstride_test
	rmmod kstride || exit 1
	[ $fail = 0 ] || exit 2
fi
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit 0
