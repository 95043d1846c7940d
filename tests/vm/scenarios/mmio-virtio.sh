# SPDX-License-Identifier: GPL-2.0
# virtio-net (modern only), its whole module stack traced in MMIO mode, in
# a VM with no other virtio device (run.sh -N): load, link up, a ping,
# unload.  DEV names the trace.
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
cat /sys/devices/system/cpu/online > /mnt/out/cpus.txt
$KS record --mmio -b 64 -k /mnt/kstride.ko -o /mnt/out/virtio-net.trace \
	-m virtio_ring,virtio,virtio_pci_modern_dev,virtio_pci_legacy_dev,virtio_pci,virtio_net -- \
	sh -c 'ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 &&
	       ping -c 3 10.0.2.2; cat /sys/devices/system/cpu/online > /mnt/out/cpus-during.txt'
echo "record rc=$?" > /mnt/out/virtio-rc.txt
dmesg | grep -E "WARNING|BUG|Oops|Call Trace|general protection" && exit 3
exit 0
