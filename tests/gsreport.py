"""gsreport.py - run gostuck on a fixture and read its JSON report; shared
by the test scripts that check what the report says (wait objects, leaks).
Test tooling; it judges nothing itself."""

import json
import os
import subprocess

GOSTUCK_TIMEOUT = 600


def run_gostuck(gostuck, d):
    """The parsed JSON report of fixture dir d (gostuck --json --all exe
    core), or raises RuntimeError with the reason."""
    cmd = [gostuck, "--json", "--all", os.path.join(d, "exe"), os.path.join(d, "core")]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=GOSTUCK_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("cannot run %s: %s" % (gostuck, e))
    if p.returncode != 0:
        raise RuntimeError("gostuck exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[:300]))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise RuntimeError("gostuck's JSON does not parse: %s" % e)


def state_of(g):
    """What a traceback header shows first: the wait reason of a waiting
    (or leaked) goroutine, else its status."""
    if g.get("status") in ("waiting", "leaked") and g.get("wait_reason"):
        return g["wait_reason"]
    return g.get("status")


# Wait reasons of goroutines that sysmon itself makes runnable
# (runtime/proc.go sysmon: netpoll's injectglist, the forcegc helper,
# scavenger.wake, and from Go 1.25 sysmonUpdateGOMAXPROCS).  sysmon is not
# stopped by a crash (freezetheworld stops the Ps only): such a goroutine
# printed waiting in the crash traceback may be runnable in the core,
# written after the traceback.
SYSMON_READIED = frozenset(("IO wait", "force gc (idle)", "GC scavenge wait", "GOMAXPROCS updater (idle)"))


def woken_by_sysmon(printed_status, printed_reason, core_status):
    """Printed waiting on a reason sysmon wakes, runnable in the core: it
    moved between the traceback and the core, not an error of either."""
    return printed_status == "waiting" and printed_reason in SYSMON_READIED and core_status == "runnable"

