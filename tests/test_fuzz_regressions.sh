#!/bin/bash
# test_fuzz_regressions.sh [VERSION...] - every input a fuzz target once
# crashed on (fuzz/regressions/TARGET/*) run again through that target,
# built as `make fuzz` builds it (clang-14, ASan, UBSan), on the fixture
# made from the newest VERSION's fixtures (fuzz/make-seeds.sh).  A crash,
# leak, sanitizer report or a run over 60 s fails; so does a regression
# directory without its target, or no regression input at all.  Layer:
# test tooling.  Ends with "fuzz-regressions: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 2
v=
for a in "$@"; do v=$a; done
args=()
[ -n "$v" ] && args=(FUZZ_GO="$v")
if ! make -s fuzz-build fuzz-seeds "${args[@]}" >build-fuzz-make.log 2>&1; then
	tail -n 30 build-fuzz-make.log
	rm -f build-fuzz-make.log
	echo "fuzz-regressions: 0 passed, 1 failed (make fuzz-build fuzz-seeds failed)"
	exit 1
fi
rm -f build-fuzz-make.log
export GS_FUZZ_DIR=$PWD/build-fuzz/fixture
pass=0
fail=0
for d in fuzz/regressions/*/; do
	t=$(basename "$d")
	bin=build-fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: no target $bin"
		fail=$((fail + 1))
		continue
	fi
	for f in "$d"*; do
		[ -f "$f" ] || continue
		if out=$(timeout 60 "$bin" -timeout=10 -rss_limit_mb=2048 "$f" 2>&1); then
			echo "ok   $t/$(basename "$f")"
			pass=$((pass + 1))
		else
			echo "FAIL $t/$(basename "$f"):"
			echo "$out" | grep -m 1 -A 15 'ERROR\|runtime error\|Timeout\|out-of-memory' | sed 's/^/    /'
			fail=$((fail + 1))
		fi
	done
done
[ $((pass + fail)) -gt 0 ] || { echo "FAIL: no input under fuzz/regressions"; fail=1; }
echo "fuzz-regressions: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
