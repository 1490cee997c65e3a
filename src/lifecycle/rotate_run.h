/*
 * rotate_run.h - one rotate run in progress, and the services every file
 * of the rotate family uses: its resolvers, its commit, its key sets and
 * the schedule as it stands. Below the driver (rotate.c), the steps
 * (rotate_steps.c), batch hooks (rotate_batch.c) and delegated vendors
 * (rotate_deleg.c); it calls none of them.
 */
#ifndef DKIMKEYS_ROTATE_RUN_H
#define DKIMKEYS_ROTATE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "lifecycle.h"
#include "policy.h"
#include "rotate_opts.h"
#include "rotate_report.h"
#include "support/dkim.h"

#define RUN_MAX_RESOLVERS 8

struct batchq;
struct dnsq;

/* One run in progress. */
struct run {
	struct lc *lc;
	const struct rotate_opts *o;
	struct rotate_report *r;
	struct {
		const char *spec;
		struct dnsq *q;
	} dns[RUN_MAX_RESOLVERS];
	size_t ndns;
	bool dns_failed;  /* a resolver could not be set up */
	bool commit_failed; /* a commit of the keystore failed */
	bool gen_lost;      /* generated keys reported not stored: no
			       later commit of the run may store them */
	unsigned reached; /* DNS checks where some server answered */
	unsigned unreached; /* DNS checks where none did */
	/* keys whose record every server served in this run */
	const struct ks_key **served;
	size_t nserved, capserved;
	/* keys DNS-checked in this run */
	const struct ks_key **checked;
	size_t nchecked, capchecked;
	struct batchq *batch; /* events queued for batch hooks */
	bool repeat;          /* walking the schedules again after batches */
	/*
	 * Commits deferred to one at the end of a group of transitions whose
	 * side effects already happened together: the keys a batch hook
	 * accepted, the keys of one generation batch. A crash before that
	 * commit reruns the batch (hooks are at least once) or loses keys
	 * nothing outside the keystore has seen (SPEC section 7). A group of
	 * over RUN_DEFER_MAX transitions is committed in parts, so that no
	 * commit holds (and no memory buffers) a whole ESP's audit entries;
	 * so is one that queued over RUN_DEFER_MAX keys for batch hooks
	 * (each may have changed: the lookup before publishing keeps its
	 * negative TTL), counted in touched.
	 */
	bool defer;
	size_t touched;
	/* keys published in this run (not checked until the next) */
	const struct ks_key **fresh;
	size_t nfresh, capfresh;
	/* vendors that could not move for a reason other than time, with
	 * the first such reason of the run */
	struct run_stall {
		const struct vendor *v;
		char *why;
	} *stalls;
	size_t nstalls;
	/* decommissioned orphans taken on by their section's settings
	 * (lc_heirs), walked after the configured vendors */
	struct vendor *heirs;
	size_t nheirs;
};

/* The schedule of (v, alg) as it stands in the keystore. */
void run_sched(struct run *run, const struct vendor *v, enum dk_alg alg,
    struct policy_sched *s);
/* The resolver of v, set up on first use; NULL after logging. */
struct dnsq *run_dns(struct run *run, const struct vendor *v);
#define RUN_DEFER_MAX 1024

/* Commits the keystore (not in a dry run, nor while deferred); -1 after
 * logging when the commit failed. */
int run_commit(struct run *run);
/* Whether k is in set[0..n). */
bool run_in(const struct ks_key **set, size_t n, const struct ks_key *k);
/* Adds k to the set. */
void run_mark(const struct ks_key ***set, size_t *n, size_t *cap,
    const struct ks_key *k);
/* Notes that v could not move in this run for a reason other than time
 * (DNS unreachable or not serving yet, a hook's "not yet"); the first
 * reason of the run is kept. */
void run_stall(struct run *run, const struct vendor *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* That reason, or NULL when v was not held back so in this run. */
const char *run_stall_why(const struct run *run, const struct vendor *v);
/* Frees the run's resolvers and key sets (not its batch queue). */
void run_free(struct run *run);

#endif
