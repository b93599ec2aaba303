#!/bin/bash
# test_live.sh VERSION...  - gostuck -p on running processes.
#
# Responsibility: for each Go version (toolchain /usr/lib/go-VERSION), build
# every fixture (fixtures/cmd/*, as fixtures/make-cores.sh builds them) and
# run each one with GOSTUCK_STACK_FILE, so that once parked it writes its own
# runtime.Stack(all) dump; then `gostuck --json --all -p PID` must match that
# dump goroutine for goroutine (tests/live/live_oracle.py, which reuses
# tests/oracle.py's comparison) and docs/report.schema.json, and the
# fixture must still run afterwards: no thread traced or stopped, and it
# answers on its stdin/stdout pipe (it echoes a line after a timer wait,
# see fixtures/internal/park).  Then, with
# the 10,000-goroutine fixture `many`, the survival tests: SIGINT, SIGTERM
# and SIGKILL to gostuck while it holds the process stopped (made reliable
# with the test hook GOSTUCK_TEST_PAUSE_MS, which keeps gostuck attached);
# and once, the error paths (no such process, a thread id, not a Go
# program, permission denied, another tracer, the process killed mid-
# analysis, usage), --verbose, a SIGSTOPped process (left stopped), a
# signal sent during the pause (delivered after it), and --growth on
# tests/live/grow, a program that keeps adding goroutines at one site.
# Layer: test tooling.  Nothing is skipped silently; a missing tool or
# toolchain is a failure.
#
# Last line: "live: N passed, M failed"; exit status 1 when M > 0.
# Environment: GOSTUCK (default build/gostuck), LIVE_FIXTURES="a b" to run
# only some fixtures, LIVE_KEEP=1 to keep build/live/ logs of passing runs,
# LIVE_ORACLE_ONLY=1 to run only the oracle comparisons (for another front
# end given as GOSTUCK, such as the gdb extension's tests/gdb/gostuck-in-gdb,
# which prints the library's own JSON: the schema check, a minute on the
# 10,000-goroutine fixture, is left to the gostuck command's run and said so).
# LIVE_OUT=DIR to build and run in DIR instead of build/live.

set -u
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
PY=/usr/bin/python3
GOSTUCK=${GOSTUCK:-build/gostuck}
case "$GOSTUCK" in /*) ;; *) GOSTUCK=$top/$GOSTUCK ;; esac
OUT=${LIVE_OUT:-$top/build/live}
case "$OUT" in /*) ;; *) OUT=$top/$OUT ;; esac
READY_TIMEOUT=60
PASSED=0
FAILED=0

VERSIONS=("$@")
if [ ${#VERSIONS[@]} -eq 0 ]; then
	for d in /usr/lib/go-1.*; do [ -x "$d/bin/go" ] && VERSIONS+=("${d#/usr/lib/go-}"); done
fi

pass() { PASSED=$((PASSED + 1)); echo "live: ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "live: FAIL $*"; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOWORK=off GO111MODULE=on GOSUMDB=off CGO_ENABLED=0
unset GOOS GOARCH GOEXPERIMENT GOROOT

mkdir -p "$OUT" || exit 2
if [ ! -x "$GOSTUCK" ]; then
	echo "live: $GOSTUCK is missing or not executable"
	echo "live: 0 passed, 1 failed"
	exit 1
fi

# The pcln reader's test tool, for the oracle's wrapper lookups (built as
# tests/unit/test_pcln.sh builds it).
PCLNDUMP=$OUT/pclndump
if ! cc -std=gnu11 -Wall -Wextra -Werror -I"$top/coreanalyze/include" -iquote "$top/coreanalyze/src" \
	"$top/tests/unit/pclndump.c" "$top/coreanalyze/src/pcln.c" "$top/coreanalyze/src/elffile.c" \
	"$top/coreanalyze/src/util.c" -lelf -o "$PCLNDUMP" >"$OUT/pclndump.log" 2>&1; then
	echo "live: cannot build $PCLNDUMP:"
	head -20 "$OUT/pclndump.log"
	echo "live: 0 passed, 1 failed"
	exit 1
fi

# ---- running a fixture: stdin and stdout are FIFOs we hold both ends of

FX_PID= FX_IN= FX_OUT= FX_DIR=

# fx_start BIN DIR [ENV=VALUE...]: run BIN in DIR until it prints "ready"
# and its main thread blocks in read(0).  0 or 1 (reason printed).
fx_start() {
	local bin=$1 dir=$2
	shift 2
	FX_DIR=$dir
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	mkfifo "$dir/in" "$dir/out" || return 1
	exec {FX_IN}<>"$dir/in" {FX_OUT}<>"$dir/out"
	(
		exec {FX_IN}>&- {FX_OUT}<&-
		cd "$dir" && exec env GOSTUCK_READY_TIMEOUT=$((READY_TIMEOUT - 2)) "$@" "$bin" <"$dir/in" >"$dir/out" 2>"$dir/stderr"
	) &
	FX_PID=$!
	local line="" deadline=$(( $(now_ms) + READY_TIMEOUT * 1000 ))
	while :; do
		if IFS= read -r -t 0.2 -u "$FX_OUT" line && [ "$line" = ready ]; then
			break
		fi
		if ! kill -0 "$FX_PID" 2>/dev/null || [ "$(now_ms)" -gt "$deadline" ]; then
			echo "live: $bin did not get ready; stderr:"
			head -20 "$dir/stderr"
			fx_stop
			return 1
		fi
	done
	# The same deadline: on a loaded machine the main thread may take a
	# while to get from printing "ready" into read(0).
	local sc
	while [ "$(now_ms)" -le "$deadline" ]; do
		sc=$(cat "/proc/$FX_PID/task/$FX_PID/syscall" 2>/dev/null)
		[[ "$sc" == "0 0x0 "* ]] && return 0
		sleep 0.01
	done
	echo "live: $bin: main thread not blocked in read(0) after ready ($sc)"
	fx_stop
	return 1
}

# fx_stop: EOF on stdin (the fixture exits 0), else SIGKILL.  Returns the
# exit status.
fx_stop() {
	local rc i
	[ -n "$FX_PID" ] || return 0
	exec {FX_IN}>&-
	for ((i = 0; i < 300; i++)); do
		kill -0 "$FX_PID" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$FX_PID" 2>/dev/null
	wait "$FX_PID" 2>/dev/null
	rc=$?
	exec {FX_OUT}<&-
	FX_PID=
	return "$rc"
}

# fx_alive WHAT: the fixture runs on: every thread untraced and not
# stopped, and it echoes a line through its timer wait.
fx_alive() {
	local what=$1 t st tracer reply="" probe="ping-$RANDOM"
	if ! kill -0 "$FX_PID" 2>/dev/null; then
		fail "$what: the process is gone"
		return 1
	fi
	for t in /proc/"$FX_PID"/task/*; do
		st=$(awk '{ sub(/.*\) /, ""); print $1 }' "$t/stat" 2>/dev/null)
		tracer=$(awk '/^TracerPid:/ { print $2 }' "$t/status" 2>/dev/null)
		if [ "${tracer:-0}" != 0 ] || [ "$st" = t ] || [ "$st" = T ]; then
			fail "$what: thread ${t##*/} is still traced (TracerPid ${tracer:-?}) or stopped (state $st)"
			return 1
		fi
	done
	echo "$probe" >&"$FX_IN"
	if ! IFS= read -r -t 5 -u "$FX_OUT" reply || [ "$reply" != "$probe" ]; then
		fail "$what: no answer on its pipe within 5 s (got '${reply}')"
		return 1
	fi
	pass "$what: runs on and answers"
	return 0
}

# task_states PID: the distinct states of its threads, e.g. "S" or "T".
task_states() {
	awk '{ sub(/.*\) /, ""); print $1 }' /proc/"$1"/task/*/stat 2>/dev/null | sort -u | tr -d '\n'
}

# all_stopped PID: every thread in tracing stop (state t).
all_stopped() {
	local t st n=0
	for t in /proc/"$1"/task/*; do
		st=$(awk '{ sub(/.*\) /, ""); print $1 }' "$t/stat" 2>/dev/null)
		[ "$st" = t ] || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

# ---- per version

# build_fixtures V: build/live/goV/bin/NAME for every fixture.
build_fixtures() {
	local v=$1 go=/usr/lib/go-$1/bin/go
	if [ ! -x "$go" ]; then
		fail "go$v: no toolchain at $go"
		return 1
	fi
	mkdir -p "$OUT/go$v/bin"
	if ! (cd fixtures && "$go" build -o "$OUT/go$v/bin/" ./cmd/...) >"$OUT/go$v/build.log" 2>&1; then
		fail "go$v: building the fixtures failed:"
		head -20 "$OUT/go$v/build.log"
		return 1
	fi
}

# oracle_one V NAME: gostuck -p against the fixture's own stack dump.
oracle_one() {
	local v=$1 name=$2 bin=$OUT/go$v/bin/$2 dir=$OUT/go$v/$2 rc
	# GOTRACEBACK=crash, as make-cores.sh runs fixtures: runtime.Stack then
	# prints every frame and the runtime's own goroutines too (level 2).
	# A fixture that does not reach its state (a loaded machine) has not
	# met gostuck yet: it gets a second start, and the first failure is
	# shown above (fx_start prints why).
	if ! fx_start "$bin" "$dir" GOSTUCK_STACK_FILE="$dir/stack.txt" GOTRACEBACK=crash GODEBUG=tracebacklabels=1; then
		echo "live: note: go$v $name did not start; starting it again"
		if ! fx_start "$bin" "$dir" GOSTUCK_STACK_FILE="$dir/stack.txt" GOTRACEBACK=crash GODEBUG=tracebacklabels=1; then
			fail "go$v $name: the fixture did not start (twice)"
			return
		fi
	fi
	"$bin" -expect >"$dir/expect" 2>/dev/null
	"$GOSTUCK" --json --all --verbose -p "$FX_PID" >"$dir/report.json" 2>"$dir/gostuck.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "go$v $name: gostuck -p exited $rc: $(head -c 300 "$dir/gostuck.err")"
	elif $PY tests/live/live_oracle.py --exe "$bin" --goroot "/usr/lib/go-$v" --pclndump "$PCLNDUMP" \
		${LIVE_ORACLE_ONLY:+--no-schema} --schema docs/report.schema.json \
		"go$v/$name" "$dir/stack.txt" "$dir/report.json" "$dir/expect" >"$dir/oracle.log" 2>&1; then
		pass "go$v $name: $(tail -n 1 "$dir/oracle.log" | sed 's/^[^:]*: //'), $(grep -o 'stopped for [0-9.]* ms' "$dir/gostuck.err")"
		grep ' note: ' "$dir/oracle.log" | sed 's/^/live:        /'
	else
		fail "go$v $name: live oracle:"
		sed 's/^/live:        /' "$dir/oracle.log"
	fi
	fx_alive "go$v $name: after detach"
	fx_stop
	rc=$?
	[ "$rc" -eq 0 ] || fail "go$v $name: the fixture exited $rc on EOF after the test (expected 0)"
	[ -n "${LIVE_KEEP:-}" ] || [ "$FAILED" -gt 0 ] || rm -rf "$dir"
}

# survive V SIGNAL EXPECTED_RC: gostuck gets SIGNAL while it holds `many`
# stopped; the process must run on.
survive() {
	local v=$1 sig=$2 want=$3 bin=$OUT/go$v/bin/many dir=$OUT/go$v/survive-$2 gs rc i t0 ms
	if ! fx_start "$bin" "$dir"; then
		fail "go$v SIG$sig: the fixture many did not start"
		return
	fi
	# Background jobs of a script ignore SIGINT: give gostuck the default.
	GOSTUCK_TEST_PAUSE_MS=20000 env --default-signal=INT "$GOSTUCK" -p "$FX_PID" >"$dir/report.txt" \
		2>"$dir/gostuck.err" &
	gs=$!
	for ((i = 0; i < 1000; i++)); do
		all_stopped "$FX_PID" && break
		sleep 0.01
	done
	if ! all_stopped "$FX_PID"; then
		fail "go$v SIG$sig: gostuck never had every thread of many stopped"
		kill -KILL "$gs" 2>/dev/null
		wait "$gs" 2>/dev/null
		fx_stop
		return
	fi
	t0=$(now_ms)
	kill -"$sig" "$gs"
	wait "$gs" 2>/dev/null
	rc=$?
	ms=$(( $(now_ms) - t0 ))
	if [ "$rc" -ne "$want" ] || [ "$ms" -gt 5000 ]; then
		fail "go$v SIG$sig to gostuck while attached: exit $rc after $ms ms (expected $want at once)"
	else
		pass "go$v SIG$sig to gostuck while attached: it exited $rc after $ms ms"
	fi
	fx_alive "go$v SIG$sig: many after gostuck died"
	fx_stop
	[ -n "${LIVE_KEEP:-}" ] || rm -rf "$dir"
}

for v in "${VERSIONS[@]}"; do
	echo "live: ==== go$v"
	build_fixtures "$v" || continue
	if [ -n "${LIVE_FIXTURES:-}" ]; then
		names=($LIVE_FIXTURES)
	else
		mapfile -t names < <(fixtures/list-fixtures.sh "${CGO_ENABLED:-0}")
	fi
	for name in "${names[@]}"; do
		oracle_one "$v" "$name"
	done
	[ -n "${LIVE_ORACLE_ONLY:-}" ] && continue
	survive "$v" INT 130
	survive "$v" TERM 143
	survive "$v" KILL 137
done

# ---- once: the error paths and --growth

# expect_error WHAT WANT_RC PATTERN CMD...: CMD exits WANT_RC with one line
# on stderr matching the extended regexp PATTERN.
expect_error() {
	local what=$1 want=$2 pat=$3 rc err
	shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne "$want" ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || ! grep -Eq -- "$pat" <<<"$err"; then
		fail "$what: expected exit $want and one line matching /$pat/, got exit $rc: $err"
	else
		pass "$what: exit $rc: $err"
	fi
}

errors() {
	local v=$1 bin=$OUT/go$1/bin dir=$OUT/go$1/errors gone tid gdbpid i rc err t0
	mkdir -p "$dir"

	# No such process: a child we have reaped.
	true &
	gone=$!
	wait "$gone"
	expect_error "no such process" 3 "^gostuck: no such process: $gone\$" "$GOSTUCK" -p "$gone"
	expect_error "-p not a number" 2 "^gostuck: -p wants a process id" "$GOSTUCK" -p 12x
	expect_error "-p with operands" 2 "^gostuck: with -p PID give no EXE or CORE" "$GOSTUCK" -p 1 a b
	expect_error "--growth without -p" 2 "^gostuck: --growth .* needs -p PID" "$GOSTUCK" --growth=1 a b
	expect_error "--growth=0" 2 "^gostuck: --growth wants seconds" "$GOSTUCK" --growth=0 -p 1

	# Not a Go program.
	sleep 60 &
	local sp=$!
	expect_error "not a Go program" 3 "^gostuck: process $sp \\(/[^)]*sleep\\): not a Go program" \
		"$GOSTUCK" -p "$sp"
	kill "$sp"
	wait "$sp" 2>/dev/null

	if ! fx_start "$bin/sleep" "$dir/fx"; then
		fail "errors: the fixture sleep did not start"
		return
	fi
	# A thread id instead of the process id.
	tid=$(ls /proc/"$FX_PID"/task | grep -vx "$FX_PID" | head -n 1)
	expect_error "a thread id" 3 "^gostuck: $tid is a thread of process $FX_PID; run 'gostuck -p $FX_PID'" \
		"$GOSTUCK" -p "$tid"
	# Permission: an unprivileged user may not trace root's process.
	expect_error "permission denied (uid nobody)" 3 "^gostuck: .*permission denied.*(root|CAP_SYS_PTRACE)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$GOSTUCK" -p "$FX_PID"
	fx_alive "sleep after the permission error"
	# Another tracer: gdb attached for a while.
	gdb -q -nx -batch -p "$FX_PID" -ex 'shell sleep 3' >"$dir/gdb.log" 2>&1 &
	gdbpid=$!
	for ((i = 0; i < 1000; i++)); do
		[ "$(awk '/^TracerPid:/ { print $2 }' /proc/"$FX_PID"/status)" = "$gdbpid" ] && break
		sleep 0.01
	done
	expect_error "already traced" 3 "^gostuck: .*already traced by process $gdbpid \\(gdb\\)" \
		"$GOSTUCK" -p "$FX_PID"
	wait "$gdbpid"
	fx_alive "sleep after gdb detached"

	# Read while stopped, through the cache (the path for processes whose
	# writable memory is too large to copy), the report is the same.
	"$GOSTUCK" --json -p "$FX_PID" >"$dir/snap.json" 2>"$dir/snap.err"
	GOSTUCK_TEST_NO_SNAPSHOT=1 "$GOSTUCK" --json --verbose -p "$FX_PID" >"$dir/cache.json" 2>"$dir/cache.err"
	if $PY - "$dir/snap.json" "$dir/cache.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda r: [(g["id"], g["status"], g["wait_reason"], [(f["func"], f["line"]) for f in g["frames"]])
                   for g in r["goroutines"]]
assert a["goroutines"] and strip(a) == strip(b), (strip(a), strip(b))
PY
	then
		pass "copied memory and reading while stopped give the same goroutines ($(grep -o 'stopped for [0-9.]* ms' "$dir/cache.err") through the cache)"
	else
		fail "copied memory and reading while stopped differ: $(head -c 300 "$dir/snap.err" "$dir/cache.err")"
	fi
	fx_alive "sleep after both reads"

	# --verbose says how long the process was stopped.
	err=$("$GOSTUCK" --verbose -p "$FX_PID" 2>&1 >/dev/null)
	if grep -Eq "^gostuck: process $FX_PID was stopped for [0-9]+\.[0-9]{3} ms \([0-9]+ threads" <<<"$err"; then
		pass "--verbose: $err"
	else
		fail "--verbose: no pause line on stderr: $err"
	fi

	# A process stopped by SIGSTOP is read and left stopped.
	kill -STOP "$FX_PID"
	for ((i = 0; i < 500; i++)); do
		[ "$(task_states "$FX_PID")" = T ] && break
		sleep 0.01
	done
	"$GOSTUCK" -p "$FX_PID" >"$dir/stopped.txt" 2>"$dir/stopped.err"
	rc=$?
	local states
	# A detached thread of a stopped process wakes for a moment to go
	# back into the group stop (the kernel re-arms it on detach): give
	# it up to 2 s to settle before judging.
	for ((i = 0; i < 200; i++)); do
		states=$(task_states "$FX_PID")
		[ "$states" = T ] && break
		sleep 0.01
	done
	if [ "$rc" -eq 0 ] && [ "$states" = T ] && grep -q '^target: process' "$dir/stopped.txt"; then
		pass "a SIGSTOPped process: report written, every thread still stopped (T) afterwards"
	else
		fail "a SIGSTOPped process: exit $rc, thread states '$states' (expected all T): $(head -c 300 "$dir/stopped.err")"
	fi
	kill -CONT "$FX_PID"
	fx_alive "sleep after SIGCONT"

	# A signal sent while gostuck holds the process is delivered once it
	# lets go: SIGQUIT, on which the Go runtime prints every goroutine and
	# exits 2.
	GOSTUCK_TEST_PAUSE_MS=1500 "$GOSTUCK" -p "$FX_PID" >/dev/null 2>"$dir/quit.err" &
	gs=$!
	for ((i = 0; i < 1000; i++)); do
		all_stopped "$FX_PID" && break
		sleep 0.01
	done
	kill -QUIT "$FX_PID"
	sleep 0.3
	states=$(task_states "$FX_PID")
	wait "$gs"
	rc=$?
	for ((i = 0; i < 500; i++)); do # the runtime exits by itself: no EOF before
		kill -0 "$FX_PID" 2>/dev/null || break
		sleep 0.01
	done
	fx_stop
	local frc=$?
	if [ "$states" = t ] && [ "$rc" -eq 0 ] && [ "$frc" -eq 2 ] && grep -q '^SIGQUIT: quit' "$dir/fx/stderr"; then
		pass "SIGQUIT during the pause: held while stopped (t), delivered after detach (the runtime dumped and exited 2)"
	else
		fail "SIGQUIT during the pause: states while held '$states' (want t), gostuck exit $rc, fixture exit $frc (want 2), stderr: $(head -c 200 "$dir/fx/stderr")"
	fi

	# The process killed while gostuck holds it stopped.
	if ! fx_start "$bin/sleep" "$dir/fx"; then
		fail "errors: the fixture sleep did not start again"
		return
	fi
	GOSTUCK_TEST_PAUSE_MS=3000 "$GOSTUCK" -p "$FX_PID" >/dev/null 2>"$dir/killed.err" &
	local gs=$!
	for ((i = 0; i < 1000; i++)); do
		all_stopped "$FX_PID" && break
		sleep 0.01
	done
	t0=$(now_ms)
	kill -KILL "$FX_PID"
	wait "$gs" 2>/dev/null
	rc=$?
	err=$(cat "$dir/killed.err")
	if [ "$rc" -eq 3 ] && grep -Eq "^gostuck: process $FX_PID exited while gostuck was reading it" <<<"$err" &&
		[ "$(wc -l <"$dir/killed.err")" -eq 1 ]; then
		pass "process killed mid-analysis: exit $rc after $(( $(now_ms) - t0 )) ms: $err"
	else
		fail "process killed mid-analysis: expected exit 3 and 'exited while gostuck was reading it', got $rc: $err"
	fi
	fx_stop

	# --growth: one site keeps adding goroutines, another does not.
	if ! (cd tests/live/grow && /usr/lib/go-"$v"/bin/go build -o "$OUT/go$v/grow" .) >"$dir/grow-build.log" 2>&1; then
		fail "--growth: building tests/live/grow failed: $(head -c 300 "$dir/grow-build.log")"
		return
	fi
	if ! fx_start "$OUT/go$v/grow" "$dir/grow"; then
		fail "--growth: tests/live/grow did not start"
		return
	fi
	"$GOSTUCK" --growth=1 -p "$FX_PID" >"$dir/growth.txt" 2>"$dir/growth.err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -Eq '^(grew|new) +[0-9]+ +[0-9]+ +\+[0-9]+  main\.leak ' "$dir/growth.txt" &&
		! grep -q 'main\.steady' "$dir/growth.txt"; then
		pass "--growth text: $(grep 'main\.leak' "$dir/growth.txt")"
	else
		fail "--growth text: exit $rc, expected a row for main.leak and none for main.steady:"
		sed 's/^/live:        /' "$dir/growth.txt" "$dir/growth.err"
	fi
	"$GOSTUCK" --json --growth=0.5 --group-by=created -p "$FX_PID" >"$dir/growth.json" 2>"$dir/growth.err"
	rc=$?
	if [ "$rc" -eq 0 ] && $PY - "$dir/growth.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = d["growth"]
assert d["schema"] == 1 and d["tool"] == "gostuck", d
assert g["group_by"] == "created" and g["interval_seconds"] == 0.5, g
rows = g["groups"]
assert len(rows) == 1 and "main.main.func" in rows[0]["key"], rows
r = rows[0]
assert r["delta"] == r["after"] - r["before"] and r["delta"] >= 5, r
assert g["after"]["goroutines"] - g["before"]["goroutines"] >= r["delta"], g
PY
	then
		pass "--growth --json --group-by=created: $(head -c 300 "$dir/growth.json")"
	else
		fail "--growth --json: exit $rc: $(head -c 600 "$dir/growth.json") $(cat "$dir/growth.err")"
	fi
	# gostuck diff of two saved reports: exactly the growing site, with
	# the counts each snapshot itself shows, and --fail-on-growth's status.
	"$GOSTUCK" --json -p "$FX_PID" >"$dir/snap-a.json" 2>"$dir/snap.err"
	sleep 0.5
	"$GOSTUCK" --json -p "$FX_PID" >"$dir/snap-b.json" 2>>"$dir/snap.err"
	"$GOSTUCK" diff --json "$dir/snap-a.json" "$dir/snap-b.json" >"$dir/diff.json" 2>>"$dir/snap.err"
	rc=$?
	"$GOSTUCK" diff --fail-on-growth=5 "$dir/snap-a.json" "$dir/snap-b.json" >/dev/null 2>>"$dir/snap.err"
	rc_fail=$?
	"$GOSTUCK" diff --fail-on-growth=100000 "$dir/snap-a.json" "$dir/snap-b.json" >/dev/null 2>>"$dir/snap.err"
	rc_pass=$?
	if [ "$rc" -eq 0 ] && [ "$rc_fail" -eq 1 ] && [ "$rc_pass" -eq 0 ] &&
		$PY - "$dir/snap-a.json" "$dir/snap-b.json" "$dir/diff.json" <<'PY'
import json, sys
a, b, d = (json.load(open(p)) for p in sys.argv[1:4])
def leak_count(r):
    return sum(1 for g in r["goroutines"] if not g["system"] and g["status"] != "dead"
               and any(f["func"] == "main.leak" for f in g["frames"]))
rows = [r for r in d["diff"]["groups"] if r["change"] in ("grew", "new")]
assert d["diff"]["group_by"] == "site", d["diff"]
assert len(rows) == 1 and rows[0]["key"].startswith("main.leak "), rows
r = rows[0]
assert (r["before"], r["after"]) == (leak_count(a), leak_count(b)), (r, leak_count(a), leak_count(b))
assert r["delta"] == r["after"] - r["before"] >= 5, r
assert not any("main.steady" in x["key"] for x in d["diff"]["groups"]), d["diff"]["groups"]
PY
	then
		pass "diff of two saved reports: $(grep -o '"key":"main.leak[^}]*}' "$dir/diff.json")"
	else
		fail "diff of two saved reports: exit $rc (fail-on-growth: $rc_fail, $rc_pass): $(head -c 600 "$dir/diff.json") $(cat "$dir/snap.err")"
	fi
	fx_alive "grow after two snapshots"
	fx_stop
	[ -n "${LIVE_KEEP:-}" ] || [ "$FAILED" -gt 0 ] || rm -rf "$dir"
}

if [ -n "${LIVE_ORACLE_ONLY:-}" ]; then
	echo "live: LIVE_ORACLE_ONLY: the signal, error and --growth checks are not run"
elif [ ${#VERSIONS[@]} -gt 0 ] && [ -x "$OUT/go${VERSIONS[0]}/bin/sleep" ]; then
	echo "live: ==== errors and --growth (go${VERSIONS[0]})"
	errors "${VERSIONS[0]}"
else
	fail "errors and --growth: no fixtures were built"
fi

echo "live: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
