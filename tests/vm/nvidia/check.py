#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""NVIDIA's driver without a GPU, natively and under kstride.

The oracle is ftrace's function tracer on the native load: how often the
init called each function of nvidia.ko that ftrace can see (those with a
__fentry__ call: the open interface layer).  kstride's full-mode trace of
the instrumented load must hold as many entries of each, and no entry of
an ftrace-visible function that ftrace did not see.  The kernel log lines
the driver prints (NVRM) must be the same, every load must fail with
ENODEV, and no load may oops or warn.

usage: check.py OUT_DIR NVIDIA_KO KSTRIDE
"""
import re
import subprocess
import sys
from collections import Counter

BAD = re.compile(r'Oops|BUG:|WARNING:|general protection|Call Trace|RIP:')


def ftrace_visible(ko):
    """Functions with a __mcount_loc entry (the ones ftrace can trace):
    {(section, offset of the traced address): name}, from the ELF alone."""
    def run(*a):
        return subprocess.run(list(a) + [ko], capture_output=True, text=True,
                              check=True).stdout
    secnames = {}
    for m in re.finditer(r'\[\s*(\d+)\]\s+(\S+)', run('readelf', '-SW')):
        secnames[m.group(1)] = m.group(2)
    syms = {}
    for line in run('readelf', '-sW').splitlines():
        w = line.split()
        if len(w) >= 8 and w[3] == 'FUNC' and w[6].isdigit():
            # aliases (init_module, nvidia_frontend_init_module): one name
            # for all, the set of them
            k = (secnames.get(w[6]), int(w[1], 16))
            syms[k] = '/'.join(sorted(set(syms.get(k, '').split('/') + [w[7]]) - {''}))
    vis, cur = {}, None
    for line in run('readelf', '-rW').splitlines():
        m = re.match(r"Relocation section '([^']+)'", line)
        if m:
            cur = m.group(1)
            continue
        w = line.split()
        if (cur != '.rela__mcount_loc' or len(w) < 7 or w[-2] != '+' or
                not re.match(r'^[0-9a-f]+$', w[-1])):
            continue
        site = int(w[-1], 16)
        # ftrace names the function by its start: the call is its first
        # instruction, or follows an endbr64
        for d in (0, 4):
            f = syms.get((w[-3], site - d))
            if f:
                vis[(w[-3], site - d)] = f
                break
    return vis


def resolve(ips, vis):
    """ftrace printed bare addresses (the module was gone when the trace
    was read): find each section's load address as the one under which
    the most addresses are function starts, and name them."""
    names = {}
    by_sec = {}
    for (sec, off), f in vis.items():
        by_sec.setdefault(sec, {})[off] = f
    left = set(ips)
    while left:
        best = (0, None, None)
        for sec, offs in by_sec.items():
            votes = Counter(ip - off for ip in left for off in offs
                            if (ip - off) % 4096 == 0 and ip > off)
            if votes:
                base, n = votes.most_common(1)[0]
                if n > best[0]:
                    best = (n, sec, base)
        if not best[1]:
            break
        _, sec, base = best
        hit = {ip for ip in left if ip - base in by_sec[sec]}
        if len(hit) < 2:
            break
        for ip in hit:
            names[ip] = by_sec[sec][ip - base]
        left -= hit
        del by_sec[sec]
    return names, left


def main():
    out, ko, ks = sys.argv[1], sys.argv[2], sys.argv[3]
    bad = 0
    rc = dict(l.split(' rc=') for l in open(out + '/nv-rc.txt').read().split('\n') if ' rc=' in l)
    native = open(out + '/nv-native.log').read()
    print('nvidia: native load: %s' % native.strip().splitlines()[-1] if native.strip() else
          'nvidia: native load succeeded?')
    if 'No such device' not in native:
        print('nvidia: FAIL: the native load did not fail with ENODEV')
        bad += 1
    for mode in ('full', 'mmio'):
        log = open('%s/nv-%s.log' % (out, mode)).read()
        ok = rc.get(mode) == '3' and 'init failed: No such device' in log
        print('nvidia: %s mode: record exit %s, %s' %
              (mode, rc.get(mode), 'ENODEV as native' if ok else 'NOT as native'))
        if not ok:
            print(log[-2000:])
            bad += 1
    nvrm = {}
    for mode in ('native', 'full', 'mmio'):
        text = open('%s/nv-dmesg-%s.txt' % (out, mode)).read()
        hits = [l for l in text.splitlines() if BAD.search(l)]
        if hits:
            print('nvidia: FAIL: %s load: %s' % (mode, hits[0]))
            bad += 1
        nvrm[mode] = [re.sub(r'^\[[ 0-9.]+\] ', '', l) for l in text.splitlines()
                      if 'NVRM' in l]
    for mode in ('full', 'mmio'):
        same = nvrm[mode] == nvrm['native']
        print('nvidia: %s mode: %d NVRM log lines, %s' %
              (mode, len(nvrm[mode]), 'the same as native' if same else 'NOT the same'))
        if not same:
            print('  native: %s\n  %s: %s' % (nvrm['native'], mode, nvrm[mode]))
            bad += 1

    raw = Counter()
    for line in open(out + '/nv-ftrace.txt'):
        m = re.search(r'\s[\d.]+: (\S+) <-', line)
        if m:
            raw[m.group(1)] += 1
    vis_at = ftrace_visible(ko)
    vis = set(vis_at.values())
    alias = {n: a for a in vis for n in a.split('/')}
    ips = [int(a, 16) for a in raw if a.startswith('0x')]
    names, unknown = resolve(ips, vis_at)
    want = Counter()
    for a, n in raw.items():
        want[names.get(int(a, 16), a) if a.startswith('0x') else a] += n
    if unknown:
        print('nvidia: FAIL: %d traced addresses name no function of nvidia.ko' % len(unknown))
        bad += 1
    script = subprocess.run([ks, 'script', out + '/nv-full.trace'],
                            capture_output=True, text=True)
    if script.returncode:
        print('nvidia: FAIL: kstride script: %s' % script.stderr.strip())
        return 1
    got, accesses, funcs = Counter(), 0, set()
    for line in script.stdout.splitlines():
        w = line.split()
        if len(w) < 6:
            continue
        fn = w[4].split('+')[0]
        fn = alias.get(fn, fn)
        if w[5] == 'ENTRY':
            got[fn] += 1
        elif w[5] in ('R', 'W', 'U'):
            accesses += 1
            funcs.add(fn)
    mism = 0
    for f in sorted(set(want) | (set(got) & vis)):
        if want[f] != got[f]:
            mism += 1
            if mism <= 20:
                print('nvidia: MISMATCH %s: ftrace %d calls, kstride %d entries'
                      % (f, want[f], got[f]))
    blob = sorted(f for f in funcs if re.match(r'_nv\d+rm$', f))
    iface = sorted(f for f in funcs if f in vis)
    print('nvidia: ftrace saw %d calls of %d functions; kstride: %d entries of them, '
          '%d mismatches' % (sum(want.values()), len(want),
                             sum(got[f] for f in want), mism))
    print('nvidia: full trace: %d memory accesses in %d functions (%d of the open '
          'interface layer, %d of the blob, e.g. %s)'
          % (accesses, len(funcs), len(iface), len(blob), ', '.join(blob[:3])))
    if mism or not want or not blob or not iface:
        bad += 1
    mm = subprocess.run([ks, 'report', out + '/nv-mmio.trace'], capture_output=True,
                        text=True)
    print('nvidia: mmio trace: %s' % (mm.stdout.splitlines()[0] if mm.returncode == 0
                                      and mm.stdout else 'UNREADABLE ' + mm.stderr.strip()))
    if mm.returncode:
        bad += 1
    print('nvidia: CPUs online during the recordings: %s'
          % open(out + '/nv-cpus.txt').read().strip())
    print('vmcheck-nvidia: %d passed, %d failed' % (0 if bad else 1, 1 if bad else 0))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
