#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
compare.py LIB ATTRDIR LACKEY_AGG KSTRIDE_REPORT: compare per instruction
the data accesses valgrind lackey saw (lackey-agg -i output, by address) with
the ones kstride recorded (kstride report --by-insn), both as
FUNCTION+0xOFF in the original archive members (ATTRDIR from attrib.py).

An instruction matches when both sides have the same set of (kind, size,
count), lackey's L, S, M being kstride's R, W, U.  TOTAL counts the
instructions with at least one data access on either side.  Mismatches go
to stderr (the first 30, or $FIDELITY_SHOW, with both sides and the
disassembly, then a count
per mnemonic); stdout gets exactly one line:
	fidelity: LIB MATCHED/TOTAL instructions
Exit status 0 only when MATCHED == TOTAL.

The one normalisation, and why:
  GOT loads.  For an instruction whose memory operand carries a GOT
  relocation in the original member (R_X86_64_GOTPCREL, GOTPCRELX,
  REX_GOTPCRELX, GOTTPOFF; listed in ATTRDIR/got.txt from objdump -dr),
  kstride deliberately records no access: the linker may relax the load
  into an immediate or a lea, so whether it reads memory depends on the
  link, not on the object.  Lackey's 8-byte load from the GOT slot is
  dropped for exactly those instructions: one L 8 per execution (the "I"
  count), nothing else of theirs (e.g. the store of "push sym@GOTPCREL").
Nothing else is normalised.
"""
import bisect
import collections
import os
import sys

KIND = {"L": "R", "S": "W", "M": "U"}
SHOW = int(os.environ.get("FIDELITY_SHOW", "30"))


def load_funcs(attrdir):
    secs, funcs = [], []
    with open(attrdir + "/funcs.tsv") as f:
        for ln in f:
            s, e, typ, lab = ln.rstrip("\n").split("\t")
            (secs if typ == "code" else funcs).append(
                (int(s, 16), int(e, 16), lab))
    return secs, funcs


def locate(a, table, starts):
    i = bisect.bisect_right(starts, a) - 1
    if i >= 0 and a < table[i][1]:
        return table[i]
    return None


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: compare.py LIB ATTRDIR LACKEY_AGG KSTRIDE_REPORT")
    lib, attrdir, aggf, repf = sys.argv[1:]
    secs, funcs = load_funcs(attrdir)
    fstarts = [x[0] for x in funcs]
    sstarts = [x[0] for x in secs]
    got = {}
    with open(attrdir + "/got.txt") as f:
        for ln in f:
            where, rel = ln.split()
            got[where] = rel
    text = {}
    with open(attrdir + "/insns.tsv") as f:
        for ln in f:
            where, t = ln.rstrip("\n").split("\t", 1)
            text[where] = t

    lk = collections.defaultdict(dict)
    execs = {}
    with open(aggf) as f:
        for ln in f:
            a, k, size, n = ln.split()
            a = int(a, 16)
            fn = locate(a, funcs, fstarts)
            if fn:
                where = "%s+0x%x" % (fn[2], a - fn[0])
            else:
                sec = locate(a, secs, sstarts)
                where = "%s+0x%x(outside any function)" % (
                    sec[2] if sec else "?", a - (sec[0] if sec else 0))
            if k == "I":
                execs[where] = int(n)
                continue
            lk[where][(KIND[k], int(size))] = int(n)

    dropped = 0
    for where in got:
        acc = lk.get(where)
        if not acc or ("R", 8) not in acc:
            continue
        left = acc[("R", 8)] - execs.get(where, 0)
        dropped += acc[("R", 8)] - max(left, 0)
        if left > 0:
            acc[("R", 8)] = left
        else:
            del acc[("R", 8)]
        if not acc:
            del lk[where]

    ks = collections.defaultdict(dict)
    with open(repf) as f:
        for ln in f:
            where, k, size, n = ln.split()
            key = (k, int(size))
            ks[where][key] = ks[where].get(key, 0) + int(n)

    def order(w):
        name, _, off = w.rpartition("+0x")
        try:
            return (name, int(off.split("(")[0], 16))
        except ValueError:
            return (w, 0)

    total = matched = 0
    bad = []
    for where in sorted(set(lk) | set(ks), key=order):
        a, b = lk.get(where, {}), ks.get(where, {})
        if not a and not b:
            continue
        total += 1
        if a == b:
            matched += 1
        else:
            bad.append(where)

    def fmt(acc):
        return " ".join("%s%d x%d" % (k, s, acc[(k, s)])
                        for k, s in sorted(acc)) or "-"

    byop = collections.Counter()
    for i, where in enumerate(bad):
        t = text.get(where, "?")
        byop[t.split()[0] if t != "?" else "?"] += 1
        if i < SHOW:
            print("mismatch %s: %s\n    lackey:  %s\n    kstride: %s"
                  % (where, t, fmt(lk.get(where, {})),
                     fmt(ks.get(where, {}))), file=sys.stderr)
    if bad:
        if len(bad) > SHOW:
            print("... %d more mismatches" % (len(bad) - SHOW),
                  file=sys.stderr)
        print("mismatches by mnemonic: " + ", ".join(
            "%s %d" % kv for kv in byop.most_common()), file=sys.stderr)
    if dropped:
        print("normalised: %d lackey GOT-slot loads dropped (%d GOT "
              "instructions)" % (dropped, len(got)), file=sys.stderr)
    print("fidelity: %s %d/%d instructions" % (lib, matched, total))
    sys.exit(0 if total and matched == total else 1)


if __name__ == "__main__":
    main()
