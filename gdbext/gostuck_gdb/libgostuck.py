"""libgostuck.py - the ctypes binding of libgostuck.so.

Responsibility: find and load the library, mirror the structs of
coreanalyze/include/gostuck.h that the extension passes, and wrap one
analysis of a caller-answered target (gs_analyze_callbacks) in a Python
object.  Layer: the gdb extension's bottom; it knows nothing of gdb:
memory reads and thread registers come in as a plain function and a list.
It must not analyze anything itself: every answer comes from the library,
so the extension says what the gostuck command says.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char, c_char_p, c_int, c_int64, c_size_t,
                    c_uint64, c_void_p)

LIB_NAME = "libgostuck.so"

# enum gs_target_kind, gs_format, gs_group_by
TARGET_CORE, TARGET_LIVE = 0, 1
FORMAT_TEXT, FORMAT_JSON, FORMAT_LINES, FORMAT_PPROF = 0, 1, 2, 3
GROUP_BY = {"stack": 0, "site": 1, "created": 2, "reason": 3, "none": 4, "object": 5}
# enum gs_errcode
E_USAGE, E_INPUT, E_MISMATCH, E_UNSUPPORTED, E_NOMEM = 1, 2, 3, 4, 5


class ThreadRegs(Structure):
    _fields_ = [("tid", c_int64), ("rip", c_uint64), ("rsp", c_uint64), ("rbp", c_uint64), ("fs_base", c_uint64)]


READ_FN = CFUNCTYPE(c_int, c_void_p, c_uint64, c_void_p, c_size_t)


class Callbacks(Structure):
    _fields_ = [("read", READ_FN), ("user", c_void_p), ("threads", POINTER(ThreadRegs)), ("nthreads", c_size_t),
                ("kind", c_int), ("core", c_char_p), ("pid", c_int64), ("entry", c_uint64)]


class Options(Structure):
    _fields_ = [("include_dead", c_bool), ("max_frames", c_size_t), ("suspect_minutes", c_int64),
                ("suspect_count", c_size_t), ("progress", c_void_p), ("progress_user", c_void_p)]


class Error(Structure):
    _fields_ = [("code", c_int), ("msg", c_char * 1024)]


class Filter(Structure):
    _fields_ = [("reason", c_char_p), ("status", c_char_p), ("func", c_char_p), ("leak", c_char_p),
                ("ids", POINTER(c_uint64)), ("nids", c_size_t)]


class RenderOptions(Structure):
    _fields_ = [("format", c_int), ("by", c_int), ("all", c_bool), ("groups_only", c_bool)]


class ChanInfo(Structure):
    _fields_ = [("elem_type", c_char_p), ("elemsize", c_uint64), ("cap", c_int64), ("len", c_int64),
                ("closed", c_int), ("buf", c_uint64), ("recvx", c_uint64), ("sendx", c_uint64),
                ("senders", POINTER(c_uint64)), ("nsenders", c_size_t),
                ("receivers", POINTER(c_uint64)), ("nreceivers", c_size_t)]


class GostuckError(Exception):
    """A fatal error of the library: its one-line message and error class."""

    def __init__(self, msg: str, code: int = E_INPUT):
        super().__init__(msg)
        self.code = code


def candidates(here: str) -> list:
    """Where libgostuck.so may be, most specific first: $GOSTUCK_LIB, the
    source tree's build/ (gdbext/ is next to it), an installed prefix's
    lib/ (this package is in PREFIX/share/gostuck/gdb), the linker's path."""
    out = []
    if os.environ.get("GOSTUCK_LIB"):
        out.append(os.environ["GOSTUCK_LIB"])
    gdbext = os.path.dirname(here)
    out.append(os.path.join(os.path.dirname(gdbext), "build", LIB_NAME))
    out.append(os.path.join(gdbext, LIB_NAME))
    prefix = os.path.dirname(os.path.dirname(os.path.dirname(gdbext)))
    out.append(os.path.join(prefix, "lib", LIB_NAME))
    return out


_lib = None


def load():
    """The loaded library (once); GostuckError saying how to build it."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in candidates(os.path.dirname(os.path.abspath(__file__))):
        if not os.path.isfile(path):
            tried.append(path)
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise GostuckError("cannot load %s: %s; rebuild it with 'make lib' in the gostuck tree" % (path, e))
        break
    else:
        raise GostuckError("%s not found (looked at %s); build it with 'make lib' in the gostuck tree, "
                           "or set GOSTUCK_LIB to its path" % (LIB_NAME, ", ".join(tried)))
    lib.gs_analyze_callbacks.argtypes = [c_char_p, POINTER(Callbacks), POINTER(Options), POINTER(c_void_p),
                                         POINTER(Error)]
    lib.gs_analyze_callbacks.restype = c_int
    lib.gs_analysis_report.argtypes = [c_void_p]
    lib.gs_analysis_report.restype = c_void_p
    lib.gs_analysis_close.argtypes = [c_void_p]
    lib.gs_analysis_close.restype = None
    lib.gs_report_filter.argtypes = [c_void_p, POINTER(Filter)]
    lib.gs_report_filter.restype = c_void_p
    lib.gs_report_filtered_free.argtypes = [c_void_p]
    lib.gs_report_filtered_free.restype = None
    lib.gs_render.argtypes = [c_void_p, POINTER(RenderOptions), POINTER(c_size_t)]
    lib.gs_render.restype = c_void_p
    lib.gs_free.argtypes = [c_void_p]
    lib.gs_free.restype = None
    lib.gs_goroutine_start.argtypes = [c_void_p, c_uint64, POINTER(c_uint64), POINTER(c_uint64)]
    lib.gs_goroutine_start.restype = c_int
    lib.gs_chan_inspect.argtypes = [c_void_p, POINTER(Callbacks), c_uint64, POINTER(ChanInfo), POINTER(Error)]
    lib.gs_chan_inspect.restype = c_int
    _lib = lib
    return lib


class Target:
    """What the caller knows about its target: read(addr, n) -> bytes or
    None; threads: [(tid, rip, rsp, rbp, fs_base)]; kind TARGET_CORE or
    TARGET_LIVE; core path; pid; entry: the program's entry point as
    loaded (AT_ENTRY), 0 when unknown (a PIE program needs it)."""

    def __init__(self, read, threads, kind=TARGET_CORE, core=None, pid=-1, entry=0):
        self.read = read
        self.entry = entry
        self.threads = list(threads)
        self.kind = kind
        self.core = core
        self.pid = pid
        self.reads = 0  # calls into read(), for the curious (benchmarks)

    def callbacks(self):
        """A Callbacks struct and the objects that must stay alive with it."""
        def trampoline(_user, addr, buf, n):
            self.reads += 1
            try:
                data = self.read(addr, n)
            except Exception:  # any failure of the debugger is "unreadable"
                return -1
            if data is None or len(data) != n:
                return -1
            ctypes.memmove(buf, data, n)
            return 0
        fn = READ_FN(trampoline)
        arr = (ThreadRegs * max(1, len(self.threads)))()
        for i, t in enumerate(self.threads):
            arr[i] = ThreadRegs(*t)
        cb = Callbacks(read=fn, user=None, threads=arr, nthreads=len(self.threads), kind=self.kind,
                       core=self.core.encode() if self.core else None, pid=self.pid, entry=self.entry)
        return cb, (fn, arr)


def _enc(s):
    return s.encode() if s is not None else None


class Analysis:
    """One analysis (gs_analysis) of a target: views of its report."""

    def __init__(self, exe: str, target: Target, include_dead=False, max_frames=0, suspect_minutes=0,
                 suspect_count=0):
        self.lib = load()
        self.target = target
        cb, self._keep = target.callbacks()
        opts = Options(include_dead, max_frames, suspect_minutes, suspect_count)
        handle = c_void_p()
        err = Error()
        if self.lib.gs_analyze_callbacks(exe.encode(), ctypes.byref(cb), ctypes.byref(opts), ctypes.byref(handle),
                                         ctypes.byref(err)) != 0:
            raise GostuckError(err.msg.decode("utf-8", "replace") or "analysis failed (no reason given)", err.code)
        self.handle = handle

    def close(self):
        if self.handle:
            self.lib.gs_analysis_close(self.handle)
            self.handle = None

    def __del__(self):
        self.close()

    def render(self, fmt=FORMAT_TEXT, by="stack", all=False, groups_only=False, reason=None, status=None,
               func=None, leak=None, ids=None) -> str | bytes:
        """The report (narrowed by the filters given) as the gostuck
        command prints it; FORMAT_PPROF: the bytes of the goroutine
        profile gostuck --pprof writes."""
        rep = self.lib.gs_analysis_report(self.handle)
        filtered = None
        if any(x is not None for x in (reason, status, func, leak, ids)):
            idarr = (c_uint64 * max(1, len(ids or ())))(*(ids or ()))
            flt = Filter(_enc(reason), _enc(status), _enc(func), _enc(leak), idarr if ids is not None else None,
                         len(ids or ()))
            filtered = self.lib.gs_report_filter(rep, ctypes.byref(flt))
            if not filtered:
                raise GostuckError("out of memory selecting goroutines", E_NOMEM)
            rep = filtered
        try:
            ro = RenderOptions(fmt, GROUP_BY[by], all, groups_only)
            n = c_size_t()
            p = self.lib.gs_render(rep, ctypes.byref(ro), ctypes.byref(n))
            if not p:
                raise GostuckError("out of memory writing the report", E_NOMEM)
            try:
                data = ctypes.string_at(p, n.value)
                return data if fmt == FORMAT_PPROF else data.decode("utf-8", "replace")
            finally:
                self.lib.gs_free(p)
        finally:
            if filtered:
                self.lib.gs_report_filtered_free(filtered)

    def start(self, goid: int):
        """(pc, sp) of goroutine goid's innermost physical frame, or None."""
        pc, sp = c_uint64(), c_uint64()
        if self.lib.gs_goroutine_start(self.handle, goid, ctypes.byref(pc), ctypes.byref(sp)) != 0:
            return None
        return pc.value, sp.value

    def chan(self, addr: int, target: Target = None) -> dict:
        """The channel at addr, read through target (default: the one
        analyzed, which must not have moved since)."""
        cb, keep = (target or self.target).callbacks()
        info = ChanInfo()
        err = Error()
        if self.lib.gs_chan_inspect(self.handle, ctypes.byref(cb), addr, ctypes.byref(info), ctypes.byref(err)) != 0:
            raise GostuckError(err.msg.decode("utf-8", "replace"), err.code)
        del keep
        return {
            "addr": addr,
            "elem_type": info.elem_type.decode("utf-8", "replace") if info.elem_type else None,
            "elemsize": info.elemsize, "cap": info.cap, "len": info.len, "closed": bool(info.closed),
            "buf": info.buf, "recvx": info.recvx, "sendx": info.sendx,
            "senders": [info.senders[i] for i in range(info.nsenders)],
            "receivers": [info.receivers[i] for i in range(info.nreceivers)],
        }
