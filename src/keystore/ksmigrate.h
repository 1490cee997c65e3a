/*
 * ksmigrate.h - migrate: a keystore copied whole between a folder and
 * etcd (either way, or folder to folder), then checked where it landed.
 */
#ifndef DKIMKEYS_KSMIGRATE_H
#define DKIMKEYS_KSMIGRATE_H

#include "keystore.h"

/*
 * Copies every object of the keystore open in ks (with the lock, so that
 * it does not change meanwhile) to `to`, byte for byte: a folder, created
 * 0700 (its parent must exist; anything there already is 73), or
 * etcd://HOSTS/PREFIX holding no keystore (73), written in one transaction
 * under that prefix's lock.
 */
int ks_copy(struct ks *ks, const char *to);
/*
 * The copy at `to` checked: opened as any keystore is, its audit chain
 * verified, unlocked with pass, and every key not destroyed decrypted
 * (65 naming the first that fails). *keys and *entries say how many.
 */
int ks_check_copy(const char *to, const struct secret *pass,
    unsigned long *keys, unsigned long *entries);

#endif
