/* report_load.c - a saved JSON report (schema 1, docs/report.schema.json)
 * read back into a report, so that `gostuck diff` and every view work on
 * what a script kept.  Layer: report (the inverse of report_json.c), used
 * by dump.c's entry point.  JSON is parsed by json-c (Debian's
 * libjson-c); this file only maps its objects onto gs_* structs.  It
 * trusts nothing: a missing or mistyped required field is one GS_E_INPUT
 * error naming the field and the goroutine; optional fields that are
 * absent are unknown, as in the report they came from.  Never prints. */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

#define CHUNK (64u << 20) /* json-c takes an int length: feed it in pieces */

struct loader {
	struct gs_model *m;
	const char *path;
	struct gs_error *err;
	struct gs_map objs; /* object addr -> index + 1 in objv */
	struct gs_vec objv; /* struct gs_object * */
};

static json_object *field(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static bool is(json_object *v, json_type t)
{
	return v && json_object_is_type(v, t);
}

/* A string field (arena copy), or NULL when absent or null. */
static const char *str(struct loader *ld, json_object *o, const char *k)
{
	json_object *v = field(o, k);
	if (!is(v, json_type_string))
		return NULL;
	return gs_arena_strndup(ld->m->arena, json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

static bool int_field(json_object *o, const char *k, int64_t *out)
{
	json_object *v = field(o, k);
	if (!is(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

/* "0x..." addresses; 0 when absent, null or malformed. */
static uint64_t addr_field(json_object *o, const char *k)
{
	json_object *v = field(o, k);
	if (!is(v, json_type_string))
		return 0;
	const char *s = json_object_get_string(v);
	char *end;
	if (strncmp(s, "0x", 2) != 0)
		return 0;
	unsigned long long a = strtoull(s + 2, &end, 16);
	return *end ? 0 : a;
}

static int tri_field(json_object *o, const char *k)
{
	json_object *v = field(o, k);
	return is(v, json_type_boolean) ? json_object_get_boolean(v) : -1;
}

static int bad(struct loader *ld, const char *what, size_t index)
{
	return gs_fail(ld->err, GS_E_INPUT, "%s: not a gostuck report: %s of goroutine #%zu is missing or malformed",
	               ld->path, what, index);
}

static int load_frame(struct loader *ld, json_object *o, struct gs_frame *fr)
{
	int64_t line;
	if (!is(o, json_type_object) || !int_field(o, "line", &line))
		return -1;
	fr->func = str(ld, o, "func");
	fr->file = str(ld, o, "file");
	fr->line = line;
	fr->pc = addr_field(o, "pc");
	fr->inlined = tri_field(o, "inlined") == 1;
	return fr->func ? 0 : -1;
}

static const uint64_t *id_list(struct loader *ld, json_object *o, const char *k, size_t *n, size_t *all)
{
	json_object *v = field(o, k);
	*n = 0;
	if (!is(v, json_type_array))
		return NULL;
	size_t len = json_object_array_length(v);
	uint64_t *ids = gs_arena_alloc(ld->m->arena, (len ? len : 1) * sizeof *ids);
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (is(e, json_type_int))
			ids[(*n)++] = (uint64_t)json_object_get_int64(e);
	}
	char ck[64];
	int64_t count;
	snprintf(ck, sizeof ck, "%s_count", k);
	*all = 0;
	if (int_field(o, ck, &count) && count > (int64_t)*n)
		*all = (size_t)count;
	return ids;
}

/* A wait object: every waiter's report repeats it, so objects with an
 * address are shared as the analysis shares them. */
static const struct gs_object *load_object(struct loader *ld, json_object *o, const char *kind)
{
	uint64_t addr = addr_field(o, "addr"), idx;
	if (addr == 0)
		return NULL;
	if (gs_map_get(&ld->objs, addr, &idx))
		return ((struct gs_object **)ld->objv.data)[idx - 1];
	struct gs_object *ob = gs_arena_alloc(ld->m->arena, sizeof *ob);
	ob->kind = kind;
	ob->addr = addr;
	ob->symbol = str(ld, o, "symbol");
	ob->heap_base = addr_field(o, "heap_object");
	ob->elem_type = str(ld, o, "elem_type");
	ob->cap = ob->len = ob->state = ob->when = ob->fires_in_ms = ob->fd = -1;
	ob->counter = INT64_MIN;
	int_field(o, "cap", &ob->cap);
	int_field(o, "len", &ob->len);
	int_field(o, "state", &ob->state);
	int_field(o, "when", &ob->when);
	int_field(o, "fires_in_ms", &ob->fires_in_ms);
	int_field(o, "fd", &ob->fd);
	if (!int_field(o, "counter", &ob->counter))
		int_field(o, "reader_count", &ob->counter);
	ob->closed = tri_field(o, "closed");
	ob->locked = tri_field(o, "locked");
	ob->reachable = tri_field(o, "reachable");
	ob->senders = id_list(ld, o, "senders", &ob->nsenders, &ob->nsenders_all);
	ob->receivers = id_list(ld, o, "receivers", &ob->nreceivers, &ob->nreceivers_all);
	ob->waiters = id_list(ld, o, "waiters", &ob->nwaiters, &ob->nwaiters_all);
	*(struct gs_object **)gs_vec_push(&ld->objv) = ob;
	gs_map_put(&ld->objs, addr, ld->objv.len);
	return ob;
}

static int load_goroutine(struct loader *ld, json_object *o, size_t index, struct gs_goroutine *g)
{
	struct gs_arena *ar = ld->m->arena;
	int64_t v;
	if (!is(o, json_type_object))
		return bad(ld, "the object", index);
	json_object *id = field(o, "id");
	if (is(id, json_type_int))
		g->id = (uint64_t)json_object_get_int64(id);
	else if (id && !is(id, json_type_null))
		return bad(ld, "id", index);
	g->status = str(ld, o, "status");
	g->wait_reason = str(ld, o, "wait_reason");
	g->wait_minutes = int_field(o, "wait_minutes", &v) ? v : -1;
	g->system = tri_field(o, "system") == 1;
	g->parent_id = -1;

	json_object *fa = field(o, "frames");
	if (!is(fa, json_type_array))
		return bad(ld, "frames", index);
	size_t nf = json_object_array_length(fa);
	struct gs_frame *fr = gs_arena_alloc(ar, (nf ? nf : 1) * sizeof *fr);
	for (size_t i = 0; i < nf; i++)
		if (load_frame(ld, json_object_array_get_idx(fa, i), &fr[i]) != 0)
			return bad(ld, "a frame", index);
	g->frames = fr;
	g->nframes = nf;

	json_object *cb = field(o, "created_by");
	if (is(cb, json_type_object)) {
		if (load_frame(ld, cb, &g->created) != 0)
			return bad(ld, "created_by", index);
		g->has_created = true;
		if (int_field(cb, "parent_id", &v))
			g->parent_id = v;
	}

	json_object *lb = field(o, "labels");
	if (is(lb, json_type_object)) {
		size_t n = (size_t)json_object_object_length(lb), k = 0;
		struct gs_label *l = gs_arena_alloc(ar, (n ? n : 1) * sizeof *l);
		json_object_object_foreach(lb, key, val)
		{
			if (k < n && is(val, json_type_string)) {
				l[k].key = gs_arena_strdup(ar, key);
				l[k].value = gs_arena_strdup(ar, json_object_get_string(val));
				k++;
			}
		}
		g->labels = l;
		g->nlabels = k; /* a report writes them sorted by key */
	}

	json_object *lk = field(o, "leak");
	if (is(lk, json_type_object)) {
		const char *verdict = str(ld, lk, "verdict");
		struct gs_leak *l = gs_arena_alloc(ar, sizeof *l);
		/* the verdicts are the library's constants, compared by text */
		l->verdict = verdict && !strcmp(verdict, "definite") ? "definite"
		             : verdict && !strcmp(verdict, "suspect") ? "suspect"
		                                                      : NULL;
		l->reason = str(ld, lk, "reason");
		if (!l->verdict)
			return bad(ld, "leak.verdict", index);
		g->leak = l;
	}

	json_object *wa = field(o, "wait_objects");
	if (is(wa, json_type_array)) {
		size_t n = json_object_array_length(wa);
		struct gs_wait *w = gs_arena_alloc(ar, (n ? n : 1) * sizeof *w);
		for (size_t i = 0; i < n; i++) {
			json_object *wo = json_object_array_get_idx(wa, i);
			w[i].kind = str(ld, wo, "kind");
			if (!w[i].kind)
				return bad(ld, "a wait object's kind", index);
			w[i].dir = str(ld, wo, "dir");
			w[i].select_case = tri_field(wo, "select_case") == 1;
			w[i].obj = load_object(ld, wo, w[i].kind);
		}
		g->waits = w;
		g->nwaits = n;
	}
	return 0;
}

static void load_target(struct loader *ld, json_object *t, struct gs_report *r)
{
	int64_t pid;
	r->exe = str(ld, t, "exe");
	if (int_field(t, "pid", &pid))
		r->pid = pid;
	r->go_version = str(ld, t, "go_version");
	r->arch = str(ld, t, "arch");
	r->build_id = str(ld, t, "build_id");
	json_object *mods = field(t, "modules");
	if (is(mods, json_type_array)) {
		size_t n = json_object_array_length(mods), k = 0;
		const char **v = gs_arena_alloc(ld->m->arena, (n ? n : 1) * sizeof *v);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(mods, i);
			if (is(e, json_type_string))
				v[k++] = gs_arena_strdup(ld->m->arena, json_object_get_string(e));
		}
		r->modules = v;
		r->nmodules = k;
	}
}

static json_object *parse(const char *text, size_t n, const char *path, struct gs_error *err)
{
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok) {
		gs_fail(err, GS_E_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	json_object *root = NULL;
	enum json_tokener_error je = json_tokener_continue;
	for (size_t off = 0; off < n && je == json_tokener_continue;) {
		size_t len = n - off < CHUNK ? n - off : CHUNK;
		root = json_tokener_parse_ex(tok, text + off, (int)len);
		je = json_tokener_get_error(tok);
		off += len;
	}
	if (je != json_tokener_success || !root) {
		gs_fail(err, GS_E_INPUT, "%s: not valid JSON (%s at byte %zu); a saved report is the output of gostuck --json",
		        path, je == json_tokener_continue ? "it ends early" : json_tokener_error_desc(je),
		        (size_t)json_tokener_get_parse_end(tok));
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

int gs_report_load_json(struct gs_analysis *a, const char *text, size_t n, const char *path, struct gs_error *err)
{
	struct gs_model *m = &a->m;
	struct gs_report *r = &a->r;
	json_object *root = parse(text, n, path, err);
	if (!root)
		return -1;
	struct loader ld = { .m = m, .path = path, .err = err };
	gs_map_init(&ld.objs);
	gs_vec_init(&ld.objv, sizeof(struct gs_object *));
	int rc = -1;
	int64_t schema;
	json_object *gor = field(root, "goroutines");
	if (!is(root, json_type_object) || !int_field(root, "schema", &schema) || !is(gor, json_type_array)) {
		gs_fail(err, GS_E_INPUT,
		        "%s: JSON, but not a gostuck report (no \"schema\" and \"goroutines\"); save one with gostuck --json",
		        path);
		goto out;
	}
	if (schema != GS_SCHEMA) {
		gs_fail(err, GS_E_INPUT, "%s: a report of schema %lld; this gostuck reads schema %d", path,
		        (long long)schema, GS_SCHEMA);
		goto out;
	}
	json_object *t = field(root, "target");
	if (is(t, json_type_object))
		load_target(&ld, t, r);
	size_t ng = json_object_array_length(gor);
	struct gs_goroutine *gs = gs_arena_alloc(m->arena, (ng ? ng : 1) * sizeof *gs);
	for (size_t i = 0; i < ng; i++)
		if (load_goroutine(&ld, json_object_array_get_idx(gor, i), i, &gs[i]) != 0)
			goto out;
	r->goroutines = gs;
	r->ngoroutines = ng;
	json_object *w = field(root, "warnings");
	if (is(w, json_type_array))
		for (size_t i = 0; i < json_object_array_length(w); i++) {
			json_object *e = json_object_array_get_idx(w, i);
			if (is(e, json_type_string))
				gs_model_warn(m, "%s", json_object_get_string(e));
		}
	rc = 0;
out:
	gs_map_free(&ld.objs);
	gs_vec_free(&ld.objv);
	json_object_put(root);
	return rc;
}
