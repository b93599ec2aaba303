/* fuzzlib.c - the helpers of fuzzlib.h: fixture files, memfds, patch
 * records and a pass of every view over a report.  Harness code, not
 * library: a fixture that cannot be read aborts the run with a message. */
#define _GNU_SOURCE
#include "fuzzlib.h"
#include "../coreanalyze/src/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *fz_fixture_dir(void)
{
	const char *d = getenv("GS_FUZZ_DIR");
	return d && *d ? d : "build-fuzz/fixture";
}

char *fz_fixture_path(const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", fz_fixture_dir(), name) < 0)
		abort();
	return p;
}

void fz_fixture_load(const char *name, uint8_t **buf, size_t *n)
{
	char *path = fz_fixture_path(name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz: cannot open fixture %s (make fuzz-seeds, or set GS_FUZZ_DIR)\n", path);
		abort();
	}
	free(path);
	size_t cap = 1 << 20, len = 0;
	uint8_t *b = malloc(cap);
	for (;;) {
		if (!b)
			abort();
		size_t got = fread(b + len, 1, cap - len, f);
		len += got;
		if (len < cap)
			break;
		cap *= 2;
		b = realloc(b, cap);
	}
	fclose(f);
	*buf = b;
	*n = len;
}

int fz_memfile(const char *tag, const void *buf, size_t n, char *path, size_t pathlen)
{
	int fd = memfd_create(tag, MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz: memfd_create");
		abort();
	}
	fz_memfile_set(fd, buf, n);
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

void fz_memfile_set(int fd, const void *buf, size_t n)
{
	if (ftruncate(fd, 0) != 0)
		abort();
	const uint8_t *p = buf;
	size_t done = 0;
	while (done < n) {
		ssize_t w = pwrite(fd, p + done, n - done, (off_t)done);
		if (w <= 0) {
			perror("fuzz: pwrite");
			abort();
		}
		done += (size_t)w;
	}
}

size_t fz_patches(const uint8_t *in, size_t n, struct fz_patch *out, size_t max)
{
	size_t k = 0, i = 0;
	while (k < max && i + 6 <= n) {
		struct fz_patch p = {
			.sel = in[i],
			.off = (uint16_t)(in[i + 1] | in[i + 2] << 8),
			.off2 = (uint16_t)(in[i + 3] | in[i + 4] << 8),
			.len = in[i + 5],
		};
		i += 6;
		if (p.len > n - i)
			break;
		p.bytes = in + i;
		i += p.len;
		out[k++] = p;
	}
	return k;
}

static void render(const struct gs_report *r, enum gs_format f, enum gs_group_by by, bool all)
{
	struct gs_render_options o = { .format = f, .by = by, .all = all };
	size_t len = 0;
	char *s = gs_render(r, &o, &len);
	gs_free(s);
}

void fz_exercise_report(const struct gs_report *r)
{
	for (int by = GS_GROUP_STACK; by <= GS_GROUP_OBJECT; by++) {
		struct gs_groups *g = gs_group(r, (enum gs_group_by)by);
		gs_groups_free(g);
		render(r, GS_FORMAT_TEXT, (enum gs_group_by)by, by & 1);
		struct gs_diff *d = gs_diff(r, r, (enum gs_group_by)by, true);
		gs_diff_free(d);
	}
	render(r, GS_FORMAT_JSON, GS_GROUP_STACK, false);
	render(r, GS_FORMAT_LINES, GS_GROUP_STACK, false);
	render(r, GS_FORMAT_PPROF, GS_GROUP_STACK, true);
	struct gs_filter f = { .leak = "any" };
	struct gs_report *fr = gs_report_filter(r, &f);
	if (fr)
		gs_report_filtered_free(fr);
	for (size_t i = 0; i < r->ngoroutines; i++)
		(void)gs_user_frame(r, &r->goroutines[i]);
}

int fz_elf_section(const uint8_t *buf, size_t n, const char *name, size_t *off, size_t *size)
{
	/* The fixture is a 64-bit little-endian ELF file we made ourselves. */
	if (n < 64 || memcmp(buf, "\177ELF\2\1", 6) != 0)
		return -1;
	uint64_t shoff;
	uint16_t shentsize, shnum, shstrndx;
	memcpy(&shoff, buf + 0x28, 8);
	memcpy(&shentsize, buf + 0x3a, 2);
	memcpy(&shnum, buf + 0x3c, 2);
	memcpy(&shstrndx, buf + 0x3e, 2);
	if (shentsize != 64 || shoff > n || (size_t)shnum * 64 > n - shoff || shstrndx >= shnum)
		return -1;
	const uint8_t *sh = buf + shoff;
	uint64_t stroff;
	memcpy(&stroff, sh + (size_t)shstrndx * 64 + 0x18, 8);
	for (size_t i = 0; i < shnum; i++) {
		uint32_t nm;
		uint64_t o, s;
		memcpy(&nm, sh + i * 64, 4);
		memcpy(&o, sh + i * 64 + 0x18, 8);
		memcpy(&s, sh + i * 64 + 0x20, 8);
		if (stroff + nm >= n || strncmp((const char *)buf + stroff + nm, name, n - stroff - nm) != 0)
			continue;
		if (o > n || s > n - o)
			return -1;
		*off = o;
		*size = s;
		return 0;
	}
	return -1;
}

static struct gs_target core_target;
static struct gs_thread_regs core_threads[64];
static size_t core_nthreads;

const struct gs_target *fz_core_target(void)
{
	if (core_target.ops)
		return &core_target;
	struct gs_error err;
	char *path = fz_fixture_path("core");
	if (gs_target_open_core(path, &core_target, &err) != 0) {
		fprintf(stderr, "fuzz: the fixture core: %s\n", err.msg);
		abort();
	}
	free(path);
	core_nthreads = core_target.ops->nthreads(core_target.self);
	if (core_nthreads > sizeof core_threads / sizeof *core_threads)
		core_nthreads = sizeof core_threads / sizeof *core_threads;
	for (size_t i = 0; i < core_nthreads; i++) {
		struct gs_thread t;
		if (core_target.ops->thread(core_target.self, i, &t) != 0)
			abort();
		core_threads[i] = (struct gs_thread_regs){ .tid = t.tid, .rip = t.regs.rip, .rsp = t.regs.rsp,
			                                   .rbp = t.regs.rbp, .fs_base = t.regs.fs_base };
	}
	return &core_target;
}

void fz_core_threads(const struct gs_thread_regs **threads, size_t *n)
{
	fz_core_target();
	*threads = core_threads;
	*n = core_nthreads;
}

int fz_core_read(void *user, uint64_t addr, void *buf, size_t n)
{
	(void)user;
	return gs_target_read(fz_core_target(), addr, buf, n);
}

static int analyze_exe(const char *exe, const char *core, bool via_callbacks, struct gs_analysis **a,
                       struct gs_error *err)
{
	if (!via_callbacks)
		return gs_analyze_core(exe, core, NULL, a, err);
	struct gs_callbacks cb = { .read = fz_core_read, .kind = GS_TARGET_CORE, .pid = -1 };
	fz_core_threads(&cb.threads, &cb.nthreads);
	return gs_analyze_callbacks(exe, &cb, NULL, a, err);
}

void fz_run_exe_patched(const char *exe_name, const char *const *sections, size_t nsections, bool via_callbacks,
                        const uint8_t *data, size_t size)
{
	static uint8_t *exe;
	static size_t nexe;
	static size_t secoff[8], secsize[8];
	static int fd = -1;
	static char path[64];
	static char *core;
	if (fd < 0) {
		if (nsections > 8)
			abort();
		fz_fixture_load(exe_name, &exe, &nexe);
		for (size_t i = 0; i < nsections; i++)
			if (fz_elf_section(exe, nexe, sections[i], &secoff[i], &secsize[i]) != 0 || secsize[i] == 0) {
				fprintf(stderr, "fuzz: %s has no section %s\n", exe_name, sections[i]);
				abort();
			}
		fd = fz_memfile(exe_name, exe, nexe, path, sizeof path);
		core = fz_fixture_path("core");
		struct gs_analysis *a;
		struct gs_error err;
		if (analyze_exe(path, core, via_callbacks, &a, &err) != 0 ||
		    gs_analysis_report(a)->ngoroutines == 0) {
			fprintf(stderr, "fuzz: the unpatched fixture %s gives no goroutines\n", exe_name);
			abort();
		}
		gs_analysis_close(a);
	}
	struct fz_patch p[FZ_MAX_PATCHES];
	size_t np = fz_patches(data, size, p, FZ_MAX_PATCHES);
	size_t at[FZ_MAX_PATCHES], len[FZ_MAX_PATCHES];
	for (size_t i = 0; i < np; i++) {
		size_t s = p[i].sel % nsections;
		size_t off = ((size_t)p[i].off | (size_t)p[i].off2 << 16) % secsize[s];
		len[i] = p[i].len < secsize[s] - off ? p[i].len : secsize[s] - off;
		at[i] = secoff[s] + off;
		if (pwrite(fd, p[i].bytes, len[i], (off_t)at[i]) != (ssize_t)len[i])
			abort();
	}
	struct gs_analysis *a = NULL;
	struct gs_error err;
	if (analyze_exe(path, core, via_callbacks, &a, &err) == 0) {
		fz_exercise_report(gs_analysis_report(a));
		gs_analysis_close(a);
	}
	/* Put the executable back for the next input. */
	for (size_t i = 0; i < np; i++)
		if (pwrite(fd, exe + at[i], len[i], (off_t)at[i]) != (ssize_t)len[i])
			abort();
}
