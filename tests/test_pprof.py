#!/usr/bin/python3
"""test_pprof.py - gostuck's pprof export (--pprof FILE) read back by the
real `go tool pprof`.

Responsibility: for every fixture directory (exe, core, expect, meta; see
fixtures/README.md) run `gostuck --json --pprof P exe core`, and again with
--all, open each profile with the fixture's own toolchain's `go tool pprof`
(-raw, -top, -traces; no network: GOTOOLCHAIN=local, GOPROXY=off) and check:

  raw      the samples -raw prints, expanded to frames (function, file,
           line, pc, inlined: every Line of a location but its last), with
           their labels, equal gostuck's JSON goroutines as a multiset
           (status, wait_reason, leak verdict and pprof labels included):
           the goroutines the profile holds are the report's, minus the
           runtime-internal ones without --all; their total is counted too;
  mapping  the mapping names the executable and its build id and is marked
           symbolized, so pprof never re-reads the addresses;
  top      every function's flat and cum counts in -top equal the number of
           those goroutines whose innermost frame is / whose frames include
           that function, and the total is their number;
  sites    (without --all) every group the fixture's expect file declares
           (a state and a function: its goroutines' site) has, among the
           stacks -traces prints, as many goroutines as the fixture says:
           the fixture is the oracle here, not gostuck.

The frames themselves are checked against the runtime's traceback by
tests/oracle.py; this test checks that the profile carries exactly them.
Layer: test tooling; go tool pprof reads, gostuck is under test.

Usage: tests/test_pprof.py [--gostuck build/gostuck] [--go PATH] DIR...
DIR is a fixture directory or a directory of them.  The go command is the
one of the fixture's toolchain (meta goroot), or --go.  Prints one line per
failure, one line per fixture, and last "pprof: N passed, M failed".  Exit 1
on any failure or a fixture that could not be checked, 2 on usage errors.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
import fixturelib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gsreport import GOSTUCK_TIMEOUT, state_of  # noqa: E402

PPROF_TIMEOUT = 600  # the first run of a toolchain may build pprof
GO_ENV = {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
OURS = ("status", "wait_reason", "leak")  # the labels gostuck adds


class Broken(Exception):
    """A fixture that cannot be checked (a tool failed)."""


def run(cmd, timeout, env=None):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Broken("cannot run %s: %s" % (cmd[0], e))
    if p.returncode != 0:
        raise Broken("%s exited %d: %s" % (" ".join(cmd[:3]), p.returncode,
                                           p.stderr.decode(errors="replace").strip()[:400]))
    return p.stdout.decode(errors="replace")


def pprof(go, args, path):
    env = dict(os.environ, **GO_ENV)
    return run([go, "tool", "pprof"] + args + [path], PPROF_TIMEOUT, env)


# ---- what gostuck's JSON says the profile must hold

def json_frames(g):
    return tuple((f.get("func") or "", f.get("file") or "", f.get("line"), int(f.get("pc") or "0", 16),
                  bool(f.get("inlined"))) for f in g.get("frames") or [])


def json_labels(g):
    lab = [("status", g.get("status")), ("wait_reason", g.get("wait_reason")),
           ("leak", (g.get("leak") or {}).get("verdict"))]
    lab += list((g.get("labels") or {}).items())
    return tuple(sorted((k, v) for k, v in lab if v is not None))


def included(report, all_):
    return [g for g in report.get("goroutines") or [] if all_ or not g.get("system")]


# ---- what go tool pprof says

LOC_RE = re.compile(r"^\s*(\d+): (0x[0-9a-f]+) (?:M=(\d+) )?(.*)$")
LINE_RE = re.compile(r"^(\S*) (.*?):(\d+)(?::\d+)? s=\d+$")
SAMPLE_RE = re.compile(r"^\s*(\d+): ((?:\d+ )*)$")
LABEL_RE = re.compile(r"(\S+):\[([^\]]*)\]")
MAP_RE = re.compile(r"^(\d+): (0x[0-9a-f]+)/(0x[0-9a-f]+)/(0x[0-9a-f]+) (\S*) ?(\S*) ?((?:\[\w+\])*)$")


def parse_raw(text):
    """(samples, mappings) of `pprof -raw`: samples as (count, frames,
    labels) with frames as json_frames builds them; mappings as tuples
    (file, build id, flags)."""
    section, locs, raw_samples, mappings = None, {}, [], []
    cur = None
    for line in text.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
            continue
        if section == "Samples:":
            m = SAMPLE_RE.match(line)
            if m:
                raw_samples.append([int(m.group(1)), [int(x) for x in m.group(2).split()], []])
            elif raw_samples and line.strip() and "/" not in line:
                # labels line: key:[value] ...; values of one key split on spaces
                # cannot be told apart, so each key must have one value
                raw_samples[-1][2] += [(k, v) for k, v in LABEL_RE.findall(line)]
        elif section == "Locations":
            m = LOC_RE.match(line)
            if m:
                cur = int(m.group(1))
                locs[cur] = {"addr": int(m.group(2), 16), "mapping": m.group(3), "lines": []}
                rest = m.group(4)
            else:
                rest = line.strip()
            lm = LINE_RE.match(rest)
            if cur is not None and lm:
                locs[cur]["lines"].append((lm.group(1), lm.group(2), int(lm.group(3))))
            elif cur is not None and rest:
                raise Broken("pprof -raw location line not understood: %r" % line)
        elif section == "Mappings":
            m = MAP_RE.match(line.strip())
            if m:
                mappings.append((m.group(5), m.group(6), m.group(7)))
    samples = []
    for count, ids, labels in raw_samples:
        frames = []
        for i in ids:
            loc = locs.get(i)
            if loc is None:
                raise Broken("sample refers to location %d, which -raw does not list" % i)
            n = len(loc["lines"])
            frames += [(f, fl, ln, loc["addr"], k < n - 1) for k, (f, fl, ln) in enumerate(loc["lines"])]
        samples.append((count, tuple(frames), tuple(sorted(labels))))
    return samples, mappings


TOP_RE = re.compile(r"^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.*?)(?: \((?:partial-)?inline\))?$")
TOTAL_RE = re.compile(r"^Showing nodes accounting for (\d+), [\d.]+% of (\d+) total$")


def parse_top(text):
    """({func: (flat, cum)}, total, shown) of `pprof -top`."""
    rows, total, shown = {}, None, None
    for line in text.splitlines():
        m = TOTAL_RE.match(line.strip())
        if m:
            shown, total = int(m.group(1)), int(m.group(2))
            continue
        if line.startswith("Dropped "):
            raise Broken("pprof -top dropped nodes despite -nodefraction=0: %s" % line)
        m = TOP_RE.match(line)
        if m:
            if m.group(3) in rows:
                raise Broken("pprof -top lists %s twice" % m.group(3))
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return rows, total, shown


TRACE_COUNT_RE = re.compile(r"^\s+(\d+)\s+(\S.*)$")
TRACE_LABEL_RE = re.compile(r"^\s*([\w.]+):\s+(.*)$")


def parse_traces(text):
    """[(count, labels dict key -> list of values, [functions])] of
    `pprof -traces`; functions without their " (inline)" mark."""
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("-----------+"):
            cur = [0, {}, []]
            out.append(cur)
            continue
        if cur is None:
            continue
        m = TRACE_COUNT_RE.match(line)
        if m and not cur[2]:
            cur[0] = int(m.group(1))
            cur[2].append(m.group(2))
            continue
        if cur[2]:
            if line.strip():
                cur[2].append(re.sub(r" \(inline\)$", "", line.strip()))
            continue
        m = TRACE_LABEL_RE.match(line)
        if m:
            cur[1].setdefault(m.group(1), []).append(m.group(2).strip())
    for t in out:
        if t[2]:
            t[2][0] = re.sub(r" \(inline\)$", "", t[2][0])
    return [tuple(t) for t in out if t[2] or t[0]]


# ---- the checks

class Checks:
    def __init__(self, label):
        self.label, self.passed, self.failed = label, 0, 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("%s %s" % (self.label, what))


def first_diff(want, got):
    """One line saying how two Counters differ."""
    missing = want - got
    extra = got - want
    parts = []
    if missing:
        k, n = next(iter(missing.items()))
        parts.append("%d missing from the profile (of %d kinds), e.g. %d x %s" % (sum(missing.values()), len(missing),
                                                                                  n, k))
    if extra:
        k, n = next(iter(extra.items()))
        parts.append("%d not in the report (of %d kinds), e.g. %d x %s" % (sum(extra.values()), len(extra), n, k))
    return "; ".join(parts)[:800]


def check_variant(c, report, path, all_, go):
    """raw, mapping and top checks of one profile."""
    tag = "--all" if all_ else "default"
    gs = included(report, all_)
    want = collections.Counter()
    for g in gs:
        want[(json_frames(g), json_labels(g))] += 1

    samples, mappings = parse_raw(pprof(go, ["-raw"], path))
    got = collections.Counter()
    for count, frames, labels in samples:
        got[(frames, labels)] += count
    c.check(sum(got.values()) == len(gs),
            "%s raw: the profile counts %d goroutines, the report has %d%s"
            % (tag, sum(got.values()), len(gs), "" if all_ else " not runtime-internal"))
    c.check(got == want, "%s raw: samples differ from the report's goroutines: %s" % (tag, first_diff(want, got)))

    target = report.get("target") or {}
    want_map = (target.get("exe") or "", target.get("build_id") or "", "[FN][FL][LN][IN]")
    c.check(mappings == [want_map], "%s mapping: %s, want [%s]" % (tag, mappings, want_map))

    rows, total, shown = parse_top(pprof(go, ["-top", "-nodefraction=0", "-edgefraction=0", "-nodecount=1000000"],
                                         path))
    want_rows = {}
    for g in gs:
        funcs = [f.get("func") or "" for f in g.get("frames") or []]
        for f in set(funcs):
            flat, cum = want_rows.get(f, (0, 0))
            want_rows[f] = (flat, cum + 1)
        if funcs:
            flat, cum = want_rows[funcs[0]]
            want_rows[funcs[0]] = (flat + 1, cum)
    c.check(total == len(gs) and shown == len(gs),
            "%s top: pprof shows %s of %s goroutines, want %d" % (tag, shown, total, len(gs)))
    bad = sorted(f for f in set(rows) | set(want_rows) if rows.get(f) != want_rows.get(f))
    c.check(not bad, "%s top: %d functions' flat/cum differ, e.g. %s"
            % (tag, len(bad), "; ".join("%s: pprof %s, report %s" % (f, rows.get(f), want_rows.get(f))
                                        for f in bad[:3])))


def check_sites(c, d, path, go):
    """Every group the fixture declares, found in -traces with its count."""
    groups = fixturelib.read_expect(d)
    live = fixturelib.read_meta(d).get("method") == "gcore"
    traces = parse_traces(pprof(go, ["-traces"], path))
    members = [0] * len(groups)
    for count, labels, funcs in traces:
        g = {"status": (labels.get("status") or [None])[0], "wait_reason": (labels.get("wait_reason") or [None])[0]}
        for i in fixturelib.groups_of(groups, state_of(g), set(funcs), live=live):
            members[i] += count
    for i, grp in enumerate(groups):
        c.check(members[i] == grp["count"], "sites: group %s [%s] has %d goroutines in pprof -traces, the fixture %d"
                % (grp["func"], "|".join(grp["states"]), members[i], grp["count"]))


def go_of(d, forced):
    if forced:
        return forced
    goroot = fixturelib.read_meta(d).get("goroot")
    go = os.path.join(goroot, "bin", "go") if goroot else None
    if not go or not os.access(go, os.X_OK):
        raise Broken("no go command for this fixture (meta goroot=%s); give --go" % goroot)
    return go


def check_fixture(d, gostuck, forced_go, tmp):
    label = fixturelib.fixture_label(d)
    c = Checks(label)
    go = go_of(d, forced_go)
    exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
    for all_ in (False, True):
        path = os.path.join(tmp, "%s%s.pb.gz" % (label.replace("/", "-"), "-all" if all_ else ""))
        out = run([gostuck, "--json", "--pprof", path] + (["--all"] if all_ else []) + [exe, core], GOSTUCK_TIMEOUT)
        try:
            report = json.loads(out)
        except ValueError as e:
            raise Broken("gostuck's JSON does not parse: %s" % e)
        with open(path, "rb") as f:
            c.check(f.read(2) == b"\x1f\x8b", "the profile is not gzip-compressed")
        check_variant(c, report, path, all_, go)
        if not all_:
            check_sites(c, d, path, go)
    print("%s: %d passed, %d failed" % (label, c.passed, c.failed))
    return c.passed, c.failed


def main(argv):
    ap = argparse.ArgumentParser(description="gostuck --pprof read back by go tool pprof")
    ap.add_argument("--gostuck", default="build/gostuck")
    ap.add_argument("--go", help="the go command whose pprof reads the profiles (default: the fixture's)")
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    args = ap.parse_args(argv[1:])
    dirs = fixturelib.fixture_dirs(args.dirs)
    if not dirs:
        print("test_pprof: no fixture directories in %s" % " ".join(args.dirs), file=sys.stderr)
        return 2
    passed = failed = broken = 0
    with tempfile.TemporaryDirectory(prefix="gostuck-pprof-") as tmp:
        for d in dirs:
            label = fixturelib.fixture_label(d)
            try:
                p, f = check_fixture(d, args.gostuck, args.go, tmp)
            except (Broken, OSError, KeyError, ValueError) as e:
                print("%s: cannot check: %s" % (label, e))
                broken += 1
                continue
            passed += p
            failed += f
    if broken:
        print("test_pprof: %d fixture(s) could not be checked" % broken)
    print("pprof: %d passed, %d failed" % (passed, failed))
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
