#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every race 'kstride race' reports on a real driver must be explained.

usage: explained.py EXPLAINED DRIVER KSTRIDE_RACE_STDOUT
       explained.py --selftest EXPLAINED DRIVER KSTRIDE_RACE_STDOUT

EXPLAINED holds one entry per line, "DRIVER FUNC_A FUNC_B: why", the pair
of functions that made the race's two accesses (in either order) and what
the driver's source says of it; a line that starts with blanks continues
the one before.  A report whose pair has no entry for DRIVER fails, and so
does an entry with no reason.  Entries that a run does not report are
listed (the load decides which paths meet), not failed.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "race"))
from compare import kstride_pairs  # noqa: E402


OTHER = "another driver's"


def load(path, driver):
    entries = {}
    last = None
    for n, line in enumerate(open(path), 1):
        if not line.strip() or line.startswith("#"):
            last = None
            continue
        if line[0] in " \t":
            if last is None:
                raise SystemExit("%s:%d: a continuation with no entry" % (path, n))
            if last != OTHER:
                entries[last] += " " + line.strip()
            continue
        head, sep, why = line.partition(":")
        words = head.split()
        if not sep or len(words) != 3:
            raise SystemExit("%s:%d: want 'DRIVER FUNC_A FUNC_B: why'" % (path, n))
        if words[0] != driver:
            last = OTHER  # another driver's entry: its continuations too
            continue
        last = frozenset(words[1:])
        if last in entries:
            raise SystemExit("%s:%d: %s %s twice" % (path, n, words[1], words[2]))
        entries[last] = why.strip()
    for p, why in entries.items():
        if not why:
            raise SystemExit("%s: %s: no reason given" % (path, " ".join(sorted(p))))
    return entries


def check(entries, pairs):
    return sorted(" ".join(sorted(p)) for p in pairs if p not in entries)


def main():
    args = sys.argv[1:]
    selftest = args[:1] == ["--selftest"]
    if selftest:
        args = args[1:]
    if len(args) != 3:
        raise SystemExit(__doc__)
    entries = load(args[0], args[1])
    pairs = kstride_pairs(open(args[2]).read())
    if selftest:
        # a pair nobody explains is caught; every explained one passes
        if "nowhere somewhere" not in check(entries, pairs | {frozenset(["nowhere", "somewhere"])}):
            raise SystemExit("explained: selftest: an unexplained pair was not caught")
        if check(entries, set(entries)):
            raise SystemExit("explained: selftest: an explained pair was failed")
        print("explained: selftest: an unexplained pair caught")
        return
    bad = check(entries, pairs)
    for p in sorted(pairs, key=lambda p: " ".join(sorted(p))):
        a, b = sorted(p) if len(p) == 2 else (list(p) * 2)
        print("vmcheck-race: %s: %s / %s: %s" % (args[1], a, b,
              "explained: " + entries[p] if p in entries else "NOT EXPLAINED"))
    quiet = [" ".join(sorted(p)) for p in entries if p not in pairs]
    if quiet:
        print("vmcheck-race: %s: explained, not reported this run: %s" %
              (args[1], "; ".join(sorted(quiet))))
    print("vmcheck-race: %s: %d pairs of functions race, %d explained" % (args[1], len(pairs), len(pairs) - len(bad)))
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
