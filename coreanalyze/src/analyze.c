/* analyze.c - gs_analyze_core: open the executable and the core, check they
 * belong together, resolve the runtime schema and the pcln table, and read
 * every goroutine into a report.  Layer: runtime model (its entry point).
 * Never prints; fatal problems come back as one struct gs_error. */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"


/* The core's read-only file-backed pages (the first page of each mapped
 * file) must equal the executable's bytes at the same addresses: the ELF
 * header, program headers and build-ID notes of the text segment are in
 * that page.  Writable data is skipped, it changes at run time, and so is
 * a position-independent program's RELRO segment, read-only in the core
 * but relocated (Go 1.27's -buildmode=pie puts its first page there). */
static int check_match(struct gs_model *m, const char *exe, const char *core, struct gs_error *err)
{
	const struct gs_core_region *rg;
	size_t n, same = 0;
	if (gs_core_regions(&m->target, &rg, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = rg[i].len < 4096 ? rg[i].len : 4096;
		const uint8_t *p = rg[i].vaddr >= m->bias ? gs_elf_ptr(m->exe, rg[i].vaddr - m->bias, len) : NULL;
		if (!p || gs_elf_in_relro(m->exe, rg[i].vaddr - m->bias))
			continue;
		if (memcmp(p, rg[i].bytes, len) != 0)
			return gs_fail(err, GS_E_MISMATCH,
			               "%s is not a core of %s: the program's bytes at %#llx differ; pass the executable that produced the core",
			               core, exe, (unsigned long long)rg[i].vaddr);
		same++;
	}
	if (same == 0)
		return gs_fail(err, GS_E_MISMATCH,
		               "%s is not a core of %s: the core maps nothing at the executable's addresses; pass the executable that produced the core",
		               core, exe);
	return 0;
}

/* Module paths from the build info the linker embeds in runtime.modinfo
 * ("mod\tPATH\t..." and "dep\tPATH\t..." lines). */
static void read_modules(struct gs_model *m, struct gs_report *r)
{
	const char *mi = gs_rt_has(&m->rs, GS_RT_MODINFO) ? gs_mem_gostring(m, gs_rt_val(&m->rs, GS_RT_MODINFO), 1 << 20)
	                                                  : NULL;
	if (!mi)
		return;
	struct gs_vec v;
	gs_vec_init(&v, sizeof(const char *));
	for (const char *line = mi; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 4 && (!strncmp(line, "mod\t", 4) || !strncmp(line, "dep\t", 4))) {
			const char *p = line + 4;
			const char *tab = memchr(p, '\t', len - 4);
			size_t plen = tab ? (size_t)(tab - p) : len - 4;
			if (plen > 0 && v.len < 100000)
				*(const char **)gs_vec_push(&v) = gs_arena_strndup(m->arena, p, plen);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	const char **mods = gs_arena_alloc(m->arena, (v.len ? v.len : 1) * sizeof *mods);
	if (v.len)
		memcpy(mods, v.data, v.len * sizeof *mods);
	r->modules = mods;
	r->nmodules = v.len;
	gs_vec_free(&v);
}

static void read_target_info(struct gs_model *m, struct gs_report *r)
{
	char buf[256];
	r->arch = "amd64";
	if (gs_rt_has(&m->rs, GS_RT_BUILDVERSION))
		r->go_version = gs_mem_gostring(m, gs_rt_val(&m->rs, GS_RT_BUILDVERSION), 128);
	if (gs_elf_build_id(m->exe, buf, sizeof buf) == 0 || gs_elf_go_build_id(m->exe, buf, sizeof buf) == 0)
		r->build_id = gs_arena_strdup(m->arena, buf);
	read_modules(m, r);
}

static bool is_go_binary(const struct gs_elf *e)
{
	return gs_elf_section(e, ".gopclntab", NULL, NULL, NULL) == 0 ||
	       gs_elf_section(e, ".go.buildinfo", NULL, NULL, NULL) == 0 ||
	       gs_elf_symbol(e, "runtime.pclntab", NULL, NULL) == 0;
}

/* Open the executable's tables; the common first half of every analysis. */
static int open_exe(struct gs_analysis *a, const char *exe, struct gs_error *err)
{
	struct gs_model *m = &a->m;
	if (gs_elf_open(exe, &m->exe, err) != 0)
		return -1;
	if (gs_elf_type(m->exe) == ET_CORE)
		return gs_fail(err, GS_E_USAGE, "%s is a core file; arguments are EXE CORE, executable first", exe);
	if (!is_go_binary(m->exe))
		return gs_fail(err, GS_E_INPUT, "%s: not a Go program (no Go symbol table); gostuck reads Go 1.19-1.27 programs",
		               exe);
	if (gs_elf_machine(m->exe) != EM_X86_64)
		return gs_fail(err, GS_E_UNSUPPORTED, "%s: machine type %u; only x86-64 (amd64) programs are supported", exe,
		               gs_elf_machine(m->exe));
	if (gs_pcln_open(m->exe, &m->pcln, err) != 0)
		return -1;
	if (gs_rtschema_load(m->exe, &m->rs, err) != 0)
		return -1;
	m->trap_after_injected = gs_rt_has(&m->rs, GS_RT_UNWINDER);
	return 0;
}

/* Where the executable runs.  A position-independent one (-buildmode=pie,
 * ET_DYN) is loaded at its link-time addresses plus a bias the kernel
 * chose: the target's AT_ENTRY minus the file's e_entry.  Every address
 * the executable's tables give (pcln, DWARF globals) is moved by it once,
 * here, so the rest of the model only sees run-time addresses. */
static int place(struct gs_model *m, const char *exe, struct gs_error *err)
{
	if (m->placed)
		return 0;
	m->placed = true;
	if (gs_elf_type(m->exe) != ET_DYN)
		return 0;
	uint64_t entry;
	if (gs_target_entry(&m->target, &entry) != 0)
		return gs_fail(err, GS_E_UNSUPPORTED,
		               "%s is position-independent (PIE) and the target does not say where it was loaded (no AT_ENTRY in its auxiliary vector); rebuild with -buildmode=exe, or give a core with its notes",
		               exe);
	uint64_t bias = entry - gs_elf_entry(m->exe);
	if (entry < gs_elf_entry(m->exe) || bias % 4096 != 0)
		return gs_fail(err, GS_E_MISMATCH,
		               "the target's entry point %#llx cannot be %s's (%#llx) loaded anywhere: pass the executable that produced it",
		               (unsigned long long)entry, exe, (unsigned long long)gs_elf_entry(m->exe));
	m->bias = bias;
	gs_pcln_rebase(m->pcln, bias);
	gs_rtschema_rebase(&m->rs, bias);
	return 0;
}

struct gs_analysis *gs_analysis_bare(const struct gs_options *opts)
{
	struct gs_analysis *a = calloc(1, sizeof *a);
	if (!a)
		abort(); /* a few hundred bytes: as the arena does */
	struct gs_model *m = &a->m;
	m->arena = gs_arena_new();
	gs_vec_init(&m->warnings, sizeof(const char *));
	gs_vec_init(&m->sudogs, sizeof(uint64_t));
	if (opts)
		m->opts = *opts;
	a->r.pid = -1;
	return a;
}

void gs_analysis_finish(struct gs_analysis *a)
{
	struct gs_model *m = &a->m;
	if (m->nwarn_dropped)
		gs_model_warn(m, "%zu more warnings not shown", m->nwarn_dropped);
	a->r.warnings = m->warnings.data;
	a->r.nwarnings = m->warnings.len;
}

int gs_analysis_new(const char *exe, const struct gs_options *opts, struct gs_analysis **out, struct gs_error *err)
{
	struct gs_analysis *a = gs_analysis_bare(opts);
	struct gs_model *m = &a->m;
	a->r.exe = gs_arena_strdup(m->arena, exe);
	if (open_exe(a, exe, err) != 0) {
		gs_analysis_close(a);
		return -1;
	}
	*out = a;
	return 0;
}

int gs_analysis_run(struct gs_analysis *a, struct gs_target *t, struct gs_error *err)
{
	struct gs_model *m = &a->m;
	struct gs_report *r = &a->r;
	m->target = *t;
	t->ops = NULL; /* the analysis owns it now */
	if (place(m, r->exe, err) != 0) {
		gs_target_close(&m->target);
		return -1;
	}
	m->pcc = gs_pccache_new();
	read_target_info(m, r);
	int rc = gs_goroutines_read(m, r, err);
	if (rc == 0) {
		gs_model_progress(m, "wait objects", 0, r->ngoroutines);
		gs_waits_resolve(m, r);
		gs_model_progress(m, "reachability", 0, r->ngoroutines);
		gs_reach_leaks(m, r);
	}
	/* Every read of the target is done: let it go (a live process resumes
	 * here, before any formatting). */
	gs_target_close(&m->target);
	if (rc != 0)
		return -1;
	gs_model_progress(m, "leak verdicts", 0, 0);
	gs_leaks_suspect(m, r);
	gs_analysis_finish(a);
	return 0;
}

int gs_analyze_core(const char *exe, const char *core, const struct gs_options *opts, struct gs_analysis **out,
                    struct gs_error *err)
{
	struct gs_analysis *a;
	struct gs_target t = { 0 };
	if (gs_analysis_new(exe, opts, &a, err) != 0)
		return -1;
	a->r.kind = GS_TARGET_CORE;
	a->r.core = gs_arena_strdup(a->m.arena, core);
	if (gs_target_open_core(core, &t, err) != 0)
		goto fail;
	a->m.target = t; /* borrowed for placing and the match check */
	if (place(&a->m, exe, err) != 0 || check_match(&a->m, exe, core, err) != 0)
		goto fail;
	a->m.target.ops = NULL;
	if (gs_analysis_run(a, &t, err) != 0)
		goto fail;
	*out = a;
	return 0;
fail:
	a->m.target.ops = NULL;
	gs_target_close(&t);
	gs_analysis_close(a);
	return -1;
}

int gs_analyze_callbacks(const char *exe, const struct gs_callbacks *cb, const struct gs_options *opts,
                         struct gs_analysis **out, struct gs_error *err)
{
	struct gs_analysis *a;
	struct gs_target t = { 0 };
	if (gs_target_open_callbacks(cb, &t, err) != 0)
		return -1;
	if (gs_analysis_new(exe, opts, &a, err) != 0) {
		gs_target_close(&t);
		return -1;
	}
	a->r.kind = cb->kind == GS_TARGET_LIVE ? GS_TARGET_LIVE : GS_TARGET_CORE;
	a->r.core = cb->core ? gs_arena_strdup(a->m.arena, cb->core) : NULL;
	a->r.pid = cb->kind == GS_TARGET_LIVE ? cb->pid : -1;
	if (gs_analysis_run(a, &t, err) != 0) {
		gs_analysis_close(a);
		return -1;
	}
	*out = a;
	return 0;
}

int gs_goroutine_start(const struct gs_analysis *a, uint64_t goid, uint64_t *pc, uint64_t *sp)
{
	const struct gs_report *r = &a->r;
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const struct gs_goroutine *g = &r->goroutines[i];
		if (g->id != goid)
			continue;
		/* Inlined frames share their physical frame's pc and sp. */
		for (size_t k = 0; k < g->nframes; k++)
			if (!g->frames[k].inlined) {
				*pc = g->frames[k].pc;
				*sp = gs_frame_sp((struct gs_model *)&a->m, i, g, k);
				return *sp ? 0 : -1;
			}
		return -1;
	}
	return -1;
}

const struct gs_report *gs_analysis_report(const struct gs_analysis *a)
{
	return &a->r;
}

void gs_analysis_close(struct gs_analysis *a)
{
	if (!a)
		return;
	struct gs_model *m = &a->m;
	gs_target_close(&m->target);
	gs_pccache_free(m->pcc);
	gs_dwidx_free(m->dwidx);
	gs_rtschema_free(&m->rs);
	free(m->graw);
	gs_vec_free(&m->sudogs);
	if (m->pcln)
		gs_pcln_close(m->pcln);
	gs_elf_close(m->exe);
	gs_vec_free(&m->warnings);
	gs_arena_free(m->arena);
	free(a);
}
