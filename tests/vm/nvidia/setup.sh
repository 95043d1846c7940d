#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NVIDIA's binary driver for the VM's kernel: Debian's nvidia-kernel-dkms
# from the non-free component (added as an apt source of its own, with the
# same mirror as the machine's Debian sources), built with its own
# Makefile against the VM kernel's headers.  Cached in build/nvidia: the
# .deb and the module are kept while the package version and the kernel
# release stay the same.  Prints the path of nvidia.ko.
# usage: tests/vm/nvidia/setup.sh [BUILD_DIR]
set -eu
# depmod, dkms and the like are in sbin, which a user's PATH lacks
PATH=$PATH:/usr/sbin:/sbin
top=$(cd "$(dirname "$0")/../../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
N=$B/nvidia
mkdir -p "$N"
log=$N/setup.log
: > "$log"
krel=$(bash "$top/tests/vm/setup.sh" "$B")
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

src=/etc/apt/sources.list.d/kstride-nonfree.sources
if ! apt-cache policy nvidia-kernel-dkms 2>/dev/null | grep -q "Candidate: [0-9]"; then
	# the mirror the machine already uses for Debian itself
	uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb \(http[^ ]*\) bookworm .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
	[ -n "$uri" ] || { echo "nvidia: cannot tell which Debian mirror this machine uses" >&2; exit 1; }
	echo "nvidia: adding Debian's non-free and contrib components ($src)" >&2
	printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: non-free contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" | $SUDO tee "$src.tmp" > /dev/null
	$SUDO mv "$src.tmp" "$src"
	$SUDO apt-get update >> "$log" 2>&1 ||
		{ echo "nvidia: apt-get update failed, see $log" >&2; exit 1; }
fi
ver=$(apt-cache policy nvidia-kernel-dkms | sed -n 's/^ *Candidate: *//p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] ||
	{ echo "nvidia: the registry offers no nvidia-kernel-dkms" >&2; exit 1; }
stamp="$ver $krel"
ko=$(ls "$N"/root/usr/src/nvidia-current-*/nvidia.ko 2>/dev/null | head -1 || true)
if [ -n "$ko" ] && [ "$(cat "$N/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$ko"
	exit 0
fi
echo "nvidia: fetching nvidia-kernel-dkms $ver" >&2
rm -rf "$N/root" "$N"/*.deb "$N/stamp"
(cd "$N" && apt-get download "nvidia-kernel-dkms=$ver" >> "$log" 2>&1) ||
	{ echo "nvidia: apt-get download failed, see $log" >&2; exit 1; }
dpkg -x "$N"/nvidia-kernel-dkms_*.deb "$N/root"
d=$(ls -d "$N"/root/usr/src/nvidia-current-* | head -1)
echo "nvidia: building nvidia.ko against $krel (a few minutes)" >&2
make -C "$d" -j"$(nproc)" modules KERNEL_UNAME="$krel" NV_KERNEL_MODULES=nvidia \
	>> "$log" 2>&1 || { echo "nvidia: the build failed, see $log" >&2; exit 1; }
[ -f "$d/nvidia.ko" ] || { echo "nvidia: no nvidia.ko after the build, see $log" >&2; exit 1; }
echo "$stamp" > "$N/stamp"
echo "$d/nvidia.ko"
