/* target_callback.c - a target whose reads and registers are answered by
 * the caller (the gdb extension: gdb reads a live process, a core file or a
 * gdbserver for us).  Layer: target.  Knows nothing about Go or gdb.
 *
 * Every call into the caller may be slow (a Python function in gdb), so
 * reads go through a cache of 64 KiB blocks: one callback fills a block;
 * when the caller cannot read the whole block (its end is unmapped), the
 * block is filled page by page and the pages it lacks are remembered as
 * missing, so an unreadable address costs the caller one call, once.  The
 * cache is bounded (GS_CB_CACHE_MAX bytes); when full it is emptied. */
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "util.h"

#define BLOCK_SHIFT 16
#define BLOCK_SIZE ((size_t)1 << BLOCK_SHIFT)
#define PAGE_SHIFT 12
#define PAGE_SIZE ((size_t)1 << PAGE_SHIFT)
#define PAGES_PER_BLOCK (BLOCK_SIZE / PAGE_SIZE)
#define GS_CB_CACHE_MAX ((size_t)1 << 30)

struct block {
	uint64_t missing; /* bit i: page i of the block could not be read */
	uint8_t bytes[BLOCK_SIZE];
};

struct cbtarget {
	struct gs_callbacks cb;
	struct gs_thread *threads;
	size_t nthreads;
	struct gs_map index; /* block number + 1 -> slot + 1 in blocks */
	struct block **blocks;
	size_t nblocks, cap;
	uint64_t last_bno1;        /* the block read last: number + 1 (0: none) */
	const struct block *last;
};

static void cache_clear(struct cbtarget *t)
{
	for (size_t i = 0; i < t->nblocks; i++)
		free(t->blocks[i]);
	t->nblocks = 0;
	t->last_bno1 = 0;
	t->last = NULL;
	gs_map_free(&t->index);
	gs_map_init(&t->index);
}

static const struct block *get_block(struct cbtarget *t, uint64_t bno)
{
	uint64_t slot;
	/* gs_map keys must not be 0 (an empty slot): block 0 holds the
	 * addresses below 64 KiB that a damaged pointer (nil plus a field
	 * offset) points to, and was "found" in any empty slot with slot 0,
	 * reading blocks[-1] (fuzz_walk). */
	if (t->last_bno1 == bno + 1)
		return t->last;
	if (gs_map_get(&t->index, bno + 1, &slot)) {
		t->last_bno1 = bno + 1;
		return t->last = t->blocks[slot - 1];
	}
	if ((t->nblocks + 1) * sizeof(struct block) > GS_CB_CACHE_MAX)
		cache_clear(t);
	if (t->nblocks == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct block **nb = realloc(t->blocks, ncap * sizeof *nb);
		if (!nb)
			return NULL;
		t->blocks = nb;
		t->cap = ncap;
	}
	struct block *b = malloc(sizeof *b);
	if (!b)
		return NULL;
	uint64_t base = bno << BLOCK_SHIFT;
	b->missing = 0;
	if (t->cb.read(t->cb.user, base, b->bytes, BLOCK_SIZE) != 0) {
		for (size_t i = 0; i < PAGES_PER_BLOCK; i++)
			if (t->cb.read(t->cb.user, base + i * PAGE_SIZE, b->bytes + i * PAGE_SIZE, PAGE_SIZE) != 0)
				b->missing |= (uint64_t)1 << i;
	}
	t->blocks[t->nblocks++] = b;
	gs_map_put(&t->index, bno + 1, t->nblocks);
	t->last_bno1 = bno + 1;
	return t->last = b;
}

static int cb_read(void *self, uint64_t addr, void *buf, size_t n)
{
	struct cbtarget *t = self;
	uint8_t *out = buf;
	if (n == 0)
		return 0;
	if (addr + n < addr)
		return -1;
	while (n > 0) {
		const struct block *b = get_block(t, addr >> BLOCK_SHIFT);
		if (!b)
			return -1;
		size_t off = (size_t)(addr & (BLOCK_SIZE - 1));
		size_t take = BLOCK_SIZE - off < n ? BLOCK_SIZE - off : n;
		size_t first = off >> PAGE_SHIFT, last = (off + take - 1) >> PAGE_SHIFT;
		for (size_t p = first; p <= last; p++)
			if (b->missing & ((uint64_t)1 << p))
				return -1;
		memcpy(out, b->bytes + off, take);
		out += take;
		addr += take;
		n -= take;
	}
	return 0;
}

static size_t cb_nthreads(void *self)
{
	return ((struct cbtarget *)self)->nthreads;
}

static int cb_thread(void *self, size_t i, struct gs_thread *out)
{
	struct cbtarget *t = self;
	if (i >= t->nthreads)
		return -1;
	*out = t->threads[i];
	return 0;
}

static void cb_close(void *self)
{
	struct cbtarget *t = self;
	cache_clear(t);
	gs_map_free(&t->index);
	free(t->blocks);
	free(t->threads);
	free(t);
}

static int cb_entry(void *self, uint64_t *out)
{
	const struct cbtarget *t = self;
	*out = t->cb.entry;
	return t->cb.entry ? 0 : -1;
}

static const struct gs_target_ops cb_ops = {
	.entry = cb_entry,
	.read = cb_read,
	.nthreads = cb_nthreads,
	.thread = cb_thread,
	.close = cb_close,
};

int gs_target_open_callbacks(const struct gs_callbacks *cb, struct gs_target *out, struct gs_error *err)
{
	if (!cb || !cb->read)
		return gs_fail(err, GS_E_USAGE, "no read callback given");
	if (cb->nthreads > 16384 || (cb->nthreads && !cb->threads))
		return gs_fail(err, GS_E_USAGE, "thread list of %zu threads is not usable", cb->nthreads);
	struct cbtarget *t = calloc(1, sizeof *t);
	if (!t)
		return gs_fail(err, GS_E_NOMEM, "out of memory");
	t->cb = *cb;
	t->threads = calloc(cb->nthreads ? cb->nthreads : 1, sizeof *t->threads);
	if (!t->threads) {
		free(t);
		return gs_fail(err, GS_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < cb->nthreads; i++) {
		const struct gs_thread_regs *r = &cb->threads[i];
		t->threads[i] = (struct gs_thread){ .tid = r->tid,
			                            .regs = { .rip = r->rip, .rsp = r->rsp, .rbp = r->rbp,
			                                      .fs_base = r->fs_base } };
	}
	t->nthreads = cb->nthreads;
	gs_map_init(&t->index);
	out->ops = &cb_ops;
	out->self = t;
	return 0;
}
