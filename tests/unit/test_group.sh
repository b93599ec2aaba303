#!/bin/sh
# test_group.sh - build and run the grouping unit test (tests/unit/test_group.c)
# against coreanalyze/src/group.c.  Grouping is a pure function, so the test
# compiles only that file; it needs nothing but a C compiler.
# Usage: tests/unit/test_group.sh [BUILD_DIR]   (default: build)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
mkdir -p "$build/unit"
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -O2 -g \
	-I"$top/coreanalyze/include" -I"$top/coreanalyze/src" \
	-o "$build/unit/test_group" \
	"$top/tests/unit/test_group.c" "$top/coreanalyze/src/group.c"
exec "$build/unit/test_group"
