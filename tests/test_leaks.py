#!/usr/bin/python3
"""test_leaks.py - gostuck's leak verdicts against the runtime and the fixtures.

Responsibility: for every fixture directory (exe, core, expect; see
fixtures/README.md) run `gostuck --json --all exe core`, map each goroutine
of the report to the fixture's declared groups (by status or wait reason
and a function among its frames, as park.Main and check-tracebacks.py do)
and check, one check per goroutine:

  recall     every goroutine the runtime's goroutine-leak profile of the same
             run (leakprofile.txt, Go 1.26+) marks "(leaked)" is `definite`
             in the report (the ids are those of the core: same run);
  precision  no goroutine of a group declared alive (leak=no), nor any
             goroutine the fixture does not declare, is `definite`;
  coverage   every goroutine of a group declared leaked (leak=yes) is
             `definite`. On toolchains without the profile this is the only
             check that leaks are found at all; --no-coverage reports it
             without counting it.

Also checks that every group has as many goroutines in the report as the
fixture says (a mapping that finds nothing must not pass), and that the
fixture's declarations agree with the profile. Layer: test tooling; the
runtime's profile and the fixture's declarations are the oracle, gostuck is
the thing under test.

Usage: tests/test_leaks.py [--gostuck build/gostuck] [--no-coverage] [-v] DIR...
DIR is a fixture directory or a directory of them. Prints one line per
failure, one line per fixture with the three numbers, and last
"leaks: N passed, M failed" (goroutine checks). Exit 1 on any failure or a
fixture that could not be analyzed, 2 on usage errors.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
import fixturelib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gsreport import run_gostuck, state_of  # noqa: E402


def verdict_of(g):
    leak = g.get("leak")
    return leak.get("verdict") if isinstance(leak, dict) else None


def describe(g):
    return "goroutine %s [%s%s]" % (g.get("id"), state_of(g), " (leaked)" if g.get("status") == "leaked" else "")


class Counts:
    def __init__(self):
        self.recall = [0, 0]     # passed, total
        self.precision = [0, 0]
        self.coverage = [0, 0]
        self.other = [0, 0]


def check_fixture(d, report, counts, say, no_coverage):
    label = fixturelib.fixture_label(d)
    groups = fixturelib.read_expect(d)
    meta = fixturelib.read_meta(d)
    live = meta.get("method") == "gcore"
    profile = fixturelib.leak_profile(d)
    c = Counts()

    for i, grp in enumerate(groups):
        if grp["leak"] is None:
            say("%s group %s: expect has no leak= declaration (old fixture?)" % (label, grp["func"]))
            c.other[1] += 1

    gs = report.get("goroutines") or []
    by_id = {g.get("id"): g for g in gs}
    members = [[] for _ in groups]
    declared = {}  # goroutine id -> True (leaked) / False (alive)
    for g in gs:
        funcs = {f.get("func") for f in g.get("frames") or []}
        idx = fixturelib.groups_of(groups, state_of(g), funcs, live=live)
        for i in idx:
            members[i].append(g)
        verdicts = {groups[i]["leak"] for i in idx} - {None}
        if len(verdicts) > 1:
            say("%s %s: in groups with different leak declarations" % (label, describe(g)))
            c.other[1] += 1
        elif verdicts:
            declared[g.get("id")] = verdicts.pop()

    # Every group must be found in full, or the checks below see nothing.
    for i, grp in enumerate(groups):
        c.other[1] += 1
        if len(members[i]) == grp["count"]:
            c.other[0] += 1
        else:
            say("%s group %s [%s]: %d goroutines in the report, the fixture has %d"
                % (label, grp["func"], "|".join(grp["states"]), len(members[i]), grp["count"]))

    # Recall against the runtime's own profile.
    if profile is not None:
        for gid in sorted(i for i, x in profile.items() if x["leaked"]):
            c.recall[1] += 1
            g = by_id.get(gid)
            if g is None:
                say("%s recall: goroutine %d is leaked in the runtime's profile, missing from the report" % (label, gid))
            elif verdict_of(g) == "definite":
                c.recall[0] += 1
            else:
                say("%s recall: %s is leaked in the runtime's profile; gostuck says %s"
                    % (label, describe(g), json.dumps(g.get("leak"))))
            if declared.get(gid) is not True:
                c.other[1] += 1
                say("%s declaration: goroutine %d is leaked in the runtime's profile but not declared leaked"
                    % (label, gid))

    # Precision against the declarations (undeclared goroutines: the
    # runtime's own, which it never calls leaked).
    for g in gs:
        gid = g.get("id")
        if declared.get(gid) is True:
            c.coverage[1] += 1
            if verdict_of(g) == "definite":
                c.coverage[0] += 1
            else:
                say("%s coverage: %s is declared leaked; gostuck says %s%s"
                    % (label, describe(g), json.dumps(g.get("leak")),
                       "" if profile is None else
                       (" (the runtime's profile missed it too)" if not profile.get(gid, {}).get("leaked") else "")))
        else:
            c.precision[1] += 1
            if verdict_of(g) == "definite":
                say("%s precision: %s is %s; gostuck says definite: %s"
                    % (label, describe(g), "declared alive" if gid in declared else "not declared leaked",
                       (g.get("leak") or {}).get("reason")))
            else:
                c.precision[0] += 1

    if no_coverage:
        counted = [c.recall, c.precision, c.other]
    else:
        counted = [c.recall, c.precision, c.coverage, c.other]
    passed = sum(x[0] for x in counted)
    total = sum(x[1] for x in counted)
    prof = "recall %d/%d" % tuple(c.recall) if profile is not None else "recall -/- (no profile)"
    print("%s: %s  precision %d/%d  coverage %d/%d%s"
          % (label, prof, c.precision[0], c.precision[1], c.coverage[0], c.coverage[1],
             "" if passed == total else "  (%d failed)" % (total - passed)))
    counts.append((passed, total - passed))


def main(argv):
    ap = argparse.ArgumentParser(description="gostuck leak verdicts vs the runtime's profile and the fixtures")
    ap.add_argument("--gostuck", default="build/gostuck")
    ap.add_argument("--no-coverage", action="store_true",
                    help="report coverage (declared leaked -> definite) without counting it")
    ap.add_argument("-v", "--verbose", action="store_true", help="(accepted; failures are always printed)")
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    args = ap.parse_args(argv[1:])
    dirs = fixturelib.fixture_dirs(args.dirs)
    if not dirs:
        print("test_leaks: no fixture directories in %s" % " ".join(args.dirs), file=sys.stderr)
        return 2
    counts = []
    broken = 0

    def say(msg):
        print(msg)

    for d in dirs:
        label = fixturelib.fixture_label(d)
        if not (os.path.exists(os.path.join(d, "core")) and os.path.exists(os.path.join(d, "exe"))):
            print("%s: no exe/core, skipped" % label)
            broken += 1
            continue
        try:
            report = run_gostuck(args.gostuck, d)
        except RuntimeError as e:
            print("%s: %s" % (label, e))
            broken += 1
            continue
        try:
            check_fixture(d, report, counts, say, args.no_coverage)
        except (OSError, KeyError, ValueError) as e:
            print("%s: cannot check: %s" % (label, e))
            broken += 1
    passed = sum(p for p, _ in counts)
    failed = sum(f for _, f in counts)
    if broken:
        print("test_leaks: %d fixture(s) could not be analyzed" % broken)
    print("leaks: %d passed, %d failed" % (passed, failed))
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
