#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Against the kernel's own tracer: Debian's mmiotrace and kstride
recorded the same scenario in the same boot, one after the other.  Every
access mmiotrace logged (R/W: width, address, value) must be in kstride's
R/W lines, in the same order, with the same value; where mmiotrace could
only say UNKNOWN, kstride must have a value (an R or W at that address).

usage: vs-mmiotrace.py NAME MMIOTRACE_LOG KSTRIDE_MMIOTRACE
Prints "mmiotrace-compare: NAME M/N accesses in order, unknown U (kstride
gave values for V)" and exits 1 unless M == N and V == U.
"""
import sys
from difflib import SequenceMatcher


def load(path):
    seq = []
    for line in open(path, errors='replace'):
        w = line.split()
        if not w:
            continue
        if w[0] in ('R', 'W') and len(w) >= 6:
            seq.append((w[0], int(w[1]), int(w[4], 16), int(w[5], 16)))
        elif w[0] == 'UNKNOWN' and len(w) >= 4:
            seq.append(('?', 0, int(w[3], 16), None))
    return seq


def main():
    name, mt, ks = sys.argv[1:4]
    a, b = load(mt), load(ks)
    # an UNKNOWN matches kstride's access at the same address, any kind
    key_a = [(x[2],) if x[0] == '?' else x for x in a]
    key_b = [x for x in b]
    sm = SequenceMatcher(None, [x if len(x) > 1 else x for x in key_a],
                         key_b, autojunk=False)
    matched = sum(bl.size for bl in sm.get_matching_blocks())
    unknown = sum(1 for x in a if x[0] == '?')
    # UNKNOWNs: find kstride values at the same address, in order
    valued = 0
    j = 0
    for x in a:
        if x[0] != '?':
            continue
        while j < len(b) and b[j][2] != x[2]:
            j += 1
        if j < len(b):
            valued += 1
            j += 1
    known = len(a) - unknown
    print('mmiotrace-compare: %s %d/%d accesses in order, unknown %d (kstride gave values for %d)'
          % (name, matched, known, unknown, valued))
    if matched != known:
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != 'equal':
                print('mmiotrace-compare: %s: first difference (%s) at mmiotrace line %d: %s vs kstride %s'
                      % (name, op, i1, a[i1:i1 + 3], b[j1:j1 + 3]))
                break
    return 0 if matched == known and valued == unknown else 1


if __name__ == '__main__':
    sys.exit(main())
