/*
 * hmap.h - a small hash table from a string (or two) to a size_t: the
 * lookups by name that would otherwise scan (vendors by name, keys by
 * vendor). Open addressing, linear probing, FNV-1a; the table doubles at
 * half full. Keys are not copied: they must outlive the map.
 */
#ifndef DKIMKEYS_HMAP_H
#define DKIMKEYS_HMAP_H

#include <stddef.h>

#define HMAP_NONE ((size_t)-1)

struct hmap_slot {
	const char *a, *b; /* b may be NULL */
	size_t val;
};

struct hmap {
	struct hmap_slot *tab;
	size_t cap, n;
};

/* The value of (a, b), or HMAP_NONE. An empty map (all zero) is valid. */
size_t hmap_get(const struct hmap *m, const char *a, const char *b);
/* Sets (a, b) to val, replacing an earlier value. */
void hmap_put(struct hmap *m, const char *a, const char *b, size_t val);
/* Frees the table; the map is empty again. */
void hmap_clear(struct hmap *m);

/* Slots probed by hmap_get and hmap_put since the start: a test counts
 * work with it (a lookup costs about 1, a scan n). */
extern size_t hmap_probes;

#endif
