/*
 * revoke.h - `revoke KEY`: a compromised key taken out of service now.
 *
 * Two steps, so that the CLI can say what the first did before the hooks
 * of the second run: the key is marked compromised (and retired when it
 * was signing), then the vendor's revoke hooks hand the revocation to DNS.
 * Both print nothing and commit before they return.
 */
#ifndef DKIMKEYS_REVOKE_H
#define DKIMKEYS_REVOKE_H

#include <stdbool.h>

#include "lifecycle.h"

struct revoke_result {
	struct ks_key *key;
	const struct vendor *v; /* NULL: an orphan, no hook runs for it */
	enum hook_status hooks; /* of the revoke hooks (revoke_hand_over) */
	bool handed;            /* the revocation is committed */
};

/*
 * Resolves arg (lc_find), refuses (64) a key already revoked or
 * compromised and, with hook_user, a keystore others could read (77);
 * marks it compromised for reason, retires it when it was signing, and
 * commits. Returns 0 with r->key and r->v set, or -1 after logging.
 */
int revoke_mark(struct lc *lc, const char *arg, const char *reason,
    struct revoke_result *r);

/*
 * Runs the revoke hooks of r->v for r->key. When they succeed the
 * revocation is journaled and committed (r->handed when the commit
 * succeeds); when they do not, the key's error is committed for rotate
 * to retry them. r->hooks tells which.
 */
void revoke_hand_over(struct lc *lc, struct revoke_result *r);

#endif
