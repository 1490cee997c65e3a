/*
 * vendor_state.c - hold, release and decommission of a vendor.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lifecycle.h"
#include "support/dkim.h"
#include "support/log.h"
#include "support/util.h"
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
	return vendor_state_set_name(lc, v->name, op);
}

int
vendor_state_set_name(struct lc *lc, const char *name,
    enum vendor_state_op op)
{
	struct ks_vendor *rec;
	char *extra;

	if (lc_clock_ok(lc) == -1)
		return -1;
	rec = ks_vendor(lc->ks, name, true);
	if (op == VENDOR_HOLD)
		rec->hold = true;
	else if (op == VENDOR_RELEASE)
		rec->hold = false;
	else
		rec->decommission = true;
	extra = xasprintf(",\"vendor\":\"%s\"", name);
	ks_journal(lc->ks, lc->now, lc->simulated, vendor_state_name(op), NULL,
	    KS_EV_COUNT, extra);
	free(extra);
	return lc_commit(lc);
}

long
vendor_state_decommission_orphans(struct lc *lc, const char *arg)
{
	struct ks_key *const *keys;
	struct ks_vendor *rec;
	size_t n, i;
	long found = 0;
	bool changed = false;
	char *extra;

	if (lc_clock_ok(lc) == -1)
		return -1;
	keys = ks_keys(lc->ks, &n);
	for (i = 0; i < n; i++) {
		if (keys[i]->state == KS_DESTROYED ||
		    !lc_vendor_named(arg, keys[i]->vendor) ||
		    lc_vendor(lc, keys[i]) != NULL ||
		    config_vendor(lc->cfg, keys[i]->vendor) != NULL)
			continue; /* a configured vendor's dropped algorithm */
		rec = ks_vendor(lc->ks, keys[i]->vendor, true);
		if (!rec->decommission) {
			rec->decommission = true;
			extra = xasprintf(",\"vendor\":\"%s\",\"orphan\":true",
			    keys[i]->vendor);
			ks_journal(lc->ks, lc->now, lc->simulated,
			    "decommission", NULL, KS_EV_COUNT, extra);
			free(extra);
			changed = true;
		}
		found++;
	}
	if (!changed)
		return found;
	return lc_commit(lc) == -1 ? -1 : found;
}

/* Whether (v, alg) is among v's algorithms. */
static bool
has_alg(const struct vendor *v, enum dk_alg alg)
{
	size_t i;

	for (i = 0; v != NULL && i < v->nalgs; i++)
		if (v->algs[i].alg == alg)
			return true;
	return false;
}

int
vendor_state_decommission_alg(struct lc *lc, const char *name,
    enum dk_alg alg)
{
	const struct vendor *v = config_vendor(lc->cfg, name);
	struct ks_key *const *keys;
	struct ks_vendor *rec;
	size_t n, i, orphans = 0;
	char *extra;

	if (lc_clock_ok(lc) == -1)
		return -1;
	if (v != NULL && v->mode != MODE_MANAGED) {
		log_fail(EX_USAGE, "%s is delegated: its keys are the "
		    "vendor's", name);
		return -1;
	}
	keys = ks_keys(lc->ks, &n);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i]->vendor, name) == 0 &&
		    keys[i]->alg == alg && keys[i]->state != KS_DESTROYED &&
		    lc_vendor(lc, keys[i]) == NULL)
			orphans++;
	if (!has_alg(v, alg) && orphans == 0) {
		log_fail(EX_USAGE, "%s: no %s in its algorithms and no %s key "
		    "left in the keystore", name, dk_alg_name(alg),
		    dk_alg_name(alg));
		return -1;
	}
	rec = ks_vendor(lc->ks, name, true);
	rec->decommission_algs |= 1U << alg;
	extra = xasprintf(",\"vendor\":\"%s\",\"alg\":\"%s\"%s", name,
	    dk_alg_name(alg), has_alg(v, alg) ? "" : ",\"orphan\":true");
	ks_journal(lc->ks, lc->now, lc->simulated, "decommission", NULL,
	    KS_EV_COUNT, extra);
	free(extra);
	return lc_commit(lc);
}
