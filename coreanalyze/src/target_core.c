/* target_core.c - an ELF core file as a target.  Layer: target.
 * Maps the core once (cores are sparse and can be many GB: never read
 * whole), indexes its PT_LOAD segments and its NT_PRSTATUS thread notes.
 * Knows Linux x86-64 core layout, nothing about Go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include <elf.h>
#include <gelf.h>

#include "target.h"
#include "util.h"

struct core_seg {
	uint64_t vaddr, memsz, filesz; /* filesz: bytes present in the file */
	const uint8_t *bytes;
	uint32_t flags;
};

struct core {
	int fd;
	const uint8_t *map;
	size_t size;
	uint64_t nreads;  /* reads, for the residency check */
	size_t bytes_since; /* bytes read since the last check */
	int statm;        /* /proc/self/statm, or -1 */
	uint32_t epoch;   /* residency checks that found the process over budget */
	uint32_t *used;   /* per 2 MB block of the mapping: the epoch it was last read in; NULL: none kept */
	size_t fresh;     /* blocks first read since the last residency check */
	size_t nchunks;
	Elf *elf;
	struct core_seg *segs; /* sorted by vaddr */
	size_t nsegs;
	const struct core_seg *last; /* where the last read was found */
	struct gs_thread *threads;
	size_t nthreads;
	struct gs_core_region *regions;
	size_t nregions;
	uint64_t at_entry; /* AT_ENTRY of the NT_AUXV note, 0 when there is none */
};

static int seg_cmp(const void *a, const void *b)
{
	const struct core_seg *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static const struct core_seg *find_seg(struct core *c, uint64_t addr)
{
	/* Reads come in runs (a stack, then the next): the last segment
	 * first. */
	const struct core_seg *last = c->last;
	if (last && addr - last->vaddr < last->memsz)
		return last;
	size_t lo = 0, hi = c->nsegs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct core_seg *s = &c->segs[mid];
		if (addr < s->vaddr)
			hi = mid;
		else if (addr - s->vaddr >= s->memsz)
			lo = mid + 1;
		else
			return c->last = s;
	}
	return NULL;
}

/* A core of a million goroutines is ~3 GB, and reading it faults most of
 * its pages into our address space, where they count as our resident
 * memory although the kernel's page cache holds them anyway.  The mapping
 * is kept in 2 MB blocks of address space, each with the epoch it was last
 * read in.  When reads have touched 16 blocks that had nothing mapped (or
 * every 1024 reads, or 16 MB), /proc/self/statm is read, and the core
 * mapping's pages are dropped (MADV_DONTNEED on a read-only private file
 * mapping: the next read faults them back from the page cache, which keeps
 * them) when more than CORE_RESIDENT_MAX bytes of files are resident in
 * this process ("shared": the core's pages and the executable's), or when
 * the whole process is over RSS_BUDGET and files hold more than
 * CORE_RESIDENT_MIN of it.  So a small core stays mapped (a 100k-goroutine
 * core, 340 MB, is read without a drop) and a big analysis gives its file
 * pages up first.  What is dropped is the older half of the blocks, by
 * when each was last read (all of them only when every one was read since
 * the last drop).
 * Why blocks of 2 MB, and counting the fresh ones: a read maps at most the
 * block it is in (the kernel's fault-around is 64 KB, and a page cache of
 * large folios maps a whole aligned 2 MB PMD at once), so between two
 * checks residency grows by at most 32 MB.  Counting reads alone let 1024
 * reads map 1024 huge pages: a 1M-goroutine core peaked at 1.6 GB once its
 * page cache held large folios (0.95 GB now).  Dropping less than half, or
 * by a finer clock, made more drops and no fewer faults: the heap pass's
 * working set is the whole core. */
#define CORE_RESIDENT_MAX ((long)512 << 20)
#define CORE_RESIDENT_MIN ((long)64 << 20)
#define RSS_BUDGET ((long)896 << 20) /* + 32 MB between checks: under 1 GiB */
#define CHUNK_SHIFT 21 /* 2 MB of address space: a PMD */
#define FRESH_MAX 16   /* blocks first read since the last check */

/* Block i's part of the mapping. */
static void chunk_range(const struct core *c, size_t i, size_t *off, size_t *len)
{
	uintptr_t base = (uintptr_t)c->map, lo = ((base >> CHUNK_SHIFT) + i) << CHUNK_SHIFT,
	          hi = lo + ((uintptr_t)1 << CHUNK_SHIFT);
	if (lo < base)
		lo = base;
	if (hi > base + c->size)
		hi = base + c->size;
	*off = lo - base;
	*len = hi > lo ? hi - lo : 0;
}

/* Drop the mapped pages of the older half of the blocks read since
 * they were last dropped (by the epoch of their last read). */
static void drop_chunks(struct core *c)
{
	uint32_t hist[65];
	size_t mapped = 0;
	memset(hist, 0, sizeof hist);
	for (size_t i = 0; i < c->nchunks; i++)
		if (c->used[i] != UINT32_MAX) {
			uint32_t age = c->epoch - c->used[i];
			hist[age < 64 ? age : 64]++;
			mapped++;
		}
	/* the age at and above which blocks go: the oldest half */
	size_t seen = 0;
	int cut = 64;
	while (cut > 0 && seen + hist[cut] <= mapped / 2)
		seen += hist[cut--];
	if (seen == 0)
		cut = 0; /* no older half (every block read in this epoch): all of it */
	else
		cut++;
	/* one madvise per run of adjacent blocks */
	size_t run_off = 0, run_len = 0;
	for (size_t i = 0; i <= c->nchunks; i++) {
		bool go = i < c->nchunks && c->used[i] != UINT32_MAX && c->epoch - c->used[i] >= (uint32_t)cut;
		size_t off, len;
		if (go) {
			chunk_range(c, i, &off, &len);
			c->used[i] = UINT32_MAX; /* nothing mapped until read again */
			if (run_len && run_off + run_len == off) {
				run_len += len;
				continue;
			}
		}
		if (run_len)
			madvise((void *)(c->map + run_off), run_len, MADV_DONTNEED);
		run_len = 0;
		if (go) {
			run_off = off;
			run_len = len;
		}
	}
}

static void bound_residency(struct core *c, size_t len)
{
	/* Every 1024 reads or 16 MB too: what else the process allocates
	 * counts against RSS_BUDGET. */
	c->bytes_since += len;
	if ((++c->nreads % 1024 && c->bytes_since < ((size_t)16 << 20) && c->fresh < FRESH_MAX) || c->statm < 0)
		return;
	c->bytes_since = 0;
	c->fresh = 0;
	char buf[128];
	ssize_t n = pread(c->statm, buf, sizeof buf - 1, 0);
	long size, resident, shared;
	if (n <= 0)
		return;
	buf[n] = 0;
	if (sscanf(buf, "%ld %ld %ld", &size, &resident, &shared) != 3 ||
	    !(shared * 4096 > CORE_RESIDENT_MAX || (resident * 4096 > RSS_BUDGET && shared * 4096 > CORE_RESIDENT_MIN)))
		return;
	/* Over: give up the blocks read least recently first (a pass over
	 * every stack keeps the part it is in; the g structs and the heap
	 * that every pass comes back to stay, while they fit), and
	 * everything only when every block was read in this very epoch. */
	if (c->used)
		drop_chunks(c);
	else
		madvise((void *)c->map, c->size, MADV_DONTNEED);
	c->epoch++;
}

/* A read of the file's bytes [off, off+n): their blocks are in use. */
static inline void note_use(struct core *c, size_t off, size_t n)
{
	if (!c->used)
		return;
	uintptr_t b0 = (uintptr_t)c->map >> CHUNK_SHIFT;
	for (size_t i = (((uintptr_t)c->map + off) >> CHUNK_SHIFT) - b0;
	     i <= (((uintptr_t)c->map + off + n - 1) >> CHUNK_SHIFT) - b0 && i < c->nchunks; i++) {
		if (c->used[i] == UINT32_MAX)
			c->fresh++;
		c->used[i] = c->epoch;
	}
}

static int core_read(void *self, uint64_t addr, void *buf, size_t n)
{
	struct core *c = self;
	bound_residency(c, n);
	uint8_t *out = buf;
	while (n > 0) {
		const struct core_seg *s = find_seg(c, addr);
		if (!s)
			return -1;
		uint64_t off = addr - s->vaddr;
		if (off >= s->filesz)
			return -1; /* not dumped (read-only file data): caller falls back */
		size_t take = n;
		if (take > s->filesz - off)
			take = (size_t)(s->filesz - off);
		note_use(c, (size_t)(s->bytes - c->map + off), take);
		memcpy(out, s->bytes + off, take);
		out += take;
		addr += take;
		n -= take;
	}
	return 0;
}

static size_t core_nthreads(void *self)
{
	return ((struct core *)self)->nthreads;
}

static int core_thread(void *self, size_t i, struct gs_thread *out)
{
	struct core *c = self;
	if (i >= c->nthreads)
		return -1;
	*out = c->threads[i];
	return 0;
}

static void core_close(void *self)
{
	struct core *c = self;
	if (!c)
		return;
	if (c->elf)
		elf_end(c->elf);
	if (c->map && c->map != MAP_FAILED)
		munmap((void *)c->map, c->size);
	if (c->fd >= 0)
		close(c->fd);
	if (c->statm >= 0)
		close(c->statm);
	free(c->segs);
	free(c->used);
	free(c->threads);
	free(c->regions);
	free(c);
}

static int core_entry(void *self, uint64_t *out)
{
	const struct core *c = self;
	*out = c->at_entry;
	return c->at_entry ? 0 : -1;
}

static const struct gs_target_ops core_ops = {
	.entry = core_entry,
	.read = core_read,
	.nthreads = core_nthreads,
	.thread = core_thread,
	.close = core_close,
};

static int read_notes(struct core *c, const GElf_Phdr *ph, const char *path, struct gs_error *err)
{
	Elf_Data *d = elf_getdata_rawchunk(c->elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!d)
		return gs_fail(err, GS_E_INPUT, "%s: unreadable note segment: the core is corrupt", path);
	size_t off = 0, noff, doff, cap = 0;
	GElf_Nhdr nh;
	while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
		if (nh.n_type == NT_AUXV) {
			/* (a_type, a_val) pairs of 8 bytes each, AT_NULL last */
			const uint8_t *av = (const uint8_t *)d->d_buf + doff;
			for (size_t k = 0; k + 16 <= nh.n_descsz && gs_le64(av + k) != AT_NULL; k += 16)
				if (gs_le64(av + k) == AT_ENTRY)
					c->at_entry = gs_le64(av + k + 8);
			continue;
		}
		if (nh.n_type != NT_PRSTATUS)
			continue;
		if (nh.n_descsz < sizeof(struct elf_prstatus))
			return gs_fail(err, GS_E_INPUT, "%s: short NT_PRSTATUS note (%u bytes): the core is corrupt",
			               path, nh.n_descsz);
		struct elf_prstatus st;
		memcpy(&st, (const char *)d->d_buf + doff, sizeof st);
		struct user_regs_struct r;
		memcpy(&r, &st.pr_reg, sizeof r);
		if (c->nthreads == cap) {
			cap = cap ? cap * 2 : 16;
			struct gs_thread *t = realloc(c->threads, cap * sizeof *t);
			if (!t)
				return gs_fail(err, GS_E_NOMEM, "out of memory");
			c->threads = t;
		}
		c->threads[c->nthreads++] = (struct gs_thread){
			.tid = st.pr_pid,
			.regs = { .rip = r.rip, .rsp = r.rsp, .rbp = r.rbp, .fs_base = r.fs_base },
		};
	}
	return 0;
}

int gs_target_open_core(const char *path, struct gs_target *out, struct gs_error *err)
{
	struct core *c = calloc(1, sizeof *c);
	struct stat st;
	if (!c)
		return gs_fail(err, GS_E_NOMEM, "out of memory");
	c->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		gs_fail(err, GS_E_INPUT, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(c->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		gs_fail(err, GS_E_INPUT, "%s: %s, not a core file", path,
		        S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		goto fail;
	}
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		gs_fail(err, GS_E_INPUT, "%s: %s, not a core file", path, st.st_size ? "too short" : "empty file");
		goto fail;
	}
	c->size = (size_t)st.st_size;
	c->map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, c->fd, 0);
	if (c->map == MAP_FAILED) {
		gs_fail(err, GS_E_INPUT, "%s: cannot map: %s", path, strerror(errno));
		goto fail;
	}
	c->nchunks = (((uintptr_t)c->map + c->size - 1) >> CHUNK_SHIFT) - ((uintptr_t)c->map >> CHUNK_SHIFT) + 1;
	c->used = malloc(c->nchunks * sizeof *c->used); /* NULL: drop everything when over */
	for (size_t i = 0; c->used && i < c->nchunks; i++)
		c->used[i] = UINT32_MAX;
	elf_version(EV_CURRENT);
	c->elf = elf_memory((char *)c->map, c->size);
	GElf_Ehdr eh;
	if (!c->elf || elf_kind(c->elf) != ELF_K_ELF || !gelf_getehdr(c->elf, &eh)) {
		gs_fail(err, GS_E_INPUT, "%s: not an ELF file, so not a core file", path);
		goto fail;
	}
	if (eh.e_type != ET_CORE) {
		gs_fail(err, GS_E_INPUT, "%s: an ELF %s, not a core file (arguments are EXE CORE)", path,
		        eh.e_type == ET_EXEC || eh.e_type == ET_DYN ? "executable" : "file");
		goto fail;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		gs_fail(err, GS_E_UNSUPPORTED, "%s: core of machine type %u; only x86-64 Linux cores are supported",
		        path, eh.e_machine);
		goto fail;
	}
	size_t phnum;
	if (eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize > c->size) {
		gs_fail(err, GS_E_INPUT,
		        "%s: core is truncated (%zu bytes, its program headers end at %llu): take the core again, with enough disk space",
		        path, c->size, (unsigned long long)(eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize));
		goto fail;
	}
	if (elf_getphdrnum(c->elf, &phnum) != 0 || phnum == 0) {
		gs_fail(err, GS_E_INPUT, "%s: core has no program headers: it is corrupt", path);
		goto fail;
	}
	c->segs = calloc(phnum, sizeof *c->segs);
	c->regions = calloc(phnum, sizeof *c->regions);
	if (!c->segs || !c->regions) {
		gs_fail(err, GS_E_NOMEM, "out of memory");
		goto fail;
	}
	int have_notes = 0;
	uint64_t want_size = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(c->elf, (int)i, &ph)) {
			gs_fail(err, GS_E_INPUT, "%s: unreadable program header %zu: the core is corrupt", path, i);
			goto fail;
		}
		if (ph.p_filesz && ph.p_offset + ph.p_filesz < ph.p_offset)
			want_size = UINT64_MAX; /* wraps: truncated by any measure */
		else if (ph.p_filesz && ph.p_offset + ph.p_filesz > want_size)
			want_size = ph.p_offset + ph.p_filesz;
		if (ph.p_type == PT_NOTE) {
			if (ph.p_offset > c->size || ph.p_filesz > c->size - ph.p_offset)
				continue; /* reported as truncation below */
			if (read_notes(c, &ph, path, err) != 0)
				goto fail;
			have_notes = 1;
		} else if (ph.p_type == PT_LOAD) {
			uint64_t filesz = ph.p_filesz;
			if (ph.p_offset > c->size)
				filesz = 0;
			else if (filesz > c->size - ph.p_offset)
				filesz = c->size - ph.p_offset;
			/* No pointer past the mapping, even an unused one: a
			 * p_offset beyond the file made c->map + p_offset
			 * overflow (UBSan, fuzz_core). */
			struct core_seg *s = &c->segs[c->nsegs++];
			*s = (struct core_seg){ ph.p_vaddr, ph.p_memsz, filesz, filesz ? c->map + ph.p_offset : c->map,
				                ph.p_flags };
			if (!(ph.p_flags & PF_W) && filesz > 0)
				c->regions[c->nregions++] = (struct gs_core_region){ ph.p_vaddr, s->bytes, filesz };
		}
	}
	if (want_size > c->size) {
		gs_fail(err, GS_E_INPUT,
		        "%s: core is truncated (%zu of %llu bytes present): take the core again, with enough disk space",
		        path, c->size, (unsigned long long)want_size);
		goto fail;
	}
	if (!have_notes || c->nthreads == 0) {
		gs_fail(err, GS_E_INPUT, "%s: core has no thread notes (NT_PRSTATUS): it is corrupt", path);
		goto fail;
	}
	qsort(c->segs, c->nsegs, sizeof *c->segs, seg_cmp);
	out->ops = &core_ops;
	out->self = c;
	return 0;
fail:
	core_close(c);
	return -1;
}

int gs_core_regions(const struct gs_target *t, const struct gs_core_region **out, size_t *n)
{
	if (t->ops != &core_ops)
		return -1;
	const struct core *c = t->self;
	*out = c->regions;
	*n = c->nregions;
	return 0;
}

/* ---- telling files apart, for front ends that are given a directory ---- */

enum gs_file_kind gs_file_kind(const char *path)
{
	enum gs_file_kind k = GS_FILE_OTHER;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return k;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		elf_version(EV_CURRENT);
		Elf *e = elf_begin(fd, ELF_C_READ, NULL);
		GElf_Ehdr eh;
		if (e && elf_kind(e) == ELF_K_ELF && gelf_getehdr(e, &eh))
			k = eh.e_type == ET_CORE ? GS_FILE_CORE : eh.e_type == ET_EXEC || eh.e_type == ET_DYN ? GS_FILE_EXEC : k;
		if (e)
			elf_end(e);
	}
	close(fd);
	return k;
}

int gs_core_command(const char *core, char *buf, size_t n)
{
	int rc = -1;
	int fd = open(core, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || n == 0)
		goto out;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t nph = 0;
	if (!e || elf_getphdrnum(e, &nph) != 0)
		goto end;
	for (size_t i = 0; i < nph && i < 65536 && rc != 0; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;
		while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != NT_PRPSINFO || nh.n_descsz < sizeof(struct elf_prpsinfo))
				continue;
			struct elf_prpsinfo ps;
			memcpy(&ps, (const char *)d->d_buf + doff, sizeof ps);
			snprintf(buf, n, "%.*s", (int)sizeof ps.pr_fname, ps.pr_fname);
			rc = buf[0] ? 0 : -1;
			break;
		}
	}
end:
	if (e)
		elf_end(e);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
