/* report_pprof.c - the pprof view: one report as a goroutine profile in
 * pprof's protobuf format (perftools.profiles.Profile, the published
 * profile.proto, encoded by protobuf-c), gzip-compressed by zlib, the shape
 * `go tool pprof` reads from the runtime's own /debug/pprof/goroutine.
 * Layer: report.  Like the other views it only formats what the report
 * says (it judges nothing), writes only to the FILE* it is given and
 * never exits; unlike them it needs the whole profile in memory before
 * encoding, but that grows with the distinct stacks, not the goroutines.
 *
 * Shape, following runtime/pprof's goroutine profile: sample type and
 * period type goroutine/count, period 1; one sample per distinct (stack,
 * status, wait reason, leak verdict, pprof labels) whose value is the
 * number of goroutines sharing it; one location per distinct pc and frame
 * list, its lines innermost first (all but the last are inlined into the
 * last, as pprof represents inlining); one mapping for the executable
 * marked as already symbolized, so pprof shows our lines and never
 * re-symbolizes the addresses (which are return addresses for callers, as
 * in the runtime's profiles).
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "intern.h"
#include "profile.pb-c.h"
#include "report.h"

/* ---- the profile's tables, before encoding ---- */

struct pprof_builder {
	struct gs_intern strs;  /* NUL-terminated strings; 0 is "" as pprof requires */
	struct gs_intern funcs; /* {name, filename} string indexes; id = index + 1 */
	struct gs_intern locs;  /* {pc, then function id and line per frame, innermost first} */
	struct gs_intern samples; /* {nlocs, location ids..., then key/value string pairs} */
	int64_t *counts;     /* goroutines per sample */
	size_t capcounts;
	uint64_t *key;       /* scratch for the key being built */
	size_t nkey, capkey;
	uint64_t lowpc, highpc; /* of every location, for the mapping */
	/* strings interned before any goroutine */
	uint64_t s_goroutine, s_count, s_exe, s_build_id, s_comment;
};

static int str_id(struct pprof_builder *b, const char *s, uint64_t *id)
{
	size_t i;
	if (!s)
		s = "";
	if (gs_intern_add(&b->strs, s, strlen(s) + 1, &i) < 0)
		return -1;
	*id = i;
	return 0;
}

static int key_push(struct pprof_builder *b, uint64_t v)
{
	if (gs_intern_grow((void **)&b->key, &b->capkey, b->nkey + 1, sizeof *b->key) < 0)
		return -1;
	b->key[b->nkey++] = v;
	return 0;
}

static int func_id(struct pprof_builder *b, const struct gs_frame *f, uint64_t *id)
{
	uint64_t k[2];
	size_t i;
	if (str_id(b, f->func, &k[0]) < 0 || str_id(b, f->file, &k[1]) < 0 ||
	    gs_intern_add(&b->funcs, k, sizeof k, &i) < 0)
		return -1;
	*id = i + 1;
	return 0;
}

/* The location of frames[0..n): a physical frame (the last) and the calls
 * inlined into it, which share its pc.  The key is built after the
 * sample's key in b->key and dropped again. */
static int loc_id(struct pprof_builder *b, const struct gs_frame *frames, size_t n, uint64_t *id)
{
	size_t start = b->nkey, i;
	int rc = key_push(b, frames[n - 1].pc);
	for (size_t k = 0; k < n && rc == 0; k++) {
		uint64_t fid;
		rc = func_id(b, &frames[k], &fid);
		if (rc == 0)
			rc = key_push(b, fid);
		if (rc == 0)
			rc = key_push(b, (uint64_t)frames[k].line);
	}
	if (rc == 0)
		rc = gs_intern_add(&b->locs, b->key + start, (b->nkey - start) * sizeof *b->key, &i);
	b->nkey = start;
	if (rc < 0)
		return -1;
	*id = i + 1;
	uint64_t pc = frames[n - 1].pc;
	if (b->locs.n == 1 || pc < b->lowpc)
		b->lowpc = pc;
	if (b->locs.n == 1 || pc > b->highpc)
		b->highpc = pc;
	return 0;
}

static int label_push(struct pprof_builder *b, const char *key, const char *value)
{
	uint64_t k, v;
	if (!value)
		return 0;
	if (str_id(b, key, &k) < 0 || str_id(b, value, &v) < 0 || key_push(b, k) < 0 || key_push(b, v) < 0)
		return -1;
	return 0;
}

/* Count goroutine g into its sample. */
static int add_goroutine(struct pprof_builder *b, const struct gs_goroutine *g)
{
	b->nkey = 0;
	if (key_push(b, 0) < 0) /* the number of locations, set below */
		return -1;
	size_t nlocs = 0;
	for (size_t i = 0; i < g->nframes;) {
		size_t j = i;
		while (j + 1 < g->nframes && g->frames[j].inlined)
			j++;
		uint64_t id;
		if (loc_id(b, &g->frames[i], j - i + 1, &id) < 0 || key_push(b, id) < 0)
			return -1;
		nlocs++;
		i = j + 1;
	}
	b->key[0] = nlocs;
	/* Our labels first, then the goroutine's own (sorted by key); pprof
	 * keeps every value of a key, so a program's own "status" label shows
	 * beside ours rather than replacing it. */
	if (label_push(b, "status", g->status) < 0 || label_push(b, "wait_reason", g->wait_reason) < 0 ||
	    label_push(b, "leak", g->leak ? g->leak->verdict : NULL) < 0)
		return -1;
	for (size_t i = 0; i < g->nlabels; i++)
		if (label_push(b, g->labels[i].key, g->labels[i].value ? g->labels[i].value : "") < 0)
			return -1;
	size_t s, known = b->samples.n;
	if (gs_intern_add(&b->samples, b->key, b->nkey * sizeof *b->key, &s) < 0)
		return -1;
	if (s == known) {
		if (gs_intern_grow((void **)&b->counts, &b->capcounts, known + 1, sizeof *b->counts) < 0)
			return -1;
		b->counts[s] = 0;
	}
	b->counts[s]++;
	return 0;
}

static void builder_free(struct pprof_builder *b)
{
	gs_intern_free(&b->strs);
	gs_intern_free(&b->funcs);
	gs_intern_free(&b->locs);
	gs_intern_free(&b->samples);
	free(b->counts);
	free(b->key);
}

/* ---- encoding ---- */

/* A protobuf-c output buffer that gzips what it is given onto a FILE*. */
struct gz_out {
	ProtobufCBuffer base;
	z_stream z;
	FILE *f;
	int err; /* 0, or -1 once a deflate or write failed */
};

static void gz_drain(struct gz_out *o, int flush)
{
	unsigned char buf[65536];
	int rc;
	do {
		o->z.next_out = buf;
		o->z.avail_out = sizeof buf;
		rc = deflate(&o->z, flush);
		if (rc == Z_STREAM_ERROR) {
			o->err = -1;
			return;
		}
		size_t have = sizeof buf - o->z.avail_out;
		if (have && fwrite(buf, 1, have, o->f) != have) {
			o->err = -1;
			return;
		}
	} while (o->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

static void gz_append(ProtobufCBuffer *pb, size_t len, const uint8_t *data)
{
	struct gz_out *o = (struct gz_out *)pb;
	while (len && !o->err) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
		o->z.next_in = (Bytef *)data;
		o->z.avail_in = n;
		gz_drain(o, Z_NO_FLUSH);
		data += n;
		len -= n;
	}
}

/* The decoded key of entry i of t, as 64-bit words. */
static const uint64_t *words(const struct gs_intern *t, size_t i, uint64_t *scratch, size_t *n)
{
	size_t len;
	const unsigned char *p = gs_intern_key(t, i, &len);
	*n = len / sizeof *scratch;
	memcpy(scratch, p, len);
	return scratch;
}

/* The messages of the profile, allocated in blocks and freed together. */
struct pprof_msgs {
	Perftools__Profiles__Profile prof;
	Perftools__Profiles__ValueType vt, *vtp;
	Perftools__Profiles__Mapping map, *mapp;
	Perftools__Profiles__Function *fn, **fnp;
	Perftools__Profiles__Location *loc, **locp;
	Perftools__Profiles__Line *line, **linep;
	Perftools__Profiles__Sample *smp, **smpp;
	Perftools__Profiles__Label *lab, **labp;
	uint64_t *locids;
	int64_t *values;
	char **strs;
	int64_t comment;
	uint64_t *scratch;
};

static void msgs_free(struct pprof_msgs *m)
{
	free(m->fn);
	free(m->fnp);
	free(m->loc);
	free(m->locp);
	free(m->line);
	free(m->linep);
	free(m->smp);
	free(m->smpp);
	free(m->lab);
	free(m->labp);
	free(m->locids);
	free(m->values);
	free(m->strs);
	free(m->scratch);
}

static void *calloc1(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* Fill m from b.  0, or -1 out of memory. */
static int msgs_build(struct pprof_msgs *m, const struct pprof_builder *b)
{
	size_t nlines = 0, nlabels = 0, nlocids = 0, maxwords = 2;
	for (size_t i = 0; i < b->locs.n; i++) {
		size_t len;
		gs_intern_key(&b->locs, i, &len);
		nlines += (len / 8 - 1) / 2;
		maxwords = len / 8 > maxwords ? len / 8 : maxwords;
	}
	for (size_t i = 0; i < b->samples.n; i++) {
		size_t len;
		const unsigned char *p = gs_intern_key(&b->samples, i, &len);
		uint64_t nl;
		memcpy(&nl, p, sizeof nl);
		nlocids += nl;
		nlabels += (len / 8 - 1 - nl) / 2;
		maxwords = len / 8 > maxwords ? len / 8 : maxwords;
	}
	m->fn = calloc1(b->funcs.n, sizeof *m->fn);
	m->fnp = calloc1(b->funcs.n, sizeof *m->fnp);
	m->loc = calloc1(b->locs.n, sizeof *m->loc);
	m->locp = calloc1(b->locs.n, sizeof *m->locp);
	m->line = calloc1(nlines, sizeof *m->line);
	m->linep = calloc1(nlines, sizeof *m->linep);
	m->smp = calloc1(b->samples.n, sizeof *m->smp);
	m->smpp = calloc1(b->samples.n, sizeof *m->smpp);
	m->lab = calloc1(nlabels, sizeof *m->lab);
	m->labp = calloc1(nlabels, sizeof *m->labp);
	m->locids = calloc1(nlocids, sizeof *m->locids);
	m->values = calloc1(b->samples.n, sizeof *m->values);
	m->strs = calloc1(b->strs.n, sizeof *m->strs);
	m->scratch = calloc1(maxwords, sizeof *m->scratch);
	if (!m->fn || !m->fnp || !m->loc || !m->locp || !m->line || !m->linep || !m->smp || !m->smpp || !m->lab ||
	    !m->labp || !m->locids || !m->values || !m->strs || !m->scratch)
		return -1;

	for (size_t i = 0; i < b->strs.n; i++) {
		size_t len;
		m->strs[i] = (char *)gs_intern_key(&b->strs, i, &len);
	}
	for (size_t i = 0; i < b->funcs.n; i++) {
		size_t n;
		const uint64_t *k = words(&b->funcs, i, m->scratch, &n);
		perftools__profiles__function__init(&m->fn[i]);
		m->fn[i].id = i + 1;
		m->fn[i].name = m->fn[i].system_name = (int64_t)k[0];
		m->fn[i].filename = (int64_t)k[1];
		m->fnp[i] = &m->fn[i];
	}
	size_t li = 0;
	for (size_t i = 0; i < b->locs.n; i++) {
		size_t n;
		const uint64_t *k = words(&b->locs, i, m->scratch, &n);
		Perftools__Profiles__Location *l = &m->loc[i];
		perftools__profiles__location__init(l);
		l->id = i + 1;
		l->mapping_id = 1;
		l->address = k[0];
		l->line = &m->linep[li];
		for (size_t j = 1; j + 1 < n; j += 2, li++) {
			perftools__profiles__line__init(&m->line[li]);
			m->line[li].function_id = k[j];
			m->line[li].line = (int64_t)k[j + 1];
			m->linep[li] = &m->line[li];
			l->n_line++;
		}
		m->locp[i] = l;
	}
	size_t ci = 0, bi = 0;
	for (size_t i = 0; i < b->samples.n; i++) {
		size_t n;
		const uint64_t *k = words(&b->samples, i, m->scratch, &n);
		Perftools__Profiles__Sample *s = &m->smp[i];
		perftools__profiles__sample__init(s);
		s->n_location_id = k[0];
		s->location_id = &m->locids[ci];
		memcpy(s->location_id, k + 1, k[0] * sizeof *k);
		ci += k[0];
		m->values[i] = b->counts[i];
		s->n_value = 1;
		s->value = &m->values[i];
		s->label = &m->labp[bi];
		for (size_t j = 1 + k[0]; j + 1 < n; j += 2, bi++) {
			perftools__profiles__label__init(&m->lab[bi]);
			m->lab[bi].key = (int64_t)k[j];
			m->lab[bi].str = (int64_t)k[j + 1];
			m->labp[bi] = &m->lab[bi];
			s->n_label++;
		}
		m->smpp[i] = s;
	}

	perftools__profiles__value_type__init(&m->vt);
	m->vt.type = (int64_t)b->s_goroutine;
	m->vt.unit = (int64_t)b->s_count;
	m->vtp = &m->vt;
	perftools__profiles__mapping__init(&m->map);
	m->map.id = 1;
	m->map.memory_start = b->lowpc;
	m->map.memory_limit = b->locs.n ? b->highpc + 1 : 0;
	m->map.filename = (int64_t)b->s_exe;
	m->map.build_id = (int64_t)b->s_build_id;
	m->map.has_functions = m->map.has_filenames = m->map.has_line_numbers = m->map.has_inline_frames = 1;
	m->mapp = &m->map;
	m->comment = (int64_t)b->s_comment;

	Perftools__Profiles__Profile *p = &m->prof;
	perftools__profiles__profile__init(p);
	p->n_sample_type = 1;
	p->sample_type = &m->vtp;
	p->period_type = &m->vt;
	p->period = 1;
	p->n_sample = b->samples.n;
	p->sample = m->smpp;
	p->n_mapping = 1;
	p->mapping = &m->mapp;
	p->n_location = b->locs.n;
	p->location = m->locp;
	p->n_function = b->funcs.n;
	p->function = m->fnp;
	p->n_string_table = b->strs.n;
	p->string_table = m->strs;
	p->n_comment = 1;
	p->comment = &m->comment;
	return 0;
}

/* What the profile is of, for its comment (`go tool pprof -raw` and
 * `-comments` show it).  malloc'd, NULL out of memory. */
static char *describe(const struct gs_report *r, bool all)
{
	char *s = NULL, what[48] = "a goroutine dump";
	const char *core = "";
	if (r->kind == GS_TARGET_LIVE) {
		snprintf(what, sizeof what, "process %lld", (long long)r->pid);
	} else if (r->kind == GS_TARGET_CORE) {
		snprintf(what, sizeof what, "core ");
		core = r->core ? r->core : "?";
	}
	if (asprintf(&s, "gostuck %s: goroutines of %s from %s%s, %s; %s", GS_VERSION, r->exe ? r->exe : "?", what,
	             core, r->go_version ? r->go_version : "unknown Go version",
	             all ? "every goroutine the report holds"
	                 : "runtime-internal goroutines left out, as in the runtime's own goroutine profile") < 0)
		return NULL;
	return s;
}

int gs_report_pprof(FILE *out, const struct gs_report *r, const struct gs_view_options *opts)
{
	bool all = opts && opts->all;
	struct pprof_builder b = {0};
	struct pprof_msgs m = {0};
	uint64_t empty;
	char *comment = describe(r, all);
	int rc = -1;
	if (!comment || str_id(&b, "", &empty) < 0 || str_id(&b, "goroutine", &b.s_goroutine) < 0 ||
	    str_id(&b, "count", &b.s_count) < 0 || str_id(&b, r->exe, &b.s_exe) < 0 ||
	    str_id(&b, r->build_id, &b.s_build_id) < 0 || str_id(&b, comment, &b.s_comment) < 0)
		goto nomem;
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const struct gs_goroutine *g = &r->goroutines[i];
		if ((all || !g->system) && add_goroutine(&b, g) < 0)
			goto nomem;
	}
	if (msgs_build(&m, &b) < 0)
		goto nomem;

	struct gz_out o = {.base = {.append = gz_append}, .f = out};
	/* gzip framing (windowBits 15 + 16), fastest level as runtime/pprof's
	 * profile writer uses. */
	if (deflateInit2(&o.z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto nomem;
	errno = 0;
	protobuf_c_message_pack_to_buffer(&m.prof.base, &o.base);
	if (!o.err) {
		o.z.next_in = NULL;
		o.z.avail_in = 0;
		gz_drain(&o, Z_FINISH);
	}
	deflateEnd(&o.z);
	rc = o.err || ferror(out) || fflush(out) != 0 ? -1 : 0;
	if (rc < 0 && errno == 0)
		errno = EIO;
	goto out;
nomem:
	errno = ENOMEM;
out:
	msgs_free(&m);
	builder_free(&b);
	free(comment);
	return rc;
}
