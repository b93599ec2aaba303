/* leaks.c - suspect verdicts, and leak tallies.  Layer: analysis (pure
 * functions over a report; the definite verdicts come from reach.c).
 * A goroutine that is not a definite leak is a suspect when it has been
 * blocked at least suspect_minutes (what the runtime would print), or when
 * it is one of at least suspect_count goroutines blocked at the same user
 * site: a pile that size is how a leak looks in a snapshot. */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

static bool blocked(const struct gs_goroutine *g)
{
	return g->wait_reason != NULL || (g->status && !strcmp(g->status, "syscall"));
}

void gs_leaks_suspect(struct gs_model *m, struct gs_report *r)
{
	int64_t minutes = m->opts.suspect_minutes > 0 ? m->opts.suspect_minutes : 5;
	size_t count = m->opts.suspect_count > 0 ? m->opts.suspect_count : 100;
	struct gs_goroutine *gs = (struct gs_goroutine *)r->goroutines;
	struct gs_groups *sites = gs_group(r, GS_GROUP_SITE);
	const struct gs_group **site_of = calloc(r->ngoroutines ? r->ngoroutines : 1, sizeof *site_of);
	if (!sites || !site_of)
		abort();
	/* Per site, its blocked goroutines without a definite verdict,
	 * counted before any suspect verdict is given. */
	size_t *pile = calloc(sites->ngroups ? sites->ngroups : 1, sizeof *pile);
	if (!pile)
		abort();
	for (size_t k = 0; k < sites->ngroups; k++)
		for (size_t j = 0; j < sites->groups[k].count; j++) {
			size_t i = sites->groups[k].members[j];
			site_of[i] = &sites->groups[k];
			pile[k] += blocked(&gs[i]) && !gs[i].leak && !gs[i].system;
		}
	/* Goroutines of one site share their verdict (a million goroutines
	 * on a dozen sites: a dozen reasons, not a million printfs). */
	struct memo {
		struct gs_leak *pile, *old;
		int64_t old_minutes;
		const char *old_reason;
	} *memo = calloc(sites->ngroups ? sites->ngroups : 1, sizeof *memo);
	if (!memo)
		abort();
	for (size_t i = 0; i < r->ngoroutines; i++) {
		struct gs_goroutine *g = &gs[i];
		if (g->leak || g->system || !blocked(g))
			continue;
		size_t k = site_of[i] ? (size_t)(site_of[i] - sites->groups) : 0;
		size_t nb = site_of[i] ? pile[k] : 0;
		struct memo *mo = site_of[i] ? &memo[k] : NULL;
		const char *reason = g->wait_reason ? g->wait_reason : g->status;
		struct gs_leak *l = NULL;
		if (g->wait_minutes >= minutes) {
			if (mo && mo->old && mo->old_minutes == g->wait_minutes && mo->old_reason == reason) {
				l = mo->old;
			} else {
				l = gs_arena_alloc(m->arena, sizeof *l);
				l->verdict = "suspect";
				l->reason = gs_arena_printf(
					m->arena,
					"blocked %lld minutes in %s (at least; --suspect-minutes is %lld): find what should have woken it",
					(long long)g->wait_minutes, reason, (long long)minutes);
				if (mo)
					*mo = (struct memo){ mo->pile, l, g->wait_minutes, reason };
			}
		} else if (nb >= count) {
			if (!mo->pile) {
				mo->pile = gs_arena_alloc(m->arena, sizeof *l);
				mo->pile->verdict = "suspect";
				mo->pile->reason = gs_arena_printf(
					m->arena,
					"one of %zu goroutines blocked at %s: a pile this size is how a leak looks; compare two snapshots to see if it grows",
					nb, site_of[i]->key);
			}
			l = mo->pile;
		}
		if (l)
			g->leak = l;
	}
	free(memo);
	free(pile);
	free(site_of);
	gs_groups_free(sites);
}
