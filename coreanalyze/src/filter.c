/* filter.c - gs_report_filter: a report narrowed to the goroutines a
 * front end asked about (by wait reason, status, function, leak verdict or
 * id), so every view and grouping works on it unchanged.  Layer: analysis
 * (a pure function over a report); it reads no target and copies no
 * strings: the narrowed report borrows everything from the original. */
#include <stdlib.h>
#include <string.h>

#include "gostuck.h"
#include "util.h"

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

/* ids is sorted (gs_report_filter sorts a copy): one lookup per goroutine. */
static bool has_id(const uint64_t *ids, size_t n, uint64_t id)
{
	return bsearch(&id, ids, n, sizeof *ids, gs_u64_cmp) != NULL;
}

static bool selected(const struct gs_filter *f, const uint64_t *ids, const struct gs_goroutine *g)
{
	if (f->reason && !has_text(g->wait_reason, f->reason))
		return false;
	if (f->status && !(g->status && !strcmp(g->status, f->status)))
		return false;
	if (f->func && !any_frame(g, f->func))
		return false;
	if (f->leak && !(g->leak && (!strcmp(f->leak, "any") || !strcmp(g->leak->verdict, f->leak))))
		return false;
	if (f->ids && !has_id(ids, f->nids, g->id))
		return false;
	return true;
}

struct gs_report *gs_report_filter(const struct gs_report *r, const struct gs_filter *f)
{
	struct gs_report *out = malloc(sizeof *out);
	struct gs_goroutine *gs = malloc((r->ngoroutines ? r->ngoroutines : 1) * sizeof *gs);
	uint64_t *ids = f && f->ids ? malloc((f->nids ? f->nids : 1) * sizeof *ids) : NULL;
	if (!out || !gs || (f && f->ids && !ids)) {
		free(out);
		free(gs);
		free(ids);
		return NULL;
	}
	if (ids && f->nids) {
		memcpy(ids, f->ids, f->nids * sizeof *ids);
		qsort(ids, f->nids, sizeof *ids, gs_u64_cmp);
	}
	*out = *r;
	size_t n = 0;
	for (size_t i = 0; i < r->ngoroutines; i++)
		if (!f || selected(f, ids, &r->goroutines[i]))
			gs[n++] = r->goroutines[i];
	free(ids);
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
