#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare 'kstride race' with ThreadSanitizer on the same program.

usage: compare.py TSAN_STDERR KSTRIDE_RACE_STDOUT [--expect A:B ...]
                  [--twins F,G,...] [--exact] [--selftest]

TSAN_STDERR "-": no oracle (the kernel), and --exact: kstride must report
the --expect pairs and nothing else.

A race is compared as the unordered pair of functions that made its two
accesses: TSan's top frame outside its own interceptors (free() is the
function that called it), kstride's function of each side.  The two sets
must be equal; every --expect pair must be in both; no function named by
--twins (the correctly synchronised twins) may be in either.  --selftest
damages kstride's set in each way the check must catch and requires that
each is caught.
"""
import re
import sys


def tsan_pairs(text):
    pairs = set()
    # a race with a free is "heap-use-after-free" when the free came first
    for block in re.split(r"WARNING: ThreadSanitizer: (?:data race|heap-use-after-free)",
                          text)[1:]:
        funcs = []
        lines = block.splitlines()
        i = 0
        while i < len(lines) and len(funcs) < 2:
            if re.match(r"\s+(Atomic )?(Previous )?(atomic )?(read|write|Read|Write) of size",
                        lines[i]):
                j = i + 1
                while j < len(lines) and re.match(r"\s+#\d+ ", lines[j]):
                    m = re.match(r"\s+#\d+ (\S+) (\S+)", lines[j])
                    # TSan's own interceptors (free, memcpy...) are in libtsan
                    if m and "libsanitizer" not in m.group(2) and "libtsan" not in lines[j]:
                        funcs.append(m.group(1))
                        break
                    j += 1
                i = j
            i += 1
        if len(funcs) == 2:
            pairs.add(frozenset(funcs))
        else:
            raise SystemExit("compare: cannot read a TSan report:\n" + block[:400])
    return pairs


def kstride_pairs(text):
    pairs = set()
    sides = []
    for line in text.splitlines():
        m = re.match(r"\s+(earlier|later)\s.* at (\S+)\+0x[0-9a-f]+", line)
        if m:
            name = m.group(2).split(":")[-1]  # object:name when ambiguous
            # a compiler's clone is its function: f.isra.0, f.constprop.1, f.cold
            name = name.split(".")[0]
            sides.append(name)
            if len(sides) == 2:
                pairs.add(frozenset(sides))
                sides = []
    if sides:
        raise SystemExit("compare: a kstride report with one side")
    return pairs


def show(p):
    return "{" + ", ".join(sorted(p)) + "}"


def check(ts, ks, expect, twins):
    errs = []
    if ts is None:  # no oracle: the planted races are all there is
        ts = set(expect)
    for p in sorted(ts - ks, key=show):
        errs.append("the oracle has %s, kstride does not" % show(p))
    for p in sorted(ks - ts, key=show):
        errs.append("kstride reports %s, the oracle does not" % show(p))
    for p in expect:
        for name, s in (("oracle", ts), ("kstride", ks)):
            if p not in s:
                errs.append("%s misses the planted race %s" % (name, show(p)))
    for name, s in (("oracle", ts), ("kstride", ks)):
        for p in s:
            for f in p:
                if f in twins:
                    errs.append("%s reports %s: %s is a synchronised twin"
                                % (name, show(p), f))
    return errs


def main():
    args = sys.argv[1:]
    selftest = "--selftest" in args
    exact = "--exact" in args
    args = [a for a in args if a not in ("--selftest", "--exact")]
    expect, twins, files = [], set(), []
    i = 0
    while i < len(args):
        if args[i] == "--expect":
            expect.append(frozenset(args[i + 1].split(":")))
            i += 2
        elif args[i] == "--twins":
            twins |= set(args[i + 1].split(","))
            i += 2
        else:
            files.append(args[i])
            i += 1
    if len(files) != 2:
        raise SystemExit(__doc__)
    ts = None if files[0] == "-" else tsan_pairs(open(files[0]).read())
    if ts is None and not exact:
        raise SystemExit("compare: without an oracle, --exact is needed")
    ks = kstride_pairs(open(files[1]).read())
    if selftest:
        damages = {
            "a race missed": ks - {sorted(ks, key=show)[0]},
            "a race added": ks | {frozenset(["nowhere", "somewhere"])},
            "a twin reported": ks | {frozenset([sorted(twins)[0], "x"])},
            "a planted race missed by both": None,
        }
        bad = 0
        for what, dk in damages.items():
            if dk is None:
                e = check(None if ts is None else ts - {expect[0]},
                          ks - {expect[0]}, expect, twins)
            else:
                e = check(ts, dk, expect, twins)
            if not e:
                print("compare: selftest: %s was not caught" % what)
                bad += 1
        if bad:
            sys.exit(1)
        print("compare: selftest: %d damages caught" % len(damages))
        return
    errs = check(ts, ks, expect, twins)
    print("compare: %s %d, kstride %d race pairs: %s" %
          ("TSan" if ts is not None else "planted", len(ts if ts is not None else expect),
           len(ks), " ".join(show(p) for p in sorted(ks, key=show))))
    for e in errs:
        print("compare: " + e)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
