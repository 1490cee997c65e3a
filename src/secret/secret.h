/*
 * secret.h - the one owner type for secrets, and reading passphrases.
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

/*
 * The passphrase of an existing keystore, from the first source present:
 * $CREDENTIALS_DIRECTORY/dkimkeys-passphrase, file (when not NULL), the
 * environment variable env (when not NULL; unset right after reading), then
 * /dev/tty when standard input and error are terminals. The source used is
 * logged at INFO. Files must be regular, not symlinks, owned by root or the
 * effective user, mode & 077 == 0 (else 77). One trailing LF or CRLF is
 * removed; empty or NUL-containing passphrases are refused (77). No source
 * at all is 77.
 */
int secret_passphrase(const char *file, const char *env, struct secret **out);
/* A new passphrase: from file (same checks) or twice from the terminal. */
int secret_new_passphrase(const char *file, struct secret **out);
/* Reads and checks a passphrase file as above. */
int secret_read_file(const char *path, struct secret **out);

#endif
