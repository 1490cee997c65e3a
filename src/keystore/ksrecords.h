/*
 * ksrecords.h - the records of an open keystore: keys, %n counters,
 * vendors and observations. Changes stay in memory until the next
 * ks_commit (ksjournal.h) stores them.
 */
#ifndef DKIMKEYS_KSRECORDS_H
#define DKIMKEYS_KSRECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstypes.h"

/*
 * All keys ever stored, in creation order (destroyed ones included). The
 * array holds pointers: a struct ks_key stays where it is for the life of
 * the handle, whatever is added later.
 */
struct ks_key *const *ks_keys(struct ks *ks, size_t *n);
/* The key at (domain, selector), or NULL. */
struct ks_key *ks_find(struct ks *ks, const char *domain, const char *selector);
/* Where ks_keys() has the key at (domain, selector), or KS_INDEX_NONE:
 * an index for arrays of per-key facts (cheaper than a table of names). */
#define KS_INDEX_NONE ((size_t)-1)
size_t ks_find_index(const struct ks *ks, const char *domain,
    const char *selector);
/* Whether (domain, selector) was ever used (live key or tombstone). */
bool ks_name_taken(const struct ks *ks, const char *domain,
    const char *selector);
/* The next value of a vendor's %n counter (1, 2, ...); the increment is
 * kept in memory and stored by the next ks_commit. */
unsigned ks_counter_next(struct ks *ks, const char *vendor);
/* The latest now of any run that changed the keystore (0: none yet). */
int64_t ks_last_now(const struct ks *ks);
/* The last non-dry rotate run: its now (0: none recorded) and, in *ok,
 * whether it ended without a failure. */
int64_t ks_last_run(const struct ks *ks, bool *ok);
/* Records it; stored by the next ks_commit. */
void ks_set_last_run(struct ks *ks, int64_t at, bool ok);
/* When the keystore became simulated (SPEC section 3, Time: init or
 * rotate --simulate under DKIMKEYS_NOW), or 0 for a real-clock one. */
int64_t ks_simulated_since(const struct ks *ks);
/* Marks it simulated for good from since (kept when already marked);
 * stored by the next ks_commit. */
void ks_set_simulated(struct ks *ks, int64_t since);

/* Replaces a key's (or vendor's) error text; NULL clears it. */
void ks_set_error(struct ks *ks, struct ks_key *key, const char *text,
    int64_t now);
void ks_set_vendor_error(struct ks *ks, struct ks_vendor *v, const char *text,
    int64_t now);
/* A vendor's stall (SPEC section 2): text is the latest reason it could
 * not move other than time; its since is set to now when it had none.
 * NULL clears both. */
void ks_set_vendor_stall(struct ks *ks, struct ks_vendor *v, const char *text,
    int64_t now);
/* Replaces the compromise reason. */
void ks_set_reason(struct ks *ks, struct ks_key *key, const char *text);

/* The vendor's record; with create, a new empty one when there is none
 * (stored by the next ks_commit). NULL when absent and !create. */
struct ks_vendor *ks_vendor(struct ks *ks, const char *name, bool create);
/* The observation of (vendor, selector), created empty when asked. */
struct ks_observation *ks_observation(struct ks *ks, const char *vendor,
    const char *selector, bool create);
/* All observations, in the order they were first made. */
struct ks_observation *const *ks_observations(struct ks *ks, size_t *n);
/* Replaces an observation's target (NULL: none). */
void ks_set_target(struct ks *ks, struct ks_observation *o,
    const char *target);

#endif
