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
	bool late;         /* past rotate_every */
	const char *error; /* the vendor's, the next key's or the successor's
			      last error, or NULL */
};

/*
 * The rows of every managed vendor (only: of the vendor of that name), one
 * per algorithm, in configuration order. Returns a malloc'd array of *n
 * rows (free).
 */
struct status_row *status_rows(struct lc *lc, const char *only, size_t *n);

#endif
