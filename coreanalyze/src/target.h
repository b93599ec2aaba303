/* target.h - where bytes and registers come from.  Layer: target.
 * One small interface filled in by each backend (a core file now; a live
 * process and a caller-answered target later).  A target knows memory and
 * threads; it knows nothing about Go.  Reads never write the target. */
#ifndef GS_TARGET_H
#define GS_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gostuck.h"

/* General registers of one thread, amd64 (names as in user_regs_struct). */
struct gs_regs {
	uint64_t rip, rsp, rbp;
	uint64_t fs_base;
};

struct gs_thread {
	int64_t tid;
	struct gs_regs regs;
};

struct gs_target_ops {
	/* Copy n bytes at addr into buf.  0, or -1 when any byte is not
	 * available from this target (the caller may fall back elsewhere). */
	int (*read)(void *self, uint64_t addr, void *buf, size_t n);
	/* Number of threads and the i-th one. */
	size_t (*nthreads)(void *self);
	int (*thread)(void *self, size_t i, struct gs_thread *out);
	void (*close)(void *self);
};

struct gs_target {
	const struct gs_target_ops *ops;
	void *self;
};

/* Open an ELF core file as a target.  Fatal errors: GS_E_INPUT (missing,
 * not a core, truncated), GS_E_UNSUPPORTED (not x86-64 Linux). */
int gs_target_open_core(const char *path, struct gs_target *out, struct gs_error *err);

/* For the core backend: each read-only, file-backed region of the core
 * (the first page of each mapped file) is offered to cmp(), so the caller
 * can check that the core belongs to its executable. */
struct gs_core_region {
	uint64_t vaddr;
	const uint8_t *bytes;
	size_t len;
};
int gs_core_regions(const struct gs_target *t, const struct gs_core_region **out, size_t *n);

static inline int gs_target_read(const struct gs_target *t, uint64_t addr, void *buf, size_t n)
{
	return t->ops->read(t->self, addr, buf, n);
}

static inline void gs_target_close(struct gs_target *t)
{
	if (t->ops)
		t->ops->close(t->self);
	t->ops = NULL;
}

#endif
