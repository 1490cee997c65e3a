/*
 * slab.c - guarded slabs of equal slots for small secrets, and the
 * process-wide pool of them by size class.
 *
 * Layout of one slab: [guard page][slots, page-rounded][guard page]. The
 * slots end exactly at the upper guard page (the unused rest of the
 * rounding sits before the first slot), so the last slot's overrun faults.
 * The free list lives outside the mapping, so no pointer ever sits next
 * to a secret.
 */
#include <sys/mman.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "slab.h"

struct slab {
	unsigned char *map; /* the whole mapping, guards included */
	size_t maplen;
	unsigned char *slots; /* nslots * size bytes, ending at a guard */
	size_t size, nslots;
	uint32_t *free; /* stack of free slot indexes */
	size_t nfree;
	struct slab *next; /* the pool's list */
};

struct slab *
slab_new(size_t size, size_t nslots)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), data, i;
	struct slab *s;

	if (size == 0 || size % 16 != 0 || nslots == 0 ||
	    nslots > UINT32_MAX || size > SIZE_MAX / nslots ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	data = (size * nslots + page - 1) / page * page;
	s->maplen = data + 2 * page;
	s->map = mmap(NULL, s->maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->map == MAP_FAILED ||
	    (s->free = calloc(nslots, sizeof(*s->free))) == NULL)
		goto fail;
	if (mprotect(s->map, page, PROT_NONE) == -1 ||
	    mprotect(s->map + page + data, page, PROT_NONE) == -1)
		goto fail;
	/* as sodium_malloc(): best effort, RLIMIT_MEMLOCK may be small */
	(void)mlock(s->map + page, data);
#ifdef MADV_DONTDUMP
	(void)madvise(s->map + page, data, MADV_DONTDUMP);
#endif
	s->slots = s->map + page + data - size * nslots;
	s->size = size;
	s->nslots = nslots;
	for (i = 0; i < nslots; i++) /* slot 0 handed out first */
		s->free[i] = (uint32_t)(nslots - 1 - i);
	s->nfree = nslots;
	return s;
fail:
	if (s->map != MAP_FAILED && s->map != NULL)
		munmap(s->map, s->maplen);
	free(s->free);
	free(s);
	return NULL;
}

void *
slab_get(struct slab *s)
{
	if (s->nfree == 0)
		return NULL;
	return s->slots + (size_t)s->free[--s->nfree] * s->size;
}

void
slab_put(struct slab *s, void *p)
{
	size_t i = (size_t)((unsigned char *)p - s->slots) / s->size;

	sodium_memzero(p, s->size);
	s->free[s->nfree++] = (uint32_t)i;
}

bool
slab_owns(const struct slab *s, const void *p)
{
	const unsigned char *c = p;

	return c >= s->slots && c < s->slots + s->size * s->nslots &&
	    (size_t)(c - s->slots) % s->size == 0;
}

size_t
slab_used(const struct slab *s)
{
	return s->nslots - s->nfree;
}

unsigned char *
slab_begin(const struct slab *s)
{
	return s->slots;
}

unsigned char *
slab_end(const struct slab *s)
{
	return s->slots + s->size * s->nslots;
}

void
slab_free(struct slab *s)
{
	size_t page;

	if (s == NULL)
		return;
	page = (size_t)sysconf(_SC_PAGESIZE);
	sodium_memzero(s->map + page, s->maplen - 2 * page);
	munlock(s->map + page, s->maplen - 2 * page);
	munmap(s->map, s->maplen);
	free(s->free);
	free(s);
}

/*
 * The pool: size classes 32, 64, ... SLAB_MAX, each a list of slabs of
 * SLAB_BYTES of slots. A slab that empties is unmapped unless it is its
 * class's last, so memory follows the secrets alive, not their peak.
 */
#define SLAB_BYTES (64 * 1024)
#define NCLASS 8 /* 32 << 7 == 4096 */

static struct slab *pool[NCLASS];
static size_t pool_slabs;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

static int
class_of(size_t n)
{
	int c = 0;

	while (((size_t)32 << c) < n)
		c++;
	return c;
}

void *
slab_alloc(size_t n)
{
	struct slab *s;
	void *p = NULL;
	int c;

	if (n == 0 || n > SLAB_MAX)
		return NULL;
	c = class_of(n);
	pthread_mutex_lock(&pool_mu);
	for (s = pool[c]; s != NULL && s->nfree == 0; s = s->next)
		;
	if (s == NULL && (s = slab_new((size_t)32 << c,
	    SLAB_BYTES / ((size_t)32 << c))) != NULL) {
		s->next = pool[c];
		pool[c] = s;
		pool_slabs++;
	}
	if (s != NULL)
		p = slab_get(s);
	pthread_mutex_unlock(&pool_mu);
	return p;
}

void
slab_release(void *p, size_t n)
{
	struct slab **sp, *s;
	int c;

	if (p == NULL)
		return;
	c = class_of(n);
	pthread_mutex_lock(&pool_mu);
	for (sp = &pool[c]; *sp != NULL && !slab_owns(*sp, p);
	    sp = &(*sp)->next)
		;
	if ((s = *sp) == NULL)
		abort(); /* not ours: a double free or a wild pointer */
	slab_put(s, p);
	if (s->nfree == s->nslots && (s != pool[c] || s->next != NULL)) {
		*sp = s->next;
		slab_free(s);
		pool_slabs--;
	}
	pthread_mutex_unlock(&pool_mu);
}

size_t
slab_pool_count(void)
{
	size_t n;

	pthread_mutex_lock(&pool_mu);
	n = pool_slabs;
	pthread_mutex_unlock(&pool_mu);
	return n;
}
