/*
 * hmap.c - the string-keyed hash table of hmap.h.
 */
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "util.h"

size_t hmap_probes;

static size_t
hash(const char *a, const char *b)
{
	unsigned long long h = 14695981039346656037ULL;

	for (; *a != '\0'; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0xffU) * 1099511628211ULL; /* ("ab", "") != ("a", "b") */
	for (; b != NULL && *b != '\0'; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static int
same(const struct hmap_slot *s, const char *a, const char *b)
{
	if (strcmp(s->a, a) != 0)
		return 0;
	if (s->b == NULL || b == NULL)
		return s->b == b;
	return strcmp(s->b, b) == 0;
}

static struct hmap_slot *
slot(const struct hmap *m, const char *a, const char *b)
{
	size_t i;

	for (i = hash(a, b) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		hmap_probes++;
		if (m->tab[i].a == NULL || same(&m->tab[i], a, b))
			return &m->tab[i];
	}
}

size_t
hmap_get(const struct hmap *m, const char *a, const char *b)
{
	const struct hmap_slot *s;

	if (m->cap == 0)
		return HMAP_NONE;
	s = slot(m, a, b);
	return s->a != NULL ? s->val : HMAP_NONE;
}

void
hmap_put(struct hmap *m, const char *a, const char *b, size_t val)
{
	struct hmap old = *m;
	struct hmap_slot *s;
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		m->cap = m->cap == 0 ? 64 : 2 * m->cap;
		m->tab = xcalloc(m->cap, sizeof(*m->tab));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.tab[i].a != NULL)
				hmap_put(m, old.tab[i].a, old.tab[i].b,
				    old.tab[i].val);
		free(old.tab);
	}
	if ((s = slot(m, a, b))->a == NULL) {
		s->a = a;
		s->b = b;
		m->n++;
	}
	s->val = val;
}

void
hmap_clear(struct hmap *m)
{
	free(m->tab);
	memset(m, 0, sizeof(*m));
}
