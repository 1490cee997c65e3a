/*
 * ksjournal.c - transitions committed exactly once (SPEC section 2): event
 * ids, the journal of audit entries, the commit, and the audit entries
 * made outside it.
 *
 * ks_journal queues an entry in memory. ks_commit writes the state with
 * the queued entries as journal lines in one atomic replacement: that
 * rename is the commit point. Then it appends them to audit.log under the
 * log's flock, skipping any whose id is already there past the base
 * recorded with them, and forgets them (the next commit drops the lines).
 * A crash between the two leaves the journal in the state, and the next
 * locked open appends it the same way. keystore/FORMAT section 7.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "kscore_int.h"
#include "ksfile.h"
#include "ksjournal.h"
#include "ksmirror.h"
#include "support/fault.h"
#include "support/log.h"

#define EVENT_ID_TAG "dkimkeys/event/v1"
/* During a run, state.log is folded into a new checkpoint once it is
 * larger than the checkpoint and than this (a locked open folds it past
 * a quarter of the checkpoint: keystore.c) */
#define LOG_FOLD_MIN ((uint64_t)65536)

void
ks_event_id(const struct ks *ks, const struct ks_key *key, enum ks_event ev,
    char out[33])
{
	unsigned char h[crypto_generichash_BYTES], len, e = (unsigned char)ev;
	crypto_generichash_state s;

	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)EVENT_ID_TAG,
	    sizeof(EVENT_ID_TAG) - 1);
	crypto_generichash_update(&s, ks->hdr.id, sizeof(ks->hdr.id));
	crypto_generichash_update(&s, key->fpr, KS_FPR_LEN);
	/* the names too: a key destroyed, then imported again under
	 * another selector, is another key with other transitions */
	len = (unsigned char)strlen(key->domain);
	crypto_generichash_update(&s, &len, 1);
	crypto_generichash_update(&s, (const unsigned char *)key->domain, len);
	len = (unsigned char)strlen(key->selector);
	crypto_generichash_update(&s, &len, 1);
	crypto_generichash_update(&s, (const unsigned char *)key->selector,
	    len);
	crypto_generichash_update(&s, &e, 1);
	crypto_generichash_final(&s, h, sizeof(h));
	util_hex(h, KSSTATE_ID_HEX / 2, out);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* An entry with a fresh id (strings malloc'd: ksstate_entry_free). */
static void
make_entry(struct ksstate_entry *e, int64_t now, bool simulated,
    const char *event, const struct ks_key *key, const char *extra)
{
	char id[KSSTATE_ID_HEX + 1], fpr[2 * KS_FPR_LEN + 1];

	memset(e, 0, sizeof(*e));
	ksaudit_new_id(id);
	e->id = xstrdup(id);
	e->time = now;
	e->simulated = simulated;
	e->event = dup_or_null(event);
	if (key != NULL) {
		e->vendor = dup_or_null(key->vendor);
		e->domain = dup_or_null(key->domain);
		e->selector = dup_or_null(key->selector);
		util_hex(key->fpr, KS_FPR_LEN, fpr);
		e->fpr = xstrdup(fpr);
	}
	if (extra != NULL && *extra != '\0')
		e->extra = xstrdup(extra);
}

void
ks_journal(struct ks *ks, int64_t now, bool simulated, const char *event,
    const struct ks_key *key, enum ks_event ev, const char *extra_json)
{
	char eid[KSSTATE_ID_HEX + 1];
	struct ksstate_entry e;

	make_entry(&e, now, simulated, event, key, extra_json);
	if (key != NULL && ev < KS_EV_COUNT) {
		ks_event_id(ks, key, ev, eid);
		e.event_id = xstrdup(eid);
	}
	ksstate_journal_add(&ks->st, &e);
	ksstate_entry_free(&e);
}

size_t
ks_queued(const struct ks *ks)
{
	return ks->st.njournal;
}

/* Appends the journal (entries already there are skipped), then forgets
 * it; completing: it was found in the state at open. */
static int
append_journal(struct ks *ks, bool completing)
{
	struct ksaudit_head head = ks->head; /* kept when the append fails */
	size_t n = 0;

	if (ks->st.njournal == 0)
		return 0;
	if (ksaudit_append(ks->dfd, ks->dir, ks->st.journal, ks->st.njournal,
	    &ks->st.journal_base, &head, &n) == -1)
		return -1;
	ks->head = head;
	ks->audited = true;
	if (completing && n > 0)
		log_warn("keystore: %s: appended %zu entr%s of a commit "
		    "interrupted before its audit (a crash)", ks->audit_path,
		    n, n == 1 ? "y" : "ies");
	ksstate_journal_clear(&ks->st);
	return 0;
}

int
ks_journal_complete(struct ks *ks)
{
	return append_journal(ks, true);
}

/* The log's fd and its length: reopened after each checkpoint. */
static int
open_log(struct ks *ks)
{
	if (ks->logfd != -1)
		close(ks->logfd);
	ks->logfd = ksfile_open(ks->dfd, "state.log", ks_at(ks, "state.log"),
	    O_RDWR | O_APPEND);
	return ks->logfd == -1 ? -1 : 0;
}

/*
 * Writes the whole state as a new checkpoint (atomic replacement of
 * state), then starts an empty state.log after it (keystore/FORMAT
 * section 5.5). Also the upgrade of a version 1 or 2 state.
 */
static int
ks_checkpoint(struct ks *ks)
{
	struct ksstate *st = &ks->st;
	struct buf h = { NULL, 0, 0 };
	struct ksfile_new f;
	char err[300], seed[KSSTATE_SUM_HEX + 1];
	size_t len;
	int rc = -1, e;

	st->has_ksid = true;
	memcpy(st->ksid, ks->hdr.id, KSSTATE_KSID_LEN);
	st->audit_seq = ks->head.seq;
	memcpy(st->audit_hash, ks->head.hash, sizeof(st->audit_hash));
	/* written as it is encoded: never the whole state in memory */
	if (ksfile_begin(&f, ks->dfd, "state", ks_at(ks, "state")) == -1)
		return -1;
	e = ksstate_encode_stream(st, ksfile_write, &f, seed, &len, err,
	    sizeof(err));
	if (e == -1) {
		log_fail(EX_DATAERR, "keystore: %s: cannot store: %s",
		    ks_at(ks, "state"), err);
		ksfile_abort(&f);
		goto out;
	}
	if (ksfile_end(&f) == -1)
		goto out;
	ks->commits++; /* all the state is in, whatever comes next */
	/* kill -9 tests: the old state.log is then absorbed already */
	fault_point("checkpoint-renamed");
	ksstate_log_header(&h, seed);
	if (ksfile_replace(ks->dfd, "state.log", ks_at(ks, "state.log"),
	    h.data, h.len) == -1 || open_log(ks) == -1)
		goto out;
	st->version = KSSTATE_VERSION;
	memcpy(st->logsum, seed, sizeof(seed));
	ks->fold = ks->torn = false;
	ks->groups = 0;
	ks->ckpt_len = len;
	ks->log_len = h.len;
	ksstate_mark_stored(st);
	rc = 0;
out:
	buf_free(&h);
	return rc;
}

/* Appends a group to state.log with one write and one fsync (the commit
 * point); a failed write is cut off again. */
static int
write_group(struct ks *ks, const struct buf *b)
{
	size_t off = 0, half = b->len / 2, upto;
	ssize_t w;
	int e;

	if (ks->torn) {
		/* a group a crash cut short: no commit, cut off first */
		if (ftruncate(ks->logfd, (off_t)ks->log_len) == -1 ||
		    fsync(ks->logfd) == -1) {
			log_fail(EX_IOERR, "keystore: %s: %s",
			    ks_at(ks, "state.log"), strerror(errno));
			return -1;
		}
		log_warn("keystore: %s: removed an incomplete last commit "
		    "(left by a crash)", ks_at(ks, "state.log"));
		ks->torn = false;
	}

	/* a commit on a full disk, in tests/dkimkeys-faults */
	e = fault_errno("state-enospc");
	while (e == 0 && off < b->len) {
		/* kill -9 tests: a group torn in the middle */
		upto = off < half ? half : b->len;
		if (off == half)
			fault_point("log-torn");
		if ((w = write(ks->logfd, b->data + off, upto - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (e != 0)
		errno = e;
	if (off < b->len || fsync(ks->logfd) == -1) {
		log_fail(EX_IOERR, "keystore: %s: cannot append: %s",
		    ks_at(ks, "state.log"), strerror(errno));
		if (ftruncate(ks->logfd, (off_t)ks->log_len) == -1)
			log_warn("keystore: %s: cannot cut a failed append",
			    ks_at(ks, "state.log"));
		return -1;
	}
	return 0;
}

/*
 * A commit is a group appended to state.log: the records changed since
 * the last one, the audit head, the journal. When the audit append fails
 * after it, the change is committed all the same (-1 reports the
 * failure): the journal stays in memory and is listed again by the next
 * group, and the next commit or locked open appends it. A log grown past
 * the checkpoint is folded into a new one.
 */
int
ks_commit(struct ks *ks, int64_t now)
{
	struct ksstate *st = &ks->st;
	struct buf b = { NULL, 0, 0 };
	char err[300], sum[KSSTATE_SUM_HEX + 1];
	int64_t before = st->now;
	unsigned long commits = ks->commits;
	int rc = -1, n;

	if (ks_need_write(ks, false) == -1)
		return -1;
	if (st->njournal > 0 && !st->has_base) {
		if (ksaudit_end(ks->dfd, ks->dir, &st->journal_base) == -1)
			return -1;
		st->has_base = true;
	}
	st->now = now;
	if (ks->fold) {
		/* the first commit of the run is a checkpoint (ready_log) */
		if (!ksstate_changed(st)) {
			rc = 0;
			goto out;
		}
		if (ks_checkpoint(ks) == 0) {
			fault_point("commit-renamed");
			rc = append_journal(ks, false);
		}
		goto out;
	}
	st->audit_seq = ks->head.seq;
	memcpy(st->audit_hash, ks->head.hash, sizeof(st->audit_hash));
	if ((n = ksstate_encode_group(st, ks->groups + 1, st->logsum, &b, sum,
	    err, sizeof(err))) == -1) {
		log_fail(EX_DATAERR, "keystore: %s: cannot store: %s",
		    ks_at(ks, "state"), err);
		goto out;
	}
	if (n == 0 && st->njournal == 0) {
		rc = 0; /* nothing changed */
		goto out;
	}
	if (write_group(ks, &b) == -1)
		goto out;
	ks->commits++; /* the commit point */
	ks->groups++;
	ks->log_len += b.len;
	memcpy(st->logsum, sum, sizeof(sum));
	ksstate_group_stored(st);
	fault_point("commit-renamed"); /* kill -9 tests: before the audit */
	rc = append_journal(ks, false);
	if (ks->log_len > ks->ckpt_len && ks->log_len > LOG_FOLD_MIN &&
	    ks_checkpoint(ks) == -1)
		rc = -1;
out:
	/* etcd: the commit's state group, audit entries and key files in
	 * one transaction fenced by the lock; refused once the lease lapsed */
	if (ks->mirror != NULL && ks->commits != commits &&
	    ksmirror_push(ks->mirror, true) == -1)
		rc = -1;
	if (rc == -1 && ks->commits == commits)
		st->now = before; /* nothing committed */
	buf_free(&b);
	return rc;
}

/* e as PREFIX "pending/TIME-ID" in etcd: the time first, so that the
 * keys list in the order the entries were made. */
static int
pend(struct ks *ks, const struct ksstate_entry *e)
{
	struct buf b = { NULL, 0, 0 };
	char when[UTIL_TIME_LEN], *name;
	int rc;

	ksstate_entry_encode(e, &b);
	util_fmt_time(e->time, when);
	name = xasprintf("%s-%s", when, e->id);
	rc = ksmirror_pend(ks->mirror, name, b.data, b.len);
	free(name);
	buf_free(&b);
	return rc;
}

int
ks_audit(struct ks *ks, int64_t now, bool simulated, const char *event,
    const struct ks_key *key, const char *extra_json)
{
	unsigned long commits = ks->commits;
	struct ksaudit_head head;
	struct ksstate_entry e;
	int rc;

	/* a changing run commits it like a transition's, so that the state
	 * stays bound to the audit head (SPEC section 7, Binding) */
	if (ks->lockfd != -1) {
		ks_journal(ks, now, simulated, event, key, KS_EV_COUNT,
		    extra_json);
		/* the recorded now only moves forward */
		rc = ks_commit(ks, now > ks->st.now ? now : ks->st.now);
		if (rc == -1 && ks->commits == commits &&
		    ks->st.njournal > 0)
			ksstate_entry_free(&ks->st.journal[--ks->st.njournal]);
		return rc;
	}
	make_entry(&e, now, simulated, event, key, extra_json);
	if (ks->mirror != NULL) {
		/* etcd without the lock: a pending entry, durable in etcd
		 * when this returns; the next run with the lock folds it into
		 * the chain with its first commit (keystore/FORMAT 12) */
		rc = pend(ks, &e);
		ksstate_entry_free(&e);
		return rc;
	}
	head = ks->head;
	rc = ksaudit_append(ks->dfd, ks->dir, &e, 1, NULL, &head, NULL);
	ksstate_entry_free(&e);
	if (rc == 0) {
		ks->head = head;
		ks->audited = true;
	}
	return rc;
}

int
ks_commit_pending(struct ks *ks)
{
	if (ks->mirror == NULL || ks->st.njournal == 0)
		return 0;
	return ks_commit(ks, ks->st.now);
}

int
ks_audit_verify(struct ks *ks, unsigned long *entries)
{
	return ksaudit_verify(ks->dfd, ks->dir, entries);
}

const char *
ks_audit_path(const struct ks *ks)
{
	return ks->audit_path;
}
