"""test_gdbext_cmdline.py - the gdb extension's plain-Python parts, without gdb.

Responsibility: argument parsing (gdbext/gostuck_gdb/cmdline.py) agrees
with the gostuck command's options and errors; frame slots and channel
ring arithmetic; libgostuck.py says how to build the library when it is
missing.  Layer: test tooling.  Everything gdb-bound is in test_gdbext.py.
"""

import os
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "gdbext"))
from gostuck_gdb import cmdline as C  # noqa: E402
from gostuck_gdb import libgostuck as L  # noqa: E402


def test_report_args_like_the_cli():
    a = C.parse_report_args(["--json", "--group-by", "site", "--reason=chan send", "--leaked", "--id=3,4",
                             "--all", "--max-frames=50", "--status", "waiting", "--func", "main."])
    assert (a.json, a.by, a.reason, a.leak, a.ids, a.all, a.max_frames, a.status, a.func) == (
        True, "site", "chan send", "any", [3, 4], True, 50, "waiting", "main.")
    assert C.parse_report_args(["--leaked=definite"]).leak == "definite"
    assert C.parse_report_args([]).by is None
    assert C.parse_report_args(["--all"]).analysis_key() != C.parse_report_args([]).analysis_key()


@pytest.mark.parametrize("argv,msg", [
    (["--bogus"], "unknown option '--bogus'"),
    (["--group-by=nope"], "unknown --group-by 'nope'"),
    (["--group-by"], "option '--group-by' needs an argument"),
    (["--json=1"], "option '--json' takes no argument"),
    (["--leaked=maybe"], "--leaked takes definite, suspect or any"),
    (["--id=1,x"], "--id wants goroutine ids"),
    (["--max-frames=0"], "--max-frames wants a number"),
    (["stray"], "unexpected argument 'stray'"),
])
def test_report_args_errors(argv, msg):
    with pytest.raises(C.UsageError) as e:
        C.parse_report_args(argv)
    assert msg in str(e.value)


def test_cli_rejects_the_same(tmp_path):
    """The gostuck command gives the same messages for the same mistakes."""
    gostuck = os.path.join(TOP, os.environ.get("GOSTUCK_BUILD", "build"), "gostuck")
    for argv, msg in ((["--group-by=nope"], "unknown --group-by 'nope'"),
                      (["--leaked=maybe"], "--leaked takes definite, suspect or any")):
        p = subprocess.run([gostuck] + argv + ["a", "b"], capture_output=True)
        assert p.returncode == 2 and msg in p.stderr.decode(), p


def test_goroutine_subcommands():
    assert C.parse_goroutine_cmd("18") == (18, "select", None)
    assert C.parse_goroutine_cmd("18 bt") == (18, "bt", "")
    assert C.parse_goroutine_cmd("18 bt full") == (18, "bt", "full")
    assert C.parse_goroutine_cmd("18 frame 3") == (18, "frame", 3)
    assert C.parse_goroutine_cmd("18 info locals") == (18, "gdb", "info locals")
    assert C.parse_goroutine_cmd("18 bt 5") == (18, "gdb", "bt 5")
    for bad in ("", "x bt", "18 frame x"):
        with pytest.raises(C.UsageError):
            C.parse_goroutine_cmd(bad)


def test_frame_slot_counts_inlined_frames_at_one_pc():
    frames = [{"pc": "0x10"}, {"pc": "0x20"}, {"pc": "0x20"}, {"pc": "0x30"}]
    assert C.frame_slot(frames, 0) == (0x10, 0)
    assert C.frame_slot(frames, 1) == (0x20, 0)
    assert C.frame_slot(frames, 2) == (0x20, 1)
    assert C.frame_slot(frames, 3) == (0x30, 0)
    with pytest.raises(C.UsageError) as e:
        C.frame_slot(frames, 4)
    assert "frames 0 to 3" in str(e.value)


def test_ring_slots_oldest_first():
    info = {"cap": 4, "len": 3, "buf": 0x1000, "recvx": 3, "elemsize": 8}
    assert C.ring_slots(info) == [0x1018, 0x1000, 0x1008]
    assert C.ring_slots(dict(info, len=0)) == []
    assert C.ring_slots(dict(info, cap=0)) == []


def test_chan_lines():
    info = {"addr": 0xc000, "elem_type": "int", "len": 1, "cap": 2, "closed": True, "senders": [],
            "receivers": [7, 5]}
    assert C.chan_lines(info, "ch") == ["chan int 0xc000 (ch): len 1, cap 2, closed", "senders: none",
                                        "receivers: goroutines 7, 5"]


def test_missing_library_says_how_to_build(monkeypatch):
    monkeypatch.setattr(L, "_lib", None)
    monkeypatch.setattr(L, "candidates", lambda here: ["/nonexistent/libgostuck.so"])
    with pytest.raises(L.GostuckError) as e:
        L.load()
    assert "make lib" in str(e.value) and "GOSTUCK_LIB" in str(e.value)
