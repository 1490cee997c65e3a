/*
 * ksstate.h - the keystore's state file: text codec and in-memory index.
 *
 * Pure: no I/O, no logging. The grammar is in keystore/FORMAT: a version
 * line, the latest now, one line per %n counter, one line per key ever
 * stored (destroyed ones are the tombstones), and a final line holding the
 * BLAKE2b-256 of every byte before it, so that an edit or a truncation is
 * seen before anything is believed.
 */
#ifndef DKIMKEYS_KSSTATE_H
#define DKIMKEYS_KSSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keystore.h"
#include "util.h"

#define KSSTATE_VERSION 1
#define KSSTATE_NONE ((size_t)-1)

struct ksstate_counter {
	char *vendor;
	unsigned value;
};

struct ksstate {
	int64_t now;         /* latest now of a changing run, 0 = none */
	struct ks_key *keys; /* in creation order */
	size_t nkeys, capkeys;
	struct ksstate_counter *counters;
	size_t ncounters;
	size_t *slots; /* open-addressing index by (domain, selector): i + 1 */
	size_t nslots;
};

/* Vendor names as stored: NAME, or NAME/DOMAIN (a domains_file entry). */
bool ksstate_valid_vendor(const char *s);

/* Why k cannot be stored (invalid name, size, time, a fingerprint that is
 * not the SHA-256 of pub...), or NULL when it can. */
const char *ksstate_key_invalid(const struct ks_key *k);

/* The index of the key at (domain, selector), or KSSTATE_NONE. */
size_t ksstate_find(const struct ksstate *st, const char *domain,
    const char *selector);
/*
 * Appends a copy of k (strings duplicated) and indexes it. Returns the new
 * entry, valid until the next append, or NULL when (domain, selector) is
 * already there.
 */
struct ks_key *ksstate_append(struct ksstate *st, const struct ks_key *k);
/* The counter of vendor, created at 0 when absent. */
struct ksstate_counter *ksstate_counter(struct ksstate *st,
    const char *vendor);

/*
 * Appends the state file's text to out. -1 when a value could not be read
 * back (an invalid name or time): err (errlen bytes) says which.
 */
int ksstate_encode(const struct ksstate *st, struct buf *out, char *err,
    size_t errlen);
/*
 * Parses a state file into st (zeroed first; ksstate_free() it even on
 * error). Returns 0, -1 for damage (a bad checksum, an unknown, missing or
 * repeated field, an invalid value, a key listed twice; err says where as
 * "line N: ..."), or -2 for a version this build does not know.
 */
int ksstate_decode(const char *text, size_t len, struct ksstate *st,
    char *err, size_t errlen);
void ksstate_free(struct ksstate *st);

#endif
