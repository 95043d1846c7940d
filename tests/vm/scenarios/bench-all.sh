# SPDX-License-Identifier: GPL-2.0
# make vmbench in one boot: the rings (stress.sh), --calls (bench-calls.sh),
# MMIO against mmiotrace on QEMU's edu device (mmio-edu.sh), and the
# e1000 scenario's wall time untraced, under kstride --mmio and under
# mmiotrace, in interleaved rounds (bench-nic.sh).
sh /mnt/stress.sh > /mnt/out/stress.log 2>&1 || exit 1
sh /mnt/bench-calls.sh > /mnt/out/bench-calls.log 2>&1 || exit 4
sh /mnt/bench-ring.sh > /mnt/out/bench-ring.log 2>&1 || exit 5
sh /mnt/mmio-edu.sh 20000 > /mnt/out/mmio-edu.log 2>&1 || exit 2
sh /mnt/bench-nic.sh > /mnt/out/bench-nic.log 2>&1 || exit 3
exit 0
