/* fuzz_dwarf.c - libFuzzer target: the DWARF the runtime schema is read
 * from (struct layouts of runtime.g, sudog, hchan..., the globals'
 * addresses, constants), mutated by patch records (fuzzlib.h) in the
 * fixture executable with its debug sections decompressed (exe-plain:
 * objcopy --decompress-debug-sections, so patches hit DIEs rather than
 * zlib streams), then the whole analysis of the fixture core's memory,
 * read through gs_analyze_callbacks (objcopy rewrote the ELF header, so
 * gs_analyze_core's check that the core belongs to it would refuse). */
#include <stdint.h>
#include <stddef.h>

#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { ".debug_info", ".debug_abbrev", ".debug_addr", ".debug_loclists" };
	fz_run_exe_patched("exe-plain", sections, 4, true, data, size);
	return 0;
}
