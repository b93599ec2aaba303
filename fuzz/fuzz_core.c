/* fuzz_core.c - libFuzzer target: the ELF core file (its header, program
 * headers, NT_PRSTATUS/NT_PRPSINFO/NT_FILE notes and the start of its
 * segments) read by gs_analyze_core with the fixture executable, and by
 * gs_core_command.  Input: a u32 (LE) length the file is cut to (0 or
 * past the end: not cut), then bytes laid over the fixture core from
 * offset 0.  Seeds: the fixture core's first 16 KiB (the headers and
 * notes of a kernel core). */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixture core is mostly holes: remember where its non-zero pages are,
 * so putting the file back after an input writes only those. */
struct extent {
	size_t off, len;
};
static struct extent *ext;
static size_t next;

static void index_extents(const uint8_t *b, size_t n)
{
	static const uint8_t zero[4096];
	size_t cap = 0;
	for (size_t off = 0; off < n; off += 4096) {
		size_t len = n - off < 4096 ? n - off : 4096;
		if (memcmp(b + off, zero, len) == 0)
			continue;
		if (next && ext[next - 1].off + ext[next - 1].len == off) {
			ext[next - 1].len += len;
			continue;
		}
		if (next == cap) {
			cap = cap ? cap * 2 : 256;
			ext = realloc(ext, cap * sizeof *ext);
			if (!ext)
				abort();
		}
		ext[next++] = (struct extent){ off, len };
	}
}

static void put(int fd, const uint8_t *b, size_t off, size_t len)
{
	if (len && pwrite(fd, b + off, len, (off_t)off) != (ssize_t)len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *core;
	static size_t ncore;
	static int fd = -1;
	static char path[64];
	static char *exe;
	if (fd < 0) {
		fz_fixture_load("core", &core, &ncore);
		index_extents(core, ncore);
		fd = fz_memfile("core", core, ncore, path, sizeof path);
		exe = fz_fixture_path("exe");
	}
	if (size < 4)
		return 0;
	size_t keep = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
	if (keep == 0 || keep > ncore)
		keep = ncore;
	const uint8_t *ov = data + 4;
	size_t nov = size - 4 < ncore ? size - 4 : ncore;
	if (nov && pwrite(fd, ov, nov, 0) != (ssize_t)nov)
		abort();
	if (keep < ncore && ftruncate(fd, (off_t)keep) != 0)
		abort();

	struct gs_analysis *a = NULL;
	struct gs_error err;
	if (gs_analyze_core(exe, path, NULL, &a, &err) == 0) {
		fz_exercise_report(gs_analysis_report(a));
		gs_analysis_close(a);
	}
	char cmd[32];
	(void)gs_core_command(path, cmd, sizeof cmd);
	(void)gs_file_kind(path);

	/* Put the fixture core back. */
	put(fd, core, 0, nov);
	if (keep < ncore) {
		if (ftruncate(fd, (off_t)ncore) != 0)
			abort();
		for (size_t i = 0; i < next; i++) {
			size_t s = ext[i].off, e = ext[i].off + ext[i].len;
			if (e <= keep)
				continue;
			if (s < keep)
				s = keep;
			put(fd, core, s, e - s);
		}
	}
	return 0;
}
