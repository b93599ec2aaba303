/* reach.c - which blocked goroutines are leaked: the criterion of Go 1.26's
 * goroutine-leak profile (runtime/mgc.go: isMaybeRunnable,
 * findGoroutineLeaks), applied to a snapshot of any release.  Layer:
 * runtime model.
 *
 * A goroutine blocked on a channel, a select, or a sync.Mutex / RWMutex /
 * WaitGroup / Cond can run again only if something that runs can reach the
 * object.  Marking starts from the roots the GC uses - the data and bss of
 * the program, and the stacks of goroutines that are not blocked that way -
 * follows heap pointers, and never follows a sudog's c or elem (the runtime
 * makes those untraceable for the detection), so a blocked goroutine does
 * not keep its own object alive.  A blocked goroutine whose object gets
 * marked, or lies outside the heap (a global, a stack), may run: its stack
 * becomes a root.  At the fixpoint the rest are leaked.  Nil-channel waits
 * and select {} are leaked by definition, except the main goroutine's
 * select {} (the runtime excludes that idiom too).
 *
 * Stack frames are scanned precisely, with the compiler's pointer maps
 * (the locals and args bitmaps at the frame's stack-map index, as
 * runtime.scanframeworker), so a dead local does not keep a channel
 * alive; stack objects, frames without maps and the interrupted frame of
 * a running goroutine are scanned conservatively.  Heap objects are
 * scanned conservatively too (no heap bitmaps), except noscan spans.
 * Conservative scanning can only make an object look reachable: it can
 * cost a leak verdict, never call a live goroutine leaked.  To keep that
 * cost down, a word is taken as a pointer only into a slot that holds an
 * object (the span's allocBits and freeindex, or, in a span not swept
 * since the last GC, its mark bits): what a freed slot still holds is
 * nobody's reference (fixture freedslot).  Marks are a bit per slot of
 * each span. */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

/* amd64's arenaBaseOffset (runtime/malloc.go): heap addresses are indexed
 * from here, wrapping, so that the 48-bit address space maps to indexes
 * 0..2^22.  An architecture constant, not in DWARF. */
#define AMD64_ARENA_BASE_OFFSET 0xffff800000000000ull
#define SCAN_CHUNK 65536

/* A heap arena: its heapArena, and for each of its pages the span there
 * (index+1 into spanv; 0 not looked up yet; NO_SPAN none), filled as
 * pointers land in it: one read per page, not one per pointer. */
#define NO_SPAN UINT32_MAX
#define MAX_PAGES_PER_ARENA 65536
struct arenainfo {
	uint64_t ha;
	uint32_t *pages; /* NULL when pagesPerArena is implausible: every lookup reads */
};

struct spaninfo {
	uint64_t start, end, elemsize, nelems;
	bool inuse, scan;
	uint8_t *live; /* a bit per slot: holds an object; NULL: any slot may */
	uint8_t *mark; /* a bit per slot: marked here (allocated on first mark) */
	uint32_t *special; /* per slot: a runtime g, m, p or sudog there, scanned by its
	                    * struct's pointer map: the struct's offset in the object << 16 |
	                    * its schema TYPE id + 1; 0 none; NULL: none in this span */
};

struct rctx {
	struct gs_model *m;
	const struct gs_rtschema *rs;
	uint64_t l2arr;     /* mheap_.arenas[0] */
	unsigned logarena;  /* log2(heapArenaBytes) */
	uint64_t nl2;       /* 1 << arenaL2Bits */
	struct gs_map spans;    /* span address -> index+1 into spanv */
	struct gs_vec spanv;    /* struct spaninfo */
	struct gs_map arenas;   /* arena index + 1 -> index+1 into arenav */
	struct gs_vec arenav;   /* struct arenainfo */
	uint64_t last_ri, last_ai; /* the arena looked up last: index + 1, arenav index */
	uint32_t sweepgen;      /* mheap_.sweepgen */
	bool sweep_known;       /* the span fields that say which slots hold objects */
	struct gs_vec work;     /* uint64_t object bases to scan (sizes looked up again) */
	uint64_t csoff, cssize, esoff, essize; /* sudog c / elem fields, never followed */
	uint8_t *buf;
	bool ok;
	/* While a stack is scanned: its bounds and its frames' stack objects,
	 * scanned only once a pointer to them is found (as the GC does). */
	uint64_t stk_lo, stk_hi;
	struct gs_vec stkobjs; /* struct stkobj */
	struct gs_map fscan_idx; /* pc << 1 | exact -> index+1 into fscans */
	struct gs_vec fscans;    /* struct fscan */
};

struct stkobj {
	uint64_t ptr, size;
	bool found, scanned;
};

static bool heap_ready(struct rctx *c)
{
	const struct gs_rtschema *rs = c->rs;
	static const enum gs_rt_id need[] = { GS_RT_MHEAP, GS_RT_MHEAP_ARENAS, GS_RT_HEAPARENA_SPANS,
		                              GS_RT_MSPAN_STARTADDR, GS_RT_MSPAN_NPAGES, GS_RT_MSPAN_ELEMSIZE,
		                              GS_RT_MSPAN_SPANCLASS, GS_RT_MSPAN_STATE, GS_RT_C_MSPANINUSE,
		                              GS_RT_C_PAGESIZE, GS_RT_C_PAGESPERARENA, GS_RT_C_HEAPARENABYTES,
		                              GS_RT_C_ARENAL2BITS, GS_RT_C_ARENAL1BITS };
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		if (!gs_rt_has(rs, need[i]))
			return false;
	if (gs_rt_val(rs, GS_RT_C_ARENAL1BITS) != 0 || gs_rt_val(rs, GS_RT_C_ARENAL2BITS) > 30)
		return false; /* only the one-level arena map of 64-bit Linux */
	uint64_t hab = gs_rt_val(rs, GS_RT_C_HEAPARENABYTES);
	c->logarena = 0;
	while ((1ull << c->logarena) < hab && c->logarena < 63)
		c->logarena++;
	c->nl2 = 1ull << gs_rt_val(rs, GS_RT_C_ARENAL2BITS);
	return gs_mem_u64(c->m, gs_rt_val(rs, GS_RT_MHEAP) + gs_rt_val(rs, GS_RT_MHEAP_ARENAS), &c->l2arr) == 0 &&
	       c->l2arr != 0;
}

static uint64_t fld(struct rctx *c, uint64_t base, enum gs_rt_id id)
{
	uint64_t v = 0;
	gs_mem_field(c->m, base, id, &v);
	return v;
}

/* Which slots of the span at sp hold objects, a bit per slot; NULL when
 * that cannot be told (every slot may then).  A swept span (sweepgen ==
 * mheap_.sweepgen, or +3: swept and cached) holds what allocBits says,
 * and every slot below freeindex (allocated since the sweep: the runtime's
 * isFree).  A span the sweeper has not reached yet (sweepgen - 2) holds
 * what the last mark found alive (gcmarkBits): the rest is garbage its
 * allocBits still show.  Spans being swept, or cached before the sweep
 * began, are taken as full.  Without this, a pointer left in a dead
 * object could keep a blocked goroutine's channel "reachable". */
static uint8_t *span_live_bits(struct rctx *c, uint64_t sp, uint64_t nelems)
{
	if (!c->sweep_known || nelems == 0)
		return NULL;
	uint32_t sg = (uint32_t)fld(c, sp, GS_RT_MSPAN_SWEEPGEN), h = c->sweepgen;
	bool swept = sg == h || sg == (uint32_t)(h + 3), unswept = sg == (uint32_t)(h - 2);
	if (!swept && !unswept)
		return NULL;
	uint64_t bits = fld(c, sp, unswept ? GS_RT_MSPAN_GCMARKBITS : GS_RT_MSPAN_ALLOCBITS);
	size_t nb = (size_t)(nelems + 7) / 8;
	uint8_t *b = malloc(nb);
	if (!b)
		abort();
	if (!bits || gs_mem_read(c->m, bits, b, nb) != 0) {
		free(b);
		return NULL;
	}
	if (swept) {
		uint64_t fi = fld(c, sp, GS_RT_MSPAN_FREEINDEX);
		if (fi > nelems)
			fi = nelems;
		for (uint64_t i = 0; i < fi; i++)
			b[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return b;
}

static bool bit(const uint8_t *b, uint64_t i)
{
	return (b[i / 8] >> (i % 8)) & 1;
}

/* The heap object containing p (runtime.spanOf + findObject): 0 and its
 * base, size, whether it may hold pointers, and its span and slot; 1 (and
 * the same) when p is in an in-use span but its slot holds no object
 * (free, or garbage not swept yet); -1 when p is not in an in-use heap
 * span. */
static int heap_find_slot(struct rctx *c, uint64_t p, uint64_t *base, uint64_t *size, bool *scan,
                          struct spaninfo **span, uint64_t *slot)
{
	uint64_t ri = (p - AMD64_ARENA_BASE_OFFSET) >> c->logarena;
	if (ri >= c->nl2)
		return -1;
	uint64_t psize = gs_rt_val(c->rs, GS_RT_C_PAGESIZE), ppa = gs_rt_val(c->rs, GS_RT_C_PAGESPERARENA);
	uint64_t ai;
	if (c->last_ri == ri + 1) {
		ai = c->last_ai;
	} else {
		uint64_t ai1;
		if (gs_map_get(&c->arenas, ri + 1, &ai1)) {
			ai = ai1 - 1;
		} else {
			struct arenainfo *a = gs_vec_push(&c->arenav);
			if (gs_mem_u64(c->m, c->l2arr + 8 * ri, &a->ha) != 0)
				a->ha = 0;
			if (a->ha && ppa && ppa <= MAX_PAGES_PER_ARENA && !(a->pages = calloc(ppa, sizeof *a->pages)))
				abort();
			ai = c->arenav.len - 1;
			gs_map_put(&c->arenas, ri + 1, ai + 1);
		}
		c->last_ri = ri + 1;
		c->last_ai = ai;
	}
	struct arenainfo *a = (struct arenainfo *)c->arenav.data + ai;
	if (!a->ha || !psize || !ppa)
		return -1;
	uint64_t pg = (p / psize) % ppa, idx = a->pages ? a->pages[pg] : 0;
	if (idx == NO_SPAN)
		return -1;
	struct spaninfo *si;
	uint64_t sp;
	if (idx) {
		si = (struct spaninfo *)c->spanv.data + (idx - 1);
	} else if (gs_mem_u64(c->m, a->ha + gs_rt_val(c->rs, GS_RT_HEAPARENA_SPANS) + 8 * pg, &sp) != 0 || !sp) {
		if (a->pages)
			a->pages[pg] = NO_SPAN;
		return -1;
	} else if (gs_map_get(&c->spans, sp, &idx)) {
		si = (struct spaninfo *)c->spanv.data + (idx - 1);
		if (a->pages && idx < NO_SPAN)
			a->pages[pg] = (uint32_t)idx;
	} else {
		si = gs_vec_push(&c->spanv);
		gs_map_put(&c->spans, sp, c->spanv.len);
		if (a->pages && c->spanv.len < NO_SPAN)
			a->pages[pg] = (uint32_t)c->spanv.len;
		si->start = fld(c, sp, GS_RT_MSPAN_STARTADDR);
		si->end = si->start + fld(c, sp, GS_RT_MSPAN_NPAGES) * psize;
		si->elemsize = fld(c, sp, GS_RT_MSPAN_ELEMSIZE);
		si->inuse = fld(c, sp, GS_RT_MSPAN_STATE) == gs_rt_val(c->rs, GS_RT_C_MSPANINUSE);
		si->scan = (fld(c, sp, GS_RT_MSPAN_SPANCLASS) & 1) == 0; /* spanClass: low bit is noscan */
		if (si->inuse && si->elemsize && si->end > si->start) {
			uint64_t fit = (si->end - si->start) / si->elemsize, n = fit;
			if (gs_rt_has(c->rs, GS_RT_MSPAN_NELEMS))
				n = fld(c, sp, GS_RT_MSPAN_NELEMS);
			si->nelems = n < fit ? n : fit;
			si->live = span_live_bits(c, sp, si->nelems);
		}
	}
	if (!si->inuse || p < si->start || p >= si->end || si->elemsize == 0)
		return -1;
	uint64_t k = (p - si->start) / si->elemsize;
	*base = si->start + k * si->elemsize;
	*size = si->elemsize;
	*scan = si->scan;
	*span = si;
	*slot = k;
	return k < si->nelems && (!si->live || bit(si->live, k)) ? 0 : 1;
}

static int heap_find(struct rctx *c, uint64_t p, uint64_t *base, uint64_t *size, bool *scan)
{
	struct spaninfo *si;
	uint64_t k;
	return heap_find_slot(c, p, base, size, scan, &si, &k);
}

/* Set bit k of the per-slot bitmap *b of si (allocated on first use);
 * false when it already was set. */
static bool set_slot_bit(struct spaninfo *si, uint8_t **b, uint64_t k)
{
	if (!*b && !(*b = calloc((size_t)(si->nelems + 7) / 8, 1)))
		abort();
	if (bit(*b, k))
		return false;
	(*b)[k / 8] |= (uint8_t)(1u << (k % 8));
	return true;
}

/* Mark the object in slot k of si; false when it already was. */
static bool set_mark(struct spaninfo *si, uint64_t k)
{
	return set_slot_bit(si, &si->mark, k);
}

/* The heap object holding p has a runtime struct `id` at p (a g, m or p;
 * Go 1.22+ puts a malloc header before big objects): scan_object reads it
 * with the struct's pointer map.  A sudog is taken only at an object's
 * base, and stays one. */
static void put_typed(struct rctx *c, uint64_t p, enum gs_rt_id id)
{
	uint64_t base, size, k;
	bool scan;
	struct spaninfo *si;
	int found = heap_find_slot(c, p, &base, &size, &scan, &si, &k);
	if (found < 0 || k >= si->nelems || p - base >= 0x10000 || (id == GS_RT_SUDOG ? p != base : found != 0))
		return;
	if (!si->special && !(si->special = calloc((size_t)si->nelems, sizeof *si->special)))
		abort();
	if (si->special[k] && (si->special[k] & 0xffff) == GS_RT_SUDOG + 1)
		return;
	si->special[k] = (uint32_t)((p - base) << 16 | (uint64_t)(id + 1));
}

static void mark_word(struct rctx *c, uint64_t w)
{
	uint64_t base, size, k;
	bool scan;
	struct spaninfo *si;
	if (w >= c->stk_lo && w < c->stk_hi) {
		struct stkobj *o = c->stkobjs.data;
		for (size_t k = 0; k < c->stkobjs.len; k++)
			if (w >= o[k].ptr && w < o[k].ptr + o[k].size)
				o[k].found = true;
		return;
	}
	if (w < 4096 || heap_find_slot(c, w, &base, &size, &scan, &si, &k) != 0 || !set_mark(si, k))
		return;
	if (scan)
		*(uint64_t *)gs_vec_push(&c->work) = base;
}

/* Every aligned word of [lo, hi) as a possible pointer; skip [s1,e1) and
 * [s2,e2) (a sudog's untraceable fields). */
static void scan_range(struct rctx *c, uint64_t lo, uint64_t hi, uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	lo = (lo + 7) & ~7ull;
	while (lo < hi) {
		size_t n = hi - lo > SCAN_CHUNK ? SCAN_CHUNK : (size_t)(hi - lo) & ~(size_t)7;
		if (n == 0)
			break;
		if (gs_mem_read(c->m, lo, c->buf, n) != 0) {
			/* Partly unreadable (not in the core): page by page, then
			 * word by word in the pages that read.  Word by word over
			 * the whole chunk made a damaged range (a g's stack.hi far
			 * past its sp, fuzz_walk) cost a failing read per word. */
			for (size_t k = 0; k < n;) {
				size_t pg = 4096 - (size_t)((lo + k) & 4095);
				if (pg > n - k)
					pg = n - k;
				if (gs_mem_read(c->m, lo + k, c->buf + k, pg) == 0)
					for (size_t j = k; j < k + pg; j += 8)
						if (!((lo + j >= s1 && lo + j < e1) || (lo + j >= s2 && lo + j < e2)))
							mark_word(c, gs_le64(c->buf + j));
				k += pg;
			}
		} else {
			for (size_t k = 0; k < n; k += 8) {
				uint64_t a = lo + k;
				if ((a >= s1 && a < e1) || (a >= s2 && a < e2))
					continue;
				mark_word(c, gs_le64(c->buf + k));
			}
		}
		lo += n;
	}
}

/* abi.FUNCDATA_* and abi.PCDATA_* indexes, unchanged 1.19-1.27. */
#define FUNCDATA_ARGSPOINTERMAPS 0
#define FUNCDATA_LOCALSPOINTERMAPS 1
#define FUNCDATA_STACKOBJECTS 2
#define PCDATA_STACKMAPINDEX 1

/* What scanning a physical frame at one pc takes, all of it from the
 * executable: a million goroutines stop at a few hundred pcs, so this is
 * worked out once per (pc, exact) and kept (rctx.fscans). */
struct fscan {
	bool ok;        /* function and sp delta known; else the walk stops */
	bool precise;   /* else [sp, fp) is scanned conservatively */
	bool args_cons; /* the args map is unreadable: args scanned conservatively */
	int64_t spdelta, args;
	uint32_t nl, na;   /* bits in the locals and args maps */
	uint8_t *lbits, *abits;
	uint32_t nobjs;
	int32_t *objs;     /* stack objects: offset, size pairs */
};

/* The bits of entry idx of the runtime.stackmap at addr ({n, nbit int32;
 * bytedata}): 0 and *bits (malloc'd, NULL when nbit is 0); -1 when
 * unreadable. */
static int read_bitmap(struct rctx *c, uint64_t addr, int32_t idx, uint32_t *nbit_out, uint8_t **bits)
{
	uint8_t hdr[8];
	*bits = NULL;
	*nbit_out = 0;
	if (gs_mem_read(c->m, addr, hdr, 8) != 0)
		return -1;
	int32_t n = (int32_t)gs_le32(hdr), nbit = (int32_t)gs_le32(hdr + 4);
	if (nbit == 0)
		return 0;
	if (n <= 0 || nbit < 0 || nbit > 1 << 15 || idx < 0 || idx >= n)
		return -1;
	size_t nbytes = ((size_t)nbit + 7) / 8;
	uint8_t *b = malloc(nbytes);
	if (!b)
		abort();
	if (gs_mem_read(c->m, addr + 8 + nbytes * (size_t)idx, b, nbytes) != 0) {
		free(b);
		return -1;
	}
	*bits = b;
	*nbit_out = (uint32_t)nbit;
	return 0;
}

/* The frame-scan facts for pc, as runtime.scanframeworker finds them. */
static const struct fscan *frame_facts(struct rctx *c, uint64_t pc, bool exact)
{
	/* pc 0 (or one past 2^63) is in no function, and 0 is no gs_map key */
	static const struct fscan none = { .ok = false };
	uint64_t key = pc << 1 | exact, idx1;
	if (key == 0 || pc >> 63)
		return &none;
	if (gs_map_get(&c->fscan_idx, key, &idx1))
		return (const struct fscan *)c->fscans.data + (idx1 - 1);
	struct fscan fs = { 0 };
	struct gs_model *m = c->m;
	struct gs_pcln_func f;
	if (gs_pcln_find(m->pcln, pc, &f) == 0 && gs_pcln_spdelta(m->pcln, &f, pc, &fs.spdelta) == 0 && fs.spdelta >= 0) {
		fs.ok = true;
		fs.args = f.args > 0 ? f.args : 0;
		uint64_t lmap, amap, objs;
		bool have_l = gs_pcln_funcdata(m->pcln, &f, FUNCDATA_LOCALSPOINTERMAPS, &lmap) == 0;
		bool have_a = gs_pcln_funcdata(m->pcln, &f, FUNCDATA_ARGSPOINTERMAPS, &amap) == 0;
		int32_t idx = -1;
		if (pc != f.entry && gs_pcln_pcdata(m->pcln, &f, PCDATA_STACKMAPINDEX, exact ? pc : pc - 1, &idx) != 0)
			idx = -1;
		if (idx == -1)
			idx = 0;
		/* varp lies above sp when the frame has locals (scan_frame) */
		bool has_locals = fs.spdelta > 8;
		fs.precise = !exact && strncmp(f.name, "reflect.", 8) != 0;
		if (fs.precise && has_locals && (!have_l || read_bitmap(c, lmap, idx, &fs.nl, &fs.lbits) != 0))
			fs.precise = false;
		if (fs.precise && have_a && read_bitmap(c, amap, idx, &fs.na, &fs.abits) != 0)
			fs.args_cons = true;
		uint64_t n;
		if (fs.precise && gs_pcln_funcdata(m->pcln, &f, FUNCDATA_STACKOBJECTS, &objs) == 0 &&
		    gs_mem_u64(m, objs, &n) == 0 && n > 0 && n <= 4096) {
			fs.objs = malloc(2 * sizeof *fs.objs * (size_t)n);
			if (!fs.objs)
				abort();
			for (uint64_t k = 0; k < n; k++) {
				uint8_t rec[8];
				if (gs_mem_read(m, objs + 8 + 16 * k, rec, 8) != 0)
					break;
				fs.objs[2 * fs.nobjs] = (int32_t)gs_le32(rec);
				fs.objs[2 * fs.nobjs + 1] = (int32_t)gs_le32(rec + 4);
				fs.nobjs++;
			}
		}
	}
	*(struct fscan *)gs_vec_push(&c->fscans) = fs;
	gs_map_put(&c->fscan_idx, key, c->fscans.len);
	return (const struct fscan *)c->fscans.data + (c->fscans.len - 1);
}

/* The words of [base, base + 8 nbit) that bits marks, read in one go. */
static void scan_bits(struct rctx *c, uint64_t base, const uint8_t *bits, uint32_t nbit)
{
	for (uint32_t i = 0; i < nbit;) {
		uint32_t n = nbit - i < SCAN_CHUNK / 8 ? nbit - i : SCAN_CHUNK / 8;
		if (gs_mem_read(c->m, base + 8 * (uint64_t)i, c->buf, 8 * (size_t)n) != 0) {
			for (uint32_t j = i; j < i + n; j++) {
				uint64_t w;
				if ((bits[j / 8] >> (j % 8)) & 1 && gs_mem_u64(c->m, base + 8 * (uint64_t)j, &w) == 0)
					mark_word(c, w);
			}
		} else {
			for (uint32_t j = 0; j < n; j++)
				if ((bits[(i + j) / 8] >> ((i + j) % 8)) & 1)
					mark_word(c, gs_le64(c->buf + 8 * j));
		}
		i += n;
	}
}

/* One physical frame, as runtime.scanframeworker (amd64: varp is below the
 * return address and the saved frame pointer, argp is the caller's sp). */
static void scan_frame(struct rctx *c, uint64_t pc, uint64_t sp, bool exact, uint64_t *next_sp)
{
	const struct fscan *fs = frame_facts(c, pc, exact);
	*next_sp = 0;
	if (!fs->ok)
		return;
	uint64_t fp = sp + (uint64_t)fs->spdelta + 8, varp = fp - 8, argp = fp;
	if (varp > sp)
		varp -= 8; /* the saved frame pointer */
	*next_sp = fp;
	if (!fs->precise) {
		scan_range(c, sp, fp, 0, 0, 0, 0);
		return;
	}
	if (fs->nl)
		scan_bits(c, varp - 8 * (uint64_t)fs->nl, fs->lbits, fs->nl);
	if (fs->args_cons)
		scan_range(c, argp, argp + (uint64_t)fs->args, 0, 0, 0, 0);
	else if (fs->na)
		scan_bits(c, argp, fs->abits, fs->na);
	for (uint32_t k = 0; k < fs->nobjs; k++) {
		int32_t off = fs->objs[2 * k], size = fs->objs[2 * k + 1];
		uint64_t ptr = (off >= 0 ? argp : varp) + (uint64_t)(int64_t)off;
		if (ptr >= sp && size > 0 && size < (1 << 20))
			*(struct stkobj *)gs_vec_push(&c->stkobjs) = (struct stkobj){ ptr, (uint64_t)size, false, false };
	}
}

/* A goroutine's stack as GC roots: frame by frame from the frames the
 * unwinder found; what lies above the last known frame, conservatively. */
static void scan_stack(struct rctx *c, const struct gs_goroutine *g, const struct gs_graw *raw)
{
	uint64_t top = raw->sp;
	bool first = true;
	c->stkobjs.len = 0;
	c->stk_lo = raw->sp;
	c->stk_hi = raw->hi;
	/* Each physical frame's sp is the one below's fp, as the unwinder
	 * found them (frames do not carry it: gs_frame_sp). */
	uint64_t sp = raw->sp0;
	for (size_t i = 0; sp && i < g->nframes; i++) {
		const struct gs_frame *fr = &g->frames[i];
		if (fr->inlined)
			continue;
		uint64_t next;
		/* The innermost frame of a running goroutine stopped at an
		 * arbitrary instruction: no stack map describes it. */
		scan_frame(c, fr->pc, sp, first && g->status && !strcmp(g->status, "running"), &next);
		first = false;
		if (!next)
			break;
		top = sp = next;
	}
	/* A real stack is at most runtime.maxstacksize (1 GB on 64-bit,
	 * set by runtime.main since Go 1.0); a damaged stack.hi further out
	 * (fuzz_walk) is not scanned. */
	if (top < raw->hi && raw->hi - top <= (1ull << 30) &&
	    (g->stack_error || g->frames_truncated || g->nframes == 0))
		scan_range(c, top, raw->hi, 0, 0, 0, 0);
	/* Stack objects that live pointers reach, and what they reach. */
	for (bool more = true; more;) {
		more = false;
		for (size_t k = 0; k < c->stkobjs.len; k++) {
			struct stkobj *o = (struct stkobj *)c->stkobjs.data + k;
			if (o->found && !o->scanned) {
				o->scanned = true;
				more = true;
				scan_range(c, o->ptr, o->ptr + o->size, 0, 0, 0, 0);
			}
		}
	}
	c->stk_lo = c->stk_hi = 0;
}

/* A heap object: a runtime g, m or p by its DWARF pointer map (their
 * uintptr fields and buffers hold stale addresses the GC never follows:
 * P's write-barrier buffer is one), a sudog without its c and elem, any
 * other object conservatively. */
static void scan_object(struct rctx *c, uint64_t base, uint64_t size, const struct spaninfo *si, uint64_t k)
{
	uint32_t sv = si->special ? si->special[k] : 0;
	if (!sv) {
		scan_range(c, base, base + size, 0, 0, 0, 0);
		return;
	}
	enum gs_rt_id id = (enum gs_rt_id)((sv & 0xffff) - 1);
	bool sudog = id == GS_RT_SUDOG;
	uint64_t at = sv >> 16; /* the struct's offset in the object */
	uint64_t tsize = c->rs->it[id].value;
	if (!c->rs->it[id].ptrmap || at + tsize > size || tsize > SCAN_CHUNK ||
	    gs_mem_read(c->m, base + at, c->buf, tsize) != 0) {
		if (sudog)
			scan_range(c, base, base + size, base + c->csoff, base + c->csoff + c->cssize, base + c->esoff,
			           base + c->esoff + c->essize);
		else
			scan_range(c, base, base + size, 0, 0, 0, 0);
		return;
	}
	/* Words before the struct (a malloc header: a type pointer, not
	 * heap) and after it (size-class slack) hold no heap pointers. */
	const uint8_t *pm = c->rs->it[id].ptrmap; /* a bit per word (gs_rt_ptrword), checked non-NULL above */
	for (uint64_t off = 0; off + 8 <= tsize; off += 8) {
		if (!((pm[off / 64] >> ((off / 8) % 8)) & 1)) {
			if (off % 64 == 0 && pm[off / 64] == 0)
				off += 56; /* eight words without a pointer */
			continue;
		}
		if (sudog && ((off >= c->csoff && off < c->csoff + c->cssize) || (off >= c->esoff && off < c->esoff + c->essize)))
			continue;
		mark_word(c, gs_le64(c->buf + off));
	}
}

/* Stacks to scan, in the order of their addresses. */
struct stack_ref {
	uint64_t sp;
	size_t i;
};

static int stack_ref_cmp(const void *a, const void *b)
{
	const struct stack_ref *x = a, *y = b;
	return x->sp < y->sp ? -1 : x->sp > y->sp;
}

static void scan_stacks(struct rctx *c, struct gs_vec *batch, const struct gs_goroutine *gs, const struct gs_graw *graw)
{
	if (batch->len > 1) /* qsort must not get the NULL of an empty vector */
		qsort(batch->data, batch->len, sizeof(struct stack_ref), stack_ref_cmp);
	for (size_t k = 0; k < batch->len; k++) {
		size_t i = ((const struct stack_ref *)batch->data)[k].i;
		scan_stack(c, &gs[i], &graw[i]);
	}
	batch->len = 0;
}

static void drain(struct rctx *c)
{
	struct gs_vec layer;
	gs_vec_init(&layer, sizeof(uint64_t));
	while (c->work.len > 0) {
		struct gs_vec t = layer;
		layer = c->work;
		c->work = t;
		c->work.len = 0;
		if (layer.len > 1)
			qsort(layer.data, layer.len, sizeof(uint64_t), gs_u64_cmp);
		for (size_t i = 0; i < layer.len; i++) {
			uint64_t base = ((uint64_t *)layer.data)[i], b2, size, k;
			bool scan;
			struct spaninfo *si;
			if (heap_find_slot(c, base, &b2, &size, &scan, &si, &k) != 0)
				continue;
			scan_object(c, base, size, si, k);
		}
	}
	gs_vec_free(&layer);
}

/* Which heap objects are sudogs (marked special), and the runtime's own
 * g, m and p structs: every allgs entry (dead ones too), the allm list,
 * allp. */
static void index_runtime_objects(struct rctx *c)
{
	const struct gs_rtschema *rs = c->rs;
	struct gs_model *m = c->m;
	uint64_t arr, n, p;
	for (size_t i = 0; i < m->sudogs.len; i++)
		put_typed(c, ((const uint64_t *)m->sudogs.data)[i], GS_RT_SUDOG);
	/* The entries goroutines.c walked, not runtime.allglen again: a huge
	 * allglen in a damaged core is clamped there to len(allgs), and here
	 * it cost 64M failed reads (seconds) and a map of junk pointers. */
	for (uint64_t i = 0; i < m->nallgs; i++)
		if (gs_mem_u64(m, m->allgs + 8 * i, &p) == 0 && p)
			put_typed(c, p, GS_RT_G);
	/* Each M's g0 and gsignal are gs that allgs does not list (malg):
	 * scanned as bytes, their stack.hi - one past the stack - reads as a
	 * pointer to whatever object starts the next span (a closure holding
	 * a mutex kept leaksync's waiters "reachable", now and then). */
	if (gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLM), &p) == 0)
		for (size_t i = 0; p && i < 100000; i++) {
			uint64_t g;
			put_typed(c, p, GS_RT_M);
			if (gs_rt_has(rs, GS_RT_M_G0) && gs_mem_field(m, p, GS_RT_M_G0, &g) == 0 && g)
				put_typed(c, g, GS_RT_G);
			if (gs_rt_has(rs, GS_RT_M_GSIGNAL) && gs_mem_field(m, p, GS_RT_M_GSIGNAL, &g) == 0 && g)
				put_typed(c, g, GS_RT_G);
			if (gs_mem_field(m, p, GS_RT_M_ALLLINK, &p) != 0)
				break;
		}
	if (gs_rt_has(rs, GS_RT_ALLP) && gs_rt_has(rs, GS_RT_P) && gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLP), &arr) == 0 &&
	    gs_mem_u64(m, gs_rt_val(rs, GS_RT_ALLP) + 8, &n) == 0)
		for (uint64_t i = 0; i < n && i < 4096; i++)
			if (gs_mem_u64(m, arr + 8 * i, &p) == 0 && p)
				put_typed(c, p, GS_RT_P);
}

static void scan_section(struct rctx *c, const char *name)
{
	uint64_t addr;
	size_t size;
	if (gs_elf_section(c->m->exe, name, &addr, NULL, &size) == 0 && addr)
		scan_range(c, addr + c->m->bias, addr + c->m->bias + size, 0, 0, 0, 0);
}

/* The program's data and bss as the GC scans them (markroot): only the
 * words the module's pointer masks mark (moduledata.gcdatamask/gcbssmask,
 * built at start-up by progToPointerMask).  Without the masks, the
 * sections are scanned conservatively. */
static void scan_globals(struct rctx *c)
{
	const struct gs_rtschema *rs = c->rs;
	uint64_t md = gs_rt_val(rs, GS_RT_FIRSTMODULEDATA);
	static const enum gs_rt_id ids[2][3] = {
		{ GS_RT_MODULEDATA_DATA, GS_RT_MODULEDATA_EDATA, GS_RT_MODULEDATA_GCDATAMASK },
		{ GS_RT_MODULEDATA_BSS, GS_RT_MODULEDATA_EBSS, GS_RT_MODULEDATA_GCBSSMASK },
	};
	for (int k = 0; k < 2; k++) {
		uint64_t lo, hi, mask;
		if (!gs_rt_has(rs, GS_RT_FIRSTMODULEDATA) || gs_mem_field(c->m, md, ids[k][0], &lo) != 0 ||
		    gs_mem_field(c->m, md, ids[k][1], &hi) != 0 || gs_mem_field(c->m, md, ids[k][2], &mask) != 0 ||
		    !mask || hi < lo || hi - lo > (1ull << 32)) {
			gs_model_warn(c->m, "the %s pointer mask is unreadable: scanning it conservatively", k ? "bss" : "data");
			scan_section(c, k ? ".bss" : ".data");
			continue;
		}
		uint64_t nwords = (hi - lo) / 8;
		for (uint64_t w = 0; w < nwords; w += 8 * SCAN_CHUNK / 64) {
			uint64_t n = nwords - w < 8 * SCAN_CHUNK / 64 ? nwords - w : 8 * SCAN_CHUNK / 64;
			uint8_t bits[SCAN_CHUNK / 64];
			if (gs_mem_read(c->m, mask + w / 8, bits, (n + 7) / 8) != 0 ||
			    gs_mem_read(c->m, lo + 8 * w, c->buf, n * 8) != 0) {
				scan_range(c, lo + 8 * w, lo + 8 * (w + n), 0, 0, 0, 0);
				continue;
			}
			for (uint64_t i = 0; i < n; i++)
				if ((bits[i / 8] >> (i % 8)) & 1)
					mark_word(c, gs_le64(c->buf + 8 * i));
		}
	}
}

/* Whether the object at addr keeps its waiters runnable: marked, or not a
 * heap object at all (isMarkedOrNotInHeap).  A waited-on object in a slot
 * that holds none would be a torn snapshot: runnable, to be safe. */
static bool live_object(struct rctx *c, uint64_t addr)
{
	uint64_t base, size, k;
	bool scan;
	struct spaninfo *si;
	if (heap_find_slot(c, addr, &base, &size, &scan, &si, &k) != 0)
		return true;
	return si->mark && bit(si->mark, k);
}

enum verdict { V_ROOT, V_CANDIDATE, V_LEAKED_BY_DEFINITION, V_EXEMPT };

static bool sync_kind(const char *k)
{
	return !strcmp(k, "mutex") || !strcmp(k, "rwmutex") || !strcmp(k, "waitgroup") || !strcmp(k, "cond");
}

static enum verdict classify(const struct gs_model *m, size_t i, const struct gs_goroutine *g)
{
	if (!m->graw[i].blocked || g->nwaits == 0)
		return V_ROOT;
	const char *k = g->waits[0].kind;
	if (!strcmp(k, "nil_chan"))
		return V_LEAKED_BY_DEFINITION;
	if (!strcmp(k, "select_no_cases"))
		return g->id == 1 ? V_EXEMPT : V_LEAKED_BY_DEFINITION;
	for (size_t w = 0; w < g->nwaits; w++)
		if (!g->waits[w].obj || !(!strcmp(g->waits[w].kind, "chan") || sync_kind(g->waits[w].kind)))
			return V_ROOT; /* an object we could not resolve: assume it may run */
	return V_CANDIDATE;
}

static const char *reason_for(struct gs_model *m, const struct gs_goroutine *g)
{
	const struct gs_wait *w = &g->waits[0];
	const struct gs_object *o = w->obj;
	if (!strcmp(w->kind, "nil_chan"))
		return w->select_case ? "blocked forever in a select whose every case is a nil channel"
		                      : "blocked forever on a nil channel: no send or receive on a nil channel ever completes";
	if (!strcmp(w->kind, "select_no_cases"))
		return "blocked forever in select {} (no cases): nothing can wake it";
	if (g->nwaits > 1)
		return gs_arena_printf(m->arena,
		                       "blocked in select on %zu channels that only blocked goroutines can reach: no case can ever proceed",
		                       g->nwaits);
	if (!strcmp(w->kind, "chan"))
		return gs_arena_printf(m->arena,
		                       "blocked %s chan %s %#llx, which only blocked goroutines can reach: nothing will ever %s",
		                       w->dir && !strcmp(w->dir, "send") ? "sending on" : "receiving from",
		                       o->elem_type ? o->elem_type : "?", (unsigned long long)o->addr,
		                       w->dir && !strcmp(w->dir, "send") ? "receive from it" : "send on it or close it");
	if (!strcmp(w->kind, "waitgroup"))
		return gs_arena_printf(m->arena,
		                       "waiting on sync.WaitGroup %#llx, which only blocked goroutines can reach: its counter will never reach zero",
		                       (unsigned long long)o->addr);
	if (!strcmp(w->kind, "cond"))
		return gs_arena_printf(m->arena,
		                       "waiting on sync.Cond %#llx, which only blocked goroutines can reach: nothing will ever signal it",
		                       (unsigned long long)o->addr);
	return gs_arena_printf(m->arena,
	                       "waiting to lock sync.%s %#llx, which only blocked goroutines can reach: its holder will never unlock it",
	                       !strcmp(w->kind, "rwmutex") ? "RWMutex" : "Mutex", (unsigned long long)o->addr);
}

void gs_reach_leaks(struct gs_model *m, struct gs_report *r)
{
	struct rctx c = { .m = m, .rs = &m->rs, .ok = true };
	struct gs_goroutine *gs = (struct gs_goroutine *)r->goroutines;
	enum verdict *v = calloc(r->ngoroutines ? r->ngoroutines : 1, sizeof *v);
	bool *runnable = calloc(r->ngoroutines ? r->ngoroutines : 1, sizeof *runnable);
	c.buf = malloc(SCAN_CHUNK);
	if (!v || !runnable || !c.buf)
		abort();
	gs_map_init(&c.spans);
	gs_map_init(&c.arenas);
	gs_vec_init(&c.arenav, sizeof(struct arenainfo));
	gs_vec_init(&c.spanv, sizeof(struct spaninfo));
	gs_vec_init(&c.work, sizeof(uint64_t));
	gs_vec_init(&c.stkobjs, sizeof(struct stkobj));
	gs_map_init(&c.fscan_idx);
	gs_vec_init(&c.fscans, sizeof(struct fscan));
	bool heap = heap_ready(&c);
	uint64_t hsg;
	static const enum gs_rt_id sweep_fields[] = { GS_RT_MSPAN_FREEINDEX, GS_RT_MSPAN_ALLOCBITS,
		                                      GS_RT_MSPAN_GCMARKBITS, GS_RT_MSPAN_SWEEPGEN };
	c.sweep_known = heap && gs_mem_field(m, gs_rt_val(c.rs, GS_RT_MHEAP), GS_RT_MHEAP_SWEEPGEN, &hsg) == 0;
	for (size_t i = 0; i < sizeof sweep_fields / sizeof *sweep_fields; i++)
		c.sweep_known = c.sweep_known && gs_rt_has(c.rs, sweep_fields[i]);
	c.sweepgen = (uint32_t)hsg;
	if (!heap)
		gs_model_warn(m, "the heap map (runtime.mheap_) is unreadable: leak verdicts only for nil channels and select {}");
	c.csoff = gs_rt_val(c.rs, GS_RT_SUDOG_CFIELD);
	c.cssize = c.rs->it[GS_RT_SUDOG_CFIELD].size;
	c.esoff = gs_rt_val(c.rs, GS_RT_SUDOG_ELEMFIELD);
	c.essize = c.rs->it[GS_RT_SUDOG_ELEMFIELD].size;

	for (size_t i = 0; i < r->ngoroutines; i++)
		v[i] = classify(m, i, &gs[i]);
	if (heap) {
		index_runtime_objects(&c);
		scan_globals(&c);
		struct gs_vec batch;
		gs_vec_init(&batch, sizeof(struct stack_ref));
		for (size_t i = 0; i < r->ngoroutines; i++) {
			if (v[i] != V_ROOT || !m->graw[i].sp || m->graw[i].hi <= m->graw[i].sp)
				continue;
			*(struct stack_ref *)gs_vec_push(&batch) = (struct stack_ref){ m->graw[i].sp, i };
			runnable[i] = true;
		}
		scan_stacks(&c, &batch, gs, m->graw);
		drain(&c);
		for (bool changed = true; changed;) {
			changed = false;
			for (size_t i = 0; i < r->ngoroutines; i++) {
				if (v[i] != V_CANDIDATE || runnable[i])
					continue;
				for (size_t w = 0; w < gs[i].nwaits; w++) {
					if (live_object(&c, gs[i].waits[w].obj->addr)) {
						runnable[i] = true;
						break;
					}
				}
				if (runnable[i]) {
					changed = true;
					if (m->graw[i].sp && m->graw[i].hi > m->graw[i].sp)
						*(struct stack_ref *)gs_vec_push(&batch) = (struct stack_ref){ m->graw[i].sp, i };
				}
			}
			scan_stacks(&c, &batch, gs, m->graw);
			drain(&c);
		}
		gs_vec_free(&batch);
		/* Tell each object whether running code can reach it, and which
		 * heap object holds it. */
		for (size_t i = 0; i < r->ngoroutines; i++)
			for (size_t w = 0; w < gs[i].nwaits; w++) {
				struct gs_object *o = (struct gs_object *)gs[i].waits[w].obj;
				uint64_t base, size;
				bool scan;
				if (!o)
					continue;
				o->reachable = live_object(&c, o->addr);
				if (o->addr && heap_find(&c, o->addr, &base, &size, &scan) == 0)
					o->heap_base = base;
			}
	}
	/* The waiters of one object share its verdict (one printf per
	 * object, not per goroutine): keyed by the object and direction. */
	struct gs_map shared;
	gs_map_init(&shared);
	for (size_t i = 0; i < r->ngoroutines; i++) {
		bool leaked = v[i] == V_LEAKED_BY_DEFINITION || (heap && v[i] == V_CANDIDATE && !runnable[i]);
		if (!leaked)
			continue;
		const struct gs_wait *w = gs[i].nwaits == 1 ? &gs[i].waits[0] : NULL;
		uint64_t key = w && w->obj ? (uintptr_t)w->obj | (w->dir && !strcmp(w->dir, "send")) : 0, lp;
		if (key && gs_map_get(&shared, key, &lp)) {
			gs[i].leak = (const struct gs_leak *)(uintptr_t)lp;
			continue;
		}
		struct gs_leak *l = gs_arena_alloc(m->arena, sizeof *l);
		l->verdict = "definite";
		l->reason = reason_for(m, &gs[i]);
		gs[i].leak = l;
		if (key)
			gs_map_put(&shared, key, (uintptr_t)l);
	}
	gs_map_free(&shared);
	free(v);
	free(runnable);
	free(c.buf);
	gs_map_free(&c.spans);
	gs_map_free(&c.arenas);
	for (size_t i = 0; i < c.arenav.len; i++)
		free(((struct arenainfo *)c.arenav.data)[i].pages);
	gs_vec_free(&c.arenav);
	for (size_t i = 0; i < c.spanv.len; i++) {
		free(((struct spaninfo *)c.spanv.data)[i].live);
		free(((struct spaninfo *)c.spanv.data)[i].mark);
		free(((struct spaninfo *)c.spanv.data)[i].special);
	}
	gs_vec_free(&c.spanv);
	gs_vec_free(&c.work);
	gs_vec_free(&c.stkobjs);
	for (size_t i = 0; i < c.fscans.len; i++) {
		struct fscan *fs = (struct fscan *)c.fscans.data + i;
		free(fs->lbits);
		free(fs->abits);
		free(fs->objs);
	}
	gs_map_free(&c.fscan_idx);
	gs_vec_free(&c.fscans);
}
