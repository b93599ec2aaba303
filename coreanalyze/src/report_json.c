/* report_json.c - the JSON view: writes one report and its groups as the
 * schema-1 object of spec/report-json.md, and the status / wait reason
 * tallies both views use.  Layer: report.  It streams to the FILE* it is
 * given (never builds the document in memory, so a million goroutines cost
 * no memory here), escapes every string it did not write itself (target
 * strings may hold any bytes), and never decides anything about goroutines:
 * what it prints is what the report and the groups say.
 */
#define _GNU_SOURCE /* fwrite_unlocked */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---- tallies ---- */

/* Count name: a new item the first time, borrowed from the report. */
static int tally_add(struct gs_report_tally *t, const char *name)
{
	size_t i;
	if (gs_intern_add(&t->index, name, strlen(name), &i) < 0)
		return -1;
	if (i < t->n) {
		t->items[i].count++;
		return 0;
	}
	if (gs_intern_grow((void **)&t->items, &t->cap, t->n + 1, sizeof *t->items) < 0)
		return -1;
	t->items[t->n++] = (struct gs_report_count){.name = name, .count = 1};
	return 0;
}

static int count_cmp(const void *a, const void *b)
{
	const struct gs_report_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

int gs_report_tally(const struct gs_report *r, bool by_reason, struct gs_report_tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const struct gs_goroutine *g = &r->goroutines[i];
		const char *name = by_reason ? g->wait_reason : (g->status ? g->status : "unknown");
		if (name && tally_add(t, name) < 0) {
			gs_report_tally_free(t);
			errno = ENOMEM;
			return -1;
		}
	}
	if (t->n)
		qsort(t->items, t->n, sizeof *t->items, count_cmp);
	gs_intern_free(&t->index); /* the order changed: the index is stale */
	return 0;
}

void gs_report_tally_free(struct gs_report_tally *t)
{
	free(t->items);
	gs_intern_free(&t->index);
	memset(t, 0, sizeof *t);
}

/* ---- JSON primitives ---- */

/* The writer: a 256 KiB buffer in front of the FILE, so that a token is a
 * memcpy, not a stdio call (a million goroutines write gigabytes). */
struct jw {
	FILE *f;
	char *buf;
	size_t n, cap;
	bool err;
	unsigned long flushes;
	struct memo *memo; /* NULL: render every piece */
};

/* Pieces rendered before: a million goroutines share a few hundred
 * distinct frames, and the waiters of one object the same id lists;
 * rendering them (escaping names and paths, formatting ids) was most of
 * the writer's work.  Direct-mapped on a key of every input the piece
 * depends on; a slot is replaced on a collision. */
#define MEMO_SLOTS 4096
struct memo {
	uint64_t k[5];
	size_t len;
	char *bytes;
};

static void jw_flush(struct jw *w)
{
	w->flushes++;
	if (w->n && fwrite_unlocked(w->buf, 1, w->n, w->f) != w->n)
		w->err = true;
	w->n = 0;
}

static void jw_write(struct jw *w, const void *p, size_t len)
{
	if (w->n + len > w->cap) {
		jw_flush(w);
		if (len > w->cap) {
			if (fwrite_unlocked(p, 1, len, w->f) != len)
				w->err = true;
			return;
		}
	}
	memcpy(w->buf + w->n, p, len);
	w->n += len;
}

static inline void jw_c(struct jw *w, char c)
{
	if (w->n == w->cap)
		jw_flush(w);
	w->buf[w->n++] = c;
}

/* The memo slot for key k, and whether it holds k's rendering (written
 * out if so). */
static struct memo *memo_hit(struct jw *w, const uint64_t k[5], bool *hit)
{
	uint64_t h = 0;
	for (int i = 0; i < 5; i++)
		h = (h ^ k[i]) * 0x9e3779b97f4a7c15ull;
	struct memo *e = &w->memo[(h >> 40) % MEMO_SLOTS];
	*hit = e->bytes && !memcmp(e->k, k, sizeof e->k);
	if (*hit)
		jw_write(w, e->bytes, e->len);
	return e;
}

/* Keep what was written since at (flush count fl) as e's rendering of k. */
static void memo_keep(struct jw *w, struct memo *e, const uint64_t k[5], size_t at, unsigned long fl)
{
	if (w->flushes != fl)
		return; /* not in the buffer whole: kept next time */
	char *b = malloc(w->n - at);
	if (!b)
		return;
	memcpy(b, w->buf + at, w->n - at);
	free(e->bytes);
	memcpy(e->k, k, sizeof e->k);
	e->len = w->n - at;
	e->bytes = b;
}


static void put(struct jw *f, const char *s)
{
	jw_write(f, s, strlen(s));
}

static void put_u64(struct jw *f, uint64_t v)
{
	char buf[24], *p = buf + sizeof buf;
	*--p = 0;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_write(f, p, (size_t)(buf + sizeof buf - 1 - p));
}

static void put_i64(struct jw *f, int64_t v)
{
	if (v < 0) {
		jw_c(f, '-');
		put_u64(f, -(uint64_t)v);
	} else {
		put_u64(f, (uint64_t)v);
	}
}

static void put_addr(struct jw *f, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[24], *p = buf + sizeof buf;
	*--p = 0;
	*--p = '"';
	do {
		*--p = hex[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	jw_write(f, p, (size_t)(buf + sizeof buf - 1 - p));
}

static void put_bool(struct jw *f, bool b)
{
	put(f, b ? "true" : "false");
}

size_t gs_report_utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0; /* also stops at the terminating NUL */
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A JSON string, or null for NULL.  Control characters, '"' and '\' are
 * escaped; bytes that are not well-formed UTF-8 become U+FFFD, one each. */
static void put_str(struct jw *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s) {
		put(f, "null");
		return;
	}
	jw_c(f, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		/* A run of bytes that need no escaping, in one write: names and
		 * paths are mostly nothing else. */
		const unsigned char *q = p;
		while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			jw_write(f, p, (size_t)(q - p));
			p = q;
			continue;
		}
		unsigned char c = *p;
		if (c >= 0x80) {
			size_t n = gs_report_utf8_len(p);
			if (n == 0) {
				put(f, "\\ufffd");
				p++;
			} else {
				jw_write(f, p, n);
				p += n;
			}
			continue;
		}
		switch (c) {
		case '"': put(f, "\\\""); break;
		case '\\': put(f, "\\\\"); break;
		case '\b': put(f, "\\b"); break;
		case '\f': put(f, "\\f"); break;
		case '\n': put(f, "\\n"); break;
		case '\r': put(f, "\\r"); break;
		case '\t': put(f, "\\t"); break;
		default:
			if (c < 0x20) {
				char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
				put(f, esc);
			} else {
				jw_c(f, (char)c);
			}
		}
		p++;
	}
	jw_c(f, '"');
}

void gs_report_json_string(FILE *out, const char *s)
{
	char buf[4096];
	struct jw w = { .f = out, .buf = buf, .cap = sizeof buf };
	put_str(&w, s);
	jw_flush(&w);
}

/* ---- report pieces ---- */

/* pc 0: not known (a text dump without pcs); no frame runs at address 0. */
static void put_addr_or_null(struct jw *f, uint64_t a)
{
	if (a)
		put_addr(f, a);
	else
		put(f, "null");
}

/* id 0: not known (a ?debug=1 dump prints none); no goroutine of allgs has id 0. */
static void put_id(struct jw *f, uint64_t id)
{
	if (id)
		put_u64(f, id);
	else
		put(f, "null");
}

static void render_frame(struct jw *f, const struct gs_frame *fr)
{
	put(f, "{\"func\":");
	put_str(f, fr->func);
	put(f, ",\"file\":");
	put_str(f, fr->file);
	put(f, ",\"line\":");
	put_i64(f, fr->line);
	put(f, ",\"pc\":");
	put_addr_or_null(f, fr->pc);
	put(f, ",\"inlined\":");
	put_bool(f, fr->inlined);
	jw_c(f, '}');
}

static void put_frame(struct jw *f, const struct gs_frame *fr)
{
	if (!f->memo || !fr->pc) {
		render_frame(f, fr);
		return;
	}
	const uint64_t k[5] = { fr->pc, (uintptr_t)fr->func, (uintptr_t)fr->file, (uint64_t)fr->line,
		                (uint64_t)fr->inlined };
	bool hit;
	struct memo *e = memo_hit(f, k, &hit);
	if (hit)
		return;
	size_t at = f->n;
	unsigned long fl = f->flushes;
	render_frame(f, fr);
	memo_keep(f, e, k, at, fl);
}

static void render_frames(struct jw *f, const struct gs_frame *frames, size_t n);

static void put_frames(struct jw *f, const struct gs_frame *frames, size_t n)
{
	/* Whole arrays too: goroutines with one stack share its array. */
	const uint64_t k[5] = { (uintptr_t)frames, n, 0, 0, 5ull << 61 };
	bool hit = false;
	struct memo *e = f->memo && n > 1 ? memo_hit(f, k, &hit) : NULL;
	if (hit)
		return;
	size_t at = f->n;
	unsigned long fl = f->flushes;
	render_frames(f, frames, n);
	if (e)
		memo_keep(f, e, k, at, fl);
}

static void render_frames(struct jw *f, const struct gs_frame *frames, size_t n)
{
	jw_c(f, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_c(f, ',');
		put_frame(f, &frames[i]);
	}
	jw_c(f, ']');
}

/* created_by: the go statement, with its parent when known (parent < 0:
 * not recorded, or members of a group differ). */
static void render_created(struct jw *f, const struct gs_frame *c, int64_t parent)
{
	put(f, "{\"func\":");
	put_str(f, c->func);
	put(f, ",\"file\":");
	put_str(f, c->file);
	put(f, ",\"line\":");
	put_i64(f, c->line);
	put(f, ",\"pc\":");
	put_addr_or_null(f, c->pc);
	put(f, ",\"parent_id\":");
	if (parent < 0)
		put(f, "null");
	else
		put_i64(f, parent);
	jw_c(f, '}');
}

/* Memo keys: the fifth word tells the kinds apart (frames: 0 or 1; id
 * lists: 1 << 63; created_by: 1 << 62 and the parent; leaks: 3 << 62;
 * frame arrays: 5 << 61). */
static void put_created(struct jw *f, const struct gs_frame *c, int64_t parent)
{
	if (!c) {
		put(f, "null");
		return;
	}
	const uint64_t k[5] = { c->pc, (uintptr_t)c->func, (uintptr_t)c->file, (uint64_t)c->line,
		                1ull << 62 | ((uint64_t)(parent + 1) & ((1ull << 62) - 1)) };
	bool hit = false;
	struct memo *e = f->memo ? memo_hit(f, k, &hit) : NULL;
	if (hit)
		return;
	size_t at = f->n;
	unsigned long fl = f->flushes;
	render_created(f, c, parent);
	if (e)
		memo_keep(f, e, k, at, fl);
}

/* A wait object's goroutines are listed in every waiter's wait_objects:
 * listed in full, 10,000 waiters on one mutex would write 10^8 ids.  Each
 * list holds the lowest GS_JSON_MAX_IDS ids and "<key>_count" the total;
 * --group-by object lists every member once. */
#define GS_JSON_MAX_IDS 64

static void put_ids(struct jw *f, const char *key, const char *key_count, const uint64_t *ids, size_t n, size_t all)
{
	const uint64_t k[5] = { (uintptr_t)ids, (uintptr_t)key, n, all, 1ull << 63 };
	bool hit = false;
	struct memo *e = f->memo && n > 4 ? memo_hit(f, k, &hit) : NULL;
	if (hit)
		return;
	size_t at = f->n;
	unsigned long fl = f->flushes;
	jw_c(f, ',');
	put_str(f, key_count);
	jw_c(f, ':');
	put_u64(f, all > n ? all : n);
	jw_c(f, ',');
	put_str(f, key);
	jw_c(f, ':');
	if (n > GS_JSON_MAX_IDS)
		n = GS_JSON_MAX_IDS;
	jw_c(f, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_c(f, ',');
		put_u64(f, ids[i]);
	}
	jw_c(f, ']');
	if (e)
		memo_keep(f, e, k, at, fl);
}

static void put_opt_i64(struct jw *f, const char *key, int64_t v)
{
	put(f, key);
	if (v < 0)
		put(f, "null");
	else
		put_i64(f, v);
}

static void put_tri(struct jw *f, const char *key, int v)
{
	put(f, key);
	if (v < 0)
		put(f, "null");
	else
		put_bool(f, v != 0);
}

/* A wait object: kind and addr always; the fields of its kind after. */
static void put_wait(struct jw *f, const struct gs_wait *w)
{
	const struct gs_object *o = w->obj;
	put(f, "{\"kind\":");
	put_str(f, w->kind);
	put(f, ",\"addr\":");
	if (o && o->addr)
		put_addr(f, o->addr);
	else
		put(f, "null");
	if (o && o->symbol) {
		put(f, ",\"symbol\":");
		put_str(f, o->symbol);
	}
	if (o && o->heap_base) {
		put(f, ",\"heap_object\":");
		put_addr(f, o->heap_base);
		put(f, ",\"offset\":");
		put_u64(f, o->addr - o->heap_base);
	}
	if (w->dir) {
		put(f, ",\"dir\":");
		put_str(f, w->dir);
	}
	if (w->select_case)
		put(f, ",\"select_case\":true");
	if (o && !strcmp(o->kind, "chan")) {
		put(f, ",\"elem_type\":");
		put_str(f, o->elem_type);
		put_opt_i64(f, ",\"cap\":", o->cap);
		put_opt_i64(f, ",\"len\":", o->len);
		put_tri(f, ",\"closed\":", o->closed);
		put_ids(f, "senders", "senders_count", o->senders, o->nsenders, o->nsenders_all);
		put_ids(f, "receivers", "receivers_count", o->receivers, o->nreceivers, o->nreceivers_all);
	} else if (o && (!strcmp(o->kind, "mutex") || !strcmp(o->kind, "rwmutex") || !strcmp(o->kind, "waitgroup") ||
	                 !strcmp(o->kind, "cond") || !strcmp(o->kind, "sema"))) {
		put_ids(f, "waiters", "waiters_count", o->waiters, o->nwaiters, o->nwaiters_all);
		if (!strcmp(o->kind, "mutex") || !strcmp(o->kind, "rwmutex")) {
			put_tri(f, ",\"locked\":", o->locked);
			if (o->state >= 0) {
				put(f, ",\"state\":");
				put_i64(f, o->state);
			}
		}
		if (!strcmp(o->kind, "rwmutex") || !strcmp(o->kind, "waitgroup")) {
			put(f, !strcmp(o->kind, "rwmutex") ? ",\"reader_count\":" : ",\"counter\":");
			if (o->counter == INT64_MIN)
				put(f, "null");
			else
				put_i64(f, o->counter);
		}
	} else if (o && !strcmp(o->kind, "timer")) {
		put_opt_i64(f, ",\"when\":", o->when);
		put(f, ",\"fires_in_ms\":");
		if (o->when < 0)
			put(f, "null");
		else
			put_i64(f, o->fires_in_ms);
	} else if (o && !strcmp(o->kind, "netpoll")) {
		put_opt_i64(f, ",\"fd\":", o->fd);
	}
	put_tri(f, ",\"reachable\":", o ? o->reachable : -1);
	jw_c(f, '}');
}

static void put_leak(struct jw *f, const struct gs_leak *l)
{
	if (!l) {
		put(f, "null");
		return;
	}
	const uint64_t k[5] = { (uintptr_t)l->verdict, (uintptr_t)l->reason, 0, 0, 3ull << 62 };
	bool hit = false;
	struct memo *e = f->memo ? memo_hit(f, k, &hit) : NULL;
	if (hit)
		return;
	size_t at = f->n;
	unsigned long fl = f->flushes;
	put(f, "{\"verdict\":");
	put_str(f, l->verdict);
	put(f, ",\"reason\":");
	put_str(f, l->reason);
	jw_c(f, '}');
	if (e)
		memo_keep(f, e, k, at, fl);
}

static void put_goroutine(struct jw *f, const struct gs_goroutine *g)
{
	put(f, "{\"id\":");
	put_id(f, g->id);
	put(f, ",\"status\":");
	put_str(f, g->status);
	put(f, ",\"wait_reason\":");
	put_str(f, g->wait_reason);
	put(f, ",\"wait_minutes\":");
	if (g->wait_minutes < 0)
		put(f, "null");
	else
		put_i64(f, g->wait_minutes);
	put(f, ",\"system\":");
	put_bool(f, g->system);
	put(f, ",\"frames\":");
	put_frames(f, g->frames, g->nframes);
	put(f, ",\"created_by\":");
	put_created(f, g->has_created ? &g->created : NULL, g->parent_id);
	put(f, ",\"wait_objects\":[");
	for (size_t i = 0; i < g->nwaits; i++) {
		if (i)
			jw_c(f, ',');
		put_wait(f, &g->waits[i]);
	}
	put(f, "],\"labels\":{");
	for (size_t i = 0; i < g->nlabels; i++) {
		if (i)
			jw_c(f, ',');
		/* a key must be a string even when the target's is unreadable */
		put_str(f, g->labels[i].key ? g->labels[i].key : "");
		jw_c(f, ':');
		put_str(f, g->labels[i].value);
	}
	put(f, "},\"leak\":");
	put_leak(f, g->leak);
	jw_c(f, '}');
}

static void put_group(struct jw *f, const struct gs_report *r, const struct gs_group *gp)
{
	put(f, "{\"key\":");
	put_str(f, gp->key);
	put(f, ",\"count\":");
	put_u64(f, gp->count);
	put(f, ",\"ids\":[");
	for (size_t k = 0; k < gp->count; k++) {
		if (k)
			jw_c(f, ',');
		put_id(f, r->goroutines[gp->members[k]].id);
	}
	put(f, "],\"status\":");
	put_str(f, gp->status);
	put(f, ",\"wait_reason\":");
	put_str(f, gp->same_wait_reason ? gp->wait_reason : NULL);
	put(f, ",\"frames\":");
	if (gp->frames)
		put_frames(f, gp->frames, gp->nframes);
	else
		put(f, "null");
	put(f, ",\"created_by\":");
	int64_t parent = -1;
	if (gp->created && gp->count) {
		parent = r->goroutines[gp->members[0]].parent_id;
		for (size_t k = 1; k < gp->count && parent >= 0; k++)
			if (r->goroutines[gp->members[k]].parent_id != parent)
				parent = -1;
	}
	put_created(f, gp->created, parent);
	/* The members' verdict when they all share it (same verdict; the
	 * reason of the first). */
	const struct gs_leak *l = gp->count ? r->goroutines[gp->members[0]].leak : NULL;
	for (size_t k = 1; k < gp->count && l; k++) {
		const struct gs_leak *o = r->goroutines[gp->members[k]].leak;
		if (!o || strcmp(o->verdict, l->verdict) != 0)
			l = NULL;
	}
	put(f, ",\"leak\":");
	put_leak(f, l);
	jw_c(f, '}');
}

static void put_tally(struct jw *f, const struct gs_report_tally *t)
{
	jw_c(f, '{');
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			jw_c(f, ',');
		put_str(f, t->items[i].name);
		jw_c(f, ':');
		put_u64(f, t->items[i].count);
	}
	jw_c(f, '}');
}

static const char *kind_name(enum gs_target_kind k)
{
	switch (k) {
	case GS_TARGET_CORE: return "core";
	case GS_TARGET_LIVE: return "live";
	case GS_TARGET_DUMP: return "dump";
	}
	return NULL;
}

int gs_report_json(FILE *out, const struct gs_report *r, const struct gs_groups *g,
                   const struct gs_view_options *opts)
{
	/* JSON lists everything the report holds; one_line drops the line
	 * breaks between its parts (JSON lines). */
	const char *nl = opts && opts->one_line ? "" : "\n";
	struct gs_report_tally by_status, by_reason;
	if (gs_report_tally(r, false, &by_status) < 0)
		return -1;
	if (gs_report_tally(r, true, &by_reason) < 0) {
		gs_report_tally_free(&by_status);
		return -1;
	}

	struct jw w = { .f = out, .cap = 256 * 1024 };
	w.memo = calloc(MEMO_SLOTS, sizeof *w.memo);
	if (!(w.buf = malloc(w.cap)) || !w.memo) {
		free(w.buf);
		free(w.memo);
		gs_report_tally_free(&by_status);
		gs_report_tally_free(&by_reason);
		return -1;
	}
	flockfile(out);
	put(&w, "{\"schema\":");
	put_u64(&w, GS_SCHEMA);
	put(&w, ",\"tool\":\"gostuck\",\"version\":");
	put_str(&w, GS_VERSION);

	put(&w, ",");
	put(&w, nl);
	put(&w, "\"target\":{\"kind\":");
	put_str(&w, kind_name(r->kind));
	put(&w, ",\"exe\":");
	put_str(&w, r->exe);
	put(&w, ",\"core\":");
	put_str(&w, r->core);
	put(&w, ",\"pid\":");
	if (r->pid < 0)
		put(&w, "null");
	else
		put_i64(&w, r->pid);
	put(&w, ",\"go_version\":");
	put_str(&w, r->go_version);
	put(&w, ",\"arch\":");
	put_str(&w, r->arch);
	put(&w, ",\"build_id\":");
	put_str(&w, r->build_id);

	put(&w, "},");
	put(&w, nl);
	put(&w, "\"summary\":{\"goroutines\":");
	put_u64(&w, r->ngoroutines);
	put(&w, ",\"by_status\":");
	put_tally(&w, &by_status);
	put(&w, ",\"by_wait_reason\":");
	put_tally(&w, &by_reason);
	size_t ndef = 0, nsus = 0;
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const struct gs_leak *l = r->goroutines[i].leak;
		ndef += l && !strcmp(l->verdict, "definite");
		nsus += l && !strcmp(l->verdict, "suspect");
	}
	put(&w, ",\"leaks\":{\"definite\":");
	put_u64(&w, ndef);
	put(&w, ",\"suspect\":");
	put_u64(&w, nsus);
	put(&w, "}},");
	put(&w, nl);
	put(&w, "\"goroutines\":[");
	gs_report_tally_free(&by_status);
	gs_report_tally_free(&by_reason);

	for (size_t i = 0; i < r->ngoroutines; i++) {
		put(&w, i ? "," : "");
		put(&w, nl);
		put_goroutine(&w, &r->goroutines[i]);
	}
	put(&w, "],");
	put(&w, nl);
	put(&w, "\"groups\":[");
	for (size_t k = 0; g && k < g->ngroups; k++) {
		put(&w, k ? "," : "");
		put(&w, nl);
		put_group(&w, r, &g->groups[k]);
	}
	put(&w, "],");
	put(&w, nl);
	put(&w, "\"warnings\":[");
	for (size_t i = 0; i < r->nwarnings; i++) {
		put(&w, i ? "," : "");
		put(&w, nl);
		put_str(&w, r->warnings[i]);
	}
	put(&w, "]}\n");
	jw_flush(&w);
	funlockfile(out);
	free(w.buf);
	for (size_t i = 0; i < MEMO_SLOTS; i++)
		free(w.memo[i].bytes);
	free(w.memo);

	if (w.err || fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}
