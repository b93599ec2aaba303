#!/usr/bin/python3
"""readonly.py - gostuck -p leaves a live process as it found it.

Responsibility: build tests/live/readonly with each Go toolchain given, run
it, and around every way gostuck can end on it -- a normal report, a
--growth run, gostuck killed with SIGKILL and SIGINT while it holds the
process (test hook GOSTUCK_TEST_PAUSE_MS), gostuck stopped by timeout(1)
mid --growth, a usage error -- check that the process's 1 MiB pattern
region is byte-identical (SHA-256 through /proc/PID/mem, read-only), that
no thread of it is stopped or traced (/proc/PID/task/*/stat state not
t/T, TracerPid 0), and that its heartbeat counter still advances.  Layer:
test tooling.  The program lives under tests/live/, not fixtures/cmd/: it
is no blocking pattern, and the core-based suites have nothing to learn
from it.

Usage: tests/readonly.py --gostuck build/gostuck VERSION...
Prints ok/FAIL per check and last "readonly: N passed, M failed".
"""

import argparse
import hashlib
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "live", "readonly")


class Target:
    def __init__(self, exe):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        info = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.p.stdout.readline().decode().split()
            if not line:
                raise RuntimeError("the target exited before ready")
            if line[0] == "ready":
                break
            info[line[0]] = [int(x, 0) for x in line[1:]]
        self.region, self.length = info["region"]
        self.heartbeat = info["heartbeat"][0]
        self.pid = self.p.pid

    def read(self, addr, n):
        with open("/proc/%d/mem" % self.pid, "rb", buffering=0) as f:
            f.seek(addr)
            return f.read(n)

    def digest(self):
        return hashlib.sha256(self.read(self.region, self.length)).hexdigest()

    def beats(self):
        return struct.unpack("<Q", self.read(self.heartbeat, 8))[0]

    def stopped_threads(self):
        """Threads in state t/T, or traced."""
        bad = []
        for tid in os.listdir("/proc/%d/task" % self.pid):
            try:
                with open("/proc/%d/task/%s/stat" % (self.pid, tid)) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                with open("/proc/%d/task/%s/status" % (self.pid, tid)) as f:
                    tracer = [l.split()[1] for l in f if l.startswith("TracerPid:")][0]
            except OSError:
                continue  # the thread exited meanwhile
            if state in ("t", "T") or tracer != "0":
                bad.append("%s:%s tracer %s" % (tid, state, tracer))
        return bad

    def stop(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=10)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.p.kill()
            self.p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gostuck", default=os.environ.get("GOSTUCK", "build/gostuck"))
    ap.add_argument("versions", nargs="*")
    a = ap.parse_args()
    gostuck = os.path.abspath(a.gostuck)
    versions = a.versions or sorted(d[len("go-"):] for d in os.listdir("/usr/lib") if d.startswith("go-1."))
    passed = failed = 0

    def result(ok, what):
        nonlocal passed, failed
        print("readonly: %s %s" % ("ok  " if ok else "FAIL", what))
        passed += ok
        failed += not ok

    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off", GOWORK="off", CGO_ENABLED="0")
    with tempfile.TemporaryDirectory(prefix="gostuck-readonly.") as tmp:
        for v in versions:
            exe = os.path.join(tmp, "readonly-" + v)
            b = subprocess.run(["/usr/lib/go-%s/bin/go" % v, "build", "-o", exe, "."], cwd=SRC, env=env,
                               capture_output=True, text=True)
            if b.returncode != 0:
                result(False, "go%s: building tests/live/readonly failed: %s" % (v, b.stderr[-300:]))
                continue
            t = Target(exe)
            try:
                good = t.digest()
                # Every way a gostuck run can end; (name, argv, env, action)
                # where action kills gostuck after a delay or waits.
                runs = [
                    ("report", [gostuck, "-p", str(t.pid)], {}, None, {0}),
                    ("json report", [gostuck, "--json", "--all", "-p", str(t.pid)], {}, None, {0}),
                    ("--growth", [gostuck, "--growth=0.3", "-p", str(t.pid)], {}, None, {0}),
                    ("SIGKILL while attached", [gostuck, "-p", str(t.pid)], {"GOSTUCK_TEST_PAUSE_MS": "3000"},
                     signal.SIGKILL, {-signal.SIGKILL}),
                    ("SIGINT while attached", [gostuck, "-p", str(t.pid)], {"GOSTUCK_TEST_PAUSE_MS": "3000"},
                     signal.SIGINT, None),
                    ("timeout(1) during --growth", ["timeout", "0.3", gostuck, "--growth=5", "-p", str(t.pid)], {},
                     None, {124}),
                    ("usage error", [gostuck, "--group-by=bogus", "-p", str(t.pid)], {}, None, {2}),
                ]
                for name, argv, extra, sig, want in runs:
                    before = t.beats()
                    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         env=dict(os.environ, **extra))
                    held = None
                    if sig is not None:
                        time.sleep(0.7)  # gostuck attached, inside the pause hook
                        held = t.stopped_threads()
                        p.send_signal(sig)
                    try:
                        _, err = p.communicate(timeout=60)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        _, err = p.communicate()
                    why = []
                    if want is not None and p.returncode not in want:
                        why.append("gostuck exit %s, want %s (%s)" % (p.returncode, sorted(want),
                                                                    err.decode(errors="replace")[:200]))
                    if held == []:
                        # Otherwise this case would pass without testing
                        # anything: the process must be held when killed.
                        why.append("gostuck did not hold the process when signalled (the pause hook failed)")
                    if "Sanitizer" in err.decode(errors="replace"):
                        why.append("sanitizer report")
                    time.sleep(0.05)
                    if t.p.poll() is not None:
                        why.append("the target died (status %s)" % t.p.returncode)
                    else:
                        stopped = t.stopped_threads()
                        if stopped:
                            why.append("threads stopped or traced: %s" % ", ".join(stopped[:5]))
                        mid = t.beats()
                        time.sleep(0.1)
                        after = t.beats()
                        if not (after > mid >= before):
                            why.append("heartbeat not advancing (%d, %d, %d)" % (before, mid, after))
                        if t.digest() != good:
                            why.append("region bytes changed")
                    result(not why, "go%s %s: %s" % (v, name, "; ".join(why) or
                                                     "exit %s, region sha256 %s… unchanged, heartbeat %d -> %d"
                                                     % (p.returncode, good[:12], before, after)))
                    if t.p.poll() is not None:
                        break
            finally:
                t.stop()
    print("readonly: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
