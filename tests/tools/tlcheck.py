#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a `kstride timeline` JSON file.

  tlcheck.py TIMELINE.json SCRIPT.txt [--map REGS] [--selftest]

1. Against the Trace Event Format (JSON object form): every event has a
   known ph, integer pid and tid, a numeric ts >= 0 (all but metadata), a
   name where the format needs one, args as an object, a scope on
   instants; B and E nest per thread, times never go back on a thread,
   and every slice is closed.
2. Against the trace, as `kstride script` prints it: per CPU, the
   sequence of SWITCH, ENTRY, EXIT, device accesses (kind, width,
   address, value, function, context, task), MAP, UNMAP and MARK equals
   the timeline's, in order; their times are the trace's (or raised to
   the CPU's latest, never lowered); the ordinary accesses the timeline
   leaves out are counted in otherData, and so are all the records.
3. With --map: a device access names the register the map gives its BAR,
   offset and width, and only that.
--selftest also damages the file in ways the checks must catch (an
access dropped, a value changed, a function renamed, an E removed, a
time going back, an unknown ph, a pid missing) and fails unless every
one is caught.
"""
import copy
import json
import re
import sys

PH = {"B", "E", "X", "i", "I", "M", "C", "b", "e", "n", "s", "t", "f", "P",
      "O", "N", "D"}
META = {"process_name", "process_labels", "process_sort_index",
        "thread_name", "thread_sort_index"}


class Bad(Exception):
    pass


def ns(ts_us):
    # ts is printed as integer microseconds, '.', three digits
    s = repr(ts_us) if isinstance(ts_us, float) else str(ts_us)
    return round(float(ts_us) * 1000)


def check_format(doc):
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        raise Bad("not a JSON object with a traceEvents array")
    stacks, last = {}, {}
    for i, e in enumerate(doc["traceEvents"]):
        where = "event %d" % i
        if not isinstance(e, dict):
            raise Bad(where + ": not an object")
        ph = e.get("ph")
        if ph not in PH:
            raise Bad(where + ": unknown ph %r" % (ph,))
        for k in ("pid", "tid"):
            if not isinstance(e.get(k), int) or isinstance(e.get(k), bool):
                raise Bad(where + ": %s is not an integer" % k)
        if "args" in e and not isinstance(e["args"], dict):
            raise Bad(where + ": args is not an object")
        if ph == "M":
            if e.get("name") not in META or not isinstance(e.get("args"), dict):
                raise Bad(where + ": metadata without a known name and args")
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)) or isinstance(ts, bool) or ts < 0:
            raise Bad(where + ": ts %r is not a time" % (ts,))
        key = (e["pid"], e["tid"])
        if key in last and ts < last[key]:
            raise Bad(where + ": time goes back on thread %s (%s < %s)" % (key, ts, last[key]))
        last[key] = ts
        if ph in ("B", "i", "I", "X") and not isinstance(e.get("name"), str):
            raise Bad(where + ": no name")
        if ph in ("i", "I") and e.get("s", "t") not in ("t", "p", "g"):
            raise Bad(where + ": instant scope %r" % (e.get("s"),))
        st = stacks.setdefault(key, [])
        if ph == "B":
            st.append(e)
        elif ph == "E":
            if not st:
                raise Bad(where + ": E with no open slice on thread %s" % (key,))
            b = st.pop()
            if ts < b["ts"]:
                raise Bad(where + ": slice ends before it begins")
    for key, st in stacks.items():
        if st:
            raise Bad("thread %s: %d slices never closed (%s)" % (key, len(st), st[-1]["name"]))


SCRIPT = re.compile(r"^\[(\d+)\] (\S+) (\S+) (.*)$")


def script_events(path):
    """Per CPU: the events the timeline shows; and the count of the rest."""
    per, accesses, total = {}, 0, 0
    with open(path) as f:
        for line in f:
            m = SCRIPT.match(line.rstrip("\n"))
            if not m:
                raise Bad("%s: not a kernel script line: %s" % (path, line.strip()))
            total += 1
            cpu, ts, task, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4).split()
            t = None if ts == "?" else int(ts.replace(".", ""))
            ev = None
            if rest == ["task", "SWITCH"]:
                ev = ("SWITCH", task)
            elif rest[1] in ("MAP", "UNMAP"):
                ev = (rest[1], rest[2])  # id=N
            elif rest[1] == "MARK":
                ev = ("MARK", " ".join(rest[2:]))
            elif rest[1] == "NETDEV":
                pass  # where a device's locks are: not drawn, not an access
            elif rest[2] in ("ENTRY", "EXIT"):
                ev = (rest[2], rest[1].rsplit("+", 1)[0])
            elif rest[2] in ("MMIO_R", "MMIO_W", "PIO_R", "PIO_W"):
                kv = dict(x.split("=", 1) for x in rest[4:] if "=" in x)
                addr = kv.get("port") or kv.get("phys")
                ev = (rest[2], int(rest[3]), int(addr, 16),
                      kv["value"], rest[1], rest[0], task)
            else:
                accesses += 1
            if ev:
                per.setdefault(cpu, []).append((ev, t))
    return per, accesses, total


def timeline_events(doc):
    per, stacks = {}, {}
    for e in doc["traceEvents"]:
        if e["ph"] == "M":
            continue
        a, cpu = e.get("args", {}), e["tid"]
        t = ns(e["ts"])
        st = stacks.setdefault(cpu, [])
        ev = None
        if e["ph"] == "B":
            st.append(e)
            if a.get("kind") == "SWITCH":
                ev = ("SWITCH", e["name"])
            elif a.get("kind") == "ENTRY":
                ev = ("ENTRY", e["name"])
        elif e["ph"] == "E":
            b = st.pop()
            if a.get("kind") == "EXIT":
                ev = ("EXIT", b["name"].replace(" (continued)", ""))
        elif a.get("kind") == "EXIT":
            ev = ("EXIT", e["name"][: -len(" (exit)")])
        elif a.get("kind") in ("MMIO_R", "MMIO_W", "PIO_R", "PIO_W"):
            v = a["value"]
            task = "%s-%d" % (a["comm"] or "?", a["pid"]) if a["pid"] >= 0 else "?-?"
            ev = (a["kind"], a["width"], int(a.get("port") or a["phys"], 16),
                  "?" if v is None else v, a["func"].replace(" ", ""),
                  a["context"], task.replace(" ", "_"))
        elif a.get("kind") in ("MAP", "UNMAP"):
            ev = (a["kind"], "id=%d" % a["id"])
        elif a.get("kind") == "MARK":
            ev = ("MARK", a["text"])
        if ev:
            per.setdefault(cpu, []).append((ev, t))
    return per


def check_against(doc, script):
    want, accesses, total = script
    got = timeline_events(doc)
    if sorted(want) != sorted(got):
        raise Bad("CPUs differ: script %s, timeline %s" % (sorted(want), sorted(got)))
    n = 0
    for cpu in sorted(want):
        w, g = want[cpu], got[cpu]
        for i in range(min(len(w), len(g))):
            if w[i][0] != g[i][0]:
                raise Bad("CPU %d, event %d: script %s, timeline %s" % (cpu, i, w[i][0], g[i][0]))
        if len(w) != len(g):
            raise Bad("CPU %d: script %d events, timeline %d" % (cpu, len(w), len(g)))
        latest = 0
        for i, ((ev, tw), (_, tg)) in enumerate(zip(w, g)):
            if ev[0] in ("SWITCH", "ENTRY", "MAP", "UNMAP", "MARK") or ev[0].endswith(("_R", "_W")):
                if tw is not None and tg != max(tw, latest):
                    raise Bad("CPU %d, event %d (%s): time %d, trace says %d" %
                              (cpu, i, ev[0], tg, tw))
            if tg < latest:
                raise Bad("CPU %d, event %d: time goes back" % (cpu, i))
            latest = tg
        n += len(w)
    od = doc.get("otherData", {})
    if od.get("accesses_not_shown") != accesses:
        raise Bad("otherData: %s accesses not shown, script has %d" %
                  (od.get("accesses_not_shown"), accesses))
    if od.get("trace_events") != total:
        raise Bad("otherData: %s records, script has %d" % (od.get("trace_events"), total))
    return n


def check_map(doc, path):
    regs = {}
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].split()
            if line:
                regs[(int(line[0][3:]), int(line[1], 16), int(line[2]))] = line[3]
    named = 0
    for e in doc["traceEvents"]:
        a = e.get("args", {})
        if a.get("kind", "").startswith("MMIO") and "bar" in a:
            want = regs.get((a["bar"], int(a["offset"], 16), a["width"]))
            if a.get("register") != want:
                raise Bad("%s: register %s, the map says %s" % (e["name"], a.get("register"), want))
            named += want is not None
    return named


def run(doc, script, mapf):
    check_format(doc)
    n = check_against(doc, script)
    named = check_map(doc, mapf) if mapf else 0
    return n, named


def selftest(doc, script, mapf):
    evs = doc["traceEvents"]

    def first(pred):
        for i, e in enumerate(evs):
            if pred(e):
                return i
        return None

    dev = first(lambda e: e.get("args", {}).get("kind", "").startswith(("MMIO", "PIO")))
    entry = first(lambda e: e["ph"] == "B" and e.get("args", {}).get("kind") == "ENTRY")
    ends = first(lambda e: e["ph"] == "E")
    timed = [i for i, e in enumerate(evs) if e["ph"] != "M"]
    muts = []

    def mut(name, fn):
        d = copy.deepcopy(doc)
        fn(d["traceEvents"])
        muts.append((name, d))

    if dev is not None:
        mut("a device access dropped", lambda v: v.pop(dev))
        mut("a value changed", lambda v: v[dev]["args"].update(
            value="0x%x" % (int(v[dev]["args"]["value"] or "0", 16) ^ 1)))
    if entry is not None:
        mut("a function renamed", lambda v: v[entry].update(name=v[entry]["name"] + "_x"))
    if ends is not None:
        mut("an E removed", lambda v: v.pop(ends))
    if len(timed) > 2:
        mut("a time going back", lambda v: v[timed[-1]].update(ts=0))
    mut("an unknown ph", lambda v: v[timed[0]].update(ph="Q"))
    mut("a pid missing", lambda v: v[timed[0]].pop("pid"))
    caught = 0
    for name, d in muts:
        try:
            run(d, script, mapf)
            print("tlcheck: selftest: %s NOT caught" % name)
        except Bad as e:
            caught += 1
            print("tlcheck: selftest: %s caught (%s)" % (name, e))
    # the trace's own events must be among what was damaged
    return caught == len(muts) and (dev is not None or entry is not None), len(muts)


def main():
    args = sys.argv[1:]
    mapf, st = None, False
    if "--map" in args:
        i = args.index("--map")
        mapf = args[i + 1]
        del args[i:i + 2]
    if "--selftest" in args:
        args.remove("--selftest")
        st = True
    if len(args) != 2:
        print(__doc__)
        return 2
    with open(args[0]) as f:
        doc = json.load(f)
    script = script_events(args[1])
    try:
        n, named = run(doc, script, mapf)
    except Bad as e:
        print("tlcheck: %s: %s" % (args[0], e))
        return 1
    print("tlcheck: %s: %d events, format valid, equal to the trace's (%d accesses "
          "counted, not shown; %d registers named)" %
          (args[0], n, script[1], named))
    if st:
        ok, nm = selftest(doc, script, mapf)
        if not ok:
            print("tlcheck: selftest FAILED")
            return 1
        print("tlcheck: selftest: %d of %d damages caught" % (nm, nm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
