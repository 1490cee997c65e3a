/*
 * kslease.h - the one-rotator lock of a keystore in etcd: an etcd lease
 * and the key PREFIX "lock" attached to it, created in one transaction
 * only where no lock key exists. A thread renews the lease every third
 * of its time to live while the lock is held; a process stopped or cut
 * off longer than that loses the lease, and etcd deletes the key.
 *
 * Fencing: every commit is a transaction whose compare is the lock key's
 * create revision as it was when this run took it. Once the lease lapsed
 * the key is gone or belongs to another run (a new create revision), so
 * the commit applies nothing, whatever the paused process believes.
 */
#ifndef DKIMKEYS_KSLEASE_H
#define DKIMKEYS_KSLEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksetcd.h"

#define KSLEASE_TTL 15 /* seconds */
#define KSLEASE_WATCH_MS 5000 /* --wait: the longest watch between tries */

struct kslease;

/*
 * Takes the lock of the keystore at prefix through client c (which the
 * lock keeps using; the caller frees it after kslease_release), holder a
 * line naming this run ("HOST pid N"). Busy: without wait -1 and 75 at
 * once ("locked by HOLDER"); with wait, tries again once the lock key is
 * deleted, watched (at most KSLEASE_WATCH_MS between tries; every half
 * second when a watch fails).
 * ttl 0 is KSLEASE_TTL.
 */
int kslease_take(struct ksetcd *c, const char *endpoints,
    const struct ksetcd_opts *opts, const char *prefix, const char *holder,
    int64_t ttl, bool wait, struct kslease **out);
/* The lock key's create revision (the fencing token). */
int64_t kslease_token(const struct kslease *l);
/*
 * Applies ops in one transaction if and only if this run still holds the
 * lock; -1 with 75 ("the lock was lost ... nothing committed") when it
 * does not, other failures as ksetcd_txn. *rev (may be NULL) is the
 * store's revision after it.
 */
int kslease_commit(struct kslease *l, const struct ksetcd_op *ops,
    size_t nops, int64_t *rev);
/* Stops renewing and revokes the lease (deleting the lock key); NULL is
 * nothing. Returns -1 (logged) when etcd could not be told; the lease then
 * lapses by itself. */
int kslease_release(struct kslease *l);
/* Who holds the lock at prefix: 1 (its line in *holder, malloc'd), 0 none,
 * -1 failed. */
int kslease_holder(struct ksetcd *c, const char *prefix, char **holder);

#endif
