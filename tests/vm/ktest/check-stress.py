#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rings under load, checked from outside: the module counted its own
probe_stress calls (3 events each: entry, its per-CPU update, exit - the
kernel's ret is a jmp to __x86_return_thunk, which loads nothing here);
the trace holds what was read, and its end chunk what kstride.ko counted
as dropped.  produced == read + dropped, exactly.

usage: check-stress.py MODE TRUTH REPORT_OUTPUT SCRIPT_OUTPUT
"""
import re
import sys


def main():
    mode, truth_path, report_path, script_path = sys.argv[1:5]
    calls = None
    with open(truth_path) as f:
        for line in f:
            if line.startswith('stress_calls'):
                calls = int(line.split()[1])
    dropped = 0
    with open(report_path) as f:
        for line in f:
            m = re.match(r'# dropped: (\d+) events', line)
            if m:
                dropped = int(m.group(1))
    read = 0
    with open(script_path) as f:
        for line in f:
            w = line.split()
            if len(w) > 2 and w[1].startswith('probe_stress+'):
                read += 1
    produced = 3 * calls
    ok = produced == read + dropped
    print('stress-%s: produced=%d read=%d dropped=%d %s'
          % (mode, produced, read, dropped, 'ok' if ok else 'MISMATCH'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
