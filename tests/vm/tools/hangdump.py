#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where a hung VM is: every vCPU's registers and the top of its stack,
read through QEMU's human monitor, with kernel addresses named from the
kernel's System.map (the VM boots with nokaslr).

usage: hangdump.py MONITOR_SOCKET KALLSYMS [KALLSYMS...] NCPUS
  (the first KALLSYMS file that exists: this boot's, or a cached one)
"""
import os
import bisect
import re
import socket
import sys
import time


def load_map(path):
    syms = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[1] in 'tTwW':
                syms.append((int(w[0], 16), w[2]))
    syms.sort()
    return syms


def name(syms, addrs, a):
    i = bisect.bisect_right(addrs, a) - 1
    if i < 0 or a - syms[i][0] > 0x10000:
        return None
    return '%s+0x%x' % (syms[i][1], a - syms[i][0])


def talk(s, cmd):
    s.sendall(cmd.encode() + b'\n')
    out, t0 = b'', time.time()
    while time.time() - t0 < 5:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
        if out.rstrip().endswith(b'(qemu)'):
            break
    text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', out.decode(errors='replace'))
    # the monitor echoes the command as it is typed: keep what follows
    return text[text.rfind(cmd) + len(cmd):] if cmd and cmd in text else text


def main():
    sock, ncpu = sys.argv[1], int(sys.argv[-1])
    maps = [p for p in sys.argv[2:-1] if os.path.exists(p)]
    syms = load_map(maps[0]) if maps else []
    addrs = [a for a, _ in syms]
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect(sock)
    talk(s, '')
    for cpu in range(ncpu):
        talk(s, 'cpu %d' % cpu)
        regs = talk(s, 'info registers')
        m = re.search(r'RIP=([0-9a-f]+)', regs)
        rip = int(m.group(1), 16) if m else 0
        print('=== vCPU %d: RIP %#x %s' % (cpu, rip, name(syms, addrs, rip) or '?'))
        print(regs.replace('(qemu)', '').strip())
        m = re.search(r'RSP=([0-9a-f]+)', regs)
        stack = talk(s, 'x/64gx 0x%s' % m.group(1)) if m else ''

        print('--- stack: kernel text and module space words')
        for v in re.findall(r'0x([0-9a-f]{16})', stack.split(':', 1)[-1]):
            a = int(v, 16)
            n = name(syms, addrs, a)
            if n or 0xffffffffa0000000 <= a < 0xffffffffff000000:
                print('  %#x %s' % (a, n or '(module space)'))
    s.close()


if __name__ == '__main__':
    main()
