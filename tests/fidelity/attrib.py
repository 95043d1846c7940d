#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
attrib.py MAP ARCHIVE OUTDIR: map the instructions of a native program
linked against ARCHIVE back to FUNCTION+0xOFF in the original archive
members, without kstride.

The program must be linked with -no-pie -Wl,-Map=MAP, so that the addresses
valgrind reports are the link-time addresses of the map (no load base to
subtract).  Inputs:

  - MAP: which members of ARCHIVE were linked in ("Archive member included"),
    and the address of each of their input code sections (.text,
    .text.unlikely, ...) in the memory map;
  - each linked member, extracted with `ar x`: its section headers
    (`readelf -SW`: which sections are executable, their sizes), its symbol
    table (`readelf -sW`: FUNC/IFUNC symbols with a size, section-relative
    values) and its disassembly with relocations (`objdump -drz`) for the
    GOT-relative instructions.

Writes into OUTDIR:
  ranges.txt  "START END" (hex) per linked code section: lackey-agg's filter
  funcs.tsv   "START END func LABEL" (hex, hex) per function and
              "START END code MEMBER:SECTION" per code section, by address
  got.txt     "LABEL+0xOFF RELOC" per instruction whose memory operand has a
              GOT relocation in the original member
  insns.tsv   "LABEL+0xOFF<tab>DISASSEMBLY" per instruction, for messages

Function naming mirrors kstride (lib/rewrite/scan.c, lib/trace/trace.c):
  - a function is an STT_FUNC or STT_GNU_IFUNC symbol with a non-zero size
    in an executable section; symbols with the same section, value and size
    are aliases of one function, whose name is the first non-local alias in
    symbol table order, or the first alias when all are local;
  - the label is NAME, or MEMBER:NAME when another function of the same name
    exists at a different place (another member, or another address of the
    same member) among the functions of all linked members -- kstride's
    trace knows exactly the functions linked into the program, so the
    oracle considers the members the map says were linked.
"""
import bisect
import os
import re
import subprocess
import sys

GOT_RELOCS = {
    "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX",
    "R_X86_64_GOTTPOFF",
}


def run(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout


def parse_map(path, archive):
    """Linked members, and [(member, section name, addr, size)] in order."""
    with open(path) as f:
        lines = f.read().split("\n")
    real = os.path.realpath(archive)
    cache = {}

    def member(obj):
        """"ARCHIVE(member.o)" -> member.o, if ARCHIVE is ours"""
        if not obj.endswith(")") or "(" not in obj:
            return None
        path, _, mem = obj[:-1].rpartition("(")
        if path not in cache:
            cache[path] = os.path.realpath(path) == real
        return mem if cache[path] else None

    members = []
    secs = []
    i = 0
    while i < len(lines) and not lines[i].startswith("Archive member included"):
        i += 1
    for i in range(i + 1, len(lines)):
        ln = lines[i]
        if ln and not ln[0].isspace():
            if member(ln.split()[0]):
                members.append(member(ln.split()[0]))
            elif ln.startswith("Merging") or ln.startswith("As-needed") \
                    or ln.startswith("Discarded") or ln.startswith("Memory"):
                break
    i = 0
    while i < len(lines) and lines[i] != "Linker script and memory map":
        i += 1
    one = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+) (.+)$")
    cont = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+) (.+)$")
    name = re.compile(r"^ ([^\s*]\S*)$")
    while i < len(lines):
        ln = lines[i]
        m = one.match(ln)
        if m:
            sec, addr, size, obj = m.groups()
        else:
            m = name.match(ln)
            m2 = cont.match(lines[i + 1]) if m and i + 1 < len(lines) \
                else None
            if not m2:
                i += 1
                continue
            sec = m.group(1)
            addr, size, obj = m2.groups()
            i += 1
        i += 1
        if member(obj):
            secs.append((member(obj), sec, int(addr, 16), int(size, 16)))
    return members, secs


def elf_sections(obj):
    """{index: (name, size, executable)}"""
    out = {}
    pat = re.compile(r"^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+"
                     r"[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)")
    for ln in run("readelf", "-SW", obj).split("\n"):
        m = pat.match(ln)
        if m and m.group(1) != "0":
            flags = m.group(4) if not m.group(4).isdigit() else ""
            out[int(m.group(1))] = (m.group(2), int(m.group(3), 16),
                                    "X" in flags)
    return out


def elf_funcs(obj, secs):
    """[(secidx, value, size, name)] with aliases merged (scan.c rules)."""
    funcs = {}
    order = []
    pat = re.compile(r"^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\S+)"
                     r"\s+(\S+)\s+\S+\s+(\S+)\s+(\S+)")
    for ln in run("readelf", "-sW", obj).split("\n"):
        m = pat.match(ln)
        if not m:
            continue
        value, size, typ, bind, ndx, name = m.groups()
        size = int(size, 0)
        if typ not in ("FUNC", "IFUNC") or not size or not ndx.isdigit():
            continue
        ndx = int(ndx)
        if ndx not in secs or not secs[ndx][2]:
            continue
        key = (ndx, int(value, 16), size)
        if key not in funcs:
            funcs[key] = []
            order.append(key)
        funcs[key].append((name, bind != "LOCAL"))
    out = []
    for key in order:
        aliases = funcs[key]
        glob = [n for n, g in aliases if g]
        out.append(key + ((glob or [aliases[0][0]])[0],))
    return out


def disasm(obj):
    """{(section, offset): text} of every instruction, and
    {(section name, insn offset): reloc} of the GOT-relative ones."""
    insns = {}
    got = {}
    sec = None
    last = None
    hdr = re.compile(r"^Disassembly of section (\S+):$")
    insn = re.compile(r"^\s*([0-9a-f]+):\t(.*)$")
    rel = re.compile(r"^\s*([0-9a-f]+): (R_X86_64_\w+)\s")
    for ln in run("objdump", "-drz", "--no-show-raw-insn", obj).split("\n"):
        m = hdr.match(ln)
        if m:
            sec, last = m.group(1), None
            continue
        m = rel.match(ln)
        if m:
            if m.group(2) in GOT_RELOCS:
                if last is None or int(m.group(1), 16) < last:
                    sys.exit("attrib: %s: %s reloc outside an instruction"
                             % (obj, m.group(2)))
                got[(sec, last)] = m.group(2)
            continue
        m = insn.match(ln)
        if m:
            last = int(m.group(1), 16)
            insns[(sec, last)] = " ".join(m.group(2).split("#")[0].split())
    return insns, got


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: attrib.py MAP ARCHIVE OUTDIR")
    mapf, archive, outdir = sys.argv[1:]
    members, mapsecs = parse_map(mapf, archive)
    if not members:
        sys.exit("attrib: no member of %s in %s" % (archive, mapf))
    names = run("ar", "t", archive).split()
    if len(set(names)) != len(names):
        sys.exit("attrib: %s has members of the same name" % archive)
    xdir = os.path.join(outdir, "members")
    os.makedirs(xdir, exist_ok=True)
    subprocess.run(["ar", "x", "--output", xdir, archive] + members,
                   check=True)

    ranges = []  # (start, end)
    funcs = []  # (start, end, member, name)
    code = []  # (start, end, member, section): code outside functions
    got = []  # (member, secname, off, reloc)
    insns = []  # (member, secname, off, text)
    for mem in members:
        obj = os.path.join(xdir, mem)
        secs = elf_sections(obj)
        # the map lists same-named input sections in section index order
        byname = {}
        for idx in sorted(secs):
            name, size, exe = secs[idx]
            if exe and size:
                byname.setdefault(name, []).append(idx)
        place = {}
        for m, sname, addr, size in mapsecs:
            if m != mem or sname not in byname or not size:
                continue
            if not byname[sname]:
                sys.exit("attrib: %s(%s): more %s in the map than in the "
                         "member" % (archive, mem, sname))
            idx = byname[sname].pop(0)
            if secs[idx][1] != size:
                sys.exit("attrib: %s(%s): %s is 0x%x bytes, 0x%x in the map"
                         % (archive, mem, sname, secs[idx][1], size))
            place[idx] = addr
            ranges.append((addr, addr + size))
            code.append((addr, addr + size, mem, sname))
        left = [n for n, v in byname.items() if v]
        if left:
            sys.exit("attrib: %s(%s): code sections %s not in the map"
                     % (archive, mem, ", ".join(left)))
        for idx, value, size, name in elf_funcs(obj, secs):
            funcs.append((place[idx] + value, place[idx] + value + size,
                          mem, name))
        ins, g = disasm(obj)
        for (sname, off), text in ins.items():
            insns.append((mem, sname, off, text))
        for (sname, off), r in g.items():
            got.append((mem, sname, off, r))

    # same rule as lib/trace/trace.c: same name, other object or address
    where = {}
    for start, _, mem, name in funcs:
        where.setdefault(name, set()).add((mem, start))
    label = {}
    for start, _, mem, name in funcs:
        label[start] = (mem + ":" + name) if len(where[name]) > 1 else name

    funcs.sort()
    for a, b in zip(funcs, funcs[1:]):
        if a[1] > b[0]:
            sys.exit("attrib: overlapping functions %s and %s" % (a, b))
    ranges.sort()
    with open(os.path.join(outdir, "ranges.txt"), "w") as f:
        for s, e in ranges:
            f.write("%x %x\n" % (s, e))
    with open(os.path.join(outdir, "funcs.tsv"), "w") as f:
        rows = [(s, "code", e, "%s:%s" % (m, n)) for s, e, m, n in code]
        rows += [(s, "func", e, label[s]) for s, e, _, _ in funcs]
        for s, typ, e, lab in sorted(rows):
            f.write("%x\t%x\t%s\t%s\n" % (s, e, typ, lab))
    secaddr = {(m, n): s for s, e, m, n in code}
    starts = [x[0] for x in funcs]

    def where_is(mem, sname, off):
        a = secaddr[(mem, sname)] + off
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and a < funcs[i][1]:
            return "%s+0x%x" % (label[funcs[i][0]], a - funcs[i][0])
        return "%s:%s+0x%x" % (mem, sname, off)

    with open(os.path.join(outdir, "got.txt"), "w") as f:
        for mem, sname, off, r in sorted(got):
            if (mem, sname) in secaddr:
                f.write("%s %s\n" % (where_is(mem, sname, off), r))
    with open(os.path.join(outdir, "insns.tsv"), "w") as f:
        for mem, sname, off, text in sorted(insns):
            if (mem, sname) in secaddr:
                f.write("%s\t%s\n" % (where_is(mem, sname, off), text))


if __name__ == "__main__":
    main()
