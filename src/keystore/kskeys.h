/*
 * kskeys.h - the keystore's key files: one private key sealed under the
 * master key (MK) per file, or many in a pack; passwd and rekey re-seal
 * them.
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
 * ks_add in two halves, for keys generated in bulk (rotate). First each
 * key is sealed under MK, either into its own key file by ks_put_private
 * (the file synced, not the folder), or into a pack (below). Neither
 * changes anything in ks, so several threads may do it at once for
 * different new keys. Then, once per group, ks_sync_keys makes the new
 * names durable (an fsync of keys/), and ks_add_stored adds each meta to
 * the state as ks_add does (the same refusals, the key then erased); the
 * next ks_commit stores them. All need KS_LOCK.
 */
int ks_put_private(const struct ks *ks, const struct ks_key *meta,
    const struct secret *priv);
int ks_sync_keys(struct ks *ks);
struct ks_key *ks_add_stored(struct ks *ks, const struct ks_key *meta);

/*
 * A pack: up to KS_PACK_SLOTS_MAX new keys sealed into one file
 * keys/ID-EPOCH.pack (keystore/FORMAT section 4.1), filled by one thread.
 * ks_pack_add seals priv into the next slot and sets meta->pack; -1 when
 * full (70) or the seal failed (65). ks_pack_write writes the file
 * (temp file, fsync, rename; nothing when empty): the keys' ks_add_stored
 * follow it. ks_pack_free forgets the sealed octets.
 */
struct ks_pack;
struct ks_pack *ks_pack_new(const struct ks *ks);
int ks_pack_add(struct ks_pack *p, struct ks_key *meta,
    const struct secret *priv);
size_t ks_pack_count(const struct ks_pack *p);
int ks_pack_write(struct ks_pack *p);
void ks_pack_free(struct ks_pack *p);

/*
 * Decrypts a key's private bytes. A file that fails authentication,
 * belongs to another key (swapped), is truncated or missing is refused
 * with an error naming it (65); other keys are unaffected.
 */
int ks_private(struct ks *ks, const struct ks_key *key, struct secret **out);

/* Erases a key's private file or pack slot (state destroyed is set by
 * the caller). */
int ks_erase_private(struct ks *ks, const struct ks_key *key);

/*
 * passwd: re-seals MK under newpass (one atomic header replacement). With
 * rekey, first writes every live key under a new MK epoch, then replaces the
 * header (the commit point), then removes the old-epoch files. Needs
 * ks_unlock and KS_LOCK. The KDF strength stays as it was.
 */
int ks_passwd(struct ks *ks, const struct secret *newpass, bool rekey);

#endif
