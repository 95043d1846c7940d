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
disassembly, then a count per mnemonic; FIDELITY_NORMALISED=1 also lists
every normalised instruction, lackey's side before and after); stdout gets
exactly one line:
	fidelity: LIB MATCHED/TOTAL instructions
Exit status 0 only when MATCHED == TOTAL.

Normalisations, and why.  Each is decided from the original member's
disassembly (ATTRDIR/insns.tsv, ATTRDIR/got.txt: objdump of the archive
member, never kstride's output) and changes only lackey's side of the
instructions of its class; how many instructions each changed is printed on
stderr ("fidelity: normalised: ...").  Three of them undo artefacts of
valgrind's translation; tests/fidelity/valgrind-quirks.S has one labelled
instance of each (and controls), and tests/fidelity/valgrind-quirks.sh runs
it under lackey and checks that lackey still behaves as described here.

  got         For an instruction whose memory operand carries a GOT
              relocation in the original member (R_X86_64_GOTPCREL,
              GOTPCRELX, REX_GOTPCRELX, GOTTPOFF; listed in got.txt from
              objdump -dr), kstride deliberately records no access: the
              linker may relax the load into an immediate or a lea, so
              whether it reads memory depends on the link, not on the
              object.  Lackey's 8-byte load from the GOT slot is dropped for
              exactly those instructions: one L 8 per execution (the "I"
              count), nothing else of theirs (e.g. the store of
              "push sym@GOTPCREL").

  bt-reg      bt/bts/btr/btc (any operand-size suffix) whose operands are
              all registers or immediates: lackey's accesses are dropped.
              The instruction touches no memory, but VEX's amd64 front end
              translates the register-offset forms by storing the register
              on the stack (below the red zone), doing the bit operation on
              that memory and, for bts/btr/btc, loading the register back:
              lackey shows e.g. S 8 + L 1 (bt %rbx,%rax) or S 8 + M 1 + L 8
              (bts %rbx,%rax) per execution; kstride records nothing, which
              is right.  Verified: valgrind-quirks.S q_bt_reg_live,
              q_bt_reg32_live, q_bts_reg, q_btr_reg, q_btc_reg; the
              immediate forms (q_bt_imm, q_bts_imm) show nothing, so
              dropping is a no-op for them; the memory forms (q_bt_mem_*,
              q_bts_mem) are not in the class.

  dead-pop    pop REG (a 64-bit general register destination) for which
              lackey shows no access at all: lackey's side becomes R 8 x N,
              N = the instruction's executions as counted by lackey's own
              "I" lines (lackey-agg -i), never kstride's count.  The CPU
              reads 8 bytes from the stack, but when the popped value is
              dead (overwritten before any use) VEX's IR optimiser deletes
              the load, which has no side effect in VEX IR, before lackey
              instruments the block, so lackey shows nothing.  Verified:
              q_pop_dead (nothing) against q_pop_live (L 8 per execution);
              q_bt_mem_dead shows the same optimisation on another load.  A
              pop for which lackey shows some access is left alone.

  locked-rmw  a lock-prefixed instruction, or xchg with a memory operand
              (implicitly locked, and translated the same way): lackey's
              R n and M n of the same size and equal counts become U n.
              VEX translates a locked read-modify-write into a plain load
              followed by a compare-and-swap, and lackey reports a CAS as a
              load plus a store of the location (lackey/lk_main.c, case
              Ist_CAS), which it merges into M; so one locked update shows
              as L n + M n per execution, where kstride records one U n,
              which is right.  Verified: q_lock_or, q_lock_add,
              q_lock_incl, q_lock_decl, q_lock_xadd, q_xchg_mem,
              q_xchg_mem32 (L n + M n); lock cmpxchg (q_lock_cmpxchg) is a
              bare CAS and shows M n only, which needs no folding, and an
              unlocked RMW (q_or_mem) shows M n only.

Nothing else is normalised.
"""
import bisect
import collections
import os
import re
import sys

KIND = {"L": "R", "S": "W", "M": "U"}
SHOW = int(os.environ.get("FIDELITY_SHOW", "30"))
# FIDELITY_NORMALISED=1: list every normalised instruction on stderr
LIST_NORM = os.environ.get("FIDELITY_NORMALISED", "") not in ("", "0")


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


# objdump prefix words that may precede the mnemonic
PREFIXES = {"lock", "rep", "repz", "repnz", "repe", "repne", "data16",
            "addr32", "cs", "ds", "es", "fs", "gs", "ss", "notrack", "bnd"}
GPR64 = re.compile(r"%r(ax|bx|cx|dx|si|di|bp|sp|[89]|1[0-5])")
BT = re.compile(r"bt[src]?[wlq]?")
XCHG = re.compile(r"xchg[bwlq]?")


def parse_insn(text):
    """objdump's "PREFIX... MNEMONIC OP,OP" -> (prefixes, mnemonic, [ops])"""
    words = text.split()
    i = 0
    while i < len(words) and words[i] in PREFIXES:
        i += 1
    if i == len(words):
        return words, "", []
    rest = " ".join(words[i + 1:]).split(" <")[0].replace(" ", "")
    ops, depth, cur = [], 0, ""
    for c in rest:
        if c == "," and not depth:
            ops.append(cur)
            cur = ""
            continue
        depth += (c == "(") - (c == ")")
        cur += c
    if cur:
        ops.append(cur)
    return words[:i], words[i], ops


def is_mem(op):
    """AT&T: registers are %NAME, immediates $VAL; anything else (a (...)
    address, %fs:0x28, a bare displacement) is memory"""
    return not (op.startswith("$") or re.fullmatch(r"%[a-z][a-z0-9]*", op))


def insn_class(text):
    """The normalisation class of an instruction (see the docstring), or
    None, from its disassembly alone."""
    pfx, mn, ops = parse_insn(text)
    if not pfx and BT.fullmatch(mn) and ops and \
            not any(is_mem(o) for o in ops):
        return "bt-reg"
    if not pfx and mn in ("pop", "popq") and len(ops) == 1 and \
            GPR64.fullmatch(ops[0]):
        return "dead-pop"
    if pfx == ["lock"] or (not pfx and XCHG.fullmatch(mn) and
                           any(is_mem(o) for o in ops)):
        return "locked-rmw"
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

    # normalisations of lackey's side, each for its own class only
    touched = collections.Counter()
    how = {}  # where -> normalisation, for the mismatch messages

    before = {}  # where -> lackey's side before, for FIDELITY_NORMALISED
    for where in got:
        acc = lk.get(where)
        if not acc or ("R", 8) not in acc:
            continue
        before[where] = dict(acc)
        left = acc[("R", 8)] - execs.get(where, 0)
        if left > 0:
            acc[("R", 8)] = left
        else:
            del acc[("R", 8)]
        if not acc:
            del lk[where]
        touched["got"] += 1
        how[where] = "got"

    def text_of(where):
        return text.get(where.split("(outside")[0], "?")

    # every instruction a normalisation can change has executed under
    # lackey, so it has an "I" count
    for where in execs:
        cls = insn_class(text_of(where))
        if cls is None or where in got:
            continue
        acc = lk.get(where, {})
        before[where] = dict(acc)
        if cls == "bt-reg":
            if not acc:
                continue
            del lk[where]
        elif cls == "dead-pop":
            if acc or not execs.get(where):
                continue
            lk[where] = {("R", 8): execs[where]}
        else:
            folded = False
            for k, size in list(acc):
                if k == "U" and ("R", size) in acc and \
                        acc[("R", size)] == acc[("U", size)]:
                    del acc[("R", size)]
                    folded = True
            if not folded:
                continue
        touched[cls] += 1
        how[where] = cls

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
        t = text_of(where)
        byop[t.split()[0] if t != "?" else "?"] += 1
        if i < SHOW:
            print("mismatch %s: %s\n    lackey:  %s%s\n    kstride: %s"
                  % (where, t, fmt(lk.get(where, {})),
                     " (normalised: %s)" % how[where] if where in how
                     else "", fmt(ks.get(where, {}))), file=sys.stderr)
    if bad:
        if len(bad) > SHOW:
            print("... %d more mismatches" % (len(bad) - SHOW),
                  file=sys.stderr)
        print("mismatches by mnemonic: " + ", ".join(
            "%s %d" % kv for kv in byop.most_common()), file=sys.stderr)
    if LIST_NORM:
        for where in sorted(how, key=order):
            print("normalised %s %s: %s\n    lackey:  %s -> %s\n"
                  "    kstride: %s" % (how[where], where, text_of(where),
                                       fmt(before[where]),
                                       fmt(lk.get(where, {})),
                                       fmt(ks.get(where, {}))),
                  file=sys.stderr)
    print("fidelity: normalised: " + ", ".join(
        "%s %d" % (c, touched[c])
        for c in ("bt-reg", "dead-pop", "locked-rmw", "got")),
        file=sys.stderr)
    print("fidelity: %s %d/%d instructions" % (lib, matched, total))
    sys.exit(0 if total and matched == total else 1)


if __name__ == "__main__":
    main()
