/* intern.h - a set of byte strings numbered in first-seen order: the
 * index the views build when they count or deduplicate (the status
 * tallies, the pprof view's string, function, location and sample
 * tables).  Layer: utility; it knows nothing of Go or of the report.
 * Unlike the analysis' arena it reports running out of memory (-1), since
 * views return errors rather than abort.
 */
#ifndef GS_INTERN_H
#define GS_INTERN_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialized, it is an empty set. */
struct gs_intern {
	unsigned char *bytes; /* the keys, end to end */
	size_t nbytes, capbytes;
	size_t *off;          /* key i is bytes[off[i], off[i + 1]) */
	uint64_t *hash;       /* of key i */
	size_t n;             /* keys held */
	size_t capoff, caphash;
	size_t *slots;        /* open addressing: key index, SIZE_MAX when empty */
	size_t nslots;
};

/* The number of key[0..len) in t, in *index: an existing key's, or t->n
 * before the call when the key is new (then copied in).  0, or -1 out of
 * memory (t unchanged). */
int gs_intern_add(struct gs_intern *t, const void *key, size_t len, size_t *index);

/* Key i (< t->n) and its length: borrowed, valid until the next
 * gs_intern_add or gs_intern_free. */
const unsigned char *gs_intern_key(const struct gs_intern *t, size_t i, size_t *len);

void gs_intern_free(struct gs_intern *t);

/* Grow the array *p of *cap elements of size elem to hold at least need:
 * capacities double from 64.  0, or -1 out of memory (*p unchanged). */
int gs_intern_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
