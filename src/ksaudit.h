/*
 * ksaudit.h - the keystore's hash-chained audit log (SPEC section 7).
 *
 *   DIR/audit.log   one JSON object a line; "prev" is the SHA-256 (hex) of
 *                   the previous line without its LF, 64 zeros for the first
 *   DIR/audit.head  "SEQ HEX\n": the number of entries and the SHA-256 of
 *                   the last line (0 and 64 zeros when empty)
 *
 * Appends hold flock(LOCK_EX) on audit.log itself, not the keystore lock,
 * so that read-only commands (export) can append too; audit.head is
 * replaced atomically under the same flock. The format is keystore/FORMAT.
 */
#ifndef DKIMKEYS_KSAUDIT_H
#define DKIMKEYS_KSAUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "keystore.h"

#define KSAUDIT_HASH_HEX 65 /* 64 hex digits and NUL */

struct ksaudit_head {
	unsigned long seq;
	char hash[KSAUDIT_HASH_HEX];
};

/* Creates an empty audit.log and its head beneath the new folder dfd. */
int ksaudit_init(int dfd, const char *dir);
/*
 * Appends one entry (see ks_audit) and durably records the new head in
 * *head. A head that lags the log by one line (a crash between the two
 * writes) is rolled forward; an incomplete last line is cut off; any other
 * disagreement between the log's end and audit.head is 65.
 */
int ksaudit_append(int dfd, const char *dir, int64_t now, bool simulated,
    const char *event, const struct ks_key *key, const char *extra_json,
    struct ksaudit_head *head);
/* Checks the whole chain and its end against audit.head (65 naming the
 * line when broken); *entries is the number of entries. */
int ksaudit_verify(int dfd, const char *dir, unsigned long *entries);

#endif
