# SPDX-License-Identifier: GPL-2.0
"""Parse one line of 'kstride script' on a kernel trace:

  [CPU] SECONDS.NS COMM-PID CONTEXT FUNCTION+0xOFF KIND SIZE ADDRESS [FLAGS]
  [CPU] SECONDS.NS COMM-PID CONTEXT FUNCTION+0xOFF ENTRY|EXIT sp=0x...
  [CPU] SECONDS.NS COMM-PID task SWITCH

Returns a dict, or None for anything else (SWITCH lines included, and
kstride.ko's other own records: MAP, UNMAP, MARK, NETDEV).
"""

OWN = ('SWITCH', 'MAP', 'UNMAP', 'MARK', 'NETDEV')


def parse_line(line):
    w = line.split()
    if len(w) < 6 or not w[0].startswith('[') or w[4] in OWN:
        return None
    ts = None
    if w[1] != '?':
        sec, ns = w[1].split('.')
        ts = int(sec) * 1000000000 + int(ns)
    comm, _, pid = w[2].rpartition('-')
    e = {
        'cpu': int(w[0][1:-1]),
        'ts': ts,
        'comm': comm,
        'pid': None if pid == '?' else int(pid),
        'ctx': w[3],
        'func': w[4],
        'kind': w[5],
        'size': None,
        'addr': None,
    }
    if w[5] not in ('ENTRY', 'EXIT'):
        e['size'] = int(w[6])
        e['addr'] = int(w[7], 16)
    return e
