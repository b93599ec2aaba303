#!/bin/bash
# test_badinput.sh - gostuck on inputs it must refuse: usage errors, files
# that are not what they claim, a Go executable without DWARF, a core of
# another program (position-independent builds too), a truncated core.  Every case must end with the promised
# exit status (2 usage, 3 input), exactly one line on stderr starting
# "gostuck: ", nothing on stdout, no crash, no sanitizer report, and no hang
# (each run is under `timeout 20`).  The cores are made here, by the kernel,
# from real programs: a Go program started with GOTRACEBACK=crash and killed
# with SIGABRT, and sleep(1) killed the same way.
#
# Usage: tests/test_badinput.sh [BUILD_DIR] [VERSION...]
#        (runs BUILD_DIR/gostuck, default $GOSTUCK_BUILD or build/; version arguments, as
#        run-all.sh passes them to every test script, are ignored)
# Env:   GO=/path/to/go to pick the toolchain (default: newest /usr/lib/go-1.NN)
# Prints ok/FAIL/skip per case, then "badinput: N passed, M failed"; exits
# non-zero when any case failed.  A skip says why and never counts as a pass.
set -u

build=${GOSTUCK_BUILD:-build}
case "${1-}" in
"" | [0-9]*.[0-9]*) ;; # no argument, or run-all's Go versions
*) build=$1 ;;
esac
gs=$(cd "$build" && pwd)/gostuck
if [ ! -x "$gs" ]; then
	echo "test_badinput: $gs not found or not executable; run make first" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gostuck-badinput.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0

skip() { # NAME REASON
	echo "skip $1: $2"
	skipped=$((skipped + 1))
}

# expect NAME WANT_STATUS MESSAGE_REGEX -- ARGS...
# MESSAGE_REGEX (grep -E, case-insensitive) may be empty.
expect() {
	local name=$1 want=$2 regex=$3
	shift 4
	local out=$tmp/case.out err=$tmp/case.err rc why=()
	timeout 20 "$gs" "$@" >"$out" 2>"$err"
	rc=$?
	local nlines
	nlines=$(wc -l <"$err")
	[ "$rc" -eq 124 ] && why+=("timed out after 20 s")
	[ "$rc" -ge 128 ] && why+=("killed by signal $((rc - 128))")
	[ "$rc" -ne "$want" ] && why+=("exit status $rc, want $want")
	if [ "$nlines" -ne 1 ] || [ "$(wc -c <"$err")" -ne "$(head -n 1 "$err" | wc -c)" ]; then
		why+=("stderr is not exactly one line")
	fi
	head -n 1 "$err" | grep -q '^gostuck: ' || why+=("stderr does not start with 'gostuck: '")
	grep -qE 'Sanitizer|runtime error:|Segmentation|Aborted|core dumped' "$err" && why+=("crash or sanitizer report")
	[ -s "$out" ] && why+=("wrote to stdout")
	if [ -n "$regex" ] && ! grep -qiE -- "$regex" "$err"; then
		why+=("message does not match /$regex/")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		echo "ok   $name: $(head -c 200 "$err" | head -n 1)"
		passed=$((passed + 1))
	else
		local msg
		msg=$(printf '%s; ' "${why[@]}")
		echo "FAIL $name: ${msg%; }"
		echo "     gostuck $(printf '%q ' "$@")"
		sed 's/^/     stderr: /' "$err" | head -n 5
		failed=$((failed + 1))
	fi
}

# ---- inputs that need nothing but files ----

mkdir -p "$tmp/adir"
: >"$tmp/empty"
printf 'this is a text file, not an ELF file\n' >"$tmp/text"
printf '{"schema": 1, "tool": "something else"}\n' >"$tmp/notreport.json"
printf '{"schema": 1, "goroutines": [{"id": 1,' >"$tmp/truncated.json"
true_exe=$(readlink -f "$(type -P true)")

expect "no arguments" 2 "" --
expect "one argument that is no goroutine dump" 3 "not a goroutine dump" -- "$tmp/text"
expect "one argument that is an executable" 2 "ELF file, not a goroutine dump" -- /bin/true
expect "an empty dump" 3 "not a goroutine dump" -- /dev/null
expect "a dump that is JSON but no report" 3 "not a gostuck report" -- "$tmp/notreport.json"
expect "a truncated JSON report" 3 "not valid JSON" -- "$tmp/truncated.json"
expect "diff with one snapshot" 2 "diff compares two snapshots" -- diff "$tmp/text"
expect "--fail-on=maybe" 2 "--fail-on takes definite or suspect" -- --fail-on=maybe a b
expect "--fail-on-growth without diff" 2 "--fail-on-growth goes with diff" -- --fail-on-growth=3 a b
expect "--batch on a missing directory" 3 "cannot read directory" -- --batch="$tmp/nonexistent"
expect "three arguments" 2 "" -- "$tmp/text" "$tmp/text" "$tmp/text"
expect "unknown option" 2 "" -- --no-such-option "$tmp/text" "$tmp/text"
expect "bad --group-by" 2 "" -- --group-by=bogus "$tmp/text" "$tmp/text"
expect "-p not a number" 2 "-p wants a process id" -- -p x
expect "missing EXE" 3 "" -- "$tmp/does-not-exist" "$tmp/text"
expect "directory as EXE" 3 "" -- "$tmp/adir" "$tmp/text"
expect "empty file as EXE" 3 "" -- "$tmp/empty" "$tmp/text"
expect "text file as EXE" 3 "" -- "$tmp/text" "$tmp/text"
expect "non-Go EXE, text CORE" 3 "" -- "$true_exe" "$tmp/text"

# ---- a non-Go program's real core ----

core_pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
cores_ok=true
case $core_pattern in
'|'* | /*) cores_ok=false ;; # piped to a helper, or written elsewhere
esac

# find_core DIR: the core the kernel wrote in DIR ("core" or "core.PID")
find_core() {
	local c
	for c in "$1"/core "$1"/core.*; do
		[ -f "$c" ] && { echo "$c"; return 0; }
	done
	return 1
}

if $cores_ok; then
	mkdir -p "$tmp/sleepcore"
	bash -c 'ulimit -c unlimited; cd "$1" && { sleep 100 & kill -ABRT $!; wait; }' _ "$tmp/sleepcore" 2>/dev/null
	if sleep_core=$(find_core "$tmp/sleepcore"); then
		sleep_exe=$(readlink -f "$(type -P sleep)")
		expect "non-Go program and its core" 3 "" -- "$sleep_exe" "$sleep_core"
	else
		skip "non-Go program and its core" "the kernel wrote no core for sleep (core_pattern '$core_pattern')"
	fi
else
	skip "non-Go program and its core" "core_pattern '$core_pattern' does not write cores into the cwd"
fi

# ---- Go programs and their cores ----

go=${GO:-}
if [ -z "$go" ]; then
	go=$(printf '%s\n' /usr/lib/go-1.*/bin/go | sort -V | tail -n 1)
	[ -x "$go" ] || go=
	[ -n "$go" ] || go=$(command -v go || true)
fi
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod

# build_go NAME SOURCE [GO BUILD FLAGS...]: build $tmp/NAME/NAME
build_go() {
	local name=$1 src=$2
	shift 2
	mkdir -p "$tmp/$name"
	printf '%s\n' "$src" >"$tmp/$name/main.go"
	(cd "$tmp/$name" && "$go" build "$@" -o "$name" main.go) >"$tmp/$name/build.log" 2>&1
}

# core_of NAME: run $tmp/NAME/NAME until it prints "ready", abort it with a
# crash traceback, print the path of its core
core_of() {
	local dir=$tmp/$1 _
	rm -f "$dir"/core "$dir"/core.*
	(cd "$dir" && ulimit -c unlimited && GOTRACEBACK=crash exec "./$1") >"$dir/out" 2>"$dir/traceback" &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		grep -q '^ready$' "$dir/out" 2>/dev/null && break
		sleep 0.1
	done
	kill -ABRT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	find_core "$dir"
}

prog_a='package main

import (
	"fmt"
	"time"
)

func main() {
	ch := make(chan int)
	for i := 0; i < 3; i++ {
		go func() { <-ch }()
	}
	fmt.Println("ready")
	time.Sleep(time.Hour)
}'

prog_b='package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	var mu sync.Mutex
	mu.Lock()
	go func() { mu.Lock() }()
	fmt.Println("ready")
	time.Sleep(time.Hour)
}'

if [ -z "$go" ] || [ ! -x "$go" ]; then
	skip "Go cases" "no Go toolchain found (set GO=/path/to/go)"
elif ! build_go proga "$prog_a" || ! build_go progb "$prog_b" || ! build_go wflag "$prog_a" -ldflags=-w ||
	! build_go piea "$prog_a" -buildmode=pie || ! build_go pieb "$prog_b" -buildmode=pie; then
	skip "Go cases" "building the Go test programs with $go failed: $(tail -n 3 "$tmp"/*/build.log | tr '\n' ' ')"
elif ! $cores_ok; then
	skip "Go cases" "core_pattern '$core_pattern' does not write cores into the cwd"
else
	a=$tmp/proga/proga b=$tmp/progb/progb wflag=$tmp/wflag/wflag piea=$tmp/piea/piea pieb=$tmp/pieb/pieb
	if core_a=$(core_of proga) && core_wflag=$(core_of wflag) && core_piea=$(core_of piea); then
		size=$(stat -c %s "$core_a")
		head -c 100 "$core_a" >"$tmp/core.head100"
		head -c $((size / 2)) "$core_a" >"$tmp/core.half"
		head -c $((size - 4096)) "$core_a" >"$tmp/core.short"

		expect "empty file as CORE" 3 "" -- "$a" "$tmp/empty"
		expect "text file as CORE" 3 "" -- "$a" "$tmp/text"
		expect "directory as CORE" 3 "" -- "$a" "$tmp/adir"
		expect "missing CORE" 3 "" -- "$a" "$tmp/does-not-exist"
		expect "executable as CORE" 3 "" -- "$a" "$a"
		expect "EXE and CORE swapped" 2 "" -- "$core_a" "$a"
		expect "non-Go EXE, Go core" 3 "" -- "$true_exe" "$core_a"
		expect "Go EXE without DWARF" 3 "dwarf" -- "$wflag" "$core_wflag"
		expect "core of another Go program" 3 "" -- "$b" "$core_a"
		# position-independent builds: placed by the core's AT_ENTRY, so
		# a core of another program (or another build) must still be refused
		expect "PIE core of another PIE program" 3 "pass the executable" -- "$pieb" "$core_piea"
		expect "PIE core, the non-PIE build as EXE" 3 "pass the executable" -- "$a" "$core_piea"
		expect "non-PIE core, the PIE build as EXE" 3 "pass the executable" -- "$piea" "$core_a"
		expect "core truncated to 100 bytes" 3 "" -- "$a" "$tmp/core.head100"
		expect "core truncated to half" 3 "" -- "$a" "$tmp/core.half"
		expect "core missing its last 4 KiB" 3 "" -- "$a" "$tmp/core.short"
	else
		skip "Go cases" "the Go program wrote no core (core_pattern '$core_pattern')"
	fi
fi

[ "$skipped" -eq 0 ] || echo "badinput: $skipped skipped"
echo "badinput: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
