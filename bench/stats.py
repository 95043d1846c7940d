#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Summaries for the benchmarks' interleaved rounds (bench/*.sh).

A times file holds one "LABEL ROUND SECONDS" line per run.  Rounds are
interleaved (every label once per round, in the same order), so a ratio
is taken per round, from runs made seconds apart, and then its median:
a host whose load drifts moves both sides of one round together.

  stats.py times FILE LABEL...           min, median, spread of each label
  stats.py ratio FILE NUM DEN            median and spread of NUM/DEN
Spread is (max - min) / median, in percent.
"""
import statistics
import sys


def load(path):
    t = {}
    for line in open(path):
        f = line.split()
        if len(f) != 3:
            continue
        t.setdefault(f[0], {})[int(f[1])] = float(f[2])
    return t


def summary(vals):
    med = statistics.median(vals)
    spread = (max(vals) - min(vals)) / med * 100 if med else 0.0
    return min(vals), med, spread


def stability(spread):
    return "stable" if spread <= 20 else "unstable: a busy host?"


def main(argv):
    if len(argv) < 3 or argv[1] not in ("times", "ratio"):
        sys.exit(__doc__)
    t = load(argv[2])
    if argv[1] == "times":
        for k in argv[3:]:
            if k not in t:
                sys.exit("stats.py: no runs of %s in %s" % (k, argv[2]))
            mn, med, sp = summary(list(t[k].values()))
            print("%s min=%.4f median=%.4f spread=%.0f%% rounds=%d"
                  % (k, mn, med, sp, len(t[k])))
        return
    num, den = argv[3], argv[4]
    rounds = sorted(set(t.get(num, {})) & set(t.get(den, {})))
    if not rounds:
        sys.exit("stats.py: no round has both %s and %s" % (num, den))
    r = [t[num][i] / t[den][i] for i in rounds if t[den][i] > 0]
    mn, med, sp = summary(r)
    print("%.2f %.2f %.0f %d %s" % (med, mn, sp, len(r), stability(sp)))


if __name__ == "__main__":
    main(sys.argv)
