#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM test bed: Debian's own kernel, its headers, qemu and busybox, from
# the package registry, versions resolved now.  The kernel image and its
# modules are only extracted (dpkg -x) into build/vm/kernels/SERIES/kernel,
# which build/vm/kernel then names: nothing is installed into the host's
# /boot.
#
# KS_KERNEL chooses the series (default 6.1):
#   6.1     Debian 12's kernel; its headers are installed normally (/usr/src)
#   6.1-rt  Debian 12's PREEMPT_RT flavour of the same kernel (extracted)
#   6.12    bookworm-backports' 6.12, built with Debian 12's gcc-12
# For every series but 6.1 the headers, their -common part and the kbuild
# tools are extracted too, next to the kernel, with a private apt state (the
# host's apt sources are not changed).  KS_APT_MIRROR overrides the mirror
# (default: the host's own Debian mirror).
# Prints the kernel release; build/vm/krel holds it too, build/vm/kdir the
# headers to build modules against (not with KS_BED_PREPARE=1, which only
# fetches).  usage: tests/vm/setup.sh [BUILD_DIR]
set -eu
# depmod, dkms and the like are in sbin, which a user's PATH lacks
PATH=$PATH:/usr/sbin:/sbin
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
V=$B/vm
series=${KS_KERNEL:-6.1}
case $series in
6.1) suite= flavour=amd64 ;;
6.1-rt) suite= flavour=rt-amd64 ;; # the host's own sources, as 6.1
6.12) suite=bookworm-backports flavour=amd64 ;;
*)
	echo "vm: KS_KERNEL=$series: no such kernel series; there are 6.1, 6.1-rt and 6.12 (README, 'Kernels', says how to add one)" >&2
	exit 2 ;;
esac
KS=$V/kernels/$series
mkdir -p "$KS/debs"
log=$KS/setup.log
: > "$log"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
need=
pkgs="qemu-system-x86 busybox-static kmod cpio xz-utils zstd gcc make"
# 6.12's headers hold vmlinux: kbuild writes BTF for modules with pahole
[ "$series" = 6.1 ] || pkgs="$pkgs dwarves"
[ "$series" = 6.1 ] && pkgs="$pkgs linux-headers-amd64"
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	echo "vm: installing:$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	# as root, or as a user through sudo (a fresh image's root has none)
	$SUDO apt-get update >> "$log" 2>&1
	$SUDO apt-get install -y --no-install-recommends $need >> "$log" 2>&1 ||
		{ echo "vm: apt-get install failed, see $log" >&2; exit 1; }
fi

# The host's Debian mirror, from its deb822 or one-line sources.
mirror() {
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's|^URIs: *\([^ ]*/debian\)/\?$|\1|p' | head -1)
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's|^deb  *\(\[[^]]*\] *\)\?\([^ ]*/debian\)/\? .*|\2|p' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

# A private apt state for $suite: update once per setup run that needs it.
# No suite: the host's own apt state (Debian 12's own kernels).
APT=
private_apt() {
	[ -n "$suite" ] || return 0
	local d=$KS/apt
	mkdir -p "$d/src" "$d/lists/partial" "$d/cache/archives/partial"
	printf 'deb %s %s main\n' "${KS_APT_MIRROR:-$(mirror)}" "$suite" > "$d/src/ks.list"
	: > "$d/status"
	APT="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$d/src
	     -o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache -o Dir::State::status=$d/status
	     -o APT::Sandbox::User=$(id -un)"
	apt-get $APT update >> "$log" 2>&1 ||
		{ echo "vm: apt-get update for $suite failed, see $log" >&2; exit 1; }
}

# The release a linux-headers-FLAVOUR metapackage points at.
release_of() {
	apt-cache $APT depends "linux-headers-$flavour" 2>> "$log" |
		sed -n "s/^ *|\\?Depends: linux-headers-\\([0-9][^ ]*-$flavour\\)\$/\\1/p" | head -1
}

if [ "$series" = 6.1 ]; then
	krel=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\).*/\1/p' | head -1)
	[ -n "$krel" ] || { echo "vm: cannot tell the kernel release from linux-headers-amd64" >&2; exit 1; }
	kdir=/usr/src/linux-headers-$krel
else
	R=$KS/root
	if [ -s "$KS/krel" ] && [ -f "$R/usr/src/linux-headers-$(cat "$KS/krel")/Makefile" ]; then
		krel=$(cat "$KS/krel")
	else
		echo "vm: resolving linux-headers-$flavour${suite:+ in $suite}" >&2
		private_apt
		krel=$(release_of)
		[ -n "$krel" ] || { echo "vm: linux-headers-$flavour${suite:+ in $suite} names no release, see $log" >&2; exit 1; }
		# the headers and what they need of linux-headers-* and linux-kbuild-*
		todo="linux-headers-$krel" got=
		while set -- $todo && [ $# -gt 0 ]; do
			p=$1
			shift
			todo="$*"
			case " $got " in *" $p "*) continue ;; esac
			got="$got $p"
			todo="$todo $(apt-cache $APT depends "$p" 2>> "$log" |
				sed -n 's/^ *|\?Depends: \(linux-\(headers\|kbuild\)-[^ <>]*\)$/\1/p')"
		done
		echo "vm: fetching$got" >&2
		rm -f "$KS"/debs/linux-headers-* "$KS"/debs/linux-kbuild-*
		(cd "$KS/debs" && apt-get $APT download $got >> "$log" 2>&1) ||
			{ echo "vm: apt-get download$got failed, see $log" >&2; exit 1; }
		rm -rf "$R.new" && mkdir -p "$R.new"
		for f in "$KS"/debs/linux-headers-*.deb "$KS"/debs/linux-kbuild-*.deb; do
			dpkg -x "$f" "$R.new"
		done
		# the flavour's Makefile includes the -common one by its /usr/src path
		mk=$R/usr/src/linux-headers-$krel/Makefile
		sed -i "s|^include /usr/src/|include $R/usr/src/|" "$R.new/usr/src/linux-headers-$krel/Makefile"
		grep -q "^include $R/" "$R.new/usr/src/linux-headers-$krel/Makefile" ||
			{ echo "vm: $mk does not include its -common part as expected" >&2; exit 1; }
		rm -rf "$R" && mv "$R.new" "$R"
		echo "$krel" > "$KS/krel"
	fi
	kdir=$R/usr/src/linux-headers-$krel
fi
[ -f "$kdir/Makefile" ] || { echo "vm: $kdir is missing" >&2; exit 1; }

# build/vm/kernel was a directory before there were series: it was 6.1's
if [ -d "$V/kernel" ] && [ ! -L "$V/kernel" ]; then
	rm -rf "$V/kernels/6.1/kernel"
	mkdir -p "$V/kernels/6.1" && mv "$V/kernel" "$V/kernels/6.1/kernel"
fi
K=$KS/kernel
if [ ! -f "$K/boot/vmlinuz-$krel" ] || [ ! -f "$K/lib/modules/$krel/modules.dep" ]; then
	echo "vm: fetching linux-image-$krel" >&2
	[ "$series" = 6.1 ] || [ -n "$APT" ] || private_apt
	rm -rf "$K" && mkdir -p "$K"
	rm -f "$KS"/debs/linux-image-*
	(cd "$KS/debs" && apt-get $APT download "linux-image-$krel" >> "$log" 2>&1) ||
		{ echo "vm: apt-get download linux-image-$krel failed, see $log" >&2; exit 1; }
	dpkg -x "$KS/debs/linux-image-${krel}"_*.deb "$K"
	depmod -b "$K" "$krel"
fi
# KS_BED_PREPARE=1: fetch only, while another series' VM may be running
if [ "${KS_BED_PREPARE:-0}" = 1 ]; then
	echo "$krel"
	exit 0
fi
ln -sfn "kernels/$series/kernel" "$V/kernel"
echo "$krel" > "$V/krel"
echo "$kdir" > "$V/kdir"
echo "$series" > "$V/series"
echo "$krel"
