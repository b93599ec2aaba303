#!/bin/bash
# run-all.sh - the `make check` driver.
#
# Responsibility: for every Go version given, build that version's fixtures
# (fixtures/make-cores.sh V build/fixtures/goV) and run the oracle
# (tests/oracle.py: gostuck's JSON against the runtime's own traceback) and
# the schema, wait-object, leak, dump-input and pprof-export tests
# (tests/test_schema.py, test_waitobjects.py, test_leaks.py, test_dumps.py,
# test_pprof.py: the profile read back by that version's go tool pprof) on
# them, and the oracle again through
# the gdb extension (gdb-oracle on the cores, gdb-live on running fixtures,
# via tests/gdb/gostuck-in-gdb); the same fixtures built position-independent
# and with cgo (the oldest and newest version); once, run the pytest
# suites (tests/test_*.py), every tests/unit/test_*.sh and tests/test_*.sh
# (given the versions as arguments: test_x.sh 1.19 1.22), and the oracle and schema
# test on the frozen fixtures (fixtures/frozen/unpack.sh OUTDIR, when it
# exists); then print one table, rows Go versions, columns suites.  Layer:
# test tooling.  It must not hide a failure: a missing build/gostuck, a
# missing script, a suite printing no counts are failures, never skips,
# and the exit status is non-zero when any cell failed.
#
# usage: tests/run-all.sh "1.19 1.22 1.26"     (no argument: every
#        /usr/lib/go-1.NN installed).  Full output of each suite is also kept
#        in build/test-logs/.
# Env:   VARIANT_VERSIONS=newest: the PIE and cgo builds (below) with the
#        newest release only, not the oldest and the newest.
#        GOSTUCK_BUILD=DIR tests DIR/gostuck (default build; `make
#        check-asan` uses build-asan), exported to every suite, which logs
#        to DIR/test-logs; the fixtures stay in build/fixtures.

set -u
cd "$(dirname "$0")/.." || exit 2

PY=/usr/bin/python3
export GOSTUCK_BUILD=${GOSTUCK_BUILD:-build}
export GOSTUCK=$GOSTUCK_BUILD/gostuck
LOGS=$GOSTUCK_BUILD/test-logs
VERSIONS=${1-}
if [ -z "$VERSIONS" ]; then
	VERSIONS=$(ls -d /usr/lib/go-1.* 2>/dev/null | sed 's|.*/go-||' | sort -t. -k2n | tr '\n' ' ')
fi
if [ -z "${VERSIONS// /}" ]; then
	echo "run-all: no Go version given and none installed under /usr/lib/go-1.*" >&2
	exit 2
fi
mkdir -p "$LOGS" build/fixtures

declare -A CELL        # "row|suite" -> text
declare -a ROWS=()     # in order of appearance
declare -a SUITES=()
FAILED=0

add_row() {
	local r
	for r in "${ROWS[@]}"; do [ "$r" = "$1" ] && return; done
	ROWS+=("$1")
}
add_suite() {
	local s
	for s in "${SUITES[@]}"; do [ "$s" = "$1" ] && return; done
	SUITES+=("$1")
}
# record ROW SUITE ok|FAIL DETAIL
record() {
	add_row "$1"
	add_suite "$2"
	CELL["$1|$2"]="$3${4:+ $4}"
	[ "$3" = ok ] || FAILED=1
	echo "run-all: [$1] $2: $3${4:+ $4}"
}

banner() { printf '\n==== %s ====\n' "$*"; }

# run_logged LOG CMD... : run, show and keep the output; returns the status.
run_logged() {
	local log=$1 rc
	shift
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	return "$rc"
}

have_gostuck() { [ -x "$GOSTUCK" ] && [ -f "$GOSTUCK" ]; }

# oracle_and_schema ROW DIR : the two gostuck suites over one fixture tree.
oracle_and_schema() {
	local row=$1 dir=$2 log rc line
	if ! have_gostuck; then
		record "$row" oracle FAIL "(no $GOSTUCK)"
		record "$row" schema FAIL "(no $GOSTUCK)"
		return
	fi
	log="$LOGS/oracle-$row.log"
	banner "oracle $row: $dir"
	run_logged "$log" $PY tests/oracle.py --gostuck "$GOSTUCK" "$dir"
	rc=$?
	line=$(tail -n 1 "$log")
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		if [ "$rc" -eq 0 ]; then
			record "$row" oracle ok "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
		else
			record "$row" oracle FAIL "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
		fi
	else
		record "$row" oracle FAIL "(rc=$rc, no count)"
	fi
	log="$LOGS/schema-$row.log"
	banner "schema $row: $dir"
	run_logged "$log" $PY tests/test_schema.py --gostuck "$GOSTUCK" "$dir"
	rc=$?
	line=$(tail -n 1 "$log")
	if [[ $line =~ ^schema:\ ([0-9]+)\ reports\ valid,\ ([0-9]+)\ invalid$ ]]; then
		if [ "$rc" -eq 0 ]; then
			record "$row" schema ok "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
		else
			record "$row" schema FAIL "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
		fi
	else
		record "$row" schema FAIL "(rc=$rc, no count)"
	fi
}

# counted_suite ROW SUITE PREFIX SCRIPT DIR : a gostuck suite that ends with
# "PREFIX: N passed, M failed".
counted_suite() {
	local row=$1 suite=$2 prefix=$3 script=$4 dir=$5 log rc line
	if ! have_gostuck; then
		record "$row" "$suite" FAIL "(no $GOSTUCK)"
		return
	fi
	log="$LOGS/$suite-$row.log"
	banner "$suite $row: $dir"
	run_logged "$log" $PY "$script" --gostuck "$GOSTUCK" "$dir"
	rc=$?
	line=$(tail -n 1 "$log")
	if [[ $line =~ ^$prefix:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		if [ "$rc" -eq 0 ]; then
			record "$row" "$suite" ok "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
		else
			record "$row" "$suite" FAIL "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
		fi
	else
		record "$row" "$suite" FAIL "(rc=$rc, no count)"
	fi
}

# gdb_oracle ROW DIR : the oracle through the gdb extension, via
# tests/gdb/gostuck-in-gdb (the gostuck command's interface answered by gdb).
gdb_oracle() {
	local row=$1 dir=$2 log rc line
	log="$LOGS/gdb-oracle-$row.log"
	banner "gdb-oracle $row: $dir"
	run_logged "$log" $PY tests/oracle.py --gostuck tests/gdb/gostuck-in-gdb "$dir"
	rc=$?
	line=$(tail -n 1 "$log")
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] && [ "$rc" -eq 0 ]; then
		record "$row" gdb-oracle ok "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
	else
		record "$row" gdb-oracle FAIL "(rc=$rc) $line"
	fi
}

# gdb_suites ROW V DIR : the gdb extension: the oracle on the fixture
# cores, and test_live.sh's oracle on the running fixtures.
gdb_suites() {
	local row=$1 v=$2 dir=$3 log rc line
	gdb_oracle "$row" "$dir"
	log="$LOGS/gdb-live-$row.log"
	banner "gdb-live $row"
	run_logged "$log" env GOSTUCK=tests/gdb/gostuck-in-gdb LIVE_ORACLE_ONLY=1 LIVE_OUT=build/live-gdb \
		tests/test_live.sh "$v"
	rc=$?
	line=$(tail -n 1 "$log")
	if [[ $line =~ ^live:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] && [ "$rc" -eq 0 ]; then
		record "$row" gdb-live ok "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
	else
		record "$row" gdb-live FAIL "(rc=$rc) $line"
	fi
}

# make_fixtures ROW V OUT VARIANT : fixtures/make-cores.sh; 0 when it made them.
make_fixtures() {
	local row=$1 v=$2 out=$3 variant=$4 rc n=0
	banner "fixtures $row"
	if [ ! -x fixtures/make-cores.sh ]; then
		record "$row" fixtures FAIL "(no make-cores.sh)"
		return 1
	fi
	run_logged "$LOGS/fixtures-$row.log" env VARIANT="$variant" fixtures/make-cores.sh "$v" "$out"
	rc=$?
	[ -d "$out" ] && n=$(find "$out" -name traceback.txt | wc -l)
	if [ "$rc" -eq 0 ] && [ "$n" -gt 0 ]; then
		record "$row" fixtures ok "$n"
		return 0
	fi
	record "$row" fixtures FAIL "(rc=$rc, $n fixtures)"
	return 1
}

have_gostuck || echo "run-all: $GOSTUCK is missing or not executable: every gostuck suite fails" >&2

# ---- per Go version
for v in $VERSIONS; do
	row="go$v"
	out="build/fixtures/go$v"
	make_fixtures "$row" "$v" "$out" exe
	if [ -d "$out" ]; then
		oracle_and_schema "$row" "$out"
		counted_suite "$row" waitobjects waitobjects tests/test_waitobjects.py "$out"
		counted_suite "$row" leaks leaks tests/test_leaks.py "$out"
		counted_suite "$row" dumps dumps tests/test_dumps.py "$out"
		counted_suite "$row" pprof pprof tests/test_pprof.py "$out"
		gdb_suites "$row" "$v" "$out"
	else
		record "$row" oracle FAIL "(no fixtures)"
		record "$row" schema FAIL "(no fixtures)"
	fi
done

# ---- other builds of the same fixtures (fixtures/make-cores.sh VARIANT=):
# position-independent executables, loaded where the kernel chose, and cgo
# builds (dynamically linked, runtime/cgo started, callbacks from C
# threads: fixtures/cmd/cgocallback), with the oldest and the newest
# release given (VARIANT_VERSIONS=newest: the newest only).  The CLI's
# suites on each, and the gdb extension's oracle on the newest PIE (gdb
# places it itself).
read -ra VS <<<"$VERSIONS"
vv=("${VS[0]}")
[ "${#VS[@]}" -gt 1 ] && [ "${VARIANT_VERSIONS:-}" != newest ] && vv+=("${VS[-1]}")
[ "${VARIANT_VERSIONS:-}" = newest ] && vv=("${VS[-1]}")
variant_runs=()
for v in "${vv[@]}"; do variant_runs+=("pie $v" "cgo $v"); done
for spec in "${variant_runs[@]}"; do
	variant=${spec%% *}
	v=${spec##* }
	row="go$v-$variant"
	out="build/fixtures/$row"
	make_fixtures "$row" "$v" "$out" "$variant" || continue
	oracle_and_schema "$row" "$out"
	counted_suite "$row" waitobjects waitobjects tests/test_waitobjects.py "$out"
	counted_suite "$row" leaks leaks tests/test_leaks.py "$out"
	if [ "$variant" = pie ] && [ "$v" = "${VS[-1]}" ]; then
		gdb_oracle "$row" "$out"
	fi
done

# ---- once
banner "pytest tests/test_*.py"
tests=(tests/test_*.py)
if [ -e "${tests[0]}" ]; then
	run_logged "$LOGS/pytest.log" $PY -m pytest -q -p no:cacheprovider "${tests[@]}"
	rc=$?
	p=$(tail -n 1 "$LOGS/pytest.log" | grep -o '[0-9]* passed' | grep -o '[0-9]*')
	f=$(tail -n 1 "$LOGS/pytest.log" | grep -o '[0-9]* \(failed\|error\|errors\)' | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -eq 0 ] && [ -n "$p" ]; then
		record all pytest ok "${p}/${f}"
	else
		record all pytest FAIL "${p:-0}/${f:-?} (rc=$rc)"
	fi
else
	record all pytest FAIL "(no tests/test_*.py)"
fi

for t in tests/unit/test_*.sh tests/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	banner "$t $VERSIONS"
	if [ ! -x "$t" ]; then
		record all "$name" FAIL "(not executable)"
		continue
	fi
	# shellcheck disable=SC2086 # one argument per version: VERSION...
	run_logged "$LOGS/$name.log" "$t" $VERSIONS
	rc=$?
	if [ "$rc" -eq 0 ]; then record all "$name" ok; else record all "$name" FAIL "(rc=$rc)"; fi
done

if [ -e fixtures/frozen/unpack.sh ]; then
	banner "frozen fixtures"
	frozen=build/fixtures/frozen
	if run_logged "$LOGS/frozen-unpack.log" bash fixtures/frozen/unpack.sh "$frozen"; then
		oracle_and_schema frozen "$frozen"
		counted_suite frozen waitobjects waitobjects tests/test_waitobjects.py "$frozen"
		counted_suite frozen leaks leaks tests/test_leaks.py "$frozen"
	else
		record frozen oracle FAIL "(unpack.sh failed)"
		record frozen schema FAIL "(unpack.sh failed)"
	fi
fi

# ---- the table
{
	declare -A W
	for s in "${SUITES[@]}"; do
		W[$s]=${#s}
		for r in "${ROWS[@]}"; do
			c=${CELL["$r|$s"]-"-"}
			[ ${#c} -gt "${W[$s]}" ] && W[$s]=${#c}
		done
	done
	rw=8 # the row names' column: as wide as the longest (go1.19-pie)
	for r in "${ROWS[@]}"; do [ ${#r} -gt "$rw" ] && rw=${#r}; done
	printf '\n%-*s' "$rw" ""
	for s in "${SUITES[@]}"; do printf ' | %-*s' "${W[$s]}" "$s"; done
	printf '\n%s' "$(printf '%*s' "$rw" "" | tr ' ' -)"
	for s in "${SUITES[@]}"; do printf -- '-+-%s' "$(printf '%*s' "${W[$s]}" "" | tr ' ' -)"; done
	printf '\n'
	for r in "${ROWS[@]}"; do
		printf '%-*s' "$rw" "$r"
		for s in "${SUITES[@]}"; do printf ' | %-*s' "${W[$s]}" "${CELL["$r|$s"]-"-"}"; done
		printf '\n'
	done
	printf '(oracle: passed/failed goroutines; schema: valid/invalid reports; pytest:\n'
	printf ' passed/failed tests; fixtures: fixtures made.  Logs: %s/)\n' "$LOGS"
	# What failed, from each failing cell's log, after the table: where
	# only the end of this output survives (a CI summary), it still says
	# which goroutine, field or check it was.
	for r in "${ROWS[@]}"; do
		for s in "${SUITES[@]}"; do
			c=${CELL["$r|$s"]-"-"}
			[[ $c == FAIL* ]] || continue
			log="$LOGS/$s-$r.log"
			[ -f "$log" ] || log="$LOGS/$s.log"
			[ -f "$log" ] || { echo "run-all: $r $s: no log"; continue; }
			grep -a -m 4 -E 'FAIL|[Mm]ismatch|expected|[Ee]rror|Traceback|cannot|not ready' "$log" |
				cut -c1-240 | sed "s|^|run-all: $r $s: |"
		done
	done
	if [ "$FAILED" -ne 0 ]; then echo "run-all: FAILED"; else echo "run-all: all passed"; fi
}
exit "$FAILED"
