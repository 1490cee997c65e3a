/*
 * export.h - `export KEY`: a private key decrypted for the operator, each
 * time recorded in the audit trail.
 */
#ifndef DKIMKEYS_EXPORT_H
#define DKIMKEYS_EXPORT_H

#include <stdbool.h>

#include "lifecycle.h"
#include "secret/keygen_io.h"
#include "secret/secret.h"

/* The key arg names (lc_find), or NULL after logging; a destroyed key
 * has nothing to export (64). */
struct ks_key *export_find(struct lc *lc, const char *arg);

/*
 * Decrypts key (lc_load), renders it as fmt into *text (sodium memory,
 * secret_free) and audits the export, to a file or to standard output.
 * Needs the keystore unlocked. Returns 0, or -1 after logging.
 */
int export_key(struct lc *lc, const struct ks_key *key,
    enum keygen_format fmt, bool to_file, struct secret **text);

#endif
