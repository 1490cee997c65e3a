/*
 * status.h - the rows `status` shows: each managed schedule as it stands,
 * its next step, whether it is late and its last error. No network.
 */
#ifndef DKIMKEYS_STATUS_H
#define DKIMKEYS_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "lifecycle.h"
#include "policy.h"
#include "schedule.h"

/* One schedule (vendor, algorithm). */
struct status_row {
	const struct vendor *v;
	enum dk_alg alg;
	struct policy_sched s;
	struct lc_next next;
	bool late;         /* past rotate_every + late_after */
	const char *error; /* the vendor's, the next key's or the successor's
			      last error, or NULL */
	bool stalled;      /* a wait not caused by time past stall_after */
	const char *stall; /* its reason when stalled, else NULL */
	int64_t stall_since;
	int64_t wait_since; /* since when the vendor could not move other
			       than for time, even within stall_after; 0 */
	unsigned key_errors; /* its keys (not destroyed) with an error:
				their hooks or DNS checks failing */
};

/* A delegated vendor and what the keystore knows of its last run. */
struct status_deleg {
	const struct vendor *v;
	const char *error; /* the first failure of its last rotate, or NULL */
	int64_t error_at;
};

/* Whether an observation's CNAME target, as last seen, is the one
 * configured (any, or none, when none is); false for a vendor no longer
 * configured. */
bool status_target_ok(struct lc *lc, const struct ks_observation *o);

/*
 * The rows of every managed vendor (only: of the vendor of that name), one
 * per algorithm, in configuration order. Returns a malloc'd array of *n
 * rows (free).
 */
struct status_row *status_rows(struct lc *lc, const char *only, size_t *n);

/* The delegated vendors (only: of that name), in configuration order;
 * a malloc'd array of *n (free). */
struct status_deleg *status_delegated(struct lc *lc, const char *only,
    size_t *n);

/*
 * Whether status is to exit 1 (SPEC section 3): a row late, failing (last
 * error set) or stalled, a delegated vendor failing (only: that vendor),
 * or, when every vendor is shown (only NULL), keys left orphaned and not
 * decommissioned.
 */
bool status_trouble(struct lc *lc, const char *only,
    const struct status_row *rows, size_t n);

#endif
