"""cmdline.py - the arguments of the extension's commands, parsed.

Responsibility: turn the words after "gostuck goroutines", "gostuck
leaks" and "gostuck goroutine ID ..." into plain values, with the same
option names and checks as the gostuck command (coreanalyze/src/main.c),
and one-line errors.  Layer: gdb extension, below gdbfront; no gdb here.
"""

from __future__ import annotations

GROUP_KEYS = ("stack", "site", "created", "reason", "object", "none")
VERDICTS = ("definite", "suspect", "any")


class UsageError(Exception):
    pass


class ReportArgs:
    def __init__(self):
        self.json = False
        self.by = None  # None: the command's default
        self.all = False
        self.max_frames = 0
        self.suspect_minutes = 0
        self.suspect_count = 0
        self.reason = None
        self.status = None
        self.func = None
        self.leak = None
        self.ids = None
        self.pprof = None  # --pprof FILE: also write the goroutine profile there

    def analysis_key(self) -> tuple:
        """The options that change the analysis itself (not its view)."""
        return (self.all, self.max_frames, self.suspect_minutes, self.suspect_count)


def _positive(opt: str, v: str, limit: int) -> int:
    if not v.isdigit() or int(v) == 0 or int(v) > limit:
        raise UsageError("%s wants a number from 1 to %d, not '%s'" % (opt, limit, v))
    return int(v)


def parse_report_args(argv: list) -> ReportArgs:
    """Options of `gostuck goroutines` / `gostuck leaks` (the CLI's)."""
    a = ReportArgs()
    i = 0
    while i < len(argv):
        w = argv[i]
        if not w.startswith("--"):
            raise UsageError("unexpected argument '%s' (options start with --; see 'help gostuck goroutines')" % w)
        name, eq, val = w[2:].partition("=")
        takes = name in ("group-by", "max-frames", "suspect-minutes", "suspect-count", "reason", "status", "func",
                         "id", "pprof")
        if takes and not eq:
            i += 1
            if i == len(argv):
                raise UsageError("option '--%s' needs an argument" % name)
            val = argv[i]
        elif not takes and eq and name != "leaked":
            raise UsageError("option '--%s' takes no argument" % name)
        if name == "json":
            a.json = True
        elif name == "all":
            a.all = True
        elif name == "group-by":
            if val not in GROUP_KEYS:
                raise UsageError("unknown --group-by '%s': use stack, site, created, reason, object or none" % val)
            a.by = val
        elif name == "max-frames":
            a.max_frames = _positive("--max-frames", val, 10000000)
        elif name == "suspect-minutes":
            a.suspect_minutes = _positive("--suspect-minutes", val, 100000000)
        elif name == "suspect-count":
            a.suspect_count = _positive("--suspect-count", val, 100000000)
        elif name == "reason":
            a.reason = val
        elif name == "status":
            a.status = val
        elif name == "func":
            a.func = val
        elif name == "leaked":
            a.leak = val if eq else "any"
            if a.leak not in VERDICTS:
                raise UsageError("--leaked takes definite, suspect or any, not '%s'" % val)
        elif name == "id":
            try:
                a.ids = [int(x) for x in val.split(",")]
            except ValueError:
                raise UsageError("--id wants goroutine ids separated by commas, not '%s'" % val)
            if any(x < 0 for x in a.ids):
                raise UsageError("--id wants goroutine ids separated by commas, not '%s'" % val)
        elif name == "pprof":
            if not val:
                raise UsageError("--pprof wants the name of the file to write the profile to")
            a.pprof = val
        else:
            raise UsageError("unknown option '--%s' (see 'help gostuck goroutines')" % name)
        i += 1
    return a


def parse_goid(word: str) -> int:
    if not word.isdigit():
        raise UsageError("expected a goroutine id (a number), got '%s'" % word)
    return int(word)


def parse_goroutine_cmd(arg: str) -> tuple:
    """`gostuck goroutine ID [SUBCOMMAND...]` -> (goid, kind, rest):
    kind "select" (no subcommand), "bt" (rest: "" or "full"),
    "frame" (rest: the frame number, int), or "gdb" (rest: the gdb
    command to run in the goroutine's context)."""
    words = arg.split(None, 1)
    if not words:
        raise UsageError("usage: gostuck goroutine ID [bt [full] | frame N | GDB-COMMAND]")
    goid = parse_goid(words[0])
    rest = words[1].strip() if len(words) > 1 else ""
    if not rest:
        return goid, "select", None
    sub = rest.split()
    if sub[0] in ("bt", "backtrace", "where") and (len(sub) == 1 or (len(sub) == 2 and sub[1] in ("full", "-full"))):
        return goid, "bt", "full" if len(sub) == 2 else ""
    if sub[0] in ("frame", "f") and len(sub) == 2:
        if not sub[1].isdigit():
            raise UsageError("frame wants a frame number of the goroutine, not '%s'" % sub[1])
        return goid, "frame", int(sub[1])
    return goid, "gdb", rest


def frame_slot(frames: list, k: int) -> tuple:
    """For frame k of a goroutine (the report's frames, innermost first,
    pc as hex strings): (pc, j) where j counts the earlier frames with the
    same pc, i.e. frame k is the j-th frame a debugger shows at that pc
    (inlined frames share their physical frame's pc)."""
    if not 0 <= k < len(frames):
        raise UsageError("no frame %d: the goroutine has frames 0 to %d" % (k, len(frames) - 1))
    pc = int(frames[k]["pc"], 16)
    j = sum(1 for f in frames[:k] if int(f["pc"], 16) == pc)
    return pc, j


def chan_lines(info: dict, symbol: str = None) -> list:
    """The header lines of `gostuck chan` (buffer values are added by
    the caller, who can print them)."""
    name = "chan %s" % (info["elem_type"] or "?")
    head = "%s %#x%s: len %d, cap %d, %s" % (name, info["addr"], " (%s)" % symbol if symbol else "", info["len"],
                                           info["cap"], "closed" if info["closed"] else "open")
    out = [head]
    for role, ids in (("senders", info["senders"]), ("receivers", info["receivers"])):
        out.append("%s: %s" % (role, ("goroutines " if len(ids) > 1 else "goroutine ") + ", ".join(map(str, ids))
                               if ids else "none"))
    return out


def ring_slots(info: dict) -> list:
    """Addresses of the buffered elements, oldest (next received) first."""
    cap, n = info["cap"], info["len"]
    if cap <= 0 or n <= 0 or not info["buf"]:
        return []
    return [info["buf"] + ((info["recvx"] + i) % cap) * info["elemsize"] for i in range(n)]
