# SPDX-License-Identifier: GPL-2.0
# /dev/kstride refuses non-root and survives random ioctls (tests/vm/progs/ksec.c).
insmod /mnt/kstride.ko || exit 1
/mnt/ksec 20000
rc=$?
rmmod kstride || exit 1
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit $rc
