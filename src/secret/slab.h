/*
 * slab.h - guarded memory for many small secrets at once.
 *
 * A slab is one mapping of nslots equal slots between two PROT_NONE guard
 * pages, mlock'd and kept out of core dumps, as sodium_malloc() does for
 * one secret; a slot is wiped when it is given back. One mapping serves
 * thousands of Ed25519 seeds, where sodium_malloc() costs an mmap, two
 * mprotect and an mlock per secret, serialized on the kernel's mm lock.
 * An overrun faults at the slab's end, not at each slot's.
 *
 * slab_alloc() and slab_release() are the process-wide pool over size
 * classes (thread-safe) that secret_new() uses.
 */
#ifndef DKIMKEYS_SLAB_H
#define DKIMKEYS_SLAB_H

#include <stdbool.h>
#include <stddef.h>

struct slab;

/* Slots above this size are not pooled (slab_alloc returns NULL). */
#define SLAB_MAX 4096

/* A slab of nslots zeroed slots of size bytes (size a multiple of 16);
 * NULL when the mapping fails. Not locked: one owner, or the pool. */
struct slab *slab_new(size_t size, size_t nslots);
/* A zeroed slot, NULL when every slot is taken. */
void *slab_get(struct slab *s);
/* Wipes p and frees its slot. */
void slab_put(struct slab *s, void *p);
/* Whether p is one of s's slots; the slots in use. */
bool slab_owns(const struct slab *s, const void *p);
size_t slab_used(const struct slab *s);
/* The first and one-past-the-last byte of the slots (the guard pages sit
 * just before the one and at the other). */
unsigned char *slab_begin(const struct slab *s);
unsigned char *slab_end(const struct slab *s);
/* Unmaps s (its slots wiped first); accepts NULL. */
void slab_free(struct slab *s);

/* A zeroed slot of at least n bytes (1 <= n <= SLAB_MAX) from the pool;
 * NULL when no slab can be mapped. */
void *slab_alloc(size_t n);
/* Gives back a slot that slab_alloc(n) returned: wiped, then reused. */
void slab_release(void *p, size_t n);
/* Slabs mapped by the pool now (for tests). */
size_t slab_pool_count(void);

#endif
