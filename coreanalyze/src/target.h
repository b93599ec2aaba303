/* target.h - where bytes and registers come from.  Layer: target.
 * One small interface filled in by each backend (a core file now; a live
 * process and a caller-answered target later).  A target knows memory and
 * threads; it knows nothing about Go.  Reads never write the target. */
#ifndef GS_TARGET_H
#define GS_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
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
	/* The program's entry point where it was loaded (AT_ENTRY of its
	 * auxiliary vector): 0, or -1 when this target does not know it.
	 * NULL: it never does.  What places a position-independent program. */
	int (*entry)(void *self, uint64_t *out);
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

/* ---- the live-process backend (target_live.c) ---- */

/* What one live target reports when it is closed.  Owned by the caller of
 * gs_target_open_live; it must outlive the target. */
struct gs_live_info {
	struct gs_live_stats stats; /* the pause and what was read in it */
	bool gone;                  /* the process exited or was killed while attached */
	bool detached_by_signal;    /* a SIGINT/SIGTERM/SIGHUP handler detached it */
};

/* Check that pid is a process this program may analyze, before anything
 * is attached: it exists, is a process (not one of its threads), has not
 * exited, has no tracer, and its executable can be read.  On success the
 * executable's path (/proc/PID/exe's link) is copied into exe (exelen
 * bytes, NUL-terminated).  Fatal errors, one line saying what to do:
 * GS_E_USAGE (pid not positive), GS_E_INPUT (no such process, a zombie, a
 * kernel thread, another tracer, permission). */
int gs_live_probe(pid_t pid, char *exe, size_t exelen, struct gs_error *err);

/* Stop every thread of process pid and open it as a target: ptrace
 * PTRACE_SEIZE + PTRACE_INTERRUPT on each thread of /proc/PID/task,
 * rescanning until no new thread appears; registers of each stopped
 * thread; then every writable mapping is copied (process_vm_readv, else
 * /proc/PID/mem) into room made and faulted in before the stop, every
 * thread is detached at once (*info, which may be NULL, is filled then),
 * and reads are served from the copy.  When the copy cannot be made (over
 * 4 GiB, or the process grew past the room), the process stays stopped
 * until gs_target_close and reads go through a cache as large as its
 * resident memory (4..256 MiB); close then detaches and fills *info.  While it is open, SIGINT, SIGTERM and
 * SIGHUP detach the threads and are then handled as before (the default:
 * we die of the signal).  One live target at a time per program.
 * Environment GOSTUCK_TEST_PAUSE_MS=N (a test hook) stays attached N ms
 * before the copy; GOSTUCK_TEST_NO_SNAPSHOT=1 (another) makes no copy.  Fatal errors: GS_E_INPUT (permission, another tracer,
 * the process exited, a thread that will not stop), GS_E_UNSUPPORTED
 * (more than 16384 threads), GS_E_USAGE (another live target is open),
 * GS_E_NOMEM; the process is then left running. */
int gs_target_open_live(pid_t pid, struct gs_live_info *info, struct gs_target *out, struct gs_error *err);

/* ---- the caller-answered backend (target_callback.c) ---- */

/* Open a target whose reads and threads come from cb (copied; cb->user
 * must stay valid until the target is closed).  Fatal errors: GS_E_USAGE
 * (no read function, an unusable thread list), GS_E_NOMEM. */
int gs_target_open_callbacks(const struct gs_callbacks *cb, struct gs_target *out, struct gs_error *err);

static inline int gs_target_read(const struct gs_target *t, uint64_t addr, void *buf, size_t n)
{
	return t->ops->read(t->self, addr, buf, n);
}

static inline int gs_target_entry(const struct gs_target *t, uint64_t *out)
{
	return t->ops->entry ? t->ops->entry(t->self, out) : -1;
}

static inline void gs_target_close(struct gs_target *t)
{
	if (t->ops)
		t->ops->close(t->self);
	t->ops = NULL;
}

#endif
