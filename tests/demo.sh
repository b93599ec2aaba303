#!/usr/bin/env bash
# make demo: crash a leaking fixture into a core with the oldest installed Go
# toolchain (Debian's default, 1.19, on a fresh machine) and print gostuck's
# report of it.  Everything it makes stays under build/.
set -euo pipefail
cd "$(dirname "$0")/.."
v=$(ls -d /usr/lib/go-1.*/bin/go 2>/dev/null | sed 's|/usr/lib/go-||; s|/bin/go||' | sort -V | head -n 1)
[ -n "$v" ] || { echo "demo: no Go toolchain under /usr/lib/go-1.NN; run scripts/install-go.sh 1.19" >&2; exit 1; }
out=build/fixtures/go$v
fixture=${DEMO_FIXTURE:-many}
echo "demo: building the fixtures with Go $v and crashing '$fixture' into a core (GOTRACEBACK=crash, SIGABRT)..." >&2
fixtures/make-cores.sh "$v" "$out" "$fixture" >&2
echo "demo: build/gostuck $out/$fixture/exe $out/$fixture/core" >&2
echo >&2
exec build/gostuck "$out/$fixture/exe" "$out/$fixture/core"
