/* framevar.c - the value of a Go function's parameter or local in one
 * frame of a goroutine's stack, from DWARF location lists.  Layer: binary
 * (DWARF) + runtime model (the frame's CFA from the pcln frame size).
 * Used where the runtime keeps no pointer to what a goroutine waits on
 * (sync.Cond before Go 1.26, the file descriptor of an IO wait): the
 * waiting method's receiver is live across its blocking call, so it sits
 * in the frame's spill slot.  Go 1.26 binaries have no .debug_aranges, so
 * compile units are indexed here by their ranges, once, on first use. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>

#include "model.h"

struct cu_range {
	uint64_t lo, hi;
	Dwarf_Off off;
};

struct gs_dwidx {
	Dwarf *dw;
	struct cu_range *r;
	size_t n;
};

static int range_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct gs_dwidx *dwidx(struct gs_model *m)
{
	if (m->dwidx)
		return m->dwidx->dw ? m->dwidx : NULL;
	m->dwidx = calloc(1, sizeof *m->dwidx);
	if (!m->dwidx)
		return NULL;
	Dwarf *dw = dwarf_begin_elf(gs_elf_handle(m->exe), DWARF_C_READ, NULL);
	if (!dw)
		return NULL;
	m->dwidx->dw = dw;
	struct gs_vec v;
	gs_vec_init(&v, sizeof(struct cu_range));
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw, off + hsize, &cu)) {
			Dwarf_Addr base, lo, hi;
			ptrdiff_t it = 0;
			while ((it = dwarf_ranges(&cu, it, &base, &lo, &hi)) > 0)
				*(struct cu_range *)gs_vec_push(&v) = (struct cu_range){ lo, hi, off + hsize };
		}
		off = next;
	}
	qsort(v.data, v.len, sizeof(struct cu_range), range_cmp);
	m->dwidx->r = v.data;
	m->dwidx->n = v.len;
	return m->dwidx;
}

void gs_dwidx_free(struct gs_dwidx *x)
{
	if (!x)
		return;
	if (x->dw)
		dwarf_end(x->dw);
	free(x->r);
	free(x);
}

static int find_subprogram(struct gs_dwidx *x, uint64_t pc, Dwarf_Die *out)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->r[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= x->r[lo - 1].hi)
		return -1;
	Dwarf_Die cu, d;
	if (!dwarf_offdie(x->dw, x->r[lo - 1].off, &cu) || dwarf_child(&cu, &d) != 0)
		return -1;
	do {
		Dwarf_Addr l, h;
		if (dwarf_tag(&d) == DW_TAG_subprogram && dwarf_lowpc(&d, &l) == 0 && dwarf_highpc(&d, &h) == 0 &&
		    pc >= l && pc < h) {
			*out = d;
			return 0;
		}
	} while (dwarf_siblingof(&d, &d) == 0);
	return -1;
}

int gs_framevar_u64(struct gs_model *m, const struct gs_frame *fr, uint64_t sp, const char *var, uint64_t *out)
{
	struct gs_dwidx *x = dwidx(m);
	struct gs_pcln_func f;
	int64_t spdelta;
	if (!x || !sp || fr->inlined || gs_pcln_find(m->pcln, fr->pc, &f) != 0 ||
	    gs_pcln_spdelta(m->pcln, &f, fr->pc, &spdelta) != 0)
		return -1;
	uint64_t cfa = sp + (uint64_t)spdelta + 8; /* amd64: the return address is pushed by CALL */
	uint64_t pc = fr->pc > f.entry ? fr->pc - 1 : fr->pc;
	Dwarf_Die sub, d;
	if (find_subprogram(x, pc, &sub) != 0 || dwarf_child(&sub, &d) != 0)
		return -1;
	do {
		int tag = dwarf_tag(&d);
		const char *n = dwarf_diename(&d);
		if ((tag != DW_TAG_formal_parameter && tag != DW_TAG_variable) || !n || strcmp(n, var) != 0)
			continue;
		Dwarf_Attribute a;
		Dwarf_Op *ops;
		size_t nops;
		if (!dwarf_attr(&d, DW_AT_location, &a) || dwarf_getlocation_addr(&a, pc, &ops, &nops, 1) != 1)
			return -1;
		/* Go's frame base is DW_OP_call_frame_cfa; a spilled variable is
		 * DW_OP_fbreg(k) or DW_OP_call_frame_cfa; DW_OP_consts k; DW_OP_plus.
		 * A variable still in a register is not readable from a parked
		 * goroutine and gives -1. */
		uint64_t addr;
		if (nops == 1 && ops[0].atom == DW_OP_fbreg)
			addr = cfa + (uint64_t)(int64_t)ops[0].number;
		else if (nops == 1 && ops[0].atom == DW_OP_call_frame_cfa)
			addr = cfa;
		else if (nops == 3 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_consts &&
		         ops[2].atom == DW_OP_plus)
			addr = cfa + (uint64_t)(int64_t)ops[1].number;
		else
			return -1;
		return gs_mem_u64(m, addr, out);
	} while (dwarf_siblingof(&d, &d) == 0);
	return -1;
}
