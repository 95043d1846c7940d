#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Port I/O that native code makes for a traced driver (tests/vm/piotest).

ks_pio.ko writes N bytes to BAR1 + 1 itself, and through ks_piohelp.ko
(loaded natively) N bytes to BAR1 + 2, N reads of BAR1 + 3 and N 32-bit
writes to BAR1 + 4, the last from a function one call further down.  The
trace must hold the first N as the driver's own, the other 3N as caught
by the net, with the helper's pc, in the module's order.

usage: pio.py OUTDIR   (pio.txt, pio.script, pio.err)
"""
import re
import sys

LINE = re.compile(r'^\[\d+\] \S+ \S+ \S+ (\S+) PIO_([RW]) (\d+) port=0x([0-9a-f]+) '
                  r'value=(\S+)(.*)$')


def main():
    d = sys.argv[1]
    m = re.search(r'pio n (\d+) base (0x[0-9a-f]+)', open(f'{d}/pio.txt').read())
    if not m:
        print('pio-net: FAIL: ks_pio did not run')
        return 1
    n, base = int(m.group(1)), int(m.group(2), 16)
    want = []
    for i in range(n):
        want += [('own', 'W', 1, base + 1, i & 0xff), ('net', 'W', 1, base + 2, i & 0xff),
                 ('net', 'R', 1, base + 3, None), ('net', 'W', 4, base + 4, i)]
    got = []
    pcs = set()
    for ln in open(f'{d}/pio.script'):
        x = LINE.match(ln)
        if not x or not base <= int(x.group(4), 16) < base + 64:
            continue
        net = ' net' in x.group(6)
        if net:
            pcs.add(x.group(1).split('+')[0])
        v = None if x.group(5) == '?' else int(x.group(5), 16)
        got.append(('net' if net else 'own', x.group(2), int(x.group(3)),
                    int(x.group(4), 16), v))
    # the reads' values are the device's: compare all but those
    norm = [(a, b, c, p, None if b == 'R' else v) for a, b, c, p, v in got]
    ok = sum(1 for p, q in zip(norm, want) if p == q)
    caught = sum(1 for g in got if g[0] == 'net')
    err = open(f'{d}/pio.err').read()
    watched = re.search(r'calls into (\d+) kernel functions with (\d+) port instructions', err)
    print(f'pio-net: {ok}/{len(want)} in order, {caught} caught by the net '
          f'(pc in {",".join(sorted(pcs)) or "-"}); '
          f'{watched.group(2) if watched else "?"} port instructions watched')
    fails = []
    if norm != want:
        fails.append(f'{len(got)} recorded, {ok}/{len(want)} as the module made them')
    if not pcs <= {'ks_piohelp_outb', 'ks_piohelp_inb', 'piohelp_outl_inner'}:
        fails.append(f'unexpected pcs {pcs}')
    for f in fails:
        print(f'pio-net: FAIL: {f}')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
