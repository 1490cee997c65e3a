/*
 * ksstate.h - the keystore's state file: in-memory model and text codec.
 *
 * Pure: no I/O, no logging. The grammar is in keystore/FORMAT: a version
 * line, the latest now, one line per %n counter, per vendor, per key ever
 * stored (destroyed ones are the tombstones) and per delegated key
 * observed, then the journal (audit entries committed with the state but
 * maybe not yet appended to audit.log), and a final line holding the
 * BLAKE2b-256 of every byte before it, so that an edit or a truncation is
 * seen before anything is believed.
 *
 * ksstate.c holds the model (ownership, indexes, limits, validity) and
 * ksstate_text.c the codec. Keys, vendors and observations are allocated
 * one by one: a pointer to one stays valid until ksstate_free().
 */
#ifndef DKIMKEYS_KSSTATE_H
#define DKIMKEYS_KSSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstypes.h"
#include "support/util.h"

#define KSSTATE_VERSION 3     /* the version written */
#define KSSTATE_VERSION_MIN 1 /* the oldest version read (then upgraded) */
#define KSSTATE_NONE ((size_t)-1)
#define KSSTATE_NINDEX 4

/* Octets kept of the free texts (longer ones are cut). */
#define KSSTATE_TEXT_MAX 200    /* error and reason texts */
#define KSSTATE_TARGET_MAX 255  /* an observation's CNAME target */
#define KSSTATE_EVENT_MAX 64    /* a journal entry's event name */
#define KSSTATE_EXTRA_MAX 8192  /* a journal entry's extra JSON members */
#define KSSTATE_ID_HEX 32       /* entry ids and event ids, hex digits */
#define KSSTATE_KSID_LEN 16     /* the keystore id of the header */
#define KSSTATE_SUM_HEX 64      /* BLAKE2b-256 and SHA-256, hex digits */

struct ksstate_counter {
	char *vendor;
	unsigned value;
};

/*
 * An audit entry queued by ks_journal: stored in the state with the change
 * it describes, appended to audit.log once that state is durable.
 */
struct ksstate_entry {
	char *id;       /* KSSTATE_ID_HEX lowercase hex digits, unique */
	int64_t time;
	bool simulated;
	char *event;
	char *event_id; /* KSSTATE_ID_HEX hex digits, or NULL */
	char *vendor;   /* vendor, domain, selector and fpr: the key's, */
	char *domain;   /* or all NULL for entries about the keystore */
	char *selector;
	char *fpr;      /* 64 lowercase hex digits */
	char *extra;    /* NULL, or JSON members each starting with "," */
};

struct ksstate_shadow; /* ksstate.c's own */

/* Open addressing over one kind of record: slot = index + 1, 0 = empty. */
struct ksstate_index {
	size_t *slots;
	size_t nslots;
};

struct ksstate {
	unsigned version; /* of the file decoded; encoding writes the newest */
	int64_t now;      /* latest now of a changing run, 0 = none */
	int64_t simulated_since; /* when it became simulated (init or
				    rotate --simulate under DKIMKEYS_NOW),
				    0 = real clock */
	int64_t run_at;   /* the last non-dry rotate run's now, 0 = none */
	bool run_ok;      /* whether it ended without a failure */
	struct ksstate_counter *counters;
	size_t ncounters, capcounters;
	struct ks_vendor **vendors; /* in the order first made */
	size_t nvendors, capvendors;
	struct ks_key **keys;       /* in creation order */
	size_t nkeys, capkeys;
	struct ks_observation **obs; /* in the order first made */
	size_t nobs, capobs;
	struct ksstate_entry *journal;
	size_t njournal, capjournal;
	/* audit.log's size when the journal was first stored: its entries
	 * are appended at or after this offset (set with the first entry) */
	bool has_base;
	uint64_t journal_base;
	struct ksstate_index ix[KSSTATE_NINDEX]; /* kept by ksstate.c */
	/* version 3: the binding (SPEC section 7) */
	bool has_ksid;    /* false: read from a version 1 or 2 file */
	unsigned char ksid[KSSTATE_KSID_LEN]; /* the header's keystore id */
	unsigned long audit_seq; /* the audit head committed with it */
	char audit_hash[KSSTATE_SUM_HEX + 1];
	/* the chain value of the state.log a checkpoint absorbed (zeros:
	 * none); after ksstate_log_decode, that of the log read */
	char logsum[KSSTATE_SUM_HEX + 1];
	/* the records as last stored (ksstate.c): what a group must carry */
	struct ksstate_shadow *shadow;
};

/* Vendor names as stored: NAME, or NAME/DOMAIN (a domains_file entry). */
bool ksstate_valid_vendor(const char *s);

/* Whether t is a time the state can hold (0 = not yet, to 9999). */
bool ksstate_time_ok(int64_t t);

/* Why a record cannot be stored (an invalid name, size, time or text, a
 * fingerprint that is not the SHA-256 of pub...), or NULL when it can. */
const char *ksstate_key_invalid(const struct ks_key *k);
const char *ksstate_vendor_invalid(const struct ks_vendor *v);
const char *ksstate_observation_invalid(const struct ks_observation *o);
const char *ksstate_entry_invalid(const struct ksstate_entry *e);

/*
 * *dst = a copy of src cut to at most max octets (never inside a UTF-8
 * sequence); NULL for NULL or "". The old *dst is freed.
 */
void ksstate_text_set(char **dst, const char *src, size_t max);

/* Appends s with every octet outside 0x21..0x7e, and '%' and '=', as %XX
 * (uppercase hex). */
void ksstate_escape(struct buf *out, const char *s);
/*
 * The text escaped in s (s itself when nothing is escaped), malloc'd in
 * *out. -1 for anything ksstate_escape would not have written (a bad or
 * needless escape, lowercase hex, %00, a raw octet outside the safe set)
 * or a text longer than max octets.
 */
int ksstate_unescape(const char *s, size_t max, char **out);

/* The index of the key at (domain, selector), or KSSTATE_NONE. */
size_t ksstate_find(const struct ksstate *st, const char *domain,
    const char *selector);
/*
 * Appends a copy of k (strings duplicated, texts cut to their limits) and
 * indexes it. Returns the new entry, which never moves, or NULL when
 * (domain, selector) is already there.
 */
struct ks_key *ksstate_append(struct ksstate *st, const struct ks_key *k);
/* The counter of vendor, created at 0 when absent (valid until the next
 * counter is created). */
struct ksstate_counter *ksstate_counter(struct ksstate *st,
    const char *vendor);
/* Appends a copy of v or o (strings duplicated, texts cut to their
 * limits); NULL when its name is already there. */
struct ks_vendor *ksstate_vendor_append(struct ksstate *st,
    const struct ks_vendor *v);
struct ks_observation *ksstate_observation_append(struct ksstate *st,
    const struct ks_observation *o);
/* The vendor's record, created empty when absent and create. */
struct ks_vendor *ksstate_vendor(struct ksstate *st, const char *name,
    bool create);
/* The observation of (vendor, selector), created empty when asked. */
struct ks_observation *ksstate_observation(struct ksstate *st,
    const char *vendor, const char *selector, bool create);
/* Queues a copy of e in the journal. */
void ksstate_journal_add(struct ksstate *st, const struct ksstate_entry *e);
/* The id of a journal entry listed twice, or NULL. */
const char *ksstate_journal_twice(const struct ksstate *st);
/* Empties the journal and forgets its base. */
void ksstate_journal_clear(struct ksstate *st);
/* Frees the strings of one entry. */
void ksstate_entry_free(struct ksstate_entry *e);

/* Adds a copy of k, or when (domain, selector) is there already, sets
 * every field of that key to k's (the pointer stays). Likewise vendors by
 * name and observations by (vendor, selector). */
struct ks_key *ksstate_key_put(struct ksstate *st, const struct ks_key *k);
struct ks_vendor *ksstate_vendor_put(struct ksstate *st,
    const struct ks_vendor *v);
struct ks_observation *ksstate_observation_put(struct ksstate *st,
    const struct ks_observation *o);

/*
 * Changes since the last store (keystore/FORMAT section 5.5). Every record
 * is compared with its copy as last stored, so callers change records in
 * place as before. ksstate_mark_stored() takes those copies of everything
 * (after a decode or a checkpoint); ksstate_encode_group() appends to out
 * the group of lines of what differs (and the journal), ending with the
 * line "commit SEQ SUM" chained after prev (64 hex digits), and puts SUM
 * in sum; ksstate_group_stored() then takes the copies of what that group
 * carried, once it is durable. Returns the number of records changed,
 * -1 as ksstate_encode.
 */
void ksstate_mark_stored(struct ksstate *st);
int ksstate_encode_group(struct ksstate *st, unsigned long seq,
    const char *prev, struct buf *out, char sum[KSSTATE_SUM_HEX + 1],
    char *err, size_t errlen);
void ksstate_group_stored(struct ksstate *st);
/* For ksstate_text.c: the indexes of the records that differ from their
 * stored copies (arrays owned by st->shadow, valid until the next call),
 * and whether now or the run differ. */
struct ksstate_changes {
	const size_t *keys, *vendors, *obs, *counters;
	size_t nkeys, nvendors, nobs, ncounters;
	bool head;
};
void ksstate_find_changes(struct ksstate *st, struct ksstate_changes *c);
/* Whether anything differs from the last store (journal included). */
bool ksstate_changed(struct ksstate *st);

/*
 * Reads state.log (text, len octets) onto st, a decoded checkpoint whose
 * end line holds seed (64 hex). Returns 0 with its groups applied, *good
 * the length of the valid prefix (octets after it are a torn last group:
 * no complete commit line) and *groups their number, st->logsum the last
 * chain value; 1 when the log does not start at seed but its chain ends
 * at st->logsum (a log the checkpoint absorbed already: a crash during a
 * compaction), nothing applied; -2 when it starts at another state and
 * was not absorbed (another checkpoint's, or one that replaced it since
 * it was read); -1 for damage (err: "line N: ...").
 */
int ksstate_log_decode(struct ksstate *st, const char *text, size_t len,
    const char *seed, size_t *good, unsigned long *groups, char *err,
    size_t errlen);
/* One audit entry as its journal line ("journal id=... time=...\n",
 * section 5.3), for an entry kept outside the state (etcd's pending
 * entries, keystore/FORMAT section 12); decode fills e (strings malloc'd:
 * ksstate_entry_free) from exactly one such line, else -1 with err. */
void ksstate_entry_encode(const struct ksstate_entry *e, struct buf *out);
int ksstate_entry_decode(const char *text, size_t len,
    struct ksstate_entry *e, char *err, size_t errlen);
/* The first line of a state.log starting at seed. */
void ksstate_log_header(struct buf *out, const char *seed);

/*
 * Appends the state file's text (the newest version) to out. -1 when a
 * value could not be read back (an invalid name, time or text): err
 * (errlen bytes) says which.
 */
int ksstate_encode(const struct ksstate *st, struct buf *out, char *err,
    size_t errlen);
/*
 * ksstate_encode, handed to sink in pieces of about 64 KiB (a sink's -1
 * stops further calls); sum gets the end line's BLAKE2b (hex), len the
 * octets. Returns 0, -1 as ksstate_encode, or -2 when the sink failed.
 */
int ksstate_encode_stream(const struct ksstate *st,
    int (*sink)(void *ctx, const char *p, size_t n), void *ctx,
    char sum[KSSTATE_SUM_HEX + 1], size_t *len, char *err, size_t errlen);
/*
 * Parses a state file of any version read into st (zeroed first;
 * ksstate_free() it even on error). Returns 0, -1 for damage (a bad
 * checksum, an unknown, missing or repeated field, an invalid value, a
 * record listed twice, lines out of order; err says where as
 * "line N: ..."), or -2 for a version this build does not know.
 */
int ksstate_decode(const char *text, size_t len, struct ksstate *st,
    char *err, size_t errlen);
void ksstate_free(struct ksstate *st);

#endif
