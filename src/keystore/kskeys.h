/*
 * kskeys.h - the keystore's key files: one private key sealed under the
 * master key (MK) per file; passwd and rekey re-seal them.
 */
#ifndef DKIMKEYS_KSKEYS_H
#define DKIMKEYS_KSKEYS_H

#include <stdbool.h>

#include "kstypes.h"
#include "secret/secret.h"

/*
 * Adds a key's metadata (strings copied) and seals priv under MK into its
 * key file, durably, before returning the new entry (NULL after logging).
 * The entry is stored in the state by the next ks_commit. Needs
 * ks_unlock; refuses a (domain, selector) already taken (65).
 */
struct ks_key *ks_add(struct ks *ks, const struct ks_key *meta,
    const struct secret *priv);

/*
 * ks_add in two halves, for keys generated in bulk (rotate). First
 * ks_put_private seals priv under MK into meta's key file (neither the
 * file nor the folder synced): it changes nothing in ks, so several threads
 * may call it at once for different new keys; a file already there is
 * 65 (a new key cannot have one: ks_add handles the rest). Then, once
 * per group, ks_sync_keys makes them durable (one syncfs of the keystore's
 * file system and an fsync of keys/), and ks_add_stored adds each
 * meta to the state as ks_add does (the same refusals, the file then
 * removed); the next ks_commit stores them. Both need KS_LOCK.
 */
int ks_put_private(const struct ks *ks, const struct ks_key *meta,
    const struct secret *priv);
int ks_sync_keys(struct ks *ks);
struct ks_key *ks_add_stored(struct ks *ks, const struct ks_key *meta);

/*
 * Decrypts a key's private bytes. A file that fails authentication,
 * belongs to another key (swapped), is truncated or missing is refused
 * with an error naming it (65); other keys are unaffected.
 */
int ks_private(struct ks *ks, const struct ks_key *key, struct secret **out);

/* Erases a key's private file (state destroyed is set by the caller). */
int ks_erase_private(struct ks *ks, const struct ks_key *key);

/*
 * passwd: re-seals MK under newpass (one atomic header replacement). With
 * rekey, first writes every live key under a new MK epoch, then replaces the
 * header (the commit point), then removes the old-epoch files. Needs
 * ks_unlock and KS_LOCK. The KDF strength stays as it was.
 */
int ks_passwd(struct ks *ks, const struct secret *newpass, bool rekey);

#endif
