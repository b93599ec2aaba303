#!/bin/bash
# bench_pause.sh [N [VERSION [RUNS]]] - how long gostuck -p stops a process.
#
# A benchmark, not a test: builds a throwaway Go program (in a temporary
# directory) that parks N goroutines (default 100000) at four sites
# (channel receive, select, sync.Mutex, time.Sleep), runs it, and runs
# `gostuck --verbose -p PID` RUNS times (default 5), printing each pause
# as gostuck measures it (first thread stopped to last one resumed) and
# the wall time of the whole command.  Also the fixture `many` (10,000
# goroutines) when build/live/goVERSION/bin/many exists.  Layer: test
# tooling.  GOSTUCK overrides build/gostuck.
set -u
cd "$(dirname "$0")/../.." || exit 2
n=${1:-100000}
v=${2:-1.22}
runs=${3:-5}
gostuck=${GOSTUCK:-build/gostuck}
go=/usr/lib/go-$v/bin/go
[ -x "$go" ] || { echo "bench: no toolchain $go" >&2; exit 2; }
[ -x "$gostuck" ] || { echo "bench: no $gostuck" >&2; exit 2; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0

tmp=$(mktemp -d /tmp/bench_pause.XXXXXX)
trap 'exec {w}>&- 2>/dev/null; kill -KILL $pid 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/go.mod" <<'EOF'
module benchpause

go 1.19
EOF
cat >"$tmp/main.go" <<'EOF'
package main

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

var (
	ch = make(chan int)
	a  = make(chan int)
	b  = make(chan string)
	mu sync.Mutex
)

func recv()   { <-ch }
func sel()    { select { case <-a: case <-b: } }
func lock()   { mu.Lock() }
func nap()    { time.Sleep(time.Hour) }

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	mu.Lock()
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			go recv()
		case 1:
			go sel()
		case 2:
			go lock()
		case 3:
			go nap()
		}
	}
	for runtime.NumGoroutine() < n+1 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	os.Stdout.WriteString("ready\n")
	buf := make([]byte, 8)
	os.Stdin.Read(buf)
}
EOF
(cd "$tmp" && "$go" build -o prog .) || exit 1

# bench NAME CMD...: start CMD, wait for "ready", measure.
bench() {
	local name=$1 line i err t0
	shift
	mkfifo "$tmp/in.$name" "$tmp/out.$name"
	exec {w}<>"$tmp/in.$name" {r}<>"$tmp/out.$name"
	(
		exec {w}>&- {r}<&- # only our copies hold the pipes open: EOF ends it
		exec "$@" <"$tmp/in.$name" >"$tmp/out.$name"
	) &
	pid=$!
	IFS= read -r -t 120 -u "$r" line
	if [ "$line" != ready ]; then
		echo "bench: $name did not get ready"
		exec {w}>&- {r}<&-
		kill -KILL "$pid" 2>/dev/null
		return 1
	fi
	echo "== $name: pid $pid, $(ls /proc/$pid/task | wc -l) threads, RSS $(awk '/VmRSS/ {print $2 $3}' /proc/$pid/status)"
	for ((i = 0; i < runs; i++)); do
		t0=${EPOCHREALTIME/./}
		err=$("$gostuck" --verbose -p "$pid" 2>&1 >/dev/null)
		echo "  $err; whole command $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
	done
	exec {w}>&- {r}<&-
	wait "$pid" 2>/dev/null
}

if [ -x "build/live/go$v/bin/many" ]; then
	bench many "build/live/go$v/bin/many"
else
	echo "bench: no build/live/go$v/bin/many (tests/test_live.sh $v builds it): 10,000-goroutine fixture not measured"
fi
bench "goroutines-$n" "$tmp/prog" "$n"
