/* report.h - the report views: JSON (schema 1, spec/report-json.md) and
 * text for people, and the pprof goroutine profile.
 * Layer: report, the top of the library.  A view formats one report and its
 * groups onto the FILE* it is given and nothing else: it never analyzes,
 * never touches stdout/stderr on its own, never exits.  Text and JSON are
 * streamed (one goroutine at a time), so memory does not grow with the
 * report; pprof holds one entry per distinct stack until it encodes.
 */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gostuck.h"
#include "intern.h"

struct gs_view_options {
	bool all; /* text: also list groups made only of system goroutines;
	           * pprof: also count system goroutines */
	bool groups_only; /* text: the groups alone, no summary, leaks or warnings */
	bool one_line;    /* JSON: the whole report on one line (JSON lines) */
};

/* Write the JSON report (schema GS_SCHEMA) of r, with the groups g (made
 * from r), to out, followed by a newline.  opts may be NULL.
 * Returns 0, or -1 when writing failed (ferror(out) or a failed fflush);
 * errno is then left as the failing call set it.  Nothing is allocated. */
int gs_report_json(FILE *out, const struct gs_report *r, const struct gs_groups *g,
                   const struct gs_view_options *opts);

/* Write the text report of r and its groups g to out: a one-screen summary,
 * then every group largest first, then the warnings.  opts may be NULL.
 * Returns 0, or -1 when writing failed (errno as for gs_report_json) or
 * memory for the summary's small tallies ran out (errno ENOMEM). */
int gs_report_text(FILE *out, const struct gs_report *r, const struct gs_groups *g,
                   const struct gs_view_options *opts);

/* One side of a comparison, as the diff views name it. */
struct gs_diff_side {
	const char *name; /* the file given, or "process N" */
	const char *kind; /* "core", "live", "dump" */
};

/* The comparison of two snapshots: a table (change, before, after, delta,
 * key) under a line with both totals, or one JSON object
 * {"schema","tool","version","diff":{"group_by","before","after",
 * "unchanged","groups":[{"key","change","before","after","delta"}]}}.
 * Returns 0, or -1 when writing failed. */
int gs_report_diff_text(FILE *f, const struct gs_diff *d, const struct gs_diff_side *a, const struct gs_diff_side *b);
int gs_report_diff_json(FILE *f, const struct gs_diff *d, const struct gs_diff_side *a, const struct gs_diff_side *b);

/* Write the goroutine profile of r to out in pprof's format (a gzip'd
 * perftools.profiles.Profile, as `go tool pprof` reads it): one sample per
 * distinct stack, status, wait reason, leak verdict and pprof labels,
 * valued by its number of goroutines, with string labels "status",
 * "wait_reason" and "leak" (the verdict; each only when there is one)
 * beside the goroutine's own labels; frames with their inlined calls,
 * functions, files and lines as the report has them.  Runtime-internal
 * goroutines are left out, as from the runtime's own goroutine profile,
 * unless opts->all; dead ones are in when the report holds them.
 * Returns 0, or -1 when writing failed (errno as for gs_report_json) or
 * memory ran out (errno ENOMEM); the profile is built in memory first, its
 * size growing with the distinct stacks, not with the goroutines. */
int gs_report_pprof(FILE *out, const struct gs_report *r, const struct gs_view_options *opts);

/* One line per goroutine that is not dead, in report order, the columns
 * runtime-gdb.py's `info goroutines` prints ('*' when on a thread, id,
 * status padded to 8, innermost function) followed by the wait reason in
 * brackets, the first frame in user code (when not the innermost) and the
 * leak verdict.  Returns 0, or -1 when writing failed. */
int gs_report_lines(FILE *out, const struct gs_report *r);

/* ---- shared by the views ---- */

/* Counts of goroutines per distinct string (status or wait reason), in
 * first-seen order; strings are borrowed from the report. */
struct gs_report_tally {
	struct gs_report_count {
		const char *name;
		size_t count;
	} *items;
	size_t n, cap;
	struct gs_intern index; /* name -> item, while counting */
};

/* Count every goroutine of r by status (by_reason false) or by wait reason
 * (true; goroutines without one are not counted).  Returns 0, or -1 out of
 * memory.  Items end sorted by count, largest first, then by name.  Free
 * with gs_report_tally_free. */
/* Write s as a JSON string literal (null for NULL), escaped as the JSON
 * view escapes every string of the target: other JSON documents use it. */
void gs_report_json_string(FILE *f, const char *s);

int gs_report_tally(const struct gs_report *r, bool by_reason, struct gs_report_tally *t);
void gs_report_tally_free(struct gs_report_tally *t);

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when the byte at p
 * (>= 0x80) starts none.  Reads no further than a terminating NUL. */
size_t gs_report_utf8_len(const unsigned char *p);

#endif
