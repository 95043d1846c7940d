#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare kstride_test.ko's own account of its probes' accesses (its
debugfs 'truth': FUNC+0xOFF KIND SIZE ADDR COUNT, from hand declarations
and its counters) with what 'kstride script' recorded for the probe_*
functions.  Both sides: (place, kind, size, address) -> count.

usage: check.py TRUTH SCRIPT_OUTPUT
"""
import sys
from collections import Counter

KIND = {'1': 'R', '2': 'W', '3': 'U'}


def main():
    truth, got = Counter(), Counter()
    ret = None
    with open(sys.argv[1]) as f:
        for line in f:
            w = line.split()
            if w[0] == 'uaccess_ret':
                ret = int(w[1])
                continue
            if w[0] in ('stress_calls', 'bench_ns'):
                continue
            if len(w) == 6 and w[1].startswith('['):
                # kallsyms names a module symbol "name [module]+0xoff"
                w = [w[0] + w[1][w[1].index(']') + 1:]] + w[2:]
            place, kind, size, addr, count = w
            truth[(place, KIND[kind], int(size), int(addr, 16))] += int(count)
    with open(sys.argv[2]) as f:
        for line in f:
            w = line.split()
            if len(w) < 5 or not w[1].startswith('probe_') or w[2] in ('ENTRY', 'EXIT'):
                continue
            got[(w[1], w[2], int(w[3]), int(w[4], 16))] += 1
    bad = 0
    for k in sorted(set(truth) | set(got)):
        if truth.get(k, 0) != got.get(k, 0):
            bad += 1
            print('ktest: MISMATCH %s %s %d %#x: module says %d, trace has %d'
                  % (k + (truth.get(k, 0), got.get(k, 0))))
    if ret != -14:
        bad += 1
        print('ktest: MISMATCH the faulting uaccess returned %s, not -EFAULT' % ret)
    n = sum(truth.values())
    print('ktest: %d accesses declared, %d recorded, %d mismatches'
          % (n, sum(got.values()), bad))
    print('ktest: %d passed, %d failed' % (1 if not bad else 0, 1 if bad else 0))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
