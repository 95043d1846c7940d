#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of tests/vm/scenarios/mmio-lies.sh.

usage: lies.py OUTDIR
"""
import re
import sys


def main():
    d = sys.argv[1]
    try:
        t = open(f'{d}/lies.txt').read()
    except OSError:
        print('mmio-lies: FAIL: the scenario left no result (see scenario.log)')
        return 1
    m = re.search(r'badtoken native (\d+) kstride (\d+)', t)
    lies = re.search(r'lies reported (\d+)', t)
    ok = True
    if not m or int(m.group(1)) != int(m.group(2)) or not int(m.group(1)):
        print('mmio-lies: FAIL: bad tokens: %s' % (m.group(0) if m else 'no result'))
        ok = False
    else:
        print(f'mmio-lies: accessors on bad tokens warn as natively ({m.group(1)} and '
              f'{m.group(2)} warnings), no oops')
    if not lies or not int(lies.group(1)):
        print('mmio-lies: FAIL: a module whose descriptors lie reported nothing')
        ok = False
    else:
        print(f'mmio-lies: a module whose descriptors lie: {lies.group(1)} sites reported '
              f'wrong, no wild access, no oops')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
