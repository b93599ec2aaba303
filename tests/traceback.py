#!/usr/bin/python3
"""traceback.py - parse the Go runtime's own goroutine dumps into records.

Responsibility: turn the text the Go runtime prints (a GOTRACEBACK=crash
signal crash with its per-thread "-----" sections, a panic or fatal error,
or the output of runtime.Stack(buf, true)) of any release 1.19..1.27 into
plain Python records: per goroutine its id, status text, header flags,
wait minutes, labels, frames, elision marker, creation site, ancestors and
where in the dump it was printed.  Layer: test tooling, outside the five
layers of gostuck; it is the oracle's reader and knows nothing about
gostuck.  It must not guess: a line it cannot place is kept in
`Traceback.unparsed`, never silently dropped, and it never decides whether
a goroutine "matches" anything (that is tests/oracle.py).

Pure Python 3.11 standard library.  Use as a module (`parse(text)`) or run
`python3 tests/traceback.py FILE` to print the records it found.

Formats, as printed by runtime/traceback.go (goroutineheader, traceback1,
traceback2 / gentraceback, printcreatedby1, printAncestorTraceback) and
runtime/signal_unix.go (sighandler, fatalsignal, dumpregs):

  header   goroutine N [STATUS(, N minutes)(, locked to thread)]:       1.19..1.21
           goroutine N gp=0x.. m=N mp=0x.. [...]: / ... m=nil [...]:    1.22+ (level>=2)
           STATUS may be followed by " (leaked)" (1.26+), " (scan)",
           " (durable)" (1.25+ synctest); annotations ", synctest group N"
           (1.24), ", synctest bubble N" (1.25+), labels " labels:{"k": "v"}"
           inside the brackets (1.26, GODEBUG=tracebacklabels=1) or
           " {k: v}" after them (1.27, quoting only where needed).
  frame    FUNC(ARGS)  then  \tFILE:LINE[ +0xOFF][ fp=0x.. sp=0x.. pc=0x..]
           an inlined frame prints "(...)" and no offset.
  elision  "...additional frames elided..." (1.19: after 100 physical
           frames, only when exactly 100 were printed; also ancestors),
           "...N frames elided..." (1.21+: first 50 and last 50 logical
           frames are printed around it).
  created  "created by F" (1.19..1.20) / "created by F in goroutine N" (1.21+)
  other    "\tgoroutine running on other thread; stack unavailable",
           "[originating from goroutine N]:" (GODEBUG=tracebackancestors),
           "non-Go function at pc=0x.." (cgo), "runtime stack:" (g0 stack
           of a fatal throw), SIG lines, "PC=0x.. m=N sigcode=N", register
           dumps, "-----" between the sections of a crash.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from typing import Optional

# The runtime's gStatusStrings (runtime/traceback.go), every release.
STATUS_NAMES = frozenset({
    "idle", "runnable", "running", "syscall", "waiting", "dead",
    "copystack", "preempted", "leaked", "???",
    # _Gdeadextra (Go 1.26+): a dead g attached to an extra M for cgo
    # callbacks; tracebackothers skips only _Gdead, so it is printed.
    "waiting for cgo callback",
})

# Wait reasons whose own text ends in "(durable)" (waitReasonSynctest*,
# Go 1.25+).  goroutineheader appends " (durable)" to every other
# idle-in-synctest reason, never to these, so a trailing "(durable)" is part
# of the reason exactly when what precedes it is one of these bases.
_DURABLE_REASON_BASES = frozenset({
    "chan receive", "chan send", "select", "sync.WaitGroup.Wait",
})

_RE_HEADER = re.compile(
    r"goroutine (\d+)"
    r"(?: gp=(0x[0-9a-f]+) m=(nil|\d+)(?: mp=(0x[0-9a-f]+))?)?"
    r" \[")
_RE_SIGNAL = re.compile(r"(SIG[A-Z0-9]+|Signal \d+|signal \d+)(?:: (.*))?$")
_RE_PC = re.compile(
    r"PC=(0x[0-9a-f]+) m=(\d+) sigcode=(-?\d+)(?: addr=(0x[0-9a-f]+))?$")
_RE_REG = re.compile(r"([a-z][a-z0-9]*)\s+(0x[0-9a-f]+)$")
_RE_FILE = re.compile(
    r"\t(.*):(\d+)(?: \+0x([0-9a-f]+))?"
    r"(?: fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+) pc=(0x[0-9a-f]+))?$")
_RE_CREATED = re.compile(r"created by (.+?)(?: in goroutine (\d+))?$")
_RE_ANCESTOR = re.compile(r"\[originating from goroutine (\d+)\]:$")
_RE_ELIDED_N = re.compile(r"\.\.\.(\d+) frames elided\.\.\.$")
_ELIDED_ADDITIONAL = "...additional frames elided..."
_UNAVAILABLE = "\tgoroutine running on other thread; stack unavailable"
_RE_CGO = re.compile(r"non-Go function at pc=(0x[0-9a-f]+)$")
_RE_MINUTES = re.compile(r"(\d+) minutes$")
_RE_BUBBLE = re.compile(r"synctest (bubble|group) (\d+)$")
_UNQUOTED = re.compile(r"[A-Za-z0-9./_]*")
# Runtime messages that may sit between or inside goroutines: the reason
# of a panic or throw, cgo notes, and the diagnostics the unwinder prints
# when it loses its way (runtime: unexpected return pc ..., stack: frame=,
# hexdumpWords lines).
_RE_MESSAGE = re.compile(
    r"(panic: |fatal error: |runtime: |\[signal |signal arrived during |\[recovered|\tpanic: "
    r"|stack: frame=\{|0x[0-9a-f]+: |exit status \d+$|\[process exited)")


@dataclasses.dataclass
class Frame:
    """One printed frame: `func` exactly as printed ("panic" for
    runtime.gopanic, "main.F[...]" for generic code), `inlined` True for
    "(...)" frames (for ancestor frames, which all print "(...)", None)."""
    func: str
    file: str
    line: int
    args: str = ""
    inlined: Optional[bool] = None
    offset: Optional[int] = None  # the "+0x.." (pc - function entry)
    fp: Optional[int] = None
    sp: Optional[int] = None
    pc: Optional[int] = None
    cgo_pc: Optional[int] = None  # "non-Go function at pc=" lines


@dataclasses.dataclass
class CreatedBy:
    func: str
    file: Optional[str] = None
    line: Optional[int] = None
    offset: Optional[int] = None
    parent_goid: Optional[int] = None  # "in goroutine N", Go 1.21+


@dataclasses.dataclass
class Elision:
    """kind "count" ("...N frames elided...", `count` = N) or "additional"
    ("...additional frames elided...", count unknown); `index` is the
    number of frames printed before the marker."""
    kind: str
    index: int
    count: Optional[int] = None


@dataclasses.dataclass
class Ancestor:
    goid: int
    frames: list = dataclasses.field(default_factory=list)
    elided: Optional[Elision] = None
    created_by: Optional[CreatedBy] = None


@dataclasses.dataclass
class Goroutine:
    """One goroutine as printed once.  `status` is the first bracket item
    with the header flags removed ("chan receive", "running", "sleep");
    `status_raw` is that item as printed.  `section` is 0 for the main dump
    (the first section of a crash, or the whole of a panic or
    runtime.Stack dump), k for the k-th "-----" thread section.
    `from_signal` is True for the goroutine printed from a signal context
    (the first goroutine after a "PC=" line), whose stack the runtime
    unwound from the signal's registers.  goid None marks a "runtime
    stack:" block (a thread's system stack in a fatal throw)."""
    goid: Optional[int]
    status: str = ""
    status_raw: str = ""
    flags: set = dataclasses.field(default_factory=set)  # scan leaked durable locked
    minutes: Optional[int] = None
    bubble: Optional[int] = None
    bubble_kind: Optional[str] = None  # "bubble" (1.25+) or "group" (1.24)
    labels: Optional[dict] = None
    labels_style: Optional[str] = None  # "1.26" inside brackets, "1.27" after
    gp: Optional[int] = None
    m: Optional[int] = None  # m id when printed and not nil
    m_printed: bool = False  # header carried gp=/m= (level >= 2, Go 1.22+)
    mp: Optional[int] = None
    extra: list = dataclasses.field(default_factory=list)  # unknown annotations
    frames: list = dataclasses.field(default_factory=list)
    elided: Optional[Elision] = None
    created_by: Optional[CreatedBy] = None
    ancestors: list = dataclasses.field(default_factory=list)
    unavailable: bool = False
    section: int = 0
    thread_m: Optional[int] = None  # the "PC=.. m=N" of its section
    from_signal: bool = False
    lineno: int = 0
    diagnostics: list = dataclasses.field(default_factory=list)  # runtime: ... lines inside

    @property
    def locked(self) -> bool:
        return "locked" in self.flags

    @property
    def has_stack(self) -> bool:
        return not self.unavailable and bool(self.frames)


@dataclasses.dataclass
class Section:
    index: int
    signal: Optional[str] = None  # "SIGABRT: abort"
    pc: Optional[int] = None
    m: Optional[int] = None
    sigcode: Optional[int] = None
    addr: Optional[int] = None
    regs: dict = dataclasses.field(default_factory=dict)
    goroutines: list = dataclasses.field(default_factory=list)
    messages: list = dataclasses.field(default_factory=list)  # (line number, text)


@dataclasses.dataclass
class Traceback:
    sections: list
    goroutines: list  # every record, in print order
    unparsed: list  # (line number, text) of lines no rule placed
    preamble: list  # (line number, text) before the first goroutine

    @property
    def crash(self) -> bool:
        """A signal crash (SIGABRT/SIGQUIT/SIGSEGV... with PC= lines)."""
        return any(s.pc is not None for s in self.sections)

    @property
    def full_frames(self) -> bool:
        """Traceback level >= 2 (GOTRACEBACK=system/crash, or a runtime
        throw): runtime frames and system goroutines are printed.  Seen
        from the text: fp=/sp=/pc= on frames (every release) or gp=/m= in
        headers (1.22+).  runtime.Stack always prints at level 1."""
        for g in self.goroutines:
            if g.goid is None:
                continue
            if g.m_printed or any(f.fp is not None for f in g.frames):
                return True
        return False

    def by_goid(self) -> dict:
        """goid -> list of records, print order, goid 0 and runtime-stack
        blocks left out."""
        out: dict = {}
        for g in self.goroutines:
            if g.goid is None or g.goid == 0:
                continue
            out.setdefault(g.goid, []).append(g)
        return out

    def select(self) -> dict:
        """goid -> the one record to compare: the main-dump entry when it
        has a stack, else the first thread-section entry with a stack (a
        `running` goroutine's stack is printed only in its thread's
        section), else the first entry (stack unavailable)."""
        out = {}
        for goid, recs in self.by_goid().items():
            main = [g for g in recs if g.section == 0 and g.has_stack]
            thread = [g for g in recs if g.section != 0 and g.has_stack]
            if main:
                out[goid] = main[0]
            elif thread:
                out[goid] = thread[0]
            else:
                out[goid] = recs[0]
        return out

    def only_from_signal(self, goid: int) -> bool:
        """True when every printed stack of goid was unwound from a signal
        context (its thread's section, or the signal-receiving goroutine
        printed first)."""
        recs = [g for g in self.by_goid().get(goid, []) if g.has_stack]
        return bool(recs) and all(g.from_signal for g in recs)


def unquote(s: str, i: int) -> tuple:
    """Decode the runtime's printquoted string starting at s[i] == '"'
    (escapes \\n \\r \\t \\\\ \\" \\xHH \\uHHHH \\UHHHHHHHH); returns (value,
    index after the closing quote).  A \\xHH of a byte >= 0x80 is an
    invalid UTF-8 byte and becomes U+FFFD; raises ValueError on a
    malformed string."""
    if i >= len(s) or s[i] != '"':
        raise ValueError("expected '\"' at %d" % i)
    i += 1
    out = []
    while i < len(s):
        c = s[i]
        if c == '"':
            return "".join(out), i + 1
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(s):
            break
        e = s[i + 1]
        simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}
        if e in simple:
            out.append(simple[e])
            i += 2
            continue
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width is None:
            raise ValueError("bad escape \\%s at %d" % (e, i))
        digits = s[i + 2:i + 2 + width]
        if len(digits) != width or not re.fullmatch(r"[0-9a-fA-F]+", digits):
            raise ValueError("bad \\%s escape at %d" % (e, i))
        v = int(digits, 16)
        out.append(chr(v) if (e != "x" or v < 0x80) and v <= 0x10FFFF else "\ufffd")
        i += 2 + width
    raise ValueError("unterminated string")


def _label_token(s: str, i: int) -> tuple:
    if i < len(s) and s[i] == '"':
        return unquote(s, i)
    m = _UNQUOTED.match(s, i)
    return m.group(0), m.end()


def _parse_labels(s: str, i: int, quoted_only: bool) -> tuple:
    """Parse `k: v, k: v}` from s[i] (just after "{"); returns (dict,
    index after "}")."""
    labels = {}
    if s.startswith("}", i):
        return labels, i + 1
    for _ in range(len(s)):
        k, i = unquote(s, i) if quoted_only else _label_token(s, i)
        if not s.startswith(": ", i):
            raise ValueError("expected ': ' in labels at %d" % i)
        v, i = unquote(s, i + 2) if quoted_only else _label_token(s, i + 2)
        labels[k] = v
        if s.startswith(", ", i):
            i += 2
            continue
        if s.startswith("}", i):
            return labels, i + 1
        raise ValueError("expected ', ' or '}' in labels at %d" % i)
    raise ValueError("labels do not end")


def _split_status(raw: str, flags: set) -> str:
    """Strip the flags goroutineheader appends to the status, in reverse
    print order: " (durable)", " (scan)", " (leaked)"."""
    s = raw
    if s.endswith(" (durable)") and s[:-len(" (durable)")] not in _DURABLE_REASON_BASES:
        s = s[:-len(" (durable)")]
        flags.add("durable")
    if s.endswith(" (scan)"):
        s = s[:-len(" (scan)")]
        flags.add("scan")
    if s.endswith(" (leaked)"):
        s = s[:-len(" (leaked)")]
        flags.add("leaked")
    return s


def parse_header(line: str) -> Optional[Goroutine]:
    """Parse a "goroutine N ...:" header line; None if it is not one.
    Raises ValueError when it starts like a header but is malformed."""
    m = _RE_HEADER.match(line)
    if not m:
        return None
    g = Goroutine(goid=int(m.group(1)))
    if m.group(2):
        g.m_printed = True
        g.gp = int(m.group(2), 16)
        if m.group(3) != "nil":
            g.m = int(m.group(3))
        if m.group(4):
            g.mp = int(m.group(4), 16)
    s, i = line, m.end()
    # The status text holds no ',' nor ']' in any release's waitReasonStrings.
    ends = [j for j in (s.find(", ", i), s.find(" labels:{", i), s.find("]", i)) if j >= 0]
    if not ends:
        raise ValueError("goroutine header without ']': %r" % line)
    j = min(ends)
    g.status_raw = s[i:j]
    g.status = _split_status(g.status_raw, g.flags)
    i = j
    for _ in range(len(s)):
        if s.startswith(", ", i):
            ends = [j for j in (s.find(", ", i + 2), s.find(" labels:{", i + 2), s.find("]", i + 2)) if j >= 0]
            if not ends:
                raise ValueError("goroutine header without ']': %r" % line)
            j = min(ends)
            tok = s[i + 2:j]
            i = j
            mm = _RE_MINUTES.fullmatch(tok)
            mb = _RE_BUBBLE.fullmatch(tok)
            if mm:
                g.minutes = int(mm.group(1))
            elif tok == "locked to thread":
                g.flags.add("locked")
            elif mb:
                g.bubble_kind, g.bubble = mb.group(1), int(mb.group(2))
            else:
                g.extra.append(tok)
        elif s.startswith(" labels:{", i):
            g.labels, i = _parse_labels(s, i + len(" labels:{"), quoted_only=True)
            g.labels_style = "1.26"
        elif s.startswith("]", i):
            i += 1
            break
        else:
            raise ValueError("unexpected text in goroutine header at %d: %r" % (i, line))
    if s.startswith(" {", i):
        g.labels, i = _parse_labels(s, i + 2, quoted_only=False)
        g.labels_style = "1.27"
    if s[i:] != ":":
        raise ValueError("goroutine header does not end in ':': %r" % line)
    return g


def _func_line(line: str) -> Optional[tuple]:
    """Split "FUNC(ARGS)" at its last '(' (argument text never holds one;
    function names may: main.(*T).M)."""
    if not line.endswith(")") or line.startswith("\t"):
        return None
    k = line.rfind("(")
    if k <= 0:
        return None
    return line[:k], line[k + 1:-1]


def parse(text: str) -> Traceback:
    """Parse a whole dump.  Never raises on odd input: a line that fits no
    rule goes to `unparsed` with its 1-based line number."""
    lines = text.splitlines()
    sections = [Section(0)]
    allg: list = []
    unparsed: list = []
    preamble: list = []
    cur: Optional[Goroutine] = None  # goroutine being filled
    target = None  # cur or its latest Ancestor
    expect_signal_g = False
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        ln = i + 1
        i += 1
        sec = sections[-1]
        if line == "":
            cur = target = None
            continue
        if line == "-----":
            cur = target = None
            sections.append(Section(len(sections)))
            continue
        try:
            g = parse_header(line)
        except ValueError as e:
            unparsed.append((ln, "%s [%s]" % (line, e)))
            cur = target = None
            continue
        if g is not None:
            g.section = sec.index
            g.thread_m = sec.m
            g.from_signal = expect_signal_g
            g.lineno = ln
            expect_signal_g = False
            sec.goroutines.append(g)
            allg.append(g)
            cur = target = g
            continue
        if line == "runtime stack:":
            g = Goroutine(goid=None, section=sec.index, lineno=ln, thread_m=sec.m)
            sec.goroutines.append(g)
            allg.append(g)
            cur = target = g
            continue
        if cur is None:
            ms = _RE_SIGNAL.match(line)
            mp = _RE_PC.match(line)
            mr = _RE_REG.match(line)
            if mp:
                sec.pc, sec.m, sec.sigcode = int(mp.group(1), 16), int(mp.group(2)), int(mp.group(3))
                if mp.group(4):
                    sec.addr = int(mp.group(4), 16)
                expect_signal_g = True
            elif ms and sec.signal is None and not sec.goroutines:
                sec.signal = line
            elif mr and (sec.goroutines or sec.pc is not None):
                sec.regs[mr.group(1)] = int(mr.group(2), 16)
            elif not allg:
                preamble.append((ln, line))
            elif _RE_MESSAGE.match(line):
                sec.messages.append((ln, line))
            else:
                unparsed.append((ln, line))
            continue
        # Inside a goroutine.
        mr = _RE_REG.match(line)
        if mr and sec.pc is not None:
            # dumpregs follows the last goroutine of a signal section
            # without a blank line.
            cur = target = None
            sec.regs[mr.group(1)] = int(mr.group(2), 16)
            continue
        if line == _UNAVAILABLE:
            cur.unavailable = True
            continue
        if _RE_MESSAGE.match(line):
            cur.diagnostics.append((ln, line))
            continue
        if line == _ELIDED_ADDITIONAL or _RE_ELIDED_N.match(line):
            mm = _RE_ELIDED_N.match(line)
            e = Elision(kind="count" if mm else "additional",
                        index=len(target.frames),
                        count=int(mm.group(1)) if mm else None)
            if target.elided is not None:
                unparsed.append((ln, line + " [second elision marker]"))
            target.elided = e
            continue
        ma = _RE_ANCESTOR.match(line)
        if ma and cur.goid is not None:
            anc = Ancestor(goid=int(ma.group(1)))
            cur.ancestors.append(anc)
            target = anc
            continue
        mc = _RE_CREATED.match(line)
        if mc:
            cb = CreatedBy(func=mc.group(1),
                           parent_goid=int(mc.group(2)) if mc.group(2) else None)
            if i < n:
                mf = _RE_FILE.match(lines[i])
                if mf:
                    cb.file, cb.line = mf.group(1), int(mf.group(2))
                    cb.offset = int(mf.group(3), 16) if mf.group(3) else None
                    i += 1
            if target.created_by is not None:
                unparsed.append((ln, line + " [second created by]"))
            target.created_by = cb
            continue
        mg = _RE_CGO.match(line)
        if mg:
            target.frames.append(Frame(func="?", file="?", line=0, cgo_pc=int(mg.group(1), 16)))
            continue
        fl = _func_line(line)
        if fl is not None and i < n:
            mf = _RE_FILE.match(lines[i])
            if mf:
                i += 1
                name, args = fl
                is_anc = target is not cur
                fr = Frame(func=name, file=mf.group(1), line=int(mf.group(2)), args=args,
                           inlined=None if is_anc else (args == "..."),
                           offset=int(mf.group(3), 16) if mf.group(3) else None)
                if mf.group(4):
                    fr.fp, fr.sp, fr.pc = (int(mf.group(k), 16) for k in (4, 5, 6))
                target.frames.append(fr)
                continue
        unparsed.append((ln, line))
    return Traceback(sections=sections, goroutines=allg, unparsed=unparsed, preamble=preamble)


def parse_file(path: str) -> Traceback:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return parse(f.read())


def _describe(tb: Traceback) -> str:
    out = []
    out.append("crash=%s full_frames=%s sections=%d goroutine records=%d" % (
        tb.crash, tb.full_frames, len(tb.sections), len(tb.goroutines)))
    for g in tb.goroutines:
        where = "main" if g.section == 0 else "thread m=%s" % g.thread_m
        bits = [where]
        if g.from_signal:
            bits.append("from signal")
        if g.flags:
            bits.append("flags=" + ",".join(sorted(g.flags)))
        if g.minutes is not None:
            bits.append("%d min" % g.minutes)
        if g.bubble is not None:
            bits.append("%s %d" % (g.bubble_kind, g.bubble))
        if g.labels:
            bits.append("labels=%r" % g.labels)
        if g.unavailable:
            bits.append("stack unavailable")
        if g.elided:
            bits.append("elided %s@%d%s" % (g.elided.kind, g.elided.index,
                                           "" if g.elided.count is None else " n=%d" % g.elided.count))
        if g.ancestors:
            bits.append("ancestors=" + ",".join(str(a.goid) for a in g.ancestors))
        out.append("goroutine %s [%s] %d frames (%s)" % (
            "runtime-stack" if g.goid is None else g.goid, g.status, len(g.frames), "; ".join(bits)))
        for f in g.frames:
            out.append("    %s%s %s:%d" % (f.func, " (inlined)" if f.inlined else "", f.file, f.line))
        if g.created_by:
            c = g.created_by
            out.append("    created by %s %s:%s parent=%s" % (c.func, c.file, c.line, c.parent_goid))
    for ln, text in tb.unparsed:
        out.append("UNPARSED line %d: %s" % (ln, text))
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: traceback.py FILE...", file=sys.stderr)
        sys.exit(2)
    for p in sys.argv[1:]:
        print("==", p)
        print(_describe(parse_file(p)))
