/* elf.c - an ELF file mapped read-only, read through libelf.  Layer: binary.
 * Knows ELF only (sections, symbols, segments, notes); nothing about Go's
 * runtime.  The file is mmap'd once and never copied. */
#include "elffile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct gs_seg {
	uint64_t vaddr, memsz, offset, filesz;
};

struct gs_dsym {
	uint64_t addr, size;
	const char *name;
};

struct gs_elf {
	struct gs_dsym *dsyms; /* data objects sorted by address, built on first use */
	size_t ndsyms;
	int dsyms_built;
	char *path;
	int fd;
	const uint8_t *map;
	size_t size;
	Elf *elf;
	GElf_Ehdr ehdr;
	struct gs_seg *segs;
	size_t nsegs;
	uint64_t relro_lo, relro_hi; /* PT_GNU_RELRO, link-time; empty when none */
};

int gs_elf_open(const char *path, struct gs_elf **out, struct gs_error *err)
{
	struct gs_elf *e = calloc(1, sizeof *e);
	struct stat st;

	if (!e)
		return gs_fail(err, GS_E_NOMEM, "out of memory");
	e->fd = -1;
	e->map = MAP_FAILED;
	e->path = strdup(path);
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0) {
		gs_fail(err, GS_E_INPUT, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(e->fd, &st) < 0) {
		gs_fail(err, GS_E_INPUT, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		gs_fail(err, GS_E_INPUT, "%s: is a directory, not an ELF file", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		gs_fail(err, GS_E_INPUT, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		gs_fail(err, GS_E_INPUT, "%s: %s (%lld bytes), not an ELF file", path,
		        st.st_size == 0 ? "empty file" : "too short", (long long)st.st_size);
		goto fail;
	}
	e->size = (size_t)st.st_size;
	e->map = mmap(NULL, e->size, PROT_READ, MAP_PRIVATE, e->fd, 0);
	if (e->map == MAP_FAILED) {
		gs_fail(err, GS_E_INPUT, "%s: cannot map: %s", path, strerror(errno));
		goto fail;
	}
	elf_version(EV_CURRENT);
	/* libelf gets its own private writable mapping: libdw decompresses
	 * SHF_COMPRESSED debug sections by rewriting their section headers in
	 * place, and e->map must stay equal to the file (it is compared with
	 * the core's copy of the first page, where Go puts those headers). */
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &e->ehdr)) {
		gs_fail(err, GS_E_INPUT, "%s: not an ELF file", path);
		goto fail;
	}
	if (e->ehdr.e_ident[EI_CLASS] != ELFCLASS64) {
		gs_fail(err, GS_E_UNSUPPORTED, "%s: 32-bit ELF files are not supported (64-bit Linux only)", path);
		goto fail;
	}
	size_t phnum = 0;
	if (elf_getphdrnum(e->elf, &phnum) != 0) {
		gs_fail(err, GS_E_INPUT, "%s: corrupt ELF program headers", path);
		goto fail;
	}
	e->segs = calloc(phnum ? phnum : 1, sizeof *e->segs);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e->elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_GNU_RELRO && ph.p_vaddr + ph.p_memsz >= ph.p_vaddr) {
			e->relro_lo = ph.p_vaddr;
			e->relro_hi = ph.p_vaddr + ph.p_memsz;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		uint64_t filesz = ph.p_filesz;
		if (ph.p_offset > e->size)
			filesz = 0;
		else if (filesz > e->size - ph.p_offset)
			filesz = e->size - ph.p_offset; /* truncated file: keep what is there */
		e->segs[e->nsegs++] = (struct gs_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset, filesz };
	}
	*out = e;
	return 0;
fail:
	gs_elf_close(e);
	return -1;
}

void gs_elf_close(struct gs_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->map != MAP_FAILED)
		munmap((void *)e->map, e->size);
	if (e->fd >= 0)
		close(e->fd);
	free(e->segs);
	free(e->dsyms);
	free(e->path);
	free(e);
}

Elf *gs_elf_handle(const struct gs_elf *e) { return e->elf; }
int gs_elf_fd(const struct gs_elf *e) { return e->fd; }
const char *gs_elf_path(const struct gs_elf *e) { return e->path; }
uint16_t gs_elf_machine(const struct gs_elf *e) { return e->ehdr.e_machine; }
uint16_t gs_elf_type(const struct gs_elf *e) { return e->ehdr.e_type; }
uint64_t gs_elf_entry(const struct gs_elf *e) { return e->ehdr.e_entry; }

bool gs_elf_in_relro(const struct gs_elf *e, uint64_t addr)
{
	return addr >= e->relro_lo && addr < e->relro_hi;
}

const uint8_t *gs_elf_bytes(const struct gs_elf *e, size_t *size)
{
	*size = e->size;
	return e->map;
}

static Elf_Scn *find_section(const struct gs_elf *e, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e->elf, &shstrndx) != 0)
		return NULL;
	for (Elf_Scn *s = elf_nextscn(e->elf, NULL); s; s = elf_nextscn(e->elf, s)) {
		if (!gelf_getshdr(s, sh))
			continue;
		const char *n = elf_strptr(e->elf, shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return s;
	}
	return NULL;
}

int gs_elf_section(const struct gs_elf *e, const char *name, uint64_t *addr, const uint8_t **data,
                   size_t *size)
{
	GElf_Shdr sh;
	if (!find_section(e, name, &sh))
		return -1;
	if (addr)
		*addr = sh.sh_addr;
	if (data) {
		if (sh.sh_type == SHT_NOBITS || sh.sh_offset > e->size || sh.sh_size > e->size - sh.sh_offset)
			*data = NULL;
		else
			*data = e->map + sh.sh_offset;
	}
	if (size)
		*size = sh.sh_size;
	return 0;
}

const uint8_t *gs_elf_ptr(const struct gs_elf *e, uint64_t addr, size_t n)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct gs_seg *s = &e->segs[i];
		if (addr >= s->vaddr && addr - s->vaddr < s->filesz && n <= s->filesz - (addr - s->vaddr))
			return e->map + s->offset + (addr - s->vaddr);
	}
	return NULL;
}

int gs_elf_mapped(const struct gs_elf *e, uint64_t addr)
{
	for (size_t i = 0; i < e->nsegs; i++)
		if (addr >= e->segs[i].vaddr && addr - e->segs[i].vaddr < e->segs[i].memsz)
			return 1;
	return 0;
}

int gs_elf_symbol(const struct gs_elf *e, const char *name, uint64_t *addr, uint64_t *size)
{
	for (Elf_Scn *s = elf_nextscn(e->elf, NULL); s; s = elf_nextscn(e->elf, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		if (!d || sh.sh_entsize == 0)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			const char *sn = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			if (sn && strcmp(sn, name) == 0) {
				if (addr)
					*addr = sym.st_value;
				if (size)
					*size = sym.st_size;
				return 0;
			}
		}
	}
	return -1;
}

/* Walk the notes of every SHT_NOTE section; call want() on each. */
static int find_note(const struct gs_elf *e, const char *owner, uint32_t type, const uint8_t **desc,
                     size_t *desclen)
{
	for (Elf_Scn *s = elf_nextscn(e->elf, NULL); s; s = elf_nextscn(e->elf, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		if (!d)
			continue;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const char *nm = (const char *)d->d_buf + noff;
			if (nh.n_type == type && nh.n_namesz == strlen(owner) + 1 &&
			    memcmp(nm, owner, nh.n_namesz) == 0) {
				*desc = (const uint8_t *)d->d_buf + doff;
				*desclen = nh.n_descsz;
				return 0;
			}
		}
	}
	return -1;
}

int gs_elf_build_id(const struct gs_elf *e, char *buf, size_t buflen)
{
	const uint8_t *d;
	size_t n;
	if (find_note(e, "GNU", NT_GNU_BUILD_ID, &d, &n) != 0 || n == 0 || buflen < 2 * n + 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int gs_elf_go_build_id(const struct gs_elf *e, char *buf, size_t buflen)
{
	const uint8_t *d;
	size_t n;
	/* The Go linker writes note type 4 with owner "Go" (cmd/link ELFNOTE). */
	if (find_note(e, "Go", 4, &d, &n) != 0 || n == 0 || buflen < n + 1)
		return -1;
	memcpy(buf, d, n);
	buf[n] = 0;
	return 0;
}

static int dsym_cmp(const void *a, const void *b)
{
	const struct gs_dsym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void build_dsyms(struct gs_elf *e)
{
	e->dsyms_built = 1;
	size_t cap = 0;
	for (Elf_Scn *s = elf_nextscn(e->elf, NULL); s; s = elf_nextscn(e->elf, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		if (!d)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_size == 0)
				continue;
			const char *nm = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			if (!nm)
				continue;
			if (e->ndsyms == cap) {
				cap = cap ? cap * 2 : 1024;
				struct gs_dsym *t = realloc(e->dsyms, cap * sizeof *t);
				if (!t)
					return;
				e->dsyms = t;
			}
			e->dsyms[e->ndsyms++] = (struct gs_dsym){ sym.st_value, sym.st_size, nm };
		}
	}
	qsort(e->dsyms, e->ndsyms, sizeof *e->dsyms, dsym_cmp);
}

int gs_elf_data_symbol(struct gs_elf *e, uint64_t addr, const char **name, uint64_t *off)
{
	if (!e->dsyms_built)
		build_dsyms(e);
	size_t lo = 0, hi = e->ndsyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->dsyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	const struct gs_dsym *d = &e->dsyms[lo - 1];
	if (addr - d->addr >= d->size)
		return -1;
	*name = d->name;
	*off = addr - d->addr;
	return 0;
}
