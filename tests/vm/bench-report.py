#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make vmbench's figures, from one VM run of tests/vm/scenarios/stress.sh.

  producer cost per record: (instrumented - native) time of the same hot
      loop, divided by the records it made (one per iteration);
  sustained records per second read with zero drops: the stress run with a
      fast reader, if it dropped nothing;
  slowdown of the instrumented hot loop against the native one.
usage: bench-report.py OUT_DIR
"""
import re
import sys


def field(path, key):
    with open(path) as f:
        for line in f:
            w = line.split()
            if w and w[0] == key:
                return w
    raise SystemExit('vmbench: no %s in %s' % (key, path))


def main():
    d = sys.argv[1]
    native = field(d + '/bench-native.txt', 'bench_ns')
    inst = field(d + '/bench-kstride.txt', 'bench_ns')
    tn, ti, iters = int(native[1]), int(inst[1]), int(native[3])
    calls, sns = (int(x) for x in field(d + '/stress-fast.truth', 'stress_calls')[1:4:2])
    dropped = 0
    with open(d + '/stress-fast.report') as f:
        for line in f:
            m = re.match(r'# dropped: (\d+) events', line)
            if m:
                dropped = int(m.group(1))
    records = 2 * calls  # entry region and exit region per call
    # records the hot loop made: from its trace (one per region executed)
    loop_records = 0
    try:
        with open(d + '/bench.records') as f:
            loop_records = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    rate = records / (sns / 1e9) if sns else 0
    print('vmbench: hot loop %d iterations: native %.1f ms, kstride %.1f ms' %
          (iters, tn / 1e6, ti / 1e6))
    print('vmbench: stress (fast reader): %d records in %.1f ms, %d events dropped' %
          (records, sns / 1e6, dropped))
    per = (ti - tn) / (loop_records or iters)
    print('vmbench: hot loop made %d records' % (loop_records or iters))
    print('vmbench: producer_ns_per_record=%.1f sustained_records_per_s=%s hot_loop_slowdown=%.2f' %
          (per, ('%.0f' % rate) if not dropped else 'n/a(drops)', ti / tn))


if __name__ == '__main__':
    main()
