/* memory.c - reads of the target's memory for the runtime model.  Layer:
 * runtime model (bottom).  Falls through from the target to the
 * executable's file-backed segments, since a kernel core keeps no
 * read-only data (see NOTES-runtime).  Every length is bounded by the
 * caller; nothing here trusts a value read from the target. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

int gs_mem_read(const struct gs_model *m, uint64_t addr, void *buf, size_t n)
{
	if (gs_target_read(&m->target, addr, buf, n) == 0)
		return 0;
	const uint8_t *p = addr >= m->bias ? gs_elf_ptr(m->exe, addr - m->bias, n) : NULL;
	if (!p)
		return -1;
	memcpy(buf, p, n);
	return 0;
}

int gs_mem_u64(const struct gs_model *m, uint64_t addr, uint64_t *out)
{
	uint8_t b[8];
	if (gs_mem_read(m, addr, b, 8) != 0)
		return -1;
	*out = gs_le64(b);
	return 0;
}

const char *gs_mem_strdata(struct gs_model *m, uint64_t ptr, uint64_t len, size_t maxlen)
{
	if (len == 0)
		return "";
	if (len > maxlen || ptr == 0)
		return NULL;
	char *s = gs_arena_alloc(m->arena, len + 1);
	if (gs_mem_read(m, ptr, s, len) != 0)
		return NULL;
	s[len] = 0;
	return s;
}

const char *gs_mem_gostring(struct gs_model *m, uint64_t addr, size_t maxlen)
{
	uint8_t h[16];
	if (gs_mem_read(m, addr, h, 16) != 0)
		return NULL;
	return gs_mem_strdata(m, gs_le64(h), gs_le64(h + 8), maxlen);
}

void gs_model_warn(struct gs_model *m, const char *fmt, ...)
{
	if (m->warnings.len >= 1000) {
		m->nwarn_dropped++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	*(const char **)gs_vec_push(&m->warnings) = gs_arena_strdup(m->arena, buf);
}

int gs_mem_field(const struct gs_model *m, uint64_t base, enum gs_rt_id id, uint64_t *out)
{
	const struct gs_rt_item *it = &m->rs.it[id];
	uint8_t b[8] = { 0 };
	if (!it->found || it->size == 0 || it->size > 8 || gs_mem_read(m, base + it->value, b, it->size) != 0)
		return -1;
	switch (it->size) {
	case 1: *out = b[0]; break;
	case 2: *out = gs_le16(b); break;
	case 4: *out = gs_le32(b); break;
	case 8: *out = gs_le64(b); break;
	default: return -1;
	}
	return 0;
}
