/*
 * lifecycle.c - selectors, successors, key lookup and the served set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "lifecycle.h"
#include "dns/dnscheck.h"
#include "support/dkim.h"
#include "support/fault.h"
#include "support/hmap.h"
#include "support/log.h"

/* Expands tokens of tmpl; NULL when the template has a bad token. */
static char *
expand(struct lc *lc, const struct vendor *v, enum dk_alg alg, int64_t t)
{
	const char *p;
	struct buf b = { 0 };
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	for (p = v->selector; *p != '\0'; p++) {
		if (*p != '%') {
			buf_add(&b, p, 1);
			continue;
		}
		switch (*++p) {
		case 'Y':
			buf_printf(&b, "%04d", tm.tm_year + 1900);
			break;
		case 'm':
			buf_printf(&b, "%02d", tm.tm_mon + 1);
			break;
		case 'd':
			buf_printf(&b, "%02d", tm.tm_mday);
			break;
		case 'H':
			buf_printf(&b, "%02d", tm.tm_hour);
			break;
		case 'j':
			buf_printf(&b, "%03d", tm.tm_yday + 1);
			break;
		case 'a':
			buf_puts(&b, alg == DK_ALG_RSA ? "r" : "e");
			break;
		case 'n':
			buf_printf(&b, "%u", ks_counter_next(lc->ks, v->name));
			break;
		case '%':
			buf_puts(&b, "%");
			break;
		default:
			buf_free(&b);
			return NULL;
		}
	}
	buf_add(&b, "", 0);
	return b.data;
}

int
lc_clock_ok(struct lc *lc)
{
	int64_t last = ks_last_now(lc->ks);
	char a[UTIL_TIME_LEN], b[UTIL_TIME_LEN], d[32];

	if (last == 0 || lc->accept_jump ||
	    (lc->now >= last && lc->now - last <= lc->cfg->max_clock_jump))
		return 0;
	util_fmt_duration(lc->cfg->max_clock_jump, d, sizeof(d));
	util_fmt_time(lc->now, a);
	util_fmt_time(last, b);
	if (lc->now < last)
		log_fail(1, "clock: now (%s) is before the keystore's last "
		    "change (%s); nothing changed; check the clock, or run "
		    "with --accept-time-jump", a, b);
	else
		log_fail(1, "clock: now (%s) is more than max_clock_jump (%s) "
		    "after the keystore's last change (%s); nothing changed; "
		    "check the clock, or run with --accept-time-jump", a, d,
		    b);
	return -1;
}

int
lc_commit(struct lc *lc)
{
	int64_t last = ks_last_now(lc->ks);

	if (lc_clock_ok(lc) == -1)
		return -1;
	return ks_commit(lc->ks, lc->now > last ? lc->now : last);
}

int
lc_simulation_ok(struct lc *lc, bool mark)
{
	if (!lc->simulated || ks_simulated_since(lc->ks) != 0)
		return 0;
	if (!mark) {
		log_fail(EX_USAGE, "keystore %s has real-clock history: "
		    "DKIMKEYS_NOW would mix rehearsed times into it; rehearse "
		    "on a copy, or mark it simulated for good with `dkimkeys "
		    "rotate --simulate`", lc->cfg->keystore);
		return -1;
	}
	ks_set_simulated(lc->ks, lc->now);
	ks_journal(lc->ks, lc->now, true, "simulate", NULL, KS_EV_COUNT, "");
	return 0;
}

char *
lc_selector(struct lc *lc, const struct vendor *v, enum dk_alg alg, int64_t t)
{
	char *base, *sel;
	unsigned i;

	base = expand(lc, v, alg, t);
	if (base == NULL || !util_valid_selector(base)) {
		log_fail(EX_CONFIG, "vendor %s: selector template '%s' gives "
		    "'%s', which is not a valid selector", v->name, v->selector,
		    base != NULL ? base : "?");
		free(base);
		return NULL;
	}
	sel = xstrdup(base);
	for (i = 2; ks_name_taken(lc->ks, v->domain, sel); i++) {
		free(sel);
		sel = xasprintf("%s-%u", base, i);
	}
	free(base);
	/* config-check bounds the template; a "-N" may still tip it over */
	if (strlen(sel) + strlen("._domainkey.") + strlen(v->domain) >
	    DK_NAME_MAX) {
		log_fail(EX_CONFIG, "vendor %s: %s._domainkey.%s is over the "
		    "%d octets of a DNS name; shorten the selector template",
		    v->name, sel, v->domain, DK_NAME_MAX);
		free(sel);
		return NULL;
	}
	return sel;
}

/* The keys of each vendor, in keystore order. */
struct vkeys {
	struct ks_key **k;
	size_t n, cap;
};

struct lc_index {
	const struct ks *ks;
	struct ks_key *const *arr; /* ks_keys() when last extended */
	size_t n;                  /* its keys indexed */
	struct hmap by;            /* vendor name -> lists[i] */
	struct vkeys *lists;
	size_t nlists, caplists;
};

size_t lc_index_builds;

void
lc_release(struct lc *lc)
{
	size_t i;

	if (lc->ix == NULL)
		return;
	for (i = 0; i < lc->ix->nlists; i++)
		free(lc->ix->lists[i].k);
	free(lc->ix->lists);
	hmap_clear(&lc->ix->by);
	free(lc->ix);
	lc->ix = NULL;
}

static void
index_add(struct lc_index *ix, struct ks_key *k)
{
	struct vkeys *l;
	size_t i = hmap_get(&ix->by, k->vendor, NULL);

	if (i == HMAP_NONE) {
		if (ix->nlists == ix->caplists) {
			ix->caplists = ix->caplists == 0 ? 64 :
			    2 * ix->caplists;
			ix->lists = xrealloc(ix->lists,
			    ix->caplists * sizeof(*ix->lists));
		}
		i = ix->nlists++;
		memset(&ix->lists[i], 0, sizeof(ix->lists[i]));
		hmap_put(&ix->by, k->vendor, NULL, i); /* k outlives ix */
	}
	l = &ix->lists[i];
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 4 : 2 * l->cap;
		l->k = xrealloc(l->k, l->cap * sizeof(*l->k));
	}
	l->k[l->n++] = k;
}

struct ks_key *const *
lc_keys_of(struct lc *lc, const char *vendor, size_t *n)
{
	struct ks_key *const *keys;
	struct lc_index *ix;
	size_t nk, i;

	keys = ks_keys(lc->ks, &nk);
	ix = lc->ix;
	/* keys are only ever appended: a moved array, another keystore or
	 * fewer keys mean the state was read again, so start over */
	if (ix == NULL || ix->ks != lc->ks || ix->arr != keys || nk < ix->n) {
		lc_release(lc);
		ix = lc->ix = xcalloc(1, sizeof(*ix));
		ix->ks = lc->ks;
		ix->arr = keys;
		lc_index_builds++;
	}
	for (i = ix->n; i < nk; i++)
		if (keys[i]->vendor != NULL)
			index_add(ix, keys[i]);
	ix->n = nk;
	i = hmap_get(&ix->by, vendor, NULL);
	*n = i == HMAP_NONE ? 0 : ix->lists[i].n;
	return i == HMAP_NONE ? NULL : ix->lists[i].k;
}

struct ks_key *
lc_key_in(struct lc *lc, const struct vendor *v, enum dk_alg alg,
    enum ks_state st)
{
	struct ks_key *const *keys;
	size_t n, i;

	keys = lc_keys_of(lc, v->name, &n);
	for (i = 0; i < n; i++)
		if (keys[i]->state == st && keys[i]->alg == alg &&
		    !keys[i]->compromised &&
		    strcmp(keys[i]->vendor, v->name) == 0)
			return keys[i];
	return NULL;
}

struct ks_key *
lc_successor(struct lc *lc, const struct vendor *v, enum dk_alg alg)
{
	struct ks_key *k;

	if ((k = lc_key_in(lc, v, alg, KS_PENDING)) != NULL)
		return k;
	return lc_key_in(lc, v, alg, KS_PUBLISHED);
}

/* Whether key is named by sel (and dom, when not NULL), without regard
 * to case, as DNS names are compared. */
static bool
named(const struct ks_key *key, const char *sel, const char *dom)
{
	return strcasecmp(key->selector, sel) == 0 &&
	    (dom == NULL || strcasecmp(key->domain, dom) == 0);
}

struct ks_key *
lc_find(struct lc *lc, const char *arg)
{
	static const char infix[] = "._domainkey.";
	struct ks_key *const *keys;
	struct ks_key *found = NULL;
	const char *mid;
	char *sel, *dom = NULL;
	size_t n, i, len, matches = 0;

	keys = ks_keys(lc->ks, &n);
	if ((mid = strcasestr(arg, infix)) != NULL) {
		sel = xstrndup(arg, (size_t)(mid - arg));
		dom = xstrdup(mid + sizeof(infix) - 1);
		len = strlen(dom);
		if (len > 0 && dom[len - 1] == '.')
			dom[len - 1] = '\0';
	} else
		sel = xstrdup(arg);
	for (i = 0; i < n; i++) {
		if (named(keys[i], sel, dom)) {
			found = keys[i];
			matches++;
		}
	}
	if (matches == 0 && dom != NULL)
		log_fail(EX_USAGE, "no key %s._domainkey.%s", sel, dom);
	else if (matches == 0)
		log_fail(EX_USAGE, "no key with selector %s", arg);
	else if (matches > 1) {
		log_fail(EX_USAGE, "%s is ambiguous; give one of:", arg);
		for (i = 0; i < n; i++)
			if (named(keys[i], sel, dom))
				fprintf(stderr, "  %s._domainkey.%s\n",
				    keys[i]->selector, keys[i]->domain);
	}
	free(sel);
	free(dom);
	return matches == 1 ? found : NULL;
}

const struct alg_spec *
lc_alg(const struct vendor *v, enum dk_alg want)
{
	size_t i;

	if (v->mode == MODE_DELEGATED) {
		log_fail(EX_USAGE, "vendor %s is delegated: it holds its own "
		    "keys", v->name);
		return NULL;
	}
	if (want == DK_ALG_NONE) {
		if (v->nalgs == 1)
			return &v->algs[0];
		log_fail(EX_USAGE, "vendor %s signs with several algorithms; "
		    "choose one with --alg", v->name);
		return NULL;
	}
	for (i = 0; i < v->nalgs; i++)
		if (v->algs[i].alg == want)
			return &v->algs[i];
	log_fail(EX_USAGE, "vendor %s does not use %s keys (algorithms in "
	    "the config)", v->name, dk_alg_name(want));
	return NULL;
}

int
lc_check_selector(struct lc *lc, const struct vendor *v, const char *sel)
{
	size_t name = strlen(sel) + strlen("._domainkey.") +
	    strlen(v->domain);

	if (!util_valid_selector(sel) || strchr(sel, '_') != NULL) {
		log_fail(EX_USAGE, "selector '%s': not a valid DNS label "
		    "(lowercase letters, digits, hyphens; dots between labels; "
		    "at most 63 octets a label)", sel);
		return -1;
	}
	if (name > DK_NAME_MAX) {
		log_fail(EX_USAGE, "selector '%s': %s._domainkey.%s would be "
		    "%zu octets, over the %d of a DNS name", sel, sel,
		    v->domain, name, DK_NAME_MAX);
		return -1;
	}
	if (ks_name_taken(lc->ks, v->domain, sel)) {
		log_fail(EX_USAGE, "selector %s._domainkey.%s was used before; "
		    "selectors are never reused", sel, v->domain);
		return -1;
	}
	return 0;
}

int
lc_import_fits(const struct vendor *v, const struct keypair *kp,
    bool force)
{
	const struct alg_spec *spec = lc_alg(v, kp->alg);

	if (spec == NULL)
		return -1;
	if (kp->alg != DK_ALG_RSA || kp->bits >= spec->bits || force)
		return 0;
	log_fail(EX_DATAERR, "import: a %u-bit rsa key for vendor %s, which "
	    "signs with rsa-%u; use --force to take it anyway", kp->bits,
	    v->name, spec->bits);
	return -1;
}

/* Checks an explicit selector; returns a copy or NULL after logging. */
static char *
explicit_selector(struct lc *lc, const struct vendor *v, const char *sel)
{
	return lc_check_selector(lc, v, sel) == 0 ? xstrdup(sel) : NULL;
}

/* A new key's metadata: kp's public half, at (v, selector), made now. */
static void
meta_for(const struct lc *lc, const struct vendor *v,
    const struct keypair *kp, char *selector, enum ks_state st,
    struct ks_key *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->vendor = v->name;
	meta->domain = v->domain;
	meta->selector = selector;
	meta->alg = kp->alg;
	meta->bits = kp->bits;
	meta->pub = (unsigned char *)(uintptr_t)kp->pub;
	meta->publen = kp->publen;
	memcpy(meta->fpr, kp->fpr, sizeof(meta->fpr));
	meta->state = st;
	meta->created = lc->now;
}

int
lc_no_successor(struct lc *lc, const struct vendor *v, enum dk_alg alg)
{
	struct ks_key *old;

	if ((old = lc_successor(lc, v, alg)) == NULL)
		return 0;
	log_fail(EX_USAGE, "vendor %s already has a %s successor, "
	    "%s._domainkey.%s (%s)", v->name, dk_alg_name(alg),
	    old->selector, old->domain, ks_state_name(old->state));
	return -1;
}

struct ks_key *
lc_add_successor(struct lc *lc, const struct vendor *v, struct keypair *kp,
    const char *selector, const char *event)
{
	struct ks_key meta, *key = NULL;
	char *sel;

	if (lc_clock_ok(lc) == -1 || lc_no_successor(lc, v, kp->alg) == -1)
		return NULL;
	sel = selector != NULL ? explicit_selector(lc, v, selector) :
	    lc_selector(lc, v, kp->alg, lc->now);
	if (sel == NULL)
		return NULL;
	meta_for(lc, v, kp, sel, KS_PENDING, &meta);
	if ((key = ks_add(lc->ks, &meta, kp->priv)) != NULL) {
		fault_point("generated");
		ks_journal(lc->ks, lc->now, lc->simulated, event, key,
		    KS_EV_COUNT, "");
		if (!lc->defer_commit && lc_commit(lc) == -1)
			key = NULL;
	}
	free(sel);
	return key;
}

char *
lc_new_selector(struct lc *lc, const struct vendor *v, enum dk_alg alg)
{
	if (lc_no_successor(lc, v, alg) == -1)
		return NULL;
	return lc_selector(lc, v, alg, lc->now);
}

void
lc_successor_meta(const struct lc *lc, const struct vendor *v,
    const struct keypair *kp, char *selector, struct ks_key *meta)
{
	meta_for(lc, v, kp, selector, KS_PENDING, meta);
}

struct ks_key *
lc_store_successor(struct lc *lc, const struct ks_key *meta,
    const char *event)
{
	struct ks_key *key;

	if ((key = ks_add_stored(lc->ks, meta)) != NULL) {
		fault_point("generated");
		ks_journal(lc->ks, lc->now, lc->simulated, event, key,
		    KS_EV_COUNT, "");
	}
	return key;
}

int
lc_check_active(struct lc *lc, const struct vendor *v,
    const struct keypair *kp, const char *selector, bool dns)
{
	struct ks_key *old = lc_key_in(lc, v, kp->alg, KS_ACTIVE);
	struct dnsq *q = NULL;
	struct dnscheck dc;
	char *sel, *name;
	int rc = -1;

	if (old != NULL) {
		log_fail(EX_USAGE, "import: vendor %s already has an active %s "
		    "key, %s._domainkey.%s", v->name, dk_alg_name(kp->alg),
		    old->selector, old->domain);
		return -1;
	}
	if ((sel = explicit_selector(lc, v, selector)) == NULL)
		return -1;
	free(sel);
	if (!dns)
		return 0;
	if (dnsq_new(v->resolver != NULL ? v->resolver : lc->cfg->resolver,
	    lc->cfg->resolver_ca, lc->cfg->dns_timeout, &q) == -1)
		return -1;
	name = xasprintf("%s._domainkey.%s", selector, v->domain);
	if (dnscheck_key_testing(q, name, kp->alg, kp->pub, kp->publen,
	    v->testing, &dc) == 0) {
		if (dc.unreachable_all)
			log_fail(EX_UNAVAILABLE, "import: %s: no DNS server "
			    "could be reached", name);
		else if (!dc.served)
			log_fail(EX_DATAERR, "import: %s: DNS does not serve "
			    "this key (%s); publish it first, or give "
			    "--no-dns-check", name, dc.why != NULL ? dc.why :
			    "?");
		else
			rc = 0;
		dnscheck_clear(&dc);
	}
	free(name);
	dnsq_free(q);
	return rc;
}

struct ks_key *
lc_add_active(struct lc *lc, const struct vendor *v, struct keypair *kp,
    const char *selector, int64_t since)
{
	struct ks_key meta, *key;

	if (lc_clock_ok(lc) == -1)
		return NULL;
	meta_for(lc, v, kp, (char *)(uintptr_t)selector, KS_ACTIVE, &meta);
	meta.published = meta.visible = meta.activated = since;
	if ((key = ks_add(lc->ks, &meta, kp->priv)) == NULL)
		return NULL;
	ks_journal(lc->ks, lc->now, lc->simulated, "import", key,
	    KS_EV_COUNT, ",\"state\":\"active\"");
	return lc_commit(lc) == 0 ? key : NULL;
}

int
lc_load(struct lc *lc, const struct ks_key *key, struct keypair *kp)
{
	struct secret *priv = NULL;
	int rc = -1;

	memset(kp, 0, sizeof(*kp));
	if (ks_private(lc->ks, key, &priv) == -1 ||
	    keygen_load(key->alg, key->bits, priv, kp) == -1)
		goto out;
	if (kp->publen != key->publen ||
	    sodium_memcmp(kp->fpr, key->fpr, sizeof(kp->fpr)) != 0) {
		log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: private key "
		    "does not match the stored fingerprint", key->selector,
		    key->domain);
		keypair_clear(kp);
		goto out;
	}
	rc = 0;
out:
	secret_free(priv);
	return rc;
}

bool
lc_served(const struct lc *lc, const struct ks_key *key, bool *revoked)
{
	const struct vendor *v = lc_vendor(lc, key);
	unsigned done = key->hooks_done;

	*revoked = key->state == KS_REVOKED;
	switch (key->state) {
	case KS_PENDING:
		/* publish is due as soon as a key exists */
	case KS_PUBLISHED:
	case KS_ACTIVE:
		return true;
	case KS_RETIRED:
		/* the revocation is due, or handed to DNS already */
		*revoked = (done & KS_EV_BIT(KS_EV_REVOKE)) != 0 ||
		    (v != NULL && policy_revoke_at(v, key) <= lc->now);
		return true;
	case KS_REVOKED:
		return (done & KS_EV_BIT(KS_EV_WITHDRAW)) == 0 &&
		    (v == NULL || policy_withdraw_at(v, key) > lc->now);
	case KS_WITHDRAWN:
	case KS_DESTROYED:
		break;
	}
	return false;
}

const struct vendor *
lc_vendor(const struct lc *lc, const struct ks_key *key)
{
	const struct vendor *v = config_vendor(lc->cfg, key->vendor);
	size_t i;

	if (v == NULL || strcmp(v->domain, key->domain) != 0 ||
	    v->mode != MODE_MANAGED)
		return NULL;
	/* a key of an algorithm the vendor dropped has no schedule */
	for (i = 0; i < v->nalgs; i++)
		if (v->algs[i].alg == key->alg)
			return v;
	return NULL;
}

bool
lc_vendor_named(const char *arg, const char *vendor)
{
	size_t n = strlen(arg);

	return strcmp(arg, vendor) == 0 ||
	    (strncmp(arg, vendor, n) == 0 && vendor[n] == '/');
}

/* A vendor of section sec, or NULL. */
static const struct vendor *
section_vendor(const struct config *cfg, const char *sec, size_t len)
{
	char *name = xstrndup(sec, len);
	const struct vendor *v = config_section_vendor(cfg, name);

	free(name);
	return v;
}

const char *
lc_orphan_why(const struct lc *lc, const struct ks_key *key, char *buf,
    size_t len)
{
	const struct vendor *v = config_vendor(lc->cfg, key->vendor);
	const char *slash = strchr(key->vendor, '/');
	size_t seclen = slash != NULL ? (size_t)(slash - key->vendor) :
	    strlen(key->vendor);

	if (v == NULL && slash != NULL &&
	    (v = section_vendor(lc->cfg, key->vendor, seclen)) != NULL)
		snprintf(buf, len, "%s was removed from %s of section "
		    "[vendor:%.*s]", key->domain, v->domains_file != NULL ?
		    v->domains_file : "the domains_file", (int)seclen,
		    key->vendor);
	else if (v == NULL)
		snprintf(buf, len, "section [vendor:%.*s] was removed",
		    (int)seclen, key->vendor);
	else if (v->mode != MODE_MANAGED)
		snprintf(buf, len, "vendor %s is delegated now", v->name);
	else if (strcmp(v->domain, key->domain) != 0)
		snprintf(buf, len, "vendor %s's domain is %s now, not %s",
		    v->name, v->domain, key->domain);
	else
		snprintf(buf, len, "algorithm %s was dropped from vendor %s",
		    dk_alg_name(key->alg), v->name);
	return buf;
}

const struct vendor *
lc_record_vendor(const struct lc *lc, const struct ks_key *key)
{
	const struct vendor *v = lc_vendor(lc, key);

	return v != NULL ? v : lc_heir_template(lc, key);
}

size_t
lc_orphans_of(const struct lc *lc, const char *arg)
{
	struct ks_key *const *keys;
	size_t n, i, found = 0;

	keys = ks_keys(lc->ks, &n);
	for (i = 0; i < n; i++)
		if (keys[i]->state != KS_DESTROYED &&
		    lc_vendor_named(arg, keys[i]->vendor) &&
		    lc_vendor(lc, keys[i]) == NULL)
			found++;
	return found;
}

const char *
lc_orphan_command(const struct lc *lc, const struct ks_key *key, char *buf,
    size_t len)
{
	if (config_vendor(lc->cfg, key->vendor) != NULL)
		snprintf(buf, len, "dkimkeys decommission %s --alg %s",
		    key->vendor, dk_alg_name(key->alg));
	else
		snprintf(buf, len, "dkimkeys decommission %s", key->vendor);
	return buf;
}

bool
lc_leaving(const struct lc *lc, const struct ks_key *key)
{
	const struct ks_vendor *rec = ks_vendor(lc->ks, key->vendor, false);

	return rec != NULL && (rec->decommission ||
	    (rec->decommission_algs & 1U << key->alg) != 0);
}

const struct vendor *
lc_heir_template(const struct lc *lc, const struct ks_key *key)
{
	const struct vendor *v = config_vendor(lc->cfg, key->vendor);
	const char *slash = strchr(key->vendor, '/');

	if (v == NULL && slash != NULL && strcmp(slash + 1, key->domain) == 0)
		v = section_vendor(lc->cfg, key->vendor,
		    (size_t)(slash - key->vendor));
	if (v == NULL || v->mode != MODE_MANAGED)
		return NULL;
	/* the same name and domain (a dropped algorithm), or a sibling of
	 * a domains_file section */
	if (strcmp(v->name, key->vendor) == 0 ?
	    strcmp(v->domain, key->domain) != 0 : v->domains_file == NULL)
		return NULL;
	return v;
}

size_t
lc_heirs(const struct lc *lc, struct vendor **out)
{
	struct ks_key *const *keys;
	const struct vendor *t;
	struct vendor *h = NULL, *x;
	struct hmap seen = { 0 }; /* (name, domain) -> index in h */
	size_t n, i, j, a, nh = 0;

	keys = ks_keys(lc->ks, &n);
	for (i = 0; i < n; i++) {
		if (keys[i]->state == KS_DESTROYED ||
		    lc_vendor(lc, keys[i]) != NULL ||
		    !lc_leaving(lc, keys[i]) ||
		    (t = lc_heir_template(lc, keys[i])) == NULL)
			continue;
		if ((j = hmap_get(&seen, keys[i]->vendor, keys[i]->domain)) ==
		    HMAP_NONE) {
			j = nh;
			hmap_put(&seen, keys[i]->vendor, keys[i]->domain, j);
			h = xrealloc(h, (nh + 1) * sizeof(*h));
			h[nh] = *t;
			h[nh].name = keys[i]->vendor;
			h[nh].domain = keys[i]->domain;
			h[nh].nalgs = 0;
			h[nh].domains_line = 0;
			nh++;
		}
		x = &h[j];
		for (a = 0; a < x->nalgs; a++)
			if (x->algs[a].alg == keys[i]->alg)
				break;
		if (a == x->nalgs && x->nalgs < CONFIG_MAX_ALGS) {
			x->algs[x->nalgs].alg = keys[i]->alg;
			x->algs[x->nalgs++].bits = keys[i]->bits;
		}
	}
	hmap_clear(&seen);
	*out = h;
	return nh;
}

const char *
lc_orphan_next(const struct lc *lc, const struct ks_key *key, char *buf,
    size_t len)
{
	const struct vendor *t;
	char cmd[300];

	if (!lc_leaving(lc, key))
		snprintf(buf, len, "nothing runs for its keys; retire them "
		    "with: %s", lc_orphan_command(lc, key, cmd, sizeof(cmd)));
	else if ((t = lc_heir_template(lc, key)) != NULL)
		snprintf(buf, len, "decommissioned: rotate retires, revokes, "
		    "withdraws and destroys it with the settings and hooks "
		    "of %s", t->name);
	else
		snprintf(buf, len, "decommissioned: no hook runs for an "
		    "orphan of a removed section, remove its record from "
		    "DNS yourself");
	return buf;
}
