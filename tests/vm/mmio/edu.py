#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of tests/vm/scenarios/mmio-edu.sh.  ks_edu.ko counts its own
device accesses; the traces must hold exactly those.

  mmiobench: native_ns, kstride_ns, mmiotrace_ns per access (from the
  module's own timing of the same loop), overhead_ratio = (C-A)/(B-A)
  remap: 1000 cycles, each a MAP, an R of the ident and an UNMAP, ids fresh
  irqs: the handler's accesses per CPU equal the module's count per CPU
  full ring: R/W lines + dropped (the Lost MARK) == accesses made

  copies: memset_io, memcpy_toio, memcpy_fromio reach the device (QEMU's
  trace, if given) exactly as they do natively, and as kstride recorded

usage: edu.py OUT_DIR [QEMU_TRACE]
"""
import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fidelity  # noqa: E402


def kv(path):
    d = {}
    for line in open(path):
        w = line.split()
        if w[0] == 'bench':
            d['n'], d['ns'], d['bad'] = int(w[1]), int(w[3]), int(w[5])
        elif w[0] == 'remap':
            d['remap'], d['remap_bad'] = int(w[1]), int(w[3])
        elif w[0] == 'irqs':
            d['irqs'] = int(w[1])
        elif w[0] == 'irq' and w[1] == 'cpu':
            d.setdefault('cpu', {})[int(w[2])] = int(w[3])
        elif w[0] == 'pio':
            d['pio_out'] = [int(w[2][i:i + 2], 16) for i in range(0, 32, 2)]
            d['pio_in'] = [int(w[4][i:i + 2], 16) for i in range(0, 32, 2)]
    return d


def net_bench(o):
    """The net's cost per access, from interleaved rounds: median [spread]."""
    def per(path, key):
        for line in open(path):
            w = line.split()
            if w and w[0] == key:
                return int(w[3]) / (2.0 * int(w[1]))
        return None
    rounds = []
    r = 1
    while os.path.exists('%s/edu-armed-%d.txt' % (o, r)):
        rounds.append((per('%s/edu-nonet-%d.txt' % (o, r), 'bench'),
                       per('%s/edu-armed-%d.txt' % (o, r), 'bench'),
                       per('%s/edu-caught-%d.txt' % (o, r), 'benchorig'),
                       per('%s/edu-mmiotrace-%d.txt' % (o, r), 'bench'),
                       per('%s/edu-noorder-%d.txt' % (o, r), 'bench'),
                       per('%s/edu-native-%d.txt' % (o, r), 'bench')
                       if os.path.exists('%s/edu-native-%d.txt' % (o, r)) else None))
        r += 1
    if not rounds or any(None in x[:5] for x in rounds):
        print('mmiobench-net: no rounds')
        return
    med = lambda v: sorted(v)[len(v) // 2]
    spread = lambda v: '%.2f-%.2f' % (min(v), max(v)) if max(v) < 100 else '%.0f-%.0f' % (min(v), max(v))
    col = lambda i: [x[i] for x in rounds]
    if all(x[5] for x in rounds):
        # the headline from the rounds: each ratio per round, then its median
        nat, ks, mt = col(5), col(1), col(3)
        over = [(c - a) / (b - a) for a, b, c in zip(nat, ks, mt) if b > a]
        per_nat = [b / a for a, b in zip(nat, ks)]
        if over:
            print('mmiobench: %d interleaved rounds (median [min-max]): native_ns=%.0f [%s] '
                  'kstride_ns=%.0f [%s] mmiotrace_ns=%.0f [%s] overhead_ratio=%.1f [%s] '
                  'kstride/native=%.1f [%s]'
                  % (len(rounds), med(nat), spread(nat), med(ks), spread(ks), med(mt),
                     spread(mt), med(over), spread(over), med(per_nat), spread(per_nat)))
    armed_ratio = [x[1] / x[0] for x in rounds]
    mt_ratio = [x[3] / x[2] for x in rounds]
    print('mmiobench-net: %d rounds; instrumented access: net armed %.0f ns [%s], --no-net %.0f ns [%s], '
          'armed/unarmed %.2f [%s]' % (len(rounds), med(col(1)), spread(col(1)), med(col(0)),
                                       spread(col(0)), med(armed_ratio), spread(armed_ratio)))
    order_ratio = [x[1] / x[4] for x in rounds]
    print('mmiobench-net: the global order\'s lock: with it %.0f ns [%s], without (order=0) %.0f ns [%s], '
          'with/without %.2f [%s]' % (med(col(1)), spread(col(1)), med(col(4)), spread(col(4)),
                                      med(order_ratio), spread(order_ratio)))
    print('mmiobench-net: access caught by the net %.0f ns [%s], mmiotrace %.0f ns [%s], '
          'mmiotrace/caught %.1f [%s]' % (med(col(2)), spread(col(2)), med(col(3)), spread(col(3)),
                                          med(mt_ratio), spread(mt_ratio)))


def lines(path, kinds):
    return [l.split() for l in open(path) if l.split() and l.split()[0] in kinds]


def main():
    o = sys.argv[1]
    ok = True
    nat, ks, mt = kv(o + '/edu-native.txt'), kv(o + '/edu-kstride.txt'), kv(o + '/edu-mmiotrace.txt')
    per = lambda d: d['ns'] / (2.0 * d['n'])
    a, b, c = per(nat), per(ks), per(mt)
    r = (c - a) / (b - a) if b > a else float('inf')
    print('mmiobench: one run: native_ns=%.0f kstride_ns=%.0f mmiotrace_ns=%.0f overhead_ratio=%.1f'
          % (a, b, c, r))
    net_bench(o)
    cpus = open(o + '/edu-kstride-cpus.txt').read().strip()
    mcpus = open(o + '/edu-mmiotrace-cpus.txt').read().strip()
    print('mmiobench: CPUs online while kstride traced: %s; while mmiotrace traced: %s'
          % (cpus, mcpus))
    if nat['bad'] or ks['bad'] or mt['bad']:
        print('mmiobench: the liveness register read back wrong values')
        ok = False
    # the traced benchmark: every access, with the value the device gave
    rw = lines(o + '/edu.mmiotrace', ('R', 'W'))
    n = ks['n']
    live = [l for l in rw if int(l[4], 16) & 0xfff == 4]
    want = []
    for i in range(n):
        want += [('W', i & 0xffffffff), ('R', ~i & 0xffffffff)]
    got = [(l[0], int(l[5], 16)) for l in live]
    lost = sum(1 for l in open(o + '/edu.mmiotrace') if l.startswith('MARK'))
    print('mmio-edu: bench %d accesses made, %d traced, %s' %
          (2 * n, len(got), 'values exact' if got == want else 'MISMATCH'))
    ok &= got == want and not lost
    # 1000 ioremap/iounmap cycles: fresh ids, each with its read
    rb = kv(o + '/edu-robust.txt')
    mt_r = open(o + '/edu-robust.mmiotrace').read().split('\n')
    maps = [l.split() for l in mt_r if l.startswith('MAP ')]
    unmaps = [l.split() for l in mt_r if l.startswith('UNMAP ')]
    ids = [int(m[2]) for m in maps]
    reads = Counter(int(l.split()[3]) for l in mt_r
                    if l.startswith('R ') and int(l.split()[4], 16) & 0xfffff == 0)
    cycles = [i for i in ids if reads.get(i) == 1]
    fresh = len(set(ids)) == len(ids)
    rok = rb['remap'] == 1000 and len(cycles) >= 1000 and fresh and len(unmaps) >= 1000
    print('mmio-edu: remap %d cycles made, %d MAP, %d UNMAP, %d with their read, ids %s'
          % (rb['remap'], len(maps), len(unmaps), len(cycles), 'fresh' if fresh else 'REUSED'))
    ok &= rok
    # interrupts on every CPU: the handler reads the status register
    want_cpu = {c: n for c, n in rb.get('cpu', {}).items() if n}
    sc = Counter()
    for l in open(o + '/edu-robust.script'):
        w = l.split()
        if len(w) > 7 and w[5] == 'MMIO_R' and 'edu_irq' in w[4] and \
                int(w[7].split('=')[1], 16) & 0xfff == 0x24:
            sc[int(w[0][1:-1])] += 1
    iok = dict(sc) == want_cpu and len(want_cpu) >= 2
    print('mmio-edu: irqs per CPU: module %s, trace %s %s'
          % (want_cpu, dict(sc), 'ok' if iok else 'MISMATCH'))
    ok &= iok
    # ins and outs (rep outsb, rep insb on port 0x80): element by element
    pio = [(l[0], int(l[3], 16), int(l[4], 16)) for l in
           lines(o + '/edu-robust.mmiotrace', ('IN', 'OUT'))]
    want = [('OUT', 0x80, v) for v in rb.get('pio_out', [])] + \
           [('IN', 0x80, v) for v in rb.get('pio_in', [])]
    pok = pio == want and len(want) == 32
    print('mmio-edu: rep outsb/insb: module %d bytes out, %d in; trace %d OUT, %d IN, %s'
          % (len(rb.get('pio_out', [])), len(rb.get('pio_in', [])),
             sum(1 for p in pio if p[0] == 'OUT'), sum(1 for p in pio if p[0] == 'IN'),
             'values exact' if pok else 'MISMATCH'))
    ok &= pok
    # copies: native and traced, as QEMU's device saw them (segments 1, 3)
    if len(sys.argv) > 2:
        bs = fidelity.bars(o + '/edu-copy.mmiotrace', '123411e8')
        segs = fidelity.qemu_segments(sys.argv[2])
        base = bs[0][1] if bs else 0
        def dev(seg):
            return [(rw, sz, a - base, v) for c, rw, sz, a, v, n in segs[seg]
                    if base and 0x100 <= a - base < 0x400]
        nat, trc = (dev(1), dev(3)) if len(segs) > 3 else ([], [])
        allk = [(l[0], int(l[1]), int(l[4], 16) - base, int(l[5], 16))
                for l in lines(o + '/edu-copy.mmiotrace', ('R', 'W'))
                if base and 0x100 <= int(l[4], 16) - base < 0x400]
        # edu takes aligned 4- and 8-byte accesses only: QEMU does not
        # pass it (nor trace) other ones, which the CPU still made
        ks = [a for a in allk if a[1] in (4, 8) and a[2] % a[1] == 0]
        cok = nat and nat == trc and trc == ks
        print('mmio-edu: memset_io/memcpy_toio/fromio: device saw %d accesses natively, '
              '%d traced (%s), kstride recorded them %s (and %d others edu refuses)'
              % (len(nat), len(trc), 'same' if nat == trc else 'DIFFERENT',
                 'the same' if trc == ks else 'DIFFERENTLY', len(allk) - len(ks)))
        ok &= bool(cok)
    else:
        print('mmio-edu: memset_io/memcpy_toio/fromio: no QEMU trace here, not compared')
    # full ring: what was traced plus what was dropped is what was made
    full = kv(o + '/edu-full.txt')
    fl = open(o + '/edu-full.mmiotrace').read().split('\n')
    traced = sum(1 for l in fl if l[:2] in ('R ', 'W '))
    lost = [int(m.group(1)) for m in re.finditer(r'^MARK \S+ Lost (\d+) events\.', '\n'.join(fl), re.M)]
    marks = sum(1 for l in fl if 'Lost events on CPU' in l)
    made = 2 * full['n'] + 1  # the loop, and the ident read at probe
    fok = lost and traced + lost[-1] == made and marks > 0
    print('mmio-edu: full ring: %d accesses made, %d traced + %d lost (%d MARK lines where) %s'
          % (made, traced, lost[-1] if lost else 0, marks, 'ok' if fok else 'MISMATCH'))
    ok &= bool(fok)
    print('mmio-edu: %d passed, %d failed' % (1 if ok else 0, 0 if ok else 1))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
