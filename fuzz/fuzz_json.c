/* fuzz_json.c - libFuzzer target: a saved JSON report (what `gostuck diff`
 * and --batch read back) loaded by gs_analyze_dump, diffed against the
 * fixture's own report by every key, and shown in every view.  The input
 * is the file's bytes.  Seeds: `gostuck --json` of fixture cores and
 * dumps. */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static struct gs_analysis *base;
	if (fd < 0) {
		struct gs_error err;
		char *rp = fz_fixture_path("report.json");
		if (gs_analyze_dump(rp, NULL, &base, &err) != 0) {
			fprintf(stderr, "fuzz_json: the fixture report: %s\n", err.msg);
			abort();
		}
		free(rp);
		fd = fz_memfile("report", "", 0, path, sizeof path);
	}
	fz_memfile_set(fd, data, size);
	struct gs_analysis *a = NULL;
	struct gs_error err;
	if (gs_analyze_dump(path, NULL, &a, &err) == 0) {
		const struct gs_report *r = gs_analysis_report(a);
		fz_exercise_report(r);
		for (int by = GS_GROUP_STACK; by <= GS_GROUP_OBJECT; by++) {
			gs_diff_free(gs_diff(gs_analysis_report(base), r, (enum gs_group_by)by, false));
			gs_diff_free(gs_diff(r, gs_analysis_report(base), (enum gs_group_by)by, true));
		}
		gs_analysis_close(a);
	}
	return 0;
}
