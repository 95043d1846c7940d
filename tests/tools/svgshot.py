#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render an SVG in a real browser and check that the picture is not blank.

  svgshot.py FILE.svg OUT.png [--expect KIND,...] [--selftest]

Headless Chromium (Debian's chromium-headless-shell, or chromium) takes a
screenshot of FILE.svg at the size the SVG declares.  The PNG must then
hold more than a few non-white pixels, and for each KIND (task, softirq,
hardirq, function, mmio-read, mmio-write, pio) enough pixels of exactly
the colour kstride timeline --svg fills it with.  --selftest also renders
a blank SVG of the same size and fails unless the check rejects it.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

COLOURS = {
    "task": ["#9ecae1"],
    "softirq": ["#fdae6b"],
    "hardirq": ["#fb6a4a"],
    "function": ["#a1d99b", "#c7e9c0", "#fdd49e", "#d9d9d9", "#c6dbef", "#fcbba1",
                 "#dadaeb", "#e5f5e0", "#fee391", "#d4b9da", "#ccebc5", "#bcbddc"],
    "mmio-read": ["#2171b5"],
    "mmio-write": ["#cb181d"],
    "pio": ["#238b45"],
}
MIN_PIXELS = 10  # a lone burst of device accesses: one 2x7 tick


def rgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))


def browser():
    for b in ("chromium-headless-shell", "chromium", "chromium-browser"):
        p = shutil.which(b)
        if p:
            return p
    for p in ("/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium"):
        if os.access(p, os.X_OK):
            return p
    return None


def shoot(svg, png):
    with open(svg) as f:
        head = f.read(2000)
    m = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', head)
    if not m:
        raise SystemExit("svgshot: %s: no <svg width= height=>" % svg)
    w, h = int(m.group(1)), int(m.group(2))
    b = browser()
    if not b:
        raise SystemExit("svgshot: no headless Chromium (apt-get install chromium-headless-shell)")
    with tempfile.TemporaryDirectory() as prof:
        cmd = [b, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--user-data-dir=" + prof, "--window-size=%d,%d" % (w, h),
               "--screenshot=" + os.path.abspath(png), "file://" + os.path.abspath(svg)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=300)
    if r.returncode or not os.path.exists(png):
        raise SystemExit("svgshot: %s failed (%d): %s" %
                         (b, r.returncode, r.stdout.decode(errors="replace")[-500:]))
    return w, h


def check(png, w, h, expect):
    im = Image.open(png).convert("RGB")
    if im.size != (w, h):
        return "screenshot is %dx%d, the SVG %dx%d" % (im.size + (w, h))
    counts = {}
    for n, c in im.getcolors(maxcolors=w * h):
        counts[c] = n
    white = counts.get((255, 255, 255), 0)
    inked = w * h - white
    if inked < 0.005 * w * h:
        return "blank: %d of %d pixels are not white" % (inked, w * h)
    for k in expect:
        n = sum(counts.get(rgb(c), 0) for c in COLOURS[k])
        if n < MIN_PIXELS:
            return "%s: %d pixels of its colour (want %d)" % (k, n, MIN_PIXELS)
    return None


def main():
    args = sys.argv[1:]
    expect, st = [], False
    if "--expect" in args:
        i = args.index("--expect")
        expect = [k for k in args[i + 1].split(",") if k]
        del args[i:i + 2]
        for k in expect:
            if k not in COLOURS:
                raise SystemExit("svgshot: unknown kind %s" % k)
    if "--selftest" in args:
        args.remove("--selftest")
        st = True
    if len(args) != 2:
        print(__doc__)
        return 2
    svg, png = args
    w, h = shoot(svg, png)
    why = check(png, w, h, expect)
    if why:
        print("svgshot: %s: %s" % (svg, why))
        return 1
    im = Image.open(png).convert("RGB")
    print("svgshot: %s: %dx%d rendered, %d colours, %s present" %
          (svg, w, h, len(im.getcolors(maxcolors=w * h)), ",".join(expect) or "ink"))
    if st:
        with tempfile.TemporaryDirectory() as d:
            blank = os.path.join(d, "blank.svg")
            with open(blank, "w") as f:
                f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">'
                        '<rect width="100%%" height="100%%" fill="#fff"/></svg>\n' % (w, h))
            shoot(blank, os.path.join(d, "blank.png"))
            why = check(os.path.join(d, "blank.png"), w, h, expect)
            if not why:
                print("svgshot: selftest: a blank SVG passed the check")
                return 1
            print("svgshot: selftest: a blank SVG is rejected (%s)" % why)
    return 0


if __name__ == "__main__":
    sys.exit(main())
