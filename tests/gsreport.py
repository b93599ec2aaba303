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
