/*
 * event_hooks.h - a key's event handed to its vendor's hooks, one key at
 * a time or a batch of keys at once (SPEC section 6).
 */
#ifndef DKIMKEYS_EVENT_HOOKS_H
#define DKIMKEYS_EVENT_HOOKS_H

#include <stddef.h>

#include "config/config.h"
#include "hooks/hooks.h"
#include "keystore/keystore.h"
#include "secret/keygen.h"

struct lc;

/* "publish", "deploy", ... */
const char *lc_event_name(enum ks_event ev);

/*
 * Runs every hook of v, in order, for the event ev of key k (SPEC section
 * 6): the first that does not succeed stops the others and its status is
 * returned; its reason and its words (its last line of standard error,
 * redacted) are stored as the key's error, which rotate's report and
 * revoke print. The messages logged meanwhile name v. prev is the selector
 * the vendor signed with until now (deploy); kp is the decrypted key, for
 * deploy and reveal only.
 */
enum hook_status lc_hooks(struct lc *lc, const struct vendor *v,
    struct ks_key *k, enum ks_event ev, const char *prev,
    const struct keypair *kp);

/*
 * Runs the batch hooks of v's section once for event ev over keys[0..n)
 * (prev[i]: deploy's previous selector, or prev NULL), a JSON line each
 * (SPEC section 6). ok[i] is 1 when every batch hook reported the key ok,
 * -1 when one reported it failed or did not report it after an exit
 * other than 75, 0 when it was not reported after exit 75 (not yet). A
 * key's error is the REASON of its fail
 * line, or for a key not reported, the hook, its exit and its words.
 * Returns the worst status of the runs.
 */
enum hook_status lc_batch(struct lc *lc, const struct vendor *v,
    enum ks_event ev, struct ks_key **keys, const char *const *prev,
    size_t n, int *ok);

#endif
