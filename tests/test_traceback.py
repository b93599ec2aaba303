"""test_traceback.py - the traceback parser and the oracle's rules.

Responsibility: check tests/traceback.py against real Go runtime output of
releases 1.19, 1.21..1.27 kept in tests/data/ (crash tracebacks trimmed to
a few goroutines, runtime.Stack dumps), against header forms the runtime
prints too rarely to capture (built from goroutineheader's print order and
marked synthetic), and check the comparison rules of tests/oracle.py on
reports made from those tracebacks: they must pass when the report says
what the runtime printed and fail when it does not.  Layer: test tooling.
It must not need gostuck or a Go toolchain.

    /usr/bin/python3 -m pytest tests/test_traceback.py

The data files: go1.NN-crash-*.txt are the stderr of a test program
killed with SIGABRT under GOTRACEBACK=crash (some with
GODEBUG=asyncpreemptoff=1,tracebackancestors=3,tracebacklabels=1), the
go1.NN-synctest.txt ones of a synctest bubble, go1.26-crash-leak.txt of a
GOEXPERIMENT=goroutineleakprofile build after a goroutineleak profile,
go1.NN-stack.txt the output of runtime.Stack(buf, true).
"""

from __future__ import annotations

import copy
import glob
import importlib.util
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def _load(name, file):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


tb = _load("gostuck_traceback", "traceback.py")
oracle = _load("gostuck_oracle", "oracle.py")


def data(name):
    return tb.parse_file(os.path.join(DATA, name))


def one(t, goid, section=0):
    recs = [g for g in t.goroutines if g.goid == goid and g.section == section]
    assert len(recs) == 1, "goroutine %s in section %s: %d records" % (goid, section, len(recs))
    return recs[0]


def funcs(g):
    return [f.func for f in g.frames]


ALL_DATA = sorted(os.path.basename(p) for p in glob.glob(os.path.join(DATA, "*.txt")))


def test_data_covers_every_release():
    releases = {n.split("-")[0] for n in ALL_DATA}
    assert releases >= {"go1.19", "go1.21", "go1.22", "go1.23", "go1.24", "go1.25", "go1.26", "go1.27"}


# ------------------------------------------------------------ every file

@pytest.mark.parametrize("name", ALL_DATA)
def test_parses_without_leftovers(name):
    t = data(name)
    assert t.unparsed == []
    assert t.goroutines
    for g in t.goroutines:
        if g.goid is None:  # "runtime stack:" of a throw
            assert g.frames and not g.status and g.frames[0].func == "runtime.throw"
            continue
        assert g.status, "goroutine %d without status" % g.goid
        assert g.unavailable or g.frames, "goroutine %d without frames" % g.goid
        assert not (g.unavailable and g.frames)
        for f in g.frames:
            assert f.func and not f.func.startswith("\t")
            assert f.line > 0 and f.file.endswith((".go", ".s")), (g.goid, f)
            assert f.inlined == (f.args == "...")
            if f.inlined:
                assert f.offset is None and f.fp is None
        if g.created_by:
            assert g.created_by.file and g.created_by.line > 0


CRASH_DATA = [n for n in ALL_DATA if n.startswith("go1.") and n.split("-")[1] == "crash"]


@pytest.mark.parametrize("name", CRASH_DATA)
def test_crash_sections(name):
    t = data(name)
    text = open(os.path.join(DATA, name)).read()
    assert t.crash and t.full_frames
    assert len(t.sections) == text.count("\n-----\n") + 1
    assert t.sections[0].signal == "SIGABRT: abort"
    for s in t.sections[1:]:
        assert s.signal == "SIGQUIT: quit"
    for s in t.sections:
        assert s.pc is not None and s.m is not None
        assert "rip" in s.regs and "rsp" in s.regs and s.regs["rip"] == s.pc
        # The first goroutine of every section is unwound from the signal.
        assert s.goroutines and s.goroutines[0].from_signal
        assert not any(g.from_signal for g in s.goroutines[1:])
        for g in s.goroutines:
            assert g.thread_m == s.m


@pytest.mark.parametrize("name", ALL_DATA)
def test_selection_rules(name):
    t = data(name)
    sel = t.select()
    assert 0 not in sel
    for goid, recs in t.by_goid().items():
        g = sel[goid]
        main_with_stack = [r for r in recs if r.section == 0 and r.has_stack]
        if main_with_stack:
            assert g is main_with_stack[0]
        elif any(r.has_stack for r in recs):
            assert g.section != 0 and g.has_stack
        else:
            assert g.unavailable


# ------------------------------------------------------------ per release

def test_go119_headers_frames_and_cut():
    t = data("go1.19-crash-deep.txt")
    assert not any(g.m_printed for g in t.goroutines)  # no gp=/m= before 1.22
    g34 = one(t, 34)
    assert g34.elided.kind == "additional" and g34.elided.index == 100 and g34.elided.count is None
    assert len(g34.frames) == 100
    assert sum(1 for f in g34.frames if not f.inlined) == 100
    # deep(120) through an inlined leaf: 100 physical frames printed, 101
    # logical, and no marker (1.19 marks the cut only when exactly 100
    # frames were printed).
    g33 = one(t, 33)
    assert g33.elided is None and len(g33.frames) == 101
    assert sum(1 for f in g33.frames if not f.inlined) == 100
    assert [f.func for f in g33.frames if f.inlined] == ["main.leaf"]
    assert g33.created_by.func == "main.main" and g33.created_by.parent_goid is None
    # Ancestors (GODEBUG=tracebackancestors): frames print "(...)" but are
    # physical, so inlining is unknown; 1.19 prints "?:0" for some.
    g47 = one(t, 47)
    assert [a.goid for a in g47.ancestors] == [46, 43, 1]
    assert all(f.inlined is None for a in g47.ancestors for f in a.frames)
    assert g47.ancestors[0].created_by.func == "main.main.func18"
    assert g47.ancestors[0].created_by.parent_goid is None
    # main is in runtime.GC: "running" on another thread in the dump, its
    # stack printed after that thread's g0 in the thread section.
    g1 = one(t, 1)
    assert g1.status == "running" and g1.unavailable and not g1.frames
    sec = [s for s in t.sections if any(g.goid == 1 for g in s.goroutines)][-1]
    assert [g.goid for g in sec.goroutines] == [0, 1]
    sel1 = t.select()[1]
    assert sel1.section == sec.index and not sel1.from_signal
    assert funcs(sel1)[:3] == ["runtime.systemstack_switch", "runtime.gcStart", "runtime.GC"]
    assert sel1.frames[0].offset is None  # pc at the function entry: no +0x
    assert t.select()[40].section != 0 and t.select()[40].status == "running"


def test_go119_minutes_and_stack_dump():
    t = data("go1.19-crash-minutes.txt")
    assert one(t, 2).minutes == 1 and one(t, 22).status == "select (no cases)"
    assert one(t, 1).minutes is None
    s = data("go1.19-stack.txt")
    assert not s.crash and not s.full_frames and s.sections[0].pc is None
    assert [g.goid for g in s.goroutines] == [1, 18, 19, 20]
    assert one(s, 1).status == "running" and funcs(one(s, 1)) == ["main.main"]
    assert one(s, 19).status == "semacquire"  # 1.19 names no mutex
    assert funcs(one(s, 20)) == ["time.Sleep", "main.main.func3"]
    assert one(s, 18).created_by.parent_goid is None


def test_go119_throw_and_panic():
    t = data("go1.19-throw-overflow.txt")
    assert not t.crash and t.full_frames  # a runtime throw prints at level 2
    assert [l for _, l in t.preamble][-1] == "fatal error: stack overflow"
    assert t.goroutines[0].goid is None and len(t.goroutines[0].frames) == 3
    g1 = one(t, 1)
    assert g1.status == "running" and len(g1.frames) == 100
    assert g1.elided.kind == "additional" and set(funcs(g1)) == {"main.rec"}
    assert g1.frames[0].args.startswith("0x") and g1.frames[0].args.endswith("...}}")
    p = data("go1.19-panic.txt")
    assert [l for _, l in p.preamble] == ["panic: assignment to entry in nil map"]
    assert p.goroutines[0].status == "running" and not p.full_frames
    assert p.sections[0].messages == [] or all(l.startswith("exit status") for _, l in p.sections[0].messages)


def test_go127_throw_and_go122_fatal():
    t = data("go1.27-throw-overflow.txt")
    g1 = one(t, 1)
    assert g1.m_printed and g1.m == 0  # the throwing goroutine: gp=/m= even at level 1
    assert g1.elided.kind == "count" and g1.elided.index == 50 and g1.elided.count > 1000
    assert len(g1.frames) == 100
    assert funcs(g1)[-3:] == ["main.main", "runtime.main", "runtime.goexit"]
    d = data("go1.22-fatal-deadlock.txt")
    assert [l for _, l in d.preamble] == ["fatal error: all goroutines are asleep - deadlock!"]
    assert [(g.goid, g.status) for g in d.goroutines] == [(1, "chan receive"), (18, "chan receive")]
    assert one(d, 18).created_by.parent_goid == 1


def test_go121_elision_and_parent():
    t = data("go1.21-crash-deep.txt")
    assert not any(g.m_printed for g in t.goroutines)  # gp=/m= arrive in 1.22
    for goid in (33, 34):
        g = one(t, goid)
        assert g.elided.kind == "count" and g.elided.count == 27 and g.elided.index == 50
        assert len(g.frames) == 100
    g33 = one(t, 33)
    assert funcs(g33)[:5] == ["runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1", "main.leaf", "main.deep"]
    assert funcs(g33)[-1] == "runtime.goexit" and funcs(g33)[-2].startswith("main.main.func")  # go wrapper
    assert g33.created_by.parent_goid == 1
    assert one(t, 28).status == "semacquire"  # WaitGroup until 1.24
    assert one(t, 25).status == "sync.Mutex.Lock"
    assert one(t, 47).ancestors[0].created_by.parent_goid is None  # ancestors pass 0


def test_go121_signal_goroutine_running():
    t = data("go1.21-crash-running.txt")
    g = t.goroutines[0]
    assert g.goid == 28 and g.from_signal and g.status == "running" and g.section == 0
    assert funcs(g) == ["runtime.asyncPreempt", "main.main.func15", "runtime.goexit"]
    assert g.frames[0].offset is None and g.frames[0].pc is not None
    assert one(t, 2).minutes == 1 and one(t, 2).status == "force gc (idle)"
    # 30 is in a blocking read; this trimmed file keeps only its thread
    # section, so it was printed from a signal context only.
    assert t.only_from_signal(30) and not t.only_from_signal(1)


def test_go122_headers_generics_wrappers():
    t = data("go1.22-crash.txt")
    g1 = one(t, 1)
    assert g1.m_printed and g1.m is not None and g1.gp and g1.mp
    g4 = one(t, 4)
    assert g4.m_printed and g4.m is None and g4.mp is None  # m=nil
    assert one(t, 32).locked and one(t, 32).status == "chan receive"
    allf = [f for g in t.goroutines for f in g.frames]
    names = {f.func for f in allf}
    assert {"gopkg.in/fix.v1/sub.Gen[...]", "main.G[...]", "gopkg.in/fix.v1/sub.(*T).Block",
            "gopkg.in/fix.v1/sub.T.ValueBlock", "main.main.gowrap1",
            "main.main.func14.main.func14.1.2"} <= names
    goexit = [f for f in allf if f.func == "runtime.goexit"]
    assert goexit and all(f.args == "{}" and not f.inlined for f in goexit)  # 1.22+: goexit({})
    gen = next(f for f in allf if f.func == "gopkg.in/fix.v1/sub.Gen[...]")
    assert gen.inlined
    g40 = one(t, 40)
    assert g40.status == "runnable" and funcs(g40)[:2] == ["runtime.asyncPreempt2", "runtime.asyncPreempt"]


def test_go123_nested_closures():
    t = data("go1.23-crash.txt")
    g = one(t, 36)
    assert funcs(g)[3:] == ["main.main.func14.main.func14.1.2", "main.main.func14.1", "main.main.func14",
                            "runtime.goexit"]
    assert [f.inlined for f in g.frames[3:]] == [True, True, False, False]
    assert one(t, 43).status == "syscall" and one(t, 41).status == "runnable"


def test_go124_synctest_group():
    t = data("go1.24-crash-synctest.txt")
    first = t.goroutines[0]
    assert first.goid == 4 and first.from_signal and first.status == "syscall"
    for goid in (4, 1, 6, 7):
        g = one(t, goid)
        assert g.bubble_kind == "group" and g.bubble == 1 and "durable" not in g.flags
    assert one(t, 1).status == "synctest.Run"
    assert one(t, 7).status == "sync.WaitGroup.Wait"  # named from 1.24 on
    assert one(t, 2).bubble is None


@pytest.mark.parametrize("name", ["go1.25-crash-synctest.txt", "go1.27-crash-synctest.txt"])
def test_synctest_bubble_durable(name):
    t = data(name)
    by = {g.goid: g for g in t.goroutines if g.section == 0}
    run = [g for g in by.values() if g.status_raw == "synctest.Run (durable)"]
    assert run and run[0].status == "synctest.Run" and "durable" in run[0].flags
    sleep = [g for g in by.values() if g.status_raw == "sleep (durable)"]
    assert sleep and sleep[0].status == "sleep" and "durable" in sleep[0].flags
    # waitReasonSynctestChanReceive's own text ends in "(durable)".
    recv = [g for g in by.values() if g.status_raw == "chan receive (durable)"]
    assert recv and recv[0].status == "chan receive (durable)" and "durable" not in recv[0].flags
    wg = [g for g in by.values() if g.status_raw == "sync.WaitGroup.Wait (durable)"]
    assert wg and wg[0].status == "sync.WaitGroup.Wait (durable)"
    mu = [g for g in by.values() if g.status == "sync.Mutex.Lock"]
    assert mu and mu[0].bubble_kind == "bubble" and mu[0].bubble == 1 and not mu[0].flags
    assert all(g.bubble is None for g in by.values() if g.goid == 1)


def test_go126_leaked():
    t = data("go1.26-crash-leak.txt")
    for goid, status in ((20, "chan receive"), (23, "select (no cases)"), (24, "chan receive (nil chan)"),
                         (29, "sync.WaitGroup.Wait")):
        g = one(t, goid)
        assert g.status == status and g.flags == {"leaked"}
    assert one(t, 33).flags == {"leaked", "locked"}
    assert one(t, 40).flags == set() and one(t, 40).status == "select"
    assert one(t, 41).unavailable and not any(g.goid == 41 and g.has_stack for g in t.goroutines)
    assert oracle.expected_status(one(t, 20)) == ("leaked", "chan receive")


def test_go126_labels_inside_brackets():
    t = data("go1.26-crash-labels.txt")
    g = one(t, 42)
    assert g.labels == {"conn": "2", "weird key": 'a"b'} and g.labels_style == "1.26"
    assert g.status == "chan receive"
    assert one(t, 1).status == "stopping the world"
    assert one(t, 35).elided.count == 27
    assert [a.goid for a in one(t, 48).ancestors] == [47, 44, 1]


def test_go127_labels_after_brackets():
    t = data("go1.27-crash-labels.txt")
    g = one(t, 42)
    assert g.labels == {"conn": "2", "weird key": 'a"b'} and g.labels_style == "1.27"
    assert g.status == "chan receive" and g.created_by.func == "main.main.func16"
    sel = t.select()
    assert sel[41].status == "running" and sel[41].section != 0 and sel[41].from_signal
    assert funcs(sel[41])[-1] == "runtime.goexit"


def test_go127_stack_dump():
    s = data("go1.27-stack.txt")
    assert not s.crash and not s.full_frames
    assert funcs(one(s, 19))[0] == "internal/sync.runtime_SemacquireMutex"
    assert one(s, 19).created_by.parent_goid == 1


# ------------------------------------------------------------ synthetic headers
# Shapes goroutineheader (runtime/traceback.go) prints but a test program
# cannot pin down on demand: "(scan)" needs a GC scanning at the crash,
# "[???]" a corrupt status.

@pytest.mark.parametrize("line,status,flags,extra", [
    ("goroutine 7 [chan receive (scan)]:", "chan receive", {"scan"}, {}),
    ("goroutine 7 [chan send (leaked) (scan), 3 minutes]:", "chan send", {"leaked", "scan"}, {"minutes": 3}),
    ("goroutine 7 [sleep (scan) (durable), synctest bubble 12]:", "sleep", {"scan", "durable"},
     {"bubble": 12, "bubble_kind": "bubble"}),
    ("goroutine 7 [select (durable), 2 minutes, locked to thread, synctest bubble 3]:", "select (durable)",
     {"locked"}, {"minutes": 2, "bubble": 3}),
    ("goroutine 7 [select (no cases) (leaked)]:", "select (no cases)", {"leaked"}, {}),
    ("goroutine 7 [???]:", "???", set(), {}),
    ("goroutine 9 gp=0xc000007a40 m=nil [waiting for cgo callback]:", "waiting for cgo callback", set(),
     {"m": None, "gp": 0xc000007a40}),
    ("goroutine 9 gp=0xc000007a40 m=12 mp=0xc000100008 [running, locked to thread]:", "running", {"locked"},
     {"m": 12, "mp": 0xc000100008}),
    ('goroutine 3 [IO wait labels:{"": "", "k\\u00e9y": "v\\\\x\\n"}]:', "IO wait", set(),
     {"labels": {"": "", "k\u00e9y": "v\\x\n"}, "labels_style": "1.26"}),
    ('goroutine 3 [IO wait, 5 minutes] {: x, a/b.c_d: "e f", "\\xff": "]:"}:', "IO wait", set(),
     {"minutes": 5, "labels": {"": "x", "a/b.c_d": "e f", "\ufffd": "]:"}, "labels_style": "1.27"}),
])
def test_synthetic_headers(line, status, flags, extra):
    g = tb.parse_header(line)
    assert g.status == status and g.flags == flags
    for k, v in extra.items():
        assert getattr(g, k) == v, k


@pytest.mark.parametrize("line", [
    "goroutine 7 [chan receive",
    "goroutine 7 [chan receive] trailing:",
    'goroutine 7 [chan receive labels:{"a": b}]:',
    "goroutine 7 [chan receive]: ",
])
def test_malformed_headers_rejected(line):
    with pytest.raises(ValueError):
        tb.parse_header(line)
    t = tb.parse(line + "\nmain.f()\n\t/x.go:1 +0x1\n")
    assert t.unparsed and t.unparsed[0][0] == 1


def test_not_a_header():
    assert tb.parse_header("goroutines 7 [x]:") is None
    assert tb.parse_header("main.goroutine(0x1)") is None


def test_unparsed_lines_are_kept():
    text = ("goroutine 5 [sleep]:\ntime.Sleep(0x1)\n\t/t.go:3 +0x1\nsomething odd\n"
            "main.f(...)\nnot a file line\n")
    t = tb.parse(text)
    assert [ln for ln, _ in t.unparsed] == [4, 5, 6]


def test_function_names_with_parentheses():
    t = tb.parse("goroutine 5 [select]:\n"
                 "example.com/x.v1/p.(*T[...]).M(0xc000012345, {0x1, 0x2}, ...)\n\t/p.go:9 +0x1d\n"
                 "main.main.func1.1()\n\t/m.go:3 +0x2\n")
    assert t.unparsed == []
    assert funcs(t.goroutines[0]) == ["example.com/x.v1/p.(*T[...]).M", "main.main.func1.1"]
    assert not t.goroutines[0].frames[0].inlined


# ------------------------------------------------------------ oracle rules

def fake_report_entry(rec, frames=None):
    """The report entry gostuck should write for a printed goroutine."""
    st, wr = oracle.expected_status(rec)
    fr = frames if frames is not None else [
        {"func": f.func, "file": f.file, "line": f.line, "pc": "0x1", "inlined": bool(f.inlined)}
        for f in rec.frames]
    cb = None
    if rec.created_by:
        c = rec.created_by
        cb = {"func": c.func, "file": c.file, "line": c.line, "pc": "0x1", "parent_id": c.parent_goid}
    return {"id": rec.goid, "status": st, "wait_reason": wr, "wait_minutes": rec.minutes, "system": False,
            "frames": fr, "created_by": cb, "wait_objects": [], "labels": dict(rec.labels or {}), "leak": None}


def check(t, rec, entry, minor=22):
    return oracle.compare_goroutine(t, rec, entry, minor)


@pytest.mark.parametrize("name", [n for n in ALL_DATA])
def test_oracle_accepts_what_the_runtime_printed(name):
    t = data(name)
    minor = int(name.split("-")[0].split(".")[1])
    for goid, rec in t.select().items():
        if rec.elided:
            continue
        mm, _ = check(t, rec, fake_report_entry(rec), minor)
        assert mm == [], (goid, [m.line(name, goid) for m in mm])


def test_oracle_rejects_wrong_details():
    t = data("go1.22-crash.txt")
    rec = t.select()[25]
    good = fake_report_entry(rec)
    cases = []
    e = copy.deepcopy(good); e["frames"][2]["line"] += 1; cases.append(("frame line", e))
    e = copy.deepcopy(good); e["frames"][3]["func"] = "sync.(*Mutex).Lock"; cases.append(("frame func", e))
    e = copy.deepcopy(good); e["frames"][1]["file"] = "/elsewhere.go"; cases.append(("frame file", e))
    e = copy.deepcopy(good); del e["frames"][4]; cases.append(("frame missing", e))
    e = copy.deepcopy(good); e["frames"].append(dict(e["frames"][-1])); cases.append(("frame extra", e))
    e = copy.deepcopy(good); e["wait_reason"] = "sync.RWMutex.Lock"; cases.append(("reason", e))
    e = copy.deepcopy(good); e["status"] = "runnable"; e["wait_reason"] = None; cases.append(("status", e))
    e = copy.deepcopy(good); e["wait_minutes"] = 4; cases.append(("minutes", e))
    e = copy.deepcopy(good); e["created_by"]["line"] += 1; cases.append(("created line", e))
    e = copy.deepcopy(good); e["created_by"]["parent_id"] = 2; cases.append(("parent", e))
    e = copy.deepcopy(good); e["created_by"] = None; cases.append(("no creator", e))
    passed = [name for name, e in cases if not check(t, rec, e)[0]]
    assert passed == []
    # Not waiting: a reason must not be reported.
    r1 = t.select()[1]
    e = fake_report_entry(r1); e["wait_reason"] = "syscall"
    assert check(t, r1, e)[0]


def test_oracle_minutes_lower_bound():
    t = data("go1.19-crash-minutes.txt")
    rec = t.select()[2]
    e = fake_report_entry(rec)
    e["wait_minutes"] = None  # a core has no clock: one less passes, with a note
    mm, notes = check(t, rec, e, 19)
    assert mm == [] and notes
    e["wait_minutes"] = 5
    assert check(t, rec, e, 19)[0]
    r1 = t.select()[1]
    e = fake_report_entry(r1); e["wait_minutes"] = 2
    assert check(t, r1, e, 19)[0]


def test_oracle_leaked_and_labels():
    t = data("go1.26-crash-leak.txt")
    rec = t.select()[20]
    e = fake_report_entry(rec)
    assert e["status"] == "leaked" and e["wait_reason"] == "chan receive"
    e["status"] = "waiting"
    assert check(t, rec, e, 26)[0]
    t = data("go1.27-crash-labels.txt")
    rec = t.select()[42]
    e = fake_report_entry(rec)
    assert not check(t, rec, e, 27)[0]
    e["labels"] = {"conn": "2"}
    assert check(t, rec, e, 27)[0]


def test_oracle_running_goroutine_that_moved_on():
    # go1.26-leak: 41 printed running on m=7, whose own section later shows
    # its g0 rescheduling after preempting it; the core holds it runnable.
    t = data("go1.26-crash-leak.txt")
    rec = t.select()[41]
    assert rec.unavailable
    e = fake_report_entry(rec, frames=[])
    assert check(t, rec, e, 26)[0] == []
    e["status"] = "runnable"
    mm, notes = check(t, rec, e, 26)
    assert mm == [] and any("changed state" in n for n in notes)
    e["status"] = "dead"
    assert check(t, rec, e, 26)[0]
    # With its stack printed in a thread section the status is compared.
    t = data("go1.27-crash-labels.txt")
    rec = t.select()[41]
    e = fake_report_entry(rec)
    assert check(t, rec, e, 27)[0] == []
    e["status"] = "runnable"
    assert check(t, rec, e, 27)[0]


def _filler(n):
    return [{"func": "main.filler%d" % i, "file": "/f.go", "line": i + 1, "pc": "0x1", "inlined": False}
            for i in range(n)]


def test_oracle_elision_new_style():
    t = data("go1.21-crash-deep.txt")
    rec = t.select()[33]
    full = fake_report_entry(rec)
    printed = full["frames"]
    whole = printed[:50] + _filler(27) + printed[50:]
    e = dict(full, frames=whole)
    assert check(t, rec, e, 21)[0] == []
    for n in (26, 28, 0):
        e = dict(full, frames=printed[:50] + _filler(n) + printed[50:])
        assert check(t, rec, e, 21)[0], n
    # The inner and outer parts are both compared.
    bad = copy.deepcopy(whole); bad[49]["line"] += 1
    assert check(t, rec, dict(full, frames=bad), 21)[0]
    bad = copy.deepcopy(whole); bad[-50]["line"] += 1
    assert check(t, rec, dict(full, frames=bad), 21)[0]
    # expected_printed: 100 frames or fewer are printed whole.
    assert oracle.expected_printed(_filler(100), True, 22) == (_filler(100), None)
    fr, el = oracle.expected_printed(_filler(101), True, 22)
    assert el == ("count", 50, 1) and fr == _filler(101)[:50] + _filler(101)[51:]


def test_oracle_elision_old_style():
    t = data("go1.19-crash-deep.txt")
    sel = t.select()
    for goid in (33, 34):  # unmarked and marked cut at 100 physical frames
        rec = sel[goid]
        full = fake_report_entry(rec)
        whole = full["frames"] + _filler(25)
        assert check(t, rec, dict(full, frames=whole), 19)[0] == [], goid
        # Exactly 100 printed frames are marked whether or not anything
        # was cut; 101 (an inlined frame among the first 100) are not.
        assert check(t, rec, full, 19)[0] == [], goid
        assert check(t, rec, dict(full, frames=full["frames"][:-1]), 19)[0], goid
        bad = copy.deepcopy(whole); bad[0]["func"] = "runtime.park_m"
        assert check(t, rec, dict(full, frames=bad), 19)[0]
    # Inlined frames do not count toward the 100.
    stack = []
    for i in range(120):
        stack.append({"func": "main.in%d" % i, "file": "/f.go", "line": 1, "pc": "0x1", "inlined": True})
        stack.append({"func": "main.ph%d" % i, "file": "/f.go", "line": 2, "pc": "0x1", "inlined": False})
    fr, el = oracle.expected_printed(stack, True, 19)
    assert len(fr) == 200 and el is None
    fr, el = oracle.expected_printed(_filler(150), True, 19)
    assert fr == _filler(100) and el == ("additional", 100, None)
    fr, el = oracle.expected_printed(_filler(100), True, 19)
    assert fr == _filler(100) and el == ("additional", 100, None)
    assert oracle.expected_printed(_filler(99), True, 19) == (_filler(99), None)


def test_oracle_level1_filter():
    t = data("go1.27-stack.txt")
    rec = t.select()[19]
    shown = fake_report_entry(rec)["frames"]
    rt = [{"func": n, "file": "/usr/lib/go/src/runtime/x.go", "line": 1, "pc": "0x1", "inlined": False}
          for n in ("runtime.gopark", "runtime.goparkunlock", "runtime.semacquire1")]
    goexit = {"func": "runtime.goexit", "file": "/usr/lib/go/src/runtime/asm_amd64.s", "line": 1,
              "pc": "0x1", "inlined": False}
    e = fake_report_entry(rec, frames=rt + shown + [goexit])
    assert check(t, rec, e, 27)[0] == []
    e = fake_report_entry(rec, frames=rt + shown[:-1] + [goexit])
    assert check(t, rec, e, 27)[0]
    wrapper = {"func": "main.(*S).Wait", "file": "<autogenerated>", "line": 1, "pc": "0x1", "inlined": False}
    assert oracle.visible_frames([shown[0], wrapper, goexit]) == [shown[0]]
    assert oracle.visible_frames(rt) == rt  # nothing shown: print everything
    exported = dict(goexit, func="runtime.Goexit")
    assert oracle.visible_frames([exported]) == [exported]
    # The goroutine that called runtime.Stack ran on: presence only.
    r1 = t.select()[1]
    e = fake_report_entry(r1, frames=rt)
    e.update(status="syscall", wait_reason=None)
    mm, notes = oracle.compare_goroutine(t, r1, e, 27, dumper=True)
    assert mm == [] and notes
    assert oracle.compare_goroutine(t, r1, e, 27, dumper=False)[0]


def test_oracle_syscall_suffix_mode():
    t = data("go1.21-crash-running.txt")
    rec = t.select()[30]
    assert rec.status == "syscall" and t.only_from_signal(30)
    full = fake_report_entry(rec)
    mm, notes = check(t, rec, dict(full, frames=full["frames"][1:]), 21)
    assert mm == [] and any("syscall-suffix" in n for n in notes)
    assert check(t, rec, dict(full, frames=full["frames"][:-1]), 21)[0]
    # Printed in the main dump too: no suffix mode.
    r1 = t.select()[1]
    e = fake_report_entry(r1)
    assert check(t, r1, dict(e, frames=e["frames"][1:]), 21)[0]


# ------------------------------------------------------------ oracle CLI

def _fake_fixture(tmp_path, name, report, rc=0):
    d = tmp_path / "go1.99" / "fx"
    d.mkdir(parents=True)
    (d / "exe").write_bytes(b"")
    (d / "core").write_bytes(b"")
    with open(os.path.join(DATA, name)) as f:
        (d / "traceback.txt").write_text(f.read())
    rep = tmp_path / "report.json"
    rep.write_text(json.dumps(report))
    fake = tmp_path / "gostuck"
    fake.write_text("#!/bin/sh\necho 'fake gostuck says no' >&2\ncat %s\nexit %d\n" % (rep, rc))
    fake.chmod(0o755)
    return str(d.parent), str(fake)


def _report_from(t, minor):
    gs = [fake_report_entry(r) for r in t.select().values() if not r.elided]
    return {"schema": 1, "tool": "gostuck", "version": "0", "target": {"go_version": "go1.%d.1" % minor},
            "goroutines": gs, "groups": [], "warnings": []}


def _run_oracle(dirs, fake):
    p = subprocess.run([sys.executable, os.path.join(HERE, "oracle.py"), "--gostuck", fake] + dirs,
                       capture_output=True, text=True)
    return p.returncode, p.stdout.strip().splitlines()


def test_oracle_cli_pass_and_fail(tmp_path):
    t = data("go1.23-crash.txt")
    rep = _report_from(t, 23)
    d, fake = _fake_fixture(tmp_path, "go1.23-crash.txt", rep)
    rc, out = _run_oracle([d], fake)
    n = len(t.select())
    assert out[-1] == "%d passed, 0 failed" % n and rc == 0
    assert "go1.99/fx: %d/%d goroutines match" % (n, n) in out
    # One wrong line, one goroutine missing, one extra live goroutine.
    rep2 = copy.deepcopy(rep)
    rep2["goroutines"][1]["frames"][0]["line"] += 1
    missing = rep2["goroutines"].pop(2)["id"]
    rep2["goroutines"].append(dict(rep2["goroutines"][0], id=999))
    rep2["goroutines"].append(dict(rep2["goroutines"][0], id=998, status="dead", wait_reason=None))
    (tmp_path / "report.json").write_text(json.dumps(rep2))
    rc, out = _run_oracle([d], fake)
    assert rc == 1 and out[-1] == "%d passed, 3 failed" % (n - 2)
    assert any("goroutine %d presence" % missing in l for l in out)
    assert any("goroutine 999 presence: expected absent" in l for l in out)
    assert not any("goroutine 998" in l for l in out)
    assert any("frame[0]" in l for l in out)


def test_oracle_cli_gostuck_failure(tmp_path):
    d, fake = _fake_fixture(tmp_path, "go1.22-crash.txt", {}, rc=3)
    rc, out = _run_oracle([d], fake)
    n = len(data("go1.22-crash.txt").select())
    assert rc == 1 and out[-1] == "0 passed, %d failed" % n
    assert any("gostuck exited 3" in l for l in out) and any("fake gostuck says no" in l for l in out)


def test_oracle_cli_missing_gostuck_and_empty_dir(tmp_path):
    d, _ = _fake_fixture(tmp_path, "go1.22-crash.txt", {})
    rc, out = _run_oracle([d], str(tmp_path / "no-such-gostuck"))
    assert rc == 1 and "not found" in "\n".join(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, out = _run_oracle([str(empty)], str(tmp_path / "no-such-gostuck"))
    assert rc == 1 and out[-1] == "0 passed, 0 failed"


def test_oracle_cli_unparsed_line_fails(tmp_path):
    t = data("go1.23-crash.txt")
    d, fake = _fake_fixture(tmp_path, "go1.23-crash.txt", _report_from(t, 23))
    tbfile = os.path.join(d, "fx", "traceback.txt")
    with open(tbfile) as f:
        text = f.read()
    with open(tbfile, "w") as f:
        f.write(text.replace("\ngoroutine 1 ", "\nsomething the parser has never seen\ngoroutine 1 ", 1))
    rc, out = _run_oracle([d], fake)
    assert rc == 1 and any("line not understood: something the parser" in l for l in out)
    assert out[-1] == "%d passed, 0 failed" % len(t.select())
