/*
 * plan.h - every future event of the managed schedules up to a date, as
 * the rotation engine would take them if each step happened at its
 * earliest time: every run on time, DNS serving a record as soon as it is
 * published (and its revocation or withdrawal as soon as it is asked
 * for), every hook succeeding at once. Nothing runs and nothing changes;
 * `plan` prints what this returns.
 */
#ifndef DKIMKEYS_PLAN_H
#define DKIMKEYS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lifecycle.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "support/dkim.h"

/* The events, in their order within a run (SPEC section 6), generation
 * first. */
enum plan_kind {
	PLAN_GENERATE = 0,
	PLAN_PUBLISH,
	PLAN_DEPLOY,
	PLAN_RETIRE,
	PLAN_REVOKE,
	PLAN_WITHDRAW,
	PLAN_DESTROY,
	PLAN_REVEAL,
};

/* More events than this in one schedule: the list is cut (truncated). */
#define PLAN_MAX_EVENTS 1000

struct plan_event {
	enum plan_kind kind;
	int64_t at;
	const struct ks_key *key; /* a key of the keystore, or NULL: */
	unsigned next;            /* the next-th key generated from now on
				     (1, 2, ...) when key is NULL */
};

/* One schedule (vendor, algorithm) and its events in time order. */
struct plan_sched {
	const struct vendor *v;
	enum dk_alg alg;
	bool held;      /* `hold`: no event until `release` */
	bool leaving;   /* `decommission` */
	bool truncated; /* more than PLAN_MAX_EVENTS before until */
	struct plan_event *events;
	size_t n;
};

struct plan {
	int64_t now, until;
	struct plan_sched *scheds;
	size_t n;
	struct vendor *heirs; /* lc_heirs: the vendors of decommissioned
				 orphans' schedules */
	size_t nheirs;
};

/* "generate", "publish", "deploy", "retire", ... */
const char *plan_kind_name(enum plan_kind kind);

/*
 * Pure: the events of the schedule of (v, alg) from now up to until
 * (inclusive), starting from keys[0..n) (keys of other schedules are
 * skipped) and the vendor's hold and decommission. Fills *out (free
 * with plan_sched_free); events due before now are at now.
 */
void plan_sched(const struct vendor *v, enum dk_alg alg,
    struct ks_key *const *keys, size_t n, bool held, bool leaving,
    int64_t now, int64_t until, struct plan_sched *out);
void plan_sched_free(struct plan_sched *ps);

/*
 * Every managed schedule of the configuration (only[0..nonly): those
 * vendors or sections, or orphans' names; none: all), in configuration
 * order, then those of the decommissioned orphans that rotate takes to
 * destroyed with a remaining section's settings and hooks (lc_heirs),
 * from the keystore of lc at lc->now up to until. Reads the keystore only.
 */
void plan_build(struct lc *lc, char *const *only, size_t nonly,
    int64_t until, struct plan *p);
void plan_free(struct plan *p);

#endif
