#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A short summary of an mmiotrace-format log: accesses per BAR of the
device, and its most touched registers (named for a few known devices).

usage: summary.py LOG VENDORDEVICE [TOP]
"""
import sys
from collections import Counter

# register names from the devices' public datasheets
NAMES = {
    '8086100e': {
        0x0: 'CTRL', 0x8: 'STATUS', 0x10: 'EECD', 0x14: 'EERD',
        0x18: 'CTRL_EXT', 0x20: 'MDIC', 0x28: 'FCAL', 0x2c: 'FCAH',
        0x30: 'FCT', 0x38: 'VET', 0xc0: 'ICR', 0xc4: 'ITR', 0xc8: 'ICS',
        0xd0: 'IMS', 0xd8: 'IMC', 0x100: 'RCTL', 0x170: 'FCTTV',
        0x178: 'TXCW', 0x180: 'RXCW', 0x400: 'TCTL', 0x410: 'TIPG',
        0x2160: 'FCRTL', 0x2168: 'FCRTH', 0x2800: 'RDBAL', 0x2804: 'RDBAH',
        0x2808: 'RDLEN', 0x2810: 'RDH', 0x2818: 'RDT', 0x2820: 'RDTR',
        0x3800: 'TDBAL', 0x3804: 'TDBAH', 0x3808: 'TDLEN', 0x3810: 'TDH',
        0x3818: 'TDT', 0x3820: 'TIDV', 0x5000: 'RXCSUM', 0x5400: 'RAL0',
        0x5404: 'RAH0',
    },
    '10ec8139': {
        0x0: 'MAC0', 0x4: 'MAC4', 0x37: 'ChipCmd', 0x3c: 'IntrMask',
        0x3e: 'IntrStatus', 0x40: 'TxConfig', 0x44: 'RxConfig',
        0x50: 'Cfg9346', 0x52: 'Config1', 0x58: 'MediaStatus',
        0xe0: 'CpCmd', 0x62: 'BasicModeCtrl', 0x64: 'BasicModeStatus',
    },
}


def main():
    log, vendev = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    bars = []
    for line in open(log):
        w = line.split()
        if w and w[0] == 'PCIDEV' and w[2] == vendev:
            for i, (s, n) in enumerate(zip(w[4:11], w[11:18])):
                s, n = int(s, 16), int(n, 16)
                if n and i < 6:
                    io = s & 1
                    bars.append((i, bool(io), s & ~(3 if io else 0xf), n))
    per_bar, regs = Counter(), Counter()
    for line in open(log):
        w = line.split()
        if not w or w[0] not in ('R', 'W', 'IN', 'OUT'):
            continue
        io = w[0] in ('IN', 'OUT')
        addr = int(w[3] if io else w[4], 16)
        for i, bio, lo, n in bars:
            if bio == io and lo <= addr < lo + n:
                kind = {'R': 'reads', 'W': 'writes', 'IN': 'ins', 'OUT': 'outs'}[w[0]]
                per_bar[(i, kind)] += 1
                regs[(i, addr - lo)] += 1
    names = NAMES.get(vendev, {})
    for i, bio, lo, n in bars:
        kinds = ', '.join('%d %s' % (per_bar[(i, k)], k)
                          for k in ('reads', 'writes', 'ins', 'outs') if per_bar[(i, k)])
        size = '%d KiB' % (n // 1024) if n >= 1024 else '%d bytes' % n
        print('  BAR%d (%s at 0x%x, %s): %s' % (i, 'I/O' if bio else 'memory', lo,
                                               size, kinds or 'untouched'))
    print('  most touched registers:')
    for (i, off), c in regs.most_common(top):
        print('    BAR%d+0x%04x %-10s %6d accesses' % (i, off, names.get(off, '') if i == 0 else '', c))


if __name__ == '__main__':
    main()
