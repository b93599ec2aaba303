#!/bin/bash
# run.sh BUILD_DIR "VERSIONS" - `make check-asan`'s driver: run the whole
# suite (tests/run-all.sh) against the sanitized gostuck and libgostuck.so
# in BUILD_DIR.  Layer: test tooling.
#
# Every process of ours runs with ASan+UBSan options that make a report
# fatal and visible: halt on the first error, exit status 86 (no test
# expects it; the suites fail on any status they do not expect, and
# test_badinput.sh also greps stderr for "Sanitizer").  LeakSanitizer is on
# for the gostuck command, so a leak in the library fails the test too.
#
# The gdb extension loads libgostuck.so into gdb through ctypes, and ASan
# must be the first library of the process, so tests/asan/gdb (first on
# PATH) starts the real gdb with the sanitizer runtime preloaded
# (GOSTUCK_ASAN_RT, the -shared-libasan runtime the build linked against).
# There, leak detection is off: at exit it would report gdb's and Python's
# own allocations, which are not ours.  Memory errors and undefined
# behaviour in the library inside gdb are still fatal; leaks in the library
# are covered by the gostuck command's runs of the same code.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${1:?usage: tests/asan/run.sh BUILD_DIR \"VERSIONS\"}
versions=${2-}
if [ ! -f "${GOSTUCK_ASAN_RT-}" ]; then
	echo "asan: GOSTUCK_ASAN_RT='${GOSTUCK_ASAN_RT-}' is not the sanitizer runtime (make check-asan sets it)" >&2
	exit 2
fi
for f in "$build/gostuck" "$build/libgostuck.so"; do
	if ! nm -D "$f" 2>/dev/null | grep -q __asan_report; then
		echo "asan: $f is not built with AddressSanitizer" >&2
		exit 2
	fi
done
common=halt_on_error=1:exitcode=86:print_stacktrace=1
export ASAN_OPTIONS="$common:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="$common"
# The unit tests compile library sources themselves with $CC
# (tests/unit/test_group.sh, test_pcln.sh): sanitize those too, with the
# runtime linked statically (they are plain executables).
export CC="${ASAN_CC:-clang-14} -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export GOSTUCK_BUILD=$build
export GOSTUCK_LIB=$PWD/$build/libgostuck.so
export PATH=$PWD/tests/asan:$PATH
start=$(date +%s)
tests/run-all.sh "$versions"
rc=$?
echo "check-asan: $build, Go ${versions:-all}: $(( $(date +%s) - start ))s, exit $rc"
exit "$rc"
