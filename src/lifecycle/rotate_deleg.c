/*
 * rotate_deleg.c - delegated vendors: each selector's CNAME chain
 * followed, the key at its end validated and recorded (SPEC section 2).
 */
#include <stdlib.h>
#include <string.h>

#include "delegated.h"
#include "rotate_deleg.h"
#include "dns/dnscheck.h"
#include "support/log.h"

/* Records what was seen; a new fingerprint is a vendor rotation. */
static void
observe(struct run *run, const struct vendor *v, const char *sel,
    const struct dnscheck_delegated *d)
{
	struct ks_observation *o;
	struct buf extra = { 0 };
	char fpr[2 * DNSCHECK_FPR_LEN + 1];

	if (run->o->dry_run || !d->has_fpr)
		return;
	o = ks_observation(run->lc->ks, v->name, sel, true);
	if (o->first_seen != 0 && memcmp(o->fpr, d->fpr, sizeof(o->fpr)) == 0 &&
	    o->revoked == d->revoked) {
		o->last_seen = run->lc->now;
		return;
	}
	if (o->first_seen != 0) {
		util_hex(d->fpr, sizeof(d->fpr), fpr);
		buf_printf(&extra, ",\"delegated\":\"%s\",\"new_fingerprint\":"
		    "\"sha256:%s\"", sel, fpr);
		ks_journal(run->lc->ks, run->lc->now, run->lc->simulated,
		    "vendor-rotation", NULL, KS_EV_COUNT, extra.data);
		rotate_report_add(run->r, v->name, NULL, false,
		    "vendor rotated", "%s now serves sha256:%.16s", sel, fpr);
		buf_free(&extra);
	}
	memcpy(o->fpr, d->fpr, sizeof(o->fpr));
	o->alg = d->alg;
	o->bits = d->bits;
	o->revoked = d->revoked;
	o->first_seen = o->last_seen = run->lc->now;
	/* the CNAME we publish, where the chain starts */
	ks_set_target(run->lc->ks, o, d->nchain > 0 ? d->chain[0] : NULL);
}

static void
one(struct run *run, const struct vendor *v, const char *sel)
{
	struct dnscheck_delegated d;
	const char *want = lc_cname_target(v, sel);
	struct dnsq *q = run_dns(run, v);
	const char *first;
	char *name;
	size_t i;

	if (q == NULL || run->o->dry_run)
		return;
	name = xasprintf("%s._domainkey.%s", sel, v->domain);
	if (dnscheck_delegated(q, name, &d) == -1) {
		free(name);
		return;
	}
	first = d.nchain > 0 ? d.chain[0] : NULL;
	if (d.unreachable_all)
		run->unreached++;
	else
		run->reached++;
	if (want != NULL && (first == NULL || strcmp(first, want) != 0))
		rotate_report_add(run->r, v->name, NULL, true, "failed",
		    "%s: CNAME points to %s, not %s (a CNAME to anything else "
		    "is a takeover risk)", name, first != NULL ? first :
		    "nothing", want);
	else if ((d.absent || d.revoked) && !lc_standby(v, sel))
		rotate_report_add(run->r, v->name, NULL, true, "failed",
		    "%s: %s", name, d.absent ? "no key served" : "key revoked");
	for (i = 0; i < d.nproblems; i++)
		rotate_report_add(run->r, v->name, NULL, true, "failed",
		    "%s: %s", name, d.problems[i]);
	if (d.weak)
		rotate_report_add(run->r, v->name, NULL, false, "warning",
		    "%s: rsa key of %u bits; ask the vendor for 2048", name,
		    d.bits);
	observe(run, v, sel, &d);
	dnscheck_delegated_clear(&d);
	free(name);
}

void
rotate_delegated(struct run *run, const struct vendor *v)
{
	size_t i;

	for (i = 0; i < v->nselectors; i++)
		one(run, v, v->selectors[i]);
	if (!run->o->dry_run)
		run_commit(run);
}
