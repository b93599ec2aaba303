/* intern.c - the set of byte strings numbered in first-seen order
 * (intern.h): keys copied end to end into one buffer, an open-addressing
 * index over their FNV-1a hashes.  Layer: utility; no knowledge of Go or
 * of the report, no output, and no abort: every allocation failure is
 * returned as -1 with the set left as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "intern.h"

static uint64_t key_hash(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int gs_intern_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Double the index (at least 256 slots), so it stays at most half full. */
static int rehash(struct gs_intern *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 256;
	size_t *slots = malloc(nslots * sizeof *slots);
	if (!slots)
		return -1;
	memset(slots, 0xff, nslots * sizeof *slots);
	for (size_t i = 0; i < t->n; i++) {
		size_t s = (size_t)t->hash[i] & (nslots - 1);
		while (slots[s] != SIZE_MAX)
			s = (s + 1) & (nslots - 1);
		slots[s] = i;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

int gs_intern_add(struct gs_intern *t, const void *key, size_t len, size_t *index)
{
	if (2 * (t->n + 1) > t->nslots && rehash(t) < 0)
		return -1;
	uint64_t h = key_hash(key, len);
	size_t s = (size_t)h & (t->nslots - 1);
	for (; t->slots[s] != SIZE_MAX; s = (s + 1) & (t->nslots - 1)) {
		size_t i = t->slots[s];
		if (t->hash[i] == h && t->off[i + 1] - t->off[i] == len && memcmp(t->bytes + t->off[i], key, len) == 0) {
			*index = i;
			return 0;
		}
	}
	if (gs_intern_grow((void **)&t->off, &t->capoff, t->n + 2, sizeof *t->off) < 0 ||
	    gs_intern_grow((void **)&t->hash, &t->caphash, t->n + 1, sizeof *t->hash) < 0 ||
	    gs_intern_grow((void **)&t->bytes, &t->capbytes, t->nbytes + len + 1, 1) < 0)
		return -1;
	if (t->n == 0)
		t->off[0] = 0;
	if (len)
		memcpy(t->bytes + t->nbytes, key, len);
	t->nbytes += len;
	t->off[t->n + 1] = t->nbytes;
	t->hash[t->n] = h;
	t->slots[s] = t->n;
	*index = t->n++;
	return 0;
}

const unsigned char *gs_intern_key(const struct gs_intern *t, size_t i, size_t *len)
{
	*len = t->off[i + 1] - t->off[i];
	return t->bytes + t->off[i];
}

void gs_intern_free(struct gs_intern *t)
{
	free(t->bytes);
	free(t->off);
	free(t->hash);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
