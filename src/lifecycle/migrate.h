/*
 * migrate.h - `migrate [FROM] TO`: a keystore copied whole between a
 * folder and etcd (either way, or between two of a kind), then checked
 * where it landed.
 */
#ifndef DKIMKEYS_MIGRATE_H
#define DKIMKEYS_MIGRATE_H

#include "lifecycle.h"
#include "secret/secret.h"

struct migrate_result {
	unsigned long keys;    /* keys not destroyed, each decrypted */
	unsigned long entries; /* audit entries, the chain verified */
};

/*
 * Copies the keystore open in lc->ks (with its lock, unlocked with pass:
 * a copy that cannot be checked is not made) to `to`, a new folder or an
 * etcd prefix holding no keystore (73), then opens the copy, verifies its
 * audit chain and decrypts every key not destroyed (65 naming the first
 * that fails). Returns 0, or -1 after logging.
 */
int migrate_copy(struct lc *lc, const char *to, const struct secret *pass,
    struct migrate_result *r);

#endif
