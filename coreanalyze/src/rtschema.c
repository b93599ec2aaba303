/* rtschema.c - resolve the runtime schema (rtschema.h) from DWARF with libdw.
 * Layer: binary.  Reads only the executable's debug info; knows which names
 * to look for but not what they mean.  One pass over the top-level DIEs of
 * every compile unit (Go 1.26 binaries have no .debug_aranges, and the
 * names we need are all top-level). */
#include "rtschema.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct schema_def {
	enum gs_rt_kind kind;
	const char *name;
	const char *path;
	bool required;
};

static const struct schema_def defs[GS_RT_COUNT] = {
#define GS_RT_DEF(id, kind, name, path, req) [GS_RT_##id] = { GS_RT_##kind, name, path, req },
	GS_RT_SCHEMA(GS_RT_DEF)
#undef GS_RT_DEF
};

/* Follow typedefs (and const/volatile, which Go does not emit) to the
 * underlying type. */
static int strip_type(Dwarf_Die *die, Dwarf_Die *out)
{
	*out = *die;
	for (int i = 0; i < 16; i++) {
		int tag = dwarf_tag(out);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type)
			return 0;
		Dwarf_Attribute a;
		if (!dwarf_attr(out, DW_AT_type, &a) || !dwarf_formref_die(&a, out))
			return -1;
	}
	return -1;
}

static int type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	if (!dwarf_attr(die, DW_AT_type, &a) || !dwarf_formref_die(&a, &t))
		return -1;
	return strip_type(&t, out);
}

static int find_member(Dwarf_Die *st, const char *name, size_t namelen, uint64_t *off, Dwarf_Die *mtype)
{
	Dwarf_Die m;
	if (dwarf_child(st, &m) != 0)
		return -1;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		const char *n = dwarf_diename(&m);
		if (!n || strlen(n) != namelen || memcmp(n, name, namelen) != 0)
			continue;
		Dwarf_Attribute a;
		Dwarf_Word w;
		if (!dwarf_attr(&m, DW_AT_data_member_location, &a) || dwarf_formudata(&a, &w) != 0)
			return -1;
		*off = w;
		return type_of(&m, mtype);
	} while (dwarf_siblingof(&m, &m) == 0);
	return -1;
}

/* Resolve "a.b.c" inside struct st; 0 with offset and member byte size. */
static int resolve_path(Dwarf_Die *st, const char *path, size_t len, uint64_t *off, uint64_t *size)
{
	Dwarf_Die cur = *st, mt;
	uint64_t total = 0;
	while (len > 0) {
		const char *dot = memchr(path, '.', len);
		size_t seg = dot ? (size_t)(dot - path) : len;
		uint64_t o;
		if (find_member(&cur, path, seg, &o, &mt) != 0)
			return -1;
		total += o;
		cur = mt;
		if (!dot)
			break;
		path += seg + 1;
		len -= seg + 1;
	}
	Dwarf_Word bs;
	Dwarf_Attribute a;
	if (dwarf_attr(&cur, DW_AT_byte_size, &a) && dwarf_formudata(&a, &bs) == 0)
		*size = bs;
	else if (dwarf_tag(&cur) == DW_TAG_pointer_type)
		*size = 8; /* Go omits byte_size on pointer types; amd64 only */
	else
		*size = 0;
	*off = total;
	return 0;
}

/* A global's address: Go writes DW_AT_location as a block holding one
 * DW_OP_addr (a block form, which dwarf_getlocation rejects in DWARF 4). */
static int global_addr(Dwarf_Die *var, uint64_t *addr)
{
	Dwarf_Attribute a;
	Dwarf_Block b;
	if (!dwarf_attr(var, DW_AT_location, &a) || dwarf_formblock(&a, &b) != 0)
		return -1;
	if (b.length != 9 || b.data[0] != DW_OP_addr)
		return -1;
	*addr = gs_le64(b.data + 1);
	return 0;
}

/* Mark the words of type t (at byte offset base) that hold pointers, as
 * the GC's type bitmaps would: pointers, and the pointer fields of
 * strings, slices, interfaces, structs and arrays.  uintptr-typed fields
 * (guintptr, puintptr...) are not pointers, for the GC either. */
static void collect_ptrs(Dwarf_Die *type, uint64_t base, uint8_t *bits, uint64_t nwords, int depth)
{
	Dwarf_Die t, m, el;
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (depth > 16 || strip_type(type, &t) != 0)
		return;
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
	case DW_TAG_subroutine_type:
		if (base % 8 == 0 && base / 8 < nwords)
			bits[base / 64] |= (uint8_t)(1u << ((base / 8) % 8));
		return;
	case DW_TAG_structure_type:
		if (dwarf_child(&t, &m) != 0)
			return;
		do {
			if (dwarf_tag(&m) != DW_TAG_member || !dwarf_attr(&m, DW_AT_data_member_location, &a) ||
			    dwarf_formudata(&a, &w) != 0 || !dwarf_attr(&m, DW_AT_type, &a) || !dwarf_formref_die(&a, &el))
				continue;
			collect_ptrs(&el, base + w, bits, nwords, depth + 1);
		} while (dwarf_siblingof(&m, &m) == 0);
		return;
	case DW_TAG_array_type: {
		Dwarf_Die sub, et;
		Dwarf_Word count = 0, esize = 0;
		if (type_of(&t, &et) != 0 || dwarf_child(&t, &sub) != 0)
			return;
		if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &w) == 0)
			count = w;
		else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &w) == 0)
			count = w + 1;
		if (dwarf_tag(&et) == DW_TAG_pointer_type)
			esize = 8;
		else if (dwarf_attr(&et, DW_AT_byte_size, &a) && dwarf_formudata(&a, &w) == 0)
			esize = w;
		if (esize == 0 || count > nwords * 8)
			return;
		for (Dwarf_Word i = 0; i < count && base + i * esize < nwords * 8; i++)
			collect_ptrs(&et, base + i * esize, bits, nwords, depth + 1);
		return;
	}
	default:
		return;
	}
}

static void global_type(Dwarf_Die *var, struct gs_rt_item *it)
{
	Dwarf_Die t;
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (type_of(var, &t) != 0)
		return;
	if (dwarf_attr(&t, DW_AT_byte_size, &a) && dwarf_formudata(&a, &w) == 0)
		it->size = w;
	if (dwarf_tag(&t) != DW_TAG_array_type)
		return;
	Dwarf_Die sub;
	if (dwarf_child(&t, &sub) != 0)
		return;
	if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &w) == 0)
		it->count = w;
	else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &w) == 0)
		it->count = w + 1;
}

/* The schema's names, each '|'-separated alternative a key, hashed once:
 * a binary has tens of thousands of top-level DIEs, and trying every
 * definition's pattern on each was a third of a small analysis. */
#define NAMEIDX_SLOTS 2048 /* a power of two, well over the alternatives */
struct nameidx {
	const char *s[NAMEIDX_SLOTS]; /* NULL: empty */
	size_t len[NAMEIDX_SLOTS];
	int def[NAMEIDX_SLOTS];
};

static size_t name_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return (size_t)(h ^ h >> 29);
}

static void nameidx_build(struct nameidx *x)
{
	memset(x, 0, sizeof *x);
	for (int i = 0; i < GS_RT_COUNT; i++)
		for (const char *p = defs[i].name; p;) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			size_t j = name_hash(p, len) & (NAMEIDX_SLOTS - 1);
			while (x->s[j])
				j = (j + 1) & (NAMEIDX_SLOTS - 1);
			x->s[j] = p;
			x->len[j] = len;
			x->def[j] = i;
			p = bar ? bar + 1 : NULL;
		}
}

int gs_rtschema_load(const struct gs_elf *exe, struct gs_rtschema *out, struct gs_error *err)
{
	memset(out, 0, sizeof *out);
	Dwarf *dw = dwarf_begin_elf(gs_elf_handle(exe), DWARF_C_READ, NULL);
	if (!dw)
		return gs_fail(err, GS_E_UNSUPPORTED,
		               "%s: has no DWARF debug info; rebuild it without -ldflags=-w or -s (stripped binaries are not supported yet)",
		               gs_elf_path(exe));

	struct nameidx *nx = malloc(sizeof *nx);
	if (!nx) {
		dwarf_end(dw);
		return gs_fail(err, GS_E_NOMEM, "out of memory");
	}
	nameidx_build(nx);
	const struct nameidx *names = nx;
	/* Type DIEs found by name (for FIELD and TYPE items). */
	Dwarf_Die types[GS_RT_COUNT];
	bool have_type[GS_RT_COUNT] = { 0 };
	Dwarf_Off off = 0, next;
	size_t hsize;
	size_t ncu = 0;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, d;
		ncu++;
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &d) == 0) {
			do {
				const char *n = dwarf_diename(&d);
				if (!n)
					continue;
				int tag = dwarf_tag(&d);
				size_t nl = strlen(n);
				for (size_t j = name_hash(n, nl) & (NAMEIDX_SLOTS - 1); names->s[j]; j = (j + 1) & (NAMEIDX_SLOTS - 1)) {
					if (names->len[j] != nl || memcmp(names->s[j], n, nl) != 0)
						continue;
					int i = names->def[j];
					const struct schema_def *sd = &defs[i];
					struct gs_rt_item *it = &out->it[i];
					switch (sd->kind) {
					case GS_RT_TYPE:
					case GS_RT_FIELD:
						if (tag == DW_TAG_variable || tag == DW_TAG_constant || tag == DW_TAG_subprogram)
							break;
						if (!have_type[i] && !dwarf_hasattr(&d, DW_AT_declaration)) {
							types[i] = d;
							have_type[i] = true;
						}
						break;
					case GS_RT_GLOBAL: {
						if (tag != DW_TAG_variable || it->found)
							break;
						if (global_addr(&d, &it->value) == 0) {
							it->found = true;
							global_type(&d, it);
						}
						break;
					}
					case GS_RT_CONST: {
						if (tag != DW_TAG_constant || it->found)
							break;
						Dwarf_Attribute a;
						Dwarf_Sword v;
						if (dwarf_attr(&d, DW_AT_const_value, &a) && dwarf_formsdata(&a, &v) == 0) {
							it->found = true;
							it->value = (uint64_t)v;
						}
						break;
					}
					}
				}
			} while (dwarf_siblingof(&d, &d) == 0);
		}
		off = next;
	}
	free(nx);
	if (ncu == 0) {
		dwarf_end(dw);
		return gs_fail(err, GS_E_UNSUPPORTED,
		               "%s: has no DWARF debug info; rebuild it without -ldflags=-w or -s (stripped binaries are not supported yet)",
		               gs_elf_path(exe));
	}

	for (int i = 0; i < GS_RT_COUNT; i++) {
		const struct schema_def *sd = &defs[i];
		struct gs_rt_item *it = &out->it[i];
		if (!have_type[i])
			continue;
		Dwarf_Die st;
		if (sd->kind == GS_RT_TYPE) {
			Dwarf_Attribute a;
			Dwarf_Word w;
			it->found = true;
			if (strip_type(&types[i], &st) != 0)
				continue;
			it->tag = dwarf_tag(&st);
			if (dwarf_attr(&st, DW_AT_byte_size, &a) && dwarf_formudata(&a, &w) == 0)
				it->value = w;
			if (it->tag == DW_TAG_structure_type && it->value >= 8 && it->value <= (1u << 20)) {
				uint64_t nwords = it->value / 8;
				it->ptrmap = calloc((nwords + 7) / 8, 1);
				if (it->ptrmap)
					collect_ptrs(&st, 0, it->ptrmap, nwords, 0);
			}
			continue;
		}
		if (strip_type(&types[i], &st) != 0)
			continue;
		for (const char *p = sd->path; p && *p;) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			if (resolve_path(&st, p, len, &it->value, &it->size) == 0) {
				it->found = true;
				break;
			}
			p = bar ? bar + 1 : NULL;
		}
	}
	dwarf_end(dw);

	char missing[700] = "";
	size_t nmiss = 0;
	for (int i = 0; i < GS_RT_COUNT; i++) {
		if (!defs[i].required || out->it[i].found)
			continue;
		size_t l = strlen(missing);
		if (l < sizeof missing - 80)
			snprintf(missing + l, sizeof missing - l, "%s%s%s%s", nmiss ? ", " : "", defs[i].name,
			         defs[i].path ? "." : "", defs[i].path ? defs[i].path : "");
		nmiss++;
	}
	if (nmiss == GS_RT_COUNT || !out->it[GS_RT_ALLGS].found)
		return gs_fail(err, GS_E_UNSUPPORTED,
		               "%s: not a Go program (its DWARF has no runtime.allgs); gostuck reads Go 1.19-1.27 programs",
		               gs_elf_path(exe));
	if (nmiss)
		return gs_fail(err, GS_E_UNSUPPORTED,
		               "%s: this Go runtime lacks what gostuck needs (%s); supported: Go 1.19-1.27",
		               gs_elf_path(exe), missing);
	return 0;
}

uint64_t gs_rt_field(const struct gs_rtschema *s, enum gs_rt_id id, const uint8_t *base, size_t len)
{
	const struct gs_rt_item *it = &s->it[id];
	if (!it->found || it->value > len || it->size > len - it->value)
		return 0;
	const uint8_t *p = base + it->value;
	switch (it->size) {
	case 1: return p[0];
	case 2: return gs_le16(p);
	case 4: return gs_le32(p);
	case 8: return gs_le64(p);
	default: return 0;
	}
}

void gs_rtschema_rebase(struct gs_rtschema *s, uint64_t bias)
{
	for (int i = 0; i < GS_RT_COUNT; i++)
		if (s->it[i].found && defs[i].kind == GS_RT_GLOBAL)
			s->it[i].value += bias;
}

void gs_rtschema_free(struct gs_rtschema *s)
{
	for (int i = 0; i < GS_RT_COUNT; i++) {
		free(s->it[i].ptrmap);
		s->it[i].ptrmap = NULL;
	}
}

bool gs_rt_ptrword(const struct gs_rtschema *s, enum gs_rt_id id, uint64_t off)
{
	const struct gs_rt_item *it = &s->it[id];
	if (!it->ptrmap || off / 8 >= it->value / 8)
		return true;
	return (it->ptrmap[off / 64] >> ((off / 8) % 8)) & 1;
}
