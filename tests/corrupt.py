#!/usr/bin/python3
"""corrupt.py - gostuck on cores made bad on purpose from a good fixture core.

Responsibility: for each fixture tree given (build/fixtures/go1.NN), copy
one fixture's core (chanrecv: three goroutines queued on one channel, one on
another) into a temporary directory and damage the copy in the ways a real
core can be damaged: truncated at several offsets, PT_LOAD segments zeroed,
bit flips in goroutines' `g` structures, cyclic `sudog` lists (a channel's
receive queue, a goroutine's `waiting` chain), a huge `runtime.allglen` or
`allgs` length, the core of another program or another Go release, a core
marked as another architecture's (its ELF e_machine patched to AArch64: no
foreign toolchain or core is at hand), a non-Go program's core (sleep(1)
killed with SIGABRT) and an empty file.  The shared fixture cores are never
written.  What to damage is found independently of gostuck: field offsets
and global addresses from the executable's DWARF through gdb, file offsets
from the core's program headers, goroutines' `g` addresses by walking
`runtime.allgs` in the core.

Each case must end in one of its allowed outcomes:
  error    exit 3, exactly one stderr line starting "gostuck: ", no stdout;
  partial  exit 0, a JSON report with at least one warning;
  report   exit 0, a JSON report without warnings (allowed only where the
           damage is to memory gostuck has no reason to read);
in under 5 s and under 10x the good run's peak RSS, with no crash or
sanitizer report; and where the damage is confined to some goroutines, every
other user goroutine must still be in the report with its good status and
frames (one goroutine's corruption never hides the others).  Prints one
table row per case (case, outcome, time, peak memory) and last
"corrupt: N passed, M failed"; exit 1 when M > 0.  Layer: test tooling.

Usage: tests/corrupt.py --gostuck build/gostuck [--keep DIR] FIXTUREDIR...
"""

import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

FIXTURE = "chanrecv"
OTHER_FIXTURE = "chansend"
TIME_LIMIT = 5.0      # seconds per run
KILL_AFTER = 30.0     # a run still going then is killed and called a hang
MEM_FACTOR = 10       # peak RSS bound, times the good run's
PT_LOAD, PT_NOTE = 1, 4
EM_AARCH64 = 183


# ---- the core file's layout

class Core:
    """Program headers of an ELF64 little-endian core: (type, offset, vaddr,
    filesz, memsz, flags) per header."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.ehdr = f.read(64)
            if self.ehdr[:4] != b"\x7fELF" or self.ehdr[4] != 2 or self.ehdr[5] != 1:
                raise ValueError("%s: not an ELF64 little-endian file" % path)
            phoff, = struct.unpack_from("<Q", self.ehdr, 32)
            phentsize, phnum = struct.unpack_from("<HH", self.ehdr, 54)
            f.seek(phoff)
            raw = f.read(phentsize * phnum)
        self.phoff, self.phentsize, self.phnum = phoff, phentsize, phnum
        self.phdrs = []
        for i in range(phnum):
            t, flags, off, vaddr, _paddr, filesz, memsz, _align = struct.unpack_from("<IIQQQQQQ", raw, i * phentsize)
            self.phdrs.append((t, off, vaddr, filesz, memsz, flags))
        self.path = path

    def loads(self):
        return [p for p in self.phdrs if p[0] == PT_LOAD]

    def segment_of(self, addr):
        for p in self.loads():
            if p[2] <= addr < p[2] + p[3]:
                return p
        return None

    def offset(self, addr):
        p = self.segment_of(addr)
        if p is None:
            raise KeyError("0x%x is not in the core's file-backed segments" % addr)
        return p[1] + addr - p[2]

    def read(self, addr, n):
        with open(self.path, "rb") as f:
            f.seek(self.offset(addr))
            return f.read(n)

    def u64(self, addr):
        return struct.unpack("<Q", self.read(addr, 8))[0]


def poke(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def copy_core(src, dst):
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)


# ---- what the executable's DWARF says, through gdb (not gostuck's reader)

def dwarf_facts(exe):
    exprs = {
        "g.size": "sizeof('runtime.g')",
        "g.goid": "&(('runtime.g'*)0)->goid",
        "g.waiting": "&(('runtime.g'*)0)->waiting",
        "g.sched.sp": "&(('runtime.g'*)0)->sched.sp",
        "g.sched.pc": "&(('runtime.g'*)0)->sched.pc",
        "g.stack.lo": "&(('runtime.g'*)0)->stack.lo",
        "g.stack.hi": "&(('runtime.g'*)0)->stack.hi",
        "g.atomicstatus": "&(('runtime.g'*)0)->atomicstatus",
        "sudog.next": "&(('runtime.sudog'*)0)->next",
        "sudog.waitlink": "&(('runtime.sudog'*)0)->waitlink",
        "hchan.recvq.first": "&(('runtime.hchan'*)0)->recvq.first",
        "allgs": "&'runtime.allgs'",
        "allglen": "&'runtime.allglen'",
    }
    argv = ["gdb", "-batch", "-nx", exe, "-ex", "set language c"]
    for e in exprs.values():
        argv += ["-ex", "print/d (unsigned long)(%s)" % e]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    vals = [line.split("=", 1)[1].strip() for line in p.stdout.splitlines() if line.startswith("$")]
    if len(vals) != len(exprs):
        raise RuntimeError("gdb could not evaluate the runtime's layout in %s: %s %s"
                           % (exe, p.stdout[-400:], p.stderr[-400:]))
    return {k: int(v) for k, v in zip(exprs, vals)}


def g_addresses(core, facts):
    """goid -> g address, walking runtime.allgs in the core."""
    arr, n = core.u64(facts["allgs"]), core.u64(facts["allgs"] + 8)
    out = {}
    for i in range(min(n, 100000)):
        g = core.u64(arr + 8 * i)
        out[core.u64(g + facts["g.goid"])] = g
    return out


def read_addrs(path):
    out = {}
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] != "object":
                continue
            kv = dict(x.split("=", 1) for x in fields[1:] if "=" in x)
            out[kv["name"]] = int(kv["addr"], 16)
    return out


# ---- running gostuck, measured

def run(gostuck, exe, core, tmp):
    """(rc, stdout, stderr, seconds, peak RSS in KiB, hung).  The peak RSS
    is GNU time's %M: wait4's ru_maxrss of a process forked by a small
    program (a child forked by Python would count Python's own pages)."""
    out, err, rssf = (os.path.join(tmp, n) for n in ("run.out", "run.err", "run.rss"))
    argv = ["/usr/bin/time", "-f", "%M", "-o", rssf, "timeout", "-s", "KILL", str(KILL_AFTER),
            gostuck, "--json", "--all", exe, core]
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.monotonic()
        rc = subprocess.run(argv, stdout=fo, stderr=fe).returncode
        secs = time.monotonic() - t0
    with open(out, "rb") as f:
        so = f.read().decode("utf-8", "replace")
    with open(err, "rb") as f:
        se = f.read().decode("utf-8", "replace")
    with open(rssf) as f:
        lines = f.read().split()
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return rc, so, se, secs, rss, secs >= KILL_AFTER


def goroutine_view(report):
    return {g["id"]: (g["status"], g["wait_reason"], tuple(f["func"] for f in g["frames"]))
            for g in report["goroutines"]}


# ---- one fixture tree

class Suite:
    def __init__(self, gostuck, tmp, keep=None):
        self.keep = keep
        self.gostuck = gostuck
        self.tmp = tmp
        self.rows = []
        self.passed = self.failed = 0

    def check(self, label, exe, core, allowed, good=None, spared=()):
        """Run one case; allowed is a set of outcomes, spared the goroutine
        ids the damage did not touch (must keep their good view)."""
        rc, so, se, secs, rss, hung = run(self.gostuck, exe, core, self.tmp)
        why = []
        outcome = "?"
        lines = se.splitlines()
        if hung:
            outcome = "hang"
        elif rc >= 128:
            outcome = "crash (signal %d)" % (rc - 128)
        elif rc == 86 or "Sanitizer" in se or "runtime error:" in se:
            outcome = "sanitizer report"
        elif rc == 3:
            outcome = "error"
            if len(lines) != 1 or not lines[0].startswith("gostuck: "):
                why.append("stderr is not one 'gostuck: ' line")
            if so:
                why.append("wrote to stdout")
        elif rc == 0:
            try:
                rep = json.loads(so)
            except ValueError:
                rep = None
                why.append("stdout is not JSON")
            if rep is not None:
                outcome = "partial" if rep.get("warnings") else "report"
                view = goroutine_view(rep)
                for gid in spared:
                    if view.get(gid) != good[gid]:
                        why.append("goroutine %d lost or changed: %s" % (gid, view.get(gid)))
            if se:
                why.append("stderr not empty on exit 0")
        else:
            outcome = "exit %d" % rc
        if outcome not in allowed:
            why.insert(0, "outcome %s, allowed %s" % (outcome, "/".join(sorted(allowed))))
        if secs > TIME_LIMIT:
            why.append("took %.2f s (limit %.0f s)" % (secs, TIME_LIMIT))
        if self.good_rss and rss > MEM_FACTOR * self.good_rss:
            why.append("peak RSS %d KiB > %dx the good run's %d KiB" % (rss, MEM_FACTOR, self.good_rss))
        detail = ""
        if outcome == "error" and lines:
            detail = lines[0][:110]
        elif outcome == "partial":
            w = json.loads(so)["warnings"]
            detail = "%d warning(s): %s" % (len(w), str(w[0])[:90])
        elif outcome == "sanitizer report" or outcome.startswith("crash") or outcome.startswith("exit"):
            detail = " ".join(lines[:3])[:200]
        ok = not why
        if not ok and self.keep:
            os.makedirs(self.keep, exist_ok=True)
            kept = os.path.join(self.keep, "".join(c if c.isalnum() or c in ".-" else "_" for c in label))
            copy_core(core, kept)
            why.append("kept as %s" % kept)
        self.passed += ok
        self.failed += not ok
        self.rows.append((label, outcome, secs, rss, ok, "; ".join(why) or detail))
        return outcome


def cases(suite, vdir):
    """Make every bad input from vdir's fixture and run it."""
    fx = os.path.join(vdir, FIXTURE)
    exe, good_core = os.path.join(fx, "exe"), os.path.join(fx, "core")
    ver = os.path.basename(vdir.rstrip("/"))
    tmp = suite.tmp
    bad = os.path.join(tmp, "core")

    # The good run: the reference for memory, and the views to keep.
    suite.good_rss = 0
    rc, so, se, secs, rss, _ = run(suite.gostuck, exe, good_core, tmp)
    if rc != 0:
        raise RuntimeError("%s: gostuck fails on the good core (%d): %s" % (fx, rc, se[:300]))
    good_rep = json.loads(so)
    good = goroutine_view(good_rep)
    suite.rows.append(("%s good %s core" % (ver, FIXTURE), "report" if not good_rep["warnings"] else "partial",
                       secs, rss, True, "%d goroutines" % len(good)))
    suite.good_rss = rss
    users = sorted(g["id"] for g in good_rep["goroutines"] if not g["system"] and g["id"] != 1)

    core = Core(good_core)
    facts = dwarf_facts(exe)
    gs = g_addresses(core, facts)
    chans = read_addrs(os.path.join(fx, "addrs"))
    size = os.path.getsize(good_core)

    def fresh():
        if os.path.exists(bad):
            os.unlink(bad)
        copy_core(good_core, bad)

    def case(label, allowed, spared=()):
        return suite.check("%s %s" % (ver, label), exe, bad, allowed, good, spared)

    ERR = {"error"}
    ERR_OR_PARTIAL = {"error", "partial"}

    # -- truncated
    note = next(p for p in core.phdrs if p[0] == PT_NOTE)
    data_seg = core.segment_of(facts["allglen"])
    g_seg = core.segment_of(gs[users[0]])
    for label, at in (("truncated in the ELF header (40 B)", 40),
                      ("truncated in the program headers", core.phoff + core.phentsize * 2 + 10),
                      ("truncated in the notes", note[1] + note[3] // 2),
                      ("truncated in the data/bss segment", data_seg[1] + data_seg[3] // 2),
                      ("truncated in the goroutines' heap segment", g_seg[1] + (gs[users[0]] - g_seg[2])),
                      ("truncated at half", size // 2),
                      ("truncated by the last 4 KiB", size - 4096)):
        fresh()
        os.truncate(bad, at)
        case(label, ERR_OR_PARTIAL)

    # -- zeroed segments (their bytes; the headers still promise them)
    def zero_segment(p):
        with open(bad, "r+b") as f:
            f.seek(p[1])
            left = p[3]
            while left:
                n = min(left, 1 << 20)
                f.write(b"\0" * n)
                left -= n

    stack_seg = core.segment_of(core.u64(gs[users[0]] + facts["g.stack.lo"]))
    for label, seg, allowed in (("zeroed: data/bss segment (allgs, allglen)", data_seg, ERR_OR_PARTIAL),
                                ("zeroed: heap segment holding the g's", g_seg, ERR_OR_PARTIAL),
                                ("zeroed: segment holding goroutine stacks", stack_seg, ERR_OR_PARTIAL)):
        if label.endswith("stacks") and seg == g_seg:
            continue  # the same segment (stacks in the heap arena)
        label += " @0x%x" % seg[2]
        fresh()
        zero_segment(seg)
        case(label, allowed)
    fresh()
    for p in core.loads():
        if p[5] & 2 and p[3]:  # PF_W
            zero_segment(p)
    case("zeroed: every writable segment", ERR_OR_PARTIAL)

    # -- bit flips in g structures
    victims = users[:2]
    spared = [g for g in users if g not in victims]
    for seed in (1, 2, 3):
        fresh()
        rnd = random.Random(seed)
        for gid in victims:
            base = core.offset(gs[gid])
            with open(bad, "r+b") as f:
                for _ in range(24):
                    bit = rnd.randrange(facts["g.size"] * 8)
                    f.seek(base + bit // 8)
                    b = f.read(1)[0]
                    f.seek(base + bit // 8)
                    f.write(bytes([b ^ (1 << (bit % 8))]))
        case("g: 24 random bit flips in goroutines %s (seed %d)" % (",".join(map(str, victims)), seed),
             {"report", "partial"}, spared)
    garbage = struct.pack("<Q", 0xdeadbeefdeadbeef)
    for label, field, val in (("g.sched.sp = 0xdeadbeefdeadbeef", "g.sched.sp", garbage),
                              ("g.sched.pc = 0xdeadbeefdeadbeef", "g.sched.pc", garbage),
                              ("g.stack.lo > g.stack.hi", "g.stack.lo", struct.pack("<Q", (1 << 63) - 1)),
                              ("g.atomicstatus = 0xffffffff", "g.atomicstatus", b"\xff\xff\xff\xff"),
                              ("g.waiting = 0xdeadbeefdeadbeef", "g.waiting", garbage)):
        fresh()
        for gid in victims:
            poke(bad, core.offset(gs[gid] + facts[field]), val)
        case("%s in goroutines %s" % (label, ",".join(map(str, victims))), {"partial"}, spared)

    # -- cyclic sudog lists
    ch = chans["silent"]
    first = core.u64(ch + facts["hchan.recvq.first"])
    queue, s = [], first
    while s and len(queue) < 10:
        queue.append(s)
        s = core.u64(s + facts["sudog.next"])
    fresh()
    poke(bad, core.offset(queue[-1] + facts["sudog.next"]), struct.pack("<Q", queue[0]))
    case("channel recvq cyclic (last sudog.next -> first, %d sudogs)" % len(queue), {"partial"})
    fresh()
    poke(bad, core.offset(queue[0] + facts["sudog.next"]), struct.pack("<Q", queue[0]))
    case("channel recvq: sudog.next -> itself", {"partial"})
    waiter = victims[0]
    sg = core.u64(gs[waiter] + facts["g.waiting"])
    fresh()
    poke(bad, core.offset(sg + facts["sudog.waitlink"]), struct.pack("<Q", sg))
    case("g.waiting chain cyclic (sudog.waitlink -> itself) in goroutine %d" % waiter,
         {"partial"}, [g for g in users if g != waiter])

    # -- huge allglen / allgs length
    for label, addr in (("runtime.allglen = 2^62", facts["allglen"]),
                        ("runtime.allgs len = 2^62", facts["allgs"] + 8)):
        fresh()
        poke(bad, core.offset(addr), struct.pack("<Q", 1 << 62))
        case(label, ERR_OR_PARTIAL)

    # -- another architecture (e_machine patched), another program, another release
    fresh()
    poke(bad, 18, struct.pack("<H", EM_AARCH64))
    case("e_machine patched to AArch64", ERR)
    other = os.path.join(vdir, OTHER_FIXTURE, "core")
    suite.check("%s core of another program (%s)" % (ver, OTHER_FIXTURE), exe, other, ERR)
    for odir in sorted(os.listdir(os.path.dirname(vdir.rstrip("/")))):
        ocore = os.path.join(os.path.dirname(vdir.rstrip("/")), odir, FIXTURE, "core")
        if odir != ver and odir.startswith("go1.") and os.path.exists(ocore):
            suite.check("%s core of the same program from %s" % (ver, odir), exe, ocore, ERR)
            break

    # -- a non-Go program's core; an empty file
    sc = sleep_core(tmp)
    if sc:
        suite.check("%s core of sleep(1) (not Go)" % ver, exe, sc, ERR)
    else:
        suite.rows.append(("%s core of sleep(1) (not Go)" % ver, "skip", 0, 0, True,
                           "the kernel wrote no core into the cwd (core_pattern %r)" % core_pattern()))
    empty = os.path.join(tmp, "empty")
    open(empty, "w").close()
    suite.check("%s empty file" % ver, exe, empty, ERR)


def core_pattern():
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            return f.read().strip()
    except OSError:
        return "?"


def sleep_core(tmp):
    d = os.path.join(tmp, "sleepcore")
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    subprocess.run(["bash", "-c", 'ulimit -c unlimited; cd "$1" && { sleep 100 & kill -ABRT $!; wait; }', "_", d],
                   stderr=subprocess.DEVNULL)
    for n in sorted(os.listdir(d)):
        if n == "core" or n.startswith("core."):
            return os.path.join(d, n)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gostuck", default=os.environ.get("GOSTUCK", "build/gostuck"))
    ap.add_argument("--keep", help="copy the inputs of failing cases into this directory")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    gostuck = os.path.abspath(a.gostuck)
    suite = None
    errors = 0
    with tempfile.TemporaryDirectory(prefix="gostuck-corrupt.") as tmp:
        suite = Suite(gostuck, tmp, a.keep)
        for d in a.dirs:
            if not os.path.exists(os.path.join(d, FIXTURE, "core")):
                print("corrupt: FAIL %s: no %s/core (make fixtures)" % (d, FIXTURE))
                errors += 1
                continue
            try:
                cases(suite, d)
            except (RuntimeError, KeyError, ValueError, StopIteration, IndexError) as e:
                print("corrupt: FAIL %s: cannot make the bad cores: %s" % (d, e))
                errors += 1
    w = max(len(r[0]) for r in suite.rows) if suite.rows else 10
    print("%-*s  %-8s %8s %10s  %s" % (w, "case", "outcome", "time", "peak RSS", "detail"))
    for label, outcome, secs, rss, ok, detail in suite.rows:
        print("%-*s  %-8s %7.2fs %7d KiB  %s%s" % (w, label, outcome, secs, rss, "" if ok else "FAIL: ", detail))
    print("corrupt: %d passed, %d failed" % (suite.passed, suite.failed + errors))
    return 1 if suite.failed + errors else 0


if __name__ == "__main__":
    sys.exit(main())
