/*
 * policy.h - when each step of a schedule is due (SPEC section 2).
 *
 * Pure: no I/O, no clock, no DNS. Every function takes the facts it needs
 * (configuration, key times, now) and answers with a time: the first
 * instant at which the step may happen, or POLICY_NEVER. The rotation
 * engine asks, checks DNS where the step needs it, and acts; status
 * asks the same questions to say what comes next and when.
 */
#ifndef DKIMKEYS_POLICY_H
#define DKIMKEYS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "keystore/keystore.h"
#include "support/dkim.h"

#define POLICY_NEVER INT64_MAX

/* One schedule: a vendor's keys of one algorithm. */
struct policy_sched {
	const struct vendor *v;
	enum dk_alg alg;
	const struct ks_key *active;    /* signing now, or NULL */
	const struct ks_key *successor; /* pending or published, or NULL */
	const struct ks_key *compromised; /* an active or successor key
					     revoked by `revoke` whose
					     replacement is not deployed */
	bool first;      /* the active key is the schedule's first */
	bool held;       /* `hold` */
	bool leaving;    /* `decommission` */
};

/*
 * The rotation period of the active key: rotate_every, shortened for the
 * schedule's first rotation by a stable hash of the domain modulo
 * rotate_spread, so that many domains set up at once do not all rotate
 * together.
 */
int64_t policy_period(const struct policy_sched *s);

/* When the successor is to be generated: at once with no key at all or a
 * compromised one, else A + period - publish_ahead - generate_margin;
 * NEVER while a successor exists, when held or leaving. */
int64_t policy_generate_at(const struct policy_sched *s);

/*
 * When the published successor k may be deployed (the DNS check of that
 * run must pass too): max(A + period, visible + publish_ahead,
 * published + neg_ttl); with a compromised key publish_ahead and the
 * period are waived; NEVER until k is visible, or when held or leaving.
 */
int64_t policy_deploy_at(const struct policy_sched *s, const struct ks_key *k,
    uint32_t neg_ttl);

/* A retired key's revocation: retired + overlap, once its retire hooks
 * succeeded (a compromised key: at once). */
int64_t policy_revoke_at(const struct vendor *v, const struct ks_key *k);
/* A revoked key's withdrawal: revoked + revoke_for. */
int64_t policy_withdraw_at(const struct vendor *v, const struct ks_key *k);
/* Whether the key may be handed to reveal hooks (reveal = yes and
 * revoke_for covers the largest TTL seen). */
bool policy_reveal_ok(const struct vendor *v, const struct ks_key *k);

/* Late (asked after the run's transitions): now > A + period +
 * late_after and no successor active yet. */
bool policy_late(const struct policy_sched *s, int64_t now);
/* Stalled: a wait not caused by time, begun at since (0: none), has
 * lasted longer than stall_after. */
bool policy_stalled(const struct vendor *v, int64_t since, int64_t now);

#endif
