#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, from Debian's package registry, what kstride needs to build and
# test on the host.  Idempotent: it only calls apt-get for what is missing.
set -eu
PKGS="build-essential pkg-config libzydis-dev libelf-dev zlib1g-dev liblzma-dev libzstd-dev
libsqlite3-dev valgrind python3 clang libclang-rt-14-dev xz-utils zstd gzip dkms
chromium-headless-shell python3-pil fonts-dejavu-core man-db groff-base libtsan2
qemu-user"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "kstride: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends $missing
