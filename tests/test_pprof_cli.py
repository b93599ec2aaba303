"""test_pprof_cli.py - how `gostuck --pprof FILE` treats its file, and
that the library's gs_render(GS_FORMAT_PPROF) gives the same bytes.

Responsibility: the command-line contract of --pprof that
tests/test_pprof.py (the profile's content, read by go tool pprof) does
not cover: an unwritable path is a usage error (exit 2) found before any
analysis; a failed analysis leaves an existing file as it was and removes
a file it created; --pprof and --growth do not combine; the bytes the
command writes are the bytes gs_render returns for the same core through
the gdb extension's ctypes binding.  Layer: test tooling.  Runs on the
first fixture core under build/fixtures/; none built is a skip that says
so.
"""

import ctypes
import glob
import os
import re
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOSTUCK = os.path.join(TOP, os.environ.get("GOSTUCK_BUILD", "build"), "gostuck")
sys.path.insert(0, os.path.join(TOP, "gdbext"))
from gostuck_gdb import libgostuck as L  # noqa: E402


def fixture():
    # the newest release's own fixtures (goV, not the goV-pie or goV-cgo builds)
    cores = sorted((c for c in glob.glob(os.path.join(TOP, "build", "fixtures", "go1.*", "chanrecv", "core"))
                    if re.fullmatch(r"go1\.\d+", os.path.basename(os.path.dirname(os.path.dirname(c))))),
                   key=lambda c: int(os.path.basename(os.path.dirname(os.path.dirname(c))).split(".")[1]))
    if not cores:
        pytest.skip("no fixture core under build/fixtures/go1.*/chanrecv (run make fixtures)")
    d = os.path.dirname(cores[-1])
    return os.path.join(d, "exe"), os.path.join(d, "core")


def gostuck(*args):
    return subprocess.run([GOSTUCK] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def test_unwritable_path_is_a_usage_error(tmp_path):
    exe, core = fixture()
    path = tmp_path / "no-such-dir" / "g.pb.gz"
    p = gostuck("--pprof", str(path), exe, core)
    assert p.returncode == 2
    assert p.stdout == b""
    err = p.stderr.decode()
    assert err.startswith("gostuck: ") and str(path) in err and err.count("\n") == 1
    assert not path.exists()


def test_failed_analysis_keeps_existing_file_and_removes_new_one(tmp_path):
    exe, _ = fixture()
    old = tmp_path / "old.pb.gz"
    old.write_bytes(b"previous profile")
    p = gostuck("--pprof", str(old), exe, exe)  # the executable is no core: exit 3
    assert p.returncode == 3, p.stderr
    assert old.read_bytes() == b"previous profile"
    new = tmp_path / "new.pb.gz"
    p = gostuck("--pprof", str(new), exe, exe)
    assert p.returncode == 3
    assert not new.exists()


def test_existing_file_is_replaced_and_report_still_printed(tmp_path):
    exe, core = fixture()
    path = tmp_path / "g.pb.gz"
    path.write_bytes(b"x" * 100000)  # longer than the profile: must be truncated
    p = gostuck("--pprof", str(path), exe, core)
    assert p.returncode == 0, p.stderr
    assert p.stdout == gostuck(exe, core).stdout
    data = path.read_bytes()
    assert data[:2] == b"\x1f\x8b" and b"x" * 16 not in data


def test_growth_does_not_combine(tmp_path):
    p = gostuck("--pprof", str(tmp_path / "g"), "--growth=1", "-p", "1")
    assert p.returncode == 2
    assert b"--growth" in p.stderr


def test_render_gives_the_cli_bytes(tmp_path):
    exe, core = fixture()
    lib = L.load()
    lib.gs_analyze_core.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(L.Options),
                                    ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(L.Error)]
    lib.gs_analyze_core.restype = ctypes.c_int
    for all_ in (False, True):
        path = tmp_path / ("all.pb.gz" if all_ else "g.pb.gz")
        p = gostuck("--pprof", str(path), *(["--all"] if all_ else []), exe, core)
        assert p.returncode == 0, p.stderr
        handle, err = ctypes.c_void_p(), L.Error()
        opts = L.Options(all_, 0, 0, 0)  # --all also reports dead goroutines
        assert lib.gs_analyze_core(exe.encode(), core.encode(), ctypes.byref(opts), ctypes.byref(handle),
                                   ctypes.byref(err)) == 0, err.msg
        try:
            ro = L.RenderOptions(L.FORMAT_PPROF, 0, all_, False)
            n = ctypes.c_size_t()
            buf = lib.gs_render(lib.gs_analysis_report(handle), ctypes.byref(ro), ctypes.byref(n))
            assert buf
            got = ctypes.string_at(buf, n.value)
            lib.gs_free(buf)
        finally:
            lib.gs_analysis_close(handle)
        assert got == path.read_bytes()
