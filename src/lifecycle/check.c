/*
 * check.c - the served records judged against the keystore.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delegated.h"
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
check_key(struct dnsq *q, const struct ks_key *k, struct check_report *r)
{
	bool revoked = k->state == KS_REVOKED ||
	    (k->hooks_done & KS_EV_BIT(KS_EV_REVOKE)) != 0;
	bool gone = k->state == KS_WITHDRAWN;
	struct dnscheck dc;
	struct buf why = { 0 };
	char *name = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	bool ok = false;
	size_t i;

	if (dnscheck_key(q, name, k->alg, revoked || gone ? NULL : k->pub,
	    revoked || gone ? 0 : k->publen, &dc) == -1)
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

static bool
check_vendor(struct lc *lc, const struct vendor *v, struct check_report *r)
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
			ok &= check_key(q, keys[i], r);
	dnsq_free(q);
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
	size_t i;

	memset(r, 0, sizeof(*r));
	r->ok = true;
	for (i = 0; i < lc->cfg->nvendors; i++)
		if (check_wanted(vendors, n, &lc->cfg->vendors[i]))
			r->ok &= check_vendor(lc, &lc->cfg->vendors[i], r);
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
	memset(r, 0, sizeof(*r));
}
