/*
 * secret.h - the one owner type for secrets (passphrases: passphrase.h).
 *
 * A struct secret lives in guarded memory and is wiped by secret_free():
 * up to SLAB_MAX bytes a slot of a shared slab (slab.h: guard pages around
 * the slab, mlock'd, out of core dumps), above it its own sodium_malloc()
 * region (guard pages, mlock'd, canary). Passphrases, derived keys, master
 * keys and decrypted private keys are held in nothing else.
 */
#ifndef DKIMKEYS_SECRET_H
#define DKIMKEYS_SECRET_H

#include <stdbool.h>
#include <stddef.h>

struct secret {
	unsigned char *data; /* a slab slot or sodium_malloc'd, cap bytes */
	size_t len;          /* bytes in use */
	size_t cap;
	bool slab;           /* data is a slab slot (slab_alloc) */
};

/* Process set-up: sodium_init(), core dumps off. Returns -1 on failure. */
int secret_setup(void);

/* A zeroed secret of capacity cap and length len (len <= cap); NULL after
 * logging when guarded memory is exhausted (exit 74). */
struct secret *secret_new(size_t cap, size_t len);
/* A copy of buf in guarded memory. */
struct secret *secret_from(const void *buf, size_t len);
/* Wipes and frees; accepts NULL. */
void secret_free(struct secret *s);

#endif
