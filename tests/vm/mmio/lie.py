#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make an instrumented module's MMIO descriptors lie, as a rewriter bug
would: every accessor site names another accessor than the one it calls,
and every checked load's displacement is off by 256 MiB.  kstride.ko must
record such sites as bad and never make the wild access (mmio-lies.sh).

usage: lie.py IN.ko OUT.ko   (IN instrumented with --mmio)
"""
import struct
import sys

MSITE = 36  # struct ks_msite (include/kstride/abi.h)
KS_MOP_LOAD, KS_MOP_LOAD_SX, KS_MOP_HELPER = 1, 3, 9
KS_H_IOREAD8, KS_H_IOREAD16 = 1, 2


def sections(d):
    shoff = struct.unpack_from('<Q', d, 0x28)[0]
    es, num, stri = struct.unpack_from('<HHH', d, 0x3a)
    sh = [struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * es) for i in range(num)]
    stro = sh[stri][4]
    name = lambda n: d[stro + n:d.index(0, stro + n)].decode()
    return {name(s[0]): s for s in sh}


def main():
    d = bytearray(open(sys.argv[1], 'rb').read())
    s = sections(d).get('kstride_msites')
    if not s:
        print('lie.py: no kstride_msites section: not instrumented with --mmio')
        return 1
    off, size = s[4], s[5]
    lied = {'helper': 0, 'load': 0}
    for at in range(off, off + size, MSITE):
        op = d[at + 4]
        if op == KS_MOP_HELPER:
            h = struct.unpack_from('<I', d, at + 24)[0]
            struct.pack_into('<I', d, at + 24, KS_H_IOREAD16 if h == KS_H_IOREAD8 else KS_H_IOREAD8)
            lied['helper'] += 1
        elif KS_MOP_LOAD <= op <= KS_MOP_LOAD_SX:
            disp = struct.unpack_from('<i', d, at + 12)[0]
            struct.pack_into('<i', d, at + 12, disp + (256 << 20))
            lied['load'] += 1
    open(sys.argv[2], 'wb').write(d)
    print(f'lie.py: {lied["helper"]} accessor sites and {lied["load"]} loads now lie')
    return 0 if lied['helper'] and lied['load'] else 1


if __name__ == '__main__':
    sys.exit(main())
