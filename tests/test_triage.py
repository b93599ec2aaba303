"""test_triage.py - gostuck in scripts: --batch over a directory of cores,
--fail-on's exit statuses, dumps read from standard input.  pytest; runs on
the fixtures `make check` built (build/fixtures/go1.NN, the newest there).
The expected verdicts come from the fixtures' own declarations (expect,
leak=yes) and gostuck's single-core reports, never from text written here."""

import glob
import json
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOSTUCK = os.path.join(ROOT, os.environ.get("GOSTUCK_BUILD", "build"), "gostuck")


def fixture_root():
    dirs = sorted(glob.glob(os.path.join(ROOT, "build", "fixtures", "go1.*")),
                  key=lambda d: int(d.rsplit(".", 1)[1]) if d.rsplit(".", 1)[1].isdigit() else -1)
    dirs = [d for d in dirs if glob.glob(os.path.join(d, "*", "core"))]
    if not dirs:
        pytest.fail("no fixture cores under build/fixtures: run make check (which builds them) first")
    return dirs[-1]


def run(args, **kw):
    return subprocess.run([GOSTUCK] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, **kw)


def declares_leak(fixture):
    with open(os.path.join(fixture, "expect")) as f:
        return any("leak=yes" in line for line in f)


def definite_count(fixture):
    p = run(["--json", os.path.join(fixture, "exe"), os.path.join(fixture, "core")])
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)["summary"]["leaks"]["definite"]


@pytest.fixture(scope="module")
def fixtures():
    top = fixture_root()
    out = {}
    for d in sorted(glob.glob(os.path.join(top, "*"))):
        if os.path.isfile(os.path.join(d, "core")):
            out[os.path.basename(d)] = d
    return out


def test_fail_on_definite_follows_the_verdicts(fixtures):
    seen = set()
    for name, d in fixtures.items():
        n = definite_count(d)
        p = run(["--fail-on=definite", os.path.join(d, "exe"), os.path.join(d, "core")])
        assert p.returncode == (1 if n else 0), (name, n, p.returncode, p.stderr)
        assert p.stdout, name  # the report is still written
        seen.add(bool(n))
    assert seen == {True, False}, "the fixtures should include cores with and without definite leaks"


def test_batch_writes_one_line_per_core_and_pairs_executables(fixtures, tmp_path):
    names = sorted(fixtures)[:4]
    for name in names:
        dst = tmp_path / name
        dst.mkdir()
        # the kernel's name for a core, beside the executable under its own name
        shutil.copy(os.path.join(fixtures[name], "core"), dst / "core.1234")
        shutil.copy(os.path.join(fixtures[name], "exe"), dst / "exe")
    lonely = tmp_path / "lonely"  # a core with no executable beside it
    lonely.mkdir()
    shutil.copy(os.path.join(fixtures[names[0]], "core"), lonely / "core")
    p = run(["--batch=%s" % tmp_path, "--no-progress"])
    lines = p.stdout.decode().splitlines()
    assert len(lines) == len(names) + 1, lines
    reports = [json.loads(line) for line in lines]
    errors = [r for r in reports if "error" in r]
    assert len(errors) == 1 and errors[0]["target"]["core"].endswith("lonely/core"), errors
    assert "give --exe=PATH" in errors[0]["error"]
    assert p.returncode == 3, p.stderr  # one core could not be analyzed
    assert p.stderr.decode().count("\n") == 1 and "1 of %d cores" % (len(names) + 1) in p.stderr.decode()
    for r in reports:
        if "error" in r:
            continue
        name = os.path.basename(os.path.dirname(r["target"]["core"]))
        single = run(["--json", os.path.join(fixtures[name], "exe"), os.path.join(fixtures[name], "core")])
        want = json.loads(single.stdout)
        assert r["goroutines"] == want["goroutines"], name
        assert r["summary"] == want["summary"], name


def test_batch_exe_and_fail_on(fixtures, tmp_path):
    leaky = [n for n, d in fixtures.items() if definite_count(d) > 0]
    assert leaky, "no fixture with a definite leak"
    d = fixtures[leaky[0]]
    shutil.copy(os.path.join(d, "core"), tmp_path / "core")
    p = run(["--batch=%s" % tmp_path, "--exe=%s" % os.path.join(d, "exe"), "--fail-on=definite"])
    assert p.returncode == 1, p.stderr
    assert len(p.stdout.decode().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    p = run(["--batch=%s" % empty])
    assert p.returncode == 3 and b"no core file under" in p.stderr


def test_dump_from_standard_input(fixtures):
    d = next(iter(fixtures.values()))
    with open(os.path.join(d, "traceback.txt"), "rb") as f:
        p = run(["--json", "-"], stdin=f)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["target"]["kind"] == "dump" and r["target"]["core"] == "-"
    file_report = json.loads(run(["--json", os.path.join(d, "traceback.txt")]).stdout)
    assert r["goroutines"] == file_report["goroutines"]


def test_saved_report_reads_back_the_same(fixtures):
    for name, d in list(fixtures.items())[:6]:
        saved = run(["--json", "--all", os.path.join(d, "exe"), os.path.join(d, "core")]).stdout
        path = os.path.join("/tmp", "gostuck-triage-%d-%s.json" % (os.getpid(), name))
        with open(path, "wb") as f:
            f.write(saved)
        try:
            again = json.loads(run(["--json", "--all", path]).stdout)
        finally:
            os.unlink(path)
        first = json.loads(saved)
        assert again["goroutines"] == first["goroutines"], name
        assert again["groups"] == first["groups"], name
        assert again["target"]["kind"] == "dump"


def test_batch_progress_only_on_a_terminal(fixtures, tmp_path):
    if not shutil.which("script"):
        pytest.fail("script(1) (util-linux) is needed to give gostuck a terminal")
    for name in sorted(fixtures)[:2]:
        (tmp_path / name).mkdir()
        shutil.copy(os.path.join(fixtures[name], "core"), tmp_path / name / "core")
        shutil.copy(os.path.join(fixtures[name], "exe"), tmp_path / name / "exe")
    out = tmp_path / "out.jsonl"
    typescript = tmp_path / "typescript"

    def on_terminal(extra):
        cmd = "%s --batch=%s %s > %s" % (GOSTUCK, tmp_path, extra, out)
        subprocess.run(["script", "-qec", cmd, str(typescript)], stdout=subprocess.DEVNULL, timeout=300, check=True)
        return typescript.read_bytes()

    shown = on_terminal("")
    assert b"\rgostuck: core 1 of 2: " in shown and b"\rgostuck: core 2 of 2: " in shown, shown
    assert b"\r\x1b[K" in shown  # the line is cleared at the end
    assert b"core 1 of 2" not in on_terminal("--no-progress")
    p = run(["--batch=%s" % tmp_path])  # stderr a pipe: no progress line
    assert p.returncode == 0 and p.stderr == b"", p.stderr
