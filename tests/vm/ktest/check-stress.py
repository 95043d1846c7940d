#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rings under load, checked from outside: the module counted its own
probe_stress calls (3 events each: entry, its per-CPU update, exit - the
kernel's ret is a jmp to __x86_return_thunk, which loads nothing here);
the trace holds what was read, and its end chunk what kstride.ko counted
as dropped.  produced == read + dropped, exactly.

Who ran them: the module counted its calls per CPU and context (work
items: task, with the worker's pid; IPIs: hardirq, or task context with
the writer's pid on its own CPU, or the idle task's (pid 0) on an idle CPU
that polls; NMIs: nmi).  With
nothing dropped (mode fast) the trace's events per (CPU, context, pid)
must be exactly three per call; with drops (slow), no more than that, and
every event still has a context.

Mode hop: one kthread calls probe_stress while it is moved from CPU to
CPU, preempted anywhere; every event must name that kthread, in task
context, and produced == read + dropped.

Mode switch: a fast reader, and an NMI provoked inside each of 100 ring
switches (kstride.ko's test hook), each running probe_stress 8 times:
every one of those events is dropped, and nothing else is (the rings hold
the burst): dropped == 24 * NMIs taken in the window, no event in NMI
context read, every other context exact, produced == read + dropped.

Mode preswitch: the same NMIs just before each switch sets its flag.  The
NMI's records cross the sub-buffer end too and it switches first; the
interrupted switch must see that.  Nothing is dropped and every context
is exact, NMIs' included (before the fix, the interrupted path completed
the new sub-buffer and the reader waited forever on that CPU).

usage: check-stress.py MODE TRUTH REPORT_OUTPUT SCRIPT_OUTPUT
"""
import re
import sys
from collections import Counter

from kscript import parse_line


def main():
    mode, truth_path, report_path, script_path = sys.argv[1:5]
    calls = None
    want = Counter()
    hop = None
    switch_nmis = switch_late = 0
    with open(truth_path) as f:
        for line in f:
            w = line.split()
            if w[0] == 'stress_calls':
                calls = int(w[1])
            elif w[0] == 'stress_ctx':
                want[(int(w[1]), w[2], int(w[3]))] += 3 * int(w[4])
            elif w[0] == 'switch_nmis':
                switch_nmis, switch_late = int(w[1]), int(w[3])
            elif w[0] == 'hop':
                hop = (int(w[2]), int(w[4]), int(w[6]))  # calls, moves, pid
    dropped = 0
    with open(report_path) as f:
        for line in f:
            m = re.match(r'# dropped: (\d+) events', line)
            if m:
                dropped = int(m.group(1))
    read = 0
    got = Counter()
    nctx = 0
    with open(script_path) as f:
        for line in f:
            e = parse_line(line)
            if not e or not e['func'].startswith('probe_stress+'):
                continue
            read += 1
            pid = e['pid'] if e['ctx'] == 'task' else -1
            got[(e['cpu'], e['ctx'], pid)] += 1
            if e['ctx'] == '?':
                nctx += 1
    produced = 3 * calls
    ok = produced == read + dropped and nctx == 0
    extra = ''
    if mode == 'hop':
        mine = sum(n for (cpu, ctx, pid), n in got.items()
                   if ctx == 'task' and pid == hop[2])
        ok = ok and calls == hop[0] and mine == read and hop[1] > 0
        extra = ' moves=%d attributed=%d/%d' % (hop[1], mine, read)
    elif mode == 'preswitch':
        ok = ok and switch_nmis >= 50 and switch_late == 0 and dropped == 0
        for k in sorted(set(want) | set(got), key=str):
            if got[k] != want[k]:
                ok = False
                print('stress-%s: CONTEXT MISMATCH cpu %d %s pid %d: module %d events, trace %d'
                      % ((mode,) + k + (want[k], got[k])))
        extra = ' nmis_before_switch=%d late=%d contexts=%s' % (
            switch_nmis, switch_late, '/'.join(sorted(set(k[1] for k in got))))
    elif mode == 'switch':
        nmi_read = sum(n for (cpu, ctx, pid), n in got.items() if ctx == 'nmi')
        ok = (ok and switch_nmis >= 50 and switch_late == 0 and
              dropped == 24 * switch_nmis and nmi_read == 0)
        for k in sorted(set(want) | set(got), key=str):
            if k[1] != 'nmi' and got[k] != want[k]:
                ok = False
                print('stress-%s: CONTEXT MISMATCH cpu %d %s pid %d: module %d events, trace %d'
                      % ((mode,) + k + (want[k], got[k])))
        extra = ' nmis_in_switch=%d late=%d nmi_events_read=%d' % (
            switch_nmis, switch_late, nmi_read)
    else:
        for k in sorted(set(want) | set(got), key=str):
            if (got[k] != want[k]) if mode == 'fast' else (got[k] > want[k]):
                ok = False
                print('stress-%s: CONTEXT MISMATCH cpu %d %s pid %d: module %d events, trace %d'
                      % ((mode,) + k + (want[k], got[k])))
        extra = ' contexts=%s' % '/'.join(sorted(set(k[1] for k in got)))
    print('stress-%s: produced=%d read=%d dropped=%d%s %s'
          % (mode, produced, read, dropped, extra, 'ok' if ok else 'MISMATCH'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
