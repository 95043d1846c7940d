# SPDX-License-Identifier: GPL-2.0
# Sourced by the VM test scripts, with $top and $B set: the test bed of the
# kernel series KS_KERNEL chooses (tests/vm/setup.sh), and the out-of-tree
# modules built for it.
#   vm_bed                 sets krel, KDIR (the headers), SERIES and MODS
#   vm_kbuild NAME...      builds kmod (kstride.ko) or tests/vm/NAME into
#                          $MODS/NAME, a copy of the sources, so that two
#                          kernels' objects never share a directory
#   bad                    a check failed: sets rc=1 and remembers the
#                          script and line, which vm_fails_line prints
#                          last (a CI log shows only its tail)
# Modules then are $MODS/kmod/kstride.ko, $MODS/ktest/kstride_test.ko, ...

vm_fails=
bad() {
	rc=1
	vm_fails="$vm_fails ${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
}

vm_fails_line() { # NAME
	[ -n "$vm_fails" ] && echo "$1: failed at:$vm_fails (the lines of the checks in tests/vm)"
	return 0
}

vm_bed() {
	krel=$(bash "$top/tests/vm/setup.sh" "$B") || return 1
	KDIR=$(cat "$B/vm/kdir")
	SERIES=$(cat "$B/vm/series")
	MODS=$B/vm/kernels/$SERIES/mods
}

vm_kbuild() {
	local name src w out
	for name in "$@"; do
		if [ "$name" = kmod ]; then
			src=$top/kmod
		else
			src=$top/tests/vm/$name
		fi
		[ -f "$src/Kbuild" ] || { echo "vm: $src/Kbuild: no such module source" >&2; return 1; }
		w=$MODS/$name
		mkdir -p "$w"
		# kmod's Kbuild finds the ABI header at $(src)/../include
		ln -sfn "$top/include" "$MODS/include"
		# the sources only: kbuild's own files stay, for its rebuild checks
		rm -f "$w"/*.c "$w"/*.h "$w"/*.S
		cp -p "$src/Kbuild" "$w/"
		find "$src" -maxdepth 1 \( -name '*.[chS]' ! -name '*.mod.c' \) -exec cp -p {} "$w/" \;
		out=$(make -s -C "$KDIR" M="$w" modules 2>&1)
		# (nothing left to print is no failure: callers may run set -e)
		printf '%s\n' "$out" | grep -v "version generation failed\|asm-prototypes\|Skipping BTF\|^$" >&2 || true
		if ! ls "$w"/*.ko > /dev/null 2>&1; then
			echo "vm: $name did not build against $KDIR" >&2
			return 1
		fi
	done
}
