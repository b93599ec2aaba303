/* util.c - error filling, arena, vectors.  See util.h. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int gs_fail(struct gs_error *err, enum gs_errcode code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct gs_chunk {
	struct gs_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

struct gs_arena {
	struct gs_chunk *head;
};

struct gs_arena *gs_arena_new(void)
{
	struct gs_arena *a = calloc(1, sizeof *a);
	if (!a)
		abort();
	return a;
}

void gs_arena_free(struct gs_arena *a)
{
	if (!a)
		return;
	for (struct gs_chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

void *gs_arena_alloc(struct gs_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct gs_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > (1u << 20) ? n : (1u << 20);
		c = malloc(sizeof *c + cap);
		if (!c)
			abort();
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *gs_arena_strndup(struct gs_arena *a, const char *s, size_t n)
{
	char *p = gs_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *gs_arena_strdup(struct gs_arena *a, const char *s)
{
	return gs_arena_strndup(a, s, strlen(s));
}

char *gs_arena_printf(struct gs_arena *a, const char *fmt, ...)
{
	/* Formatted once into a stack buffer, again only when longer: a
	 * leak reason per leaked object made this a tenth of the leak
	 * phase, half of it measuring. */
	char buf[256];
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char *p = gs_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
	if (n < 0)
		*p = 0;
	else if ((size_t)n < sizeof buf)
		memcpy(p, buf, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void gs_vec_init(struct gs_vec *v, size_t elem)
{
	v->data = NULL;
	v->len = v->cap = 0;
	v->elem = elem;
}

void *gs_vec_push(struct gs_vec *v)
{
	if (v->len == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 2; /* most vectors (a goroutine's waits, an object's waiters) hold one or two */
		void *d = realloc(v->data, cap * v->elem);
		if (!d)
			abort();
		v->data = d;
		v->cap = cap;
	}
	void *slot = (char *)v->data + v->len++ * v->elem;
	memset(slot, 0, v->elem);
	return slot;
}

void gs_vec_free(struct gs_vec *v)
{
	free(v->data);
	v->data = NULL;
	v->len = v->cap = 0;
}

static size_t map_hash(uint64_t k)
{
	k ^= k >> 31;
	k *= 0x7fb5d329728ea185ULL;
	k ^= k >> 27;
	return (size_t)k;
}

int gs_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void gs_map_init(struct gs_map *m)
{
	memset(m, 0, sizeof *m);
}

void gs_map_free(struct gs_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

static void map_resize(struct gs_map *m, size_t cap)
{
	struct gs_map_slot *s = calloc(cap, sizeof *s);
	if (!s)
		abort();
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		size_t j = map_hash(m->slots[i].key) & (cap - 1);
		while (s[j].key)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
}

void gs_map_reserve(struct gs_map *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 64;
	while (cap < 2 * n && cap < ((size_t)1 << 40))
		cap *= 2;
	if (cap > m->cap)
		map_resize(m, cap);
}

void gs_map_put(struct gs_map *m, uint64_t key, uint64_t val)
{
	if (key == 0)
		return; /* not a key (gs_map_get) */
	if ((m->len + 1) * 2 > m->cap)
		map_resize(m, m->cap ? m->cap * 2 : 64);
	size_t j = map_hash(key) & (m->cap - 1);
	while (m->slots[j].key && m->slots[j].key != key)
		j = (j + 1) & (m->cap - 1);
	if (!m->slots[j].key)
		m->len++;
	m->slots[j].key = key;
	m->slots[j].val = val;
}

int gs_map_get(const struct gs_map *m, uint64_t key, uint64_t *val)
{
	/* 0 marks an empty slot, so it is never a key: looked up, it would
	 * match the first empty slot (chan.c's waiter with a nil g did,
	 * and indexed goroutine -1: fuzz_walk) */
	if (!m->cap || key == 0)
		return 0;
	size_t j = map_hash(key) & (m->cap - 1);
	for (;;) {
		const struct gs_map_slot *s = &m->slots[j];
		if (s->key == key) {
			*val = s->val;
			return 1;
		}
		if (!s->key)
			return 0;
		j = (j + 1) & (m->cap - 1);
	}
}
