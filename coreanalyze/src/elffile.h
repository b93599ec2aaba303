/* elf.h - an ELF file (the executable) mapped read-only.  Layer: binary.
 * Knows ELF, not Go: sections, symbols, PT_LOAD segments, the build ID.
 * Never reads the whole file into memory: it is mmap'd once. */
#ifndef GS_ELF_H
#define GS_ELF_H

#include <gelf.h>
#include <stdint.h>
#include <stddef.h>
#include "gostuck.h"

struct gs_elf;

/* Open and map path.  Fatal errors (missing, not ELF, truncated) fill err
 * with GS_E_INPUT.  The result owns the mapping and the libelf handle. */
int gs_elf_open(const char *path, struct gs_elf **out, struct gs_error *err);
void gs_elf_close(struct gs_elf *e);

Elf *gs_elf_handle(const struct gs_elf *e);
int gs_elf_fd(const struct gs_elf *e);
const char *gs_elf_path(const struct gs_elf *e);
uint16_t gs_elf_machine(const struct gs_elf *e); /* EM_X86_64, ... */
uint16_t gs_elf_type(const struct gs_elf *e);    /* ET_EXEC, ET_DYN, ET_CORE */
uint64_t gs_elf_entry(const struct gs_elf *e);   /* e_entry, link-time */
/* Whether link-time addr is in the PT_GNU_RELRO segment: data the dynamic
 * loader relocates and then makes read-only, so a core's copy of it is
 * read-only yet differs from the file. */
bool gs_elf_in_relro(const struct gs_elf *e, uint64_t addr);

/* The file's bytes, valid until gs_elf_close. */
const uint8_t *gs_elf_bytes(const struct gs_elf *e, size_t *size);

/* A section by name.  0 and its address/contents (data NULL for NOBITS),
 * or -1 when absent.  Compressed sections are returned as stored. */
int gs_elf_section(const struct gs_elf *e, const char *name, uint64_t *addr, const uint8_t **data,
                   size_t *size);

/* File-backed bytes at virtual address addr..addr+n of a PT_LOAD segment
 * (the image as linked, no load bias), or NULL when not all file-backed. */
const uint8_t *gs_elf_ptr(const struct gs_elf *e, uint64_t addr, size_t n);

/* True when addr lies in some PT_LOAD segment's memory (file or bss). */
int gs_elf_mapped(const struct gs_elf *e, uint64_t addr);

/* A symbol's value and size from .symtab (or .dynsym); 0 or -1. */
int gs_elf_symbol(const struct gs_elf *e, const char *name, uint64_t *addr, uint64_t *size);

/* The data object (STT_OBJECT symbol) containing addr: its name (valid
 * while e is open) and addr's offset in it.  0 or -1.  The first call
 * indexes the symbol table. */
int gs_elf_data_symbol(struct gs_elf *e, uint64_t addr, const char **name, uint64_t *off);

/* GNU build ID as lower-case hex into buf (NUL-terminated); 0 or -1. */
int gs_elf_build_id(const struct gs_elf *e, char *buf, size_t buflen);

/* Go build ID (the .note.go.buildid note) into buf; 0 or -1. */
int gs_elf_go_build_id(const struct gs_elf *e, char *buf, size_t buflen);

#endif
