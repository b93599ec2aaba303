/* pcln.h - the Go pcln table: functions, file:line, frame sizes, inline trees.
 * Layer: binary.  This is the table the runtime's own traceback reads
 * (runtime/symtab.go), and it survives stripping.  Supports the 1.18+
 * layouts (pcHeader magic 0xfffffff0 for 1.18-1.19, 0xfffffff1 for 1.20+).
 * Pure reads of the mapped executable: no target memory, no allocation per
 * lookup. */
#ifndef GS_PCLN_H
#define GS_PCLN_H

#include <stdbool.h>
#include <stdint.h>
#include "elffile.h"

/* abi.FuncFlag bits, unchanged since 1.16. */
#define GS_FUNCFLAG_TOPFRAME 0x1
#define GS_FUNCFLAG_SPWRITE 0x2
#define GS_FUNCFLAG_ASM 0x4

struct gs_pcln;

/* A function record.  Borrowed; valid while the pcln table is open. */
struct gs_pcln_func {
	uint64_t entry;      /* first pc */
	uint64_t end;        /* one past the last pc (next function's entry) */
	const char *name;    /* linker name, NUL-terminated, inside the mapped file */
	uint8_t funcid;      /* raw abi.FuncID (numbering differs by release) */
	uint8_t flag;        /* GS_FUNCFLAG_* */
	int32_t args;
	int32_t startline;   /* 1.20+, else 0 */
	uint32_t index;      /* index in the function table */
	const uint8_t *raw;  /* the _func record (private to pcln.c) */
};

/* One level of an inline tree at a pc. */
struct gs_pcln_inl {
	const char *name;     /* the inlined callee's linker name */
	uint8_t funcid;
	uint64_t parentpc;    /* entry + parentPc: a pc whose position is the call site */
};

/* Open the pcln table of an executable (.gopclntab, or the runtime.pclntab
 * symbol range), with the text start it records.  Fatal errors:
 * GS_E_UNSUPPORTED for unknown magic (name the magic and the supported Go
 * releases), GS_E_INPUT for a table that does not fit the file. */
int gs_pcln_open(const struct gs_elf *exe, struct gs_pcln **out, struct gs_error *err);
void gs_pcln_close(struct gs_pcln *p);

/* The table's format generation: 118 (1.18-1.19) or 120 (1.20+). */
int gs_pcln_format(const struct gs_pcln *p);

/* True when the inline trees can be read: the funcdata base
 * (moduledata.gofunc, found through the "go:func.*" / "go.func.*" symbol)
 * is known.  When false (a stripped executable) gs_pcln_inline always
 * returns 0 and frames lose their inlined callers. */
bool gs_pcln_has_inline(const struct gs_pcln *p);

/* The address entry offsets are relative to (moduledata.text): the
 * pcHeader's textStart through 1.25, runtime.text / .text from 1.26 on,
 * where the header no longer records it. */
uint64_t gs_pcln_textstart(const struct gs_pcln *p);

/* A position-independent executable runs at its link-time addresses plus
 * a load bias: from here on every address this table takes or gives
 * (pcs, entries, textstart, funcdata) is a run-time one. */
void gs_pcln_rebase(struct gs_pcln *p, uint64_t bias);

/* Lookup by pc (binary search over the function table, like findfunc).
 * Returns 0 and *out, or -1 when pc is in no function. */
int gs_pcln_find(const struct gs_pcln *p, uint64_t pc, struct gs_pcln_func *out);

/* Lookup by exact linker name (linear the first time, then hashed).
 * Returns 0 or -1.  The first call fills the (preallocated) index: do not
 * make it from two threads at once. */
int gs_pcln_find_name(const struct gs_pcln *p, const char *name, struct gs_pcln_func *out);

/* SP delta at pc (pcsp table), as runtime.funcspdelta.  0 or -1 (no table /
 * pc outside the function / corrupt encoding). */
int gs_pcln_spdelta(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc, int64_t *out);

/* File and line at pc (pcfile + cutab + filetab, pcln), as runtime.funcline1.
 * 0 or -1. */
int gs_pcln_fileline(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc,
                     const char **file, int64_t *line);

/* The innermost inline-tree entry covering pc (pcdata _PCDATA_InlTreeIndex
 * with funcdata _FUNCDATA_InlTree), as the runtime's inline unwinder.
 * Returns 1 and *out when pc is in inlined code, 0 when it is not (also
 * when the index table does not cover pc, as the runtime's non-strict
 * lookup, or when gs_pcln_has_inline is false), -1 on a corrupt inline
 * tree entry.  Walk outward by calling again with out->parentpc, and bound
 * that walk: a corrupt tree can form a cycle.  Each level's file:line is
 * gs_pcln_fileline at the pc that found it (pc, then each parentpc); the
 * physical function's line is at the last parentpc.  Names are raw linker
 * names: the runtime prints generic shapes as "[...]" (funcNameForPrint)
 * and elides inlined wrappers (FuncIDWrapper, numbering per release). */
int gs_pcln_inline(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc,
                   struct gs_pcln_inl *out);

/* The value of pcdata table `table` (abi.PCDATA_*) at pc.  0, or -1 when
 * the function has no such table or pc is outside it. */
int gs_pcln_pcdata(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t table, uint64_t pc, int32_t *out);

/* The address (in the executable's image) of funcdata `index`
 * (abi.FUNCDATA_*).  0, or -1 when absent. */
int gs_pcln_funcdata(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t index, uint64_t *addr);

/* Number of functions, and the i-th one (for tests and indexes). */
uint32_t gs_pcln_nfunc(const struct gs_pcln *p);
int gs_pcln_func_at(const struct gs_pcln *p, uint32_t i, struct gs_pcln_func *out);

#endif
