"""gdbfront.py - gostuck's commands, unwinder and frame filter inside gdb.

Responsibility: the only module that imports gdb.  It answers libgostuck's
memory and register reads with gdb's (so a live process, a core file and
gdbserver all work), prints the library's own text and JSON views, and
lets gdb's ordinary commands (frame, info locals, print, up, down) work in
a goroutine's frames.  Layer: gdb extension, the top.

It never writes the inferior's registers or memory (runtime-gdb.py's
`goroutine` rewrites $pc/$sp, which is why it fails on core files).  A
goroutine's frames are shown by splicing: while a goroutine context is on,
a Python unwinder says that frame 0 of the selected thread was called from
the goroutine's innermost frame (the pc and sp the library unwound from),
so gdb's own DWARF unwinder produces frames 1.. as the goroutine's stack,
with their locals; a frame filter hides frame 0 from `bt`.  The context is
dropped when the inferior runs.  Nothing happens at import: register()
installs everything, and prints nothing.
"""

from __future__ import annotations

import json
import re

import gdb
from gdb.unwinder import Unwinder, register_unwinder

from . import cmdline as C
from . import libgostuck as L

MAX_GDB_FRAMES = 100000  # frames walked looking for a goroutine frame


class _State:
    gen = 0           # bumped whenever the inferior may have changed
    cache = None      # (key, Analysis, report dict)
    ctx = None        # goroutine context: {"thread", "goid", "pc", "sp"}
    compat = None     # our `info goroutines` and `goroutine` commands, kept alive


def _invalidate(*_):
    _State.gen += 1
    if _State.cache:
        _State.cache[1].close()
    _State.cache = None
    if _State.ctx is not None:
        _State.ctx = None
        try:
            gdb.invalidate_cached_frames()
        except gdb.error:
            pass


# ---- reading the inferior through gdb ----

def _core_path():
    try:
        text = gdb.execute("info target", to_string=True)
    except gdb.error:
        return None
    m = re.search(r"Local core dump file:\s*`([^']*)'", text)
    return m.group(1) if m else None


def _threads():
    """(tid, rip, rsp, rbp, fs_base) of every thread, innermost registers;
    the selected thread and frame are restored."""
    inf = gdb.selected_inferior()
    orig = gdb.selected_thread()
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        frame = None
    out = []
    try:
        for t in inf.threads():
            t.switch()
            f = gdb.newest_frame()
            regs = []
            for name in ("rip", "rsp", "rbp", "fs_base"):
                try:
                    regs.append(int(f.read_register(name)) & 0xFFFFFFFFFFFFFFFF)
                except (gdb.error, ValueError):
                    regs.append(0)
            out.append((t.ptid[1] or t.ptid[0],) + tuple(regs))
    finally:
        if orig is not None and orig.is_valid():
            orig.switch()
            if frame is not None and frame.is_valid():
                frame.select()
    return out


def _entry():
    """AT_ENTRY of the inferior's auxiliary vector (gdb reads it from a
    core's NT_AUXV note or the process), 0 when gdb cannot say."""
    try:
        text = gdb.execute("info auxv", to_string=True)
    except gdb.error:
        return 0
    m = re.search(r"^\s*9\s+AT_ENTRY\b.*?(0x[0-9a-fA-F]+)\s*$", text, re.M)
    return int(m.group(1), 16) if m else 0


def _target():
    inf = gdb.selected_inferior()
    if inf.pid == 0 and not inf.threads():
        raise gdb.GdbError("gostuck: no process or core file: run, attach to the program or load its core first")

    def read(addr, n):
        try:
            return inf.read_memory(addr, n).tobytes()
        except (gdb.MemoryError, gdb.error, OverflowError):
            return None

    conn = getattr(inf, "connection", None)
    kind = L.TARGET_CORE if conn is not None and conn.type == "core" else L.TARGET_LIVE
    core = _core_path() if kind == L.TARGET_CORE else None
    return L.Target(read, _threads(), kind=kind, core=core, pid=inf.pid if kind == L.TARGET_LIVE else -1,
                    entry=_entry())


def _exe():
    fn = gdb.selected_inferior().progspace.filename
    if not fn:
        raise gdb.GdbError("gostuck: no executable: load the Go program with 'file PROGRAM' first")
    return fn


def _analysis(args=None):
    """The analysis of the inferior as it is now, kept until it runs."""
    args = args or C.ReportArgs()
    key = (gdb.selected_inferior().num, _State.gen, args.analysis_key())
    if _State.cache and _State.cache[0] == key:
        return _State.cache[1]
    if _State.cache:
        _State.cache[1].close()
        _State.cache = None
    try:
        an = L.Analysis(_exe(), _target(), include_dead=args.all, max_frames=args.max_frames,
                        suspect_minutes=args.suspect_minutes, suspect_count=args.suspect_count)
    except L.GostuckError as e:
        raise gdb.GdbError("gostuck: %s" % e)
    _State.cache = (key, an)
    return an


def _json(an, **filters):
    """The JSON report of the goroutines filters select, as a dict."""
    try:
        return json.loads(an.render(L.FORMAT_JSON, all=True, **filters))
    except L.GostuckError as e:
        raise gdb.GdbError("gostuck: %s" % e)


def _goroutine(an, goid):
    gs = _json(an, ids=[goid]).get("goroutines") or []
    if not gs:
        raise gdb.GdbError("gostuck: no goroutine %d (see 'gostuck goroutines --group-by none')" % goid)
    return gs[0]


def _render(an, args, by_default="stack", **force):
    kw = dict(fmt=L.FORMAT_JSON if args.json else L.FORMAT_TEXT, by=args.by or by_default, all=args.all,
              reason=args.reason, status=args.status, func=args.func, leak=args.leak, ids=args.ids)
    kw.update(force)
    try:
        return an.render(**kw)
    except L.GostuckError as e:
        raise gdb.GdbError("gostuck: %s" % e)


def _parse(fn, *a):
    try:
        return fn(*a)
    except C.UsageError as e:
        raise gdb.GdbError("gostuck: %s" % e)


# ---- the goroutine context: unwinder and frame filter ----

class _FrameId:
    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


def _ctx_here():
    ctx = _State.ctx
    if ctx is None:
        return None
    t = gdb.selected_thread()
    return ctx if t is not None and t.global_num == ctx["thread"] else None


class _Splice(Unwinder):
    """Frame 0 of the context's thread is 'called from' the goroutine."""

    def __init__(self):
        super().__init__("gostuck-goroutine")

    def __call__(self, pending):
        ctx = _ctx_here()
        if ctx is None or pending.level() != 0:
            return None
        sp = pending.read_register("rsp")
        pc = pending.read_register("rip")
        # gdb stops a backtrace whose older frame lies below the younger
        # one on the stack ("previous frame inner to this frame"), but the
        # goroutine's stack may lie anywhere relative to the thread's:
        # frame 0's id claims the lowest stack address.
        info = pending.create_unwind_info(_FrameId(gdb.Value(0).cast(sp.type), pc))
        info.add_saved_register("rip", gdb.Value(ctx["pc"]).cast(pc.type))
        info.add_saved_register("rsp", gdb.Value(ctx["sp"]).cast(sp.type))
        # A register an unwinder does not give is "not saved", and gdb
        # then refuses `info frame` in the goroutine's frames.  Go's DWARF
        # finds frames and variables from rsp (the CFA), never rbp: pass
        # the thread's rbp through.
        info.add_saved_register("rbp", pending.read_register("rbp"))
        return info


class _HideThreadFrame:
    """In a goroutine context, `bt` shows the goroutine's frames only:
    not the thread's frame 0, nothing past runtime.goexit."""

    def __init__(self):
        self.name = "gostuck-goroutine"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, it):
        if _ctx_here() is None:
            return it
        return self._only_goroutine(it)

    @staticmethod
    def _only_goroutine(it):
        for d in it:
            f = d.inferior_frame()
            if f.level() == 0:
                continue
            yield d
            if f.name() == "runtime.goexit":
                return


def _enter(goid, k=0):
    """Turn the context on for goroutine goid on the selected thread and
    select its frame k (the report's numbering).  Returns the gdb frame."""
    an = _analysis()
    g = _goroutine(an, goid)
    start = an.start(goid)
    if start is None:
        raise gdb.GdbError("gostuck: goroutine %d has no stack to show (status %s)" % (goid, g.get("status")))
    pc, j = _parse(C.frame_slot, g["frames"], k)
    t = gdb.selected_thread()
    if t is None:
        raise gdb.GdbError("gostuck: no thread to show goroutine %d on" % goid)
    _State.ctx = {"thread": t.global_num, "goid": goid, "pc": start[0], "sp": start[1]}
    gdb.invalidate_cached_frames()
    f = gdb.newest_frame().older()
    last = None
    seen = n = 0
    while f is not None and n < MAX_GDB_FRAMES:
        if f.pc() == pc:
            if seen == j:
                f.select()
                return f
            seen += 1
            last = f
        f = f.older()
        n += 1
    if last is not None:
        last.select()
        return last
    _leave()
    raise gdb.GdbError("gostuck: gdb's unwinder does not reach frame %d of goroutine %d (%s)"
                       % (k, goid, g["frames"][k]["func"]))


def _leave():
    if _State.ctx is not None:
        _State.ctx = None
        gdb.invalidate_cached_frames()


def _in_goroutine(goid, cmd):
    """Run gdb command cmd in goroutine goid's innermost frame, then put
    the previous context and frame back."""
    saved = _State.ctx
    try:
        frame = gdb.selected_frame()
        level = frame.level()
    except gdb.error:
        level = None
    _enter(goid, 0)
    try:
        gdb.execute(cmd)
    finally:
        _State.ctx = saved
        gdb.invalidate_cached_frames()
        if level is not None:
            try:
                gdb.execute("select-frame %d" % level, to_string=True)
            except gdb.error:
                pass


# ---- commands ----

class GostuckCmd(gdb.Command):
    """Goroutines of a Go program, from gostuck's analysis (live process or core file).

Subcommands:
  gostuck goroutines [OPTIONS]    every goroutine, grouped, as the gostuck command prints it
  gostuck goroutine ID [bt [full] | frame N | GDB-COMMAND]
                                  one goroutine: its stack, a frame of it, any gdb command in it
  gostuck leaks [OPTIONS]         goroutines judged leaked, by site, with the reason
  gostuck chan EXPR|ADDR          a channel: type, len/cap, closed, buffered values, waiters
  gostuck reset                   leave the goroutine context (back to the thread's own frames)

'info goroutines' and 'goroutine ID CMD' (runtime-gdb.py's names) are gostuck's too.
Example:  gdb ./server core  then  gostuck goroutines --group-by site"""

    def __init__(self):
        super().__init__("gostuck", gdb.COMMAND_STACK, gdb.COMPLETE_NONE, True)


class GoroutinesCmd(gdb.Command):
    """List every goroutine, grouped, exactly as the gostuck command prints it.

Usage: gostuck goroutines [--json] [--group-by=KEY] [--all] [--reason=TEXT]
         [--status=NAME] [--func=TEXT] [--leaked[=definite|suspect|any]] [--id=N,...]
         [--max-frames=N] [--suspect-minutes=N] [--suspect-count=N]

  --group-by   stack (default), site (first frame in user code), created (the go
               statement), reason, object (what they wait on), none
  --reason     only goroutines whose wait reason contains TEXT
  --status     only goroutines in this status (waiting, running, syscall, leaked...)
  --func       only goroutines with a frame (or creator) whose function contains TEXT
  --leaked     only goroutines judged leaked
  --json       the JSON report (the gostuck command's schema)
  --all        also dead goroutines and runtime-internal groups
  --pprof FILE also write the goroutine profile to FILE (for go tool pprof)

Works on live processes and core files; the analysis is kept until the program runs.
Example:  gostuck goroutines --reason "chan send" --group-by site"""

    def __init__(self):
        super().__init__("gostuck goroutines", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        args = _parse(C.parse_report_args, gdb.string_to_argv(arg))
        an = _analysis(args)
        if args.pprof:
            # the same bytes gostuck --pprof writes, written first as it does
            data = _render(an, args, fmt=L.FORMAT_PPROF)
            try:
                with open(args.pprof, "wb") as f:
                    f.write(data)
            except OSError as e:
                raise gdb.GdbError("gostuck: cannot write the profile to %s: %s" % (args.pprof, e.strerror))
        gdb.write(_render(an, args))


class LeaksCmd(gdb.Command):
    """List the goroutines judged leaked, grouped by site, with why.

Usage: gostuck leaks [--json] [--group-by=KEY] [--leaked=definite|suspect] [other 'gostuck goroutines' options]

'definite': blocked on something only other blocked goroutines can reach (nothing can
ever wake it).  'suspect': blocked long, or one of a large pile at one site.
Example:  gostuck leaks --leaked=definite"""

    def __init__(self):
        super().__init__("gostuck leaks", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        args = _parse(C.parse_report_args, gdb.string_to_argv(arg))
        if args.leak is None:
            args.leak = "any"
        an = _analysis(args)
        if not args.json and not _json(an, leak=args.leak)["goroutines"]:
            gdb.write("no goroutine is judged leaked%s (%d goroutines analyzed)\n"
                      % ("" if args.leak == "any" else " (%s)" % args.leak,
                         len(an.render(L.FORMAT_LINES).splitlines())))
            return
        gdb.write(_render(an, args, by_default="site"))


class GoroutineCmd(gdb.Command):
    """Show one goroutine, select a frame of it, or run a gdb command in it.

Usage: gostuck goroutine ID                 select goroutine ID (its innermost frame)
       gostuck goroutine ID bt              its stack, as the gostuck command prints it
       gostuck goroutine ID bt full         gdb's backtrace with locals, in the goroutine
       gostuck goroutine ID frame N         select its frame N (numbered as in 'bt'); then
                                            info locals, info args, print, up, down work there
       gostuck goroutine ID GDB-COMMAND     run any gdb command in its innermost frame

Works on core files and live processes without writing registers.  The selection
stays until 'gostuck reset', another goroutine, or the program runs.
Example:  gostuck goroutine 18 frame 3
          info locals"""

    def __init__(self, name="gostuck goroutine"):
        super().__init__(name, gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        goid, kind, rest = _parse(C.parse_goroutine_cmd, arg)
        if kind == "bt" and rest == "":
            an = _analysis()
            _goroutine(an, goid)
            gdb.write(an.render(L.FORMAT_TEXT, by="none", all=True, groups_only=True, ids=[goid]))
        elif kind == "bt":
            _in_goroutine(goid, "backtrace full")
        elif kind in ("select", "frame"):
            k = rest if kind == "frame" else 0
            _enter(goid, k)
            fr = _goroutine(_analysis(), goid)["frames"][k]
            gdb.write("[goroutine %d, frame %d: %s %s:%d]\n" % (goid, k, fr["func"], fr["file"], fr["line"]))
            gdb.execute("frame")
        else:
            _in_goroutine(goid, rest)


class ResetCmd(gdb.Command):
    """Leave the goroutine context: frames are the selected thread's own again.

Usage: gostuck reset"""

    def __init__(self):
        super().__init__("gostuck reset", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        _leave()


def _elem_type(value, info):
    """gdb's type for the channel's elements: from the channel value's
    DWARF type when there is one (Go's linker describes chan T as a
    pointer to hchan<T>, whose wait queues hold sudog<T> with elem *T),
    else by the runtime type's name.  None when neither fits elemsize."""
    found = []
    if value is not None:
        try:
            h = value.type.strip_typedefs()
            if h.code == gdb.TYPE_CODE_PTR:
                sudog = h.target().strip_typedefs()["recvq"].type.strip_typedefs()["first"].type.target()
                found.append(sudog.strip_typedefs()["elem"].type.strip_typedefs().target())
        except (gdb.error, KeyError, TypeError, AttributeError):
            pass
    name = info.get("elem_type")
    if name:
        stars = len(name) - len(name.lstrip("*"))
        for n in (name.lstrip("*"), "struct " + name.lstrip("*")):
            try:
                t = gdb.lookup_type(n)
            except gdb.error:
                continue
            for _ in range(stars):
                t = t.pointer()
            found.append(t)
            break
    for t in found:
        if t.sizeof == info["elemsize"]:
            return t
    return None


class ChanCmd(gdb.Command):
    """Show a channel: element type, len/cap, closed, buffered values, waiting goroutines.

Usage: gostuck chan EXPR      a Go expression of channel type, in the selected frame
       gostuck chan ADDR      the address of a runtime.hchan

Buffered values are printed with gdb's own type printers, oldest first.
Example:  gostuck goroutine 18 frame 3
          gostuck chan ch"""

    def __init__(self):
        super().__init__("gostuck chan", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if not arg:
            raise gdb.GdbError("gostuck: usage: gostuck chan EXPR|ADDR")
        value = None
        if re.fullmatch(r"0[xX][0-9a-fA-F]+|[0-9]+", arg):
            addr = int(arg, 0)
        else:
            try:
                value = gdb.parse_and_eval(arg)
                addr = int(value)
            except (gdb.error, ValueError) as e:
                raise gdb.GdbError("gostuck: cannot take '%s' as a channel: %s" % (arg, e))
        if addr == 0:
            gdb.write("nil channel: a send or receive on it blocks forever\n")
            return
        an = _analysis()
        try:
            info = an.chan(addr, _target())
        except L.GostuckError as e:
            raise gdb.GdbError("gostuck: %s" % e)
        for line in C.chan_lines(info, None if value is None else arg):
            gdb.write(line + "\n")
        slots = C.ring_slots(info)
        if not slots:
            gdb.write("buffer: empty\n")
            return
        t = _elem_type(value, info)
        gdb.write("buffer (oldest first):\n")
        for i, a in enumerate(slots):
            if t is None:
                raw = gdb.selected_inferior().read_memory(a, info["elemsize"]).tobytes()
                gdb.write("  [%d] %s\n" % (i, raw.hex()))
            else:
                v = gdb.Value(a).cast(t.pointer()).dereference()
                gdb.write("  [%d] %s\n" % (i, v.format_string()))


# ---- runtime-gdb.py's names ----

class InfoGoroutinesCmd(gdb.Command):
    """List all goroutines (gostuck's; works on core files).

Columns as runtime-gdb.py prints them ('*' on a thread, id, status, innermost
function), then the wait reason, the first frame in user code and any leak verdict.
'gostuck goroutines' groups them."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        try:
            gdb.write(_analysis().render(L.FORMAT_LINES))
        except L.GostuckError as e:
            raise gdb.GdbError("gostuck: %s" % e)


class GoroutineCompatCmd(gdb.Command):
    """Execute a gdb command in the context of goroutine <goid> (gostuck's; works on core files).

Usage: goroutine <goid> <gdbcmd>
       goroutine all <gdbcmd>
Registers are never written: the goroutine's frames are shown through an unwinder.
See also 'gostuck goroutine'."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        words = arg.split(None, 1)
        if len(words) < 2:
            raise gdb.GdbError("usage: goroutine <goid>|all <gdbcmd>")
        if words[0] == "all":
            an = _analysis()
            for line in an.render(L.FORMAT_LINES).splitlines():
                goid = int(line[2:].split(None, 1)[0])
                if an.start(goid) is not None:
                    gdb.write("goroutine %d:\n" % goid)
                    _in_goroutine(goid, words[1])
            return
        _in_goroutine(_parse(C.parse_goid, words[0]), words[1])


_RUNTIME_NAMES = {"info goroutines": "runtime-gdb-info-goroutines", "goroutine": "runtime-gdb-goroutine"}


def _guard_runtime_names():
    """runtime-gdb.py, which gdb auto-loads with a Go program after
    ~/.gdbinit, defines `info goroutines` and `goroutine` too.  Any
    gdb.Command created from now on under one of those names by a class
    that is not gostuck's is registered as runtime-gdb-info-goroutines /
    runtime-gdb-goroutine instead (still there, under another name);
    every other command passes through untouched.  Defined before us,
    they are simply replaced by ours."""
    base = gdb.Command
    if getattr(base, "_gostuck_guard", False):
        return
    ours = (InfoGoroutinesCmd, GoroutineCompatCmd)

    class Command(base):
        _gostuck_guard = True

        def __init__(self, name, *args, **kwargs):
            if name in _RUNTIME_NAMES and not isinstance(self, ours):
                name = _RUNTIME_NAMES[name]
            base.__init__(self, name, *args, **kwargs)

    Command.__name__ = base.__name__
    Command.__qualname__ = base.__qualname__
    Command.__doc__ = base.__doc__
    gdb.Command = Command


_registered = False


def register():
    global _registered
    if _registered:
        return
    _registered = True
    GostuckCmd()
    GoroutinesCmd()
    GoroutineCmd()
    LeaksCmd()
    ChanCmd()
    ResetCmd()
    register_unwinder(None, _Splice(), replace=True)
    _HideThreadFrame()
    _State.compat = (InfoGoroutinesCmd(), GoroutineCompatCmd())
    _guard_runtime_names()
    for ev in ("cont", "exited", "new_objfile", "inferior_call", "memory_changed", "register_changed",
               "new_inferior", "clear_objfiles"):
        reg = getattr(gdb.events, ev, None)
        if reg is not None:
            reg.connect(_invalidate)
