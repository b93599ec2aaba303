#!/usr/bin/python3
"""make-seeds.py FIXDIR OUT - the binary and text seeds of the fuzz targets
(called by make-seeds.sh after OUT/fixture is made).  Layer: test tooling.

dump: every fixture's traceback.txt and dump-*.txt, cut to 64 KiB at a
goroutine boundary.  json: reports over 64 KiB are dropped.  core: the
fixture core's headers and notes (a u32 cut length, then the bytes laid
over the core).  pcln, dwarf, walk: patch records (fuzzlib.h: u8 sel,
u16 off, u16 off2, u8 len, bytes) chosen by a fixed random generator,
so the same seeds come out every time."""
import os
import random
import struct
import sys

MAX = 64 << 10


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def rec(sel, off, off2, data):
    return struct.pack("<BHHB", sel, off, off2, len(data)) + data


def main():
    fix, out = sys.argv[1], sys.argv[2]
    seeds = os.path.join(out, "seeds")
    for name in sorted(os.listdir(fix)):
        d = os.path.join(fix, name)
        if not os.path.isdir(d):
            continue
        for f in ("traceback.txt", "dump-stack.txt", "dump-debug1.txt", "dump-debug2.txt"):
            p = os.path.join(d, f)
            if not os.path.isfile(p):
                continue
            data = open(p, "rb").read()
            if len(data) > MAX:
                cut = data.rfind(b"\n\n", 0, MAX)
                data = data[: cut + 1] if cut > 0 else data[:MAX]
            write(os.path.join(seeds, "dump", "%s-%s" % (name, f)), data)
    jdir = os.path.join(seeds, "json")
    for f in os.listdir(jdir):
        p = os.path.join(jdir, f)
        if os.path.getsize(p) == 0 or os.path.getsize(p) > MAX:
            os.unlink(p)

    core = open(os.path.join(out, "fixture", "core"), "rb").read(16 << 10)
    write(os.path.join(seeds, "core", "headers"), struct.pack("<I", 0) + core)
    write(os.path.join(seeds, "core", "headers-cut"), struct.pack("<I", 0x5000) + core[:4096])
    write(os.path.join(seeds, "core", "ehdr-only"), struct.pack("<I", 0) + core[:64])

    rnd = random.Random(9)
    values = [b"\0" * 8, b"\xff" * 8, struct.pack("<Q", 1), struct.pack("<Q", 0x7FFFFFFF),
              struct.pack("<Q", 0x1000), b"\x41" * 8, struct.pack("<I", 0xFFFFFFFF)]
    for t, nsel in (("pcln", 2), ("dwarf", 4)):
        write(os.path.join(seeds, t, "empty"), b"")
        for i in range(24):
            recs = b""
            for _ in range(rnd.randint(1, 3)):
                off = rnd.choice([rnd.randrange(64), rnd.randrange(1 << 20)])
                recs += rec(rnd.randrange(nsel), off & 0xFFFF, off >> 16, rnd.choice(values)[: rnd.randint(1, 8)])
            write(os.path.join(seeds, t, "seed-%02d" % i), recs)
    # walk: anchors 0..11 are runtime globals (0 allgs, 1 allglen, ...),
    # then the goroutines' g's, wait objects and sps.
    w = os.path.join(seeds, "walk")
    write(os.path.join(w, "empty"), b"")
    write(os.path.join(w, "allglen-huge"), rec(1, 0, 0, b"\xff" * 8))
    write(os.path.join(w, "allgs-nil"), rec(0, 0, 0, b"\0" * 8))
    write(os.path.join(w, "allgs0-self"), rec(0x80, 0, 0, b"\0" * 8))
    for i in range(48):
        recs = b""
        for _ in range(rnd.randint(1, 3)):
            sel = rnd.randrange(12, 60) | (0x80 if rnd.random() < 0.3 else 0)
            recs += rec(sel, rnd.randrange(0, 0x200, 8), rnd.randrange(0, 0x80, 8), rnd.choice(values))
        write(os.path.join(w, "seed-%02d" % i), recs)


main()
