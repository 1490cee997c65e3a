/*
 * ksaudit.h - the keystore's hash-chained audit log (SPEC section 7).
 *
 *   DIR/audit.log   one JSON object a line; "prev" is the SHA-256 (hex) of
 *                   the previous line without its LF, 64 zeros for the first
 *   DIR/audit.head  "SEQ HEX\n": the number of entries and the SHA-256 of
 *                   the last line (0 and 64 zeros when empty); "SEQ HEX
 *                   START\n" once the log rolled: START is the octets of
 *                   the segments before audit.log
 *   DIR/audit-SEQ.log  sealed segments, SEQ their last entry (12 digits;
 *                   ksaudit_seg.h); older ones may be archived away
 *
 * Appends hold flock(LOCK_EX) on audit.log itself, not the keystore lock,
 * so that read-only commands (export) can append too; audit.head is
 * replaced atomically under the same flock. seq and prev are computed at
 * append time, so entries from other processes in between keep the chain
 * whole. The format is keystore/FORMAT.
 */
#ifndef DKIMKEYS_KSAUDIT_H
#define DKIMKEYS_KSAUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksstate.h"

#define KSAUDIT_HASH_HEX 65 /* 64 hex digits and NUL */

struct ksaudit_head {
	unsigned long seq;
	char hash[KSAUDIT_HASH_HEX];
	uint64_t start; /* octets of the sealed segments before audit.log */
};

/* Creates an empty audit.log and its head beneath the new folder dfd. */
int ksaudit_init(int dfd, const char *dir);
/* A fresh random entry id: KSSTATE_ID_HEX lowercase hex digits. */
void ksaudit_new_id(char out[KSSTATE_ID_HEX + 1]);
/*
 * The offset just past the log's last complete line, read under its
 * flock, counted from the first segment's start (audit.log's offset when
 * the log never rolled): every entry appended later starts at or after it
 * (the base recorded with a journal).
 */
int ksaudit_end(int dfd, const char *dir, uint64_t *end);
/*
 * Appends the n entries e (each with its id; see keystore/FORMAT for the
 * line) in one durable write, then records the new head in audit.head and
 * *head. With base (a journal being completed), an entry whose id is
 * already on a line starting at or after *base is skipped: it was
 * appended before a crash. *appended (when not NULL) counts the lines
 * written. A head that lags the log (a crash between the log's fsync and
 * the head's replacement) is rolled forward along the chain; an
 * incomplete last line is cut off; any other disagreement between the
 * log's end and audit.head is 65 and nothing is appended.
 */
int ksaudit_append(int dfd, const char *dir, const struct ksstate_entry *e,
    size_t n, const uint64_t *base, struct ksaudit_head *head,
    size_t *appended);
/*
 * The binding of a state (SPEC section 7): whether audit.log holds line
 * at->seq with hash at->hash, and every line after it carries the id of
 * one of the n entries e (the state's journal) or one of the events in
 * outside (NULL-terminated: entries appended outside commits, such as
 * export); with at NULL (a state from before the binding) nothing is
 * checked. Reads the log's tail under flock(LOCK_SH). Returns 0, with
 * *cur the log's last complete line (0 and zeros when empty); 1 when it
 * does not hold, with why saying which line; -1 after logging an error.
 */
int ksaudit_bound(int dfd, const char *dir, const struct ksaudit_head *at,
    const struct ksstate_entry *e, size_t n, const char *const *outside,
    struct ksaudit_head *cur, char *why, size_t whylen);
/* Checks the whole chain, every segment kept and audit.log, and its end
 * against audit.head (65 naming the segment and line when broken);
 * *entries is the number of entries checked. When older segments were
 * archived, the first kept one's first prev is the anchor (said once). */
int ksaudit_verify(int dfd, const char *dir, unsigned long *entries);

#endif
