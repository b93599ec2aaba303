#!/usr/bin/python3
"""test_schema.py - the JSON report against docs/report.schema.json.

Responsibility: check that docs/report.schema.json is itself a valid
JSON Schema (draft 2020-12) that accepts a report written the way
spec/report-json.md describes and rejects the mistakes it forbids; and,
run as a script, validate what `gostuck --json` and `gostuck --json --all`
print for every fixture directory given, plus the cross-field rules a
schema cannot say (group count = number of ids, ids ascending and known,
groups largest first, goroutine ids unique).  Layer: test tooling.  It
must not edit reports to make them pass and never treats a fixture it
could not run as valid.

    python3 -m pytest tests/test_schema.py          # the schema itself
    python3 tests/test_schema.py [--gostuck build/gostuck] DIR...
        -> "schema: N reports valid, M invalid", exit 1 if M > 0
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# Keep tests/traceback.py from shadowing the standard library's module.
if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402

import jsonschema  # noqa: E402

SCHEMA_PATH = os.path.join(os.path.dirname(_HERE), "docs", "report.schema.json")
GOSTUCK_TIMEOUT = 600


def load_schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def validator(schema=None):
    schema = schema if schema is not None else load_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def semantic_errors(rep: dict) -> list:
    """Rules of spec/report-json.md no JSON Schema keyword expresses."""
    errs = []
    gs = rep.get("goroutines") or []
    ids = [g.get("id") for g in gs if isinstance(g, dict)]
    if len(ids) != len(set(ids)):
        errs.append("goroutines: duplicate ids")
    known = set(ids)
    last = None
    for k, grp in enumerate(rep.get("groups") or []):
        if not isinstance(grp, dict):
            continue
        gids = grp.get("ids") or []
        if grp.get("count") != len(gids):
            errs.append("groups[%d]: count %r but %d ids" % (k, grp.get("count"), len(gids)))
        if gids != sorted(gids):
            errs.append("groups[%d]: ids not ascending" % k)
        unknown = [i for i in gids if i not in known]
        if unknown:
            errs.append("groups[%d]: ids %s are not in goroutines" % (k, unknown[:5]))
        if last is not None and isinstance(grp.get("count"), int) and grp["count"] > last:
            errs.append("groups[%d]: count %d after a group of %d (largest first)" % (k, grp["count"], last))
        if isinstance(grp.get("count"), int):
            last = grp["count"]
    return errs


def report_errors(v, rep) -> list:
    errs = ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
            for e in sorted(v.iter_errors(rep), key=lambda e: list(map(str, e.absolute_path)))]
    if not errs and isinstance(rep, dict):
        errs = semantic_errors(rep)
    return errs


# ---------------------------------------------------------------- pytest

def _sample() -> dict:
    """A report as spec/report-json.md describes one (hand-written: the
    runtime cannot produce gostuck's JSON)."""
    frame = {"func": "main.leakySend.func1", "file": "/src/main.go", "line": 12,
             "pc": "0x4a2b3c", "inlined": False}
    created = {"func": "main.leakySend", "file": "/src/main.go", "line": 10,
               "pc": "0x4a2a00", "parent_id": 1}
    g = {"id": 7, "status": "waiting", "wait_reason": "chan send", "wait_minutes": None,
         "system": False, "frames": [frame], "created_by": created,
         "wait_objects": [{"kind": "chan", "addr": "0xc000012345", "elem_type": "int",
                           "cap": 0, "len": 0, "closed": False, "senders": [7],
                           "receivers": [], "senders_count": 1, "receivers_count": 0,
                           "reachable": False}],
         "labels": {"conn": "2"},
         "leak": {"verdict": "definite", "reason": "blocked sending on a channel nothing else can reach"}}
    g2 = {"id": 1, "status": "syscall", "wait_reason": None, "wait_minutes": 3, "system": False,
          "frames": [dict(frame, func="main.main", inlined=True)], "created_by": None,
          "wait_objects": [], "labels": {}, "leak": None}
    return {
        "schema": 1, "tool": "gostuck", "version": "0.1.0",
        "target": {"kind": "core", "exe": "./server", "core": "core", "pid": None,
                   "go_version": "go1.26.11", "arch": "amd64", "build_id": "289b5524a54dc252"},
        "summary": {"goroutines": 2, "by_status": {"waiting": 1, "syscall": 1},
                    "by_wait_reason": {"chan send": 1}, "leaks": {"definite": 1, "suspect": 0}},
        "goroutines": [g2, g],
        "groups": [
            {"key": "a", "count": 1, "ids": [1], "status": "syscall", "wait_reason": None,
             "frames": g2["frames"], "created_by": None, "leak": None},
            {"key": "b", "count": 1, "ids": [7], "status": "waiting", "wait_reason": "chan send",
             "frames": None, "created_by": created, "leak": g["leak"]},
        ],
        "warnings": [],
    }


def test_schema_is_valid_json_schema():
    schema = load_schema()
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert schema.get("$schema", "").endswith("/2020-12/schema")


def test_spec_sample_is_valid():
    assert report_errors(validator(), _sample()) == []


def _mutations():
    """(name, function that breaks a copy of the sample)."""
    def m(fn):
        return fn

    def drop_warnings(r): del r["warnings"]
    def extra_top(r): r["extra"] = 1
    def upper_hex(r): r["goroutines"][1]["frames"][0]["pc"] = "0x4A2B3C"
    def bare_hex(r): r["goroutines"][1]["frames"][0]["pc"] = "4a2b3c"
    def int_pc(r): r["goroutines"][1]["frames"][0]["pc"] = 4860732
    def bad_status(r): r["goroutines"][1]["status"] = "blocked"
    def scan_status(r): r["goroutines"][1]["status"] = "waiting (scan)"
    def reason_not_waiting(r): r["goroutines"][0]["wait_reason"] = "chan send"
    def missing_created(r): del r["goroutines"][1]["created_by"]
    def frame_extra(r): r["goroutines"][1]["frames"][0]["args"] = "0x1"
    def goroutine_extra(r): r["goroutines"][1]["goid"] = 7
    def labels_int(r): r["goroutines"][1]["labels"]["conn"] = 2
    def leak_verdict(r): r["goroutines"][1]["leak"]["verdict"] = "maybe"
    def chan_no_cap(r): del r["goroutines"][1]["wait_objects"][0]["cap"]
    def wo_no_addr(r): del r["goroutines"][1]["wait_objects"][0]["addr"]
    def schema2(r): r["schema"] = 2
    def kind_bad(r): r["target"]["kind"] = "gcore"
    def by_status_bad(r): r["summary"]["by_status"]["blocked"] = 1
    def minutes_str(r): r["goroutines"][0]["wait_minutes"] = "3"
    def parent_str(r): r["goroutines"][1]["created_by"]["parent_id"] = "1"
    def group_count(r): r["groups"][0]["count"] = 2
    def group_dup(r): r["groups"][1]["ids"] = [7, 7]
    def group_order(r): r["groups"][0].update(ids=[7, 1], count=2)
    def group_unknown(r): r["groups"][1]["ids"] = [8]
    def dup_goid(r): r["goroutines"][0]["id"] = 7
    return [(k, v) for k, v in locals().items() if callable(v) and k != "m"]


def test_schema_rejects_spec_violations():
    v = validator()
    accepted = []
    for name, fn in _mutations():
        r = copy.deepcopy(_sample())
        fn(r)
        if not report_errors(v, r):
            accepted.append(name)
    assert accepted == [], "schema accepts broken reports: %s" % accepted


def test_wait_object_may_carry_kind_specific_fields():
    r = _sample()
    r["goroutines"][1]["wait_objects"].append(
        {"kind": "mutex", "addr": "0xc0000a0000", "reachable": None, "holder": 3, "waiters": [7]})
    r["goroutines"][1]["wait_objects"].append({"kind": "nil_chan", "addr": None, "reachable": None})
    assert report_errors(validator(), r) == []


# ---------------------------------------------------------------- CLI

def _fixture_dirs(paths: list) -> tuple:
    """The fixture directories under paths, found as tests/oracle.py finds
    them."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("gostuck_oracle", os.path.join(_HERE, "oracle.py"))
    mod = sys.modules.get("gostuck_oracle") or importlib.util.module_from_spec(spec)
    if "gostuck_oracle" not in sys.modules:
        sys.modules["gostuck_oracle"] = mod
        spec.loader.exec_module(mod)
    found, problems = mod.find_fixtures(paths)
    return [d for _, d in found], problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="validate gostuck --json against docs/report.schema.json")
    ap.add_argument("--gostuck", default=os.environ.get("GOSTUCK", "build/gostuck"))
    ap.add_argument("dirs", nargs="+", metavar="FIXTURE_DIR")
    a = ap.parse_args(argv)
    try:
        v = validator()
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print("schema: %s is not a valid schema: %s" % (SCHEMA_PATH, e))
        print("schema: 0 reports valid, 1 invalid")
        return 1
    fixtures, problems = _fixture_dirs(a.dirs)
    valid = invalid = 0
    for p in problems:
        print("schema: %s" % p)
        invalid += 1
    for d in fixtures:
        for extra in ([], ["--all"]):
            what = "%s (--json%s)" % (d, " --all" if extra else "")
            missing = [f for f in ("exe", "core") if not os.path.isfile(os.path.join(d, f))]
            if missing:
                print("schema: %s: missing %s" % (what, ", ".join(missing)))
                invalid += 1
                continue
            cmd = [a.gostuck, "--json"] + extra + [os.path.join(d, "exe"), os.path.join(d, "core")]
            try:
                p = subprocess.run(cmd, capture_output=True, timeout=GOSTUCK_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired) as e:
                print("schema: %s: cannot run gostuck: %s" % (what, e))
                invalid += 1
                continue
            if p.returncode != 0:
                err = p.stderr.decode("utf-8", "replace").strip()
                print("schema: %s: gostuck exited %d: %s" % (what, p.returncode, err))
                invalid += 1
                continue
            try:
                rep = json.loads(p.stdout.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                print("schema: %s: not JSON: %s" % (what, e))
                invalid += 1
                continue
            errs = report_errors(v, rep)
            if errs:
                invalid += 1
                for e in errs[:10]:
                    print("schema: %s: %s" % (what, e))
                if len(errs) > 10:
                    print("schema: %s: ... %d more errors" % (what, len(errs) - 10))
            else:
                valid += 1
    print("schema: %d reports valid, %d invalid" % (valid, invalid))
    return 1 if invalid or not fixtures else 0


if __name__ == "__main__":
    sys.exit(main())
