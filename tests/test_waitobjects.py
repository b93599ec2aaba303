#!/usr/bin/python3
"""test_waitobjects.py - gostuck's wait objects against what the fixture printed.

Responsibility: for every fixture directory (exe, core, expect, addrs; see
fixtures/README.md) run `gostuck --json --all exe core` and check, against
the addrs file (written by the fixture itself at "ready": each object's
address as fmt.Sprintf("%p") printed it, its kind, a channel's element type
as reflect prints it and its cap, and the counts the fixture knows) and the
expect file's `on=` lists:

  presence   every goroutine waiting on a channel, a select or a sync
             primitive (its wait reason says so) has wait objects;
  groups     every wait object of a goroutine of a group with `on=` is one
             of the objects the group names (same address and kind; "nil"
             stands for a nil channel: kind nil_chan, addr null), and
             together the group's goroutines name every object on its list;
  objects    for every object in addrs, some goroutine reports a wait on
             its address, with the recorded kind, elem_type, cap, len,
             closed, symbol (where the fixture names the global), locked,
             counter, and as many senders / receivers / waiters as the
             fixture says, and as many goroutines refer to it; every report
             of that address agrees.

One check per goroutine for presence and groups, one per object field.
Layer: test tooling; the fixture program's own output is the oracle,
gostuck is the thing under test. Fixtures without an addrs file (frozen
ones, made before addrs existed) get the presence checks only.

Usage: tests/test_waitobjects.py [--gostuck build/gostuck] DIR...
Prints one line per failure ("FIXTURE object NAME (ADDR) FIELD: expected X
got Y", "FIXTURE goroutine N ...: ..."), one summary line per fixture, and
last "waitobjects: N passed, M failed". Exit 1 on any failure or a fixture
that could not be analyzed, 2 on usage errors.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
import fixturelib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gsreport import run_gostuck, state_of  # noqa: E402


def norm_addr(a):
    """Addresses compare as integers ("0xc000010000" == "0xC000010000")."""
    if a is None:
        return None
    try:
        return int(str(a), 16)
    except ValueError:
        return str(a)


def blocked_on_object(g):
    """Waiting on a channel, a select with cases, or a sync primitive."""
    if g.get("status") not in ("waiting", "leaked"):
        return False
    wr = g.get("wait_reason")
    return wr in fixturelib.CHAN_REASONS or wr in fixturelib.SYNC_REASONS


def _ids_len(w, key):
    """How many goroutines the report lists for key (senders, receivers,
    waiters): key_count, the exact total, after checking that the list
    holds the lowest min(total, 64) of them, ascending."""
    ids, n = w.get(key), w.get(key + "_count")
    if not isinstance(ids, list) or not isinstance(n, int):
        return None
    if len(ids) != min(n, 64) or ids != sorted(ids):
        return "list of %d ids for %s_count %d" % (len(ids), key, n)
    return n


def object_fields(o):
    """What the addrs line says, as (field, expected value, getter)."""
    kind = o["kind"]
    out = [("kind", kind, lambda w: w.get("kind"))]
    if kind == "chan":
        out += [
            ("elem_type", o["elem_type"], lambda w: w.get("elem_type")),
            ("cap", int(o["cap"]), lambda w: w.get("cap")),
            ("len", int(o["len"]), lambda w: w.get("len")),
            ("closed", o["closed"] == "true", lambda w: w.get("closed")),
            ("senders", int(o["senders"]), lambda w: _ids_len(w, "senders")),
            ("receivers", int(o["receivers"]), lambda w: _ids_len(w, "receivers")),
        ]
    else:
        out.append(("waiters", int(o["waiters"]), lambda w: _ids_len(w, "waiters")))
        if kind in ("mutex", "rwmutex") and "locked" in o:
            out.append(("locked", o["locked"] == "true", lambda w: w.get("locked")))
        if kind == "waitgroup" and "counter" in o:
            out.append(("counter", int(o["counter"]), lambda w: w.get("counter")))
    if o.get("symbol"):
        out.append(("symbol", o["symbol"], lambda w: w.get("symbol")))
    return out


def check_fixture(d, report, say):
    """Returns (passed, failed)."""
    label = fixturelib.fixture_label(d)
    groups = fixturelib.read_expect(d)
    addrs = fixturelib.read_addrs(d)
    live = fixturelib.read_meta(d).get("method") == "gcore"
    gs = [g for g in report.get("goroutines") or []]
    ok = [0, 0]

    def result(good, msg):
        ok[0 if good else 1] += 1
        if not good:
            say("%s %s" % (label, msg))

    # Where each address is reported, by whom.
    by_addr = {}
    for g in gs:
        for w in g.get("wait_objects") or []:
            a = norm_addr(w.get("addr"))
            if a is not None:
                by_addr.setdefault(a, []).append((g.get("id"), w))

    # presence
    for g in gs:
        if not blocked_on_object(g):
            continue
        objs = g.get("wait_objects") or []
        result(len(objs) > 0, "goroutine %s [%s] wait_objects: expected at least one, got none"
               % (g.get("id"), state_of(g)))

    if addrs is None:
        return ok[0], ok[1], "no addrs file: presence checks only"

    # groups
    for grp in groups:
        if not grp["on"]:
            continue
        names = grp["on"]
        unknown = [n for n in names if n != "nil" and n not in addrs]
        if unknown:
            result(False, "group %s: on= names %s, not in addrs" % (grp["func"], ",".join(unknown)))
            continue
        want = {norm_addr(addrs[n]["addr"]): n for n in names if n != "nil"}
        seen = set()
        for g in gs:
            funcs = {f.get("func") for f in g.get("frames") or []}
            if grp not in [groups[i] for i in fixturelib.groups_of(groups, state_of(g), funcs, live=live)]:
                continue
            objs = g.get("wait_objects") or []
            bad = []
            for w in objs:
                a = norm_addr(w.get("addr"))
                if a is None:
                    if w.get("kind") == "nil_chan" and "nil" in names:
                        seen.add("nil")
                    else:
                        bad.append("%s with no address" % w.get("kind"))
                elif a in want:
                    n = want[a]
                    seen.add(n)
                    if w.get("kind") != addrs[n]["kind"]:
                        bad.append("%s %s is a %s" % (w.get("kind"), w.get("addr"), addrs[n]["kind"]))
                else:
                    bad.append("%s %s not among %s" % (w.get("kind"), w.get("addr"), ",".join(names)))
            if not objs:
                bad.append("none (expected %s)" % ",".join(names))
            result(not bad, "goroutine %s [%s] (%s) wait_objects: %s"
                   % (g.get("id"), state_of(g), grp["func"], "; ".join(bad)))
        missing = [n for n in names if n not in seen]
        result(not missing, "group %s: no goroutine reports a wait on %s" % (grp["func"], ",".join(missing)))

    # objects
    for name in sorted(addrs):
        o = addrs[name]
        a = norm_addr(o["addr"])
        reports = by_addr.get(a, [])
        if not reports:
            result(False, "object %s (%s %s): no goroutine reports a wait on it" % (name, o["kind"], o["addr"]))
            continue
        for field, expected, get in object_fields(o):
            got = {json.dumps(get(w)) for _, w in reports}
            if len(got) > 1:
                result(False, "object %s (%s) %s: reports disagree: %s" % (name, o["addr"], field, " / ".join(sorted(got))))
                continue
            value = get(reports[0][1])
            result(value == expected, "object %s (%s) %s: expected %s got %s"
                   % (name, o["addr"], field, json.dumps(expected), json.dumps(value)))
        total = (int(o["senders"]) + int(o["receivers"])) if o["kind"] == "chan" else int(o["waiters"])
        waiting = len({gid for gid, _ in reports})
        result(waiting == total, "object %s (%s) goroutines waiting on it: expected %d got %d"
               % (name, o["addr"], total, waiting))
    return ok[0], ok[1], ""


def main(argv):
    ap = argparse.ArgumentParser(description="gostuck wait objects vs the fixtures' own addresses")
    ap.add_argument("--gostuck", default="build/gostuck")
    ap.add_argument("-v", "--verbose", action="store_true", help="(accepted; failures are always printed)")
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    args = ap.parse_args(argv[1:])
    dirs = fixturelib.fixture_dirs(args.dirs)
    if not dirs:
        print("test_waitobjects: no fixture directories in %s" % " ".join(args.dirs), file=sys.stderr)
        return 2
    passed = failed = broken = 0
    for d in dirs:
        label = fixturelib.fixture_label(d)
        if not (os.path.exists(os.path.join(d, "core")) and os.path.exists(os.path.join(d, "exe"))):
            print("%s: no exe/core, skipped" % label)
            broken += 1
            continue
        try:
            report = run_gostuck(args.gostuck, d)
            p, f, note = check_fixture(d, report, print)
        except RuntimeError as e:
            print("%s: %s" % (label, e))
            broken += 1
            continue
        except (OSError, KeyError, ValueError) as e:
            print("%s: cannot check: %s" % (label, e))
            broken += 1
            continue
        passed += p
        failed += f
        print("%s: %d/%d%s" % (label, p, p + f, ("  (" + note + ")") if note else ""))
    if broken:
        print("test_waitobjects: %d fixture(s) could not be analyzed" % broken)
    print("waitobjects: %d passed, %d failed" % (passed, failed))
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
