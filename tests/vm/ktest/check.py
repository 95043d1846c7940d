#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare kstride_test.ko's own account of its probes' accesses (its
debugfs 'truth': FUNC+0xOFF KIND SIZE ADDR COUNT, from hand declarations
and its counters) with what 'kstride script' recorded for the probe_*
functions.  Both sides: (place, kind, size, address) -> count.

Then who ran them: the module notes, before each probe call, the context
its own preempt count names and current->pid ("ctx FUNC CONTEXT PID CPU
CALLS"); the trace's ENTRY events of each probe must carry the same
(context, pid, CPU), as many times.  Their timestamps must fall inside
the local_clock() window the module took around the run.

pv_probe and pv_probe_msr read the PAT MSR, CR3 and the interrupt flag
through paravirt call sites (which the kernel patches in the copy at load;
the MSR's is a plain one, the others are alternatives too) and natively:
the module counts disagreements ("pv CALLS BAD EXPECTED"), and its
entries are checked like the probes' (its C accesses are not declared).

usage: check.py TRUTH SCRIPT_OUTPUT
"""
import sys
from collections import Counter

from kscript import parse_line

SLACK_NS = 2000000  # TSC-to-ns conversion and clock reads: 2 ms

KIND = {'1': 'R', '2': 'W', '3': 'U'}


def main():
    truth, got = Counter(), Counter()
    tctx, gctx, any_cpu = Counter(), Counter(), set()
    ret, window, pv = None, None, None
    with open(sys.argv[1]) as f:
        for line in f:
            w = line.split()
            if w[0] == 'uaccess_ret':
                ret = int(w[1])
                continue
            if w[0] == 'pv':
                pv = [int(x) for x in w[1:4]]
                continue
            if w[0] == 'window':
                window = (int(w[1]), int(w[2]))
                continue
            if w[0] == 'ctx':
                fn, ctx, pid, cpu, n = w[1], w[2], int(w[3]), int(w[4]), int(w[5])
                if cpu < 0:
                    any_cpu.add(fn)
                tctx[(fn, ctx, pid, cpu)] += n
                continue
            if w[0] in ('stress_calls', 'bench_ns', 'bench_calls_ns', 'stress_ctx', 'hop',
                        'switch_nmis', 'leak'):
                continue
            if len(w) == 6 and w[1].startswith('['):
                # kallsyms names a module symbol "name [module]+0xoff"
                w = [w[0] + w[1][w[1].index(']') + 1:]] + w[2:]
            place, kind, size, addr, count = w
            truth[(place, KIND[kind], int(size), int(addr, 16))] += int(count)
    bad = 0
    unknown = outside = 0
    worst = 0
    with open(sys.argv[2]) as f:
        for line in f:
            e = parse_line(line)
            if not e:
                continue
            fn = e['func'].split('+')[0]
            if fn in ('pv_probe', 'pv_probe_msr') and e['kind'] == 'ENTRY':
                pid = e['pid'] if e['ctx'] == 'task' else -1
                gctx[(fn, e['ctx'], pid, e['cpu'])] += 1
            if not e['func'].startswith('probe_'):
                continue
            if e['ctx'] == '?' or (e['ctx'] == 'task' and e['pid'] is None):
                unknown += 1
            if window and e['ts'] is not None:
                d = max(window[0] - e['ts'], e['ts'] - window[1], 0)
                worst = max(worst, d)
                if d > SLACK_NS:
                    outside += 1
            if e['kind'] == 'ENTRY':
                pid = e['pid'] if e['ctx'] == 'task' else -1
                gctx[(fn, e['ctx'], pid, -1 if fn in any_cpu else e['cpu'])] += 1
            if e['kind'] in ('ENTRY', 'EXIT'):
                continue
            got[(e['func'], e['kind'], e['size'], e['addr'])] += 1
    for k in sorted(set(truth) | set(got)):
        if truth.get(k, 0) != got.get(k, 0):
            bad += 1
            print('ktest: MISMATCH %s %s %d %#x: module says %d, trace has %d'
                  % (k + (truth.get(k, 0), got.get(k, 0))))
    if ret != -14:
        bad += 1
        print('ktest: MISMATCH the faulting uaccess returned %s, not -EFAULT' % ret)
    if not pv or pv[0] != pv[2] or pv[1]:
        bad += 1
        print('ktest: MISMATCH paravirt sites: %s (calls, disagreements, expected)' % pv)
    else:
        print('ktest: paravirt sites patched in the copy: %d calls, PAT, CR3 and IF as native'
              % pv[0])
    n = sum(truth.values())
    print('ktest: %d accesses declared, %d recorded, %d mismatches'
          % (n, sum(got.values()), bad))
    cbad = 0
    for k in sorted(set(tctx) | set(gctx), key=str):
        if tctx.get(k, 0) != gctx.get(k, 0):
            cbad += 1
            print('ktest: CONTEXT MISMATCH %s %s pid %d cpu %d: module says %d calls, trace %d'
                  % (k + (tctx.get(k, 0), gctx.get(k, 0))))
    if unknown or outside or not window:
        cbad += 1
    ctxs = sorted(set(k[1] for k in tctx))
    print('ktest: contexts %s: %d calls noted, %d entries attributed, %d mismatches; '
          '%d events without a context; timestamps: %d outside the window (worst %.3f ms)'
          % ('/'.join(ctxs), sum(tctx.values()), sum(gctx.values()), cbad, unknown,
             outside, worst / 1e6))
    bad += cbad
    print('ktest: %d passed, %d failed' % (1 if not bad else 0, 1 if bad else 0))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
