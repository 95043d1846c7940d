#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test: installs what is missing, builds, then runs make check-all.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh
make -j"$(nproc)"
make check-all
