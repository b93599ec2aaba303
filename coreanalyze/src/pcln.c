/* pcln.c - reader of the Go pcln table (runtime/symtab.go) of an executable.
 * Layer: binary.  It decodes the pcHeader, the function table, the _func
 * records, the pc-value tables (pcsp, pcfile, pcln, pcdata) and the inline
 * trees that funcdata points at, for the 1.18+ layouts (magic 0xfffffff0 in
 * 1.18-1.19, 0xfffffff1 in 1.20 and later).  It reads only the mapped
 * executable (never target memory), allocates only in gs_pcln_open, and
 * treats every byte of the table as hostile: each read is bounds-checked and
 * each loop is bounded by the bytes it consumes. */
#include <stdlib.h>
#include <string.h>

#include "pcln.h"
#include "util.h"

#define GS_PCLN_MAGIC_118 0xfffffff0u
#define GS_PCLN_MAGIC_120 0xfffffff1u

/* runtime._PCDATA_InlTreeIndex and _FUNCDATA_InlTree, unchanged 1.12-1.27. */
#define GS_PCDATA_INLTREEINDEX 2
#define GS_FUNCDATA_INLTREE 3

/* Upper bound on pc-value steps for one lookup.  Each step eats at least
 * two bytes of a bounded table, so this only guards our own arithmetic;
 * real tables are far shorter (one step per pc range). */
#define GS_PCLN_MAX_STEPS (1u << 24)

/* A byte range of the table: [off, end) relative to the pcHeader. */
struct gs_pcln_region {
	const uint8_t *p;
	size_t n;
};

struct gs_pcln_names {
	bool built;
	uint32_t mask;   /* slots - 1, slots a power of two */
	uint32_t *slot;  /* function index + 1, 0 = empty */
};

struct gs_pcln {
	const struct gs_elf *exe;
	const uint8_t *tab; /* the pcHeader */
	size_t size;
	uint64_t addr;      /* virtual address of the pcHeader */
	uint32_t magic;
	int format;         /* 118 or 120 */
	uint8_t minlc;
	uint8_t ptrsize;
	uint32_t nfunc;
	uint64_t textstart;
	size_t funchdr;     /* size of the fixed part of a _func */
	size_t inlsize;     /* size of one inlinedCall */
	struct gs_pcln_region funcnametab, cutab, filetab, pctab, pclntab;
	const uint8_t *ftab; /* nfunc+1 {entryoff, funcoff} pairs inside pclntab */
	bool has_gofunc;
	uint64_t gofunc;    /* moduledata.gofunc: base of funcdata offsets (link-time) */
	uint64_t bias;      /* load bias (gs_pcln_rebase): added to what leaves this file */
	/* Filled on the first gs_pcln_find_name; the memory is allocated at
	 * open time so that lookups never allocate.  Not thread-safe. */
	struct gs_pcln_names *names;
};

static uint64_t rdword(const uint8_t *p, uint8_t ptrsize)
{
	return ptrsize == 8 ? gs_le64(p) : gs_le32(p);
}

/* A NUL-terminated string at off inside r, or NULL when off is outside r
 * or the string runs past its end. */
static const char *region_str(const struct gs_pcln_region *r, uint64_t off)
{
	if (off >= r->n)
		return NULL;
	if (!memchr(r->p + off, 0, r->n - off))
		return NULL;
	return (const char *)(r->p + off);
}

/* Region of the table from start to the nearest following region start
 * (the linker writes them in header order), or to the end of the table. */
static int set_region(struct gs_pcln *p, struct gs_pcln_region *r, uint64_t start,
                      const uint64_t *starts, size_t nstarts)
{
	uint64_t end = p->size;
	if (start > p->size)
		return -1;
	for (size_t i = 0; i < nstarts; i++)
		if (starts[i] > start && starts[i] < end)
			end = starts[i];
	r->p = p->tab + start;
	r->n = end - start;
	return 0;
}

/* The start of the text that entry offsets are relative to
 * (moduledata.text).  Through 1.25 the pcHeader records it; from 1.26 on
 * that word is written as 0 (runtime/symtab.go: "no longer stored as it
 * requires a relocation"), so use the runtime.text symbol, else the
 * moduledata's text word (stripped executables), else the start of .text,
 * where the linker puts runtime.text (cmd/internal/objfile does the same). */
static uint64_t find_textstart(const struct gs_elf *exe, uint64_t stored, uint64_t mdtext)
{
	uint64_t addr, size;
	const uint8_t *data;
	size_t n;

	if (stored)
		return stored;
	if (gs_elf_symbol(exe, "runtime.text", &addr, &size) == 0 && addr)
		return addr;
	if (mdtext)
		return mdtext;
	if (gs_elf_section(exe, ".text", &addr, &data, &n) == 0)
		return addr;
	return 0;
}

/* moduledata.gofunc, the base of funcdata offsets: the linker points it at
 * the symbol "go:func.*" (1.20+) or "go.func.*" (1.18-1.19). */
static int find_gofunc(const struct gs_elf *exe, uint64_t *out)
{
	static const char *const names[] = {"go:func.*", "go.func.*"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		uint64_t addr, size;
		if (gs_elf_symbol(exe, names[i], &addr, &size) == 0 && addr) {
			*out = addr;
			return 0;
		}
	}
	return -1;
}

/* runtime.moduledata of a stripped executable: the linker writes it into
 * its own section .go.module from 1.26 on, into .noptrdata before; it
 * starts with the pcHeader pointer and the funcnametab slice
 * (runtime/symtab.go, unchanged 1.18-1.27).  Returns its words or NULL;
 * *nwords is how many words of the section follow. */
static const uint8_t *find_moduledata(const struct gs_pcln *p, size_t *nwords)
{
	static const char *const secs[] = {".go.module", ".noptrdata", ".data"};
	uint64_t want0 = p->addr, want1 = p->addr + (uint64_t)(p->funcnametab.p - p->tab);
	size_t ps = p->ptrsize;
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
		uint64_t addr;
		const uint8_t *data;
		size_t size;
		if (gs_elf_section(p->exe, secs[i], &addr, &data, &size) != 0 || !data)
			continue;
		for (size_t off = 0; off + 2 * ps <= size; off += ps) {
			if (rdword(data + off, p->ptrsize) == want0 && rdword(data + off + ps, p->ptrsize) == want1) {
				*nwords = (size - off) / ps;
				return data + off;
			}
		}
	}
	return NULL;
}

static int inline_tree_offsets(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t *pcoff,
                               uint32_t *fdoff);

/* Whether base is a plausible moduledata.gofunc: the first inline-tree
 * entry of up to 64 functions that have one must have zero padding, a
 * name inside funcnametab and a parentPc inside its function. */
static bool gofunc_plausible(const struct gs_pcln *p, uint64_t base)
{
	uint32_t checked = 0;
	for (uint32_t i = 0; i < p->nfunc && checked < 64; i++) {
		struct gs_pcln_func f;
		uint32_t pcoff, fdoff;
		if (gs_pcln_func_at(p, i, &f) != 0 || inline_tree_offsets(p, &f, &pcoff, &fdoff) != 0)
			continue;
		const uint8_t *ic = gs_elf_ptr(p->exe, base + fdoff, p->inlsize);
		if (!ic)
			return false;
		bool pad = p->format == 118 ? ic[3] == 0 : (ic[1] | ic[2] | ic[3]) == 0;
		uint32_t nameoff = gs_le32(ic + (p->format == 118 ? 12 : 4));
		uint32_t parentpc = gs_le32(ic + (p->format == 118 ? 16 : 8));
		if (!pad || !region_str(&p->funcnametab, nameoff) || parentpc >= f.end - f.entry)
			return false;
		checked++;
	}
	return true;
}

/* moduledata.gofunc of a stripped executable: its word index is 38 in
 * 1.18-1.19, 40 in 1.20-1.26 (covctrs, ecovctrs added), 43 in 1.27
 * (typedesclen, itaboffset, itabsize added); the pcln format cannot tell
 * 1.26 from 1.27, so each candidate is checked against the inline trees. */
static int find_gofunc_moduledata(const struct gs_pcln *p, const uint8_t *md, size_t nwords, uint64_t *out)
{
	static const size_t idx118[] = {38}, idx120[] = {40, 43};
	const size_t *idx = p->format == 118 ? idx118 : idx120;
	size_t n = p->format == 118 ? 1 : 2;
	for (size_t i = 0; i < n; i++) {
		if (idx[i] >= nwords)
			continue;
		uint64_t rodata = rdword(md + (idx[i] - 1) * p->ptrsize, p->ptrsize);
		uint64_t base = rdword(md + idx[i] * p->ptrsize, p->ptrsize);
		if (base && rodata && base >= rodata && gofunc_plausible(p, base)) {
			*out = base;
			return 0;
		}
	}
	return -1;
}

int gs_pcln_open(const struct gs_elf *exe, struct gs_pcln **out, struct gs_error *err)
{
	const uint8_t *data = NULL;
	size_t size = 0;
	uint64_t addr = 0;
	const char *path = gs_elf_path(exe);

	*out = NULL;
	if (gs_elf_section(exe, ".gopclntab", &addr, &data, &size) != 0 || !data) {
		uint64_t symsize = 0;
		if (gs_elf_symbol(exe, "runtime.pclntab", &addr, &symsize) != 0)
			return gs_fail(err, GS_E_UNSUPPORTED,
			               "%s: no Go pcln table (no .gopclntab section, no runtime.pclntab "
			               "symbol); is it a Go program?",
			               path);
		/* runtime.pclntab is a zero-size marker in some releases; then
		 * bound it by runtime.epclntab. */
		if (symsize == 0) {
			uint64_t eaddr, esize;
			if (gs_elf_symbol(exe, "runtime.epclntab", &eaddr, &esize) == 0 && eaddr > addr)
				symsize = eaddr - addr;
		}
		if (symsize == 0 || symsize > SIZE_MAX || !(data = gs_elf_ptr(exe, addr, symsize)))
			return gs_fail(err, GS_E_INPUT,
			               "%s: runtime.pclntab at 0x%llx (size %llu) is not in the file", path,
			               (unsigned long long)addr, (unsigned long long)symsize);
		size = symsize;
	}
	if (size < 8)
		return gs_fail(err, GS_E_INPUT, "%s: Go pcln table is %zu bytes, too short", path, size);

	uint32_t magic = gs_le32(data);
	if (magic != GS_PCLN_MAGIC_118 && magic != GS_PCLN_MAGIC_120)
		return gs_fail(err, GS_E_UNSUPPORTED,
		               "%s: Go pcln table magic 0x%08x is not supported (supported: 0xfffffff0 "
		               "for Go 1.18-1.19, 0xfffffff1 for Go 1.20 and later; this tool supports "
		               "Go 1.19 through 1.27)",
		               path, magic);
	uint8_t minlc = data[6], ptrsize = data[7];
	if (data[4] != 0 || data[5] != 0 || (ptrsize != 4 && ptrsize != 8) || minlc == 0 || minlc > 4)
		return gs_fail(err, GS_E_INPUT,
		               "%s: Go pcln header is corrupt (pad %u,%u, minLC %u, ptrSize %u)", path,
		               data[4], data[5], minlc, ptrsize);
	size_t hdrsize = 8 + 8 * (size_t)ptrsize;
	if (size < hdrsize)
		return gs_fail(err, GS_E_INPUT, "%s: Go pcln table is %zu bytes, too short", path, size);

	uint64_t w[8];
	for (int i = 0; i < 8; i++)
		w[i] = rdword(data + 8 + (size_t)i * ptrsize, ptrsize);
	/* w: nfunc, nfiles, textStart, funcnameOffset, cuOffset,
	 * filetabOffset, pctabOffset, pclnOffset. */
	if (w[0] == 0 || w[0] > (uint64_t)(size / 8))
		return gs_fail(err, GS_E_INPUT, "%s: Go pcln table claims %llu functions in %zu bytes",
		               path, (unsigned long long)w[0], size);

	struct gs_pcln *p = calloc(1, sizeof *p);
	if (!p)
		return gs_fail(err, GS_E_NOMEM, "out of memory opening the pcln table");
	p->exe = exe;
	p->tab = data;
	p->size = size;
	p->addr = addr;
	p->magic = magic;
	p->format = magic == GS_PCLN_MAGIC_118 ? 118 : 120;
	p->minlc = minlc;
	p->ptrsize = ptrsize;
	p->nfunc = (uint32_t)w[0];
	/* _func: 9 uint32 words, then (1.20+) startLine, then funcID, flag,
	 * pad, nfuncdata.  inlinedCall: 20 bytes in 1.18-1.19 (parent,
	 * funcID, pad, file, line, func_, parentPc), 16 from 1.20 (funcID,
	 * pad[3], nameOff, parentPc, startLine). */
	p->funchdr = p->format == 118 ? 40 : 44;
	p->inlsize = p->format == 118 ? 20 : 16;

	const uint64_t *starts = &w[3];
	if (set_region(p, &p->funcnametab, w[3], starts, 5) || set_region(p, &p->cutab, w[4], starts, 5) ||
	    set_region(p, &p->filetab, w[5], starts, 5) || set_region(p, &p->pctab, w[6], starts, 5) ||
	    set_region(p, &p->pclntab, w[7], starts, 5)) {
		free(p);
		return gs_fail(err, GS_E_INPUT, "%s: Go pcln header offsets point past the table (%zu bytes)",
		               path, size);
	}
	if (((uint64_t)p->nfunc + 1) * 8 > p->pclntab.n) {
		free(p);
		return gs_fail(err, GS_E_INPUT, "%s: Go function table (%llu functions) does not fit the pcln table",
		               path, (unsigned long long)w[0]);
	}
	p->ftab = p->pclntab.p;
	size_t mdwords = 0;
	const uint8_t *md = find_moduledata(p, &mdwords);
	/* moduledata.text is word 22 in 1.18-1.27. */
	p->textstart = find_textstart(exe, w[2], md && mdwords > 22 ? rdword(md + 22 * (size_t)ptrsize, ptrsize) : 0);
	if (!p->textstart) {
		free(p);
		return gs_fail(err, GS_E_INPUT, "%s: cannot tell where Go text starts (no runtime.text, no .text)",
		               path);
	}
	/* Entry offsets must be sorted, or binary search is meaningless. */
	for (uint32_t i = 0; i < p->nfunc; i++) {
		if (gs_le32(p->ftab + (size_t)i * 8) > gs_le32(p->ftab + (size_t)(i + 1) * 8)) {
			free(p);
			return gs_fail(err, GS_E_INPUT, "%s: Go function table is not sorted at entry %u", path, i);
		}
	}
	p->has_gofunc = find_gofunc(exe, &p->gofunc) == 0 ||
	                (md && find_gofunc_moduledata(p, md, mdwords, &p->gofunc) == 0);

	uint32_t slots = 1;
	while (slots < 2 * p->nfunc && slots < (1u << 30))
		slots <<= 1;
	p->names = calloc(1, sizeof *p->names);
	if (p->names)
		p->names->slot = calloc(slots, sizeof *p->names->slot);
	if (!p->names || !p->names->slot) {
		gs_pcln_close(p);
		return gs_fail(err, GS_E_NOMEM, "out of memory opening the pcln table");
	}
	p->names->mask = slots - 1;
	*out = p;
	return 0;
}

void gs_pcln_close(struct gs_pcln *p)
{
	if (!p)
		return;
	if (p->names)
		free(p->names->slot);
	free(p->names);
	free(p);
}

int gs_pcln_format(const struct gs_pcln *p) { return p->format; }

bool gs_pcln_has_inline(const struct gs_pcln *p) { return p->has_gofunc; }

uint64_t gs_pcln_textstart(const struct gs_pcln *p) { return p->textstart; }

uint32_t gs_pcln_nfunc(const struct gs_pcln *p) { return p->nfunc; }

int gs_pcln_func_at(const struct gs_pcln *p, uint32_t i, struct gs_pcln_func *out)
{
	if (i >= p->nfunc)
		return -1;
	const uint8_t *ft = p->ftab + (size_t)i * 8;
	uint32_t entryoff = gs_le32(ft), funcoff = gs_le32(ft + 4);
	uint32_t endoff = gs_le32(ft + 8);
	if (funcoff > p->pclntab.n || p->pclntab.n - funcoff < p->funchdr)
		return -1;
	const uint8_t *raw = p->pclntab.p + funcoff;
	/* The _func must agree with the table that points at it. */
	if (gs_le32(raw) != entryoff)
		return -1;
	uint32_t npcdata = gs_le32(raw + 28);
	uint8_t nfuncdata = raw[p->funchdr - 1];
	if ((p->pclntab.n - funcoff - p->funchdr) / 4 < (uint64_t)npcdata + nfuncdata)
		return -1;
	const char *name = region_str(&p->funcnametab, (uint32_t)gs_le32(raw + 4));
	memset(out, 0, sizeof *out);
	out->entry = p->textstart + entryoff;
	out->end = p->textstart + endoff;
	out->name = name ? name : "?";
	out->args = (int32_t)gs_le32(raw + 8);
	if (p->format == 118) {
		out->funcid = raw[36];
		out->flag = raw[37];
	} else {
		out->startline = (int32_t)gs_le32(raw + 36);
		out->funcid = raw[40];
		out->flag = raw[41];
	}
	out->index = i;
	out->raw = raw;
	return 0;
}

int gs_pcln_find(const struct gs_pcln *p, uint64_t pc, struct gs_pcln_func *out)
{
	if (pc < p->textstart || pc - p->textstart >= UINT32_MAX)
		return -1;
	uint32_t off = (uint32_t)(pc - p->textstart);
	/* The last entry (index nfunc) is the end-of-text sentinel. */
	if (off < gs_le32(p->ftab) || off >= gs_le32(p->ftab + (size_t)p->nfunc * 8))
		return -1;
	/* Largest i < nfunc with entryoff[i] <= off. */
	uint32_t lo = 0, hi = p->nfunc; /* invariant: entryoff[lo] <= off < entryoff[hi] */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (gs_le32(p->ftab + (size_t)mid * 8) <= off)
			lo = mid;
		else
			hi = mid;
	}
	return gs_pcln_func_at(p, lo, out);
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void build_names(struct gs_pcln_names *nm, const struct gs_pcln *p)
{
	struct gs_pcln_func f;
	for (uint32_t i = 0; i < p->nfunc; i++) {
		if (gs_pcln_func_at(p, i, &f) != 0 || f.name[0] == '?')
			continue;
		uint32_t h = name_hash(f.name) & nm->mask;
		/* slots >= 2*nfunc, so a free slot always exists; keep the
		 * first function of a duplicated name. */
		for (uint32_t k = 0; k <= nm->mask; k++, h = (h + 1) & nm->mask) {
			uint32_t s = nm->slot[h];
			if (s == 0) {
				nm->slot[h] = i + 1;
				break;
			}
			struct gs_pcln_func g;
			if (gs_pcln_func_at(p, s - 1, &g) == 0 && strcmp(g.name, f.name) == 0)
				break;
		}
	}
	nm->built = true;
}

int gs_pcln_find_name(const struct gs_pcln *p, const char *name, struct gs_pcln_func *out)
{
	struct gs_pcln_names *nm = p->names;
	if (!nm->built)
		build_names(nm, p);
	uint32_t h = name_hash(name) & nm->mask;
	for (uint32_t k = 0; k <= nm->mask; k++, h = (h + 1) & nm->mask) {
		uint32_t s = nm->slot[h];
		if (s == 0)
			return -1;
		struct gs_pcln_func f;
		if (gs_pcln_func_at(p, s - 1, &f) == 0 && strcmp(f.name, name) == 0) {
			*out = f;
			return 0;
		}
	}
	return -1;
}

/* Read a uvarint of at most 5 bytes (a uint32) at *pos in r; advances *pos.
 * -1 when it runs past r or is too long. */
static int read_varint(const struct gs_pcln_region *r, size_t *pos, uint32_t *out)
{
	uint32_t v = 0;
	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (*pos >= r->n)
			return -1;
		uint8_t b = r->p[(*pos)++];
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* The value of the pc-value table at offset off of pctab for targetpc in
 * f, as runtime.pcvalue/step: the value starts at -1, each step adds a
 * zig-zag value delta and then advances pc by a pc delta times minLC; the
 * value holds on [previous pc, new pc).  A zero value delta ends the table,
 * except on the first step.  -1 when off is 0 (no table), targetpc is not
 * covered, or the encoding is corrupt. */
static int pcvalue(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t off, uint64_t targetpc,
                   int32_t *out)
{
	if (off == 0 || off >= p->pctab.n || targetpc < f->entry || targetpc >= f->end)
		return -1;
	size_t pos = off;
	uint64_t pc = f->entry;
	int32_t val = -1;
	for (uint32_t step = 0; step < GS_PCLN_MAX_STEPS; step++) {
		uint32_t uv, pcd;
		if (pos >= p->pctab.n)
			return -1;
		if (p->pctab.p[pos] == 0 && step != 0)
			return -1; /* end of table before reaching targetpc */
		if (read_varint(&p->pctab, &pos, &uv) || read_varint(&p->pctab, &pos, &pcd))
			return -1;
		val = (int32_t)((uint32_t)(-(int32_t)(uv & 1)) ^ (uv >> 1)) + val;
		pc += (uint64_t)pcd * p->minlc;
		if (targetpc < pc) {
			*out = val;
			return 0;
		}
		if (pc >= f->end)
			return -1; /* past the function without covering targetpc */
	}
	return -1;
}

static uint32_t func_word(const struct gs_pcln_func *f, size_t off) { return gs_le32(f->raw + off); }

int gs_pcln_spdelta(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc, int64_t *out)
{
	int32_t v;
	if (pcvalue(p, f, func_word(f, 16), pc, &v))
		return -1;
	*out = v;
	return 0;
}

int gs_pcln_fileline(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc, const char **file,
                     int64_t *line)
{
	int32_t fileno, ln;
	if (pcvalue(p, f, func_word(f, 20), pc, &fileno) || pcvalue(p, f, func_word(f, 24), pc, &ln))
		return -1;
	if (fileno < 0 || ln < 0)
		return -1;
	/* cutab[cuOffset + fileno] is an offset into filetab; ^0 marks a
	 * file the linker could not place (runtime.funcfile prints "?"). */
	uint64_t idx = (uint64_t)func_word(f, 32) + (uint32_t)fileno;
	if (idx >= p->cutab.n / 4)
		return -1;
	uint32_t fileoff = gs_le32(p->cutab.p + idx * 4);
	if (fileoff == UINT32_MAX)
		return -1;
	const char *name = region_str(&p->filetab, fileoff);
	if (!name)
		return -1;
	*file = name;
	*line = ln;
	return 0;
}

/* The pctab offset of f's inline index table and the gofunc offset of its
 * inline tree; -1 when f has none.  The pcdata offsets follow the fixed
 * part of _func (npcdata words, 0 = absent), then the funcdata offsets
 * (nfuncdata words, ^0 = absent); gs_pcln_func_at checked they fit. */
static int inline_tree_offsets(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t *pcoff,
                               uint32_t *fdoff)
{
	uint32_t npcdata = func_word(f, 28);
	uint8_t nfuncdata = f->raw[p->funchdr - 1];
	if (npcdata <= GS_PCDATA_INLTREEINDEX || nfuncdata <= GS_FUNCDATA_INLTREE)
		return -1;
	*pcoff = func_word(f, p->funchdr + 4 * GS_PCDATA_INLTREEINDEX);
	*fdoff = func_word(f, p->funchdr + 4 * ((size_t)npcdata + GS_FUNCDATA_INLTREE));
	return *pcoff == 0 || *fdoff == UINT32_MAX ? -1 : 0;
}

int gs_pcln_inline(const struct gs_pcln *p, const struct gs_pcln_func *f, uint64_t pc, struct gs_pcln_inl *out)
{
	uint32_t pcoff, fdoff;
	if (!p->has_gofunc || inline_tree_offsets(p, f, &pcoff, &fdoff) != 0)
		return 0;
	/* A pc the index table does not cover (alignment padding after the
	 * code, a table cut short) is not inlined: runtime.pcdatavalue1 with
	 * strict=false answers -1 there too (1.19-1.27). */
	int32_t ix;
	if (pcvalue(p, f, pcoff, pc, &ix) || ix < 0)
		return 0;
	uint64_t addr = p->gofunc + fdoff + (uint64_t)ix * p->inlsize;
	const uint8_t *ic = gs_elf_ptr(p->exe, addr, p->inlsize);
	if (!ic)
		return -1;
	uint8_t funcid;
	int32_t nameoff, parentpc;
	if (p->format == 118) {
		/* parent int16, funcID, _, file, line, func_, parentPc */
		funcid = ic[2];
		nameoff = (int32_t)gs_le32(ic + 12);
		parentpc = (int32_t)gs_le32(ic + 16);
	} else {
		/* funcID, _[3], nameOff, parentPc, startLine */
		funcid = ic[0];
		nameoff = (int32_t)gs_le32(ic + 4);
		parentpc = (int32_t)gs_le32(ic + 8);
	}
	if (nameoff < 0 || parentpc < 0)
		return -1;
	const char *name = region_str(&p->funcnametab, (uint32_t)nameoff);
	if (!name)
		return -1;
	out->name = name;
	out->funcid = funcid;
	out->parentpc = f->entry + (uint32_t)parentpc;
	return 1;
}

int gs_pcln_pcdata(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t table, uint64_t pc, int32_t *out)
{
	uint32_t npcdata = func_word(f, 28);
	if (table >= npcdata)
		return -1;
	uint32_t off = func_word(f, p->funchdr + 4 * (size_t)table);
	if (off == 0)
		return -1;
	return pcvalue(p, f, off, pc, out) ? -1 : 0;
}

int gs_pcln_funcdata(const struct gs_pcln *p, const struct gs_pcln_func *f, uint32_t index, uint64_t *addr)
{
	uint32_t npcdata = func_word(f, 28);
	uint8_t nfuncdata = f->raw[p->funchdr - 1];
	if (!p->has_gofunc || index >= nfuncdata)
		return -1;
	uint32_t off = func_word(f, p->funchdr + 4 * ((size_t)npcdata + index));
	if (off == UINT32_MAX)
		return -1;
	*addr = p->gofunc + p->bias + off;
	return 0;
}

void gs_pcln_rebase(struct gs_pcln *p, uint64_t bias)
{
	p->textstart += bias - p->bias;
	p->bias = bias;
}
