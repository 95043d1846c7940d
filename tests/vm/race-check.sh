#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vmcheck-race: the planted kernel races and their twins
# (tests/vm/race/ks_race.c) recorded with 'record --calls' in one boot;
# 'kstride race' must report exactly the planted pairs of functions, and
# no twin.  The module's own source is the ground truth.
# With --nic (make vmcheck-race-nic), also e1000 and 8139cp under load,
# every report to be explained in tests/vm/race/nic.txt (which pairs of
# functions meet depends on the load; eight runs in a row passed before
# it joined make check-all).
# usage: tests/vm/race-check.sh [BUILD_DIR] [--nic]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
NIC=
[ "${2:-}" = --nic ] && NIC=1
mkdir -p "$B" && B=$(cd "$B" && pwd)
export B
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
vm_kbuild kmod race || exit 1
X=$B/vmextra-race
rm -rf "$X" && bash "$top/tests/vm/kstride-libs.sh" "$B/kstride" "$X" || exit 1
if [ -n "$NIC" ]; then
	bash "$top/tests/vm/run.sh" -t 1500 -q "-nic user,model=e1000 -nic user,model=rtl8139" \
		"$top/tests/vm/scenarios/race.sh" "$top/tests/vm/scenarios/race-nic.sh" \
		"$MODS/kmod/kstride.ko" "$MODS/race/ks_race.ko" "$X/kstride" "$X/lib"
else
	bash "$top/tests/vm/run.sh" -t 900 "$top/tests/vm/scenarios/race.sh" \
		"$MODS/kmod/kstride.ko" "$MODS/race/ks_race.ko" "$X/kstride" "$X/lib"
fi
rc=$?
S=$B/vm/share/out
[ $rc -eq 0 ] || { echo "vmcheck-race: the scenario failed ($rc)"; tail -20 "$S/race-dmesg.txt" 2>/dev/null; }
[ -f "$S/race.trace" ] || { echo "vmcheck-race: no trace"; exit 1; }
"$B/kstride" race "$S/race.trace" > "$B/race-kernel.txt" 2> "$B/race-kernel.err"
st=$?
cat "$B/race-kernel.err"
[ $st -le 1 ] || { echo "vmcheck-race: kstride race failed ($st)"; exit 1; }
python3 "$top/tests/race/compare.py" - "$B/race-kernel.txt" --exact \
	--expect race_kthread_racy:race_kthread_racy \
	--expect race_timer_cb_racy:race_timer_reader_racy \
	--expect race_work_irq_racy:race_hrtimer_racy \
	--expect race_uaf_user:race_uaf_freer \
	--twins race_kthread_locked,race_timer_cb_synced,race_timer_reader_synced,race_work_irq_locked,race_hrtimer_locked,race_uaf_user_synced,race_uaf_freer_synced ||
	{ cat "$B/race-kernel.txt"; bad; }
# each callback names the kernel function that called it (its ENTRY's
# return address, named by the trace's kernel symbols): the kernel's
# source says which that is
"$B/kstride" script "$S/race.trace" > "$B/race-kernel.script" || bad
python3 - "$B/race-kernel.script" <<'PY' || bad
import re, sys
want = {
    "race_kthread_racy": {"kthread"},
    "race_work_irq_racy": {"process_one_work"},
    "race_uaf_freer": {"process_one_work"},
    # call_timer_fn is static: where a build inlines it, its caller
    "race_timer_cb_racy": {"call_timer_fn", "expire_timers", "__run_timers"},
    "race_hrtimer_racy": {"__run_hrtimer", "__hrtimer_run_queues"},
}
seen = {}
for line in open(sys.argv[1]):
    m = re.search(r" (\w+)\+0x[0-9a-f]+ ENTRY .* from=(\S+)", line)
    if m and m.group(1) in want:
        seen.setdefault(m.group(1), set()).add(m.group(2).split("+")[0])
bad = 0
for fn, callers in want.items():
    got = seen.get(fn, set())
    if not got or not got <= callers:
        print(f"vmcheck-race: {fn} entered from {sorted(got) or 'nothing named'}, not {sorted(callers)}")
        bad = 1
    else:
        print(f"vmcheck-race: {fn} entered from {', '.join(sorted(got))}")
sys.exit(bad)
PY
# real drivers under load: every report is one that tests/vm/race/nic.txt
# explains, from the driver's source
for d in ${NIC:+e1000 cp}; do
	t=$S/race-$d.trace
	if [ ! -f "$t" ]; then
		echo "vmcheck-race: no trace of $d"; bad; continue
	fi
	grep -h "received\|dropped" "$S/race-$d.log" | sed "s/^/vmcheck-race: $d: /"
	"$B/kstride" race "$t" > "$B/race-$d.txt" 2> "$B/race-$d.err"
	st=$?
	cat "$B/race-$d.err"
	[ $st -le 1 ] || { echo "vmcheck-race: kstride race on $d failed ($st)"; bad; continue; }
	# e1000_down()'s inline netif_tx_disable() takes each queue's
	# transmit lock by address: kstride.ko's NETDEV record names it
	if [ $d = e1000 ]; then
		n=$(sed -n 's/.*; \([0-9]*\) lock calls on one of them.*/\1/p' "$B/race-$d.err")
		[ "${n:-0}" -gt 0 ] ||
			{ echo "vmcheck-race: e1000: no lock call on a transmit queue was named tx(dev)"; bad; }
	fi
	python3 "$top/tests/vm/race/explained.py" --selftest "$top/tests/vm/race/nic.txt" "$d" \
		"$B/race-$d.txt" > /dev/null || { echo "vmcheck-race: explained.py's selftest failed"; bad; }
	python3 "$top/tests/vm/race/explained.py" "$top/tests/vm/race/nic.txt" "$d" "$B/race-$d.txt" || bad
done
vm_fails_line vmcheck-race
[ $rc -eq 0 ] && echo "vmcheck-race: 1 passed, 0 failed" || echo "vmcheck-race: 0 passed, 1 failed"
exit $rc
