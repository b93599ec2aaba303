/* diff.c - two snapshots compared by group key: which sites grew, which
 * are new, which shrank or vanished.  Layer: analysis (a pure function of
 * two reports; the views are in report_diff.c).  Used by `gostuck diff`
 * (saved reports and dumps) and `gostuck --growth` (two live snapshots).
 * Never prints. */
#include <stdlib.h>
#include <string.h>

#include "gostuck.h"

/* Only runtime-internal members (hidden unless all, as in the report). */
static bool group_is_system(const struct gs_report *r, const struct gs_group *g)
{
	for (size_t i = 0; i < g->count; i++)
		if (!r->goroutines[g->members[i]].system)
			return false;
	return true;
}

struct side {
	const char *key;
	size_t count;
};

static int side_cmp(const void *a, const void *b)
{
	return strcmp(((const struct side *)a)->key, ((const struct side *)b)->key);
}

/* The groups of r as (key, count) sorted by key; NULL out of memory. */
static struct side *sides(const struct gs_report *r, const struct gs_groups *g, bool all, size_t *n, size_t *total)
{
	struct side *s = calloc(g->ngroups ? g->ngroups : 1, sizeof *s);
	*n = *total = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < g->ngroups; i++) {
		if (!all && group_is_system(r, &g->groups[i]))
			continue;
		s[(*n)++] = (struct side){ .key = g->groups[i].key ? g->groups[i].key : "", .count = g->groups[i].count };
		*total += g->groups[i].count;
	}
	qsort(s, *n, sizeof *s, side_cmp);
	return s;
}

static int rank(const char *change)
{
	return !strcmp(change, "grew") || !strcmp(change, "new") ? 0 : !strcmp(change, "shrank") ? 1 : 2;
}

/* Grown and new first, by growth; then shrunk, most first; then gone, the
 * largest first; ties by key. */
static int row_cmp(const void *a, const void *b)
{
	const struct gs_diff_row *x = a, *y = b;
	int rx = rank(x->change), ry = rank(y->change);
	if (rx != ry)
		return rx - ry;
	long long dx = (long long)x->after - (long long)x->before, dy = (long long)y->after - (long long)y->before;
	if (rx == 0 && dx != dy)
		return dx > dy ? -1 : 1;
	if (rx != 0 && dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x->key, y->key);
}

struct gs_diff *gs_diff(const struct gs_report *a, const struct gs_report *b, enum gs_group_by by, bool all)
{
	struct gs_diff *d = calloc(1, sizeof *d);
	struct gs_groups *ga = gs_group(a, by), *gb = gs_group(b, by);
	size_t na = 0, nb = 0;
	struct side *sa = ga ? sides(a, ga, all, &na, &d->before_total) : NULL;
	struct side *sb = gb && d ? sides(b, gb, all, &nb, &d->after_total) : NULL;
	struct gs_diff_row *rows = calloc(na + nb + 1, sizeof *rows);
	if (!d || !sa || !sb || !rows) {
		free(d);
		d = NULL;
		goto out;
	}
	d->by = by;
	size_t i = 0, j = 0, n = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(sa[i].key, sb[j].key);
		struct gs_diff_row row = { 0 };
		if (c < 0) {
			row = (struct gs_diff_row){ .key = sa[i].key, .before = sa[i].count, .change = "gone" };
			i++;
		} else if (c > 0) {
			row = (struct gs_diff_row){ .key = sb[j].key, .after = sb[j].count, .change = "new" };
			j++;
		} else {
			row = (struct gs_diff_row){ .key = sb[j].key, .before = sa[i].count, .after = sb[j].count };
			row.change = row.after > row.before ? "grew" : row.after < row.before ? "shrank" : NULL;
			i++;
			j++;
		}
		if (!row.change) {
			d->unchanged++;
			continue;
		}
		/* keys belong to the groupings, freed below: the diff keeps copies */
		row.key = strdup(row.key);
		if (!row.key) {
			d->rows = rows;
			d->nrows = n;
			gs_diff_free(d);
			d = NULL;
			goto out;
		}
		rows[n++] = row;
	}
	qsort(rows, n, sizeof *rows, row_cmp);
	d->rows = rows;
	d->nrows = n;
	rows = NULL;
out:
	free(rows);
	free(sa);
	free(sb);
	gs_groups_free(ga);
	gs_groups_free(gb);
	return d;
}

void gs_diff_free(struct gs_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nrows; i++)
		free((char *)d->rows[i].key);
	free((void *)d->rows);
	free(d);
}
