/* group.c - the grouping analysis: which goroutines belong together (same
 * stack, same user call site, same creation site, same wait reason), and
 * which functions are user code rather than the Go standard library.  Layer:
 * analysis, pure functions over a const struct gs_report.  It does no I/O,
 * never prints, never reads target memory, and never changes the report;
 * its results borrow the report's strings and frames.  Time and memory are
 * linear in the number of goroutines (keys are hashed, never built per
 * goroutine; only one key string per group is made).
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gostuck.h"

static const char *const group_by_names[] = {
	[GS_GROUP_STACK] = "stack",
	[GS_GROUP_SITE] = "site",
	[GS_GROUP_CREATED] = "created",
	[GS_GROUP_REASON] = "reason",
	[GS_GROUP_NONE] = "none",
	[GS_GROUP_OBJECT] = "object",
};

int gs_group_by_parse(const char *name, enum gs_group_by *out)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof group_by_names / sizeof group_by_names[0]; i++) {
		if (strcmp(name, group_by_names[i]) == 0) {
			*out = (enum gs_group_by)i;
			return 0;
		}
	}
	return -1;
}

const char *gs_group_by_name(enum gs_group_by by)
{
	if ((size_t)by >= sizeof group_by_names / sizeof group_by_names[0])
		return NULL;
	return group_by_names[by];
}

/* ---- user code or standard library ---- */

/* Does the package path pkg[0..n) equal mod or lie under it (mod + "/...")? */
static bool path_under(const char *pkg, size_t n, const char *mod)
{
	size_t m = strlen(mod);
	if (m == 0 || m > n || memcmp(pkg, mod, m) != 0)
		return false;
	return m == n || pkg[m] == '/';
}

/* Why not by file path: Debian installs GOROOT as /usr/lib/go-1.NN, so
 * runtime sources do not live under any fixed prefix, and user code can be
 * built from anywhere (Delve's path-based "user" test puts internal/sync under
 * user code for exactly this reason).  The package path is in the symbol name
 * the linker wrote, for every Go release. */
bool gs_func_is_std(const struct gs_report *r, const char *func)
{
	if (!func || !*func)
		return true; /* unknown code is not a user call site */

	/* The package path ends at the first '.' after the last '/'.  Receiver
	 * types ("(*T)") and type arguments ("[...]") come after it and may
	 * contain '/' of their own, so stop looking at the first of those. */
	size_t end = strcspn(func, "([");
	size_t slash = 0;
	bool has_slash = false;
	for (size_t i = 0; i < end; i++) {
		if (func[i] == '/') {
			slash = i;
			has_slash = true;
		}
	}
	size_t from = has_slash ? slash + 1 : 0;
	const char *dot = memchr(func + from, '.', end - from);
	size_t n = dot ? (size_t)(dot - func) : end;

	if (n == 4 && memcmp(func, "main", 4) == 0)
		return false;
	if (r) {
		for (size_t i = 0; i < r->nmodules; i++) {
			const char *mod = r->modules[i];
			if (!mod)
				continue;
			if (path_under(func, n, mod))
				return false;
			/* A module whose last element has a dot ("example/yaml.v3")
			 * spans past the first dot: match the whole name up to the
			 * last '/' plus the module's last element. */
			size_t m = strlen(mod);
			if (m > n && m < end && strncmp(func, mod, m) == 0 && func[m] == '.' &&
			    memchr(func + m, '/', end - m) == NULL)
				return false;
		}
	}
	size_t first = strcspn(func, "/");
	if (first > n)
		first = n;
	return memchr(func, '.', first) == NULL;
}

ssize_t gs_user_frame(const struct gs_report *r, const struct gs_goroutine *g)
{
	if (!g)
		return -1;
	for (size_t i = 0; i < g->nframes; i++)
		if (!gs_func_is_std(r, g->frames[i].func))
			return (ssize_t)i;
	return -1;
}

/* ---- hashing and comparing goroutines by key ---- */

/* Most goroutines share a few hundred function and file names, and the
 * analysis usually hands out the same pointer for the same name; a small
 * direct-mapped cache of string hashes by pointer avoids rehashing them.
 * A miss just recomputes, so correctness never depends on sharing. */
#define HCACHE_BITS 14
struct hcache {
	const char *ptr[1u << HCACHE_BITS];
	uint64_t hash[1u << HCACHE_BITS];
	/* The same for whole frame arrays (the unwinder shares one array
	 * among the goroutines with that stack): their hash, and their
	 * site frame. */
	struct {
		const struct gs_frame *frames;
		size_t n;
		bool has_hash, has_site;
		uint64_t hash;
		ssize_t site;
	} fa[1u << HCACHE_BITS];
};

static size_t fa_slot(const struct gs_frame *frames)
{
	return (size_t)(((uintptr_t)frames * 0x9e3779b97f4a7c15ull) >> (64 - HCACHE_BITS));
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t str_hash(struct hcache *c, const char *s)
{
	if (!s)
		return 0x6e756c6cull;
	size_t slot = (size_t)(((uintptr_t)s * 0x9e3779b97f4a7c15ull) >> (64 - HCACHE_BITS));
	if (c->ptr[slot] == s)
		return c->hash[slot];
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	c->ptr[slot] = s;
	c->hash[slot] = h;
	return h;
}

static bool str_eq(const char *a, const char *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	return strcmp(a, b) == 0;
}

static uint64_t frame_hash(struct hcache *c, const struct gs_frame *f)
{
	uint64_t h = mix(str_hash(c, f->func), str_hash(c, f->file));
	return mix(h, (uint64_t)f->line);
}

static bool frame_eq(const struct gs_frame *a, const struct gs_frame *b)
{
	return a->line == b->line && str_eq(a->func, b->func) && str_eq(a->file, b->file);
}

static bool frames_eq(const struct gs_goroutine *a, const struct gs_goroutine *b)
{
	if (a->nframes != b->nframes)
		return false;
	if (a->frames == b->frames)
		return true;
	for (size_t i = 0; i < a->nframes; i++)
		if (!frame_eq(&a->frames[i], &b->frames[i]) || a->frames[i].inlined != b->frames[i].inlined)
			return false;
	return true;
}

/* The state a traceback header shows: the wait reason, else the status. */
static const char *state_of(const struct gs_goroutine *g)
{
	return g->wait_reason ? g->wait_reason : g->status;
}

/* The frame a site group is keyed on: first user frame, else the top. */
static const struct gs_frame *site_of(const struct gs_report *r, struct hcache *c, const struct gs_goroutine *g)
{
	size_t slot = fa_slot(g->frames);
	ssize_t i;
	if (c->fa[slot].has_site && c->fa[slot].frames == g->frames && c->fa[slot].n == g->nframes) {
		i = c->fa[slot].site;
	} else {
		i = gs_user_frame(r, g);
		if (c->fa[slot].frames != g->frames || c->fa[slot].n != g->nframes)
			c->fa[slot].has_hash = false;
		c->fa[slot].frames = g->frames;
		c->fa[slot].n = g->nframes;
		c->fa[slot].site = i;
		c->fa[slot].has_site = true;
	}
	if (i >= 0)
		return &g->frames[i];
	return g->nframes ? &g->frames[0] : NULL;
}

/* The object a goroutine is grouped under by --group-by object: the first
 * thing it waits on; sleepers each have a timer of their own, so they
 * group together instead. */
static const struct gs_object *group_obj(const struct gs_goroutine *g)
{
	if (!g->nwaits || !g->waits[0].obj || !strcmp(g->waits[0].kind, "timer"))
		return NULL;
	return g->waits[0].obj;
}

struct grouper {
	const struct gs_report *r;
	enum gs_group_by by;
	struct hcache *hc;
	const struct gs_frame **site; /* per goroutine, GS_GROUP_SITE only */
};

static uint64_t key_hash(struct grouper *gr, size_t i)
{
	const struct gs_goroutine *g = &gr->r->goroutines[i];
	uint64_t h = 0x243f6a8885a308d3ull;
	switch (gr->by) {
	case GS_GROUP_STACK:
		h = mix(h, str_hash(gr->hc, g->status));
		h = mix(h, str_hash(gr->hc, g->wait_reason));
		h = mix(h, g->nframes);
		{
			struct hcache *c = gr->hc;
			size_t slot = fa_slot(g->frames);
			uint64_t fh = 0;
			if (c->fa[slot].has_hash && c->fa[slot].frames == g->frames && c->fa[slot].n == g->nframes) {
				fh = c->fa[slot].hash;
			} else {
				for (size_t k = 0; k < g->nframes; k++)
					fh = mix(fh, frame_hash(c, &g->frames[k]));
				if (c->fa[slot].frames != g->frames || c->fa[slot].n != g->nframes)
					c->fa[slot].has_site = false;
				c->fa[slot].frames = g->frames;
				c->fa[slot].n = g->nframes;
				c->fa[slot].hash = fh;
				c->fa[slot].has_hash = true;
			}
			h = mix(h, fh);
		}
		break;
	case GS_GROUP_SITE:
		if (gr->site[i])
			h = mix(h, frame_hash(gr->hc, gr->site[i]));
		break;
	case GS_GROUP_CREATED:
		if (g->has_created)
			h = mix(h, frame_hash(gr->hc, &g->created));
		break;
	case GS_GROUP_REASON:
		h = mix(h, str_hash(gr->hc, state_of(g)));
		break;
	case GS_GROUP_NONE:
		/* Every goroutine is its own group (key_eq: i == j), so hash
		 * the index: ids repeat (a ?debug=1 dump's are all 0), and
		 * 10k equal hashes made the probing quadratic (fuzz_dump). */
		h = mix(h, i);
		break;
	case GS_GROUP_OBJECT:
		if (group_obj(g)) {
			h = mix(h, (uint64_t)(uintptr_t)group_obj(g));
			h = mix(h, str_hash(gr->hc, g->waits[0].dir));
		} else {
			h = mix(h, str_hash(gr->hc, g->nwaits ? g->waits[0].kind : NULL));
			h = mix(h, str_hash(gr->hc, state_of(g)));
		}
		break;
	}
	return h;
}

static bool key_eq(struct grouper *gr, size_t i, size_t j)
{
	const struct gs_goroutine *a = &gr->r->goroutines[i], *b = &gr->r->goroutines[j];
	switch (gr->by) {
	case GS_GROUP_STACK:
		return str_eq(a->status, b->status) && str_eq(a->wait_reason, b->wait_reason) &&
		       frames_eq(a, b);
	case GS_GROUP_SITE:
		if (!gr->site[i] || !gr->site[j])
			return gr->site[i] == gr->site[j];
		return frame_eq(gr->site[i], gr->site[j]);
	case GS_GROUP_CREATED:
		if (!a->has_created || !b->has_created)
			return a->has_created == b->has_created;
		return frame_eq(&a->created, &b->created);
	case GS_GROUP_REASON:
		return str_eq(state_of(a), state_of(b));
	case GS_GROUP_NONE:
		return i == j;
	case GS_GROUP_OBJECT: {
		const struct gs_object *oa = group_obj(a), *ob = group_obj(b);
		if (oa || ob)
			return oa == ob && str_eq(a->waits[0].dir, b->waits[0].dir);
		return str_eq(a->nwaits ? a->waits[0].kind : NULL, b->nwaits ? b->waits[0].kind : NULL) &&
		       str_eq(state_of(a), state_of(b));
	}
	}
	return false;
}

/* ---- key strings, one per group ---- */

struct strbuf {
	char *p;
	size_t len, cap;
	bool nomem;
};

static void sb_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->nomem = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_str(struct strbuf *b, const char *s)
{
	if (!s)
		s = "?";
	sb_add(b, s, strlen(s));
}

static void sb_frame(struct strbuf *b, const struct gs_frame *f)
{
	char num[32];
	sb_str(b, f->func);
	sb_add(b, " ", 1);
	sb_str(b, f->file);
	int n = snprintf(num, sizeof num, ":%lld", (long long)f->line);
	sb_add(b, num, (size_t)n);
}

/* "blocked sending on chan *main.Result 0xc000123400 (cap 0, 0 receivers)":
 * what a group of --group-by object waits on, in words. */
static void object_key(struct strbuf *b, const struct gs_goroutine *g)
{
	char tmp[160];
	const struct gs_wait *w = g->nwaits ? &g->waits[0] : NULL;
	const struct gs_object *o = group_obj(g);
	if (!o) {
		if (w && !strcmp(w->kind, "timer"))
			sb_str(b, "sleeping (each on its own timer)");
		else if (w && !strcmp(w->kind, "nil_chan"))
			sb_str(b, "blocked on a nil channel");
		else if (w && !strcmp(w->kind, "select_no_cases"))
			sb_str(b, "blocked in select {} (no cases)");
		else {
			sb_str(b, "no known object: ");
			sb_str(b, state_of(g));
		}
		return;
	}
	if (!strcmp(o->kind, "chan")) {
		sb_str(b, w->select_case ? "in select, " : "");
		sb_str(b, w->dir && !strcmp(w->dir, "send") ? "blocked sending on chan " : "blocked receiving from chan ");
		sb_str(b, o->elem_type);
		int n = snprintf(tmp, sizeof tmp, " %#llx (cap %lld, %zu senders, %zu receivers%s)",
		                 (unsigned long long)o->addr, (long long)o->cap, o->nsenders, o->nreceivers,
		                 o->closed == 1 ? ", closed" : "");
		sb_add(b, tmp, (size_t)n);
		return;
	}
	static const struct { const char *kind, *what; } names[] = {
		{ "mutex", "waiting for sync.Mutex" }, { "rwmutex", "waiting for sync.RWMutex" },
		{ "waitgroup", "waiting on sync.WaitGroup" }, { "cond", "waiting on sync.Cond" },
		{ "sema", "waiting on semaphore" }, { "timer", "sleeping on timer" }, { "netpoll", "waiting for IO on" },
	};
	const char *what = o->kind;
	for (size_t k = 0; k < sizeof names / sizeof *names; k++)
		if (!strcmp(names[k].kind, o->kind))
			what = names[k].what;
	sb_str(b, what);
	int n = !strcmp(o->kind, "netpoll") ? snprintf(tmp, sizeof tmp, " fd %lld", (long long)o->fd)
	                                    : snprintf(tmp, sizeof tmp, " %#llx", (unsigned long long)o->addr);
	sb_add(b, tmp, (size_t)n);
	if (o->symbol) {
		sb_add(b, " (", 2);
		sb_str(b, o->symbol);
		sb_add(b, ")", 1);
	}
}

/* Append the key of goroutine i and a terminating NUL; keys are kept at
 * offsets because the buffer moves as it grows. */
static void key_append(struct grouper *gr, struct strbuf *b, size_t i)
{
	const struct gs_goroutine *g = &gr->r->goroutines[i];
	switch (gr->by) {
	case GS_GROUP_STACK:
		sb_add(b, "[", 1);
		sb_str(b, state_of(g));
		sb_add(b, "]", 1);
		for (size_t k = 0; k < g->nframes; k++) {
			sb_add(b, k ? "; " : " ", k ? 2 : 1);
			sb_frame(b, &g->frames[k]);
		}
		if (g->nframes == 0)
			sb_str(b, " (no frames)");
		break;
	case GS_GROUP_SITE:
		if (gr->site[i])
			sb_frame(b, gr->site[i]);
		else
			sb_str(b, "(no frames)");
		break;
	case GS_GROUP_CREATED:
		if (g->has_created)
			sb_frame(b, &g->created);
		else
			sb_str(b, "(no creator)");
		break;
	case GS_GROUP_REASON:
		sb_str(b, state_of(g));
		break;
	case GS_GROUP_NONE: {
		char num[48];
		int n = snprintf(num, sizeof num, "goroutine %llu", (unsigned long long)g->id);
		sb_add(b, num, (size_t)n);
		break;
	}
	case GS_GROUP_OBJECT:
		object_key(b, g);
		break;
	}
	sb_add(b, "", 0);
	b->len++; /* keep the NUL */
}

/* ---- building the groups ---- */

struct groups_all {
	struct gs_groups pub;  /* first: gs_groups_free casts back */
	struct gs_group *groups;
	size_t *members;
	char *keys;
};

struct member {
	uint64_t id;
	size_t index;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

struct sort_ctx {
	const struct gs_report *r;
	enum gs_group_by by;
};

/* Largest first, then by key; keys of "none" groups ("goroutine N") by
 * number; the first member's id settles anything else, so the order never
 * depends on allgs order or on qsort. */
static int group_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct gs_group *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (c->by != GS_GROUP_NONE) {
		int d = strcmp(x->key, y->key);
		if (d)
			return d;
	}
	uint64_t ix = c->r->goroutines[x->members[0]].id, iy = c->r->goroutines[y->members[0]].id;
	if (ix != iy)
		return ix < iy ? -1 : 1;
	return x->members[0] < y->members[0] ? -1 : x->members[0] > y->members[0];
}

static void fill_shared(const struct gs_report *r, struct gs_group *gp)
{
	const struct gs_goroutine *first = &r->goroutines[gp->members[0]];
	bool same_status = true, same_reason = true, same_frames = true, same_created = first->has_created;
	for (size_t k = 1; k < gp->count; k++) {
		const struct gs_goroutine *g = &r->goroutines[gp->members[k]];
		if (same_status && !str_eq(g->status, first->status))
			same_status = false;
		if (same_reason && !str_eq(g->wait_reason, first->wait_reason))
			same_reason = false;
		if (same_frames && !frames_eq(g, first))
			same_frames = false;
		if (same_created && (!g->has_created || !frame_eq(&g->created, &first->created)))
			same_created = false;
	}
	gp->status = same_status ? first->status : NULL;
	gp->same_wait_reason = same_reason;
	gp->wait_reason = same_reason ? first->wait_reason : NULL;
	if (same_frames) {
		/* shared frames are never NULL, even a shared empty stack */
		static const struct gs_frame no_frames[1];
		gp->frames = first->frames ? first->frames : no_frames;
		gp->nframes = first->nframes;
	}
	gp->created = same_created ? &first->created : NULL;
}

void gs_groups_free(struct gs_groups *g)
{
	if (!g)
		return;
	struct groups_all *all = (struct groups_all *)g;
	free(all->groups);
	free(all->members);
	free(all->keys);
	free(all);
}

struct gs_groups *gs_group(const struct gs_report *r, enum gs_group_by by)
{
	if (!r || !gs_group_by_name(by))
		return NULL;
	size_t n = r->ngoroutines;
	struct groups_all *all = calloc(1, sizeof *all);
	struct grouper gr = {.r = r, .by = by};
	size_t *gid = NULL, *rep = NULL, *counts = NULL, *slots = NULL, *keyoff = NULL;
	struct member *mem = NULL;
	struct strbuf keys = {0};
	size_t ngroups = 0;
	if (!all)
		return NULL;
	all->pub.by = by;
	if (n == 0)
		return &all->pub;

	gr.hc = calloc(1, sizeof *gr.hc);
	gid = malloc(n * sizeof *gid);
	rep = malloc(n * sizeof *rep);
	mem = malloc(n * sizeof *mem);
	size_t nslots = 16;
	while (nslots < 2 * n)
		nslots *= 2;
	slots = malloc(nslots * sizeof *slots);
	if (!gr.hc || !gid || !rep || !mem || !slots)
		goto nomem;
	if (by == GS_GROUP_SITE) {
		gr.site = malloc(n * sizeof *gr.site);
		if (!gr.site)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			gr.site[i] = site_of(r, gr.hc, &r->goroutines[i]);
	}

	/* Assign each goroutine a group: an open-addressed table of group
	 * numbers, each group represented by its first goroutine. */
	memset(slots, 0xff, nslots * sizeof *slots);
	for (size_t i = 0; i < n; i++) {
		size_t s = (size_t)key_hash(&gr, i) & (nslots - 1);
		for (;;) {
			if (slots[s] == SIZE_MAX) {
				slots[s] = ngroups;
				rep[ngroups] = i;
				gid[i] = ngroups++;
				break;
			}
			if (key_eq(&gr, rep[slots[s]], i)) {
				gid[i] = slots[s];
				break;
			}
			s = (s + 1) & (nslots - 1);
		}
	}
	free(slots);
	slots = NULL;

	/* Members, by group then ascending id (counting sort, then a sort of
	 * each group only where allgs order was not already by id). */
	counts = calloc(ngroups + 1, sizeof *counts);
	if (!counts)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		counts[gid[i] + 1]++;
	for (size_t k = 0; k < ngroups; k++)
		counts[k + 1] += counts[k];
	for (size_t i = 0; i < n; i++) {
		struct member *m = &mem[counts[gid[i]]++];
		m->id = r->goroutines[i].id;
		m->index = i;
	}
	/* counts[k] is now the end of group k; group k starts at counts[k-1]. */
	all->members = malloc(n * sizeof *all->members);
	all->groups = calloc(ngroups, sizeof *all->groups);
	keyoff = malloc(ngroups * sizeof *keyoff);
	if (!all->members || !all->groups || !keyoff)
		goto nomem;
	for (size_t k = 0; k < ngroups; k++) {
		size_t start = k ? counts[k - 1] : 0, end = counts[k];
		bool sorted = true;
		for (size_t j = start + 1; j < end && sorted; j++)
			if (member_cmp(&mem[j - 1], &mem[j]) > 0)
				sorted = false;
		if (!sorted)
			qsort(mem + start, end - start, sizeof *mem, member_cmp);
		for (size_t j = start; j < end; j++)
			all->members[j] = mem[j].index;
		struct gs_group *gp = &all->groups[k];
		gp->count = end - start;
		gp->members = all->members + start;
		keyoff[k] = keys.len;
		key_append(&gr, &keys, rep[k]);
		if (keys.nomem)
			goto nomem;
		fill_shared(r, gp);
	}
	for (size_t k = 0; k < ngroups; k++)
		all->groups[k].key = keys.p + keyoff[k];
	all->keys = keys.p;
	keys.p = NULL;

	struct sort_ctx sc = {.r = r, .by = by};
	qsort_r(all->groups, ngroups, sizeof *all->groups, group_cmp, &sc);
	all->pub.groups = all->groups;
	all->pub.ngroups = ngroups;

	free(gr.hc);
	free(gr.site);
	free(gid);
	free(rep);
	free(mem);
	free(counts);
	free(keyoff);
	return &all->pub;

nomem:
	free(gr.hc);
	free(gr.site);
	free(gid);
	free(rep);
	free(mem);
	free(counts);
	free(slots);
	free(keyoff);
	free(keys.p);
	gs_groups_free(&all->pub);
	return NULL;
}
