#!/bin/bash
# test_corrupt.sh VERSION... - the corrupt-core suite (tests/corrupt.py)
# over build/fixtures/goVERSION for each version run-all.sh passes: cores
# made bad from a good fixture core (truncated, zeroed, bit-flipped g's,
# cyclic sudog lists, huge allglen, another program's or architecture's
# core, a non-Go core, an empty file) must each give a clear error or a
# partial report with warnings, in under 5 s and 10x the good run's memory.
# Prints the table (case, outcome, time, peak RSS).  Layer: test tooling.
# A version whose fixtures are missing is a failure, not a skip.
# Env: GOSTUCK (default $GOSTUCK_BUILD/gostuck or build/gostuck).
set -u
cd "$(dirname "$0")/.." || exit 2
gostuck=${GOSTUCK:-${GOSTUCK_BUILD:-build}/gostuck}
dirs=()
for v in "$@"; do dirs+=("build/fixtures/go$v"); done
if [ ${#dirs[@]} -eq 0 ]; then
	for d in build/fixtures/go1.*; do [ -d "$d" ] && dirs+=("$d"); done
fi
if [ ${#dirs[@]} -eq 0 ]; then
	echo "corrupt: no fixture trees under build/fixtures (make fixtures)"
	echo "corrupt: 0 passed, 1 failed"
	exit 1
fi
exec /usr/bin/python3 tests/corrupt.py --gostuck "$gostuck" "${dirs[@]}"
