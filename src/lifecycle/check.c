/*
 * check.c - the served records judged against the keystore.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delegated.h"
#include "dmarc_check.h"
#include "dmarc_obs.h"
#include "lifecycle.h"
#include "dns/dnscheck.h"
#include "dns/dnsquery.h"
#include "support/dkim.h"
#include "support/util.h"

static void
check_add(struct check_report *r, bool ok, const char *name,
    const char *what, const char *detail)
{
	struct check_line *l;

	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? 2 * r->cap : 16;
		r->lines = xrealloc(r->lines, r->cap * sizeof(*r->lines));
	}
	l = &r->lines[r->n++];
	l->name = xstrdup(name);
	l->ok = ok;
	l->what = xstrdup(what);
	l->detail = detail != NULL ? xstrdup(detail) : NULL;
}

/* One record compared with what the keystore expects of it. */
static bool
check_key(struct dnsq *q, const struct vendor *v, const struct ks_key *k,
    struct check_report *r)
{
	bool revoked = k->state == KS_REVOKED ||
	    (k->hooks_done & KS_EV_BIT(KS_EV_REVOKE)) != 0;
	bool gone = k->state == KS_WITHDRAWN;
	struct dnscheck dc;
	struct buf why = { 0 };
	char *name = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	bool ok = false;
	size_t i;

	if (dnscheck_key_testing(q, name, k->alg, revoked || gone ? NULL :
	    k->pub, revoked || gone ? 0 : k->publen, v->testing, &dc) == -1)
		goto out;
	ok = gone ? dc.absent : revoked ? dc.revoked_served : dc.served;
	if (dc.unreachable_all)
		ok = false;
	for (i = 0; i < dc.nservers && !ok; i++)
		buf_printf(&why, "%s%s: %s", i ? "; " : "",
		    dc.servers[i].answer->server, dc.servers[i].detail);
	check_add(r, ok, name, gone ? "expected no record" : revoked ?
	    "expected the revoked record (p= empty)" : "expected the key",
	    why.data);
	if (k->alg == DK_ALG_RSA && k->bits < DK_RSA_WARN_BITS)
		check_add(r, true, name, "warning: rsa key below 2048 bits "
		    "(RFC 8301)", NULL);
	if (dc.unreachable_all)
		r->unreachable = true;
	buf_free(&why);
	dnscheck_clear(&dc);
out:
	free(name);
	return ok;
}

/* The problems of a delegated record, as lines; false when there are. */
static bool
check_deleg_problems(const struct vendor *v, const char *sel,
    const char *name, const struct dnscheck_delegated *d,
    struct check_report *r)
{
	const char *want = lc_cname_target(v, sel);
	const char *first = d->nchain > 0 ? d->chain[0] : NULL;
	bool ok = true;
	size_t i;
	char *t;

	/* no server answered: nothing is known of the CNAME */
	if (!d->unreachable_all && want != NULL &&
	    (first == NULL || strcmp(first, want) != 0)) {
		t = xasprintf("CNAME to %s, expected %s", first != NULL ?
		    first : "nothing", want);
		check_add(r, false, name, t, NULL);
		free(t);
		ok = false;
	}
	if (d->unreachable_all ||
	    ((d->absent || d->revoked) && !lc_standby(v, sel))) {
		check_add(r, false, name, d->unreachable_all ?
		    "no server reachable" : d->absent ? "no key" : "revoked",
		    NULL);
		ok = false;
	}
	for (i = 0; i < d->nproblems; i++, ok = false)
		check_add(r, false, name, d->problems[i], NULL);
	return ok;
}

static bool
check_delegated(struct dnsq *q, const struct vendor *v, const char *sel,
    struct check_report *r)
{
	struct dnscheck_delegated d;
	char *name = xasprintf("%s._domainkey.%s", sel, v->domain), *t;
	bool ok = false;

	if (dnscheck_delegated(q, name, &d) == -1)
		goto out;
	ok = check_deleg_problems(v, sel, name, &d, r);
	if (ok && (d.absent || d.revoked))
		check_add(r, true, name, d.absent ? "standby selector, no key "
		    "served" : "standby selector, revoked", NULL);
	else if (ok) {
		t = xasprintf("delegated to %s, %s %u bits%s", d.nchain > 0 ?
		    d.chain[0] : "(no CNAME)", dk_alg_name(d.alg), d.bits,
		    d.weak ? " (weak)" : "");
		check_add(r, true, name, t, NULL);
		free(t);
	}
	if (d.unreachable_all)
		r->unreachable = true;
	dnscheck_delegated_clear(&d);
out:
	free(name);
	return ok;
}

/* The vendor's DMARC record, SPF and alignment, one line a finding. */
static bool
check_dmarc(struct lc *lc, struct dnsq *q, const struct dmarc_pass *p,
    const struct vendor *v, struct check_report *r)
{
	struct dmarc_obs_set *obs = p->obs;
	struct dmarc_result d;
	size_t i;
	bool ok;

	dmarc_judge_vendor(q, p->cache, p->psl, v, lc->now,
	    dmarc_obs_none_since(obs, v), &d);
	for (i = 0; i < d.n; i++)
		if (!dmarc_cache_said(p->cache, &d.f[i]))
			check_add(r, d.f[i].ok, d.f[i].name, d.f[i].what,
			    NULL);
	r->unreachable |= d.unreachable;
	r->dmarc = xrealloc(r->dmarc, (r->ndmarc + 1) * sizeof(*r->dmarc));
	dmarc_summary_fill(v, &d, &r->dmarc[r->ndmarc++]);
	ok = !d.errors;
	/* status shows the vendors rotate judges too: those that ask */
	if (dmarc_wanted(v))
		dmarc_obs_note(obs, v, lc->now, &d);
	dmarc_result_clear(&d);
	return ok;
}

static bool
check_vendor(struct lc *lc, const struct vendor *v, struct dmarc_pass *p,
    struct check_report *r)
{
	struct ks_key *const *keys;
	struct dnsq *q = NULL;
	size_t n, i;
	bool ok = true;

	if (dnsq_new(v->resolver != NULL ? v->resolver : lc->cfg->resolver,
	    lc->cfg->resolver_ca, lc->cfg->dns_timeout, &q) == -1)
		return false;
	for (i = 0; i < v->nselectors; i++)
		ok &= check_delegated(q, v, v->selectors[i], r);
	keys = lc_keys_of(lc, v->name, &n);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i]->vendor, v->name) == 0 &&
		    keys[i]->state >= KS_PUBLISHED &&
		    keys[i]->state <= KS_WITHDRAWN)
			ok &= check_key(q, v, keys[i], r);
	ok &= check_dmarc(lc, q, p, v, r);
	dnsq_free(q);
	return ok;
}

/*
 * An orphan key (its vendor no longer configured): one not decommissioned
 * is a problem; a decommissioned one that rotate takes to destroyed with
 * a remaining section's settings (lc_heir_template) is checked like that
 * section's keys, with its resolver; that of a removed section is not
 * checked, and the line says why.
 */
static bool
check_orphan(struct lc *lc, const struct ks_key *k, struct check_report *r)
{
	const struct vendor *t = lc_heir_template(lc, k);
	char *name = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	char why[512], next[512], *what;
	struct dnsq *q = NULL;
	bool ok = true;

	if (!lc_leaving(lc, k) || t == NULL) {
		ok = lc_leaving(lc, k);
		what = xasprintf("orphan: %s; %s", lc_orphan_why(lc, k, why,
		    sizeof(why)), lc_orphan_next(lc, k, next, sizeof(next)));
		check_add(r, ok, name, what, ok ? "not checked" : NULL);
		free(what);
	} else if (k->state >= KS_PUBLISHED && k->state <= KS_WITHDRAWN) {
		ok = dnsq_new(t->resolver != NULL ? t->resolver :
		    lc->cfg->resolver, lc->cfg->resolver_ca,
		    lc->cfg->dns_timeout, &q) == 0 && check_key(q, t, k, r);
		dnsq_free(q);
	}
	free(name);
	return ok;
}

/* Whether v is named among vendors[0..n) (its name or its section);
 * every vendor is when n is 0. */
static bool
check_wanted(char *const *vendors, size_t n, const struct vendor *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(vendors[i], v->name) == 0 ||
		    strcmp(vendors[i], v->section) == 0)
			return true;
	return n == 0;
}

int
check_run(struct lc *lc, char *const *vendors, size_t n,
    struct check_report *r)
{
	struct dmarc_obs_set obs = { 0 };
	struct dmarc_pass p = { .obs = &obs };
	struct ks_key *const *keys;
	size_t nkeys, i, j;
	char *t;

	memset(r, 0, sizeof(*r));
	r->ok = true;
	for (i = 0; i < lc->cfg->nvendors; i++) {
		const struct vendor *v = &lc->cfg->vendors[i];

		if (!check_wanted(vendors, n, v))
			continue;
		if (p.cache == NULL &&
		    (t = dmarc_pass_start(lc, &p)) != NULL) {
			check_add(r, true, lc->cfg->public_suffix_list, t,
			    NULL);
			free(t);
		}
		r->ok &= check_vendor(lc, v, &p, r);
	}
	dmarc_pass_end(lc, &p);
	keys = ks_keys(lc->ks, &nkeys);
	for (i = 0; i < nkeys; i++) {
		if (keys[i]->state == KS_DESTROYED ||
		    lc_vendor(lc, keys[i]) != NULL)
			continue;
		for (j = 0; j < n; j++)
			if (lc_vendor_named(vendors[j], keys[i]->vendor))
				break;
		if (n == 0 || j < n)
			r->ok &= check_orphan(lc, keys[i], r);
	}
	return r->ok ? 0 : -1;
}

void
check_report_free(struct check_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->lines[i].name);
		free(r->lines[i].what);
		free(r->lines[i].detail);
	}
	free(r->lines);
	for (i = 0; i < r->ndmarc; i++)
		dmarc_summary_clear(&r->dmarc[i]);
	free(r->dmarc);
	memset(r, 0, sizeof(*r));
}
