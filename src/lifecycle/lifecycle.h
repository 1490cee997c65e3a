/*
 * lifecycle.h - what happens to keys, and when.
 *
 * The one place that decides and sequences key operations: it ties the
 * configuration, key pairs and the keystore together. It prints nothing
 * (the CLI prints what it returns) and takes "now" as a parameter, so every
 * rule here can be tested with any clock.
 */
#ifndef DKIMKEYS_LIFECYCLE_H
#define DKIMKEYS_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "config/config.h"
#include "hooks/hooks.h"
#include "keystore/keystore.h"
#include "secret/keygen.h"
#include "support/dkim.h"

/* One run: configuration, keystore, the run's now. */
struct lc {
	const struct config *cfg;
	struct ks *ks;
	int64_t now;
	bool simulated;
	bool defer_commit; /* lc_add_successor leaves the commit to the
			      caller (a batch of generated keys) */
	bool accept_jump;  /* --accept-time-jump: the clock guard waived */
	struct lc_index *ix; /* the keys by vendor (lc_keys_of); freed by
				lc_release */
};

/*
 * The clock guard of SPEC section 3 that every changing command applies:
 * -1 after logging (1) when now is before the keystore's
 * recorded now, or past it by more than max_clock_jump, unless
 * accept_jump; else 0.
 */
int lc_clock_ok(struct lc *lc);

/*
 * Commits the keystore after lc_clock_ok, recording the later of now and
 * the recorded now: the recorded now only moves forward. 0 or -1.
 */
int lc_commit(struct lc *lc);

/*
 * SPEC section 3, Time: whether this run may change the keystore. A run
 * whose now is the clock's, or a keystore already simulated, may (0). A
 * simulated now on a keystore with real-clock history is refused (64,
 * one line naming rotate --simulate) unless mark, which marks it
 * simulated for good with a "simulate" audit entry that the caller's
 * next ks_commit stores.
 */
int lc_simulation_ok(struct lc *lc, bool mark);

/*
 * The keystore's keys whose vendor is that name, in keystore order: what a
 * scan of ks_keys() filtered by vendor gives, from an index by hash kept in
 * lc (extended as keys are added, rebuilt when the keystore's array moved).
 * The array is valid until the next key is added.
 */
struct ks_key *const *lc_keys_of(struct lc *lc, const char *vendor,
    size_t *n);
/* Frees lc's index; lc is usable again. */
void lc_release(struct lc *lc);
/* Times the index was built from the whole keystore (for tests: a run
 * builds it once, or once per growth of the keystore's array). */
extern size_t lc_index_builds;

/*
 * Expands a vendor's selector template for a key of alg created at t
 * (SPEC section 4), appending -2, -3, ... while the result is taken in the
 * keystore. Returns a malloc'd selector, or NULL after logging (78 when the
 * expansion is not a valid selector).
 */
char *lc_selector(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    int64_t t);

/* The vendor's key of alg in state st that is not compromised, or NULL. */
struct ks_key *lc_key_in(struct lc *lc, const struct vendor *v,
    enum dk_alg alg, enum ks_state st);
/* The successor of (vendor, alg): its pending or published key, or NULL. */
struct ks_key *lc_successor(struct lc *lc, const struct vendor *v,
    enum dk_alg alg);

/* 0 when (v, alg) has no successor yet, else -1 after logging (64). */
int lc_no_successor(struct lc *lc, const struct vendor *v, enum dk_alg alg);

/*
 * Resolves a KEY argument: "SELECTOR._domainkey.DOMAIN" (final dot
 * optional) or a bare selector that exactly one key has. NULL after logging
 * (64, listing the matches when ambiguous).
 */
struct ks_key *lc_find(struct lc *lc, const char *arg);

/*
 * Resolves the algorithm for a command on vendor v: want (DK_ALG_NONE for
 * "not given") must be one of the vendor's; with none given the vendor must
 * have exactly one. Returns the spec, or NULL after logging (64).
 */
const struct alg_spec *lc_alg(const struct vendor *v, enum dk_alg want);

/*
 * An explicit --selector for vendor v: a valid selector whose record name
 * SELECTOR._domainkey.DOMAIN fits in 253 octets, never used before on the
 * domain. Returns -1 after logging (64).
 */
int lc_check_selector(struct lc *lc, const struct vendor *v, const char *sel);

/*
 * import: kp's algorithm is one of v's, and an rsa key is not smaller
 * than the vendor's size unless force. Returns -1 after logging (64 for
 * the algorithm, 65 for the size).
 */
int lc_import_fits(const struct vendor *v, const struct keypair *kp,
    bool force);

/*
 * Stores kp as the pending successor of (v, kp->alg) under selector (NULL:
 * expand the template), audits it as event ("keygen" or "import") and
 * commits. Refused (64) when a successor exists or the selector is invalid
 * or taken. Needs the keystore unlocked. Returns the key or NULL.
 */
struct ks_key *lc_add_successor(struct lc *lc, const struct vendor *v,
    struct keypair *kp, const char *selector, const char *event);

/*
 * lc_add_successor in parts, for keys generated in bulk (rotate): the
 * selector of a new successor of (v, alg), NULL after logging when it has
 * one or the template fails (malloc'd); the metadata of kp as that
 * successor (pointing into v, selector and kp's pub); once
 * ks_put_private wrote its key file, the key added to the state and its
 * event journalled, without a commit (keys/ synced and ks_commit are
 * the caller's, once a group).
 */
char *lc_new_selector(struct lc *lc, const struct vendor *v, enum dk_alg alg);
void lc_successor_meta(const struct lc *lc, const struct vendor *v,
    const struct keypair *kp, char *selector, struct ks_key *meta);
struct ks_key *lc_store_successor(struct lc *lc, const struct ks_key *meta,
    const char *event);

/*
 * import --state active: refuses (64) when (v, kp->alg) has an active key
 * or the selector is invalid or taken, and, with dns, unless every server
 * of the vendor's resolver serves kp's p= (65; 69 when none answers).
 */
int lc_check_active(struct lc *lc, const struct vendor *v,
    const struct keypair *kp, const char *selector, bool dns);
/* Stores kp as the active key of (v, kp->alg), signing since then. */
struct ks_key *lc_add_active(struct lc *lc, const struct vendor *v,
    struct keypair *kp, const char *selector, int64_t since);

/*
 * Decrypts a key and derives its public half again; refuses (65) a file
 * whose key does not match the stored fingerprint.
 */
int lc_load(struct lc *lc, const struct ks_key *key, struct keypair *kp);

/*
 * Whether the record of key belongs in DNS now (SPEC: keys whose publish is
 * due, and published, active, retired and revoked keys); *revoked tells
 * whether the revocation value is to be served.
 */
bool lc_served(const struct lc *lc, const struct ks_key *key, bool *revoked);

/* The vendor a key belongs to, or NULL for an orphan (a vendor, domain or
 * algorithm no longer configured). */
const struct vendor *lc_vendor(const struct lc *lc, const struct ks_key *key);

/* Whether the vendor name vendor is meant by arg: the same name, or the
 * section arg of a domains_file vendor ("customers" for
 * "customers/example.com"). */
bool lc_vendor_named(const char *arg, const char *vendor);

/* What became of an orphan key's vendor, in words ("section [vendor:X]
 * was removed", "example.com was removed from FILE", "algorithm ed25519
 * was dropped"), into buf. */
const char *lc_orphan_why(const struct lc *lc, const struct ks_key *key,
    char *buf, size_t len);

/* The command that retires an orphan key's keys ("dkimkeys decommission
 * NAME", with "--alg ALG" when only its algorithm was dropped), into buf. */
const char *lc_orphan_command(const struct lc *lc, const struct ks_key *key,
    char *buf, size_t len);

/* What is next for an orphan key, in words, into buf: the command that
 * retires it, or, decommissioned, whether rotate takes it to destroyed
 * (lc_heir_template) or its record is the operator's to remove. */
const char *lc_orphan_next(const struct lc *lc, const struct ks_key *key,
    char *buf, size_t len);

/* Whether key's vendor record marks it leaving: decommission of the
 * vendor, or of key's algorithm alone. */
bool lc_leaving(const struct lc *lc, const struct ks_key *key);

/*
 * The configured vendor whose settings and hooks can still take an
 * orphan key to destroyed, or NULL: for a domain removed from a
 * domains_file, a vendor of the same section; for a dropped algorithm,
 * the vendor itself. A removed section leaves none.
 */
const struct vendor *lc_heir_template(const struct lc *lc,
    const struct ks_key *key);

/*
 * The heirs: one vendor per (name, domain) of the orphan keys that are
 * decommissioned (lc_leaving) and have a template, a copy of the template
 * under the orphans' name and domain with their algorithms only, so that
 * rotate takes them through retire, revoke, withdraw and destroy with the
 * template's hooks and timers. Names point into the keystore. Returns the
 * number; *out is malloc'd (NULL when none).
 */
size_t lc_heirs(const struct lc *lc, struct vendor **out);

/* The vendor whose ttl, testing and resolver apply to key's record: its
 * own, or an orphan's heir template (lc_heir_template), or NULL. */
const struct vendor *lc_record_vendor(const struct lc *lc,
    const struct ks_key *key);

/* The number of keys not yet destroyed that are orphans of a vendor named
 * by arg (lc_vendor_named). */
size_t lc_orphans_of(const struct lc *lc, const char *arg);

#endif
