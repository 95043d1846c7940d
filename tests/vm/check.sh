#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vmcheck: build kstride.ko, instrument the modules under test on the
# host, then run every VM test in a single boot (tests/vm/scenarios/all.sh)
# with an e1000 NIC.  Prints the VM's summary and the sweep line.
# KS_VMCHECK_SAMPLE=1: the sample a second kernel gets in the README's
# test command (README, "Kernels"): the sweep over every 8th module and
# the first 180 candidates (150 must load natively), no cycles test, the
# MMIO matrix's sample.
set -u
SAMPLE=${KS_VMCHECK_SAMPLE:-0}
if [ "$SAMPLE" = 1 ]; then
	export KS_SWEEP_SAMPLE=${KS_SWEEP_SAMPLE:-8} KS_SWEEP_MAX=${KS_SWEEP_MAX:-180} KS_MMIO_SAMPLE=1
fi
# depmod, dkms and the like are in sbin, which a user's PATH lacks
PATH=$PATH:/usr/sbin:/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
export B # tests/vm/run.sh boots from $B/vm, and the checks read its share there
. "$top/tests/vm/bed.sh"
vm_bed || exit 1
K=$B/vm/kernel/lib/modules/$krel/kernel
# Debian's own python3, which has python3-pil (svgshot.py)
SYSPY=python3
[ -x /usr/bin/python3 ] && SYSPY=/usr/bin/python3
echo "vmcheck: building kstride.ko against $krel"
vm_kbuild kmod || exit 1
# make install, then DKMS builds the installed source for the VM's kernel;
# e1000-record records with that module
ver=$(make -s -C "$top" version)
rm -rf "$B/install-root" "$B/dkms"
mkdir -p "$B/dkms" # dkms wants its tree to exist
make -s -C "$top" BUILD="$B" install DESTDIR="$B/install-root" PREFIX=/usr > "$B/install.log" 2>&1 ||
	{ echo "vmcheck: make install failed, see $B/install.log"; exit 1; }
dkms build "kstride/$ver" -k "$krel" --kernelsourcedir "$KDIR" --sourcetree "$B/install-root/usr/src" \
	--dkmstree "$B/dkms" > "$B/dkms.log" 2>&1 ||
	{ echo "vmcheck: dkms build failed, see $B/dkms.log"; exit 1; }
cp "$B/dkms/kstride/$ver/$krel/x86_64/module/kstride.ko" "$B/kstride-dkms.ko" ||
	{ echo "vmcheck: dkms built no kstride.ko, see $B/dkms.log"; exit 1; }
echo "vmcheck: dkms built kstride/$ver for $krel from the installed source"
# (6.12's is e1000.ko.xz)
e1000=$(ls "$K"/drivers/net/ethernet/intel/e1000/e1000.ko* 2> /dev/null | head -1)
"$B/kstride" instrument "${e1000:-$K/drivers/net/ethernet/intel/e1000/e1000.ko}" \
	-o "$B/e1000-ks.ko" || exit 1
"$B/relcheck" "$B/e1000-ks.ko" > /dev/null || { echo "vmcheck: relcheck e1000-ks.ko failed"; exit 1; }
# IBT (6.12): every indirect-branch target of the output has its endbr64,
# as in the original; TCG does not enforce IBT, so this is checked here
ibt() { # ORIGINAL INSTRUMENTED
	local a b
	a=$("$B/ibtcheck" "$1" | sed -n 's/.*; \([0-9]*\) without endbr64$/\1/p')
	b=$("$B/ibtcheck" --selftest "$2" | tee "$B/ibtcheck.txt" | sed -n 's/.*; \([0-9]*\) without endbr64$/\1/p')
	grep -q "selftest: .* caught" "$B/ibtcheck.txt" && [ -n "$a" ] && [ "$a" = "$b" ] ||
		{ echo "vmcheck: IBT: $2 has $b targets without endbr64, its original $a"; cat "$B/ibtcheck.txt"; return 1; }
	echo "vmcheck: IBT: $(sed -n 's/^ibtcheck: \(.*without endbr64\)$/\1/p' "$B/ibtcheck.txt"), as its original"
}
# ORC: each copy starts in its original's unwind state, and its states
# follow the stubs' pushes and pops (the WARN test below shows the
# kernel's own unwinder through the copies)
orc() { # ORIGINAL INSTRUMENTED
	python3 "$top/tests/tools/orccheck.py" --selftest "$1" "$2" > "$B/orccheck.txt" ||
		{ echo "vmcheck: ORC: $2"; cat "$B/orccheck.txt"; return 1; }
	echo "vmcheck: ORC: $2: $(head -2 "$B/orccheck.txt" | sed 's/^orccheck: //' | paste -sd';'); self-tests caught"
}
xz -dcf "$e1000" > "$B/e1000-orig.ko" 2> /dev/null || cp "$e1000" "$B/e1000-orig.ko"
orc "$B/e1000-orig.ko" "$B/e1000-ks.ko" || exit 1
if grep -q "^CONFIG_X86_KERNEL_IBT=y" "$KDIR/.config"; then
	ibt "$B/e1000-orig.ko" "$B/e1000-ks.ko" || exit 1
fi
SWEEP_PREPARE_ONLY=1 bash "$top/tests/vm/sweep.sh" "$B" "${KS_SWEEP_MAX:-400}" || exit 1
L=$B/sweep/vmlist
X=$B/vmextra
rm -rf "$X" && bash "$top/tests/vm/kstride-libs.sh" "$B/kstride" "$X" || exit 1
gcc -static -O2 -D_GNU_SOURCE -I"$top/include" -o "$X/ksec" "$top/tests/vm/progs/ksec.c" || exit 1
gcc -static -O2 -D_GNU_SOURCE -o "$X/ptyrun" "$top/tests/vm/progs/ptyrun.c" || exit 1
echo "SAMPLE=$SAMPLE" > "$X/vmcheck.conf"
vm_kbuild ktest edu piotest || exit 1
"$B/kstride" instrument "$MODS/ktest/kstride_test.ko" -o "$B/ks-kstride_test.ko" || exit 1
orc "$MODS/ktest/kstride_test.ko" "$B/ks-kstride_test.ko" || exit 1
if grep -q "^CONFIG_X86_KERNEL_IBT=y" "$KDIR/.config"; then
	ibt "$MODS/ktest/kstride_test.ko" "$B/ks-kstride_test.ko" || exit 1
fi
xz -c "$MODS/ktest/kstride_test.ko" > "$X/kstride_test.ko.xz" &&
zstd -qc "$MODS/ktest/kstride_test.ko" > "$X/kstride_test.ko.zst" &&
gzip -c "$MODS/ktest/kstride_test.ko" > "$X/kstride_test.ko.gz" || exit 1
SC=$top/tests/vm/scenarios
bash "$top/tests/vm/run.sh" -t 3000 -q "-nic user,model=e1000" \
	"$SC/all.sh" "$MODS/kmod/kstride.ko" "$B/kstride-dkms.ko" "$B/e1000-ks.ko" \
	"$SC/e1000-record.sh" "$SC/cycles.sh" "$SC/security.sh" "$SC/sweep.sh" \
	"$SC/ktest.sh" "$MODS/ktest/kstride_test.ko" \
	"$SC/stress.sh" "$B/ks-kstride_test.ko" \
	"$X/kstride" "$X/lib" "$X/ksec" "$X/ptyrun" "$L/list.txt" "$L/ko" \
	"$X/kstride_test.ko.xz" "$X/kstride_test.ko.zst" "$X/kstride_test.ko.gz" \
	"$X/vmcheck.conf"
rc=$?
[ $rc -eq 0 ] || vm_fails=" the VM run (run.sh: $rc; its summary follows)"
S=$B/vm/share/out
cat "$S/summary.txt" 2>/dev/null
grep -h "^cycles" "$S/cycles.log" "$S/cycles-selftest.log" 2>/dev/null
# the test module's own account of its accesses against the trace
if [ -f "$S/ktest.trace" ] && [ -f "$S/truth.txt" ]; then
	"$B/kstride" script "$S/ktest.trace" > "$B/ktest.script" &&
	python3 "$top/tests/vm/ktest/check.py" "$S/truth.txt" "$B/ktest.script" || bad
else
	echo "vmcheck: the test module left no trace or truth"; bad
fi
# the same module from .ko.xz, .ko.zst and .ko.gz, found by name (-d)
for ext in xz zst gz; do
	n=$("$B/kstride" report "$S/ktest-$ext.trace" 2>/dev/null | awk '$1 == "probe_proc" {print $2}')
	if [ "$n" = 1000 ]; then
		echo "vmcheck: kstride_test.ko.$ext found by name and traced: probe_proc 1000 calls"
	else
		echo "vmcheck: kstride_test.ko.$ext: probe_proc calls '$n', not 1000"; bad
	fi
done
grep "^ksec:" "$S/security.log" 2>/dev/null
# the rings under load: produced = read + dropped, with a slow and a fast reader
for mode in slow fast hop switch preswitch; do
	if [ -f "$S/stress-$mode.trace" ]; then
		"$B/kstride" report "$S/stress-$mode.trace" > "$S/stress-$mode.report" &&
		"$B/kstride" script "$S/stress-$mode.trace" > "$B/stress-$mode.script" &&
		python3 "$top/tests/vm/ktest/check-stress.py" $mode "$S/stress-$mode.truth" \
			"$S/stress-$mode.report" "$B/stress-$mode.script" || bad
	else
		echo "vmcheck: no stress-$mode trace"; bad
	fi
done
# a WARN in a copy names its place and unwinds through the copies (ORC)
if grep -q "WARNING: CPU: [0-9]* PID: [0-9]* at .*ktest/main.c:[0-9]* ktest_warn_inner+" "$S/warn-dmesg.txt" 2>/dev/null &&
   grep -q "^\[ *[0-9.]*\]  ktest_warn_outer+" "$S/warn-dmesg.txt" &&
   grep -q "^\[ *[0-9.]*\]  warn_write+" "$S/warn-dmesg.txt"; then
	echo "vmcheck: WARN in an instrumented copy: right place, reliable stack trace"
else
	echo "vmcheck: WARN in an instrumented copy: wrong place or unreliable trace"
	grep -A20 "cut here" "$S/warn-dmesg.txt" 2>/dev/null | head -30
	bad
fi
[ -f "$S/bench-native.txt" ] && python3 "$top/tests/vm/bench-report.py" "$S"
# record -m with e1000 instrumented ahead of time: the same paths traced
if [ -f "$S/e1000-ahead.trace" ]; then
	"$B/kstride" report "$S/e1000-ahead.trace" > "$B/e1000-ahead-report.txt" || bad
	for fn in e1000_probe e1000_open e1000_intr e1000_xmit_frame e1000_remove; do
		grep -q " $fn " "$B/e1000-ahead-report.txt" ||
			{ echo "vmcheck: no $fn in the trace of e1000 instrumented ahead of time"; bad; }
	done
	echo "vmcheck: e1000 instrumented ahead of time: $(head -1 "$B/e1000-ahead-report.txt" | tr -d '#')"
else
	echo "vmcheck: no trace of e1000 instrumented ahead of time"
	bad
fi
# the e1000 trace holds its probe, open and interrupt paths
if [ -f "$S/e1000.trace" ]; then
	"$B/kstride" report "$S/e1000.trace" > "$B/e1000-report.txt" || bad
	for fn in e1000_probe e1000_open e1000_intr e1000_xmit_frame e1000_remove; do
		grep -q " $fn " "$B/e1000-report.txt" || { echo "vmcheck: no $fn in the e1000 trace"; bad; }
	done
	echo "vmcheck: e1000 trace: $(head -1 "$B/e1000-report.txt" | tr -d '#')"
	# its timeline: valid trace events, equal to script's account, the
	# checker able to fail; the SVG drawn by a real browser, not blank
	"$B/kstride" script "$S/e1000.trace" > "$B/e1000.script" &&
	"$B/kstride" timeline "$S/e1000.trace" -o "$B/e1000-timeline.json" \
		--svg "$B/e1000-timeline.svg" &&
	python3 "$top/tests/tools/tlcheck.py" --selftest "$B/e1000-timeline.json" \
		"$B/e1000.script" > "$B/e1000-tlcheck.txt" &&
	grep "^tlcheck: .*events, format valid" "$B/e1000-tlcheck.txt" &&
	$SYSPY "$top/tests/tools/svgshot.py" --selftest --expect task,function \
		"$B/e1000-timeline.svg" "$B/e1000-timeline.png" > "$B/e1000-svgshot.txt" &&
	head -1 "$B/e1000-svgshot.txt" ||
		{ echo "vmcheck: e1000 timeline FAILED"; cat "$B/e1000-tlcheck.txt" "$B/e1000-svgshot.txt" 2>/dev/null | tail -12; bad; }
else
	echo "vmcheck: no e1000 trace"; bad
fi
R=$S/sweep.txt
if [ -f "$R" ]; then
	native=$(grep -vc " native-fail" "$R")
	ok=$(grep -c " ok$" "$R")
	grep -vE " (ok|native-fail)" "$R" | head -20
	inst=$(sed -n 's/^sweep-host: instrumented=\([0-9]*\/[0-9]*\).*/\1/p' "$B/sweep-host.log")
	grep "^sweep-host: a sample" "$B/sweep-host.log"
	echo "sweep: instrumented=$inst functions, loaded=$ok/$native modules"
	# at least 99% of functions instrumented, 150 candidates, all clean
	[ -n "$inst" ] && [ $((${inst%/*} * 100)) -ge $((${inst#*/} * 99)) ] ||
		{ echo "vmcheck: sweep: fewer than 99% of functions instrumented"; bad; }
	[ "$ok" -eq "$native" ] && [ "$ok" -ge 150 ] || bad
else
	echo "vmcheck: no sweep result"; bad
fi
# IBT at run time (6.12): every indirect branch lands on an endbr64
if grep -q "^CONFIG_X86_KERNEL_IBT=y" "$KDIR/.config"; then
	bash "$top/tests/vm/ibt-check.sh" "$B" || rc=1
fi
# MMIO mode against QEMU's own trace of each device (and mmiotrace)
bash "$top/tests/vm/mmio-check.sh" "$B" || rc=1
vm_fails_line vmcheck
cat "$B/vm/mmio-fails.txt" 2>/dev/null
[ $rc -eq 0 ] && echo "vmcheck: 1 passed, 0 failed" || echo "vmcheck: 0 passed, 1 failed"
exit $rc
