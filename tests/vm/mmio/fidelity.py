#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The device's side as ground truth: QEMU's memory_region_ops_read/write
trace shows every access the emulated device received.  Compare, per CPU
and in order, the accesses QEMU saw on the device's BARs during a
scenario with the ones 'kstride script' shows for the MMIO trace.

Accesses are compared as (R/W, width, offset in its BAR, value): QEMU
names the region an access reached, and some devices alias their memory
BAR onto their I/O region (rtl8139), so QEMU cannot say which BAR the
driver used; kstride can, and says it in the trace.

The scenario is delimited in QEMU's trace by marker reads of port 0x80
(made by the guest through /dev/port; the kernel only writes that port,
for I/O delays); the device's BARs
come from its PCIDEV line in 'kstride mmiotrace' (vendor and device id).

usage: fidelity.py [--allow-none] [--not-traced REGION] NAME QEMU_TRACE
                   SEGMENT VENDORDEVICE MMIOTRACE SCRIPT
  SEGMENT: which stretch between markers (0: before the first)
  --allow-none: a scenario where the driver never touches the device
Prints "mmio-fidelity: NAME MATCHED/QEMU_TOTAL extra=E order=percpu net=N"
(N: accesses the safety net caught, in code kstride did not instrument), and
the same with order=global (kstride's accesses sorted by the sequence
numbers kstride.ko gave them, against QEMU's own order), and exits 1
unless every QEMU access is matched, in order, on its CPU and globally.
"""
import re
import sys
from collections import defaultdict
from difflib import SequenceMatcher

QLINE = re.compile(r"memory_region_ops_(read|write) cpu (-?\d+) mr \S+ "
                   r"addr (0x[0-9a-f]+) value (0x[0-9a-f]+) size (\d+) name '([^']*)'")


def bars(mmiotrace, vendev):
    """(is_io, start, end) of each BAR of the PCIDEV with that id."""
    out = []
    with open(mmiotrace) as f:
        for line in f:
            w = line.split()
            if not w or w[0] != 'PCIDEV' or w[2] != vendev:
                continue
            starts, sizes = w[4:11], w[11:18]
            for s, n in zip(starts, sizes):
                s, n = int(s, 16), int(n, 16)
                if n:
                    out.append((bool(s & 1), s & ~0xf if not s & 1 else s & ~0x3, n))
    return [(io, s, s + n) for io, s, n in out]


def qemu_segments(path):
    """Split QEMU's accesses at marker reads of port 0x80."""
    segs = [[]]
    with open(path, errors='replace') as f:
        for line in f:
            m = QLINE.search(line)
            if not m:
                continue
            rw, cpu, addr, value, size, name = m.groups()
            addr = int(addr, 16)
            if rw == 'read' and addr == 0x80 and int(size) == 1:
                segs.append([])
                continue
            # QEMU prints the value as the device returned it, before it
            # is cut to the access's width
            size = int(size)
            segs[-1].append((int(cpu), 'W' if rw == 'write' else 'R',
                             size, addr, int(value, 16) & ((1 << 8 * size) - 1), name))
    return segs


def bar_offset(bs, addr, io):
    """The offset of addr in the device's BAR holding it, or None."""
    for b_io, lo, hi in bs:
        if b_io == io and lo <= addr < hi:
            return addr - lo
    return None


def bar_of(bs, addr, io):
    for i, (b_io, lo, hi) in enumerate(bs):
        if b_io == io and lo <= addr < hi:
            return i
    return None


def split(a, widest):
    """An access as QEMU dispatches it to a region that takes at most
    @widest bytes at a time: pieces from the lowest address, each with its
    bytes of the value (little-endian)."""
    rw, size, off, value = a
    if widest is None or size <= widest:
        return [a]
    out = []
    for k in range(0, size, widest):
        v = None if value is None else (value >> (8 * k)) & ((1 << 8 * widest) - 1)
        out.append((rw, widest, off + k, v))
    return out


def kstride_events(script):
    out = []
    for line in open(script):
        w = line.split()
        if len(w) < 8 or not w[0].startswith('['):
            continue
        kind = w[5]
        if kind not in ('MMIO_R', 'MMIO_W', 'PIO_R', 'PIO_W'):
            continue
        kv = dict(x.split('=', 1) for x in w[7:] if '=' in x)
        if kv.get('value') == '?':
            value = None
        else:
            value = int(kv['value'], 16)
        io = kind.startswith('PIO')
        addr = int(kv['port'] if io else kv['phys'], 16)
        out.append((int(w[0][1:-1]), kind[-1], int(w[6]), addr, value, io,
                    int(kv.get('seq', 0)), 'net' in w[7:]))
    return out


def compare(a, b):
    """(matched, extra, first difference) of two access sequences."""
    sm = SequenceMatcher(None, a, b, autojunk=False)
    m = sum(bl.size for bl in sm.get_matching_blocks())
    bad = None
    if m != len(a) or len(b) != m:
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != 'equal':
                bad = (op, a[i1:i1 + 3], b[j1:j1 + 3])
                break
    return m, len(b) - m, bad


def main():
    args = sys.argv[1:]
    allow_none = args and args[0] == '--allow-none'
    if allow_none:
        args = args[1:]
    # --not-traced REGION: QEMU's accesses to that region (by its name in
    # QEMU's trace) are counted and said apart, not compared (a recording
    # made with --no-net misses the PCI core's MSI-X table accesses)
    untraced = None
    if args and args[0] == '--not-traced':
        untraced, args = args[1], args[2:]
    name, qpath, seg, vendev, mmiotrace, script = args[:6]
    bs = bars(mmiotrace, vendev)
    if not bs:
        print('mmio-fidelity: %s: no PCIDEV %s in %s' % (name, vendev, mmiotrace))
        return 1
    segs = qemu_segments(qpath)
    seg = int(seg)
    if seg >= len(segs):
        print('mmio-fidelity: %s: QEMU trace has %d segments, not %d'
              % (name, len(segs), seg + 1))
        return 1
    q = defaultdict(list)
    qall = []  # QEMU's own order: the device's (its dispatch is serialised)
    widest = {}  # per BAR: the widest access QEMU dispatched to it
    skipped = 0
    for cpu, rw, size, addr, value, qname in segs[seg]:
        if untraced and qname == untraced:
            skipped += 1
            continue
        io = not any(lo <= addr < hi for b_io, lo, hi in bs if not b_io)
        off = bar_offset(bs, addr, io)
        if off is not None:
            q[cpu].append((rw, size, off, value))
            qall.append((rw, size, off, value))
            b = bar_of(bs, addr, io)
            widest[b] = max(widest.get(b, 0), size)
    k = defaultdict(list)
    kall = []
    net = 0
    for cpu, rw, size, addr, value, io, seq, caught in kstride_events(script):
        net += caught
        off = bar_offset(bs, addr, io)
        a = (rw, size, addr if off is None else off, value)
        # a region that takes narrower accesses gets them split by QEMU
        # (pci-testdev's ports take bytes: an outl reaches it as four)
        for piece in split(a, widest.get(bar_of(bs, addr, io)) if off is not None else None):
            k[cpu].append(piece)
            kall.append((seq, piece))
    total = sum(len(v) for v in q.values())
    fmt = lambda l: ', '.join('%s%d +0x%x=%s' % (r, s, ad, '?' if v is None else hex(v))
                              for r, s, ad, v in l)
    matched = extra = 0
    first_bad = None
    for cpu in sorted(set(q) | set(k)):
        m, e, bad = compare(q.get(cpu, []), k.get(cpu, []))
        matched += m
        extra += e
        if bad and first_bad is None:
            first_bad = ('on CPU %d' % cpu,) + bad
    ok = matched == total and (total > 0 or allow_none) and extra == 0
    print('mmio-fidelity: %s %d/%d extra=%d order=percpu net=%d'
          % (name, matched, total, extra, net))
    if untraced:
        print('mmio-fidelity: %s: %d accesses to %s left out, not compared'
              % (name, skipped, untraced))
    # across CPUs, by the sequence numbers kstride.ko gave the accesses
    if kall and all(seq for seq, _ in kall):
        gm, ge, gbad = compare(qall, [a for _, a in sorted(kall)])
        print('mmio-fidelity: %s %d/%d extra=%d order=global net=%d'
              % (name, gm, len(qall), ge, net))
        ok = ok and gm == len(qall) and ge == 0
        if gbad and first_bad is None:
            first_bad = ('in the global order',) + gbad
    elif kall:
        print('mmio-fidelity: %s: FAIL: accesses without their place in the global order' % name)
        ok = False
    if first_bad:
        where, op, qa, kb = first_bad
        print('mmio-fidelity: %s: first difference %s (%s): QEMU [%s] kstride [%s]'
              % (name, where, op, fmt(qa), fmt(kb)))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
