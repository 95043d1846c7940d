#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kstride report on an MMIO trace, against a recount of kstride script.

Every MMIO_R, MMIO_W, PIO_R and PIO_W line of the script is counted per
function (its place without the offset; what the safety net caught counts
under kstride.ko's own "net" function, as report has it), with its size
in bytes.  Report's device table must hold exactly those numbers, and no
function the recount does not.

usage: reportcount.py SCRIPT_OUTPUT REPORT_OUTPUT
"""
import re
import sys
from collections import defaultdict

KINDS = ('MMIO_R', 'MMIO_W', 'PIO_R', 'PIO_W')


def recount(path):
    want = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    with open(path) as f:
        for line in f:
            w = line.split()
            k = next((i for i, t in enumerate(w) if t in KINDS), None)
            if k is None or k < 1:
                continue
            fn = 'net' if 'net' in w[k + 1:] else re.sub(r'\+0x[0-9a-f]+.*$', '', w[k - 1])
            size = int(w[k + 1])
            c = want[fn]
            c[KINDS.index(w[k])] += 1
            c[4 if w[k].endswith('_R') else 5] += size
    return want


def reported(path):
    got = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if line.startswith('#') or len(w) != 7:
                continue
            got[w[0]] = [int(x) for x in w[1:]]
    return got


def main():
    want, got = recount(sys.argv[1]), reported(sys.argv[2])
    bad = 0
    for fn in sorted(set(want) | set(got)):
        if want.get(fn) != got.get(fn):
            bad += 1
            print('reportcount: %s: report %s, script %s' % (fn, got.get(fn), want.get(fn)))
    n = sum(sum(c[:4]) for c in want.values())
    print('reportcount: %d functions, %d device accesses, %d mismatches'
          % (len(want), n, bad))
    return 1 if bad or not n else 0


if __name__ == '__main__':
    sys.exit(main())
