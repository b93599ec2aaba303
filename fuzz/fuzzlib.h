/* fuzzlib.h - helpers shared by the libFuzzer targets in fuzz/: where the
 * fixture files are, files in memory (memfd) the library can open by
 * path, the patch records several targets decode from their input, and a
 * pass of every view over a report the fuzzer produced.  Harness code: it
 * may print and abort (a broken fixture is not a finding), the library
 * never does. */
#ifndef FZ_FUZZLIB_H
#define FZ_FUZZLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gostuck.h"

/* The directory holding the fixture the targets mutate (exe, core,
 * exe-plain): $GS_FUZZ_DIR, else build-fuzz/fixture. */
const char *fz_fixture_dir(void);

/* The whole of fixture file name into *buf (malloc'd, kept for the
 * process's life); aborts when it cannot be read. */
void fz_fixture_load(const char *name, uint8_t **buf, size_t *n);
/* The fixture file's path, malloc'd (the caller frees it or keeps it
 * in a static for the process's life). */
char *fz_fixture_path(const char *name);

/* An anonymous in-memory file holding n bytes of buf; its path
 * (/proc/self/fd/N) into path.  Returns the fd; aborts on failure. */
int fz_memfile(const char *tag, const void *buf, size_t n, char *path, size_t pathlen);
/* Replace the memfd's contents by n bytes of buf. */
void fz_memfile_set(int fd, const void *buf, size_t n);

/* One patch: len bytes to write at an offset chosen by sel/off/off2,
 * meaning left to the target.  Input records are
 *   u8 sel, u16 off (LE), u16 off2 (LE), u8 len, len bytes
 * and a short last record is dropped. */
struct fz_patch {
	uint8_t sel;
	uint16_t off, off2;
	uint8_t len;
	const uint8_t *bytes;
};
#define FZ_MAX_PATCHES 64
size_t fz_patches(const uint8_t *in, size_t n, struct fz_patch *out, size_t max);

/* Every view and every analysis over r, output discarded: what a front end
 * would do with a report made from hostile input. */
void fz_exercise_report(const struct gs_report *r);

#endif

/* The file offset and size of section name in the ELF image buf; 0 or -1. */
int fz_elf_section(const uint8_t *buf, size_t n, const char *name, size_t *off, size_t *size);

/* The fixture core opened as a target (once; kept for the process's
 * life), its threads' registers as the callback interface takes them. */
struct gs_target;
const struct gs_target *fz_core_target(void);
void fz_core_threads(const struct gs_thread_regs **threads, size_t *n);
/* A read callback answering from fz_core_target() (user unused). */
int fz_core_read(void *user, uint64_t addr, void *buf, size_t n);

/* The fixture executable exe_name (a file in fz_fixture_dir) with patches
 * decoded from data written into the sections named (a patch's sel picks
 * the section, off | off2 << 16 the offset in it), analyzed with the
 * fixture core's memory, every view shown.  via_callbacks: the core is
 * read through gs_analyze_callbacks (no check that it belongs to the
 * executable: exe-plain's ELF header differs from the exe's), else with
 * gs_analyze_core.  The unpatched executable must give goroutines, or the
 * run aborts at its first input.  Targets for the pcln table and DWARF. */
void fz_run_exe_patched(const char *exe_name, const char *const *sections, size_t nsections, bool via_callbacks,
                        const uint8_t *data, size_t size);
