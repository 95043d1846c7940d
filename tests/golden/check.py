#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the fixtures' own declarations of their accesses (EXP in
fixtures.S, resolved by golden-main.c) with 'kstride script' output.

usage: check.py [--no-stack] EXPECTATIONS SCRIPT_OUTPUT

With --no-stack (the rewriter's option of that name), declarations of
implicit stack accesses (STK) and of explicit %rsp-based operands (RSP) are
expected to be absent.

Both sides are reduced to (function+offset, kind, size, address, flags) ->
number of accesses.  Addresses are compared as the fixture declared them:
absolute, relative to the function's entry stack pointer (taken from its
ENTRY event), or relative to the thread's %fs base.  Every recorded event of
an fx_* function must be declared and every declaration must be recorded.
"""
import sys
from collections import Counter

KIND = {'1': 'R', '2': 'W', '3': 'U', '4': 'ENTRY', '5': 'EXIT'}
BASE = {'0': 'A', '1': 'S', '2': 'F'}
FLAGS = [(1, 'lock'), (2, 'cmpxchg'), (4, 'rep'), (8, 'stack'), (16, 'down')]


def load_exp(path, no_stack):
    exp, present, fs = Counter(), set(), None
    with open(path) as f:
        for line in f:
            w = line.split()
            if w[0] == 'fs_base':
                fs = int(w[1], 16)
                continue
            place, kind, base, size, addr, count, flags = w
            addr = int(addr, 16)
            if BASE[base] == 'S' and addr >= 1 << 63:
                addr -= 1 << 64
            if no_stack and int(flags) & (8 | 32):
                continue
            fl = tuple(n for b, n in FLAGS if int(flags) & b)
            key = (place, KIND[kind], int(size), BASE[base], addr, fl)
            exp[key] += int(count)
            present.add(key)
    return exp, present, fs


def load_actual(path, fs):
    got, present, sp = Counter(), set(), {}
    with open(path) as f:
        for line in f:
            w = line.split()
            place = w[1]
            fn = place.rsplit('+', 1)[0]
            if not fn.startswith('fx_'):
                continue
            if w[2] in ('ENTRY', 'EXIT'):
                s = int(w[3].split('=')[1], 16)
                if w[2] == 'ENTRY':
                    sp[fn] = s
                key = (place, w[2], 8, 'S', s - sp[fn], ())
                got[key] += 1
                present.add(key)
                continue
            kind, size, addr = w[2], int(w[3]), int(w[4], 16)
            rest, count = w[5:], 1
            if rest and rest[0].startswith('x'):
                count = int(rest[0][1:])
                rest = rest[1:]
            words = set(rest)
            fl = tuple(n for b, n in FLAGS if n in words)
            if fn in sp and abs(addr - sp[fn]) < 0x10000:
                spec = ('S', addr - sp[fn])
            elif fs is not None and 0 <= addr - fs < 0x1000 and 'fs' in words:
                spec = ('F', addr - fs)
            else:
                spec = ('A', addr)
            key = (place, kind, size) + spec + (fl,)
            got[key] += count
            present.add(key)
    return got, present


def show(k):
    place, kind, size, base, addr, fl = k
    a = '%s%+#x' % (base, addr) if base != 'A' else '%#x' % addr
    return '%s %s %d %s %s' % (place, kind, size, a, ','.join(fl) or '-')


def main():
    args = sys.argv[1:]
    no_stack = '--no-stack' in args
    args = [a for a in args if a != '--no-stack']
    exp, epresent, fs = load_exp(args[0], no_stack)
    got, gpresent = load_actual(args[1], fs)
    bad = 0
    for k in sorted(set(exp) | set(got) | epresent | gpresent):
        if exp.get(k, 0) != got.get(k, 0) or ((k in epresent) != (k in gpresent)):
            bad += 1
            print('golden: MISMATCH %-60s declared %s recorded %s' %
                  (show(k), exp.get(k, 0) if k in epresent else '-',
                   got.get(k, 0) if k in gpresent else '-'))
    total = len(epresent)
    print('golden: %d/%d declared accesses matched, %d unexpected'
          % (total - len([k for k in epresent if exp[k] != got.get(k, 0) or k not in gpresent]),
             total, len(gpresent - epresent)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
