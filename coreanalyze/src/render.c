/* render.c - gs_render: the text, JSON, lines and pprof views written
 * into memory, for front ends that are not a terminal (the gdb extension
 * prints them through gdb).  Layer: report.  It only groups and calls the same view
 * functions the gostuck command uses, so both print the same bytes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

char *gs_render(const struct gs_report *r, const struct gs_render_options *o, size_t *len)
{
	struct gs_render_options def = { .format = GS_FORMAT_TEXT, .by = GS_GROUP_STACK };
	if (!o)
		o = &def;
	/* Only text and JSON show groups: pprof aggregates by itself, lines
	 * list goroutines. */
	bool grouped = o->format == GS_FORMAT_TEXT || o->format == GS_FORMAT_JSON;
	struct gs_groups *g = grouped ? gs_group(r, o->by) : NULL;
	if (grouped && !g)
		return NULL;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f) {
		gs_groups_free(g);
		return NULL;
	}
	struct gs_view_options vo = { .all = o->all, .groups_only = o->groups_only };
	int rc = o->format == GS_FORMAT_JSON    ? gs_report_json(f, r, g, &vo)
	         : o->format == GS_FORMAT_LINES ? gs_report_lines(f, r)
	         : o->format == GS_FORMAT_PPROF ? gs_report_pprof(f, r, &vo)
	                                        : gs_report_text(f, r, g, &vo);
	if (fclose(f) != 0)
		rc = -1;
	gs_groups_free(g);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

void gs_free(void *p)
{
	free(p);
}
