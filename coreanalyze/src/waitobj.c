/* waitobj.c - what each blocked goroutine waits on.  Layer: runtime model.
 * Channels and select cases come from the goroutine's sudog chain
 * (g.waiting, set by chansend/chanrecv/selectgo in every release); sync
 * primitives from the runtime's semaphore table, indexed once (semaRoot
 * treaps: runtime/sema.go), or from g.waiting where Go 1.26+ records the
 * address; IO waits from the poll descriptor list; sleeps from g.timer.
 * The kind of a semaphore (Mutex, RWMutex, WaitGroup) is read off the
 * waiter's own stack, which names the sync method in every release, where
 * Go 1.19's wait reason says only "semacquire".  Linear in goroutines;
 * every walk of target memory is bounded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

#define MAX_CHAIN 100000 /* sudogs of one select / one queue */

struct objbuild {
	struct gs_object *o; /* in the arena from the start: a million objects are not copied */
	struct gs_vec senders, receivers, waiters; /* uint64_t ids */
};

struct wctx {
	struct gs_model *m;
	struct gs_report *r;
	struct gs_map gidx;    /* g address -> goroutine index + 1 */
	struct gs_map objs;    /* kind-tagged address -> objbuild index + 1 */
	struct gs_vec builds;  /* struct objbuild */
	struct gs_map semaddr; /* g address -> semaphore address (from semtable) */
	struct gs_map sudogdir; /* sudog address -> 1 send, 2 recv (from channel queues) */
	struct gs_map condof;  /* g address -> notifyList address (cond_of) */
	size_t budget;         /* total sudogs we are willing to visit */
};

static uint64_t rd64(struct wctx *c, uint64_t addr, bool *ok)
{
	uint64_t v = 0;
	if (gs_mem_u64(c->m, addr, &v) != 0)
		*ok = false;
	return v;
}

static uint64_t field(struct wctx *c, uint64_t base, enum gs_rt_id id, bool *ok)
{
	uint64_t v = 0;
	if (gs_mem_field(c->m, base, id, &v) != 0)
		*ok = false;
	return v;
}

static const char *kind_tag[] = { "chan", "mutex", "rwmutex", "waitgroup", "cond", "sema", "timer", "netpoll" };

static struct objbuild *get_obj(struct wctx *c, const char *kind, uint64_t addr)
{
	uint64_t tag = 0;
	for (size_t i = 0; i < sizeof kind_tag / sizeof *kind_tag; i++)
		if (!strcmp(kind, kind_tag[i]))
			tag = i;
	uint64_t key = addr * 16 + tag + 1, idx;
	if (gs_map_get(&c->objs, key, &idx))
		return (struct objbuild *)c->builds.data + (idx - 1);
	struct objbuild *b = gs_vec_push(&c->builds);
	gs_map_put(&c->objs, key, c->builds.len);
	b->o = gs_arena_alloc(c->m->arena, sizeof *b->o);
	*b->o = (struct gs_object){ .kind = kind, .addr = addr, .cap = -1, .len = -1, .closed = -1, .state = -1,
		                   .locked = -1, .counter = INT64_MIN, .when = -1, .fires_in_ms = -1,
		                   .fd = -1, .reachable = -1 };
	gs_vec_init(&b->senders, sizeof(uint64_t));
	gs_vec_init(&b->receivers, sizeof(uint64_t));
	gs_vec_init(&b->waiters, sizeof(uint64_t));
	const char *sym;
	uint64_t off;
	if (addr >= c->m->bias && gs_elf_data_symbol(c->m->exe, addr - c->m->bias, &sym, &off) == 0)
		b->o->symbol = off ? gs_arena_printf(c->m->arena, "%s+%#llx", sym, (unsigned long long)off) : sym;
	return b;
}

static bool goid_of(struct wctx *c, uint64_t gaddr, uint64_t *id)
{
	uint64_t i;
	if (!gaddr || !gs_map_get(&c->gidx, gaddr, &i))
		return false;
	*id = c->r->goroutines[i - 1].id;
	return true;
}

/* The name a runtime type descriptor gives itself (runtime.(*_type).string):
 * Str is an offset from the module's types base to a name: one flag byte,
 * a varint length, the bytes; with TFlagExtraStar the name has a leading
 * '*' to drop. */
const char *gs_waits_type_name(struct gs_model *m, uint64_t t)
{
	const struct gs_rtschema *rs = &m->rs;
	uint64_t types = 0, str = 0, tflag = 0;
	if (!t || !gs_rt_has(rs, GS_RT_TYPE_STR) || !gs_rt_has(rs, GS_RT_FIRSTMODULEDATA) ||
	    !gs_rt_has(rs, GS_RT_MODULEDATA_TYPES))
		return NULL;
	if (gs_mem_u64(m, gs_rt_val(rs, GS_RT_FIRSTMODULEDATA) + gs_rt_val(rs, GS_RT_MODULEDATA_TYPES), &types) != 0 ||
	    gs_mem_field(m, t, GS_RT_TYPE_STR, &str) != 0 || gs_mem_field(m, t, GS_RT_TYPE_TFLAG, &tflag) != 0)
		return NULL;
	uint8_t hdr[11];
	if (gs_mem_read(m, types + (uint32_t)str, hdr, sizeof hdr) != 0)
		return NULL;
	uint64_t len = 0;
	int i = 1, shift = 0;
	for (; i < (int)sizeof hdr; i++, shift += 7) {
		len |= (uint64_t)(hdr[i] & 0x7f) << shift;
		if (!(hdr[i] & 0x80))
			break;
	}
	if (i == (int)sizeof hdr || len > 4096)
		return NULL;
	const char *s = gs_mem_strdata(m, types + (uint32_t)str + i + 1, len, 4096);
	if (s && *s == '*' && gs_rt_has(rs, GS_RT_C_TFLAGEXTRASTAR) && (tflag & gs_rt_val(rs, GS_RT_C_TFLAGEXTRASTAR)))
		s++;
	return s;
}

/* A channel: its header, and both wait queues walked once. */
static struct objbuild *chan_obj(struct wctx *c, uint64_t ch)
{
	uint64_t tag = ch * 16 + 1, idx;
	if (gs_map_get(&c->objs, tag, &idx))
		return (struct objbuild *)c->builds.data + (idx - 1);
	struct objbuild *b = get_obj(c, "chan", ch);
	bool ok = true;
	int64_t qcount = (int64_t)field(c, ch, GS_RT_HCHAN_QCOUNT, &ok);
	int64_t cap = (int64_t)field(c, ch, GS_RT_HCHAN_DATAQSIZ, &ok);
	uint64_t closed = field(c, ch, GS_RT_HCHAN_CLOSED, &ok);
	uint64_t et = field(c, ch, GS_RT_HCHAN_ELEMTYPE, &ok);
	if (!ok) {
		gs_model_warn(c->m, "channel at %#llx is unreadable", (unsigned long long)ch);
		return b;
	}
	b->o->len = qcount;
	b->o->cap = cap;
	b->o->closed = closed != 0;
	b->o->elem_type = gs_waits_type_name(c->m, et);
	for (int q = 0; q < 2; q++) {
		bool qok = true;
		uint64_t s = field(c, ch, q == 0 ? GS_RT_HCHAN_SENDQ : GS_RT_HCHAN_RECVQ, &qok);
		struct gs_vec *ids = q == 0 ? &b->senders : &b->receivers;
		struct gs_cycle cy;
		gs_cycle_init(&cy);
		bool cyclic = false;
		for (size_t n = 0; s && qok && n < MAX_CHAIN && c->budget; n++, c->budget--) {
			/* A cyclic queue (damage) would repeat its waiters up to
			 * MAX_CHAIN times and eat the budget of every other
			 * object: stop at the first repeated sudog. */
			if ((cyclic = gs_cycle_step(&cy, s)))
				break;
			uint64_t id, g = field(c, s, GS_RT_SUDOG_G, &qok);
			gs_map_put(&c->sudogdir, s, q == 0 ? 1 : 2);
			*(uint64_t *)gs_vec_push(&c->m->sudogs) = s;
			if (goid_of(c, g, &id))
				*(uint64_t *)gs_vec_push(ids) = id;
			s = field(c, s, GS_RT_SUDOG_NEXT, &qok);
		}
		if (!qok)
			gs_model_warn(c->m, "channel at %#llx: its %s queue is unreadable", (unsigned long long)ch,
			              q == 0 ? "send" : "receive");
		else if (cyclic)
			gs_model_warn(c->m, "channel at %#llx: its %s queue is cyclic (damaged); its waiters are cut at the cycle",
			              (unsigned long long)ch, q == 0 ? "send" : "receive");
	}
	return b;
}

/* Index the semaphore table: every semaRoot's treap (ordered by address;
 * sudog.prev/next are the children) and, per address, the waitlink chain
 * of further waiters. */
static void index_semtable(struct wctx *c)
{
	struct gs_model *m = c->m;
	const struct gs_rtschema *rs = &m->rs;
	if (!gs_rt_has(rs, GS_RT_SEMTABLE) || !gs_rt_has(rs, GS_RT_SEMAROOT_TREAP) || !gs_rt_has(rs, GS_RT_SUDOG_WAITLINK))
		return;
	const struct gs_rt_item *tab = &rs->it[GS_RT_SEMTABLE];
	if (tab->count == 0 || tab->size % tab->count)
		return;
	uint64_t esize = tab->size / tab->count;
	uint64_t stack[512];
	for (uint64_t i = 0; i < tab->count; i++) {
		bool ok = true;
		/* semtable's element is struct{ root semaRoot; pad [...]byte } in
		 * every release 1.19-1.27: the root is at its start. */
		uint64_t root = rd64(c, tab->value + i * esize + gs_rt_val(rs, GS_RT_SEMAROOT_TREAP), &ok);
		size_t sp = 0;
		if (root && ok)
			stack[sp++] = root;
		while (sp > 0 && c->budget) {
			uint64_t node = stack[--sp];
			uint64_t addr = field(c, node, GS_RT_SUDOG_ELEM, &ok);
			struct gs_cycle cy;
			gs_cycle_init(&cy);
			for (uint64_t s = node; s && ok && c->budget; c->budget--) {
				if (gs_cycle_step(&cy, s)) {
					gs_model_warn(m, "semaphore waiters of %#llx: the waitlink chain is cyclic (damaged)",
					              (unsigned long long)addr);
					break;
				}
				uint64_t g = field(c, s, GS_RT_SUDOG_G, &ok);
				*(uint64_t *)gs_vec_push(&m->sudogs) = s;
				if (g && ok)
					gs_map_put(&c->semaddr, g, addr);
				s = field(c, s, GS_RT_SUDOG_WAITLINK, &ok);
			}
			uint64_t l = field(c, node, GS_RT_SUDOG_PREV, &ok), r = field(c, node, GS_RT_SUDOG_NEXT, &ok);
			if (!ok)
				break;
			if (l && sp < 512)
				stack[sp++] = l;
			if (r && sp < 512)
				stack[sp++] = r;
		}
		if (!ok)
			gs_model_warn(m, "semaphore table bucket %llu is unreadable", (unsigned long long)i);
	}
}

static bool has_frame(const struct gs_goroutine *g, const char *name)
{
	for (size_t i = 0; i < g->nframes && i < 32; i++)
		if (!strcmp(g->frames[i].func, name))
			return true;
	return false;
}

/* The first frame of func (a prefix match when prefix is set); physical
 * frames only, since only they have a stack slot. */
static const struct gs_frame *find_frame(const struct gs_goroutine *g, const char *func, bool prefix)
{
	size_t fl = strlen(func);
	for (size_t i = 0; i < g->nframes && i < 64; i++) {
		const struct gs_frame *fr = &g->frames[i];
		if (!fr->inlined && (prefix ? !strncmp(fr->func, func, fl) : !strcmp(fr->func, func)))
			return fr;
	}
	return NULL;
}

/* A wait under construction: objects live in a growing vector, so a wait
 * names its object by index until the objects are frozen. */
struct pwait {
	struct gs_wait w;
	struct gs_object *obj; /* NULL: none */
};

static struct gs_wait *add_wait(struct gs_vec *v, const char *kind, struct objbuild *b)
{
	struct pwait *p = gs_vec_push(v);
	p->w.kind = kind;
	p->obj = b ? b->o : NULL;
	return &p->w;
}

/* Before Go 1.26 nothing in the runtime points from a g to the sync.Cond
 * it waits on, and the compiler's DWARF does not describe where Cond.Wait
 * spills its receiver.  So try each word of Cond.Wait's frame as a Cond
 * (or its notifyList) and accept it only if that notifyList's waiter list
 * holds this very goroutine; the first list found is walked once and
 * every member recorded, which keeps the pass linear. */
static uint64_t cond_of(struct wctx *c, const struct gs_goroutine *g, const struct gs_frame *fr, uint64_t sp)
{
	struct gs_model *m = c->m;
	const struct gs_rtschema *rs = &m->rs;
	uint64_t l;
	if (gs_map_get(&c->condof, g->gaddr, &l))
		return l;
	struct gs_pcln_func f;
	int64_t spdelta;
	if (!fr || !sp || !gs_rt_has(rs, GS_RT_NOTIFYLIST_HEAD) || !gs_rt_has(rs, GS_RT_COND_NOTIFY) ||
	    gs_pcln_find(m->pcln, fr->pc, &f) != 0 || gs_pcln_spdelta(m->pcln, &f, fr->pc, &spdelta) != 0 ||
	    spdelta < 0 || spdelta > 4096)
		return 0;
	for (uint64_t a = sp; a < sp + (uint64_t)spdelta; a += 8) {
		bool ok = true;
		uint64_t w = rd64(c, a, &ok);
		if (!ok || w < 4096)
			continue;
		for (int k = 0; k < 2; k++) {
			uint64_t list = k == 0 ? w : w + gs_rt_val(rs, GS_RT_COND_NOTIFY);
			uint64_t s = field(c, list, GS_RT_NOTIFYLIST_HEAD, &ok);
			bool mine = false;
			size_t n = 0;
			struct gs_cycle cy;
			gs_cycle_init(&cy);
			for (uint64_t t = s; t && ok && n < MAX_CHAIN && !gs_cycle_step(&cy, t); n++) {
				if (field(c, t, GS_RT_SUDOG_G, &ok) == g->gaddr)
					mine = true;
				t = field(c, t, GS_RT_SUDOG_NEXT, &ok);
			}
			if (!ok || !mine)
				continue;
			for (uint64_t t = s; t && ok && n-- > 0;) {
				uint64_t gp = field(c, t, GS_RT_SUDOG_G, &ok);
				*(uint64_t *)gs_vec_push(&m->sudogs) = t;
				if (gp)
					gs_map_put(&c->condof, gp, list);
				t = field(c, t, GS_RT_SUDOG_NEXT, &ok);
			}
			return list;
		}
	}
	return 0;
}

/* An IO wait: the runtime's pollDesc is not reachable from the g, but
 * the internal/poll.FD method that waits keeps its receiver in its frame,
 * and the FD holds the descriptor number. */
static void io_wait(struct wctx *c, size_t i, const struct gs_goroutine *g, struct gs_vec *v)
{
	struct gs_model *m = c->m;
	const struct gs_frame *fr = find_frame(g, "internal/poll.(*FD).", true);
	uint64_t fdp = 0, sysfd = 0;
	bool ok = true;
	if (!fr || gs_framevar_u64(m, fr, gs_frame_sp(m, i, g, (size_t)(fr - g->frames)), "fd", &fdp) != 0 || !fdp || !gs_rt_has(&m->rs, GS_RT_FD_SYSFD)) {
		add_wait(v, "netpoll", NULL);
		return;
	}
	sysfd = field(c, fdp, GS_RT_FD_SYSFD, &ok);
	struct objbuild *b = get_obj(c, "netpoll", fdp);
	b->o->fd = ok ? (int64_t)(int32_t)sysfd : -1;
	add_wait(v, "netpoll", b);
}

/* A goroutine blocked in semacquire: which sync primitive, from its stack. */
static void sema_wait(struct wctx *c, struct gs_goroutine *g, uint64_t sema, struct gs_vec *v)
{
	const struct gs_rtschema *rs = &c->m->rs;
	const char *kind = "sema";
	uint64_t addr = sema;
	bool ok = true;
	bool rw_lock = has_frame(g, "sync.(*RWMutex).Lock");
	if (has_frame(g, "sync.(*Mutex).lockSlow") || has_frame(g, "internal/sync.(*Mutex).lockSlow") ||
	    has_frame(g, "sync.(*Mutex).Lock")) {
		kind = "mutex";
		addr = sema - gs_rt_val(rs, GS_RT_MUTEX_SEMA);
		if (rw_lock && gs_rt_has(rs, GS_RT_RWMUTEX_W)) {
			kind = "rwmutex"; /* a writer queued on the RWMutex's own writer lock */
			addr -= gs_rt_val(rs, GS_RT_RWMUTEX_W);
		}
	} else if (has_frame(g, "sync.(*RWMutex).RLock") && gs_rt_has(rs, GS_RT_RWMUTEX_READERSEM)) {
		kind = "rwmutex";
		addr = sema - gs_rt_val(rs, GS_RT_RWMUTEX_READERSEM);
	} else if (rw_lock && gs_rt_has(rs, GS_RT_RWMUTEX_WRITERSEM)) {
		kind = "rwmutex";
		addr = sema - gs_rt_val(rs, GS_RT_RWMUTEX_WRITERSEM);
	} else if (has_frame(g, "sync.(*WaitGroup).Wait") && gs_rt_has(rs, GS_RT_WAITGROUP_SEMA)) {
		kind = "waitgroup";
		addr = sema - gs_rt_val(rs, GS_RT_WAITGROUP_SEMA);
	}
	struct objbuild *b = get_obj(c, kind, addr);
	if (b->o->state == -1) {
		if (!strcmp(kind, "mutex") || !strcmp(kind, "rwmutex")) {
			uint64_t mu = !strcmp(kind, "rwmutex") ? addr + gs_rt_val(rs, GS_RT_RWMUTEX_W) : addr;
			uint64_t st = field(c, mu, GS_RT_MUTEX_STATE, &ok);
			if (ok) {
				b->o->state = (int64_t)(int32_t)st;
				b->o->locked = (st & 1) != 0; /* mutexLocked */
			}
			if (!strcmp(kind, "rwmutex")) {
				bool ok2 = true;
				uint64_t rc = field(c, addr, GS_RT_RWMUTEX_READERCOUNT, &ok2);
				if (ok2)
					b->o->counter = (int64_t)(int32_t)rc;
			}
		} else if (!strcmp(kind, "waitgroup")) {
			uint64_t st = field(c, addr, GS_RT_WAITGROUP_STATE, &ok);
			if (ok) {
				b->o->state = (int64_t)st;
				b->o->counter = (int64_t)(int32_t)(st >> 32);
			}
		}
	}
	*(uint64_t *)gs_vec_push(&b->waiters) = g->id;
	add_wait(v, kind, b);
}

static void chan_waits(struct wctx *c, size_t gi, const char *wr, struct gs_vec *v)
{
	bool ok = true;
	bool sel = !strncmp(wr, "select", 6);
	uint64_t s = c->m->graw[gi].waiting;
	struct gs_cycle cy;
	gs_cycle_init(&cy);
	bool cyclic = false;
	for (size_t n = 0; s && ok && n < MAX_CHAIN && c->budget; n++, c->budget--) {
		/* One select has at most 65536 cases (selectgo); a chain that
		 * comes back on itself is damage, not a long select. */
		if ((cyclic = gs_cycle_step(&cy, s)))
			break;
		uint64_t ch = field(c, s, GS_RT_SUDOG_C, &ok);
		if (!ok || !ch)
			break;
		*(uint64_t *)gs_vec_push(&c->m->sudogs) = s;
		struct objbuild *b = chan_obj(c, ch);
		struct gs_wait *w = add_wait(v, "chan", b);
		uint64_t d = 0;
		if (sel) {
			w->select_case = true;
			if (gs_map_get(&c->sudogdir, s, &d))
				w->dir = d == 1 ? "send" : "recv";
		} else {
			w->dir = !strncmp(wr, "chan send", 9) ? "send" : "recv";
		}
		s = field(c, s, GS_RT_SUDOG_WAITLINK, &ok);
	}
	if (!ok)
		gs_model_warn(c->m, "goroutine %llu: its channel wait list (g.waiting) is unreadable",
		              (unsigned long long)c->r->goroutines[gi].id);
	else if (cyclic)
		gs_model_warn(c->m, "goroutine %llu: its channel wait list (g.waiting) is cyclic (damaged); cut at the cycle",
		              (unsigned long long)c->r->goroutines[gi].id);
	else if (sel && v->len == 0)
		/* selectgo drops nil-channel cases; a select with only those
		 * parks with no sudog at all and can never proceed. */
		add_wait(v, "nil_chan", NULL)->select_case = true;
}

static const uint64_t *finish_ids(struct gs_model *m, struct gs_vec *v, size_t *n)
{
	*n = v->len;
	uint64_t *out = gs_arena_alloc(m->arena, (v->len ? v->len : 1) * sizeof *out);
	if (v->len)
		memcpy(out, v->data, v->len * sizeof *out);
	qsort(out, v->len, sizeof *out, gs_u64_cmp);
	gs_vec_free(v);
	return out;
}

/* What goroutine i, blocked in wait reason wr, waits on: into v. */
static void resolve_one(struct wctx *c, size_t i, const char *wr, struct gs_vec *v)
{
	struct gs_model *m = c->m;
	const struct gs_rtschema *rs = &m->rs;
	struct gs_goroutine *g = (struct gs_goroutine *)&c->r->goroutines[i];
	uint64_t sema;
	if (strstr(wr, "(nil chan)"))
		add_wait(v, "nil_chan", NULL);
	else if (!strcmp(wr, "select (no cases)"))
		add_wait(v, "select_no_cases", NULL);
	else if (!strncmp(wr, "chan send", 9) || !strncmp(wr, "chan receive", 12) || !strncmp(wr, "select", 6))
		chan_waits(c, i, wr, v);
	else if (!strcmp(wr, "sync.Cond.Wait") || has_frame(g, "sync.(*Cond).Wait")) {
		/* Go 1.26+ records the notifyList in the waiter's sudog
		 * (elem); before, it has to be found (cond_of). */
		bool ok = true;
		uint64_t l = m->graw[i].waiting ? field(c, m->graw[i].waiting, GS_RT_SUDOG_ELEM, &ok) : 0, cv = 0;
		if (m->graw[i].waiting)
			*(uint64_t *)gs_vec_push(&m->sudogs) = m->graw[i].waiting;
		const struct gs_frame *fr = find_frame(g, "sync.(*Cond).Wait", false);
		if (!ok || !l)
			l = cond_of(c, g, fr, fr ? gs_frame_sp(m, i, g, (size_t)(fr - g->frames)) : 0);
		if (l && gs_rt_has(rs, GS_RT_COND_NOTIFY))
			cv = l - gs_rt_val(rs, GS_RT_COND_NOTIFY);
		struct objbuild *b = NULL;
		if (cv) {
			b = get_obj(c, "cond", cv);
			*(uint64_t *)gs_vec_push(&b->waiters) = g->id;
		}
		add_wait(v, "cond", b);
	} else if (gs_map_get(&c->semaddr, g->gaddr, &sema))
		sema_wait(c, g, sema, v);
	else if (!strcmp(wr, "IO wait"))
		io_wait(c, i, g, v);
	else if (!strcmp(wr, "sleep") && m->graw[i].timer && gs_rt_has(rs, GS_RT_TIMER_WHEN)) {
		bool ok = true;
		int64_t when = (int64_t)field(c, m->graw[i].timer, GS_RT_TIMER_WHEN, &ok);
		struct objbuild *b = get_obj(c, "timer", m->graw[i].timer);
		if (ok && when > 0) {
			b->o->when = when;
			if (m->newest)
				b->o->fires_in_ms = (when - (int64_t)m->newest) / 1000000;
		}
		add_wait(v, "timer", b);
	}
}

void gs_waits_resolve(struct gs_model *m, struct gs_report *r)
{
	const struct gs_rtschema *rs = &m->rs;
	if (!gs_rt_has(rs, GS_RT_SUDOG) || !gs_rt_has(rs, GS_RT_G_WAITING))
		return;
	struct wctx c = { .m = m, .r = r, .budget = 4 * (r->ngoroutines + 1000) + 1000000 };
	gs_map_init(&c.gidx);
	gs_map_init(&c.objs);
	gs_map_init(&c.semaddr);
	gs_map_init(&c.sudogdir);
	gs_map_init(&c.condof);
	gs_vec_init(&c.builds, sizeof(struct objbuild));
	struct gs_goroutine *gs = (struct gs_goroutine *)r->goroutines;
	gs_map_reserve(&c.gidx, r->ngoroutines);
	for (size_t i = 0; i < r->ngoroutines; i++)
		gs_map_put(&c.gidx, gs[i].gaddr, i + 1);

	index_semtable(&c);

	/* Channel queues first, so select cases find their direction. */
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const char *wr = gs[i].wait_reason;
		if (!m->graw[i].blocked || !wr || !(strncmp(wr, "select", 6) == 0 && strcmp(wr, "select (no cases)") != 0))
			continue;
		bool ok = true;
		uint64_t s = m->graw[i].waiting;
		struct gs_cycle cy;
		gs_cycle_init(&cy);
		for (size_t n = 0; s && ok && n < MAX_CHAIN && c.budget && !gs_cycle_step(&cy, s); n++, c.budget--) {
			uint64_t ch = field(&c, s, GS_RT_SUDOG_C, &ok);
			if (ok && ch)
				chan_obj(&c, ch);
			s = field(&c, s, GS_RT_SUDOG_WAITLINK, &ok);
		}
	}

	/* Each goroutine's waits go to the arena as soon as they are known
	 * (their objects are arena memory already; the objects' id lists are
	 * filled in below). */
	struct gs_vec scratch;
	gs_vec_init(&scratch, sizeof(struct pwait));
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const char *wr = gs[i].wait_reason;
		scratch.len = 0;
		if (m->graw[i].blocked && wr)
			resolve_one(&c, i, wr, &scratch);
		struct gs_wait *ws = gs_arena_alloc(m->arena, (scratch.len ? scratch.len : 1) * sizeof *ws);
		for (size_t k = 0; k < scratch.len; k++) {
			const struct pwait *p = (const struct pwait *)scratch.data + k;
			ws[k] = p->w;
			ws[k].obj = p->obj;
		}
		gs[i].waits = ws;
		gs[i].nwaits = scratch.len;
	}
	gs_vec_free(&scratch);

	/* Freeze the objects' id lists and point the waits at them. */
	struct objbuild *bs = c.builds.data;
	for (size_t k = 0; k < c.builds.len; k++) {
		struct gs_object *o = bs[k].o;
		o->senders = finish_ids(m, &bs[k].senders, &o->nsenders);
		o->receivers = finish_ids(m, &bs[k].receivers, &o->nreceivers);
		o->waiters = finish_ids(m, &bs[k].waiters, &o->nwaiters);
	}
	if (!c.budget)
		gs_model_warn(m, "wait queues longer than any real program's: wait objects are incomplete");
	gs_vec_free(&c.builds);
	gs_map_free(&c.gidx);
	gs_map_free(&c.objs);
	gs_map_free(&c.semaddr);
	gs_map_free(&c.sudogdir);
	gs_map_free(&c.condof);
}
