/* util.h - small helpers shared by every layer: error filling, the arena
 * that owns an analysis' results, and bounded little-endian reads of
 * in-memory bytes.  Nothing here knows ELF or Go. */
#ifndef GS_UTIL_H
#define GS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "gostuck.h"

/* Fill err (may be NULL) and return -1. */
int gs_fail(struct gs_error *err, enum gs_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An arena: many small allocations freed at once.  Never returns NULL
 * (aborts on out of memory, which is a bug in the bounds, not input). */
struct gs_arena;
struct gs_arena *gs_arena_new(void);
void gs_arena_free(struct gs_arena *a);
void *gs_arena_alloc(struct gs_arena *a, size_t n); /* zeroed, 16-aligned */
char *gs_arena_strdup(struct gs_arena *a, const char *s);
char *gs_arena_strndup(struct gs_arena *a, const char *s, size_t n);
char *gs_arena_printf(struct gs_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable array of pointers/structs kept in malloc memory. */
struct gs_vec {
	void *data;
	size_t len, cap, elem;
};
void gs_vec_init(struct gs_vec *v, size_t elem);
void *gs_vec_push(struct gs_vec *v); /* zeroed slot */
void gs_vec_free(struct gs_vec *v);

/* Cycle detection for a linked list read from target memory (Brent's
 * algorithm: no allocation, one compare per node).  Feed every node
 * address in list order to gs_cycle_step; it returns true at a node seen
 * before, within about twice the list's length.  A bound on the walk is
 * still needed (a list can be long without a cycle); this tells the two
 * apart, so that a cycle (damage) is reported as such. */
struct gs_cycle {
	uint64_t mark;
	size_t power, steps;
};
static inline void gs_cycle_init(struct gs_cycle *c)
{
	c->mark = 0;
	c->power = 1;
	c->steps = 0;
}
static inline bool gs_cycle_step(struct gs_cycle *c, uint64_t node)
{
	if (node != 0 && node == c->mark)
		return true;
	if (++c->steps == c->power) {
		c->mark = node;
		c->power *= 2;
		c->steps = 0;
	}
	return false;
}

static inline uint16_t gs_le16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t gs_le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t gs_le64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }



/* A map from non-zero 64-bit keys to 64-bit values (open addressing). */
struct gs_map_slot {
	uint64_t key, val; /* key 0: empty */
};
struct gs_map {
	struct gs_map_slot *slots; /* a key and its value share a cache line */
	size_t cap, len;
};
void gs_map_init(struct gs_map *m);
void gs_map_free(struct gs_map *m);
/* Insert or overwrite; a key of 0 is ignored (0 marks an empty slot). */
void gs_map_put(struct gs_map *m, uint64_t key, uint64_t val);
/* 1 and *val when present, else 0 (always for key 0). */
int gs_map_get(const struct gs_map *m, uint64_t key, uint64_t *val);
/* Room for n keys without growing (a map filled with a known number of
 * keys is sized once: no rehash and no second zeroed table). */
void gs_map_reserve(struct gs_map *m, size_t n);

/* qsort/bsearch order of uint64_t elements, ascending. */
int gs_u64_cmp(const void *a, const void *b);
#endif
