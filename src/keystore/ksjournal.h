/*
 * ksjournal.h - transitions committed exactly once: event ids, the
 * journal of audit entries, the commit, and audit entries made outside
 * it (keystore/FORMAT section 7).
 */
#ifndef DKIMKEYS_KSJOURNAL_H
#define DKIMKEYS_KSJOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kstypes.h"

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
/* Audit entries queued by ks_journal since the last commit. */
size_t ks_queued(const struct ks *ks);

/*
 * Atomically and durably replaces the state, with the journal queued since
 * the last commit; records now as the latest; then appends the journal to
 * the audit log. When that append fails after the rename, the change is
 * committed all the same but -1 is returned; the entries stay queued and
 * the next commit or locked open appends them.
 */
int ks_commit(struct ks *ks, int64_t now);

/*
 * Appends one audit entry: {"seq", "time", "event", "key", "vendor",
 * "fingerprint", extra fields..., "simulated", "prev"} with prev the SHA-256
 * of the previous line. extra_json is "" or more members starting with ","
 * (already JSON-escaped). Durable when it returns. Through a handle opened
 * with KS_LOCK it is journaled and committed (ks_journal, ks_commit with
 * now), so that the state records the head; read-only runs (export)
 * append it directly, and the binding check accepts those events; in
 * etcd they write it as a pending entry that the next run with the lock
 * commits (keystore/FORMAT section 12).
 */
int ks_audit(struct ks *ks, int64_t now, bool simulated, const char *event,
    const struct ks_key *key, const char *extra_json);
/* etcd: commits the entries of exports pending at a locked open (keystore/
 * FORMAT section 12) if there are any, for the runs that copy the keystore
 * whole (backup, migrate), so that the copy holds them; 0 when none. */
int ks_commit_pending(struct ks *ks);
/* Verifies the chain and that it ends at the recorded head (65 if not). */
int ks_audit_verify(struct ks *ks, unsigned long *entries);
/* The audit log's path, for `log` to print. */
const char *ks_audit_path(const struct ks *ks);

/* For ks_open only: appends a journal found in the state at open (a crash
 * between a commit's rename and its audit append), then forgets it. */
int ks_journal_complete(struct ks *ks);

#endif
