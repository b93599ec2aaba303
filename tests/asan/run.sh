#!/bin/bash
# run.sh BUILD_DIR "VERSIONS" - `make check-asan`'s driver: run the whole
# suite (tests/run-all.sh) against the sanitized gostuck in BUILD_DIR.  Layer: test tooling.
#
# Every process of ours runs with ASan+UBSan options that make a report
# fatal and visible: halt on the first error, exit status 86 (no test
# expects it; the suites fail on any status they do not expect, and
# test_badinput.sh also greps stderr for "Sanitizer").  LeakSanitizer is on
# for the gostuck command, so a leak in the library fails the test too.
#
# Not sanitized: the library as the gdb extension loads it into gdb
# (tests/test_gdbext.py, the gdb-oracle and gdb-live suites).  ASan must
# be the first library of a process, and gdb 13 with the ASan runtime
# preloaded (clang-14's or gcc-12's) deadlocks at start-up in setlocale
# (google/sanitizers#1096, llvm/llvm-project#49223 show the same with
# other programs), so those suites load the ordinary build/libgostuck.so
# (GOSTUCK_LIB).  What that leaves unsanitized is the callback target
# (target_callback.c), which only gdb drives; every other line of the
# library runs sanitized through the gostuck command on the same cores
# and processes.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${1:?usage: tests/asan/run.sh BUILD_DIR \"VERSIONS\"}
versions=${2-}
if ! nm -D "$build/gostuck" 2>/dev/null | grep -q __asan_report; then
	echo "asan: $build/gostuck is not built with AddressSanitizer" >&2
	exit 2
fi
if [ ! -f build/libgostuck.so ]; then
	echo "asan: build/libgostuck.so (for the gdb suites) is missing: make lib" >&2
	exit 2
fi
common=halt_on_error=1:exitcode=86:print_stacktrace=1
export ASAN_OPTIONS="$common:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="$common"
# The unit tests compile library sources themselves (tests/unit/test_group.sh,
# test_pcln.sh, with $GOSTUCK_TEST_CC): sanitize those too, with the
# runtime linked statically (they are plain executables).  Not through
# $CC: the go command reads that too, and `go tool pprof` (test_pprof.py)
# then failed to build cmd/pprof's cgo with the sanitizer's compiler.
export GOSTUCK_TEST_CC="${ASAN_CC:-clang-14} -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export GOSTUCK_BUILD=$build
export GOSTUCK_LIB=$PWD/build/libgostuck.so
start=$(date +%s)
# The PIE and cgo builds of the fixtures with the newest release only: the
# same code paths as the oldest's, and CI's 90 minutes are counted.
VARIANT_VERSIONS=newest tests/run-all.sh "$versions"
rc=$?
echo "check-asan: $build, Go ${versions:-all}: $(( $(date +%s) - start ))s, exit $rc"
exit "$rc"
