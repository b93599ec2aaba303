/* filter.c - gs_report_filter: a report narrowed to the goroutines a
 * front end asked about (by wait reason, status, function, leak verdict or
 * id), so every view and grouping works on it unchanged.  Layer: analysis
 * (a pure function over a report); it reads no target and copies no
 * strings: the narrowed report borrows everything from the original. */
#include <stdlib.h>
#include <string.h>

#include "gostuck.h"

static bool has_text(const char *s, const char *want)
{
	return s && strstr(s, want);
}

static bool any_frame(const struct gs_goroutine *g, const char *want)
{
	for (size_t i = 0; i < g->nframes; i++)
		if (has_text(g->frames[i].func, want))
			return true;
	return g->has_created && has_text(g->created.func, want);
}

static bool has_id(const struct gs_filter *f, uint64_t id)
{
	for (size_t i = 0; i < f->nids; i++)
		if (f->ids[i] == id)
			return true;
	return false;
}

static bool selected(const struct gs_filter *f, const struct gs_goroutine *g)
{
	if (f->reason && !has_text(g->wait_reason, f->reason))
		return false;
	if (f->status && !(g->status && !strcmp(g->status, f->status)))
		return false;
	if (f->func && !any_frame(g, f->func))
		return false;
	if (f->leak && !(g->leak && (!strcmp(f->leak, "any") || !strcmp(g->leak->verdict, f->leak))))
		return false;
	if (f->ids && !has_id(f, g->id))
		return false;
	return true;
}

struct gs_report *gs_report_filter(const struct gs_report *r, const struct gs_filter *f)
{
	struct gs_report *out = malloc(sizeof *out);
	struct gs_goroutine *gs = malloc((r->ngoroutines ? r->ngoroutines : 1) * sizeof *gs);
	if (!out || !gs) {
		free(out);
		free(gs);
		return NULL;
	}
	*out = *r;
	size_t n = 0;
	for (size_t i = 0; i < r->ngoroutines; i++)
		if (!f || selected(f, &r->goroutines[i]))
			gs[n++] = r->goroutines[i];
	out->goroutines = gs;
	out->ngoroutines = n;
	return out;
}

void gs_report_filtered_free(struct gs_report *fr)
{
	if (!fr)
		return;
	free((void *)fr->goroutines);
	free(fr);
}
