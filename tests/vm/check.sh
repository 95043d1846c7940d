#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vmcheck: build kstride.ko, instrument the modules under test on the
# host, then run every VM test in a single boot (tests/vm/scenarios/all.sh)
# with an e1000 NIC.  Prints the VM's summary and the sweep line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
krel=$(bash "$top/tests/vm/setup.sh" "$B") || exit 1
K=$B/vm/kernel/lib/modules/$krel/kernel
echo "vmcheck: building kstride.ko against $krel"
make -s -C "/usr/src/linux-headers-$krel" M="$top/kmod" modules 2>&1 |
	grep -v "version generation failed\|asm-prototypes\|Skipping BTF" || true
[ -f "$top/kmod/kstride.ko" ] || { echo "vmcheck: kstride.ko did not build"; exit 1; }
"$B/kstride" instrument "$K/drivers/net/ethernet/intel/e1000/e1000.ko" \
	-o "$B/e1000-ks.ko" || exit 1
"$B/relcheck" "$B/e1000-ks.ko" > /dev/null || { echo "vmcheck: relcheck e1000-ks.ko failed"; exit 1; }
SWEEP_PREPARE_ONLY=1 bash "$top/tests/vm/sweep.sh" "$B" 400 || exit 1
L=$B/sweep/vmlist
bash "$top/tests/vm/run.sh" -t 2400 -q "-nic user,model=e1000" \
	"$top/tests/vm/scenarios/all.sh" \
	"$top/kmod/kstride.ko" "$B/e1000-ks.ko" \
	"$top/tests/vm/scenarios/e1000-smoke.sh" "$top/tests/vm/scenarios/sweep.sh" \
	"$L/list.txt" "$L/ko"
rc=$?
S=$B/vm/share/out
cat "$S/summary.txt" 2>/dev/null
R=$S/sweep.txt
if [ -f "$R" ]; then
	native=$(grep -vc " native-fail" "$R")
	ok=$(grep -c " ok$" "$R")
	grep -vE " (ok|native-fail)" "$R" | head -20
	inst=$(sed -n 's/^sweep-host: instrumented=\([0-9]*\/[0-9]*\).*/\1/p' "$B/sweep-host.log")
	echo "sweep: instrumented=$inst functions, loaded=$ok/$native modules"
	[ "$ok" -eq "$native" ] && [ "$ok" -ge 150 ] || rc=1
fi
[ $rc -eq 0 ] && echo "vmcheck: 1 passed, 0 failed" || echo "vmcheck: 0 passed, 1 failed"
exit $rc
