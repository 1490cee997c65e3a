/*
 * rotate_int.h - shared by rotate.c and rotate_steps.c only.
 */
#ifndef DKIMKEYS_ROTATE_INT_H
#define DKIMKEYS_ROTATE_INT_H

#include "policy.h"
#include "rotate.h"
#include "dns/dnscheck.h"
#include "dns/dnsquery.h"
#include "support/dkim.h"

#define RUN_MAX_RESOLVERS 8

struct batchq;

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
	 * nothing outside the keystore has seen (SPEC section 7).
	 */
	bool defer;
	/* keys published in this run (not checked until the next) */
	const struct ks_key **fresh;
	size_t nfresh, capfresh;
};

/* The schedule of (v, alg) as it stands in the keystore. */
void run_sched(struct run *run, const struct vendor *v, enum dk_alg alg,
    struct policy_sched *s);
/* Advances one schedule by every step due now (rotate_steps.c). */
void run_steps(struct run *run, const struct vendor *v, enum dk_alg alg);
/* A delegated vendor's CNAMEs followed and its keys observed. */
void rotate_delegated(struct run *run, const struct vendor *v);
/* The resolver of v, set up on first use; NULL after logging. */
struct dnsq *run_dns(struct run *run, const struct vendor *v);
/*
 * Batch hooks (rotate_batch.c): run_batched queues (k, ev) and returns
 * false, or, once its batch accepted it, returns true (once); run_batches
 * runs every queued batch and returns how many ran.
 */
bool run_batched(struct run *run, const struct vendor *v, struct ks_key *k,
    enum ks_event ev, const char *prev);
int run_batches(struct run *run);
void run_batch_free(struct run *run);
/* Commits the keystore; on failure the run stops. */
int run_commit(struct run *run);
bool run_in(const struct ks_key **set, size_t n, const struct ks_key *k);
void run_mark(const struct ks_key ***set, size_t *n, size_t *cap,
    const struct ks_key *k);

#endif
