# SPDX-License-Identifier: GPL-2.0
# NVIDIA's driver in a VM without a GPU: natively (under ftrace's function
# tracer, the oracle for which of its functions the init calls, and how
# often), then recorded by kstride in full mode and in MMIO mode.  Each
# init must fail alike, with ENODEV, and without an oops or a WARN.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
O=/mnt/out
modprobe drm
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
echo 65536 > $T/buffer_size_kb
echo ':mod:nvidia' > $T/set_ftrace_filter
echo function > $T/current_tracer
echo 1 > $T/tracing_on
/mnt/finit /mnt/nvidia.ko > $O/nv-native.log 2>&1
echo "native rc=$?" > $O/nv-rc.txt
echo 0 > $T/tracing_on
cat $T/trace > $O/nv-ftrace.txt
echo nop > $T/current_tracer
dmesg -c > $O/nv-dmesg-native.txt
# the init records before any command runs: big rings, a trace in tmpfs
$KS record -b 160 -m /mnt/nvidia.ko -k /mnt/kstride.ko -o /tmp/nv-full.trace -- true > $O/nv-full.log 2>&1
echo "full rc=$?" >> $O/nv-rc.txt
mv /tmp/nv-full.trace $O/
dmesg -c > $O/nv-dmesg-full.txt
$KS record -b 160 --mmio -m /mnt/nvidia.ko -k /mnt/kstride.ko -o /tmp/nv-mmio.trace -- true > $O/nv-mmio.log 2>&1
echo "mmio rc=$?" >> $O/nv-rc.txt
mv /tmp/nv-mmio.trace $O/
dmesg -c > $O/nv-dmesg-mmio.txt
cat /sys/devices/system/cpu/online > $O/nv-cpus.txt
exit 0
