/* goroutines.c - every goroutine of runtime.allgs, decoded.  Layer: runtime
 * model.  Reads each runtime.g once into a local copy and takes its fields
 * through the runtime schema; decides where its stack walk starts (parked,
 * syscall, running on a thread, in the VDSO) the way runtime.traceback1
 * and gentraceback do; reads labels, creation site and system-ness.
 * One goroutine's corruption never hides the others: per-goroutine
 * problems become warnings or that goroutine's stack_error. */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

#define MAX_GOROUTINES (64u << 20) /* bound on allglen */
#define MAX_STACK_BYTES (1ull << 30) /* above runtime.maxstacksize (1e9) */
#define MAX_MS 100000
#define MAX_LABELS 1024
#define MAX_STRING 4096

struct mthread {
	uint64_t maddr;
	uint64_t procid;
	uint64_t vdsosp, vdsopc;
};

struct gctx {
	struct gs_model *m;
	struct mthread *ms;
	size_t nms;
	struct gs_thread *threads;
	size_t nthreads;
};

static const char *str_table(struct gs_model *m, enum gs_rt_id id, size_t *n, const char ***out)
{
	const struct gs_rt_item *it = &m->rs.it[id];
	*n = 0;
	*out = NULL;
	if (!it->found || it->count == 0 || it->count > 4096)
		return "missing or implausible";
	const char **t = gs_arena_alloc(m->arena, it->count * sizeof *t);
	for (size_t i = 0; i < it->count; i++)
		t[i] = gs_mem_gostring(m, it->value + 16 * i, 256);
	*n = it->count;
	*out = t;
	return NULL;
}

static void read_ms(struct gctx *c)
{
	struct gs_model *m = c->m;
	const struct gs_rtschema *rs = &m->rs;
	uint64_t mp;
	size_t msize = gs_rt_val(rs, GS_RT_M);
	if (gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLM), &mp) != 0) {
		gs_model_warn(m, "runtime.allm is unreadable: running goroutines have no thread registers");
		return;
	}
	uint8_t *buf = malloc(msize ? msize : 1);
	struct gs_vec v;
	gs_vec_init(&v, sizeof(struct mthread));
	for (size_t i = 0; mp && i < MAX_MS; i++) {
		if (gs_mem_read(m, mp, buf, msize) != 0) {
			gs_model_warn(m, "runtime.m at %#llx is unreadable; the thread list stops there",
			              (unsigned long long)mp);
			break;
		}
		struct mthread *t = gs_vec_push(&v);
		t->maddr = mp;
		t->procid = gs_rt_field(rs, GS_RT_M_PROCID, buf, msize);
		t->vdsosp = gs_rt_field(rs, GS_RT_M_VDSOSP, buf, msize);
		t->vdsopc = gs_rt_field(rs, GS_RT_M_VDSOPC, buf, msize);
		mp = gs_rt_field(rs, GS_RT_M_ALLLINK, buf, msize);
	}
	free(buf);
	c->ms = v.data;
	c->nms = v.len;

	size_t nt = m->target.ops->nthreads(m->target.self);
	c->threads = calloc(nt ? nt : 1, sizeof *c->threads);
	for (size_t i = 0; i < nt; i++)
		if (m->target.ops->thread(m->target.self, i, &c->threads[c->nthreads]) == 0)
			c->nthreads++;
}

static const struct mthread *find_m(const struct gctx *c, uint64_t maddr)
{
	for (size_t i = 0; i < c->nms; i++)
		if (c->ms[i].maddr == maddr)
			return &c->ms[i];
	return NULL;
}

static const struct gs_thread *find_thread(const struct gctx *c, uint64_t tid)
{
	for (size_t i = 0; i < c->nthreads; i++)
		if ((uint64_t)c->threads[i].tid == tid)
			return &c->threads[i];
	return NULL;
}

static int label_cmp(const void *a, const void *b)
{
	const struct gs_label *x = a, *y = b;
	return strcmp(x->key, y->key);
}

/* pprof labels, Go 1.24+: labelMap is a struct holding a sorted []label. */
static size_t labels_slice(struct gs_model *m, uint64_t p, struct gs_label *out)
{
	uint64_t arr, len;
	uint64_t off = gs_rt_val(&m->rs, GS_RT_LABELMAP_LIST);
	if (gs_mem_u64(m, p + off, &arr) != 0 || gs_mem_u64(m, p + off + 8, &len) != 0 || len > MAX_LABELS)
		return (size_t)-1;
	for (uint64_t i = 0; i < len; i++) {
		out[i].key = gs_mem_gostring(m, arr + 32 * i, MAX_STRING);
		out[i].value = gs_mem_gostring(m, arr + 32 * i + 16, MAX_STRING);
		if (!out[i].key || !out[i].value)
			return (size_t)-1;
	}
	return (size_t)len;
}

/* pprof labels, Go 1.19-1.23: labelMap is a map[string]string; walk the
 * hash map's buckets (runtime/map.go: tophash >= minTopHash marks a full
 * slot; minTopHash is 5 in every release that has this layout). */
static size_t labels_map(struct gs_model *m, uint64_t p, struct gs_label *out)
{
	const struct gs_rtschema *rs = &m->rs;
	if (!gs_rt_has(rs, GS_RT_HMAP_B) || !gs_rt_has(rs, GS_RT_SSBUCKET_OVERFLOW))
		return (size_t)-1;
	uint64_t h;
	uint8_t hb[64];
	if (gs_mem_u64(m, p, &h) != 0)
		return (size_t)-1;
	if (h == 0)
		return 0;
	if (gs_mem_read(m, h, hb, 48) != 0)
		return (size_t)-1;
	uint64_t B = gs_rt_field(rs, GS_RT_HMAP_B, hb, 48);
	uint64_t buckets = gs_rt_field(rs, GS_RT_HMAP_BUCKETS, hb, 48);
	if (B > 10)
		return (size_t)-1;
	if (gs_rt_field(rs, GS_RT_HMAP_OLDBUCKETS, hb, 48) != 0)
		gs_model_warn(m, "label map at %#llx is growing; labels still in old buckets are not shown",
		              (unsigned long long)h);
	size_t bsize = gs_rt_val(rs, GS_RT_SSBUCKET);
	uint64_t toff = gs_rt_val(rs, GS_RT_SSBUCKET_TOPHASH), koff = gs_rt_val(rs, GS_RT_SSBUCKET_KEYS),
	         voff = gs_rt_val(rs, GS_RT_SSBUCKET_ELEMS), ooff = gs_rt_val(rs, GS_RT_SSBUCKET_OVERFLOW);
	size_t n = 0, visited = 0;
	for (uint64_t bi = 0; bi < (1ull << B); bi++) {
		uint64_t b = buckets + bi * bsize;
		while (b && visited++ < MAX_LABELS) {
			uint8_t top[8];
			if (gs_mem_read(m, b + toff, top, 8) != 0)
				return (size_t)-1;
			for (int i = 0; i < 8; i++) {
				if (top[i] < 5)
					continue;
				if (n >= MAX_LABELS)
					return n;
				out[n].key = gs_mem_gostring(m, b + koff + 16 * (uint64_t)i, MAX_STRING);
				out[n].value = gs_mem_gostring(m, b + voff + 16 * (uint64_t)i, MAX_STRING);
				if (!out[n].key || !out[n].value)
					return (size_t)-1;
				n++;
			}
			if (gs_mem_u64(m, b + ooff, &b) != 0)
				return (size_t)-1;
		}
	}
	return n;
}

static void read_labels(struct gs_model *m, uint64_t p, struct gs_goroutine *g)
{
	if (!p || !gs_rt_has(&m->rs, GS_RT_LABELMAP))
		return;
	static _Thread_local struct gs_label tmp[MAX_LABELS];
	size_t n;
	if (m->rs.it[GS_RT_LABELMAP].tag == 0x13 /* DW_TAG_structure_type: 1.24+ */)
		n = gs_rt_has(&m->rs, GS_RT_LABELMAP_LIST) ? labels_slice(m, p, tmp) : (size_t)-1;
	else
		n = labels_map(m, p, tmp);
	if (n == (size_t)-1) {
		gs_model_warn(m, "goroutine %llu: pprof labels at %#llx are unreadable",
		              (unsigned long long)g->id, (unsigned long long)p);
		return;
	}
	qsort(tmp, n, sizeof *tmp, label_cmp);
	struct gs_label *own = gs_arena_alloc(m->arena, (n ? n : 1) * sizeof *own);
	memcpy(own, tmp, n * sizeof *own);
	g->labels = own;
	g->nlabels = n;
}

/* runtime.isSystemGoroutine (fixed=false), keyed on function names, which
 * are stable across releases where the funcID numbering is not. */
static bool is_system(struct gs_model *m, uint64_t startpc, uint64_t runningcleanups)
{
	struct gs_pcln_func f;
	if (gs_pcln_find(m->pcln, startpc, &f) != 0)
		return false;
	const char *n = f.name;
	if (!strcmp(n, "runtime.main") || !strcmp(n, "runtime.corostart") || !strcmp(n, "runtime.handleAsyncEvent"))
		return false;
	if (!strcmp(n, "runtime.runfinq") || !strcmp(n, "runtime.runFinalizers")) {
		/* A user goroutine while it runs a finalizer. */
		const struct gs_rtschema *rs = &m->rs;
		uint64_t v = 0;
		uint8_t b[4] = { 0 };
		if (gs_rt_has(rs, GS_RT_FINGSTATUS) && gs_rt_has(rs, GS_RT_C_FINGRUNNINGFINALIZER)) {
			if (gs_mem_read(m, gs_rt_val(rs, GS_RT_FINGSTATUS), b, 4) == 0)
				v = gs_le32(b);
			return (v & gs_rt_val(rs, GS_RT_C_FINGRUNNINGFINALIZER)) == 0;
		}
		if (gs_rt_has(rs, GS_RT_FINGRUNNING) && gs_mem_read(m, gs_rt_val(rs, GS_RT_FINGRUNNING), b, 1) == 0)
			return b[0] == 0;
		return true;
	}
	if (!strcmp(n, "runtime.runCleanups"))
		return runningcleanups == 0;
	return strncmp(n, "runtime.", 8) == 0;
}

/* The go statements seen, by pc: a million goroutines come from a few
 * hundred of them. */
#define CREATED_MEMO 1024
struct created_memo {
	uint64_t gopc;
	struct gs_frame fr;
};

static void read_created(struct gs_model *m, uint64_t gopc, struct gs_goroutine *g, struct created_memo *memo)
{
	struct gs_pcln_func f;
	/* printcreatedby: not for goroutine 1, and only for a known pc. */
	if (g->id == 1 || gopc == 0)
		return;
	struct created_memo *e = memo ? &memo[(gopc ^ gopc >> 10) % CREATED_MEMO] : NULL;
	if (e && e->gopc == gopc) {
		g->has_created = true;
		g->created = e->fr;
		return;
	}
	if (gs_pcln_find(m->pcln, gopc, &f) != 0)
		return;
	uint64_t tracepc = gopc > f.entry ? gopc - 1 : gopc; /* back up to the CALL */
	g->has_created = true;
	g->created.func = gs_print_name(m, f.name);
	g->created.pc = gopc;
	if (gs_pcln_fileline(m->pcln, &f, tracepc, &g->created.file, &g->created.line) != 0) {
		g->created.file = "?";
		g->created.line = 0;
	}
	if (e)
		*e = (struct created_memo){ gopc, g->created };
}

/* Where the stack walk starts: runtime.traceback1 + gentraceback with
 * pc = sp = ^0 (tracebackothers), except that a running goroutine's
 * registers come from its thread, through the signal frame the runtime's
 * crash handler left on it. */
static void walk_stack(struct gctx *c, struct gs_goroutine *g, const uint8_t *gb, size_t gsize, uint32_t base,
                       struct gs_graw *raw)
{
	struct gs_model *m = c->m;
	const struct gs_rtschema *rs = &m->rs;
	struct gs_unwind_start st = {
		.lo = gs_rt_field(rs, GS_RT_G_STACK_LO, gb, gsize),
		.hi = gs_rt_field(rs, GS_RT_G_STACK_HI, gb, gsize),
	};
	/* A goroutine stack is at most runtime.maxstacksize (1e9 bytes on
	 * 64-bit, set in runtime.main, all versions): copystack throws
	 * "stack overflow" beyond it.  Bounds outside that are damage, and
	 * everything after (the unwinder's checks, reach.c's conservative
	 * scan of [sp, hi)) trusts them: a flipped bit in g.stack.hi made
	 * that scan walk petabytes of unmapped addresses. */
	if (st.lo >= st.hi || st.hi - st.lo > MAX_STACK_BYTES) {
		g->stack_error = gs_arena_printf(m->arena, "its stack bounds [%#llx, %#llx) are not a goroutine stack",
		                                 (unsigned long long)st.lo, (unsigned long long)st.hi);
		return;
	}
	uint64_t syscallsp = gs_rt_field(rs, GS_RT_G_SYSCALLSP, gb, gsize);
	uint64_t mp = gs_rt_field(rs, GS_RT_G_M, gb, gsize);
	const struct mthread *mt = mp ? find_m(c, mp) : NULL;

	if (base == gs_rt_val(rs, GS_RT_C_GRUNNING)) {
		const struct gs_thread *t = mt ? find_thread(c, mt->procid) : NULL;
		if (!t) {
			g->stack_error = "running, but its thread is not in the core";
			return;
		}
		/* The crash handler interrupted the thread: the goroutine's
		 * registers are in the signal frame its sigtramp left (on the
		 * signal stack, or on the goroutine's own).  No signal frame
		 * (gcore, a live process): the registers are the goroutine's. */
		uint64_t pc = t->regs.rip, sp = t->regs.rsp;
		if (gs_unwind_signal_context(m, t->regs.rip, t->regs.rsp, &pc, &sp) != 0) {
			pc = t->regs.rip;
			sp = t->regs.rsp;
		}
		st.pc = pc;
		st.sp = sp;
		st.trap = true;
		if (!(sp >= st.lo && sp < st.hi)) {
			/* On the system stack (systemstack, mcall): the traceback
			 * jumps to the goroutine's saved state (unwindJumpStack). */
			st.pc = gs_rt_field(rs, GS_RT_G_SCHED_PC, gb, gsize);
			st.sp = gs_rt_field(rs, GS_RT_G_SCHED_SP, gb, gsize);
			st.trap = false;
			if (!(st.sp >= st.lo && st.sp < st.hi)) {
				g->stack_error = "running on its thread's system stack, and its saved state is not on its stack";
				return;
			}
		}
	} else if (syscallsp != 0) {
		st.pc = gs_rt_field(rs, GS_RT_G_SYSCALLPC, gb, gsize);
		st.sp = syscallsp;
		st.syscall = true;
	} else {
		st.pc = gs_rt_field(rs, GS_RT_G_SCHED_PC, gb, gsize);
		st.sp = gs_rt_field(rs, GS_RT_G_SCHED_SP, gb, gsize);
	}
	if (mt && mt->vdsosp != 0) {
		/* Inside the VDSO: the runtime saved where it called it. */
		st.pc = mt->vdsopc;
		st.sp = mt->vdsosp;
		st.trap = false;
		st.syscall = false;
	}
	/* [sp, hi) is what reach.c scans when the walk stops early: only a
	 * start on the goroutine's own stack bounds it. */
	if (st.sp >= st.lo && st.sp < st.hi) {
		raw->sp = st.sp;
		raw->hi = st.hi;
	}
	gs_unwind(m, &st, g, &raw->sp0);
}

/* The newest nanotime the runtime wrote that we know of: sched.lastpoll
 * (0 while a thread blocks in netpoll), each P's sysmontick.schedwhen
 * (sysmon's last look at it), runtimeInitTime.  Every one is a lower bound
 * of the moment of the core. */
static uint64_t newest_timestamp(struct gs_model *m)
{
	const struct gs_rtschema *rs = &m->rs;
	uint64_t best = 0, v;
	if (gs_rt_has(rs, GS_RT_SCHED) && gs_rt_has(rs, GS_RT_SCHED_LASTPOLL) &&
	    gs_mem_u64(m, gs_rt_val(rs, GS_RT_SCHED) + gs_rt_val(rs, GS_RT_SCHED_LASTPOLL), &v) == 0 && (int64_t)v > 0)
		best = v;
	if (gs_rt_has(rs, GS_RT_RUNTIMEINITTIME) && gs_mem_u64(m, gs_rt_val(rs, GS_RT_RUNTIMEINITTIME), &v) == 0 &&
	    (int64_t)v > 0 && v > best)
		best = v;
	uint64_t arr, n;
	if (gs_rt_has(rs, GS_RT_ALLP) && gs_rt_has(rs, GS_RT_P_SCHEDWHEN) &&
	    gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLP), &arr) == 0 && gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLP) + 8, &n) == 0) {
		for (uint64_t i = 0; i < n && i < 4096; i++) {
			uint64_t p;
			if (gs_mem_u64(m, arr + 8 * i, &p) == 0 && p &&
			    gs_mem_u64(m, p + gs_rt_val(rs, GS_RT_P_SCHEDWHEN), &v) == 0 && (int64_t)v > 0 && v > best)
				best = v;
		}
	}
	return best;
}

int gs_goroutines_read(struct gs_model *m, struct gs_report *r, struct gs_error *err)
{
	const struct gs_rtschema *rs = &m->rs;
	const char *why;
	if ((why = str_table(m, GS_RT_WAITREASONSTRINGS, &m->nwaitreasons, &m->waitreasons)))
		gs_model_warn(m, "runtime.waitReasonStrings %s: wait reasons are unknown", why);
	if ((why = str_table(m, GS_RT_GSTATUSSTRINGS, &m->nstatuses, &m->statuses)))
		gs_model_warn(m, "runtime.gStatusStrings %s: status names are unknown", why);

	uint64_t allglen, allgs, allgslen;
	if (gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLGLEN), &allglen) != 0 ||
	    gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLGS), &allgs) != 0 ||
	    gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLGS) + 8, &allgslen) != 0)
		return gs_fail(err, GS_E_MISMATCH,
		               "runtime.allgs is not in the core: the core does not belong to this executable, or it is damaged");
	/* allgadd appends to allgs, then stores allglen = len(allgs): the
	 * two differ by at most the one g being added, and len never
	 * exceeds cap.  Zero goroutines happens only before runtime.main's
	 * goroutine exists (a crash in schedinit); a zeroed .bss looks the
	 * same, so say it rather than report an empty program as fact. */
	uint64_t allgscap = 0;
	if (gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLGS) + 16, &allgscap) == 0 && allgslen > allgscap)
		gs_model_warn(m, "runtime.allgs is damaged: its length %llu exceeds its capacity %llu",
		              (unsigned long long)allgslen, (unsigned long long)allgscap);
	if (allglen == 0)
		gs_model_warn(m, "runtime.allglen is 0: no goroutine existed yet (a crash while the runtime started), "
		                 "or the core's data segment is damaged");
	if (allglen > allgslen) {
		gs_model_warn(m, "runtime.allglen (%llu) exceeds len(allgs) (%llu); using the smaller",
		              (unsigned long long)allglen, (unsigned long long)allgslen);
		allglen = allgslen;
	}
	if (allglen > MAX_GOROUTINES)
		return gs_fail(err, GS_E_INPUT, "runtime.allglen is %llu, beyond any real program: the core is corrupt",
		               (unsigned long long)allglen);

	m->allgs = allgs;
	m->nallgs = allglen;
	struct gctx c = { .m = m };
	struct created_memo *cmemo = calloc(CREATED_MEMO, sizeof *cmemo); /* NULL: no memo */

	size_t gsize = gs_rt_val(rs, GS_RT_G);
	uint8_t *gb = malloc(gsize ? gsize : 1);
	uint64_t *gptrs = malloc((allglen ? allglen : 1) * sizeof *gptrs);
	if (!gb || !gptrs) {
		free(cmemo);
		free(gb);
		free(gptrs);
		return gs_fail(err, GS_E_NOMEM, "out of memory for %llu goroutines", (unsigned long long)allglen);
	}
	if (allglen && gs_mem_read(m, allgs, gptrs, allglen * 8) != 0) {
		free(cmemo);
		free(gb);
		free(gptrs);
		return gs_fail(err, GS_E_INPUT, "the allgs array at %#llx is not in the core: the core is truncated or damaged",
		               (unsigned long long)allgs);
	}
	/* The thread list only once nothing can fail: the returns above
	 * leaked it when allgs' array was unreadable (fuzz_walk). */
	read_ms(&c);
	struct gs_goroutine *gs = gs_arena_alloc(m->arena, (allglen ? allglen : 1) * sizeof *gs);
	m->graw = calloc(allglen ? allglen : 1, sizeof *m->graw);
	if (!m->graw)
		abort();
	size_t n = 0;
	uint64_t newest = 0;
	uint64_t sgsyscall = gs_rt_val(rs, GS_RT_C_GSYSCALL),
	         sgwaiting = gs_rt_val(rs, GS_RT_C_GWAITING), sgdead = gs_rt_val(rs, GS_RT_C_GDEAD),
	         sgscan = gs_rt_val(rs, GS_RT_C_GSCAN);
	bool have_leaked = gs_rt_has(rs, GS_RT_C_GLEAKED);
	/* Go 1.26+: a dead g kept on an extra M for a cgo callback to run on
	 * is dead to the traceback too (tracebackothers skips _Gdead and
	 * _Gdeadextra), and reported as "dead" (the report's statuses are the
	 * _G names; this one is _Gdead's variant).  The linker leaves that
	 * constant out of DWARF, so without it the status is the one
	 * gStatusStrings names "waiting for cgo callback" (traceback.go). */
	bool have_deadextra = gs_rt_has(rs, GS_RT_C_GDEADEXTRA);
	uint64_t sgdeadextra = gs_rt_val(rs, GS_RT_C_GDEADEXTRA);
	for (size_t k = 0; !have_deadextra && k < m->nstatuses; k++)
		if (m->statuses[k] && !strcmp(m->statuses[k], "waiting for cgo callback")) {
			have_deadextra = true;
			sgdeadextra = k;
		}
	uint64_t sgleaked = gs_rt_val(rs, GS_RT_C_GLEAKED);
	int64_t *waitsince = malloc((allglen ? allglen : 1) * sizeof *waitsince);

	for (uint64_t i = 0; i < allglen; i++) {
		if ((i & 16383) == 0)
			gs_model_progress(m, "goroutines", i, allglen);
		uint64_t gp = gptrs[i];
		if (gp == 0 || gs_mem_read(m, gp, gb, gsize) != 0) {
			gs_model_warn(m, "allgs[%llu] = %#llx: runtime.g unreadable (not in core); skipped",
			              (unsigned long long)i, (unsigned long long)gp);
			continue;
		}
		uint32_t raw = (uint32_t)gs_rt_field(rs, GS_RT_G_STATUS, gb, gsize);
		uint32_t base = raw & ~(uint32_t)sgscan;
		bool dead = base == sgdead || (have_deadextra && base == sgdeadextra);
		if (dead && !m->opts.include_dead)
			continue;
		struct gs_goroutine *g = &gs[n];
		g->id = gs_rt_field(rs, GS_RT_G_GOID, gb, gsize);
		g->gaddr = gp;
		g->rawstatus = raw;
		g->wait_minutes = -1;
		g->parent_id = gs_rt_has(rs, GS_RT_G_PARENTGOID) ? (int64_t)gs_rt_field(rs, GS_RT_G_PARENTGOID, gb, gsize) : -1;
		if (g->parent_id == 0)
			g->parent_id = -1; /* the runtime prints "in goroutine N" only for N != 0 */
		if (base < m->nstatuses && m->statuses[base])
			g->status = m->statuses[base];
		else {
			g->status = gs_arena_printf(m->arena, "status %u", base);
			gs_model_warn(m, "goroutine %llu: unknown status %u", (unsigned long long)g->id, base);
		}
		if (dead && base != sgdead)
			g->status = "dead";
		bool leaked = have_leaked && base == sgleaked;
		if (leaked)
			g->status = "leaked"; /* Go 1.26's _Gleaked: printed as "[reason (leaked)]" */
		uint64_t wr = gs_rt_field(rs, GS_RT_G_WAITREASON, gb, gsize);
		if ((base == sgwaiting || leaked) && wr != 0) {
			if (wr < m->nwaitreasons && m->waitreasons[wr])
				g->wait_reason = m->waitreasons[wr];
			else
				g->wait_reason = gs_arena_printf(m->arena, "wait reason %llu", (unsigned long long)wr);
		}
		int64_t ws = (int64_t)gs_rt_field(rs, GS_RT_G_WAITSINCE, gb, gsize);
		waitsince[n] = (base == sgwaiting || base == sgsyscall) ? ws : 0;
		if (ws > 0 && (uint64_t)ws > newest)
			newest = (uint64_t)ws;
		g->locked = gs_rt_field(rs, GS_RT_G_LOCKEDM, gb, gsize) != 0;
		g->system = is_system(m, gs_rt_field(rs, GS_RT_G_STARTPC, gb, gsize),
		                      gs_rt_field(rs, GS_RT_G_RUNNINGCLEANUPS, gb, gsize));
		read_created(m, gs_rt_field(rs, GS_RT_G_GOPC, gb, gsize), g, cmemo);
		read_labels(m, gs_rt_field(rs, GS_RT_G_LABELS, gb, gsize), g);
		struct gs_graw *gr = &m->graw[n];
		gr->waiting = gs_rt_field(rs, GS_RT_G_WAITING, gb, gsize);
		gr->timer = gs_rt_field(rs, GS_RT_G_TIMER, gb, gsize);
		gr->blocked = base == sgwaiting || leaked;
		if (!dead)
			walk_stack(&c, g, gb, gsize, base, gr);
		else
			g->frames = gs_arena_alloc(m->arena, sizeof(struct gs_frame));
		if (g->stack_error)
			gs_model_warn(m, "goroutine %llu: stack walk stopped after %zu frames: %s",
			              (unsigned long long)g->id, g->nframes, g->stack_error);
		n++;
	}

	/* A core has no clock: measure waits against the newest timestamp
	 * the runtime recorded (a lower bound; goroutineheader prints whole
	 * minutes, and nothing under one). */
	uint64_t t = newest_timestamp(m);
	if (t > newest)
		newest = t;
	for (size_t i = 0; i < n; i++) {
		if (waitsince[i] > 0 && newest >= (uint64_t)waitsince[i]) {
			int64_t mins = (int64_t)((newest - (uint64_t)waitsince[i]) / 60000000000ull);
			if (mins >= 1)
				gs[i].wait_minutes = mins;
		}
	}
	m->newest = newest;
	free(waitsince);
	free(cmemo);
	free(gb);
	free(gptrs);
	free(c.ms);
	free(c.threads);
	r->goroutines = gs;
	r->ngoroutines = n;
	return 0;
}
