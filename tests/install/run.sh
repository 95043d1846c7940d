#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install into a DESTDIR, then the installed kstride at work from
# there: instrument, link against the installed runtime and header, record,
# report; the man page renders; kstride.ko's source and dkms.conf are in
# place (tests/vm/check.sh builds that source with dkms for the VM).
# usage: tests/install/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
W=$B/tests/install
R=$W/root
rm -rf "$W" && mkdir -p "$W"

t_install() {
	make -s -C "$top" BUILD="$B" install DESTDIR="$R" PREFIX=/usr > "$W/make.log" 2>&1 ||
		die "make install failed: $(tail -3 "$W/make.log")" || return 1
	local f
	for f in usr/bin/kstride usr/lib/libkstride-rt.a usr/include/kstride/abi.h \
		 usr/share/man/man1/kstride.1 usr/src/kstride-0.1/dkms.conf \
		 usr/src/kstride-0.1/kmod/Kbuild usr/src/kstride-0.1/kmod/ring.c \
		 usr/src/kstride-0.1/include/kstride/abi.h; do
		[ -f "$R/$f" ] || die "not installed: /$f" || return 1
	done
	[ "$("$R/usr/bin/kstride" --version)" = "kstride 0.1" ] || die "--version" || return 1
	grep -q '^PACKAGE_VERSION="0.1"$' "$R/usr/src/kstride-0.1/dkms.conf" || die "dkms.conf version" || return 1
	for f in "$top"/doc/*.1; do
		f=$R/usr/share/man/man1/${f##*/}
		[ -f "$f" ] || die "not installed: $f" || return 1
		MANWIDTH=80 man --warnings -l "$f" > /dev/null 2> "$W/man.err"
		[ ! -s "$W/man.err" ] || die "${f##*/}: man page warnings: $(cat "$W/man.err")" || return 1
	done
}

t_installed_works() {
	[ -x "$R/usr/bin/kstride" ] || { echo "SKIP: needs the install test"; return 4; }
	cat > "$W/sum.c" <<'EOS'
#include <stdio.h>
#include <kstride/abi.h>
int sum(const int *p, int n);
int main(void)
{
	static int v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i;
	printf("%d %d\n", sum(v, 100), KS_ABI_VERSION > 0);
	return 0;
}
EOS
	gcc -O2 -c -o "$W/sumlib.o" -x c - <<'EOS' || return 1
int sum(const int *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
EOS
	"$R/usr/bin/kstride" instrument "$W/sumlib.o" -o "$W/sumlib-ks.o" || return 1
	gcc -I"$R/usr/include" -o "$W/sum" "$W/sum.c" "$W/sumlib-ks.o" \
		"$R/usr/lib/libkstride-rt.a" -lpthread || die "does not link against the installed runtime" || return 1
	"$R/usr/bin/kstride" record -q -o "$W/sum.trace" -- "$W/sum" > "$W/sum.out" || return 1
	[ "$(cat "$W/sum.out")" = "4950 1" ] || die "wrong output: $(cat "$W/sum.out")" || return 1
	"$R/usr/bin/kstride" report "$W/sum.trace" | grep -q " sum " || die "no sum in the report"
}

ktest_run install-destdir t_install
ktest_run install-works t_installed_works
ktest_done install
