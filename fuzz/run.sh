#!/bin/bash
# run.sh SECONDS TARGET... - run each libFuzzer target in build-fuzz/ for
# SECONDS (-max_total_time), one at a time (one process, one job), over
# its corpus (build-fuzz/corpus/T, grown and kept), its seeds
# (build-fuzz/seeds/T, make-seeds.sh) and its regressions
# (fuzz/regressions/T); then print one table: target, seconds, executions,
# crashes.  A crash, a hang (-timeout), a memory blowup (-rss_limit_mb) or
# a leak stops that target, leaves its input in build-fuzz/crashes/T/ and
# makes the exit status 1.  Each run is appended to build-fuzz/stats.tsv
# (date, target, seconds, executions, crashes), whose totals are printed
# last.  Layer: test tooling.
set -u
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 SECONDS TARGET..." >&2; exit 2; }
secs=$1
shift
F=build-fuzz
export GS_FUZZ_DIR=$PWD/$F/fixture
# Dumps and reports want room; patch lists and core headers less.
maxlen() {
	case $1 in
	dump | json) echo 65536 ;;
	core) echo 20480 ;;
	*) echo 1024 ;;
	esac
}
declare -a rows=()
failed=0
for t in "$@"; do
	bin=$F/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing (make fuzz-build)" >&2
		rows+=("$t 0 0 1")
		failed=1
		continue
	fi
	mkdir -p "$F/corpus/$t" "$F/crashes/$t" "$F/logs" "$F/seeds/$t" "fuzz/regressions/$t"
	log=$F/logs/$t.log
	before=$(ls "$F/crashes/$t" | grep -c "^\(crash\|timeout\|oom\|leak\)-")
	start=$(date +%s)
	echo "fuzz: $t for ${secs}s (log $log)"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$(maxlen "$t")" \
		-print_final_stats=1 -artifact_prefix="$F/crashes/$t/" \
		"$F/corpus/$t" "$F/seeds/$t" "fuzz/regressions/$t" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(($(ls "$F/crashes/$t" | grep -c "^\(crash\|timeout\|oom\|leak\)-") - before))
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1 # died without leaving an input: still a failure
	fi
	if [ "$crashes" -ne 0 ]; then
		failed=1
		echo "fuzz: $t FAILED (rc=$rc); the end of $log:"
		grep -m 1 -A 12 '^==[0-9]*==ERROR\|runtime error\|^==[0-9]*== ERROR\|Timeout\|out-of-memory' "$log" | head -n 20
		ls -t "$F/crashes/$t" | head -n 3 | sed "s|^|  $F/crashes/$t/|"
	fi
	rows+=("$t $took ${execs:-0} $crashes")
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$took" "${execs:-0}" "$crashes" >>"$F/stats.tsv"
done
printf '\n%-8s %8s %12s %8s\n' target seconds executions crashes
for r in "${rows[@]}"; do
	# shellcheck disable=SC2086 # four words
	printf '%-8s %8s %12s %8s\n' $r
done
awk -F'\t' '{s[$2]+=$3; e[$2]+=$4; c[$2]+=$5; S+=$3; E+=$4; C+=$5}
	END {printf "all runs in %s: %.2f hours, %d executions, %d crashes\n", FILENAME, S/3600, E, C;
	     for (t in s) printf "  %-8s %8ds %12d executions %4d crashes\n", t, s[t], e[t], c[t]}' "$F/stats.tsv"
[ "$failed" -eq 0 ] && echo "fuzz: no crash" || echo "fuzz: FAILED"
exit "$failed"
