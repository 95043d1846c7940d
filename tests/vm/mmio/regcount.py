#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kstride report --mmio --format=csv against a recount of kstride script.

The PCIDEV lines of `kstride mmiotrace` give the BARs; every MMIO_R,
MMIO_W, PIO_R and PIO_W line of the script (its phys= or port=, size and
value=) is placed in its BAR and counted by offset and width: reads,
writes, first and last value, the distinct values written (the CSV shows
the first eight, then how many others, "or more" past 64).  The CSV must
hold exactly that.

usage: regcount.py MMIOTRACE SCRIPT_OUTPUT CSV
"""
import csv
import re
import sys


def bars(path):
    out = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0] != 'PCIDEV' or len(w) < 18:
                continue
            bus, df = int(w[1][:2], 16), int(w[1][2:], 16)
            dev = '%02x:%02x.%x' % (bus, df >> 3, df & 7)
            for b in range(7):
                s, z = int(w[4 + b], 16), int(w[11 + b], 16)
                if z:
                    io = bool(s & 1)
                    out.append((dev, b, io, s & (~3 if io else ~0xf), z))
    return out


def main():
    bl = bars(sys.argv[1])
    want = {}
    with open(sys.argv[2]) as f:
        for line in f:
            m = re.search(r' (MMIO|PIO)_([RW]) (\d+) (?:phys|port)=(0x[0-9a-f]+).* value=(0x[0-9a-f]+)', line)
            if not m or ' bad' in line:
                continue
            io, rw, size = m.group(1) == 'PIO', m.group(2), int(m.group(3))
            a, v = int(m.group(4), 16), int(m.group(5), 16)
            hit = next(((d, b, a - s) for d, b, i, s, z in bl if i == io and s <= a < s + z), None)
            if not hit:
                continue
            k = hit + (size,)
            c = want.setdefault(k, {'r': 0, 'w': 0, 'first': v, 'last': v, 'vals': []})
            c['r' if rw == 'R' else 'w'] += 1
            c['last'] = v
            if rw == 'W' and v not in c['vals']:
                c['vals'].append(v)
    got = {}
    with open(sys.argv[3]) as f:
        for row in csv.DictReader(f):
            k = (row['device'], int(row['bar']), int(row['offset'], 16), int(row['width']))
            vals = [x for x in row['written'].split() if x.startswith('0x')]
            more = re.search(r'\(\+(\d+)( or)? more\)', row['written'])
            got[k] = {'r': int(row['reads']), 'w': int(row['writes']),
                      'first': int(row['first'], 16), 'last': int(row['last'], 16),
                      'vals': [int(x, 16) for x in vals],
                      'more': int(more.group(1)) if more else 0,
                      'over': bool(more and more.group(2))}
    bad = 0
    for k in sorted(set(want) | set(got)):
        w, g = want.get(k), got.get(k)
        ok = (w and g and w['r'] == g['r'] and w['w'] == g['w'] and
              w['first'] == g['first'] and w['last'] == g['last'] and
              w['vals'][:8] == g['vals'] and
              (len(w['vals']) <= 8 and not g['more'] or
               len(w['vals']) - 8 == g['more'] or
               g['over'] and len(w['vals']) - 8 >= g['more']))
        if not ok:
            bad += 1
            if bad <= 10:
                print('regcount: %s: report %s, script %s' % (k, g, w))
    n = sum(c['r'] + c['w'] for c in want.values())
    print('regcount: %d registers, %d accesses, %d mismatches' % (len(want), n, bad))
    return 1 if bad or not n else 0


if __name__ == '__main__':
    sys.exit(main())
