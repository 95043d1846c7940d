#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copy build/kstride's shared libraries and loader into DIR/lib, so that
# the VM (a bare busybox) can run it as lib/ld-linux-x86-64.so.2 kstride.
set -eu
BIN=$1 DIR=$2
mkdir -p "$DIR/lib"
ldd "$BIN" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | while read -r l; do
	[ -f "$l" ] && cp -L "$l" "$DIR/lib/"
done
cp "$BIN" "$DIR/"
