/* report_diff.c - the views of a snapshot comparison (gs_diff): a table for
 * people and a JSON object for scripts.  Layer: report.  Writes only to
 * the FILE it is given. */
#include <stdio.h>
#include <string.h>

#include "report.h"

static long long delta(const struct gs_diff_row *r)
{
	return (long long)r->after - (long long)r->before;
}

int gs_report_diff_text(FILE *f, const struct gs_diff *d, const struct gs_diff_side *a, const struct gs_diff_side *b)
{
	fprintf(f, "%s (%zu goroutines) -> %s (%zu goroutines): %+lld, grouped by %s\n", a->name, d->before_total,
	        b->name, d->after_total, (long long)d->after_total - (long long)d->before_total, gs_group_by_name(d->by));
	size_t grew = 0;
	for (size_t i = 0; i < d->nrows; i++)
		grew += !strcmp(d->rows[i].change, "grew") || !strcmp(d->rows[i].change, "new");
	if (grew == 0)
		fputs("no group grew\n", f);
	if (d->nrows) {
		fprintf(f, "%-7s %8s %8s %8s  %s\n", "change", "before", "after", "delta", "key");
		for (size_t i = 0; i < d->nrows; i++) {
			const struct gs_diff_row *r = &d->rows[i];
			fprintf(f, "%-7s %8zu %8zu %+8lld  %s\n", r->change, r->before, r->after, delta(r), r->key);
		}
	}
	if (d->unchanged)
		fprintf(f, "%zu group%s unchanged\n", d->unchanged, d->unchanged == 1 ? "" : "s");
	return ferror(f) || fflush(f) != 0 ? -1 : 0;
}

static void side_json(FILE *f, const char *name, const struct gs_diff_side *s, size_t total)
{
	fprintf(f, "\"%s\":{\"path\":", name);
	gs_report_json_string(f, s->name);
	fputs(",\"kind\":", f);
	gs_report_json_string(f, s->kind);
	fprintf(f, ",\"goroutines\":%zu}", total);
}

int gs_report_diff_json(FILE *f, const struct gs_diff *d, const struct gs_diff_side *a, const struct gs_diff_side *b)
{
	fprintf(f, "{\"schema\":%d,\"tool\":\"gostuck\",\"version\":\"%s\",\"diff\":{\"group_by\":\"%s\",", GS_SCHEMA,
	        GS_VERSION, gs_group_by_name(d->by));
	side_json(f, "before", a, d->before_total);
	fputc(',', f);
	side_json(f, "after", b, d->after_total);
	fprintf(f, ",\"unchanged\":%zu,\"groups\":[", d->unchanged);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct gs_diff_row *r = &d->rows[i];
		fputs(i ? ",\n{\"key\":" : "\n{\"key\":", f);
		gs_report_json_string(f, r->key);
		fprintf(f, ",\"change\":\"%s\",\"before\":%zu,\"after\":%zu,\"delta\":%lld}", r->change, r->before, r->after,
		        delta(r));
	}
	fputs("]}}\n", f);
	return ferror(f) || fflush(f) != 0 ? -1 : 0;
}
