/* pclndump.c - test driver for pcln.c: prints what the pcln reader says
 * about pcs of an executable, for comparison with `go tool addr2line` by
 * test_pcln.sh.  Layer: test tool on top of the binary layer (elf, pcln);
 * it knows nothing of cores or goroutines and is not part of the library.
 *
 * Usage: pclndump EXE [PC...]   (PC in C syntax, "-" reads pcs from stdin)
 *        pclndump --all EXE     (every function: name, entry, end)
 *        pclndump --names EXE   (check gs_pcln_find_name for every function)
 *
 * Fields are separated by tabs (Go names contain spaces).  For each pc it
 * prints one line
 *   pc=0x.. func=NAME entry=0x.. end=0x.. file=FILE line=N spdelta=D flag=F funcid=I startline=S
 * followed by the frames the runtime's traceback would print for that pc,
 * innermost (deepest inlined callee) first, each as a tab-indented
 *   NAME FILE:LINE funcid=ID pc=PC
 * where PC is the pc the level's file:line belongs to (pc itself for the
 * innermost, the inner level's parentpc for the others) and the last line
 * is the physical function (wrappers are not elided).
 * Unknown values print "?".  A pc in no function prints "pc=0x.. nofunc".
 * --all prints "NAME ENTRY END" per function. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elffile.h"
#include "pcln.h"

/* A deeper inline chain means a corrupt table (the compiler's inlining
 * budget keeps real chains far shorter). */
#define MAX_INLINE_DEPTH 1000

static void print_fileline(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc)
{
	const char *file;
	int64_t line;
	if (gs_pcln_fileline(p, f, pc, &file, &line) == 0)
		printf("%s:%" PRId64, file, line);
	else
		printf("?:0");
}

static void dump_pc(const struct gs_pcln *p, uint64_t pc)
{
	struct gs_pcln_func f;
	if (gs_pcln_find(p, pc, &f) != 0) {
		printf("pc=0x%" PRIx64 " nofunc\n", pc);
		return;
	}
	const char *file;
	int64_t line, sp;
	printf("pc=0x%" PRIx64 "\tfunc=%s\tentry=0x%" PRIx64 "\tend=0x%" PRIx64, pc, f.name, f.entry, f.end);
	if (gs_pcln_fileline(p, &f, pc, &file, &line) == 0)
		printf("\tfile=%s\tline=%" PRId64, file, line);
	else
		printf("\tfile=?\tline=?");
	if (gs_pcln_spdelta(p, &f, pc, &sp) == 0)
		printf("\tspdelta=%" PRId64, sp);
	else
		printf("\tspdelta=?");
	printf("\tflag=%u\tfuncid=%u\tstartline=%d\n", f.flag, f.funcid, f.startline);

	/* As the runtime's inlineUnwinder: each inlined level is named by its
	 * inline-tree entry and positioned by file:line at the current pc;
	 * then the pc moves to the entry's parentPc (the call site). */
	uint64_t cur = pc;
	for (int depth = 0;; depth++) {
		struct gs_pcln_inl inl;
		int r = depth < MAX_INLINE_DEPTH ? gs_pcln_inline(p, &f, cur, &inl) : -1;
		if (r < 0) {
			printf("\t? inline tree unreadable at 0x%" PRIx64 "\n", cur);
			break;
		}
		if (r == 0)
			break;
		printf("\t%s\t", inl.name);
		print_fileline(p, &f, cur);
		printf("\tfuncid=%u\tpc=0x%" PRIx64 "\n", inl.funcid, cur);
		cur = inl.parentpc;
	}
	printf("\t%s\t", f.name);
	print_fileline(p, &f, cur);
	printf("\tfuncid=%u\tpc=0x%" PRIx64 "\n", f.funcid, cur);
}

static int parse_pc(const char *s, uint64_t *out)
{
	char *end;
	*out = strtoull(s, &end, 0);
	return end == s || (*end && *end != '\n' && *end != ' ') ? -1 : 0;
}

/* Every function must be found by its name: as itself, or as an earlier
 * function of the same name (the index keeps the first).  Prints
 * "names: N ok, M bad" and returns M. */
static uint32_t check_names(const struct gs_pcln *p)
{
	uint32_t ok = 0, bad = 0;
	for (uint32_t i = 0; i < gs_pcln_nfunc(p); i++) {
		struct gs_pcln_func f, g;
		if (gs_pcln_func_at(p, i, &f) != 0)
			continue;
		if (gs_pcln_find_name(p, f.name, &g) == 0 && strcmp(g.name, f.name) == 0 && g.index <= i) {
			ok++;
		} else {
			bad++;
			printf("name lookup failed: %s (function %u)\n", f.name, i);
		}
	}
	struct gs_pcln_func g;
	if (gs_pcln_find_name(p, "no.such.function", &g) == 0) {
		bad++;
		printf("name lookup found no.such.function\n");
	}
	printf("names: %u ok, %u bad\n", ok, bad);
	return bad;
}

int main(int argc, char **argv)
{
	int all = 0, names = 0, argi = 1;
	if (argc > 1 && strcmp(argv[1], "--all") == 0) {
		all = 1;
		argi++;
	} else if (argc > 1 && strcmp(argv[1], "--names") == 0) {
		names = 1;
		argi++;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: pclndump EXE [PC...|-]\n       pclndump --all EXE\n"
		                "       pclndump --names EXE\n");
		return 2;
	}
	struct gs_error err = {0};
	struct gs_elf *exe;
	struct gs_pcln *p;
	if (gs_elf_open(argv[argi], &exe, &err) != 0) {
		fprintf(stderr, "pclndump: %s\n", err.msg);
		return 1;
	}
	if (gs_pcln_open(exe, &p, &err) != 0) {
		fprintf(stderr, "pclndump: %s\n", err.msg);
		gs_elf_close(exe);
		return 1;
	}
	printf("format=%d nfunc=%u textstart=0x%" PRIx64 " inline=%s\n", gs_pcln_format(p), gs_pcln_nfunc(p),
	       gs_pcln_textstart(p), gs_pcln_has_inline(p) ? "yes" : "no");
	int rc = 0;
	if (all) {
		for (uint32_t i = 0; i < gs_pcln_nfunc(p); i++) {
			struct gs_pcln_func f;
			if (gs_pcln_func_at(p, i, &f) == 0)
				printf("%s\t0x%" PRIx64 "\t0x%" PRIx64 "\n", f.name, f.entry, f.end);
			else {
				printf("? bad function record %u\n", i);
				rc = 1;
			}
		}
	}
	if (names && check_names(p) != 0)
		rc = 1;
	for (int i = argi + 1; i < argc; i++) {
		uint64_t pc;
		if (strcmp(argv[i], "-") == 0) {
			char buf[256];
			while (fgets(buf, sizeof buf, stdin)) {
				if (parse_pc(buf, &pc) == 0)
					dump_pc(p, pc);
				else if (buf[0] != '\n') {
					fprintf(stderr, "pclndump: bad pc %s", buf);
					rc = 2;
				}
			}
			continue;
		}
		if (parse_pc(argv[i], &pc) != 0) {
			fprintf(stderr, "pclndump: bad pc %s\n", argv[i]);
			rc = 2;
			continue;
		}
		dump_pc(p, pc);
	}
	gs_pcln_close(p);
	gs_elf_close(exe);
	return rc;
}
