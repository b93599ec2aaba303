/* unwind.c - a goroutine's stack, unwound and symbolized the way the
 * runtime's own traceback does it.  Layer: runtime model.  Frame sizes,
 * file:line and inline trees come from the pcln table (what the runtime
 * uses); return addresses come from target memory, each read checked.
 * Results go to the analysis arena; PC lookups are cached, since most
 * goroutines share a few hundred PCs.  Nothing here prints. */
#define _GNU_SOURCE /* REG_RIP, REG_RSP */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ucontext.h>

#include "model.h"

#define DEFAULT_MAX_FRAMES 10000
#define MAX_INLINE_DEPTH 256
#define MAX_SIGNAL_WALK 64

/* What the cache knows about one (pc, trap) pair. */
struct pcent {
	uint64_t key; /* pc << 1 | trap; 0 = empty slot */
	bool valid;   /* pc is in a function */
	bool has_sp;
	bool injected; /* sigpanic, asyncPreempt, debugCall: the caller's pc is exact */
	bool sigtramp;
	uint8_t flag;
	int64_t spdelta;
	uint64_t entry;
	const struct gs_frame *frames; /* arena; inlined callees first */
	size_t nframes;
};

/* A frame array kept once for every goroutine with that stack. */
struct stackent {
	const struct gs_frame *frames;
	size_t n;
};

struct gs_pccache {
	struct pcent *slots;
	size_t cap, len;
	struct gs_frame *scratch; /* the walk in progress */
	size_t scap;
	struct gs_map stacks;     /* hash of a frame array -> index+1 into stackv */
	struct gs_vec stackv;     /* struct stackent */
};

struct gs_pccache *gs_pccache_new(void)
{
	struct gs_pccache *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->cap = 1024;
	c->slots = calloc(c->cap, sizeof *c->slots);
	if (!c->slots)
		abort();
	gs_map_init(&c->stacks);
	gs_vec_init(&c->stackv, sizeof(struct stackent));
	return c;
}

void gs_pccache_free(struct gs_pccache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c->scratch);
	gs_map_free(&c->stacks);
	gs_vec_free(&c->stackv);
	free(c);
}

static size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static struct pcent *cache_slot(struct gs_pccache *c, uint64_t key)
{
	if (c->len * 2 >= c->cap) {
		struct pcent *old = c->slots;
		size_t oldcap = c->cap;
		c->cap *= 2;
		c->slots = calloc(c->cap, sizeof *c->slots);
		if (!c->slots)
			abort();
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].key)
				continue;
			size_t j = hash64(old[i].key) & (c->cap - 1);
			while (c->slots[j].key)
				j = (j + 1) & (c->cap - 1);
			c->slots[j] = old[i];
		}
		free(old);
	}
	size_t j = hash64(key) & (c->cap - 1);
	while (c->slots[j].key && c->slots[j].key != key)
		j = (j + 1) & (c->cap - 1);
	return &c->slots[j];
}

/* funcNameForPrint (runtime/traceback.go, 1.21+): the type arguments of a
 * generic function print as "[...]"; 1.18-1.20 binaries already store
 * "[...]", so applying it to every release is exact.  runtime.gopanic
 * prints as "panic" in every release (printFuncName). */
const char *gs_print_name(struct gs_model *m, const char *name)
{
	if (strcmp(name, "runtime.gopanic") == 0)
		return "panic";
	const char *i = strchr(name, '[');
	if (!i)
		return name;
	const char *j = strrchr(name, ']');
	if (!j || j <= i)
		return name;
	return gs_arena_printf(m->arena, "%.*s[...]%s", (int)(i - name), name, j + 1);
}

static bool is_injected(const struct gs_model *m, const char *name)
{
	/* runtime.gentraceback (1.19) treats only sigpanic so; the 1.21+
	 * unwinder also asyncPreempt and debugCallV2 (unwinder.next). */
	if (strcmp(name, "runtime.sigpanic") == 0)
		return true;
	return m->trap_after_injected &&
	       (strcmp(name, "runtime.asyncPreempt") == 0 || strcmp(name, "runtime.debugCallV2") == 0);
}

static const struct pcent *lookup(struct gs_model *m, uint64_t pc, bool trap)
{
	uint64_t key = pc << 1 | (trap ? 1 : 0);
	if (key == 0)
		key = 2; /* never collides with a real key: pc 1 cannot be trap */
	struct pcent *e = cache_slot(m->pcc, key);
	if (e->key == key)
		return e;
	m->pcc->len++;
	e->key = key;
	struct gs_pcln_func f;
	if (gs_pcln_find(m->pcln, pc, &f) != 0)
		return e; /* valid = false */
	e->valid = true;
	e->entry = f.entry;
	e->flag = f.flag;
	/* runtime.cgocallback writes SP (g0 to the goroutine's stack) but
	 * keeps its frame valid on both, so the runtime unwinds through it to
	 * the goexit its caller's frame returns to (unwinder.resolveInternal,
	 * every release; by name, since funcID numbers change). */
	if (strcmp(f.name, "runtime.cgocallback") == 0)
		e->flag &= (uint8_t)~GS_FUNCFLAG_SPWRITE;
	e->has_sp = gs_pcln_spdelta(m->pcln, &f, pc, &e->spdelta) == 0;
	e->injected = is_injected(m, f.name);
	e->sigtramp = strcmp(f.name, "runtime.sigtramp") == 0;

	/* A return address points after the CALL: symbolize pc-1, unless the
	 * pc is exact (signal context, or the caller of an injected call) or
	 * is the function's entry (runtime.mstart, not yet run). */
	uint64_t tracepc = (!trap && pc > f.entry) ? pc - 1 : pc;
	struct gs_frame tmp[MAX_INLINE_DEPTH + 1];
	size_t n = 0;
	struct gs_pcln_inl inl;
	while (n < MAX_INLINE_DEPTH && gs_pcln_inline(m->pcln, &f, tracepc, &inl) == 1) {
		struct gs_frame *fr = &tmp[n++];
		fr->func = gs_print_name(m, inl.name);
		fr->pc = pc;
		fr->inlined = true;
		if (gs_pcln_fileline(m->pcln, &f, tracepc, &fr->file, &fr->line) != 0) {
			fr->file = "?";
			fr->line = 0;
		}
		if (inl.parentpc == tracepc)
			break; /* corrupt tree: would loop */
		tracepc = inl.parentpc;
	}
	struct gs_frame *fr = &tmp[n++];
	fr->func = gs_print_name(m, f.name);
	fr->pc = pc;
	fr->inlined = false;
	if (gs_pcln_fileline(m->pcln, &f, tracepc, &fr->file, &fr->line) != 0) {
		fr->file = "?";
		fr->line = 0;
	}
	struct gs_frame *out = gs_arena_alloc(m->arena, n * sizeof *out);
	memcpy(out, tmp, n * sizeof *out);
	e->frames = out;
	e->nframes = n;
	return e;
}

static bool in_bounds(const struct gs_unwind_start *st, uint64_t addr)
{
	if (st->lo == 0 && st->hi == 0)
		return true;
	return addr >= st->lo && addr + 8 <= st->hi;
}

static bool same_frames(const struct gs_frame *a, const struct gs_frame *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].pc != b[i].pc || a[i].func != b[i].func || a[i].file != b[i].file || a[i].line != b[i].line ||
		    a[i].inlined != b[i].inlined)
			return false;
	return true;
}

/* The arena's copy of frames[0..n), shared with every earlier goroutine
 * that has the same stack: a million goroutines stopped at a few hundred
 * stacks keep a few hundred arrays, not a million. */
static const struct gs_frame *intern_frames(struct gs_model *m, const struct gs_frame *frames, size_t n)
{
	struct gs_pccache *c = m->pcc;
	if (n == 0)
		return gs_arena_alloc(m->arena, sizeof(struct gs_frame));
	uint64_t h = n;
	for (size_t i = 0; i < n; i++)
		h = (h ^ frames[i].pc ^ (uint64_t)frames[i].inlined << 63 ^ (uintptr_t)frames[i].func) * 0x9e3779b97f4a7c15ull;
	h |= 1; /* gs_map keys are never 0 */
	uint64_t idx1;
	if (gs_map_get(&c->stacks, h, &idx1)) {
		const struct stackent *e = (const struct stackent *)c->stackv.data + (idx1 - 1);
		if (e->n == n && same_frames(e->frames, frames, n))
			return e->frames;
	}
	struct gs_frame *out = gs_arena_alloc(m->arena, n * sizeof *out);
	memcpy(out, frames, n * sizeof *out);
	*(struct stackent *)gs_vec_push(&c->stackv) = (struct stackent){ out, n };
	gs_map_put(&c->stacks, h, c->stackv.len); /* a colliding array replaces the older one */
	return out;
}

uint64_t gs_frame_sp(struct gs_model *m, size_t gi, const struct gs_goroutine *g, size_t k)
{
	uint64_t sp = m->graw ? m->graw[gi].sp0 : 0;
	for (size_t j = 0; sp && j < k && j < g->nframes; j++) {
		if (g->frames[j].inlined)
			continue;
		const struct pcent *e = lookup(m, g->frames[j].pc, false);
		if (!e->valid || !e->has_sp || e->spdelta < 0)
			return 0;
		sp += (uint64_t)e->spdelta + 8;
	}
	return sp;
}

void gs_unwind(struct gs_model *m, const struct gs_unwind_start *st, struct gs_goroutine *g, uint64_t *sp0)
{
	size_t max = m->opts.max_frames ? m->opts.max_frames : DEFAULT_MAX_FRAMES;
	struct gs_pccache *c = m->pcc;
	size_t nf = 0;
	uint64_t pc = st->pc, sp = st->sp;
	bool trap = st->trap;
	const char *error = NULL;

	if (pc == 0) {
		/* A nil function call: start in the caller's frame
		 * (runtime.gentraceback, "If the PC is zero"). */
		if (!in_bounds(st, sp) || gs_mem_u64(m, sp, &pc) != 0)
			error = gs_arena_printf(m->arena, "pc is 0 and sp %#llx is unreadable",
			                        (unsigned long long)sp);
		sp += 8;
	}
	*sp0 = error ? 0 : sp;
	for (size_t nphys = 0; !error; nphys++) {
		if (nf >= max) {
			g->frames_truncated = true;
			break;
		}
		const struct pcent *e = lookup(m, pc, trap);
		if (!e->valid) {
			error = gs_arena_printf(m->arena, "unknown pc %#llx", (unsigned long long)pc);
			break;
		}
		for (size_t i = 0; i < e->nframes && nf < max; i++) {
			if (nf == c->scap) {
				size_t cap = c->scap ? 2 * c->scap : 64;
				struct gs_frame *s = realloc(c->scratch, cap * sizeof *s);
				if (!s)
					abort();
				c->scratch = s;
				c->scap = cap;
			}
			c->scratch[nf++] = e->frames[i];
		}
		if (e->flag & GS_FUNCFLAG_TOPFRAME)
			break; /* runtime.goexit, mstart, rt0_go: the top of the stack */
		/* An SP-writing function (gogo, systemstack...) cannot be unwound
		 * through; the runtime stops there too.  The first frame of a
		 * goroutine in a syscall is exempt: its pc/sp were saved before
		 * the write (entersyscall). */
		if ((e->flag & GS_FUNCFLAG_SPWRITE) && !(nphys == 0 && st->syscall))
			break;
		if (!e->has_sp) {
			error = gs_arena_printf(m->arena, "no frame size for pc %#llx", (unsigned long long)pc);
			break;
		}
		uint64_t fp = sp + (uint64_t)e->spdelta + 8, lr;
		if (!in_bounds(st, fp - 8) || gs_mem_u64(m, fp - 8, &lr) != 0) {
			error = gs_arena_printf(m->arena, "return address at %#llx is outside the stack or unreadable",
			                        (unsigned long long)(fp - 8));
			break;
		}
		if (lr == 0)
			break;
		trap = e->injected;
		pc = lr;
		sp = fp;
	}
	g->nframes = nf;
	g->frames = intern_frames(m, c->scratch, nf);
	g->stack_error = error;
}

int gs_unwind_signal_context(struct gs_model *m, uint64_t pc, uint64_t sp, uint64_t *opc, uint64_t *osp)
{
	bool trap = true;
	for (int i = 0; i < MAX_SIGNAL_WALK; i++) {
		const struct pcent *e = lookup(m, pc, trap);
		if (!e->valid || !e->has_sp)
			return -1;
		uint64_t fp = sp + (uint64_t)e->spdelta + 8;
		if (e->sigtramp) {
			/* The kernel entered sigtramp with sp at the sigframe's return
			 * address; the ucontext follows it (Linux x86-64
			 * rt_sigframe), so it starts at sigtramp's frame pointer. */
			uint64_t uc = fp;
			if (gs_mem_u64(m, uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]), opc) != 0 ||
			    gs_mem_u64(m, uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP]), osp) != 0)
				return -1;
			return 0;
		}
		if (e->flag & (GS_FUNCFLAG_TOPFRAME | GS_FUNCFLAG_SPWRITE))
			return -1;
		uint64_t lr;
		if (gs_mem_u64(m, fp - 8, &lr) != 0 || lr == 0)
			return -1;
		trap = false;
		pc = lr;
		sp = fp;
	}
	return -1;
}
