# SPDX-License-Identifier: GPL-2.0
# kstride.ko checks before it touches memory (tests/vm/mmio/lies.py reads
# what this leaves in /mnt/out):
#  - accessors on tokens that are neither ports nor memory warn exactly as
#    they do natively, and nothing oopses;
#  - a module whose MMIO descriptors lie (tests/vm/mmio/lie.py made it on
#    the host) gets bad records, and no wild access.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
T=/sys/kernel/debug/ks_edu
O=/mnt/out
bad() { dmesg | grep -c "Bad IO access at port"; }
n0=$(bad)
insmod /mnt/ks_edu.ko && echo 1 > $T/badtoken && rmmod ks_edu || exit 1
n1=$(bad)
$KS record --mmio -m /mnt/ks_edu.ko -k /mnt/kstride.ko -o $O/badtoken.trace -- \
	sh -c "echo 1 > $T/badtoken" > $O/badtoken.err 2>&1 || exit 2
n2=$(bad)
echo "badtoken native $((n1 - n0)) kstride $((n2 - n1))" > $O/lies.txt
insmod /mnt/kstride.ko || exit 3
d0=$(dmesg | grep -c "descriptor is wrong")
insmod /mnt/ks_edu-lies.ko || exit 4
echo 50 > $T/bench && echo 1 > $T/copy && cat $T/result >> $O/lies.txt || exit 5
rmmod ks_edu || exit 6
rmmod kstride || exit 7
echo "lies reported $(( $(dmesg | grep -c "descriptor is wrong") - d0 ))" >> $O/lies.txt
dmesg > $O/lies-dmesg.txt
dmesg | grep -E "BUG:|Oops|general protection|unable to handle" && exit 8
exit 0
