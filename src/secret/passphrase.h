/*
 * passphrase.h - where passphrases come from, each read straight into a
 * struct secret (secret.h). Every failure is logged once, at its source.
 */
#ifndef DKIMKEYS_PASSPHRASE_H
#define DKIMKEYS_PASSPHRASE_H

struct secret;

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
