/*
 * schedule.h - a schedule (a vendor's keys of one algorithm) as it stands
 * in the keystore, and what comes next and when: the facts `status`
 * shows and `rotate` acts on.
 */
#ifndef DKIMKEYS_SCHEDULE_H
#define DKIMKEYS_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "support/dkim.h"

struct lc;

/* Whether k belongs to the schedule of (v, alg). */
bool lc_in_sched(const struct ks_key *k, const struct vendor *v,
    enum dk_alg alg);
/* The schedule of (v, alg) among keys[0..n) (the keys of other schedules
 * are skipped); held and leaving are left false. */
void lc_sched_keys(struct ks_key *const *keys, size_t n,
    const struct vendor *v, enum dk_alg alg, struct policy_sched *s);
/* The schedule of (v, alg) as it stands in the keystore. */
void lc_sched(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    struct policy_sched *s);

/* The next step of a schedule: what, when (POLICY_NEVER: nothing
 * planned) and for which key (NULL: a key to generate). */
struct lc_next {
	const char *what;
	int64_t when;
	const struct ks_key *key;
};
void lc_next(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    struct lc_next *n);

#endif
