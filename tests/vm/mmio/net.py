#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The safety net catches what it must (tests/vm/edu/ks_edu.c, debugfs net).

ks_edu.ko's own account is the truth: (a) __ioread32_copy(), a kernel
function kstride does not intercept, reads two registers; (b) edu_orig(),
left original, writes i and reads ~i from the liveness register N times;
(c) edu_two(), left original, runs on every CPU at once: N writes of
cpu << 24 | i and N reads of the identification register each.  Every one
of those must be in the trace as caught by the net, with its pc and value,
and nothing else may be; no CPU goes offline, kstride.ko never faults on
its own accesses.

usage: net.py OUTDIR   (edu-net.txt, edu-net.script, edu-net.err, ...-cpus.txt)
"""
import re
import sys

LINE = re.compile(r'^\[(\d+)\] \S+ \S+ (\S+) (\S+) MMIO_([RW]) (\d+) '
                  r'phys=0x([0-9a-f]+) map=\d+ virt=0x[0-9a-f]+ value=(\S+).* net\b')


def percpu(d):
    """cpu0 N cpu1 N ..., or the range of counts when there are many CPUs."""
    if len(d) <= 8:
        return ' '.join(f'cpu{c} {len(v)}' for c, v in sorted(d.items()))
    n = [len(v) for v in d.values()]
    return f'{len(d)} CPUs, {min(n)} to {max(n)} each'


def main():
    d = sys.argv[1]
    res = open(f'{d}/edu-net.txt').read()
    ident = int(re.search(r'^ident (0x[0-9a-f]+)', res, re.M).group(1), 16)
    m = re.search(r'^net n (\d+) copy (0x[0-9a-f]+) (0x[0-9a-f]+) '
                  r'orig_bad (\d+) two_bad (\d+)', res, re.M)
    if not m:
        print('net-catches: FAIL: ks_edu did not run its net test')
        return 1
    n = int(m.group(1))
    copy = [int(m.group(2), 16), int(m.group(3), 16)]
    bad = int(m.group(4)) + int(m.group(5))
    cpus = {int(c): int(k) for c, k in
            re.findall(r'^net two cpu (\d+) (\d+)', res, re.M)}
    steps_made = {int(c): int(k) for c, k in
                  re.findall(r'^netstep cpu (\d+) (\d+)', res, re.M)}
    steps = {}
    got = {'a': [], 'b': [], 'c': {}}
    extra = []
    strings = []
    ctxs = set()
    fails_early = []
    for ln in open(f'{d}/edu-net.script'):
        x = LINE.match(ln)
        if not x:
            continue
        cpu, ctx, pc, rw = int(x.group(1)), x.group(2), x.group(3), x.group(4)
        val = x.group(7)
        v = int(val, 16) if val != '?' else None
        off = int(x.group(6), 16) & 0xfffff
        if '__ioread32_copy' in pc:
            got['a'].append((rw, v))
        elif not pc.startswith('edu_') and (rw == 'W' and 0x40 <= off < 0x48 or
                                            rw == 'R' and off < 8):
            # (e) the kernel's memset_io and memcpy_fromio for edu_strings
            strings.append((rw, off, int(x.group(5)), v))
        elif pc.startswith('edu_orig+'):
            got['b'].append((rw, v))
        elif pc.startswith('edu_step+'):
            steps[cpu] = steps.get(cpu, 0) + 1
            if 'stepped' not in ln or rw != 'R':
                fails_early.append('(d) a cmpl not recorded as a stepped read: ' + ln.strip())
        elif pc.startswith('edu_two+'):
            got['c'].setdefault(cpu, []).append((rw, v))
            ctxs.add(ctx)
        else:
            extra.append(ln.strip())
    fails = fails_early[:3]
    # (e): every byte written once with 0x5a, every byte read as copied
    sm = re.search(r'^net strings ([0-9a-f]{16})', res, re.M)
    wbytes, rbytes = {}, {}
    for rw, off, size, v in strings:
        for k in range(size):
            b = None if v is None else (v >> (8 * k)) & 0xff
            (wbytes if rw == 'W' else rbytes).setdefault(off + k, []).append(b)
    if sm:
        copied = bytes.fromhex(sm.group(1))
        ok_e = (sorted(wbytes) == list(range(0x40, 0x48)) and
                all(w == [0x5a] for w in wbytes.values()) and
                sorted(rbytes) == list(range(8)) and
                all(rbytes[i] == [copied[i]] for i in range(8)))
        if not ok_e:
            fails.append(f'(e) string moves: writes {wbytes}, reads {rbytes}, copied {copied.hex()}')
    else:
        ok_e = None
    # (d) single-stepped on every CPU at once: the window, measured
    made_d = sum(steps_made.values())
    got_d = sum(steps.values())
    if steps_made and not got_d:
        fails.append('(d) no single-stepped access recorded')
    if any(steps.get(c, 0) > k for c, k in steps_made.items()):
        fails.append('(d) more stepped accesses recorded than made')
    if bad:
        fails.append(f'ks_edu saw {bad} wrong values with the net on')
    want_a = [('R', copy[0]), ('R', copy[1])]
    if got['a'] != want_a:
        fails.append(f'(a) {got["a"]} != {want_a}')
    want_b = []
    for i in range(n):
        want_b += [('W', i), ('R', ~i & 0xffffffff)]
    ok_b = sum(1 for p, q in zip(got['b'], want_b) if p == q)
    if got['b'] != want_b:
        fails.append(f'(b) {ok_b}/{len(want_b)} in order, {len(got["b"])} recorded')
    ok_c = 0
    want_c_total = 0
    for c, k in sorted(cpus.items()):
        want = []
        for i in range(k):
            want += [('W', c << 24 | i), ('R', ident)]
        want_c_total += len(want)
        have = got['c'].get(c, [])
        ok_c += sum(1 for p, q in zip(have, want) if p == q)
        if have != want:
            fails.append(f'(c) cpu {c}: {len(have)} recorded, '
                         f'{sum(1 for p, q in zip(have, want) if p == q)}/{len(want)} in order')
    if len(cpus) < 2:
        fails.append(f'(c) ran on {len(cpus)} CPUs, not at least 2')
    if extra:
        fails.append(f'{len(extra)} other net catches, first: {extra[0]}')
    err = open(f'{d}/edu-net.err').read()
    s = re.search(r'safety net: (\d+) PCI functions, (\d+) mappings armed, '
                  r'(\d+) accesses caught .*?\((\d+) single-stepped\), '
                  r'(\d+) faults of kstride.ko itself', err)
    if not s:
        fails.append('record printed no safety-net summary')
        stepped = own = '?'
    else:
        stepped, own = int(s.group(4)), int(s.group(5))
        if own:
            fails.append(f'{own} faults of kstride.ko on its own accesses')
    if 'left original (unknown-kernel-section): the safety net catches' not in err:
        fails.append('record did not name the functions left original')
    online = open(f'{d}/edu-net-cpus.txt').read().strip()
    print(f'net-catches: (a) kernel function {len(got["a"])}/2, '
          f'(b) original function {ok_b}/{len(want_b)}, '
          f'(c) {len(cpus)} CPUs at once {ok_c}/{want_c_total} '
          f'({percpu(got["c"])}), '
          f'(e) kernel string moves {"exact" if ok_e else "-" if ok_e is None else "WRONG"} '
          f'({len(strings)} accesses), '
          f'contexts {",".join(sorted(ctxs)) or "-"}; extra={len(extra)} '
          f'stepped={stepped} own-faults={own} cpus-online={online}')
    if steps_made:
        print(f'net-window: (d) an instruction the net single-steps, on {len(steps_made)} CPUs at '
              f'once: {got_d} of {made_d} recorded, {made_d - got_d} slipped through the '
              f'step window ({" ".join(f"cpu{c} {steps.get(c, 0)}/{k}" for c, k in sorted(steps_made.items()))})')
    for f in fails:
        print(f'net-catches: FAIL: {f}')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
