"""test_gdbext.py - the gdb extension (gdbext/) driven through real gdb.

Responsibility: run gdb in batch mode (`gdb -batch -nx`, the extension
sourced, runtime-gdb.py allowed to auto-load) on every fixture core of
every toolchain under build/fixtures/, and on live fixtures, and check:

  * `gostuck goroutines --json --all` and the text report print exactly
    the bytes the gostuck command prints for the same core;
  * `gostuck goroutine N frame K` + `info args` / `info locals` show the
    values the locals fixture recorded for that goroutine (core and live),
    `up`/`down` move through the goroutine's frames, and
    `gostuck goroutine N bt` is the CLI's text for that goroutine;
  * `info goroutines` and `goroutine N CMD` are gostuck's whichever of the
    extension and runtime-gdb.py loads first, on a core (where
    runtime-gdb.py's fail), and runtime-gdb.py's pretty printers still work;
  * `gostuck chan` shows a channel's type, len/cap, buffered values and
    waiters as the fixture recorded them; `gostuck leaks`; help; errors.

The oracle comparisons (runtime traceback vs the extension, cores and
live) run as run-all.sh suites through tests/gdb/gostuck-in-gdb.  Layer:
test tooling.  Expected values come from the CLI, the fixtures' own
records (addrs: objects and park.Local values) or the runtime.
"""

import contextlib
import glob
import json
import os
import re
import subprocess
import sys
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "fixtures"))
import fixturelib  # noqa: E402

EXT = os.path.join(TOP, "gdbext", "gostuck-gdb.py")
GOSTUCK = os.path.join(TOP, os.environ.get("GOSTUCK_BUILD", "build"), "gostuck")
FIXTURES = os.path.join(TOP, "build", "fixtures")
MARK = "@@gostuck-test-%d@@"


def versions():
    # the releases' own fixture trees (goV), not the other builds (goV-pie, goV-cgo)
    names = (os.path.basename(d) for d in glob.glob(os.path.join(FIXTURES, "go1.*")))
    return sorted((v for v in names if re.fullmatch(r"go1\.\d+", v)), key=lambda v: int(v.split(".")[1]))


def fixture_dirs():
    out = []
    for v in versions():
        for d in sorted(glob.glob(os.path.join(FIXTURES, v, "*", "core"))):
            out.append(os.path.dirname(d))
    return out


def gdb_run(target, cmds, source_first=True, autoload=True, timeout=300):
    """Run gdb on target (["EXE", "CORE"] or ["-p", PID]) with the
    extension loaded before (-iex) or after (-ex) the program, run cmds;
    returns (outputs per command, whole stdout, stderr)."""
    argv = ["gdb", "-batch", "-nx", "-iex", "set pagination off", "-iex", "set width 0"]
    if autoload:
        argv += ["-iex", "set auto-load safe-path /"]
    src = "source " + EXT
    if source_first:
        argv += ["-iex", src]
    argv += target
    if not source_first:
        argv += ["-ex", src]
    for i, c in enumerate(cmds):
        argv += ["-ex", "echo %s\\n" % (MARK % i), "-ex", c]
    argv += ["-ex", "echo %s\\n" % (MARK % len(cmds))]
    p = subprocess.run(argv, capture_output=True, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    outs = []
    for i in range(len(cmds)):
        a, b = MARK % i + "\n", MARK % (i + 1) + "\n"
        assert a in out and b in out, "gdb stopped before command %r: %s" % (cmds[i], p.stderr[-800:])
        outs.append(out.split(a, 1)[1].split(b, 1)[0])
    return outs, out, p.stderr.decode("utf-8", "replace")


def cli(*args):
    p = subprocess.run([GOSTUCK] + list(args), capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode("utf-8", "replace")


def real(d, name):
    return os.path.realpath(os.path.join(d, name))


def needs_fixtures():
    if not fixture_dirs():
        pytest.fail("no fixture cores under build/fixtures: run make fixtures (or make check)")
    if not os.access(GOSTUCK, os.X_OK):
        pytest.fail("build/gostuck is missing: run make")


# ---- the same bytes as the CLI, every fixture of every toolchain ----

@pytest.mark.parametrize("version", versions() or ["none"])
def test_reports_equal_cli(version):
    needs_fixtures()
    dirs = [d for d in fixture_dirs() if os.path.basename(os.path.dirname(d)) == version]
    assert dirs, "no fixtures for %s" % version
    checked = 0
    for d in dirs:
        exe, core = real(d, "exe"), real(d, "core")
        outs, _, err = gdb_run([exe, core], ["gostuck goroutines --json --all",
                                             "gostuck goroutines --group-by site",
                                             "gostuck goroutines --reason chan --group-by none"])
        assert "gostuck:" not in err, err
        assert outs[0] == cli("--json", "--all", exe, core), "%s: JSON differs from the CLI's" % d
        assert outs[1] == cli("--group-by", "site", exe, core), "%s: text differs from the CLI's" % d
        assert outs[2] == cli("--reason", "chan", "--group-by", "none", exe, core), d
        json.loads(outs[0])
        checked += 1
    assert checked == len(dirs)


def test_pprof_equals_cli(tmp_path):
    """gostuck goroutines --pprof writes the very bytes gostuck --pprof does."""
    needs_fixtures()
    checked = 0
    for d in fixture_dirs()[:3]:
        exe, core = real(d, "exe"), real(d, "core")
        mine, theirs = tmp_path / "gdb.pb.gz", tmp_path / "cli.pb.gz"
        outs, _, err = gdb_run([exe, core], ["gostuck goroutines --reason chan --pprof %s" % mine])
        assert "gostuck:" not in err, err
        assert outs[0] == cli("--reason", "chan", "--pprof", str(theirs), exe, core), d
        assert mine.read_bytes() == theirs.read_bytes() and len(theirs.read_bytes()) > 20, d
        checked += 1
    assert checked == 3


# ---- goroutine frames, locals, bt ----

def hold_goroutines(report):
    """(goid, frame index of main.hold) for each goroutine parked in it."""
    out = []
    for g in report["goroutines"]:
        for k, f in enumerate(g["frames"]):
            if f["func"] == "main.hold":
                out.append((g["id"], k))
                break
    return out


def recorded_locals(d):
    """{"total@id=41": "41007", ...} from the fixture's local lines."""
    return read_locals(os.path.join(d, "addrs"))


def covers(info_address, pc):
    """Whether gdb's `info address VAR` says VAR has a location at pc
    (a frame's pc is a return address: the call is at pc - 1)."""
    if "multi-location" not in info_address:
        return "optimized out" not in info_address
    for a, b, what in re.findall(r"Range (0x[0-9a-f]+)-(0x[0-9a-f]+): (.*)", info_address):
        if int(a, 16) <= pc - 1 < int(b, 16):
            return "optimized out" not in what
    return False


def check_locals(target, report, vals, cli_text=None):
    holders = hold_goroutines(report)
    assert len(holders) == 2, "expected two goroutines in main.hold, got %r" % holders
    byid = {g["id"]: g for g in report["goroutines"]}
    cmds = []
    for goid, k in holders:
        cmds += ["gostuck goroutine %d frame %d" % (goid, k), "info args", "info locals", "info address total",
                 "up", "down", "down", "gostuck goroutine %d bt" % goid]
    outs, _, err = gdb_run(target, cmds)
    assert "gostuck:" not in err and "Python Exception" not in err, err
    seen = set()
    for n, (goid, k) in enumerate(holders):
        sel, args, locs, addr, up, down1, down2, bt = outs[n * 8:(n + 1) * 8]
        frames = byid[goid]["frames"]
        assert "[goroutine %d, frame %d: main.hold " % (goid, k) in sel, sel
        assert re.search(r"in main\.hold \(", sel), sel
        # id lives in its argument spill slot at the frame's CFA in every
        # release: right only if the goroutine's frame is.
        m = re.search(r"^id = (\d+)$", args, re.M)
        assert m, "info args in main.hold of goroutine %d: %r" % (goid, args)
        gid = m.group(1)
        want = vals.get("total@id=%s" % gid)
        assert want is not None, "id %s is not one the fixture recorded (%r)" % (gid, vals)
        if covers(addr, int(frames[k]["pc"], 16)):
            assert re.search(r"^total = %s$" % want, locs, re.M), "info locals: %r, want total = %s" % (locs, want)
        else:
            # This compiler's location list for total stops before the
            # call (Go 1.19): a correct debugger says so.
            assert re.search(r"^total = <optimized out>$", locs, re.M), (locs, addr)
        seen.add(gid)
        assert re.search(r"in %s \(" % re.escape(frames[k + 1]["func"]), up), (up, frames[k + 1])
        assert "in main.hold (" in down1, down1
        assert re.search(r"in %s \(" % re.escape(frames[k - 1]["func"]), down2), (down2, frames[k - 1])
        if cli_text is not None:
            assert bt in cli_text and bt.startswith("1 goroutine [chan receive]:\nid: %d\n" % goid), bt
    assert len(seen) == 2


@pytest.mark.parametrize("version", versions() or ["none"])
def test_locals_in_goroutine_frames_core(version):
    needs_fixtures()
    d = os.path.join(FIXTURES, version, "locals")
    assert os.path.isfile(os.path.join(d, "core")), "no locals fixture core for %s" % version
    exe, core = real(d, "exe"), real(d, "core")
    report = json.loads(cli("--json", exe, core))
    check_locals([exe, core], report, recorded_locals(d), cli("--group-by", "none", "--all", exe, core))


class Live:
    """A fixture running until closed; ready when it printed "ready"."""

    def __init__(self, exe, workdir):
        os.makedirs(workdir, exist_ok=True)
        env = dict(os.environ, GOSTUCK_ADDRS_FILE=os.path.join(workdir, "addrs"))
        self.p = subprocess.Popen([exe], cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env)
        line = self.p.stdout.readline()
        assert line == b"ready\n", "fixture %s did not get ready (%r)" % (exe, line)
        self.addrs = os.path.join(workdir, "addrs")

    def close(self):
        self.p.stdin.close()
        try:
            return self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()


@contextlib.contextmanager
def running_locals(version, tmp_path):
    """The locals fixture running: (exe, pid, the CLI's report of it);
    it must exit 0 when let go."""
    needs_fixtures()
    exe = real(os.path.join(FIXTURES, version, "locals"), "exe")
    fx = Live(exe, str(tmp_path))
    try:
        pid = str(fx.p.pid)
        yield exe, pid, json.loads(cli("--json", "-p", pid)), read_locals(fx.addrs)
        # The debugger detached: the process runs on, its goroutines all there.
        time.sleep(0.2)
        assert fx.p.poll() is None, "the fixture died under the debugger"
        assert len(hold_goroutines(json.loads(cli("--json", "-p", pid)))) == 2
    finally:
        rc = fx.close()
    assert rc == 0, "the fixture exited %d after the debugger detached (expected 0 on EOF)" % rc


@pytest.mark.parametrize("version", versions() or ["none"])
def test_locals_in_goroutine_frames_live(version, tmp_path):
    with running_locals(version, tmp_path) as (exe, pid, report, vals):
        check_locals(["-p", pid], report, vals)


def gdbserver(pid):
    """gdbserver attached to pid for one connection: (process, port)."""
    server = subprocess.Popen(["gdbserver", "--once", "--attach", "127.0.0.1:0", pid], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    for _ in range(50):
        m = re.search(r"Listening on port (\d+)", server.stdout.readline().decode())
        if m:
            return server, m.group(1)
    server.kill()
    pytest.fail("gdbserver did not say its port")


def read_locals(path):
    vals = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "local":
                kv = dict(p.split("=", 1) for p in parts[1:])
                vals[kv["name"]] = kv["value"]
    return vals


@pytest.mark.parametrize("version", versions()[-1:] or ["none"])
def test_through_gdbserver(version, tmp_path):
    """gdb reading a remote target: gdbserver attached to the fixture."""
    with running_locals(version, tmp_path) as (exe, pid, report, vals):
        server, port = gdbserver(pid)
        try:
            outs, _, err = gdb_run([exe, "-ex", "target remote 127.0.0.1:" + port], ["gostuck goroutines --json"])
        finally:
            server.kill()
            server.wait()
        got = json.loads(outs[0])
        assert got["target"]["kind"] == "live" and got["target"]["pid"] == int(pid), got["target"]
        assert [g["id"] for g in got["goroutines"]] == [g["id"] for g in report["goroutines"]]
        server, port = gdbserver(pid)
        try:
            check_locals([exe, "-ex", "target remote 127.0.0.1:" + port], report, vals)
        finally:
            server.kill()
            server.wait()


# ---- runtime-gdb.py's names, in either load order ----

@pytest.mark.parametrize("first", [True, False], ids=["gostuck-first", "runtime-gdb-first"])
@pytest.mark.parametrize("version", versions() or ["none"])
def test_runtime_gdb_names(version, first):
    needs_fixtures()
    d = os.path.join(FIXTURES, version, "locals")
    exe, core = real(d, "exe"), real(d, "core")
    report = json.loads(cli("--json", exe, core))
    goid, _ = hold_goroutines(report)[0]
    outs, stdout, err = gdb_run([exe, core], ["info goroutines", "goroutine %d bt" % goid,
                                              "print 'runtime.buildVersion'", "goroutine all info frame"],
                                source_first=first)
    assert "Loading Go Runtime support." in stdout + err, "runtime-gdb.py was not auto-loaded: %s" % err[-500:]
    # (runtime-gdb.py's own string printer may raise on an optimized-out
    # argument in a backtrace; that is not ours.)
    assert "without a process" not in err and "gostuck:" not in err, err
    lines = outs[0].splitlines()
    live = [g for g in report["goroutines"] if g["status"] != "dead"]
    assert len(lines) == len(live), outs[0]
    for g, line in zip(live, lines):
        m = re.match(r"^([ *]) (\d+) (\S+) +(\S+)", line)
        assert m and int(m.group(2)) == g["id"] and m.group(3) == g["status"], line
        assert m.group(4) == g["frames"][0]["func"], line
        if g["wait_reason"]:
            assert "[%s]" % g["wait_reason"] in line, line
    assert re.search(r"in main\.hold \(", outs[1]) and "#0 " not in outs[1], outs[1]
    # runtime-gdb.py's string printer still prints Go strings.
    assert '"%s"' % report["target"]["go_version"] in outs[2], outs[2]
    # Any gdb command in every goroutine's context (runtime-gdb.py's "all").
    for g in live:
        assert re.search(r"^goroutine %d:\nStack level 1, frame at 0x" % g["id"], outs[3], re.M), (g["id"], outs[3])
    if first:
        # Its own commands stay reachable under other names.
        o, _, _ = gdb_run([exe, core], ["help runtime-gdb-goroutine"], source_first=True)
        assert "goroutine" in o[0], o


# ---- channels, leaks, help, errors ----

@pytest.mark.parametrize("version", versions() or ["none"])
def test_chan(version):
    needs_fixtures()
    d = os.path.join(FIXTURES, version, "chansend")
    exe, core = real(d, "exe"), real(d, "core")
    addrs = fixturelib.read_addrs(d)
    report = json.loads(cli("--json", exe, core))
    objs = {}
    for g in report["goroutines"]:
        for w in g["wait_objects"]:
            if w.get("addr"):
                objs[w["addr"]] = w
    full, unb = addrs["full"], addrs["unbuffered"]
    outs, _, err = gdb_run([exe, core], ["gostuck chan 'main.full'", "gostuck chan %s" % unb["addr"],
                                         "gostuck chan 0x10", "gostuck leaks"])
    o = outs[0]
    assert o.startswith("chan string %s ('main.full'): len %s, cap %s, open\n" % (full["addr"], full["len"],
                                                                                 full["cap"])), o
    senders = objs[full["addr"]]["senders"]
    assert len(senders) == int(full["senders"])
    assert "senders: goroutine %d\n" % senders[0] in o and "receivers: none" in o, o
    # The value the fixture left in the buffer (fixtures/cmd/chansend: fillThenSend's first send).
    assert '  [0] "fits in the buffer"' in o, o
    o = outs[1]
    ids = objs[unb["addr"]]["senders"]
    assert o.startswith("chan int %s: len 0, cap 0, open\n" % unb["addr"]), o
    m = re.search(r"^senders: goroutines ([0-9, ]+)$", o, re.M)
    assert m and sorted(int(x) for x in m.group(1).split(", ")) == ids and "buffer: empty" in o, o
    assert outs[2] == "" and "gostuck: no channel at 0x10" in err, (outs[2], err)
    leaks = outs[3]
    assert leaks == cli("--leaked", "--group-by", "site", exe, core), leaks


def test_help_and_errors():
    needs_fixtures()
    d = os.path.join(FIXTURES, versions()[-1], "locals")
    exe, core = real(d, "exe"), real(d, "core")
    outs, _, err = gdb_run([exe, core], ["help gostuck", "help gostuck goroutines", "help gostuck goroutine",
                                         "gostuck goroutines --bogus", "gostuck goroutine 999999 bt",
                                         "gostuck goroutines --group-by=nope", "gostuck goroutine 1 frame 999"])
    for sub in ("gostuck goroutines", "gostuck goroutine", "gostuck leaks", "gostuck chan", "gostuck reset"):
        assert sub in outs[0], outs[0]
    assert "Example" in outs[1] and "--group-by" in outs[1], outs[1]
    assert "info locals" in outs[2], outs[2]
    errs = [ln for ln in err.splitlines() if ln.startswith("gostuck:")]
    assert errs == ["gostuck: unknown option '--bogus' (see 'help gostuck goroutines')",
                    "gostuck: no goroutine 999999 (see 'gostuck goroutines --group-by none')",
                    "gostuck: unknown --group-by 'nope': use stack, site, created, reason, object or none",
                    "gostuck: no frame 999: the goroutine has frames 0 to %d" % (
                        len(json.loads(cli("--json", "--id", "1", exe, core))["goroutines"][0]["frames"]) - 1)], err
    # Only the executable, no process or core.
    outs, _, err = gdb_run([exe], ["gostuck goroutines"])
    assert "gostuck: no process or core file" in err, err


def test_loading_prints_nothing():
    p = subprocess.run(["gdb", "-batch", "-nx", "-ex", "source " + EXT], capture_output=True, timeout=60)
    assert p.returncode == 0 and p.stdout == b"" and p.stderr == b"", p
