/* model.h - the runtime model's shared state (internal).  Layer: runtime
 * model.  One struct gs_model per analysis: the target, the executable and
 * its tables, the resolved runtime schema, the arena that owns results and
 * the warnings.  Memory reads here fall through from the target to the
 * executable's own file-backed segments (cores hold no read-only data). */
#ifndef GS_MODEL_H
#define GS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "elffile.h"
#include "gostuck.h"
#include "pcln.h"
#include "rtschema.h"
#include "target.h"
#include "util.h"

struct gs_pccache;
struct gs_dwidx;

struct gs_model {
	struct gs_arena *arena; /* owns every string and array of the report */
	struct gs_target target;
	struct gs_elf *exe;
	struct gs_pcln *pcln;
	struct gs_rtschema rs;
	struct gs_pccache *pcc;
	struct gs_dwidx *dwidx; /* framevar.c's DWARF index, built on first use */
	struct gs_options opts;
	/* Where the executable runs: its run-time addresses are its link-time
	 * ones plus bias (0 unless it is position-independent); set once, by
	 * place() in analyze.c, before the first read of the target. */
	uint64_t bias;
	bool placed;

	/* Release-dependent traceback rules, decided from the tables. */
	bool trap_after_injected; /* 1.21+: frames after asyncPreempt/debugCall use the exact pc */

	/* Runtime string tables read from the target. */
	const char **waitreasons;
	size_t nwaitreasons;
	const char **statuses;
	size_t nstatuses;

	/* Per goroutine (parallel to the report's goroutines): runtime fields
	 * the later passes need.  malloc'd, freed with the model. */
	struct gs_graw *graw;
	/* runtime.allgs as goroutines.c validated it: the array and how many
	 * of its entries are walked (min of allglen and len(allgs)). */
	uint64_t allgs, nallgs;
	uint64_t newest; /* the newest runtime timestamp seen (a core has no clock) */
	struct gs_vec sudogs; /* uint64_t: every sudog address waitobj.c visited, repeats and all
	                       * (reach.c does not follow their c/elem) */

	struct gs_vec warnings; /* const char * (arena) */
	size_t nwarn_dropped;
};

/* Read n bytes at addr from the target, else from the executable's file.
 * 0 or -1. */
int gs_mem_read(const struct gs_model *m, uint64_t addr, void *buf, size_t n);
int gs_mem_u64(const struct gs_model *m, uint64_t addr, uint64_t *out);

/* Read schema FIELD id of the struct at base in target memory (1, 2, 4 or
 * 8 bytes, zero-extended).  0, or -1 when absent or unreadable. */
int gs_mem_field(const struct gs_model *m, uint64_t base, enum gs_rt_id id, uint64_t *out);

/* Read a Go string header at addr and its bytes (at most maxlen) into the
 * arena.  NULL when unreadable. */
const char *gs_mem_gostring(struct gs_model *m, uint64_t addr, size_t maxlen);
/* The same from a (ptr, len) pair already read. */
const char *gs_mem_strdata(struct gs_model *m, uint64_t ptr, uint64_t len, size_t maxlen);

/* Add a warning (printf-style); the first 1000 are kept, the rest counted. */
void gs_model_warn(struct gs_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- unwind.c ---- */

struct gs_unwind_start {
	uint64_t pc, sp;
	bool trap;        /* pc is exact (signal context), not a return address */
	bool syscall;     /* started from g.syscallpc/sp */
	uint64_t lo, hi;  /* stack bounds for the walk, 0/0 when unknown */
};

/* Unwind and symbolize a goroutine's stack as the runtime's traceback
 * prints it (all frames, GOTRACEBACK=crash level).  Fills g->frames,
 * g->nframes, g->frames_truncated, g->stack_error (per-object errors). */
void gs_unwind(struct gs_model *m, const struct gs_unwind_start *st, struct gs_goroutine *g, uint64_t *sp0);

/* The stack pointer of frame k of goroutine gi (inlined frames: their
 * physical frame's), re-derived from the sp its walk began at and the
 * frame sizes: frames do not carry it, so that goroutines with the same
 * stack share one frame array.  0 when unknown. */
uint64_t gs_frame_sp(struct gs_model *m, size_t gi, const struct gs_goroutine *g, size_t k);

/* From a thread's registers, find the signal context the runtime's
 * sigtramp was entered with (the interrupted pc/sp).  0 or -1. */
int gs_unwind_signal_context(struct gs_model *m, uint64_t pc, uint64_t sp, uint64_t *opc, uint64_t *osp);

/* The name the runtime prints for a function (funcNameForPrint, and
 * runtime.gopanic printed as "panic"); arena-owned or the input. */
const char *gs_print_name(struct gs_model *m, const char *name);

struct gs_pccache *gs_pccache_new(void);
void gs_pccache_free(struct gs_pccache *c);

struct gs_graw {
	uint64_t waiting; /* g.waiting: the sudog chain of a blocked goroutine */
	uint64_t timer;   /* g.timer */
	uint64_t sp, hi;  /* where its live stack lies (sp..hi), 0 when unknown */
	uint64_t sp0;     /* the sp of its first frame (gs_frame_sp), 0 when unknown */
	bool blocked;     /* waiting (or leaked) */
};

/* ---- goroutines.c ---- */

/* Walk allgs and fill the report's goroutines.  Fatal only when the
 * scheduler's own globals are unreadable; everything per-goroutine
 * becomes a warning or a per-goroutine error. */
int gs_goroutines_read(struct gs_model *m, struct gs_report *r, struct gs_error *err);

/* ---- analyze.c: the steps every front end's entry point shares ---- */

struct gs_analysis {
	struct gs_model m;
	struct gs_report r;
};

/* Start an analysis of a program: open the executable, its pcln table and
 * its runtime schema.  The caller then sets r.kind/core/pid and calls
 * gs_analysis_run.  Fatal errors fill err; on error nothing is left open. */
int gs_analysis_new(const char *exe, const struct gs_options *opts, struct gs_analysis **out, struct gs_error *err);

/* An analysis with no executable or target yet (its arena, options and
 * warnings ready): where inputs that are not a program begin (dump.c).
 * Never NULL. */
struct gs_analysis *gs_analysis_bare(const struct gs_options *opts);

/* Tell the caller's progress callback (gs_options.progress), if any. */
static inline void gs_model_progress(const struct gs_model *m, const char *phase, uint64_t done, uint64_t total)
{
	if (m->opts.progress)
		m->opts.progress(m->opts.progress_user, phase, done, total);
}

/* Hand the collected warnings to the report; the last step of every
 * entry point. */
void gs_analysis_finish(struct gs_analysis *a);

/* Read everything the report needs from target t, which the analysis takes
 * over and closes as soon as the reads are done (for a live process: the
 * end of the pause), whatever the outcome.  0 or -1 (fatal). */
int gs_analysis_run(struct gs_analysis *a, struct gs_target *t, struct gs_error *err);

/* ---- report_load.c ---- */

/* Fill a's report from a saved JSON report (text, n bytes; path for
 * messages): goroutines, their frames, creators, labels, leak verdicts and
 * wait objects, and the target description; kind stays what the caller
 * set.  0, or -1 with a GS_E_INPUT error naming what is malformed. */
int gs_report_load_json(struct gs_analysis *a, const char *text, size_t n, const char *path, struct gs_error *err);

/* ---- framevar.c ---- */

/* The 8-byte value of parameter or local var in physical frame fr, where
 * DWARF says it is spilled to the stack at fr->pc.  0, or -1 when it is
 * unknown there (not in DWARF, in a register, unreadable). */
int gs_framevar_u64(struct gs_model *m, const struct gs_frame *fr, uint64_t sp, const char *var, uint64_t *out);
void gs_dwidx_free(struct gs_dwidx *x);

/* ---- waitobj.c ---- */

/* Resolve what every blocked goroutine waits on (channels, select cases,
 * sync primitives, timers, poll descriptors) and fill g->waits.  Indexes
 * the semaphore table, channel queues and poll descriptors once each, so
 * the pass is linear in goroutines.  Problems become warnings. */
void gs_waits_resolve(struct gs_model *m, struct gs_report *r);

/* The name a runtime type descriptor (runtime._type at t) gives itself, as
 * runtime.(*_type).string does: Str is an offset from the module's types
 * base to a name (one flag byte, a varint length, the bytes), with a
 * leading '*' to drop when TFlagExtraStar is set.  Arena; NULL unknown. */
const char *gs_waits_type_name(struct gs_model *m, uint64_t t);

/* ---- leaks.c ---- */

/* Suspect verdicts for blocked goroutines without a definite one: blocked
 * long, or in a large pile at one user site (gs_options' thresholds). */
void gs_leaks_suspect(struct gs_model *m, struct gs_report *r);

/* ---- reach.c ---- */

/* Leak verdicts by reachability (the goroutine-leak profile's criterion):
 * sets g->leak to "definite" and each wait object's reachable.  Needs
 * gs_waits_resolve first.  Problems become warnings. */
void gs_reach_leaks(struct gs_model *m, struct gs_report *r);

#endif
