#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""IBT at run time: what QEMU's ibtwatch plugin saw (tests/tools/ibtwatch.c)
while the VM ran tests/vm/scenarios/ibt.sh, against the modules' symbols
and sections saved in the VM.

usage: check.py WATCH OUTDIR E1000.ko KTEST.ko BROKEN.ko

  - e1000 and the test module, instrumented: indirect branches landed in
    their copies (.text.kstride), and every one on an endbr64;
  - the test module with truth_show's endbr64 broken: the plugin saw an
    indirect branch land there without one (the check can fail);
  - nothing else in the module space was reached without an endbr64.
Exit 1 on a failed check, 2 on missing input."""
import subprocess
import sys


def sizes(ko):
    out = subprocess.run(["readelf", "-SW", ko], capture_output=True, text=True,
                         check=True).stdout
    r = {}
    for line in out.splitlines():
        line = line.replace("[ ", "[")
        f = line.split()
        if len(f) > 6 and f[0].startswith("[") and f[1].startswith(".text"):
            r[f[1]] = int(f[5], 16)
    return r


def module(out, tag, ko):
    """{section: (start, end)} and [(addr, name)] of one load"""
    secs, syms = {}, []
    sz = sizes(ko)
    with open(f"{out}/ibt-{tag}.sections") as f:
        for line in f:
            name, addr = line.split()
            if name in sz:
                a = int(addr, 16)
                secs[name] = (a, a + sz[name])
    with open(f"{out}/ibt-{tag}.kallsyms") as f:
        for line in f:
            a, t, name = line.split()[:3]
            if t in "tT":
                syms.append((int(a, 16), name))
    syms.sort()
    if ".text.kstride" not in secs or not syms:
        sys.exit(f"ibt: {tag}: no copies' section or no symbols saved")
    return secs, syms


def where(secs, a):
    for name, (lo, hi) in secs.items():
        if lo <= a < hi:
            return name
    return None


def name_of(syms, a):
    best = None
    for s, n in syms:
        if s <= a:
            best = (s, n)
        else:
            break
    return f"{best[1]}+{a - best[0]:#x}" if best else hex(a)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    watch, out = sys.argv[1], sys.argv[2]
    try:
        lines = open(watch).read().splitlines()
        mods = {t: module(out, t, ko) for t, ko in
                (("e1000", sys.argv[3]), ("ktest", sys.argv[4]), ("broken", sys.argv[5]))}
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"ibt: missing input: {e}")
        sys.exit(2)
    head = lines[0] if lines else ""
    if not head.startswith("ibtwatch: ") or "overflow" in head:
        print(f"ibt: {watch}: not a complete ibtwatch result: '{head}'")
        sys.exit(1)
    targets = [(int(f[1], 16), int(f[2]), f[3] == "1") for f in
               (l.split() for l in lines[1:]) if f[0] == "T"]
    viols = [(int(f[1], 16), int(f[2], 16)) for f in
             (l.split() for l in lines[1:]) if f[0] == "V"]
    bad = 0
    bsecs, bsyms = mods["broken"]
    tshow = [a for a, n in bsyms if n == "truth_show"]
    if len(tshow) != 1 or where(bsecs, tshow[0]) != ".text.kstride":
        print("ibt: the broken module's truth_show is not one copy in .text.kstride")
        sys.exit(1)
    tshow = tshow[0]
    for tag, label in (("e1000", "e1000"), ("ktest", "kstride_test")):
        secs, syms = mods[tag]
        into = [(a, n, e) for a, n, e in targets if where(secs, a) == ".text.kstride"]
        orig = sum(n for a, n, e in targets if where(secs, a) not in (None, ".text.kstride"))
        calls = sum(n for a, n, e in into)
        noend = [(a, n) for a, n, e in into if not e and not (tag == "ktest" and a == tshow)]
        top = sorted(into, key=lambda t: -t[1])[:6]
        print(f"ibt: {label}: {calls} indirect branches landed in {len(into)} places of its copies "
              f"({', '.join(f'{name_of(syms, a)} x{n}' for a, n, e in top)}), "
              f"{len(noend)} without endbr64; {orig} in its originals' entries")
        if not calls or noend:
            bad = 1
            for a, n in noend[:10]:
                print(f"ibt: {label}: {name_of(syms, a)} reached {n} times without endbr64")
    caught = [(f, t) for f, t in viols if t == tshow]
    if caught:
        print(f"ibt: self-test: truth_show's copy with its endbr64 broken: caught, "
              f"{len(caught)} branch site(s) reached it without one (from {', '.join(hex(f) for f, t in caught[:3])})")
    else:
        print("ibt: self-test: truth_show's copy with its endbr64 broken: NOT caught")
        bad = 1
    other = [(f, t) for f, t in viols if t != tshow]
    rest = sum(n for a, n, e in targets
               if all(where(m[0], a) is None for m in mods.values()))
    print(f"ibt: the rest of the module space: {rest} indirect branches, "
          f"{len(other)} distinct places reached without endbr64")
    for f, t in other[:10]:
        print(f"ibt:   {f:#x} -> {t:#x}")
    if other:
        bad = 1
    print(f"ibt: {head[len('ibtwatch: '):]}")
    sys.exit(bad)


if __name__ == "__main__":
    main()
