/* fuzz_dump.c - libFuzzer target: a text goroutine dump (runtime.Stack,
 * pprof ?debug=1/2, panic and GOTRACEBACK=crash tracebacks) read by
 * gs_analyze_dump, then every view over the report.  The input is the
 * file's bytes.  Seeds: the fixtures' traceback.txt and dump-*.txt. */
#include <stdint.h>
#include <stddef.h>

#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0)
		fd = fz_memfile("dump", "", 0, path, sizeof path);
	fz_memfile_set(fd, data, size);
	struct gs_analysis *a = NULL;
	struct gs_error err;
	if (gs_analyze_dump(path, NULL, &a, &err) == 0) {
		fz_exercise_report(gs_analysis_report(a));
		gs_analysis_close(a);
	}
	return 0;
}
