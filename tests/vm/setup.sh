#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM test bed: Debian's own kernel, its headers, qemu and busybox, from
# the package registry, versions resolved now.  The kernel image and its
# modules are only extracted (dpkg -x) into build/vm/kernel: nothing is
# installed into the host's /boot.  The headers are installed normally
# (/usr/src), since out-of-tree modules build against them.
# Prints the kernel release.  usage: tests/vm/setup.sh [BUILD_DIR]
set -eu
# depmod, dkms and the like are in sbin, which a user's PATH lacks
PATH=$PATH:/usr/sbin:/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
V=$B/vm
mkdir -p "$V/debs"
log=$V/setup.log
: > "$log"

need=
for p in qemu-system-x86 busybox-static kmod cpio linux-headers-amd64 gcc make; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	echo "vm: installing:$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	# as root, or as a user through sudo (a fresh image's root has none)
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update >> "$log" 2>&1
	$SUDO apt-get install -y --no-install-recommends $need >> "$log" 2>&1 ||
		{ echo "vm: apt-get install failed, see $log" >&2; exit 1; }
fi

# linux-headers-amd64 depends on linux-headers-<release>: that is the kernel
krel=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | tr ',' '\n' |
	sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\).*/\1/p' | head -1)
[ -n "$krel" ] || { echo "vm: cannot tell the kernel release from linux-headers-amd64" >&2; exit 1; }
[ -d "/usr/src/linux-headers-$krel" ] || { echo "vm: /usr/src/linux-headers-$krel is missing" >&2; exit 1; }

K=$V/kernel
if [ ! -f "$K/boot/vmlinuz-$krel" ] || [ ! -f "$K/lib/modules/$krel/modules.dep" ]; then
	echo "vm: fetching linux-image-$krel" >&2
	rm -rf "$K" && mkdir -p "$K"
	(cd "$V/debs" && apt-get download "linux-image-$krel" >> "$log" 2>&1) ||
		{ echo "vm: apt-get download linux-image-$krel failed, see $log" >&2; exit 1; }
	dpkg -x "$V/debs/linux-image-${krel}"_*.deb "$K"
	depmod -b "$K" "$krel"
fi
echo "$krel" > "$V/krel"
echo "$krel"
