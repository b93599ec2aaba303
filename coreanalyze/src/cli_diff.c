/* cli_diff.c - the gostuck command's comparisons: `gostuck diff BEFORE
 * AFTER` over two dumps or saved reports, and --growth over two snapshots
 * of a live process.  Layer: front end (the comparison is the library's
 * gs_diff, the views report_diff.c's). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *kind_name(enum gs_target_kind k)
{
	return k == GS_TARGET_LIVE ? "live" : k == GS_TARGET_DUMP ? "dump" : "core";
}

/* True when a group grew (or appeared) by at least n. */
static bool grew_by(const struct gs_diff *d, long long n)
{
	for (size_t i = 0; i < d->nrows; i++)
		if ((long long)d->rows[i].after - (long long)d->rows[i].before >= n)
			return true;
	return false;
}

static int load(const char *path, const struct gs_options *opts, struct gs_analysis **out)
{
	struct gs_error err = { 0 };
	if (gs_analyze_dump(path, opts, out, &err) == 0)
		return EXIT_REPORT;
	gs_cli_say("%s", err.msg[0] ? err.msg : "reading the snapshot failed (no reason given)");
	return gs_cli_exit_code(err.code);
}

/* --growth --json keeps the shape it was published with:
 * {"schema","tool","version","growth":{"pid","exe","interval_seconds",
 * "group_by","before":{"goroutines"},"after":{"goroutines"},
 * "groups":[{"key","before","after","delta"}]}} */
struct growth_meta {
	pid_t pid;
	const char *exe;
	double seconds;
};

static int growth_json(FILE *f, const struct gs_diff *d, const struct growth_meta *g)
{
	fprintf(f, "{\"schema\":%d,\"tool\":\"gostuck\",\"version\":\"%s\",\"growth\":{\"pid\":%d,\"exe\":", GS_SCHEMA,
	        GS_VERSION, (int)g->pid);
	gs_report_json_string(f, g->exe ? g->exe : "");
	fprintf(f, ",\"interval_seconds\":%g,\"group_by\":\"%s\",\"before\":{\"goroutines\":%zu},"
	           "\"after\":{\"goroutines\":%zu},\"groups\":[",
	        g->seconds, gs_group_by_name(d->by), d->before_total, d->after_total);
	for (size_t i = 0; i < d->nrows; i++) {
		fputs(i ? ",{\"key\":" : "{\"key\":", f);
		gs_report_json_string(f, d->rows[i].key);
		fprintf(f, ",\"before\":%zu,\"after\":%zu,\"delta\":%zu}", d->rows[i].before, d->rows[i].after,
		        d->rows[i].after - d->rows[i].before);
	}
	fputs("]}}\n", f);
	return ferror(f) || fflush(f) != 0 ? -1 : 0;
}

/* Compare, print, and decide the exit status. */
static int compare(const struct gs_report *ra, const struct gs_report *rb, const struct gs_diff_side *sa,
                   const struct gs_diff_side *sb, enum gs_group_by by, bool json, bool all, long long fail_on_growth,
                   const struct growth_meta *growth)
{
	struct gs_diff *d = gs_diff(ra, rb, by, all);
	if (!d) {
		gs_cli_say("out of memory comparing the two snapshots");
		return EXIT_INTERNAL;
	}
	struct gs_diff shown = *d;
	if (growth) {
		/* --growth lists only what grew: the rest is noise between two
		 * moments of a live process (grew and new rows come first) */
		shown.nrows = 0;
		while (shown.nrows < d->nrows && (!strcmp(d->rows[shown.nrows].change, "grew") ||
		                                  !strcmp(d->rows[shown.nrows].change, "new")))
			shown.nrows++;
	}
	errno = 0;
	int rc = json && growth ? growth_json(stdout, &shown, growth)
	         : json         ? gs_report_diff_json(stdout, &shown, sa, sb)
	                        : gs_report_diff_text(stdout, &shown, sa, sb);
	int status = rc != 0 ? gs_cli_write_failed() : EXIT_REPORT;
	if (status == EXIT_REPORT && fail_on_growth > 0 && grew_by(d, fail_on_growth))
		status = EXIT_FAIL_ON;
	gs_diff_free(d);
	return status;
}

int gs_cli_diff(const struct gs_cli_diff_args *a)
{
	struct gs_analysis *x = NULL, *y = NULL;
	int status = load(a->before, a->opts, &x);
	if (status == EXIT_REPORT)
		status = load(a->after, a->opts, &y);
	if (status == EXIT_REPORT) {
		const struct gs_report *rx = gs_analysis_report(x), *ry = gs_analysis_report(y);
		struct gs_diff_side sx = { a->before, kind_name(rx->kind) }, sy = { a->after, kind_name(ry->kind) };
		status = compare(rx, ry, &sx, &sy, a->by, a->json, a->all, a->fail_on_growth, NULL);
	}
	gs_analysis_close(x);
	gs_analysis_close(y);
	if (status == EXIT_REPORT || status == EXIT_FAIL_ON)
		if (fclose(stdout) != 0)
			return gs_cli_write_failed();
	return status;
}

int gs_cli_growth(pid_t pid, double seconds, const struct gs_options *opts, enum gs_group_by by, bool json, bool all,
                  bool verbose, long long fail_on_growth)
{
	struct gs_analysis *a = NULL, *b = NULL;
	struct gs_options o = *opts;
	o.include_dead = false; /* exited goroutines kept for reuse are not growth */
	int status = gs_cli_analyze_pid(pid, &o, verbose, &a);
	if (status != EXIT_REPORT)
		return status;
	struct timespec t = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
	status = gs_cli_analyze_pid(pid, &o, verbose, &b);
	if (status == EXIT_REPORT) {
		char before[64], after[64];
		snprintf(before, sizeof before, "process %d", (int)pid);
		snprintf(after, sizeof after, "process %d, %g s later", (int)pid, seconds);
		struct gs_diff_side sa = { before, "live" }, sb = { after, "live" };
		struct growth_meta gm = { pid, gs_analysis_report(b)->exe, seconds };
		status = compare(gs_analysis_report(a), gs_analysis_report(b), &sa, &sb, by, json, all, fail_on_growth, &gm);
	}
	gs_analysis_close(a);
	gs_analysis_close(b);
	if (status == EXIT_REPORT || status == EXIT_FAIL_ON)
		if (fclose(stdout) != 0)
			return gs_cli_write_failed();
	return status;
}
