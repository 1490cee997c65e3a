/*
 * rotate_deleg.c - delegated vendors: each selector's CNAME chain
 * followed, the key at its end validated and recorded (SPEC section 2).
 */
#include <stdarg.h>
#include <stdio.h>
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

	const char *target = d->nchain > 0 ? d->chain[0] : NULL;

	if (run->o->dry_run || d->unreachable_all)
		return;
	if (!d->has_fpr) {
		/* no key: the CNAME seen all the same (status, metrics) */
		o = ks_observation(run->lc->ks, v->name, sel, false);
		if (o != NULL)
			ks_set_target(run->lc->ks, o, target);
		return;
	}
	o = ks_observation(run->lc->ks, v->name, sel, true);
	if (o->first_seen != 0 && memcmp(o->fpr, d->fpr, sizeof(o->fpr)) == 0 &&
	    o->revoked == d->revoked) {
		o->last_seen = run->lc->now;
		ks_set_target(run->lc->ks, o, target);
		return;
	}
	if (o->first_seen != 0) {
		o->rotations++;
		util_hex(d->fpr, sizeof(d->fpr), fpr);
		/* the vendor, so that `log VENDOR` shows it */
		buf_puts(&extra, ",\"vendor\":");
		buf_json_str(&extra, v->name);
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
	ks_set_target(run->lc->ks, o, target);
}

/* A failed line of the report; the vendor's first failure of the run is
 * kept in *first (malloc'd) for its record. */
static void __attribute__((format(printf, 4, 5)))
failed(struct run *run, const struct vendor *v, char **first,
    const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	if (vasprintf(&t, fmt, ap) < 0)
		t = NULL;
	va_end(ap);
	if (t == NULL)
		return;
	rotate_report_add(run->r, v->name, NULL, true, "failed", "%s", t);
	if (*first == NULL)
		*first = t;
	else
		free(t);
}

/* Returns whether DNS was asked. */
static bool
one(struct run *run, const struct vendor *v, const char *sel, char **first)
{
	struct dnscheck_delegated d;
	const char *want = lc_cname_target(v, sel);
	struct dnsq *q = run_dns(run, v);
	const char *target;
	char *name;
	size_t i;

	if (q == NULL || run->o->dry_run)
		return false;
	name = xasprintf("%s._domainkey.%s", sel, v->domain);
	if (dnscheck_delegated(q, name, &d) == -1) {
		free(name);
		return false;
	}
	target = d.nchain > 0 ? d.chain[0] : NULL;
	if (d.unreachable_all)
		run->unreached++;
	else
		run->reached++;
	if (d.unreachable_all) /* nothing seen, not a CNAME to nothing */
		failed(run, v, first, "%s: DNS unreachable: no server "
		    "answered", name);
	else if (want != NULL && (target == NULL || strcmp(target, want) != 0))
		failed(run, v, first, "%s: CNAME points to %s, not %s (a CNAME "
		    "to anything else is a takeover risk)", name, target !=
		    NULL ? target : "nothing", want);
	else if ((d.absent || d.revoked) && !lc_standby(v, sel))
		failed(run, v, first, "%s: %s", name, d.absent ?
		    "no key served" : "key revoked");
	for (i = 0; i < d.nproblems; i++)
		failed(run, v, first, "%s: %s", name, d.problems[i]);
	if (d.weak)
		rotate_report_add(run->r, v->name, NULL, false, "warning",
		    "%s: rsa key of %u bits; ask the vendor for 2048", name,
		    d.bits);
	observe(run, v, sel, &d);
	dnscheck_delegated_clear(&d);
	free(name);
	return true;
}

/* The vendor's record keeps its first failure of the run, where status
 * sees it; a run without failure clears it. */
static void
record(struct run *run, const struct vendor *v, const char *first)
{
	struct ks_vendor *rec = ks_vendor(run->lc->ks, v->name, false);

	if (first == NULL && (rec == NULL || rec->error == NULL))
		return;
	if (rec == NULL)
		rec = ks_vendor(run->lc->ks, v->name, true);
	if (first == NULL || rec->error == NULL ||
	    strcmp(rec->error, first) != 0)
		ks_set_vendor_error(run->lc->ks, rec, first, run->lc->now);
}

void
rotate_delegated(struct run *run, const struct vendor *v)
{
	char *first = NULL;
	bool asked = false;
	size_t i;

	for (i = 0; i < v->nselectors; i++)
		asked |= one(run, v, v->selectors[i], &first);
	if (asked)
		record(run, v, first);
	free(first);
	if (!run->o->dry_run)
		run_commit(run);
}
