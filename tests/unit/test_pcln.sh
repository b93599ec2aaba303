#!/bin/sh
# test_pcln.sh VERSION... - check the pcln reader (coreanalyze/src/pcln.c)
# against the Go toolchain and runtime of each release, e.g.
#   tests/unit/test_pcln.sh 1.19 1.22 1.26
# For each release it builds tests/unit/pclntest with /usr/lib/go-VERSION,
# picks pcs (every function entry, three interior pcs of every function and
# every byte of the main package's functions) and compares build/pclndump
# with two independent sources:
#   - `go tool addr2line` of the same toolchain (debug/gosym): the physical
#     function's name and file:line at pc;
#   - the program's own runtime (pclntest -oracle, runtime.CallersFrames):
#     the inline chain at pc, innermost first, names as the runtime prints
#     them: the innermost frame at pc and at every outer level's pc, and
#     from 1.23 on the whole chain CallersFrames expands for pc;
# and checks that the sp delta is 0 at every function entry.
# Every mismatch is printed; the last line is "pcln: N checked, M mismatched";
# the exit status is non-zero when anything mismatched or could not run.
# Each release is checked twice: as built, and stripped (-ldflags=-s).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || { echo "usage: $0 VERSION..." >&2; exit 2; }

work=$(mktemp -d /tmp/test_pcln.XXXXXX)
trap 'rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$work/gocache" GOPATH="$work/gopath"

pclndump=$top/${GOSTUCK_BUILD:-build}/pclndump
mkdir -p "$(dirname "$pclndump")"
${GOSTUCK_TEST_CC:-${CC:-cc}} -std=gnu11 -Wall -Wextra -Werror -I"$top/coreanalyze/include" -iquote "$top/coreanalyze/src" \
	"$top/tests/unit/pclndump.c" "$top/coreanalyze/src/pcln.c" \
	"$top/coreanalyze/src/elffile.c" "$top/coreanalyze/src/util.c" -lelf -o "$pclndump" ||
	{ echo "pcln: cannot build pclndump"; exit 1; }

status=0
total_checked=0
total_bad=0
for v in "$@"; do
for flavor in plain stripped; do
	go=/usr/lib/go-$v/bin/go
	if [ ! -x "$go" ]; then
		echo "FAIL $v: no toolchain at $go"
		status=1
		break
	fi
	# A stripped build (-ldflags=-s: no .symtab, no DWARF) must give the
	# same answers: pcln.c then finds text and gofunc through moduledata.
	ldflags=
	[ $flavor = stripped ] && ldflags=-s
	d=$work/$v-$flavor
	mkdir -p "$d"
	exe=$d/pclntest
	if ! (cd "$top/tests/unit/pclntest" && "$go" build -ldflags="$ldflags" -o "$exe" .) >"$d/build.log" 2>&1; then
		echo "FAIL $v $flavor: go build failed:"; cat "$d/build.log"
		status=1
		continue
	fi
	if ! "$pclndump" --all "$exe" >"$d/all"; then
		echo "FAIL $v $flavor: pclndump --all failed"; head -5 "$d/all"
		status=1
		continue
	fi
	# The pcs: entries, interior pcs at 1/4, 1/2, 3/4, every byte of main.*.
	/usr/bin/python3 - "$d" <<'PY'
import sys
d = sys.argv[1]
pcs, entries = set(), []
with open(d + "/all") as f:
    for line in f.read().split("\n")[1:]:
        if not line:
            continue
        name, e, end = line.split("\t")
        e, n = int(e, 16), int(end, 16) - int(e, 16)
        entries.append(e)
        pcs.add(e)
        if n > 3:
            pcs.update(e + n * k // 4 for k in (1, 2, 3))
        if name.startswith("main."):
            pcs.update(range(e, e + n))
with open(d + "/pcs", "w") as f:
    f.write("".join("%#x\n" % pc for pc in sorted(pcs)))
with open(d + "/entries", "w") as f:
    f.write("".join("%#x\n" % pc for pc in entries))
PY
	"$pclndump" "$exe" - <"$d/pcs" >"$d/dump" 2>"$d/dump.err" ||
		{ echo "FAIL $v $flavor: pclndump failed: $(head -3 "$d/dump.err")"; status=1; continue; }
	"$go" tool addr2line "$exe" <"$d/pcs" >"$d/a2l" 2>"$d/a2l.err" ||
		{ echo "FAIL $v $flavor: go tool addr2line failed: $(head -3 "$d/a2l.err")"; status=1; continue; }
	# The oracle also answers for the pc of every outer inline level.
	{ cat "$d/pcs"; grep -o 'pc=0x[0-9a-f]*$' "$d/dump" | sed 's/^pc=//'; } | sort -u >"$d/opcs"
	"$exe" -oracle <"$d/opcs" >"$d/oracle" 2>"$d/oracle.err" ||
		{ echo "FAIL $v $flavor: pclntest -oracle failed: $(head -3 "$d/oracle.err")"; status=1; continue; }

	# Name lookups, and two doctored copies of the executable: an unknown
	# magic must be refused naming it; without a .gopclntab section the
	# runtime.pclntab symbols must give the same answers.
	if ! "$pclndump" --names "$exe" >"$d/names"; then
		echo "MISMATCH $v $flavor: $(grep -v '^format=' "$d/names" | head -5)"
		total_bad=$((total_bad + 1))
	fi
	if [ $flavor = plain ]; then
		/usr/bin/python3 - "$exe" "$d" <<'PY'
import sys
exe, d = sys.argv[1], sys.argv[2]
data = bytearray(open(exe, "rb").read())
for magic in (b"\xf0\xff\xff\xff", b"\xf1\xff\xff\xff"):
    i = data.find(magic + b"\x00\x00\x01\x08")
    if i >= 0:
        break
bad = bytearray(data)
bad[i:i + 4] = b"\xfa\xff\xff\xff"
open(d + "/badmagic", "wb").write(bad)
j = data.find(b".gopclntab\x00")
data[j:j + 10] = b".gopclnxxx"
open(d + "/nosection", "wb").write(data)
PY
		if "$pclndump" "$d/badmagic" >/dev/null 2>"$d/badmagic.err" ||
			! grep -q '0xfffffffa is not supported' "$d/badmagic.err"; then
			echo "MISMATCH $v: bad magic not refused: $(cat "$d/badmagic.err")"
			total_bad=$((total_bad + 1))
		fi
		"$pclndump" "$d/nosection" - <"$d/pcs" >"$d/nosection.dump" 2>&1
		if ! cmp -s "$d/dump" "$d/nosection.dump"; then
			echo "MISMATCH $v: without .gopclntab: $(diff "$d/dump" "$d/nosection.dump" | head -5)"
			total_bad=$((total_bad + 1))
		fi
	fi
	idsrc=/usr/lib/go-$v/src/internal/abi/symtab.go
	grep -q 'FuncID = iota' "$idsrc" 2>/dev/null || idsrc=/usr/lib/go-$v/src/runtime/symtab.go
	res=$(/usr/bin/python3 - "$v" "$d" "$idsrc" <<'EOF'
import re
import sys

version, d, idsrc = sys.argv[1], sys.argv[2], sys.argv[3]
major, minor = (int(x) for x in version.split(".")[:2])
# From Go 1.23 on CallersFrames expands every inline level of a single pc;
# before, only the innermost frame.
full_chain = (major, minor) >= (1, 23)

def read(path):
    with open(path) as f:
        return f.read().split("\n")

def funcids(path):
    """name -> value of the FuncID constants (an iota block) in the
    release's own source: the numbering changes between releases."""
    ids, n, inside = {}, 0, False
    for l in read(path):
        if re.search(r"\b[Ff]uncID = iota", l):
            inside, n = True, 0
        if inside:
            if l.startswith(")"):
                break
            m = re.match(r"\t([A-Za-z_][A-Za-z0-9_]*)", l)
            if m:
                ids[m.group(1).lower().replace("funcid_", "").replace("funcid", "")] = n
                n += 1
    return ids

ids = funcids(idsrc)
for k in ("wrapper", "gopanic", "sigpanic", "panicwrap"):
    if k not in ids:
        print("FAIL %s: no FuncID %s in %s" % (version, k, idsrc))
        print("RESULT 0 1")
        sys.exit(0)

def elide_wrapper_calling(callee):
    # runtime.elideWrapperCalling
    return callee not in (ids["gopanic"], ids["sigpanic"], ids["panicwrap"])

pcs = [l for l in read(d + "/pcs") if l]
entries = [int(l, 16) for l in read(d + "/entries") if l]
entryset = set(entries)
first_name = read(d + "/all")[1].split("\t")[0]

def chains(lines):
    """pc -> (header fields, [frame lines]) from pclndump/oracle output."""
    out, cur = {}, None
    for l in lines:
        if l.startswith("pc="):
            fields = dict(kv.split("=", 1) for kv in l.split("\t") if "=" in kv)
            cur = int(fields["pc"], 16)
            out[cur] = (fields, [])
        elif l.startswith("\t") and cur is not None:
            out[cur][1].append(l[1:])
    return out

dump = chains(read(d + "/dump"))
oracle = chains(read(d + "/oracle"))
a2l = read(d + "/a2l")

def for_print(name):
    # runtime.funcNameForPrint: the shape part of a generic name is "[...]".
    i = name.find("[")
    j = name.rfind("]")
    if i < 0 or j <= i:
        return name
    return name[:i] + "[...]" + name[j + 1:]

def ours(line):
    """(name as printed, file:line, funcid, pc of the level)"""
    f = line.split("\t")
    if len(f) != 4 or not f[2].startswith("funcid=") or not f[3].startswith("pc="):
        return line, "", -1, -1  # "? inline tree unreadable ...": never matches
    return for_print(f[0]), f[1], int(f[2].split("=")[1]), int(f[3].split("=")[1], 16)

def theirs(line):
    f = line.split("\t")
    return (f[0], f[1]) if len(f) == 2 else (line, "")

def as_frames_next(levels):
    """The levels runtime.(*Frames).Next shows for one pc: the innermost,
    then each outer level unless it is a wrapper whose callee is not a
    panic function."""
    if not levels:
        return []
    out, cur = [levels[0]], levels[0]
    for lv in levels[1:]:
        if lv[2] == ids["wrapper"] and elide_wrapper_calling(cur[2]):
            continue
        out.append(lv)
        cur = lv
    return out

def unknown(pos):
    # debug/gosym answers ":-1" where the runtime has no file:line, and a
    # negative garbage line for functions without tables (it decodes
    # offset 0 of pctab, which the runtime treats as "no table").
    return pos in ("?:0", ":0") or re.fullmatch(r":-[0-9]+", pos) is not None

checked = bad = 0
def mismatch(pc, what):
    global bad
    bad += 1
    if bad <= 50:
        print("MISMATCH %s pc=%#x: %s" % (version, pc, what))

for i, s in enumerate(pcs):
    pc = int(s, 16)
    checked += 1
    fields, chain = dump.get(pc, ({}, []))
    if not fields or "func" not in fields:
        mismatch(pc, "pclndump found no function")
        continue
    # addr2line (debug/gosym): the physical function, file:line at pc.
    fn, pos = a2l[2 * i], a2l[2 * i + 1]
    ours_fn = fields["func"]
    ours_pos = "%s:%s" % (fields.get("file", "?"), fields.get("line", "?"))
    if ours_pos == "?:?":
        ours_pos = "?:0"
    if fn != ours_fn or (pos != ours_pos and not (unknown(pos) and unknown(ours_pos))):
        mismatch(pc, "addr2line says %s %s, pclndump %s %s" % (fn, pos, ours_fn, ours_pos))
        continue
    # Marker symbols (go:textfipsstart, ...) have no tables at all.
    notables = fields.get("spdelta") == "?" and unknown(ours_pos)
    if pc in entryset and fields.get("spdelta") != "0" and not notables:
        mismatch(pc, "spdelta at entry of %s is %s, want 0" % (ours_fn, fields.get("spdelta")))
    # The oracle hands CallersFrames pc+1 as a return address; at the last
    # byte of a function that is the next function's entry (or the end of
    # text), so the runtime would look at the wrong function: skip.
    if pc + 1 >= int(fields["end"], 16):
        continue
    levels = [ours(l) for l in chain]
    # Each level, as the innermost frame the runtime finds at that level's
    # pc (the runtime's inline unwinder re-resolves the inline index at
    # each parentPc, so the innermost frame there is the next level).
    for lv in levels:
        theirs_first = [theirs(l) for l in oracle.get(lv[3], ({}, []))[1]][:1]
        theirs_first = [(first_name if n == "" else n, p) for n, p in theirs_first]
        if theirs_first != [lv[:2]]:
            mismatch(pc, "level at %#x: runtime says %s, pclndump %s" % (lv[3], theirs_first, lv[:2]))
            break
    # The runtime's own view of the whole inline chain.
    want = [theirs(l) for l in oracle.get(pc, ({}, []))[1]]
    got = as_frames_next(levels)
    if not full_chain:
        got = got[:1]
    got = [lv[:2] for lv in got]
    # runtime.funcname gives "" for the function whose name is at offset
    # 0 of funcnametab (the first one); pclndump gives its real name.
    want = [(first_name if n == "" else n, p) for n, p in want]
    if got != want:
        mismatch(pc, "runtime frames %s, pclndump %s" % (want, got))

if checked < 1000:
    print("FAIL %s: only %d pcs checked" % (version, checked))
    bad += 1
print("RESULT %d %d" % (checked, bad))
EOF
)
	echo "$res" | grep -v '^RESULT'
	c=$(echo "$res" | awk '/^RESULT/ {print $2}')
	b=$(echo "$res" | awk '/^RESULT/ {print $3}')
	c=${c:-0}
	b=${b:-1}
	echo "$v $flavor: $c pcs checked, $b mismatched ($(grep -c . "$d/entries") functions; $(head -1 "$d/all"))"
	[ "$b" -eq 0 ] || status=1
	total_checked=$((total_checked + c))
	total_bad=$((total_bad + b))
done
done
echo "pcln: $total_checked checked, $total_bad mismatched"
[ "$total_bad" -eq 0 ] || status=1
exit $status
