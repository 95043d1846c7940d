#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""orccheck ORIGINAL.ko INSTRUMENTED.ko [--selftest]

Checks the ORC unwind data of an instrumented kernel module against its
original, as the kernel's unwinder reads it (the last entry at or below
an address gives that address's state):

  - every instrumented copy (a function symbol of .text.kstride) starts in
    the state its original function starts in;
  - every state in a copy is one its original has somewhere, or one of
    those with words pushed on the stack (the stubs push);
  - in straight-line code (from where a jump may arrive to the next jump
    or return), each %rsp-based state's offset follows the pushes, pops
    and %rsp arithmetic of the code (objdump) exactly.

A copy that starts in another function's state (its first entry missing,
as with 6.12's call padding, where a function's first entry is at its
__pfx_ padding) unwinds wrongly from its first instruction on: the WARN
test's "unreliable trace".  --selftest also drops the first entry of one
copy and must then find it wrong.  Only readelf is used.
"""
import bisect
import re
import struct
import subprocess
import sys


def readelf(args, path):
    return subprocess.run(["readelf", "-W"] + args + [path], check=True,
                          capture_output=True, text=True).stdout


class Mod:
    @staticmethod
    def sections(path):
        return {m.group(1) for m in re.finditer(r"\]\s+(\S+)", readelf(["-S"], path))}

    def __init__(self, path):
        self.path = path
        self.data = open(path, "rb").read()
        self.secs = {}  # name -> (index, offset, size)
        for line in readelf(["-S"], path).splitlines():
            m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
            if m:
                self.secs[m.group(2)] = (int(m.group(1)), int(m.group(3), 16), int(m.group(4), 16))
        byidx = {v[0]: k for k, v in self.secs.items()}
        self.funcs = {}  # (section, name) -> (value, size)
        for line in readelf(["-s"], path).splitlines():
            p = line.split()
            if len(p) >= 8 and p[3] == "FUNC" and p[6].isdigit():
                sec = byidx.get(int(p[6]))
                self.funcs[(sec, p[7])] = (int(p[1], 16), int(p[2], 0))
        self.orc = {}  # section -> sorted [(ip, state bytes)]
        sec = None
        o = self.secs[".orc_unwind"][1]
        for line in readelf(["-r"], path).splitlines():
            m = re.match(r"Relocation section '(.*)'", line)
            if m:
                sec = m.group(1)
                continue
            if sec != ".rela.orc_unwind_ip":
                continue
            p = line.split()
            if len(p) >= 7 and re.match(r"^[0-9a-f]+$", p[0]) and p[5] in "+-":
                i = int(p[0], 16) // 4
                add = int(p[6], 16) * (1 if p[5] == "+" else -1)
                self.orc.setdefault(p[4], []).append((add, self.data[o + 6 * i:o + 6 * i + 6]))
        for v in self.orc.values():
            v.sort(key=lambda e: e[0])
        self.ips = {}

    def state(self, sec, ip, drop=None):
        """The entry in effect at sec+ip (None if none), less the entry at @drop."""
        v = self.orc.get(sec, [])
        if sec not in self.ips:
            self.ips[sec] = [at for at, _ in v]
        i = bisect.bisect_right(self.ips[sec], ip)
        while i > 0 and v[i - 1][0] == drop:
            i -= 1
        return v[i - 1][1] if i else None

    def states(self, sec, lo, hi):
        return {st for at, st in self.orc.get(sec, []) if lo <= at < hi}


def show(st):
    if st is None:
        return "none"
    sp, bp = struct.unpack("<hh", st[:4])
    return "sp_reg=%d sp=%d bp_reg=%d bp=%d flags=0x%02x" % (st[4] & 15, sp, st[4] >> 4, bp, st[5])


def pushed(st, states):
    """@st is one of @states with words pushed on it (MMIO mode's stubs)."""
    sp = struct.unpack("<h", st[:2])[0]
    for o in states:
        if o[2:] == st[2:] and (o[4] & 15) == 5:
            d = sp - struct.unpack("<h", o[:2])[0]
            if 0 < d <= 256 and d % 8 == 0:
                return True
    return False


def check(orig, inst, drop_one=False):
    bad = n = 0
    dropped = None
    for (sec, name), (val, size) in sorted(inst.funcs.items()):
        if sec != ".text.kstride":
            continue
        src = [(s, v) for (s, nm), v in orig.funcs.items() if nm == name and s != ".text.kstride"]
        if len(src) != 1:
            continue  # not one original of that name (a local twice, a new symbol)
        osec, (oval, osize) = src[0][0], src[0][1]
        want = orig.state(osec, oval)
        drop = None
        if drop_one and dropped is None and any(at == val for at, _ in inst.orc.get(sec, [])):
            drop = dropped = val
        got = inst.state(sec, val, drop)
        n += 1
        if got != want:
            bad += 1
            if not drop_one:
                print("orccheck: %s: copy starts in %s, its original in %s" % (name, show(got), show(want)))
            continue
        ostates = orig.states(osec, oval, oval + osize) | {want}
        extra = {st for st in inst.states(sec, val, val + size) - ostates
                 if not pushed(st, ostates)}
        if extra and not drop_one:
            bad += 1
            print("orccheck: %s: the copy has states its original never has: %s" %
                  (name, "; ".join(show(s) for s in extra)))
    return n, bad, dropped


def insns(path, sec):
    """(address, mnemonic, operands) of @sec's code, from objdump."""
    if sec not in Mod.sections(path):
        return
    out = subprocess.run(["objdump", "-d", "-w", "--no-show-raw-insn", "-j", sec, path],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m and not m.group(2).startswith("("):
            yield int(m.group(1), 16), m.group(2), m.group(3)


def sp_based(st):
    return st is not None and (st[4] & 15) == 5


def stack_effect(mn, ops):
    """Bytes the instruction moves %rsp down by, or None: not known here."""
    mn = mn.split(".")[0]
    if mn in ("push", "pushq", "pushf", "pushfq"):
        return 8
    if mn in ("pop", "popq", "popf", "popfq"):
        return -8
    m = re.match(r"\$0x([0-9a-f]+),%rsp$", ops)
    if m and mn in ("sub", "add"):
        v = int(m.group(1), 16)
        v = v - (1 << 64) if v >= 1 << 63 else v  # objdump: $0xffffffffffffff80
        return v * (1 if mn == "sub" else -1)
    m = re.match(r"(-?)0x([0-9a-f]+)\(%rsp\),%rsp$", ops)
    if m and mn == "lea":
        return int(m.group(2), 16) * (1 if m.group(1) else -1)
    if re.search(r"%rsp$", ops) or mn in ("leave", "leaveq"):
        return None  # set some other way
    return 0


def follow(inst, limit=8, sec=".text.kstride"):
    """Straight-line code of the copies: the stack offset of each
    %rsp-based state follows the pushes and pops since the last place a
    jump may reach (a jump's target, or what follows a jump or return).
    Returns (instructions checked, mismatches)."""
    checked = bad = 0
    cur = None
    shown = 0
    entries = {at for at, _ in inst.orc.get(sec, [])}
    inst.compared = []  # entries whose own address was compared
    code = list(insns(inst.path, sec))
    # where a jump may arrive, or a function starts, the state is taken as it is
    targets = {v for (fs, _), (v, _) in inst.funcs.items() if fs == sec}
    for a, mn, ops in code:
        m = re.match(r"([0-9a-f]+) <", ops)
        if m and mn.startswith("j"):
            targets.add(int(m.group(1), 16))
    for a, mn, ops in code:
        if a in targets:
            cur = None
        st = inst.state(sec, a)
        if sp_based(st):
            sp = struct.unpack("<h", st[:2])[0]
            if cur is not None:
                checked += 1
                if a in entries:
                    inst.compared.append(a)
                if sp != cur:
                    bad += 1
                    if shown < limit:
                        shown += 1
                        print("orccheck: %s+0x%x %s %s: ORC says %d bytes above %%rsp, the code %d" %
                              (sec, a, mn, ops, sp, cur))
                    cur = sp
            else:
                cur = sp
        else:
            cur = None
        if cur is not None:
            d = stack_effect(mn, ops)
            cur = None if d is None else cur + d
        if mn.startswith(("jmp", "ret", "ud2", "int3", "call")) and not mn.startswith("call"):
            cur = None  # what follows is reached from elsewhere
    return checked, bad


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        sys.exit(2)
    orig, inst = Mod(args[0]), Mod(args[1])
    n, bad, _ = check(orig, inst)
    print("orccheck: %d copies, %d whose unwind state differs from their original's" % (n, bad))
    # the rule, on the original's code as objtool made its ORC: it must hold
    ochecked, owrong = follow(orig, sec=".text")
    checked, wrong = follow(inst)
    if owrong or (checked and not ochecked):
        print("orccheck: the original's own .text breaks the rule (%d of %d): the check is wrong" %
              (owrong, ochecked))
        bad += 1
    print("orccheck: %d instructions in straight-line code, %d whose state does not follow the stack (the original's .text: %d of %d)" %
          (checked, wrong, owrong, ochecked))
    bad += wrong
    if "--selftest" in sys.argv:
        _, sbad, dropped = check(orig, inst, drop_one=True)
        if dropped is None or not sbad:
            print("orccheck: selftest: a copy's first entry dropped was not caught")
            sys.exit(1)
        print("orccheck: selftest: a copy's first entry dropped, caught")
        # an entry's stack offset off by one word, inside straight-line code
        v = inst.orc[".text.kstride"]
        pick = inst.compared[len(inst.compared) // 2] if inst.compared else None
        for k in range(len(v)):
            if v[k][0] == pick:
                at, st = v[k]
                sp = struct.unpack("<h", st[:2])[0] + 8
                v[k] = (at, struct.pack("<h", sp) + st[2:])
        _, swrong = follow(inst, limit=0)
        if not swrong:
            print("orccheck: selftest: an entry off by a word was not caught")
            sys.exit(1)
        print("orccheck: selftest: an entry off by a word, caught")
    sys.exit(1 if bad or not n else 0)


if __name__ == "__main__":
    main()
