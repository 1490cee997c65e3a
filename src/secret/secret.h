/*
 * secret.h - the one owner type for secrets (passphrases: passphrase.h).
 *
 * A struct secret lives in sodium_malloc() memory (guard pages, mlock'd,
 * canary) and is wiped by secret_free(). Passphrases, derived keys, master
 * keys and decrypted private keys are held in nothing else.
 */
#ifndef DKIMKEYS_SECRET_H
#define DKIMKEYS_SECRET_H

#include <stddef.h>

struct secret {
	unsigned char *data; /* sodium_malloc'd, cap bytes */
	size_t len;          /* bytes in use */
	size_t cap;
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
