#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kstride doctor on systems made here (KSTRIDE_ROOT): one ready for kernel
# recordings, one with every problem it knows; each verdict and its advice
# are checked, and the exit status.
# usage: tests/doctor/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
KS=$B/kstride
W=$B/tests/doctor
rm -rf "$W" && mkdir -p "$W"

# mkroot DIR RELEASE: the files doctor reads, for a healthy Debian 6.1
mkroot() {
	local r=$1 rel=$2
	mkdir -p "$r/proc/sys/kernel" "$r/lib/modules/$rel/build" "$r/lib/modules/$rel/extra" \
		"$r/boot" "$r/sys/kernel/security" "$r/sys/module/module/parameters" \
		"$r/sys/devices/system/cpu"
	echo "$rel" > "$r/proc/sys/kernel/osrelease"
	: > "$r/lib/modules/$rel/build/Makefile"
	printf 'license=GPL\0vermagic=%s SMP preempt mod_unload modversions \0' "$rel" \
		> "$r/lib/modules/$rel/extra/kstride.ko"
	printf 'CONFIG_MODULES=y\nCONFIG_KPROBES=y\nCONFIG_DYNAMIC_FTRACE_WITH_REGS=y\nCONFIG_MMIOTRACE=y\n' \
		> "$r/boot/config-$rel"
	echo "[none] integrity confidentiality" > "$r/sys/kernel/security/lockdown"
	echo N > "$r/sys/module/module/parameters/sig_enforce"
	printf 'processor\t: 0\nflags\t\t: fpu vme pae sse2 x2apic\n' > "$r/proc/cpuinfo"
	echo 0-3 > "$r/sys/devices/system/cpu/possible"
	echo "MemTotal:        8000000 kB" > "$r/proc/meminfo"
}

t_healthy() {
	local r=$W/good
	mkroot "$r" 6.1.0-57-amd64
	KSTRIDE_ROOT=$r "$KS" doctor > "$W/good.txt" 2>&1
	local rc=$?
	cat "$W/good.txt"
	[ $rc -eq 0 ] || die "exit status $rc on a healthy system" || return 1
	! grep -q "^FAIL" "$W/good.txt" || die "a FAIL on a healthy system" || return 1
	grep -q "^ok    kernel: 6.1.0-57-amd64 (series 6.1" "$W/good.txt" &&
	grep -q "^ok    headers: /lib/modules/6.1.0-57-amd64/build" "$W/good.txt" &&
	grep -q "^ok    kstride.ko: .*/extra/kstride.ko, built for 6.1.0-57-amd64" "$W/good.txt" &&
	grep -q "^ok    CONFIG_KPROBES set" "$W/good.txt" &&
	grep -q "^ok    signatures: not enforced, lockdown none" "$W/good.txt" &&
	grep -q "^ok    paging: 4-level" "$W/good.txt" &&
	grep -q "^ok    rings: 4 possible CPUs x 2 MiB" "$W/good.txt" ||
		die "a check did not say ok"
}

# the module found in DKMS's place, compressed; the config from /proc
t_dkms_xz() {
	local r=$W/dkms rel=6.1.0-57-amd64
	mkroot "$r" $rel
	mkdir -p "$r/lib/modules/$rel/updates/dkms"
	xz -c "$r/lib/modules/$rel/extra/kstride.ko" > "$r/lib/modules/$rel/updates/dkms/kstride.ko.xz"
	rm "$r/lib/modules/$rel/extra/kstride.ko"
	gzip -c "$r/boot/config-$rel" > "$r/proc/config.gz"
	rm "$r/boot/config-$rel"
	KSTRIDE_ROOT=$r "$KS" doctor > "$W/dkms.txt" 2>&1 || die "exit status $?: $(cat "$W/dkms.txt")" || return 1
	cat "$W/dkms.txt"
	grep -q "^ok    kstride.ko: .*updates/dkms/kstride.ko.xz, built for $rel" "$W/dkms.txt" &&
	grep -q "^ok    CONFIG_MMIOTRACE set" "$W/dkms.txt" || die "not found or not read"
}

t_broken() {
	local r=$W/bad rel=6.12.9-amd64
	mkroot "$r" $rel
	rm -r "$r/lib/modules/$rel/build" "$r/lib/modules/$rel/extra/kstride.ko"
	printf 'license=GPL\0vermagic=6.1.0-57-amd64 SMP mod_unload \0' > "$W/old.ko"
	echo "none [integrity] confidentiality" > "$r/sys/kernel/security/lockdown"
	printf 'CONFIG_MODULES=y\nCONFIG_DYNAMIC_FTRACE_WITH_REGS=y\n' > "$r/boot/config-$rel"
	printf 'processor\t: 0\nflags\t\t: fpu pae la57 x2apic\n' > "$r/proc/cpuinfo"
	echo 0-255 > "$r/sys/devices/system/cpu/possible"
	echo "MemTotal:        2000000 kB" > "$r/proc/meminfo"
	KSTRIDE_ROOT=$r "$KS" doctor -k "$W/old.ko" > "$W/bad.txt" 2>&1
	local rc=$?
	cat "$W/bad.txt"
	[ $rc -eq 1 ] || die "exit status $rc, not 1" || return 1
	grep -q "^warn  kernel: 6.12.9-amd64: kstride is tested on 6.1 only" "$W/bad.txt" &&
	grep -q "^FAIL  headers: none for 6.12.9-amd64" "$W/bad.txt" &&
	grep -q "apt-get install linux-headers-6.12.9-amd64" "$W/bad.txt" &&
	grep -q "^FAIL  kstride.ko: .*old.ko was built for 6.1.0-57-amd64, not 6.12.9-amd64" "$W/bad.txt" &&
	grep -q "^FAIL  CONFIG_KPROBES not set" "$W/bad.txt" &&
	grep -q "^warn  CONFIG_MMIOTRACE not set" "$W/bad.txt" &&
	grep -q "^FAIL  lockdown: none \[integrity\] confidentiality" "$W/bad.txt" &&
	grep -q "^warn  paging: 5-level" "$W/bad.txt" &&
	grep -q "^warn  rings: 256 possible CPUs" "$W/bad.txt" &&
	grep -q "record -b 8" "$W/bad.txt" &&
	grep -q "^doctor: 4 failed" "$W/bad.txt" || die "a verdict or its advice is missing"
}

t_usage() {
	"$KS" doctor --help | grep -q "^usage: kstride doctor" || die "no --help" || return 1
	"$KS" doctor extra > /dev/null 2>&1
	[ $? -eq 2 ] || die "a stray argument is not a usage error"
}

ktest_run doctor-healthy t_healthy
ktest_run doctor-dkms-xz t_dkms_xz
ktest_run doctor-broken t_broken
ktest_run doctor-usage t_usage
ktest_done doctor
