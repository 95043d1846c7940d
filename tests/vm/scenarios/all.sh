# SPDX-License-Identifier: GPL-2.0
# make vmcheck: every VM test in one boot.  Each part prints
# "vmtest: NAME ok|FAIL" and the scenario fails if any part failed.
fail=0
part() {
	name=$1
	shift
	t0=$(date +%s)
	if sh "$@" > "/mnt/out/$name.log" 2>&1; then
		echo "vmtest: $name ok ($(($(date +%s) - t0)) s)" | tee -a /mnt/out/summary.txt
	else
		echo "vmtest: $name FAIL (status $?, $(($(date +%s) - t0)) s)" | tee -a /mnt/out/summary.txt
		tail -20 "/mnt/out/$name.log"
		fail=1
	fi
}
: > /mnt/out/summary.txt
part ktest /mnt/ktest.sh
part e1000-record /mnt/e1000-record.sh
part stress /mnt/stress.sh
# vmcheck.conf: SAMPLE=1 for a second kernel in the README's test
# command, which leaves the cycles test to make vmcheck-full
SAMPLE=0
[ -f /mnt/vmcheck.conf ] && . /mnt/vmcheck.conf
if [ "$SAMPLE" != 1 ]; then
	part cycles /mnt/cycles.sh 300
	part cycles-selftest /mnt/cycles.sh selftest 150
fi
part security /mnt/security.sh
part sweep /mnt/sweep.sh
exit $fail
