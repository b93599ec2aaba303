/* fuzz_pcln.c - libFuzzer target: the Go pcln table (.gopclntab: the
 * function table, names, files, pc-value tables, inline trees) of the
 * fixture executable, mutated by patch records (fuzzlib.h) and then used
 * for the whole analysis of the fixture core: every function lookup,
 * frame size and file:line of every goroutine's unwind goes through it. */
#include <stdint.h>
#include <stddef.h>

#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { ".gopclntab", ".go.buildinfo" };
	fz_run_exe_patched("exe", sections, 2, false, data, size);
	return 0;
}
