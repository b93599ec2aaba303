/* fuzz_walk.c - libFuzzer target: the runtime walk itself (allgs, every
 * g, its stack and unwind, sudogs, hchans, semaphore roots, timers,
 * reachability) over a mutated memory image.  gs_analyze_callbacks reads
 * the fixture core's memory through a callback that lays the input's
 * patch records (fuzzlib.h) over it, so mutations land on the structures
 * the walk reads.  A patch's address is an anchor plus an offset: sel
 * (low 7 bits) picks an anchor, found once from the unmutated analysis
 * (runtime globals such as allgs and allglen, then every goroutine's g,
 * every wait object, every goroutine's innermost sp, in a fixed order);
 * without the 0x80 bit the address is anchor + off - off2, with it it is
 * (the pointer stored at anchor + off, rounded down to 8) + off2 - so a
 * patch can reach a g's sudog, an hchan's buffer or allgs' array. */
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../coreanalyze/src/target.h"
#include "../coreanalyze/src/elffile.h"
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ANCHORS 128

static const struct gs_target *core;
static uint64_t anchor[MAX_ANCHORS];
static size_t nanchor;
static const struct gs_thread_regs *threads;
static size_t nthreads;
static char *exe;

struct applied {
	uint64_t addr;
	size_t len;
	const uint8_t *bytes;
};
static struct applied cur[FZ_MAX_PATCHES];
static size_t ncur;

static void add_anchor(uint64_t a)
{
	if (a && nanchor < MAX_ANCHORS)
		anchor[nanchor++] = a;
}

static void init(void)
{
	static const char *const globals[] = {
		"runtime.allgs", "runtime.allglen", "runtime.allm",  "runtime.sched",
		"runtime.semtable", "runtime.m0",  "runtime.g0",     "runtime.buildVersion",
		"runtime.modinfo",  "runtime.firstmoduledata", "runtime.waitReasonStrings", "runtime.netpollInited",
	};
	struct gs_error err;
	exe = fz_fixture_path("exe");
	char *corepath = fz_fixture_path("core");
	struct gs_elf *e;
	if (gs_elf_open(exe, &e, &err) != 0) {
		fprintf(stderr, "fuzz_walk: %s\n", err.msg);
		abort();
	}
	/* Always the same number of global anchors, so an input means the
	 * same thing whichever fixture build it runs on. */
	for (size_t i = 0; i < sizeof globals / sizeof *globals; i++) {
		uint64_t v = 0;
		if (gs_elf_symbol(e, globals[i], &v, NULL) != 0)
			v = 0;
		anchor[nanchor++] = v;
	}
	gs_elf_close(e);
	core = fz_core_target();
	fz_core_threads(&threads, &nthreads);
	struct gs_analysis *a;
	if (gs_analyze_core(exe, corepath, NULL, &a, &err) != 0) {
		fprintf(stderr, "fuzz_walk: the fixture itself: %s\n", err.msg);
		abort();
	}
	free(corepath);
	const struct gs_report *r = gs_analysis_report(a);
	for (size_t i = 0; i < r->ngoroutines; i++)
		add_anchor(r->goroutines[i].gaddr);
	for (size_t i = 0; i < r->ngoroutines; i++)
		for (size_t k = 0; k < r->goroutines[i].nwaits; k++)
			if (r->goroutines[i].waits[k].obj)
				add_anchor(r->goroutines[i].waits[k].obj->addr);
	for (size_t i = 0; i < r->ngoroutines; i++) {
		uint64_t pc, sp;
		if (gs_goroutine_start(a, r->goroutines[i].id, &pc, &sp) == 0)
			add_anchor(sp);
	}
	gs_analysis_close(a);
}

static int read_patched(void *user, uint64_t addr, void *buf, size_t n)
{
	(void)user;
	if (gs_target_read(core, addr, buf, n) != 0)
		return -1;
	uint8_t *out = buf;
	for (size_t i = 0; i < ncur; i++) {
		const struct applied *p = &cur[i];
		/* The overlap of [p->addr, +len) and [addr, +n). */
		uint64_t s = p->addr > addr ? p->addr : addr;
		uint64_t pe = p->addr + p->len, e = addr + n;
		if (pe < p->addr)
			pe = UINT64_MAX;
		if (e > pe)
			e = pe;
		if (s < e)
			memcpy(out + (s - addr), p->bytes + (s - p->addr), (size_t)(e - s));
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
	}
	struct fz_patch p[FZ_MAX_PATCHES];
	size_t np = fz_patches(data, size, p, FZ_MAX_PATCHES);
	ncur = 0;
	for (size_t i = 0; i < np; i++) {
		uint64_t base = anchor[(p[i].sel & 0x7f) % nanchor], addr;
		if (!base || !p[i].len)
			continue;
		if (p[i].sel & 0x80) {
			uint64_t ptr;
			if (gs_target_read(core, (base + p[i].off) & ~(uint64_t)7, &ptr, 8) != 0)
				continue;
			addr = ptr + p[i].off2;
		} else {
			addr = base + p[i].off - p[i].off2;
		}
		cur[ncur++] = (struct applied){ .addr = addr, .len = p[i].len, .bytes = p[i].bytes };
	}
	struct gs_callbacks cb = {
		.read = read_patched,
		.threads = threads,
		.nthreads = nthreads,
		.kind = GS_TARGET_CORE,
		.pid = -1,
	};
	struct gs_analysis *a = NULL;
	struct gs_error err;
	if (gs_analyze_callbacks(exe, &cb, NULL, &a, &err) == 0) {
		const struct gs_report *r = gs_analysis_report(a);
		fz_exercise_report(r);
		/* What the gdb extension's channel command reads, for each
		 * channel a goroutine waits on (bounded: a few per input). */
		size_t inspected = 0;
		for (size_t i = 0; i < r->ngoroutines && inspected < 8; i++)
			for (size_t k = 0; k < r->goroutines[i].nwaits && inspected < 8; k++) {
				const struct gs_object *o = r->goroutines[i].waits[k].obj;
				struct gs_chan_info ci;
				if (o && o->kind && !strcmp(o->kind, "chan")) {
					(void)gs_chan_inspect(a, &cb, o->addr, &ci, &err);
					inspected++;
				}
			}
		gs_analysis_close(a);
	}
	return 0;
}
