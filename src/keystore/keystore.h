/*
 * keystore.h - the encrypted keystore on disk (SPEC section 7).
 *
 *   DIR/          0700, owned by root or the effective user
 *     header      master key (MK) sealed under Argon2id(passphrase)
 *     state       metadata of every key ever made (destroyed ones are the
 *                 tombstones), %n counters, latest now, the keystore id
 *                 and audit head it is bound to; text, checksummed: a
 *                 checkpoint
 *     state.log   the commits since: groups of changed records, chained
 *     lock        flock(2) target for changing runs
 *     audit.log   hash-chained JSON lines; audit.head holds the head
 *     keys/       one sealed private key per file, FPRHEX-EPOCH.key, or
 *                 the keys generated together in a pack, ID-EPOCH.pack
 *
 * The exact format is keystore/FORMAT; the pure encoders are ksformat.h.
 * This header is the family's public face: it declares what keystore.c
 * defines (open, create, unlock) and brings in the headers of the files
 * beside it: kstypes.h (the records), ksnames.h, ksrecords.h, kskeys.h,
 * ksjournal.h, ksbackup.h.
 * Every file is 0600, opened beneath the folder's descriptor with
 * O_NOFOLLOW; anything looser or a symlink is refused (77), never fixed.
 * Every change is a temp file, fsync, rename, fsync of the folder, but a
 * commit: one append to state.log and one fsync (ksjournal.h).
 *
 * No function here derives a key from the passphrase except ks_unlock()
 * and ks_create()/ks_passwd(); listing and state changes need none.
 * This module knows private keys only as opaque bytes.
 */
#ifndef DKIMKEYS_KEYSTORE_H
#define DKIMKEYS_KEYSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ksbackup.h"
#include "ksjournal.h"
#include "kskeys.h"
#include "ksnames.h"
#include "ksrecords.h"
#include "kstypes.h"
#include "secret/secret.h"
#include "support/dkim.h"
#include "support/util.h"

/* ks_open flags */
#define KS_LOCK 0x1 /* take the exclusive lock (changing commands) */
#define KS_WAIT 0x2 /* with KS_LOCK: wait for it instead of failing 75 */

/*
 * keystore = etcd://HOSTS/PREFIX: the client TLS files (etcd_ca,
 * etcd_cert, etcd_key) and credentials (etcd_user, etcd_password_file)
 * for the ks_open and ks_create that follow; NULLs for none.
 */
void ks_etcd_client(const char *ca, const char *cert, const char *key,
    const char *user, const char *password_file);

/*
 * A keystore in etcd: who holds its lock now and which run committed to
 * it last ("HOST pid N at TIME"), each malloc'd, or NULL (always for a
 * folder).
 */
int ks_cluster_info(struct ks *ks, char **holder, char **last);

/*
 * init: creates DIR (0700; its parent must exist) with a new random master
 * key sealed under pass at that KDF strength. An existing keystore is
 * refused (73), as is anything already at DIR that is not an empty folder
 * of ours. A keystore created with simulated (under DKIMKEYS_NOW) is
 * simulated from the start (ks_simulated_since).
 */
int ks_create(const char *dir, enum ks_kdf kdf, const struct secret *pass,
    int64_t now, bool simulated);

/*
 * Opens DIR: checks the folder and its files (77), reads and verifies the
 * header checksum (65 "keystore header damaged") and KDF parameters (65),
 * reads the state (65 when damaged), and with KS_LOCK takes the lock (75
 * when another run holds it, unless KS_WAIT). No key derivation here.
 * A missing keystore is 74 with a hint to run init.
 */
int ks_open(const char *dir, int flags, struct ks **out);
void ks_close(struct ks *ks);

/* Derives the KEK and unwraps MK: 77 "wrong passphrase". Once per run. */
int ks_unlock(struct ks *ks, const struct secret *pass);
bool ks_unlocked(const struct ks *ks);

#endif
