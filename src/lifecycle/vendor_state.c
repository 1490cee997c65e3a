/*
 * vendor_state.c - hold, release and decommission of a vendor.
 */
#include "lifecycle.h"
#include "vendor_state.h"

const char *
vendor_state_name(enum vendor_state_op op)
{
	switch (op) {
	case VENDOR_HOLD:
		return "hold";
	case VENDOR_RELEASE:
		return "release";
	case VENDOR_DECOMMISSION:
		break;
	}
	return "decommission";
}

int
vendor_state_set(struct lc *lc, const struct vendor *v,
    enum vendor_state_op op)
{
	struct ks_vendor *rec = ks_vendor(lc->ks, v->name, true);

	if (op == VENDOR_HOLD)
		rec->hold = true;
	else if (op == VENDOR_RELEASE)
		rec->hold = false;
	else
		rec->decommission = true;
	ks_journal(lc->ks, lc->now, lc->simulated, vendor_state_name(op), NULL,
	    KS_EV_COUNT, "");
	return ks_commit(lc->ks, lc->now);
}
