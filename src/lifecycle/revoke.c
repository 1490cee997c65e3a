/*
 * revoke.c - a compromised key marked, retired and revoked now.
 */
#include <string.h>

#include "event_hooks.h"
#include "hook_user.h"
#include "lifecycle.h"
#include "revoke.h"
#include "support/log.h"
#include "support/util.h"

int
revoke_mark(struct lc *lc, const char *arg, const char *reason,
    struct revoke_result *r)
{
	struct ks_key *k;
	struct buf extra = { 0 };
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (lc_clock_ok(lc) == -1 || (k = lc_find(lc, arg)) == NULL)
		return -1;
	r->v = lc_vendor(lc, k);
	if (r->v != NULL && lc_hook_user_ok(lc) == -1)
		return -1;
	if (k->state >= KS_REVOKED || k->compromised) {
		log_fail(EX_USAGE, "revoke: %s._domainkey.%s is %s%s; nothing "
		    "to revoke", k->selector, k->domain,
		    k->compromised ? "already compromised and " : "",
		    ks_state_name(k->state));
		return -1;
	}
	k->compromised = true;
	ks_set_reason(lc->ks, k, reason);
	if (k->state <= KS_ACTIVE) {
		k->state = KS_RETIRED;
		k->retired = lc->now;
		/* a compromised key gets no retire event */
		k->hooks_done = KS_EV_BIT(KS_EV_RETIRE);
	}
	buf_puts(&extra, ",\"reason\":");
	buf_json_str(&extra, reason);
	ks_journal(lc->ks, lc->now, lc->simulated, "compromised", k,
	    KS_EV_COUNT, extra.data);
	if (lc_commit(lc) == -1)
		goto out;
	r->key = k;
	rc = 0;
out:
	buf_free(&extra);
	return rc;
}

void
revoke_hand_over(struct lc *lc, struct revoke_result *r)
{
	struct ks_key *k = r->key;

	r->hooks = lc_hooks(lc, r->v, k, KS_EV_REVOKE, NULL, NULL);
	if (r->hooks != HOOK_OK) {
		/* the error the hooks left is kept for rotate's retry */
		lc_commit(lc);
		return;
	}
	k->hooks_done |= KS_EV_BIT(KS_EV_REVOKE);
	if (!r->v->verify_dns) {
		k->state = KS_REVOKED;
		k->revoked = lc->now;
		k->hooks_done = 0;
	}
	ks_set_error(lc->ks, k, NULL, 0);
	ks_journal(lc->ks, lc->now, lc->simulated, "revoke", k,
	    KS_EV_REVOKE, "");
	r->handed = lc_commit(lc) == 0;
}
