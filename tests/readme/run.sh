#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's commands as a new user types them, on fresh Debian 12
# systems: a minimal bookworm (debootstrap) as root, which has no sudo,
# and another as an unprivileged user who may use sudo.  Each gets a clean
# clone of this checkout and runs the demo command (default) or the test
# command (--full; about 45 minutes each), exactly as the README writes it.
# Root only (debootstrap, chroot); needs Debian's package registry.  Not
# part of make check: it installs two systems and boots two VMs.
# --prepare makes the base system only (no VM); --only as-root|as-user
# runs one of the two.
# usage: tests/readme/run.sh [--full|--prepare] [--only NAME] [BUILD_DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# the commands as the README writes them: the first code block after
# "## Two commands", demo first, then the test command
readme_cmd() { # N
	awk '/^## Two commands/ { on = 1 } on && /^```sh/ { b = 1; next }
	     b && /^```/ { exit } b { sub(/[ \t]*#.*$/, ""); if ($0 != "") print }' \
		"$top/README.md" | sed -n "${1}p"
}
cmd=$(readme_cmd 1)
prepare=0
only=
case "${1:-}" in
--full) cmd=$(readme_cmd 2); shift ;;
--prepare) prepare=1; shift ;;
esac
if [ "${1:-}" = --only ]; then
	case "${2:-}" in
	as-root|as-user) only=$2; shift 2 ;;
	*) echo "readme: --only takes as-root or as-user, not '${2:-}'"; exit 2 ;;
	esac
fi
[ -n "$cmd" ] || { echo "readme: $top/README.md: no command under '## Two commands'"; exit 2; }
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
W=$B/readme
MIRROR=${KSTRIDE_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "readme: run as root (debootstrap, chroot)"; exit 2; }
command -v debootstrap > /dev/null ||
	{ echo "readme: needs debootstrap (apt-get install debootstrap)"; exit 2; }
mkdir -p "$W"
rc=0

# a minimal bookworm, made once and copied for each run
base=$W/base
if [ ! -f "$base/.complete" ]; then
	rm -rf "$base"
	echo "readme: debootstrap bookworm (minbase) into $base"
	debootstrap --variant=minbase bookworm "$base" "$MIRROR" > "$W/debootstrap.log" 2>&1 ||
		{ echo "readme: debootstrap failed, see $W/debootstrap.log"; exit 1; }
	printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
		"$MIRROR" "$MIRROR" "$MIRROR" > "$base/etc/apt/sources.list"
	# git, to clone; the README assumes a checkout
	chroot "$base" sh -c 'apt-get update && apt-get install -y --no-install-recommends git ca-certificates' \
		>> "$W/debootstrap.log" 2>&1 || { echo "readme: git in the base failed"; exit 1; }
	touch "$base/.complete"
fi
[ $prepare = 1 ] && { echo "readme: base ready in $base"; exit 0; }

mounts() { # ROOT
	mount --rbind /dev "$1/dev" && mount -t proc proc "$1/proc" &&
	mount -t sysfs sys "$1/sys"
}
umounts() { # ROOT
	umount "$1/sys" "$1/proc" 2>/dev/null
	umount -R "$1/dev" 2>/dev/null
}

# run NAME USER: a fresh copy of the base, a clone, the command as USER
run() {
	local name=$1 user=$2 r home log
	r=$W/$name # a local's words expand before any of them is set
	log=$W/$name.log
	umounts "$r"
	# never remove through a mount (the host's /dev is bound in there)
	if grep -q " $r/" /proc/mounts; then
		echo "readme: $name: $r still has mounts; not removing it"; return 1
	fi
	rm -rf --one-file-system "$r" && cp -a "$base" "$r" || return 1
	if [ "$user" = root ]; then
		home=/root
	else
		home=/home/$user
		chroot "$r" sh -c "apt-get install -y --no-install-recommends sudo >/dev/null &&
			useradd -m -s /bin/bash $user &&
			echo '$user ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/$user" > "$W/$name-user.log" 2>&1 ||
			{ echo "readme: $name: cannot make the user"; return 1; }
	fi
	git clone -q "$top" "$r$home/kstride" || return 1
	chroot "$r" chown -R "$user" "$home/kstride"
	mounts "$r" || { echo "readme: $name: mounts failed"; umounts "$r"; return 1; }
	echo "readme: $name: '$cmd' as $user in a fresh bookworm"
	chroot "$r" su - "$user" -c "cd ~/kstride && $cmd" > "$log" 2>&1
	local st=$?
	umounts "$r"
	if [ $st -ne 0 ]; then
		echo "readme: $name: FAILED (status $st), see $log"; tail -15 "$log"
		return 1
	fi
	if [ "$cmd" = "$(readme_cmd 1)" ]; then
		local d=$r$home/kstride/build/demo f
		for f in e1000.mmiotrace e1000-mmio.trace e1000-timeline.json e1000-timeline.svg zlib.trace; do
			[ -s "$d/$f" ] || { echo "readme: $name: the demo left no $f"; return 1; }
		done
		grep -q '^W ' "$d/e1000.mmiotrace" || { echo "readme: $name: no writes traced"; return 1; }
	fi
	echo "readme: $name: ok ($(grep -c . "$log") lines of output; $(tail -1 "$log"))"
}

n=0
for who in as-root:root as-user:kuser; do
	[ -z "$only" ] || [ "$only" = "${who%%:*}" ] || continue
	n=$((n + 1))
	run "${who%%:*}" "${who#*:}" || rc=1
done
[ $rc = 0 ] && echo "readme: $n passed, 0 failed" || echo "readme: FAILED"
exit $rc
