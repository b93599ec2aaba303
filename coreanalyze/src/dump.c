/* dump.c - goroutine dumps as input: the text the Go runtime already
 * printed (runtime.Stack(buf, true), /debug/pprof/goroutine?debug=2, a
 * panic or GOTRACEBACK=crash traceback, and ?debug=1's counted stacks) read
 * into the same report a core gives.  Layer: runtime model — an input that
 * skips the target and binary layers, because the runtime has walked the
 * goroutines itself.  Fields a text dump cannot give stay unknown (NULL,
 * -1, 0 as gostuck.h documents): no wait objects, no pcs where the dump
 * prints none, no ids for ?debug=1.  Never prints; a file that is none of
 * these formats is one GS_E_INPUT error, and lines that fit no rule become
 * one warning, never a guess.
 *
 * Formats, as runtime/traceback.go (goroutineheader, traceback1,
 * printcreatedby1, printAncestorTraceback) and runtime/pprof
 * (printCountProfile, printStackRecord) print them, Go 1.19-1.27:
 *   header  goroutine N [STATUS(, N minutes)(, locked to thread)...]:
 *           goroutine N gp=0x.. m=N|nil (mp=0x..) [...]:  (1.22+, crash level)
 *           STATUS may end in " (leaked)" (1.26+), " (scan)", " (durable)";
 *           labels " labels:{"k": "v"}" inside the brackets (1.26) or
 *           " {k: v}" after them (1.27), with GODEBUG=tracebacklabels=1.
 *   frame   FUNC(ARGS) / \tFILE:LINE[ +0xOFF][ fp=0x.. sp=0x.. pc=0x..];
 *           an inlined call prints "(...)" as its arguments.
 *   other   "created by F[ in goroutine N]" + file line; "...N frames
 *           elided..." / "...additional frames elided..."; "[originating
 *           from goroutine N]:" ancestors (skipped); "\tgoroutine running on
 *           other thread; stack unavailable"; "-----" between the thread
 *           sections of a crash, where a goroutine can be printed twice.
 *   debug=1 "goroutine profile: total N", then per stack "COUNT @ PC..",
 *           "# labels: {"k":"v", ...}" and "#\tPC\tFUNC+0xOFF\tFILE:LINE"
 *           lines (one per logical frame; inlined frames share a PC; the
 *           leading runtime frames are not printed). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

#define MAX_DUMP_BYTES (16ull << 30)   /* a dump of 10M goroutines is ~10 GB */
#define MAX_DEBUG1_TOTAL 10000000ull   /* goroutines one ?debug=1 dump may claim: each costs ~150 bytes of report, 1.5 GB at this bound */
#define MAX_LABELS 1024                /* per goroutine */

/* ---- strings: interned in the arena, so goroutines share names ---- */

struct intern {
	const char **slot;
	size_t cap, len;
	struct gs_arena *arena;
};

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static const char *intern_n(struct intern *t, const char *s, size_t n)
{
	if (t->len * 2 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		const char **slot = calloc(cap, sizeof *slot);
		if (!slot)
			abort();
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slot[i])
				continue;
			size_t j = str_hash(t->slot[i], strlen(t->slot[i])) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = t->slot[i];
		}
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
	}
	size_t j = str_hash(s, n) & (t->cap - 1);
	for (; t->slot[j]; j = (j + 1) & (t->cap - 1))
		if (strncmp(t->slot[j], s, n) == 0 && t->slot[j][n] == 0)
			return t->slot[j];
	t->slot[j] = gs_arena_strndup(t->arena, s, n);
	t->len++;
	return t->slot[j];
}

static const char *intern(struct intern *t, const char *s)
{
	return intern_n(t, s, strlen(s));
}

/* ---- small scanners over one NUL-terminated line ---- */

static bool take(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool take_u64(const char **p, int base, uint64_t *out)
{
	const char *s = *p;
	if (base == 16 && !take(&s, "0x"))
		return false;
	if (!((*s >= '0' && *s <= '9') || (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno)
		return false;
	*out = v;
	*p = end;
	return true;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void put_utf8(char **o, uint32_t c)
{
	char *q = *o;
	if (c < 0x80) {
		*q++ = (char)c;
	} else if (c < 0x800) {
		*q++ = (char)(0xc0 | c >> 6);
		*q++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*q++ = (char)(0xe0 | c >> 12);
		*q++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*q++ = (char)(0x80 | (c & 0x3f));
	} else {
		*q++ = (char)(0xf0 | c >> 18);
		*q++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*q++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*q++ = (char)(0x80 | (c & 0x3f));
	}
	*o = q;
}

/* A quoted string at *p (the runtime's printquoted, or Go's %q in
 * ?debug=1 labels): \xHH stands for the raw byte, \u/\U for a code point.
 * Returns the interned value and moves *p past the closing quote, or NULL
 * when malformed. */
static const char *take_quoted(struct intern *t, const char **p)
{
	const char *s = *p;
	if (*s != '"')
		return NULL;
	s++;
	size_t cap = strlen(s) + 1;
	char *buf = malloc(cap), *o = buf;
	if (!buf)
		abort();
	for (;;) {
		char c = *s;
		if (c == 0)
			goto bad;
		if (c == '"') {
			s++;
			break;
		}
		if (c != '\\') {
			*o++ = c;
			s++;
			continue;
		}
		char e = s[1], simple = 0;
		switch (e) {
		case 'n': simple = '\n'; break;
		case 'r': simple = '\r'; break;
		case 't': simple = '\t'; break;
		case 'a': simple = '\a'; break;
		case 'b': simple = '\b'; break;
		case 'f': simple = '\f'; break;
		case 'v': simple = '\v'; break;
		case '\\': case '"': case '\'': simple = e; break;
		}
		if (simple) {
			*o++ = simple;
			s += 2;
			continue;
		}
		int width = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
		if (!width)
			goto bad;
		uint32_t v = 0;
		for (int k = 0; k < width; k++) {
			int h = hexval(s[2 + k]);
			if (h < 0)
				goto bad;
			v = v << 4 | (uint32_t)h;
		}
		if (e == 'x')
			*o++ = (char)v;
		else if (v <= 0x10ffff)
			put_utf8(&o, v);
		else
			goto bad;
		s += 2 + width;
	}
	*p = s;
	const char *r = intern_n(t, buf, (size_t)(o - buf));
	free(buf);
	return r;
bad:
	free(buf);
	return NULL;
}

/* 1.27's label tokens: quoted where needed, else [A-Za-z0-9./_]*. */
static const char *take_token(struct intern *t, const char **p)
{
	if (**p == '"')
		return take_quoted(t, p);
	const char *s = *p;
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
	       *s == '/' || *s == '_')
		s++;
	const char *r = intern_n(t, *p, (size_t)(s - *p));
	*p = s;
	return r;
}

/* "k: v, k: v}" (after the '{'); sep is ": " (tracebacks) or ":" (?debug=1).
 * Fills labels (sorted by key later); false when malformed. */
static bool take_labels(struct intern *t, const char **p, bool quoted_only, const char *sep, struct gs_vec *labels)
{
	if (take(p, "}"))
		return true;
	for (size_t k = 0; k < MAX_LABELS; k++) {
		const char *key = quoted_only ? take_quoted(t, p) : take_token(t, p);
		if (!key || !take(p, sep))
			return false;
		const char *val = quoted_only ? take_quoted(t, p) : take_token(t, p);
		if (!val)
			return false;
		struct gs_label *l = gs_vec_push(labels);
		l->key = key;
		l->value = val;
		if (take(p, "}"))
			return true;
		if (!take(p, ", "))
			return false;
	}
	return false;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gs_label *)a)->key, ((const struct gs_label *)b)->key);
}

/* ---- a goroutine record while parsing ---- */

struct rec {
	struct gs_goroutine g;
	struct gs_vec frames; /* struct gs_frame */
	struct gs_vec labels; /* struct gs_label */
	int section;          /* 0: the main dump; k: the k-th "-----" thread section */
	bool unavailable;     /* "stack unavailable" */
	uint64_t elided;      /* frames the runtime left out (UINT64_MAX: an unknown number) */
	size_t elided_at;     /* frames printed before the marker */
	bool elision;
};

struct parser {
	struct gs_model *m;
	struct intern names;
	struct gs_vec recs; /* struct rec */
	size_t unparsed;
	size_t first_unparsed_line;
	char first_unparsed[120];
};

static void unparsed(struct parser *ps, size_t lineno, const char *line)
{
	if (ps->unparsed++ == 0) {
		ps->first_unparsed_line = lineno;
		snprintf(ps->first_unparsed, sizeof ps->first_unparsed, "%s", line);
	}
}

/* The runtime's gStatusStrings: a header shows one of these, or a wait
 * reason (runtime.goroutineheader prints the reason instead of "waiting"
 * when there is one). */
static const char *const status_names[] = {
	"idle", "runnable", "running", "syscall", "waiting", "dead", "copystack", "preempted", "leaked", "???",
	"waiting for cgo callback",
};

/* Wait reasons whose own text ends in " (durable)" (Go 1.25+ synctest):
 * goroutineheader appends " (durable)" to other durably blocked reasons. */
static const char *const durable_bases[] = { "chan receive", "chan send", "select", "sync.WaitGroup.Wait" };

static bool strip_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	if (n < k || strcmp(s + n - k, suffix) != 0)
		return false;
	s[n - k] = 0;
	return true;
}

/* The first of ", ", " labels:{" and "]" at or after p. */
static const char *status_end(const char *p)
{
	const char *a = strstr(p, ", "), *b = strstr(p, " labels:{"), *c = strchr(p, ']');
	const char *e = c;
	if (a && (!e || a < e))
		e = a;
	if (b && (!e || b < e))
		e = b;
	return e;
}

/* Parse a header line into r.  1: a header; 0: not one; -1: starts like
 * one but is malformed. */
static int parse_header(struct parser *ps, const char *line, struct rec *r)
{
	const char *p = line;
	uint64_t goid, v;
	if (!take(&p, "goroutine ") || !take_u64(&p, 10, &goid))
		return 0;
	if (*p != ' ')
		return 0;
	memset(r, 0, sizeof *r);
	r->g.id = goid;
	r->g.wait_minutes = -1;
	r->g.parent_id = -1;
	gs_vec_init(&r->frames, sizeof(struct gs_frame));
	gs_vec_init(&r->labels, sizeof(struct gs_label));
	if (take(&p, " gp=")) {
		if (!take_u64(&p, 16, &v))
			return -1;
		r->g.gaddr = v;
		if (!take(&p, " m=") || !(take(&p, "nil") || take_u64(&p, 10, &v)))
			return -1;
		if (take(&p, " mp=") && !take_u64(&p, 16, &v))
			return -1;
	}
	if (!take(&p, " ["))
		return 0;
	const char *e = status_end(p);
	if (!e || e == p)
		return -1;
	char raw[256];
	snprintf(raw, sizeof raw, "%.*s", (int)(e - p), p);
	p = e;
	bool leaked = false;
	if (strlen(raw) > strlen(" (durable)") && strcmp(raw + strlen(raw) - strlen(" (durable)"), " (durable)") == 0) {
		char base[256];
		snprintf(base, sizeof base, "%.*s", (int)(strlen(raw) - strlen(" (durable)")), raw);
		bool own = false;
		for (size_t i = 0; i < sizeof durable_bases / sizeof *durable_bases; i++)
			own = own || !strcmp(base, durable_bases[i]);
		if (!own)
			strip_suffix(raw, " (durable)");
	}
	strip_suffix(raw, " (scan)");
	leaked = strip_suffix(raw, " (leaked)");
	const char *status = NULL;
	for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
		if (!strcmp(raw, status_names[i]))
			status = status_names[i];
	if (status) {
		r->g.status = status;
	} else {
		r->g.status = "waiting";
		r->g.wait_reason = intern(&ps->names, raw);
	}
	if (leaked)
		r->g.status = "leaked";
	for (int k = 0; k < 64; k++) {
		if (take(&p, ", ")) {
			e = status_end(p);
			if (!e)
				return -1;
			uint64_t n;
			const char *q = p;
			if (take_u64(&q, 10, &n) && take(&q, " minutes") && q == e)
				r->g.wait_minutes = n > INT64_MAX ? INT64_MAX : (int64_t)n;
			else if ((size_t)(e - p) == strlen("locked to thread") && !strncmp(p, "locked to thread", (size_t)(e - p)))
				r->g.locked = true;
			/* other annotations (synctest bubbles) have no report field */
			p = e;
		} else if (take(&p, " labels:{")) {
			if (!take_labels(&ps->names, &p, true, ": ", &r->labels))
				return -1;
		} else if (take(&p, "]")) {
			break;
		} else {
			return -1;
		}
	}
	if (take(&p, " {") && !take_labels(&ps->names, &p, false, ": ", &r->labels))
		return -1;
	return strcmp(p, ":") == 0 ? 1 : -1;
}

/* "\tFILE:LINE[ +0xOFF][ fp=0x.. sp=0x.. pc=0x..]": file, line and pc
 * (0 when not printed).  false when the line is not one.  The line is
 * left as it was. */
static bool parse_fileline(struct parser *ps, const char *line, const char **file, int64_t *lineno, uint64_t *pc)
{
	if (line[0] != '\t')
		return false;
	const char *s = line + 1, *end = s + strlen(s);
	*pc = 0;
	const char *fp = strstr(s, " fp=0x");
	if (fp) {
		const char *q = strstr(fp, " pc=");
		uint64_t v;
		if (!q)
			return false;
		q += 4;
		if (!take_u64(&q, 16, &v) || *q)
			return false;
		*pc = v;
		end = fp;
	}
	const char *off = strstr(s, " +0x");
	if (off && off < end)
		end = off;
	const char *colon = end;
	while (colon > s && colon[-1] != ':')
		colon--;
	if (colon <= s + 1 || colon == end)
		return false;
	int64_t v = 0;
	for (const char *d = colon; d < end; d++) {
		if (*d < '0' || *d > '9' || v > INT64_MAX / 10 - 10)
			return false;
		v = v * 10 + (*d - '0');
	}
	*file = intern_n(&ps->names, s, (size_t)(colon - 1 - s));
	*lineno = v;
	return true;
}

/* "FUNC(ARGS)": the length of FUNC (split at the last '(': argument text
 * never holds one, names may: main.(*T).M) and whether ARGS is "..."
 * (an inlined call); 0 when the line is not one. */
static size_t parse_funcline(const char *line, bool *inlined)
{
	size_t n = strlen(line);
	if (n < 3 || line[0] == '\t' || line[n - 1] != ')')
		return 0;
	const char *k = strrchr(line, '(');
	if (!k || k == line)
		return 0;
	*inlined = strcmp(k, "(...)") == 0;
	return (size_t)(k - line);
}

/* ---- lines ---- */

struct lines {
	char *p, *end;
	size_t lineno;
};

/* The next line, NUL-terminated in place.  A line already terminated by
 * an earlier call (peek_line, then a restore) ends at that NUL, so a line
 * can be read twice. */
static char *next_line(struct lines *ls)
{
	if (ls->p >= ls->end)
		return NULL;
	char *s = ls->p;
	/* Bounded by the buffer's end, not by its final NUL: a scan to the
	 * NUL (strchrnul under ASan's strict_string_checks) makes reading a
	 * dump quadratic in its size. */
	char *nl = s;
	while (nl < ls->end && *nl != '\n' && *nl != 0)
		nl++;
	*nl = 0;
	ls->p = nl + 1;
	ls->lineno++;
	return s;
}

/* "\r\n" line ends become "\n" (a dump saved on Windows, or by curl). */
static size_t drop_cr(char *buf, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (!(buf[i] == '\r' && i + 1 < n && buf[i + 1] == '\n'))
			buf[o++] = buf[i];
	buf[o] = 0;
	return o;
}

static char *peek_line(struct lines *ls, struct lines *save)
{
	*save = *ls;
	return next_line(ls);
}

/* ---- the traceback family ---- */

static bool is_register_line(const char *s)
{
	/* dumpregs: "rax    0x0" (a register name, spaces, a hex value) */
	const char *p = s;
	if (!(*p >= 'a' && *p <= 'z'))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
		p++;
	if (*p != ' ')
		return false;
	while (*p == ' ')
		p++;
	uint64_t v;
	return take_u64(&p, 16, &v) && *p == 0;
}

static void finish_frames_pc(struct rec *r)
{
	/* Inlined frames share the pc of the physical frame below them,
	 * which alone prints "pc=". */
	struct gs_frame *fr = r->frames.data;
	size_t n = r->frames.len;
	if (n == 0 || fr[n - 1].inlined || fr[n - 1].pc == 0)
		return;
	for (size_t i = n - 1; i > 0 && fr[i - 1].inlined && fr[i - 1].pc == 0; i--)
		fr[i - 1].pc = fr[n - 1].pc;
}

static int parse_traceback(struct parser *ps, struct lines *ls)
{
	struct rec *cur = NULL;
	bool in_ancestor = false;
	int section = 0;
	char *line;
	while ((line = next_line(ls))) {
		size_t ln = ls->lineno;
		if (line[0] == 0) {
			cur = NULL;
			continue;
		}
		if (!strcmp(line, "-----")) {
			cur = NULL;
			section++;
			continue;
		}
		if (!strncmp(line, "goroutine ", 10)) {
			struct rec r;
			int h = parse_header(ps, line, &r);
			if (h == 1) {
				r.section = section;
				cur = gs_vec_push(&ps->recs);
				*cur = r;
				in_ancestor = false;
				continue;
			}
			if (h < 0) {
				gs_vec_free(&r.frames);
				gs_vec_free(&r.labels);
				unparsed(ps, ln, line);
				cur = NULL;
				continue;
			}
		}
		if (!cur)
			continue; /* signal lines, registers, messages between goroutines */
		if (is_register_line(line)) {
			cur = NULL; /* dumpregs follows a thread's last goroutine directly */
			continue;
		}
		if (!strcmp(line, "\tgoroutine running on other thread; stack unavailable")) {
			cur->unavailable = true;
			continue;
		}
		uint64_t n = 0;
		const char *q = line;
		if (!strcmp(line, "...additional frames elided...") ||
		    (take(&q, "...") && take_u64(&q, 10, &n) && !strcmp(q, " frames elided..."))) {
			if (!in_ancestor && !cur->elision) {
				cur->elision = true;
				cur->elided = line[3] == 'a' ? UINT64_MAX : n;
				cur->elided_at = cur->frames.len;
			}
			continue;
		}
		q = line;
		if (take(&q, "[originating from goroutine ")) {
			in_ancestor = true;
			continue;
		}
		struct lines save;
		char *next;
		q = line;
		if (take(&q, "created by ")) {
			const char *in = strstr(q, " in goroutine ");
			const char *fn = intern_n(&ps->names, q, in ? (size_t)(in - q) : strlen(q));
			int64_t parent = -1;
			if (in) {
				const char *pp = in + strlen(" in goroutine ");
				if (take_u64(&pp, 10, &n) && !*pp)
					parent = (int64_t)n;
			}
			const char *file = "?";
			int64_t lno = 0;
			uint64_t pc;
			next = peek_line(ls, &save);
			if (!next || !parse_fileline(ps, next, &file, &lno, &pc))
				*ls = save;
			if (!in_ancestor) {
				cur->g.has_created = true;
				cur->g.created = (struct gs_frame){ .func = fn, .file = file, .line = lno };
				cur->g.parent_id = parent;
			}
			continue;
		}
		bool inl;
		size_t flen = parse_funcline(line, &inl);
		if (flen) {
			const char *file;
			int64_t lno;
			uint64_t pc;
			next = peek_line(ls, &save);
			if (next && parse_fileline(ps, next, &file, &lno, &pc)) {
				if (!in_ancestor) {
					struct gs_frame *fr = gs_vec_push(&cur->frames);
					*fr = (struct gs_frame){ .func = intern_n(&ps->names, line, flen), .file = file,
					                         .line = lno, .pc = pc, .inlined = inl };
					finish_frames_pc(cur);
				}
				continue;
			}
			*ls = save;
		}
		if (!strncmp(line, "non-Go function at pc=", 22) || !strncmp(line, "runtime: ", 9) ||
		    !strncmp(line, "stack: frame=", 13) || !strncmp(line, "0x", 2))
			continue; /* cgo frames and the unwinder's own diagnostics */
		unparsed(ps, ln, line);
	}
	return 0;
}

/* Traceback level 2 (GOTRACEBACK=system/crash, a fatal throw): frames
 * carry fp=/sp=/pc= and, from Go 1.22, headers gp=/m=. */
static bool full_level(const struct parser *ps)
{
	const struct rec *recs = ps->recs.data;
	for (size_t i = 0; i < ps->recs.len; i++) {
		if (recs[i].g.gaddr)
			return true;
		const struct gs_frame *fr = recs[i].frames.data;
		for (size_t k = 0; k < recs[i].frames.len; k++)
			if (fr[k].pc)
				return true;
	}
	return false;
}

/* isSystemGoroutine for a dump: the goroutine's start function is its
 * outermost frame (runtime.goexit below it is not printed at level 1);
 * runtime.* starts are system except runtime.main (and the finalizer and
 * cleanup goroutines while they run user code, which shows as user frames
 * on their stacks).  Mirrors goroutines.c's rule for cores. */
static bool dump_is_system(const struct rec *r)
{
	const struct gs_frame *fr = r->frames.data;
	size_t n = r->frames.len;
	while (n > 0 && !strcmp(fr[n - 1].func, "runtime.goexit"))
		n--;
	if (n == 0 || (r->elision && r->elided == UINT64_MAX && r->elided_at == r->frames.len))
		return false;
	const char *start = fr[n - 1].func;
	if (!strcmp(start, "runtime.main") || !strcmp(start, "runtime.corostart") ||
	    !strcmp(start, "runtime.handleAsyncEvent"))
		return false;
	if (!strcmp(start, "runtime.runfinq") || !strcmp(start, "runtime.runFinalizers") ||
	    !strcmp(start, "runtime.runCleanups")) {
		for (size_t i = 0; i < n; i++)
			if (strncmp(fr[i].func, "runtime.", 8) != 0 && strncmp(fr[i].func, "internal/", 9) != 0)
				return false;
		return true;
	}
	return strncmp(start, "runtime.", 8) == 0;
}

/* The record to report for each goroutine id: its main-dump entry when
 * that has a stack, else a thread section's entry with a stack (a running
 * goroutine's stack is printed only in its thread's section), else its
 * first entry.  Goroutine 0 (a thread's g0 or signal stack) is not a
 * goroutine of allgs and is left out, as a core's report leaves it out. */
static int collect(struct parser *ps, struct gs_report *r)
{
	struct gs_model *m = ps->m;
	struct rec *recs = ps->recs.data;
	size_t n = ps->recs.len;
	struct gs_map best; /* goid -> index + 1 */
	gs_map_init(&best);
	size_t *order = malloc((n ? n : 1) * sizeof *order), norder = 0;
	if (!order)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (recs[i].g.id == 0)
			continue;
		uint64_t v;
		if (!gs_map_get(&best, recs[i].g.id, &v)) {
			gs_map_put(&best, recs[i].g.id, i + 1);
			order[norder++] = i;
			continue;
		}
		const struct rec *b = &recs[v - 1], *c = &recs[i];
		bool b_stack = b->frames.len && !b->unavailable, c_stack = c->frames.len && !c->unavailable;
		int b_rank = b_stack ? (b->section == 0 ? 0 : 1) : 2, c_rank = c_stack ? (c->section == 0 ? 0 : 1) : 2;
		if (c_rank < b_rank)
			gs_map_put(&best, recs[i].g.id, i + 1);
	}
	struct gs_goroutine *gs = gs_arena_alloc(m->arena, (norder ? norder : 1) * sizeof *gs);
	for (size_t k = 0; k < norder; k++) {
		uint64_t v;
		gs_map_get(&best, recs[order[k]].g.id, &v);
		struct rec *rc = &recs[v - 1];
		struct gs_goroutine *g = &gs[k];
		*g = rc->g;
		size_t nf = rc->frames.len;
		struct gs_frame *fr = gs_arena_alloc(m->arena, (nf ? nf : 1) * sizeof *fr);
		if (nf)
			memcpy(fr, rc->frames.data, nf * sizeof *fr);
		g->frames = fr;
		g->nframes = nf;
		g->system = dump_is_system(rc);
		if (rc->unavailable && nf == 0)
			g->stack_error = "the dump has no stack for it (running on another thread)";
		else if (rc->elision && rc->elided == UINT64_MAX)
			g->stack_error = gs_arena_printf(m->arena, "the dump elides the frames after frame %zu", rc->elided_at);
		else if (rc->elision)
			g->stack_error = gs_arena_printf(m->arena, "the dump elides %llu frames after frame %zu",
			                                 (unsigned long long)rc->elided, rc->elided_at);
		size_t nl = rc->labels.len;
		struct gs_label *lb = gs_arena_alloc(m->arena, (nl ? nl : 1) * sizeof *lb);
		if (nl)
			memcpy(lb, rc->labels.data, nl * sizeof *lb);
		qsort(lb, nl, sizeof *lb, label_cmp);
		g->labels = lb;
		g->nlabels = nl;
		if (!strcmp(g->status, "leaked")) {
			/* The runtime's own verdict: its GC found the goroutine
			 * blocked on objects nothing alive can reach (Go 1.26+). */
			struct gs_leak *l = gs_arena_alloc(m->arena, sizeof *l);
			l->verdict = "definite";
			l->reason = "the runtime itself marked it leaked: blocked on objects no live goroutine can reach";
			g->leak = l;
		}
	}
	r->goroutines = gs;
	r->ngoroutines = norder;
	free(order);
	gs_map_free(&best);
	return 0;
}

/* ---- ?debug=1 ---- */

/* "#\tPC\tFUNC+0xOFF\tFILE:LINE", columns separated by runs of tabs (the
 * tabwriter pads them). */
static bool parse_debug1_frame(struct parser *ps, char *line, uint64_t *pc, struct gs_frame *fr)
{
	const char *p = line;
	if (!take(&p, "#\t"))
		return false;
	while (*p == '\t')
		p++;
	if (!take_u64(&p, 16, pc) || *p != '\t')
		return false;
	while (*p == '\t')
		p++;
	char *tab = strchr(p, '\t');
	if (!tab)
		return false; /* a pc without a function: nothing to show */
	char *plus = tab;
	while (plus > p && *plus != '+')
		plus--;
	if (plus == p)
		return false;
	const char *func = intern_n(&ps->names, p, (size_t)(plus - p));
	char *s = tab;
	while (*s == '\t')
		s++;
	char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(colon + 1, &end, 10);
	if (errno || *end || v < 0)
		return false;
	*fr = (struct gs_frame){ .func = func, .file = intern_n(&ps->names, s, (size_t)(colon - s)), .line = v };
	return true;
}

static int parse_debug1(struct parser *ps, struct lines *ls, struct gs_report *r, const char *path,
                        struct gs_error *err)
{
	struct gs_model *m = ps->m;
	struct gs_vec gor; /* struct gs_goroutine */
	gs_vec_init(&gor, sizeof(struct gs_goroutine));
	char *line = next_line(ls);
	uint64_t total = 0;
	const char *q = line;
	if (!line || !take(&q, "goroutine profile: total ") || !take_u64(&q, 10, &total) || *q)
		return gs_fail(err, GS_E_INPUT, "%s: not a goroutine profile", path);
	if (total > MAX_DEBUG1_TOTAL)
		return gs_fail(err, GS_E_INPUT, "%s: claims %llu goroutines, more than gostuck reads (%llu)", path,
		               (unsigned long long)total, MAX_DEBUG1_TOTAL);
	uint64_t seen = 0;
	while ((line = next_line(ls))) {
		size_t ln = ls->lineno;
		if (!line[0])
			continue;
		uint64_t count;
		q = line;
		if (!take_u64(&q, 10, &count) || !take(&q, " @")) {
			unparsed(ps, ln, line);
			continue;
		}
		/* The record's return pcs, one per physical frame. */
		struct gs_vec pcs, frames, labels;
		gs_vec_init(&pcs, sizeof(uint64_t));
		gs_vec_init(&frames, sizeof(struct gs_frame));
		gs_vec_init(&labels, sizeof(struct gs_label));
		uint64_t pcv;
		while (take(&q, " ") && take_u64(&q, 16, &pcv) && pcs.len < 100000)
			*(uint64_t *)gs_vec_push(&pcs) = pcv;
		struct lines save;
		uint64_t last_pc = 0;
		while ((line = peek_line(ls, &save)) && line[0] == '#') {
			struct gs_frame fr;
			q = line;
			if (take(&q, "# labels: {")) {
				if (!take_labels(&ps->names, &q, true, ":", &labels) || *q)
					unparsed(ps, ls->lineno, line);
				continue;
			}
			uint64_t pc;
			if (!parse_debug1_frame(ps, line, &pc, &fr)) {
				if (strcmp(line, "#"))
					unparsed(ps, ls->lineno, line);
				continue;
			}
			/* A logical frame printed with the same pc as the next one
			 * was inlined into it (runtime.CallersFrames prints one line
			 * per logical frame). */
			struct gs_frame *prev = frames.len ? (struct gs_frame *)frames.data + frames.len - 1 : NULL;
			if (prev && last_pc == pc)
				prev->inlined = true;
			last_pc = pc;
			/* The printed pc is the return pc minus one (CallersFrames
			 * backs up into the call); report the return pc of the
			 * record when it is there, as a core's frames carry it. */
			fr.pc = 0;
			for (size_t k = 0; k < pcs.len; k++) {
				uint64_t rp = ((uint64_t *)pcs.data)[k];
				if (rp == pc + 1 || rp == pc)
					fr.pc = rp;
			}
			*(struct gs_frame *)gs_vec_push(&frames) = fr;
		}
		if (line)
			*ls = save;
		if (count == 0 || seen + count > total) {
			gs_fail(err, GS_E_INPUT, "%s: line %zu: %llu more goroutines than the total of %llu the header gives",
			        path, ln, (unsigned long long)count, (unsigned long long)total);
			gs_vec_free(&pcs);
			gs_vec_free(&frames);
			gs_vec_free(&labels);
			gs_vec_free(&gor);
			return -1;
		}
		seen += count;
		struct gs_frame *fr = gs_arena_alloc(m->arena, (frames.len ? frames.len : 1) * sizeof *fr);
		if (frames.len)
			memcpy(fr, frames.data, frames.len * sizeof *fr);
		struct gs_label *lb = gs_arena_alloc(m->arena, (labels.len ? labels.len : 1) * sizeof *lb);
		if (labels.len)
			memcpy(lb, labels.data, labels.len * sizeof *lb);
		qsort(lb, labels.len, sizeof *lb, label_cmp);
		/* Every goroutine of the record shares its frames and labels;
		 * ?debug=1 prints no ids, statuses or creators. */
		for (uint64_t k = 0; k < count; k++) {
			struct gs_goroutine *g = gs_vec_push(&gor);
			g->wait_minutes = -1;
			g->parent_id = -1;
			g->frames = fr;
			g->nframes = frames.len;
			g->labels = lb;
			g->nlabels = labels.len;
		}
		gs_vec_free(&pcs);
		gs_vec_free(&frames);
		gs_vec_free(&labels);
	}
	if (seen != total)
		gs_model_warn(m, "the profile's header counts %llu goroutines, its stacks %llu",
		              (unsigned long long)total, (unsigned long long)seen);
	struct gs_goroutine *gs = gs_arena_alloc(m->arena, (gor.len ? gor.len : 1) * sizeof *gs);
	if (gor.len)
		memcpy(gs, gor.data, gor.len * sizeof *gs);
	r->goroutines = gs;
	r->ngoroutines = gor.len;
	gs_vec_free(&gor);
	return 0;
}

/* ---- the entry point ---- */

/* The whole input (path, or standard input for "-"), NUL-terminated. */
static int read_all(const char *path, char **out, size_t *len, struct gs_error *err)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return gs_fail(err, GS_E_INPUT, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd)
			close(fd);
		return gs_fail(err, GS_E_INPUT, "%s is a directory, not a goroutine dump", path);
	}
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			if (fd)
				close(fd);
			return gs_fail(err, GS_E_NOMEM, "out of memory reading %s", path);
		}
		if (n + 1 >= cap) {
			if (cap >= MAX_DUMP_BYTES) {
				free(buf);
				if (fd)
					close(fd);
				return gs_fail(err, GS_E_INPUT, "%s is larger than %llu GiB; not a goroutine dump gostuck reads",
				               path, MAX_DUMP_BYTES >> 30);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
			continue;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(buf);
			if (fd)
				close(fd);
			return gs_fail(err, GS_E_INPUT, "reading %s: %s", path, strerror(e));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (fd)
		close(fd);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

enum dump_format { FMT_NONE, FMT_TRACEBACK, FMT_DEBUG1, FMT_JSON, FMT_ELF };

static enum dump_format detect(const char *buf, size_t n)
{
	if (n >= 4 && !memcmp(buf, "\177ELF", 4))
		return FMT_ELF;
	const char *p = buf;
	while (p < buf + n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p < buf + n && *p == '{')
		return FMT_JSON;
	if (!strncmp(p, "goroutine profile: total ", 25))
		return FMT_DEBUG1;
	/* A traceback: a "goroutine N [" or "goroutine N gp=" line anywhere
	 * (a panic message or signal lines may come first). */
	for (const char *s = buf; s < buf + n;) {
		const char *q = s;
		uint64_t id;
		if (take(&q, "goroutine ") && take_u64(&q, 10, &id) && (take(&q, " [") || take(&q, " gp=")))
			return FMT_TRACEBACK;
		const char *nl = memchr(s, '\n', (size_t)(buf + n - s));
		if (!nl)
			break;
		s = nl + 1;
	}
	return FMT_NONE;
}

int gs_analyze_dump(const char *path, const struct gs_options *opts, struct gs_analysis **out, struct gs_error *err)
{
	char *buf = NULL;
	size_t n = 0;
	if (read_all(path, &buf, &n, err) != 0)
		return -1;
	n = drop_cr(buf, n);
	enum dump_format fmt = detect(buf, n);
	if (fmt == FMT_ELF || fmt == FMT_NONE) {
		free(buf);
		if (fmt == FMT_ELF)
			return gs_fail(err, GS_E_USAGE,
			               "%s is an ELF file, not a goroutine dump: for a core give both EXE and CORE", path);
		return gs_fail(err, GS_E_INPUT,
		               "%s: not a goroutine dump (no \"goroutine N [...]:\" header, no \"goroutine profile:\" line) "
		               "nor a gostuck JSON report; gostuck reads runtime.Stack output, /debug/pprof/goroutine?debug=1 "
		               "or 2, panic and GOTRACEBACK=crash tracebacks",
		               path);
	}
	struct gs_analysis *a = gs_analysis_bare(opts);
	struct gs_model *m = &a->m;
	struct gs_report *r = &a->r;
	r->kind = GS_TARGET_DUMP;
	r->core = gs_arena_strdup(m->arena, path);
	int rc;
	if (fmt == FMT_JSON) {
		rc = gs_report_load_json(a, buf, n, path, err);
	} else {
		struct parser ps = { .m = m, .names = { .arena = m->arena } };
		gs_vec_init(&ps.recs, sizeof(struct rec));
		struct lines ls = { .p = buf, .end = buf + n };
		rc = fmt == FMT_DEBUG1 ? parse_debug1(&ps, &ls, r, path, err) : parse_traceback(&ps, &ls);
		if (rc == 0 && fmt == FMT_TRACEBACK)
			rc = collect(&ps, r);
		if (rc == 0 && r->ngoroutines == 0 && fmt == FMT_TRACEBACK)
			rc = gs_fail(err, GS_E_INPUT, "%s: no goroutine in the dump could be read", path);
		if (rc == 0 && fmt == FMT_TRACEBACK && !full_level(&ps))
			gs_model_warn(m, "the dump was printed at traceback level 1 (runtime.Stack, ?debug=2, a panic): "
			                 "runtime frames, wrappers and runtime-internal goroutines are not in it, and no pcs; "
			                 "a GOTRACEBACK=crash traceback or a core shows them");
		if (rc == 0 && fmt == FMT_DEBUG1)
			gs_model_warn(m, "a ?debug=1 profile counts stacks: it has no goroutine ids, statuses, wait reasons "
			                 "or creators, hides leading runtime frames and cuts deep stacks");
		if (ps.unparsed)
			gs_model_warn(m, "%zu line%s of the dump fit no format gostuck knows, and were skipped (first, line %zu: %s)",
			              ps.unparsed, ps.unparsed == 1 ? "" : "s", ps.first_unparsed_line, ps.first_unparsed);
		struct rec *recs = ps.recs.data;
		for (size_t i = 0; i < ps.recs.len; i++) {
			gs_vec_free(&recs[i].frames);
			gs_vec_free(&recs[i].labels);
		}
		gs_vec_free(&ps.recs);
		free(ps.names.slot);
		if (rc == 0)
			gs_leaks_suspect(m, r);
	}
	free(buf);
	if (rc != 0) {
		gs_analysis_close(a);
		return -1;
	}
	gs_analysis_finish(a);
	*out = a;
	return 0;
}
