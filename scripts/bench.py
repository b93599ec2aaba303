#!/usr/bin/python3
"""bench.py - `make bench`: gostuck and the alternatives on the same cores.

Responsibility: make (or reuse) kernel cores of fixtures/scale at each N
(fixtures/scale/make-core.sh, cached outside the tree), then time on each
core, several runs each: gostuck (text report, full JSON with every stack,
--group-by site), the gostuck gdb extension, Delve (`dlv core` with
`goroutines -group userloc` and `goroutines -t`), gdb with the toolchain's
runtime-gdb.py (`info goroutines`); and the live pause of `gostuck -p` on
a running scale process.  Reports wall time, CPU and peak RSS (GNU time)
as medians and ratios against gostuck, prints the table and writes
docs/bench.md with the machine and versions.  Layer: tooling; it measures,
it asserts nothing (the test suite checks, benchmarks report).

Environment: BENCH_N="10000 100000 1000000", BENCH_RUNS=3, BENCH_CACHE
(default ~/.cache/gostuck-bench), BENCH_GO=1.24 (the release Debian's
delve 1.24 reads), BENCH_SLOW_MAX=100000 (largest N the slow tools —
Delve, runtime-gdb.py — are run on; above it they are listed as not run),
BENCH_OUT=docs/bench.md.
"""

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOSTUCK = os.path.join(TOP, "build", "gostuck")
EXT = os.path.join(TOP, "gdbext", "gostuck-gdb.py")
TIMEOUT = 3600


def env_list(name, default):
    return [int(x) for x in os.environ.get(name, default).split()]


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def ensure_tools(gover):
    """Debian's delve (from trixie, pinned like the toolchains), GNU time,
    gdb and the Go release; installs what is missing."""
    if not os.path.exists("/usr/lib/go-%s/bin/go" % gover):
        subprocess.run([os.path.join(TOP, "scripts", "install-go.sh"), gover], check=True)
    missing = [p for p, path in (("time", "/usr/bin/time"), ("gdb", "/usr/bin/gdb")) if not os.path.exists(path)]
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if missing:
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True)
    if not os.path.exists("/usr/bin/dlv"):
        # install-go.sh set up trixie with a low pin: only what is named comes from it.
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "delve/trixie"],
                       check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def timed(argv, stdin=None):
    """(wall s, cpu s, peak RSS MiB, exit status) of one run, output discarded."""
    with tempfile.NamedTemporaryFile("r") as tf:
        p = subprocess.run(["/usr/bin/time", "-o", tf.name, "-f", "%e %U %S %M"] + argv, stdin=stdin,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
        fields = tf.read().split()[-4:]
    wall, user, sys_, rss = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return wall, user + sys_, rss / 1024.0, p.returncode


def measure(argv, runs, stdin_file=None):
    res = []
    for _ in range(runs):
        fin = open(stdin_file) if stdin_file else subprocess.DEVNULL
        try:
            res.append(timed(argv, stdin=fin))
        finally:
            if stdin_file:
                fin.close()
    bad = [r[3] for r in res if r[3] != 0]
    return {
        "wall": statistics.median(r[0] for r in res),
        "cpu": statistics.median(r[1] for r in res),
        "rss": statistics.median(r[2] for r in res),
        "runs": runs,
        "failed": bad[0] if bad else 0,
    }


def write_dlv_inits(initdir):
    """Delve's command files (run, then exit) for its two listings."""
    for name, cmd in (("group", "goroutines -group userloc"), ("stacks", "goroutines -t")):
        with open(os.path.join(initdir, "dlv-%s.init" % name), "w") as f:
            f.write(cmd + "\nexit\n")


def tools(exe, core, gover, initdir):
    """(name, argv, slow) for every tool on one core."""
    dlv = ["dlv", "core", exe, core, "--check-go-version=false", "--allow-non-terminal-interactive=true"]
    gdb = ["gdb", "-batch", "-nx", "-iex", "set pagination off"]
    return [
        ("gostuck text", [GOSTUCK, exe, core], False),
        ("gostuck --json (every stack)", [GOSTUCK, "--json", exe, core], False),
        ("gostuck --group-by site", [GOSTUCK, "--group-by", "site", exe, core], False),
        ("gdb + gostuck goroutines", gdb + ["-iex", "source " + EXT, exe, core, "-ex", "gostuck goroutines"], False),
        ("gdb + gostuck info goroutines", gdb + ["-iex", "source " + EXT, exe, core, "-ex", "info goroutines"],
         False),
        ("gdb alone (load exe + core)", gdb + [exe, core, "-ex", "info threads"], False),
        ("dlv goroutines -group userloc", dlv + ["--init", os.path.join(initdir, "dlv-group.init")], True),
        ("dlv goroutines -t", dlv + ["--init", os.path.join(initdir, "dlv-stacks.init")], True),
        ("gdb + runtime-gdb.py info goroutines",
         gdb + ["-iex", "add-auto-load-safe-path /usr/lib/go-%s" % gover, "-iex",
                "add-auto-load-safe-path /usr/share/go-%s" % gover, exe, core, "-ex", "info goroutines"], True),
    ]


def live_pause(exe, n, runs):
    """Median pause (ms) of `gostuck --verbose -p` on a running scale -n N."""
    p = subprocess.Popen([exe, "-n", str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    try:
        if p.stdout.readline() != b"ready\n":
            return None
        pauses = []
        for _ in range(runs):
            r = sh([GOSTUCK, "--verbose", "-p", str(p.pid)], timeout=600)
            m = re.search(r"stopped for ([0-9.]+) ms", r.stderr)
            if m:
                pauses.append(float(m.group(1)))
        return statistics.median(pauses) if pauses else None
    finally:
        p.stdin.close()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def versions(gover):
    def first(argv):
        try:
            return sh(argv, timeout=60).stdout.splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // (1024 * 1024)
    return {
        "machine": "%s, %d cores, %d GiB, %s" % (cpu, os.cpu_count(), mem, platform.platform()),
        "gostuck": first([GOSTUCK, "--version"]),
        "go": first(["/usr/lib/go-%s/bin/go" % gover, "version"]),
        "delve": [ln for ln in sh(["dlv", "version"]).stdout.splitlines() if ln.startswith("Version")][0]
        if os.path.exists("/usr/bin/dlv") else "?",
        "gdb": first(["gdb", "--version"]),
    }


def fmt_row(n, name, m, base):
    if m is None:
        return "| %s | %s | not run | | | |" % ("{:,}".format(n), name)
    if m["failed"]:
        return "| %s | %s | failed (exit %d) | | | |" % ("{:,}".format(n), name, m["failed"])
    ratio = "%.1f×" % (m["wall"] / base["wall"]) if base and base["wall"] > 0 else ""
    rss_ratio = "%.1f×" % (m["rss"] / base["rss"]) if base and base["rss"] > 0 else ""
    return "| %s | %s | %.2f s | %.2f s | %.0f MiB | %s | %s |" % (
        "{:,}".format(n), name, m["wall"], m["cpu"], m["rss"], ratio, rss_ratio)


def main():
    ns = env_list("BENCH_N", "10000 100000 1000000")
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    cache = os.environ.get("BENCH_CACHE", os.path.expanduser("~/.cache/gostuck-bench"))
    gover = os.environ.get("BENCH_GO", "1.24")
    slow_max = int(os.environ.get("BENCH_SLOW_MAX", "100000"))
    out = os.environ.get("BENCH_OUT", os.path.join(TOP, "docs", "bench.md"))
    ensure_tools(gover)
    results = {}
    cores = {}
    with tempfile.TemporaryDirectory() as initdir:
        write_dlv_inits(initdir)
        for n in ns:
            r = sh([os.path.join(TOP, "fixtures", "scale", "make-core.sh"), "-g", gover, str(n), cache],
                   timeout=TIMEOUT)
            if r.returncode != 0:
                print("bench: no core for N=%d: %s" % (n, r.stderr.strip()[-500:]), file=sys.stderr)
                return 1
            d = r.stdout.strip().splitlines()[-1]
            exe, core = os.path.join(d, "exe"), os.path.join(d, "core")
            cores[n] = (exe, core, os.path.getsize(core))
            for name, argv, slow in tools(exe, core, gover, initdir):
                if slow and n > slow_max:
                    results[(n, name)] = None
                    continue
                print("bench: N=%d %s ..." % (n, name), file=sys.stderr, flush=True)
                results[(n, name)] = measure(argv, runs)
                m = results[(n, name)]
                print("bench:   %.2f s wall, %.2f s cpu, %.0f MiB%s" % (
                    m["wall"], m["cpu"], m["rss"], " (exit %d)" % m["failed"] if m["failed"] else ""),
                    file=sys.stderr, flush=True)
        live_n = [n for n in ns if n <= 100000]
        pauses = {}
        for n in live_n:
            pauses[n] = live_pause(cores[n][0], n, runs)
    v = versions(gover)
    all_tools = tools("exe", "core", gover, "")
    names = [t[0] for t in all_tools]
    lines = ["# Benchmarks", "",
             "Made by `make bench` (scripts/bench.py) on %s." % time.strftime("%Y-%m-%d"), "",
             "- machine: %s" % v["machine"], "- %s" % v["gostuck"], "- %s" % v["go"], "- Delve %s" % v["delve"],
             "- %s" % v["gdb"], "",
             "Cores: fixtures/scale (N goroutines over a dozen blocking sites at call depths 5-20), "
             "kernel cores via GOTRACEBACK=crash: " + ", ".join("N=%s %d MiB" % ("{:,}".format(n), s // (1 << 20))
                                                                for n, (_, _, s) in sorted(cores.items())) + ".",
             "Medians of %d runs; output to /dev/null; ratio = tool / `gostuck --json` (wall, peak RSS)." % runs, "",
             "| N | tool | wall | CPU | peak RSS | wall ratio | RSS ratio |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for n in ns:
        base = results.get((n, "gostuck --json (every stack)"))
        for name in names:
            lines.append(fmt_row(n, name, results.get((n, name)), base))
    lines += ["", "Per goroutine, `gostuck --json`: " + ", ".join(
        "N=%s %.2f µs" % ("{:,}".format(n), results[(n, "gostuck --json (every stack)")]["wall"] / n * 1e6)
        for n in ns if results.get((n, "gostuck --json (every stack)"))) + "."]
    if pauses:
        lines += ["", "Live: `gostuck -p` pause (all threads stopped), median: " + ", ".join(
            "N=%s %s" % ("{:,}".format(n), "%.0f ms" % p if p is not None else "not measured")
            for n, p in sorted(pauses.items())) + "."]
    if any(results.get((n, t[0])) is None for n in ns for t in all_tools if t[2]):
        lines += ["", "Not run: Delve and runtime-gdb.py above N=%s (BENCH_SLOW_MAX); at 1M they take "
                  "many minutes and many GB." % "{:,}".format(slow_max)]
    text = "\n".join(lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    with open(out + ".json", "w") as f:
        json.dump({"versions": v, "results": [dict(n=n, tool=t, **(m or {})) for (n, t), m in results.items()],
                   "pauses_ms": pauses}, f, indent=1)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
