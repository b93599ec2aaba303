#!/bin/bash
# make-seeds.sh GOVERSION OUT - the fixture the fuzz targets mutate and
# their seed corpora, made from build/fixtures/goGOVERSION (built first
# with fixtures/make-cores.sh when it lacks the chanrecv fixture).
#
# OUT/fixture: exe, core (fixture chanrecv: goroutines parked on channels,
#   so the walk meets g's, sudogs and hchans), exe-plain (the exe with its
#   DWARF decompressed, for fuzz_dwarf), report.json (gostuck --json of it).
# OUT/seeds/TARGET: the starting inputs of each target (regenerated every
#   time; the corpus libFuzzer grows is OUT/corpus/TARGET and is kept).
# Layer: test tooling.  Nothing here is checked in; it is rebuilt from the
# fixtures by `make fuzz`.
set -eu -o pipefail
[ $# -eq 2 ] || { echo "usage: $0 GOVERSION OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
v=$1
out=$2
fix=build/fixtures/go$v
gostuck=build/gostuck
[ -x "$gostuck" ] || { echo "make-seeds: $gostuck is missing (make cli)" >&2; exit 1; }
if [ ! -s "$fix/chanrecv/core" ] || [ ! -s "$fix/chanrecv/dump-stack.txt" ]; then
	echo "make-seeds: making the Go $v fixtures in $fix"
	fixtures/make-cores.sh "$v" "$fix" >/dev/null
fi

mkdir -p "$out/fixture"
cp "$fix/chanrecv/exe" "$out/fixture/exe"
cp --sparse=always "$fix/chanrecv/core" "$out/fixture/core"
objcopy --decompress-debug-sections "$out/fixture/exe" "$out/fixture/exe-plain"
"$gostuck" --json "$out/fixture/exe" "$out/fixture/core" >"$out/fixture/report.json"

rm -rf "$out/seeds"
mkdir -p "$out/seeds"/{dump,json,core,pcln,dwarf,walk}
# JSON seeds: reports of a few cores and of dumps (kind "dump").
for f in chanrecv mutex waitgroup labels forselect timer netio cond rwmutex; do
	[ -s "$fix/$f/core" ] || continue
	"$gostuck" --json "$fix/$f/exe" "$fix/$f/core" >"$out/seeds/json/core-$f.json" || true
	"$gostuck" --json "$fix/$f/dump-debug1.txt" >"$out/seeds/json/debug1-$f.json" || true
	"$gostuck" --json "$fix/$f/traceback.txt" >"$out/seeds/json/traceback-$f.json" || true
done
/usr/bin/python3 fuzz/make-seeds.py "$fix" "$out"
for t in dump json core pcln dwarf walk; do
	echo "make-seeds: $t: $(ls "$out/seeds/$t" | wc -l) seeds"
done
