#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vmbench: one VM run of the ring stress and the hot-loop benchmark
# (tests/vm/scenarios/stress.sh) and of MMIO tracing against mmiotrace
# (mmio-edu.sh, mmio-nic.sh); prints
#   vmbench: producer_ns_per_record=X sustained_records_per_s=Y hot_loop_slowdown=Z
#   mmiobench: native_ns=A kstride_ns=B mmiotrace_ns=C overhead_ratio=R
#   mmiobench: e1000 scenario wall time: untraced, kstride --mmio (module
#     rewritten in the guest, and from record's cache), mmiotrace, as ratios
# Under TCG the absolute times are an emulator's; the ratios are the figures.
# KS_ICOUNT=1 runs the guest under QEMU's -icount (see below).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
export B # tests/vm/run.sh boots from $B/vm
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
vm_kbuild kmod ktest edu 2> /dev/null || { echo "vmbench: the modules did not build"; exit 1; }
X=$B/vmextra
rm -rf "$X" && bash "$top/tests/vm/kstride-libs.sh" "$B/kstride" "$X" || exit 1
"$B/kstride" instrument "$MODS/ktest/kstride_test.ko" -o "$B/ks-kstride_test.ko" || exit 1
# the test module instrumented ahead of time for bench-calls.sh
cp "$B/ks-kstride_test.ko" "$B/ks-plain-kstride_test.ko"
"$B/kstride" instrument --calls "$MODS/ktest/kstride_test.ko" -o "$B/ks-calls-kstride_test.ko" || exit 1
SC=$top/tests/vm/scenarios
# KS_ICOUNT=1: QEMU's -icount, the guest's clock tied to the instructions
# it runs (one TCG thread for both CPUs), so that its timings do not move
# with the host's load; the figures are then instruction-time, not time
QI=
[ "${KS_ICOUNT:-0}" = 1 ] && QI="-icount shift=auto,sleep=off" &&
	echo "vmbench: under -icount (guest time = instructions executed)"
bash "$top/tests/vm/run.sh" -t 2400 -q "-nic user,model=e1000 -device edu $QI" \
	"$SC/bench-all.sh" "$SC/stress.sh" "$SC/bench-calls.sh" "$SC/mmio-edu.sh" \
	"$SC/bench-nic.sh" "$SC/bench-ring.sh" "$MODS/kmod/kstride.ko" "$MODS/ktest/kstride_test.ko" \
	"$B/ks-kstride_test.ko" "$B/ks-plain-kstride_test.ko" "$B/ks-calls-kstride_test.ko" "$MODS/edu/ks_edu.ko" "$X/kstride" \
	"$X/lib" || { tail -20 "$B/vm/share/out/"*.log; exit 1; }
S=$B/vm/share/out
"$B/kstride" report "$S/stress-fast.trace" > "$S/stress-fast.report" || exit 1
# the loop body's region holds its three accesses: records = its loads
"$B/kstride" report --by-insn "$S/bench.trace" 2>/dev/null |
	awk '$1 ~ /^probe_bench\+/ && $2 == "R" && $3 == 4 { n += $4 } END { print n + 0 }' > "$S/bench.records"
python3 "$top/tests/vm/bench-report.py" "$S" || exit 1
# the rings' sustained rate in five rounds (bench-ring.sh): records per
# second of each round that dropped nothing, then their median
for r in 1 2 3 4 5; do
	[ -f "$S/ring-$r.trace" ] || continue
	d=$("$B/kstride" report "$S/ring-$r.trace" | sed -n 's/^# dropped: \([0-9]*\) events.*/\1/p')
	awk -v r=$r -v d="${d:-0}" '$1 == "stress_calls" {
		if (d == 0 && $4 > 0) printf "ring %d %.6f\n", r, 2 * $2 / ($4 / 1e9) / 1e6
		else printf "vmbench: ring round %d dropped %d events: not counted\n", r, d > "/dev/stderr" }' \
		"$S/ring-$r.truth"
done > "$S/ring-rates.txt"
if [ -s "$S/ring-rates.txt" ]; then
	/usr/bin/python3 "$top/bench/stats.py" times "$S/ring-rates.txt" ring |
		awk '{ sub(/^ring /, ""); print "vmbench: sustained M records/s with zero drops (rounds that dropped nothing): " $0 }'
else
	echo "vmbench: sustained records/s: every round dropped records"
fi
# --calls in the kernel: each ratio the median of per-round ratios
for l in "loop:hot loop (no calls)" "calls:spinlock loop (2 calls out)"; do
	for p in plain:native calls:native calls:plain; do
		r=$(/usr/bin/python3 "$top/bench/stats.py" ratio "$S/bench-calls.times" \
			"${l%%:*}-${p%%:*}" "${l%%:*}-${p#*:}") || exit 1
		echo "$r" | awk -v what="${l#*:}: ${p%%:*}/${p#*:}" '{ printf "vmbench: --calls: %s = %s (min %s, spread %s%%, %s rounds, %s)\n", what, $1, $2, $3, $4, substr($0, index($0, $5)) }'
	done
done
[ -s "$S/bench-calls.drops" ] && sed 's/^/vmbench: --calls: /' "$S/bench-calls.drops"
"$B/kstride" report "$S/bench-calls.trace" | grep -E "^# |_raw_spin" | head -8 | sed 's/^/vmbench: --calls trace: /'
"$B/kstride" script "$S/edu-robust.trace" > "$S/edu-robust.script" &&
python3 "$top/tests/vm/mmio/edu.py" "$S" | grep "^mmiobench" || exit 1
# the e1000 scenario's wall time, five interleaved rounds (bench-nic.sh)
NT=$S/nic-times.txt
/usr/bin/python3 "$top/bench/stats.py" times "$NT" untraced kstride-rewrite kstride mmiotrace |
	sed 's/^/mmiobench: e1000 scenario: /' || exit 1
for l in "kstride:kstride --mmio, module from the cache" "kstride-rewrite:kstride --mmio, module rewritten in the guest" "mmiotrace:mmiotrace"; do
	r=$(/usr/bin/python3 "$top/bench/stats.py" ratio "$NT" "${l%%:*}" untraced) || exit 1
	echo "$r" | awk -v what="${l#*:}" '{ printf "mmiobench: e1000 scenario wall time: %s / untraced = %s (min %s, spread %s%%, %s rounds, %s)\n", what, $1, $2, $3, $4, substr($0, index($0, $5)) }'
done
[ -s "$S/nic-cache.txt" ] || echo "mmiobench: e1000 scenario: the cached rounds did not load e1000 from the cache"
