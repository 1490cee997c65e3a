/*
 * vendor_state.h - hold, release and decommission: a flag on a vendor's
 * record in the keystore, which rotate then follows.
 */
#ifndef DKIMKEYS_VENDOR_STATE_H
#define DKIMKEYS_VENDOR_STATE_H

#include "lifecycle.h"

enum vendor_state_op {
	VENDOR_HOLD,         /* no automatic transition until release */
	VENDOR_RELEASE,      /* automatic transitions again */
	VENDOR_DECOMMISSION, /* every key retired on the normal timers */
};

/* "hold", "release" or "decommission": the audit event of op. */
const char *vendor_state_name(enum vendor_state_op op);

/* Sets op's flag on v's record, journals and commits it. Returns 0, or
 * -1 after logging. */
int vendor_state_set(struct lc *lc, const struct vendor *v,
    enum vendor_state_op op);

/* Sets op's flag on the record of the vendor named name (configured or
 * not), journals and commits it. Returns 0, or -1 after logging. */
int vendor_state_set_name(struct lc *lc, const char *name,
    enum vendor_state_op op);

/*
 * decommission of orphans: marks leaving every vendor record that has keys
 * not yet destroyed, orphaned (lc_vendor NULL), and named by arg
 * (lc_vendor_named: a vendor, NAME/DOMAIN or a section), in one commit.
 * Returns the number of keys so marked (0: none), or -1 after logging.
 */
long vendor_state_decommission_orphans(struct lc *lc, const char *arg);

/*
 * decommission --alg: marks alg alone leaving in the record of the vendor
 * named name: a configured vendor with alg among its algorithms (its keys
 * of alg are then retired on the normal timers, its other algorithms go
 * on), or one whose keys of alg are orphans (the algorithm was dropped).
 * Refused (64) when name has neither. Returns 0, or -1 after logging.
 */
int vendor_state_decommission_alg(struct lc *lc, const char *name,
    enum dk_alg alg);

#endif
