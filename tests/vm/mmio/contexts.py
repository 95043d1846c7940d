#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Each device access names the context it ran in.  The truth comes from
the driver itself: IRQ_FUNC is the handler it gives request_irq(), which
runs in hardirq context, so every access made in it is a hardirq access;
its probe and open run in a task.  (NAPI polls run in softirq, or in a
task when ksoftirqd runs them: neither is asserted.)  --threaded: the
kernel forces interrupt threads (PREEMPT_RT), so IRQ_FUNC runs in a task,
the thread named irq/N-NAME that the kernel made for its line.

usage: contexts.py [--threaded] NAME SCRIPT_OUTPUT IRQ_FUNC [TASK_FUNC...]
"""
import re
import sys
from collections import Counter


def main():
    args = sys.argv[1:]
    threaded = args[:1] == ['--threaded']
    if threaded:
        args = args[1:]
    name, script, irq, task = args[0], args[1], args[2], args[3:]
    irq_ctx = 'task' if threaded else 'hardirq'
    by = Counter()
    bad = 0
    for line in open(script):
        m = re.match(r'\[\d+\] \S+ (\S+) (\S+) ([^+ ]+)\+0x[0-9a-f]+ (MMIO|PIO)_', line)
        if not m:
            continue
        comm, ctx, fn = m.group(1), m.group(2), m.group(3)
        by[ctx] += 1
        want = irq_ctx if fn == irq else 'task' if fn in task else None
        if threaded and fn == irq and not re.match(r'irq/\d+-', comm):
            want = 'its irq thread'
        if ctx == '?' or (want and ctx != want):
            bad += 1
            if bad <= 5:
                print('mmio-contexts: %s: %s, not %s: %s' % (name, ctx, want or 'known',
                                                            line.strip()))
        by[(fn, ctx)] += 1
    irq_n = sum(n for k, n in by.items() if isinstance(k, tuple) and k[0] == irq)
    task_n = sum(n for k, n in by.items() if isinstance(k, tuple) and k[0] in task)
    print('mmio-contexts: %s: task=%d softirq=%d hardirq=%d nmi=%d unknown=%d; %s: %d %s'
          ' of %d; %s: %d in a task; %d wrong'
          % (name, by['task'], by['softirq'], by['hardirq'], by['nmi'], by['?'], irq,
             by[(irq, irq_ctx)], 'in its irq thread' if threaded else 'hardirq', irq_n, '/'.join(task) or '-', by.get('task_ok', 0) or
             sum(by[(f, 'task')] for f in task), bad))
    return 1 if bad or not irq_n or (task and not task_n) else 0


if __name__ == '__main__':
    sys.exit(main())
