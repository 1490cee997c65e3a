/*
 * keystore.h - the encrypted keystore on disk (SPEC section 7).
 *
 *   DIR/          0700, owned by root or the effective user
 *     header      master key (MK) sealed under Argon2id(passphrase)
 *     state       metadata of every key ever made (destroyed ones are the
 *                 tombstones), %n counters, latest now; text, checksummed
 *     lock        flock(2) target for changing runs
 *     audit.log   hash-chained JSON lines; audit.head holds the head
 *     keys/       one sealed private key per file, FPRHEX-EPOCH.key
 *
 * The exact format is keystore/FORMAT; the pure encoders are ksformat.h.
 * Every file is 0600, opened beneath the folder's descriptor with
 * O_NOFOLLOW; anything looser or a symlink is refused (77), never fixed.
 * Every change is a temp file, fsync, rename, fsync of the folder.
 *
 * No function here derives a key from the passphrase except ks_unlock()
 * and ks_create()/ks_passwd(); listing and state changes need none.
 * This module knows private keys only as opaque bytes.
 */
#ifndef DKIMKEYS_KEYSTORE_H
#define DKIMKEYS_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secret/secret.h"
#include "support/dkim.h"
#include "support/util.h"

#define KS_PUB_MAX 600
#define KS_FPR_LEN 32

enum ks_kdf {
	KS_KDF_INTERACTIVE = 0,
	KS_KDF_MODERATE,
	KS_KDF_SENSITIVE,
};

/* Never backwards; values are stored on disk by name. */
enum ks_state {
	KS_PENDING = 0,
	KS_PUBLISHED,
	KS_ACTIVE,
	KS_RETIRED,
	KS_REVOKED,
	KS_WITHDRAWN,
	KS_DESTROYED,
};

/* Hook events, in their order within a run (SPEC section 6). */
enum ks_event {
	KS_EV_PUBLISH = 0,
	KS_EV_DEPLOY,
	KS_EV_RETIRE,
	KS_EV_REVOKE,
	KS_EV_WITHDRAW,
	KS_EV_DESTROY,
	KS_EV_REVEAL,
	KS_EV_COUNT,
};
#define KS_EV_BIT(ev) (1u << (ev))

struct ks_key {
	char *vendor;   /* "mailgun", "customers/example.com" */
	char *domain;   /* lowercase A-labels, no final dot */
	char *selector;
	enum dk_alg alg;
	unsigned bits;
	unsigned char pub[KS_PUB_MAX]; /* the p= bytes */
	size_t publen;
	unsigned char fpr[KS_FPR_LEN];
	enum ks_state state;
	bool compromised;
	/* times (Unix seconds), 0 = not yet */
	int64_t created, published, visible, activated, retired, revoked,
	    withdrawn, destroyed;
	/* progress within the key's next transition: a bit per event whose
	 * hooks have succeeded (KS_EV_BIT); cleared by the caller when the
	 * transition is committed */
	unsigned hooks_done;
	uint32_t max_ttl;  /* largest TTL any server gave for the record */
	uint32_t neg_ttl;  /* negative-caching TTL (RFC 2308) of the answer
			      seen before publishing: resolvers may cache
			      "no such name" that long */
	char *error;       /* last failure, one line, or NULL (ks_set_error) */
	int64_t error_at;
	char *reason;      /* why it was revoked as compromised, or NULL */
};

/* What the keystore remembers of a vendor between runs. */
struct ks_vendor {
	char *name;
	bool hold;          /* `hold`: no automatic transition */
	bool decommission;  /* `decommission`: retire everything */
	char *error;        /* last failure of the vendor, or NULL */
	int64_t error_at;
};

/* A delegated vendor's key as last observed behind its CNAME. */
struct ks_observation {
	char *vendor;
	char *selector;
	char *target;       /* end of the CNAME chain, or NULL */
	enum dk_alg alg;
	unsigned bits;
	unsigned char fpr[KS_FPR_LEN];
	bool revoked;       /* served with an empty p= */
	int64_t first_seen, last_seen; /* of this fingerprint */
};

/* ks_open flags */
#define KS_LOCK 0x1 /* take the exclusive lock (changing commands) */
#define KS_WAIT 0x2 /* with KS_LOCK: wait for it instead of failing 75 */

/* "interactive", "moderate", "sensitive"; -1 for anything else. */
int ks_kdf_parse(const char *s, enum ks_kdf *out);
const char *ks_state_name(enum ks_state st);
/* Parses a state name; -1 for anything else. */
int ks_state_parse(const char *s, enum ks_state *out);

struct ks;

/*
 * init: creates DIR (0700; its parent must exist) with a new random master
 * key sealed under pass at that KDF strength. An existing keystore is
 * refused (73), as is anything already at DIR that is not an empty folder
 * of ours.
 */
int ks_create(const char *dir, enum ks_kdf kdf, const struct secret *pass,
    int64_t now);

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

/*
 * All keys ever stored, in creation order (destroyed ones included). The
 * array holds pointers: a struct ks_key stays where it is for the life of
 * the handle, whatever is added later.
 */
struct ks_key *const *ks_keys(struct ks *ks, size_t *n);
/* The key at (domain, selector), or NULL. */
struct ks_key *ks_find(struct ks *ks, const char *domain, const char *selector);
/* Whether (domain, selector) was ever used (live key or tombstone). */
bool ks_name_taken(const struct ks *ks, const char *domain,
    const char *selector);
/* The next value of a vendor's %n counter (1, 2, ...); the increment is
 * kept in memory and stored by the next ks_commit. */
unsigned ks_counter_next(struct ks *ks, const char *vendor);
/* The latest now of any run that changed the keystore (0: none yet). */
int64_t ks_last_now(const struct ks *ks);

/*
 * Adds a key's metadata (strings copied) and seals priv under MK into its
 * key file, durably, before returning the new entry (NULL after logging).
 * The entry is stored in the state by the next ks_commit. Needs
 * ks_unlock; refuses a (domain, selector) already taken (65).
 */
struct ks_key *ks_add(struct ks *ks, const struct ks_key *meta,
    const struct secret *priv);

/*
 * Decrypts a key's private bytes. A file that fails authentication,
 * belongs to another key (swapped), is truncated or missing is refused
 * with an error naming it (65); other keys are unaffected.
 */
int ks_private(struct ks *ks, const struct ks_key *key, struct secret **out);

/* Erases a key's private file (state destroyed is set by the caller). */
int ks_erase_private(struct ks *ks, const struct ks_key *key);

/* Replaces a key's (or vendor's) error text; NULL clears it. */
void ks_set_error(struct ks *ks, struct ks_key *key, const char *text,
    int64_t now);
void ks_set_vendor_error(struct ks *ks, struct ks_vendor *v, const char *text,
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

/*
 * The stable id of a key's transition into event ev: the same for every
 * retry, different for every (key, event); 32 lowercase hex digits.
 */
void ks_event_id(const struct ks *ks, const struct ks_key *key,
    enum ks_event ev, char out[33]);

/*
 * Queues the audit entry of a transition; ks_commit makes it durable in
 * the same atomic state replacement as the state change it describes (the
 * commit point), then appends it to audit.log exactly once, even across a
 * crash between the two (the next ks_open with KS_LOCK completes it).
 * Fields as ks_audit, plus "event_id" when key is not NULL and ev is an
 * event (pass KS_EV_COUNT for entries that are not hook events, such as
 * "generate", "visible", "compromised", "vendor-rotation").
 */
void ks_journal(struct ks *ks, int64_t now, bool simulated, const char *event,
    const struct ks_key *key, enum ks_event ev, const char *extra_json);

/*
 * Atomically and durably replaces the state, with the journal queued since
 * the last commit; records now as the latest; then appends the journal to
 * the audit log. When that append fails after the rename, the change is
 * committed all the same but -1 is returned; the entries stay queued and
 * the next commit or locked open appends them.
 */
int ks_commit(struct ks *ks, int64_t now);

/*
 * backup: a consistent snapshot, taken under the lock, of every file as
 * stored (no passphrase needed), written as a POSIX ustar archive to path,
 * created 0600 with O_EXCL (73 if it exists), durable when it returns.
 */
int ks_backup(struct ks *ks, const char *path);

/*
 * Appends one audit entry: {"seq", "time", "event", "key", "vendor",
 * "fingerprint", extra fields..., "simulated", "prev"} with prev the SHA-256
 * of the previous line. extra_json is "" or more members starting with ","
 * (already JSON-escaped). Durable when it returns.
 */
int ks_audit(struct ks *ks, int64_t now, bool simulated, const char *event,
    const struct ks_key *key, const char *extra_json);
/* Verifies the chain and that it ends at the recorded head (65 if not). */
int ks_audit_verify(struct ks *ks, unsigned long *entries);
/* The audit log's path, for `log` to print. */
const char *ks_audit_path(const struct ks *ks);

/*
 * passwd: re-seals MK under newpass (one atomic header replacement). With
 * rekey, first writes every live key under a new MK epoch, then replaces the
 * header (the commit point), then removes the old-epoch files. Needs
 * ks_unlock and KS_LOCK. The KDF strength stays as it was.
 */
int ks_passwd(struct ks *ks, const struct secret *newpass, bool rekey);

#endif
