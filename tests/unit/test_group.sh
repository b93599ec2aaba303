#!/bin/sh
# test_group.sh - build and run the grouping unit test (tests/unit/test_group.c)
# against coreanalyze/src/group.c.  Grouping is a pure function, so the test
# compiles only that file; it needs nothing but a C compiler.
# Usage: tests/unit/test_group.sh [BUILD_DIR]   (default: build)
#        Go version arguments, as run-all.sh passes to every test script
#        (tests/unit/test_group.sh 1.19 1.22), are not build dirs: ignored.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/${GOSTUCK_BUILD:-build}
case "${1-}" in
"" | [0-9]*.[0-9]*) ;;
*) build=$1 ;;
esac
mkdir -p "$build/unit"
${GOSTUCK_TEST_CC:-${CC:-cc}} -std=gnu11 -Wall -Wextra -Werror -O2 -g \
	-I"$top/coreanalyze/include" -I"$top/coreanalyze/src" \
	-o "$build/unit/test_group" \
	"$top/tests/unit/test_group.c" "$top/coreanalyze/src/group.c"
exec "$build/unit/test_group"
