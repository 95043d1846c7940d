# SPDX-License-Identifier: GPL-2.0
# IBT at run time (tests/vm/ibt-check.sh), under QEMU's ibtwatch plugin,
# which checks that every indirect call or jump lands on an endbr64:
# e1000 instrumented ahead of time brought up and pinged (its ops and its
# interrupt handler called through pointers), the test module run, then
# the test module with one copy's endbr64 broken (truth_show, which
# seq_read calls through a pointer), which the plugin must catch.
# Each module's symbols and sections are saved while it is loaded.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
cat > /tmp/save.sh <<'EOS'
# save MODULE TAG: its symbols and sections, for the host's check
grep "\[$1\]\$" /proc/kallsyms > /mnt/out/ibt-$2.kallsyms
for f in /sys/module/$1/sections/.text*; do
	echo "$(basename "$f") $(cat "$f")"
done > /mnt/out/ibt-$2.sections
EOS
cat > /tmp/e1000.sh <<'EOS'
ip link set eth0 up || exit 1
ip addr add 10.0.2.15/24 dev eth0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(cat /sys/class/net/eth0/operstate)" = up ] && break
	sleep 1
done
ping -c 3 -W 5 10.0.2.2 || exit 2
sh /tmp/save.sh e1000 e1000
ip link set eth0 down
EOS
D=/sys/kernel/debug/kstride_test
rc=0
$KS record -m /mnt/e1000-ks.ko -k /mnt/kstride.ko -o /tmp/e1000.trace -- sh /tmp/e1000.sh ||
	{ echo "ibt: e1000 failed"; rc=1; }
$KS record -m /mnt/ks-kstride_test.ko -k /mnt/kstride.ko -o /tmp/ktest.trace -- \
	sh -c "echo run > $D/run && cat $D/truth > /dev/null && sh /tmp/save.sh kstride_test ktest" ||
	{ echo "ibt: the test module failed"; rc=1; }
$KS record -m /mnt/ks-ibt-broken.ko -k /mnt/kstride.ko -o /tmp/broken.trace -- \
	sh -c "cat $D/truth > /dev/null && sh /tmp/save.sh kstride_test broken" ||
	{ echo "ibt: the broken test module failed"; rc=1; }
dmesg | grep -E "BUG|Oops|general protection|traps:" && rc=3
exit $rc
