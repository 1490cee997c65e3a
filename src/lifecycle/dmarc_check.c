/*
 * dmarc_check.c - a vendor's DMARC record, SPF and alignment judged from
 * DNS (dmarc_check.h). Parsing is dns/dmarcrec.c's, dns/spfrec.c's and
 * dns/psl.c's; this file asks and decides.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc_check.h"
#include "dmarc_obs.h"
#include "dns/dnswire.h"
#include "dns/spfrec.h"
#include "support/log.h"
#include "support/util.h"

/* include: and redirect= followed at most this deep */
#define SPF_MAX_DEPTH 10

bool
dmarc_wanted(const struct vendor *v)
{
	return v->from_domain != NULL || v->nspf_include > 0 ||
	    v->dmarc_none_max > 0;
}

struct psl *
dmarc_psl_open(const struct config *cfg, char **why)
{
	const char *path = cfg->public_suffix_list;
	struct psl *p = NULL;
	char *data = xmalloc(PSL_MAX_BYTES + 1);
	size_t len;
	FILE *f;

	*why = NULL;
	if ((f = fopen(path, "re")) == NULL) {
		*why = xasprintf("%s: %s; install publicsuffix or set "
		    "public_suffix_list", path, strerror(errno));
		goto out;
	}
	len = fread(data, 1, PSL_MAX_BYTES + 1, f);
	if (ferror(f))
		*why = xasprintf("%s: read error", path);
	else if ((p = psl_parse(data, len)) == NULL)
		*why = xasprintf("%s: larger than %u octets or %u rules", path,
		    PSL_MAX_BYTES, PSL_MAX_RULES);
	fclose(f);
out:
	free(data);
	return p;
}

struct psl *
dmarc_psl_load(const struct config *cfg)
{
	char *why;
	struct psl *p = dmarc_psl_open(cfg, &why);

	if (p == NULL)
		log_warn("dmarc: %s; %s", why, DMARC_NO_PSL);
	free(why);
	return p;
}

const char *
dmarc_org(const struct psl *psl, const char *name)
{
	const char *dot;
	long at;

	if (psl != NULL) {
		at = psl_org_domain(psl, name);
		return at >= 0 ? name + at : name;
	}
	/* no list: the last two labels (DMARC_NO_PSL says so) */
	if ((dot = strrchr(name, '.')) == NULL)
		return name;
	while (dot > name && dot[-1] != '.')
		dot--;
	return dot;
}

/* One _dmarc.DOMAIN lookup as it came out, kept for the run. */
struct dmarc_seen {
	char *resolver; /* the vendor's resolver setting, "" the default */
	char *name;     /* "_dmarc.example.com" */
	int n;          /* v=DMARC1 records; -1: the lookup failed */
	bool parsed;
	struct dmarc d; /* d.why points to a static string */
	char *fail;     /* the finding when n is -1 */
	bool unreachable;
};

/* Entries by (resolver, name), open addressing, cap a power of 2. */
struct seen_table {
	struct dmarc_seen **slot;
	size_t n, cap;
};

struct dmarc_cache {
	struct seen_table seen; /* the _dmarc lookups */
	struct seen_table said; /* the lines check printed: name, what */
	size_t lookups;
};

struct dmarc_cache *
dmarc_cache_new(void)
{
	return xcalloc(1, sizeof(struct dmarc_cache));
}

static void
table_free(struct seen_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->slot[i] != NULL) {
			free(t->slot[i]->resolver);
			free(t->slot[i]->name);
			free(t->slot[i]->fail);
			free(t->slot[i]);
		}
	free(t->slot);
}

void
dmarc_cache_free(struct dmarc_cache *c)
{
	if (c == NULL)
		return;
	table_free(&c->seen);
	table_free(&c->said);
	free(c);
}

size_t
dmarc_cache_lookups(const struct dmarc_cache *c)
{
	return c->lookups;
}

/* FNV-1a of the resolver and the name, the name without case. */
static size_t
seen_hash(const char *resolver, const char *name)
{
	uint64_t h = 14695981039346656037u;
	const unsigned char *p;

	for (p = (const unsigned char *)resolver; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211u;
	h = (h ^ 0xff) * 1099511628211u;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ (unsigned char)(*p >= 'A' && *p <= 'Z' ? *p + 32 :
		    *p)) * 1099511628211u;
	return (size_t)h;
}

/* The slot of (resolver, name): the entry, or the empty slot for it. */
static struct dmarc_seen **
seen_slot(struct seen_table *t, const char *resolver, const char *name)
{
	size_t i = seen_hash(resolver, name) & (t->cap - 1);

	while (t->slot[i] != NULL && (strcmp(t->slot[i]->resolver,
	    resolver) != 0 || strcasecmp(t->slot[i]->name, name) != 0))
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

/*
 * The entry of (resolver, name), made (zeroed but for its key) when
 * there was none: *made says so.
 */
static struct dmarc_seen *
seen_get(struct seen_table *t, const char *resolver, const char *name,
    bool *made)
{
	struct dmarc_seen **old = t->slot, **slot;
	size_t i, cap = t->cap;

	if (2 * (t->n + 1) > t->cap) {
		t->cap = cap != 0 ? 2 * cap : 64;
		t->slot = xcalloc(t->cap, sizeof(*t->slot));
		for (i = 0; i < cap; i++)
			if (old[i] != NULL)
				*seen_slot(t, old[i]->resolver,
				    old[i]->name) = old[i];
		free(old);
	}
	*made = *(slot = seen_slot(t, resolver, name)) == NULL;
	if (*made) {
		*slot = xcalloc(1, sizeof(**slot));
		(*slot)->resolver = xstrdup(resolver);
		(*slot)->name = xstrdup(name);
		t->n++;
	}
	return *slot;
}

bool
dmarc_cache_said(struct dmarc_cache *c, const struct dmarc_finding *f)
{
	char *key = xasprintf("%s %s", f->name, f->what);
	bool made;

	(void)seen_get(&c->said, f->ok ? "ok" : "error", key, &made);
	free(key);
	return !made;
}

static void
add(struct dmarc_result *r, bool ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct dmarc_result *r, bool ok, const char *name, const char *fmt, ...)
{
	struct dmarc_finding *f;
	va_list ap;
	char *what;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (what == NULL)
		abort();
	r->f = xrealloc(r->f, (r->n + 1) * sizeof(*r->f));
	f = &r->f[r->n++];
	f->name = xstrdup(name);
	f->ok = ok;
	f->what = what;
	r->errors |= !ok;
	r->warnings += ok && strncmp(what, "warning: ", 9) == 0;
}

/*
 * The TXT records at name that keep(): their count, and the first in
 * *rec (valid until *a is freed). -1 after adding a finding when no
 * server gave an answer to judge by (the first that did is used).
 */
static int
lookup(struct dnsq *q, const char *name,
    bool (*keep)(const char *, size_t), struct dnsq_answer **a, size_t *na,
    const struct dnsq_txt **rec, struct dmarc_result *r)
{
	const struct dnsq_answer *use = NULL;
	char canon[DNSWIRE_NAME_TEXT_MAX];
	size_t i, n = 0;

	*a = NULL;
	*na = 0;
	*rec = NULL;
	/* names from DNS (include:, redirect=) are untrusted: a bad one is
	 * a finding, not a failure of the run (dnsq_txt would log 65) */
	if (dnswire_name_canon(name, canon) == -1 || strcmp(canon, ".") == 0) {
		add(r, false, name, "not a valid DNS name");
		return -1;
	}
	if (dnsq_txt(q, name, a, na) == -1) {
		add(r, false, name, "cannot be looked up");
		return -1;
	}
	for (i = 0; i < *na && use == NULL; i++)
		if ((*a)[i].status <= DNSQ_NXDOMAIN)
			use = &(*a)[i];
	if (use == NULL) {
		r->unreachable |= dnsq_all_unreachable(*a, *na) != 0;
		add(r, false, name, "lookup failed: %s%s%s",
		    *na > 0 ? dnsq_status_name((*a)[0].status) : "no server",
		    *na > 0 && (*a)[0].error != NULL ? ": " : "",
		    *na > 0 && (*a)[0].error != NULL ? (*a)[0].error : "");
		return -1;
	}
	for (i = 0; i < use->nrrs; i++)
		if (keep(use->rrs[i].text, use->rrs[i].len) && n++ == 0)
			*rec = &use->rrs[i];
	return (int)n;
}

/* Looks up _dmarc.domain into e (its finding, when it failed, too). */
static void
seen_lookup(struct dnsq *q, struct dmarc_seen *e)
{
	struct dmarc_result tmp;
	struct dnsq_answer *a;
	const struct dnsq_txt *rec;
	size_t na;

	memset(&tmp, 0, sizeof(tmp));
	e->n = lookup(q, e->name, dmarc_is_record, &a, &na, &rec, &tmp);
	if (e->n == -1) {
		e->fail = tmp.n > 0 ? xstrdup(tmp.f[0].what) :
		    xstrdup("cannot be looked up");
		e->unreachable = tmp.unreachable;
	} else if (e->n == 1)
		e->parsed = dmarc_parse(rec->text, rec->len, &e->d) == 0;
	dnsq_answers_free(a, na);
	dmarc_result_clear(&tmp);
}

/*
 * The record at _dmarc.domain, asked once a run for each resolver
 * setting: 1 found (parsed or not), 0 none, -1 failed or several
 * (findings added).
 */
static int
dmarc_at(struct dnsq *q, struct dmarc_cache *c, const struct vendor *v,
    const char *domain, struct dmarc_result *r)
{
	const char *resolver = v->resolver != NULL ? v->resolver : "";
	char *name = xasprintf("_dmarc.%s", domain);
	struct dmarc_seen *e;
	bool made;
	int n;

	e = seen_get(&c->seen, resolver, name, &made);
	if (made) {
		seen_lookup(q, e);
		c->lookups++;
	}
	n = e->n;
	if (n == -1) {
		add(r, false, name, "%s", e->fail);
		r->unreachable |= e->unreachable;
	} else if (n > 1) {
		add(r, false, name, "%d v=DMARC1 records: receivers apply no "
		    "DMARC policy (RFC 7489 section 6.6.3); keep one", n);
		n = -1;
	} else if (n == 1) {
		r->record = xstrdup(name);
		r->d = e->d;
		if (e->parsed)
			r->has_policy = true;
		else
			add(r, false, name, "invalid DMARC record: %s",
			    e->d.why);
	}
	free(name);
	return n;
}

static void
dmarc_judge(const struct vendor *v, int64_t now, int64_t none_since,
    struct dmarc_result *r)
{
	const struct dmarc *d = &r->d;
	char age[32];

	r->applies = r->inherited ? d->sp : d->p;
	add(r, true, r->record, "DMARC for %s (vendor %s%s%s): p=%s%s%s "
	    "adkim=%c aspf=%c pct=%u%s%s", v->from_domain != NULL ?
	    v->from_domain : v->domain, v->name, r->inherited ? ", inherited "
	    "from the organizational domain, sp= applies" : "",
	    r->inherited && r->org_guessed ? "; " DMARC_NO_PSL : "",
	    dmarc_policy_name(d->p), d->has_sp ? " sp=" : "",
	    d->has_sp ? dmarc_policy_name(d->sp) : "",
	    d->adkim_strict ? 's' : 'r', d->aspf_strict ? 's' : 'r', d->pct,
	    d->rua[0] != '\0' ? " rua=" : "", d->rua);
	if (r->applies != DMARC_NONE || v->dmarc_none_max == 0)
		return;
	if (none_since == 0 || none_since > now)
		none_since = now;
	if (now - none_since > v->dmarc_none_max)
		add(r, true, r->record, "warning: the policy has been none "
		    "since %s, longer than dmarc_none_max (%s): move to "
		    "quarantine or reject", util_fmt_time(none_since,
		    (char[UTIL_TIME_LEN]){ 0 }),
		    util_fmt_duration(v->dmarc_none_max, age, sizeof(age)));
}

/*
 * The record that applies to the From domain: its own, else its
 * organizational domain's. None is a warning (DMARC cannot pass, yet
 * nothing is wrong with the keys), an error when from_domain says the
 * vendor sends as that domain.
 */
static void
dmarc_policy(struct dnsq *q, struct dmarc_cache *c, const struct psl *psl,
    const struct vendor *v, int64_t now, int64_t none_since,
    struct dmarc_result *r)
{
	const char *dom = v->from_domain != NULL ? v->from_domain : v->domain;
	const char *org = dmarc_org(psl, dom);
	int n;

	r->org_guessed = psl == NULL;
	if ((n = dmarc_at(q, c, v, dom, r)) == 0 && strcmp(org, dom) != 0) {
		r->inherited = true;
		n = dmarc_at(q, c, v, org, r);
	}
	if (n == 0)
		add(r, v->from_domain == NULL, dom, "%sno DMARC record applies "
		    "to %s: DMARC cannot pass (none at _dmarc.%s%s%s%s%s)",
		    v->from_domain == NULL ? "warning: " : "", dom, dom,
		    r->inherited ? " nor at its organizational domain "
		    "_dmarc." : "", r->inherited ? org : "",
		    r->inherited && r->org_guessed ? "; " : "",
		    r->inherited && r->org_guessed ? DMARC_NO_PSL : "");
	if (r->has_policy)
		dmarc_judge(v, now, none_since, r);
}

/*
 * Adds the DNS lookups of the SPF record at name, and of the records it
 * includes or redirects to, to *count, stopping once over the limit.
 * The record at name is parsed into s. Returns -1 after adding a finding
 * (no record, several, or one that does not parse: a permerror wherever
 * it is met).
 */
static int
spf_count(struct dnsq *q, const char *name, unsigned depth, unsigned *count,
    struct spf *s, struct dmarc_result *r)
{
	struct dnsq_answer *a;
	const struct dnsq_txt *rec;
	struct spf *sub = NULL;
	size_t na, i;
	int n, rc = -1;
	bool all = false;

	n = lookup(q, name, spf_is_record, &a, &na, &rec, r);
	if (n == 0)
		add(r, false, name, "no SPF record%s", depth > 0 ?
		    " (included: a permerror)" : "");
	else if (n > 1)
		add(r, false, name, "%d v=spf1 records: a permerror (RFC 7208 "
		    "section 4.5); keep one", n);
	else if (n == 1 && spf_parse(rec->text, rec->len, s) == -1) {
		add(r, false, name, "invalid SPF record: %s", s->why);
		s->nterms = 0;
	} else if (n == 1)
		rc = 0;
	dnsq_answers_free(a, na);
	if (rc == -1)
		return -1;
	*count += spf_lookups(s);
	for (i = 0; i < s->nterms; i++)
		all |= s->terms[i].kind == SPF_ALL;
	for (i = 0; i < s->nterms && rc == 0; i++) {
		if (*count > SPF_MAX_LOOKUPS || depth >= SPF_MAX_DEPTH)
			break;
		/* a macro cannot be expanded without a message */
		if ((s->terms[i].kind != SPF_INCLUDE &&
		    (s->terms[i].kind != SPF_REDIRECT || all)) ||
		    strchr(s->terms[i].arg, '%') != NULL)
			continue;
		if (sub == NULL)
			sub = xmalloc(sizeof(*sub));
		rc = spf_count(q, s->terms[i].arg, depth + 1, count, sub, r);
	}
	free(sub);
	return rc;
}

static void
spf_check(struct dnsq *q, const struct vendor *v, struct dmarc_result *r)
{
	struct spf *top = xcalloc(1, sizeof(*top));
	unsigned count = 0;
	bool ok = true;
	size_t i, before = r->n;

	r->spf = 0;
	if (spf_count(q, v->domain, 0, &count, top, r) == -1 &&
	    top->nterms == 0)
		goto out;
	r->spf_lookups = count;
	if (count > SPF_MAX_LOOKUPS) {
		add(r, false, v->domain, "SPF needs more than %d DNS lookups "
		    "(%u counted through include: and redirect=): a permerror "
		    "(RFC 7208 section 4.6.4)", SPF_MAX_LOOKUPS, count);
		ok = false;
	}
	for (i = 0; i < v->nspf_include; i++)
		if (!spf_has(top, v->spf_include[i])) {
			add(r, false, v->domain, "SPF lacks %s; add it before "
			    "the all", v->spf_include[i]);
			ok = false;
		}
	for (i = before; i < r->n; i++)
		ok &= r->f[i].ok;
	if (ok) {
		add(r, true, v->domain, "SPF holds %s%s, %u DNS lookup%s",
		    v->spf_include[0], v->nspf_include > 1 ? " and the rest" :
		    "", count, count == 1 ? "" : "s");
		r->spf = 1;
	}
out:
	free(top);
}

/* Whether d aligns with from: equal (strict), or the same organizational
 * domain (relaxed). */
static bool
aligns(const struct psl *psl, const char *d, const char *from, bool strict)
{
	if (strcasecmp(d, from) == 0)
		return true;
	return !strict &&
	    strcasecmp(dmarc_org(psl, d), dmarc_org(psl, from)) == 0;
}

static void
align_check(const struct psl *psl, const struct vendor *v,
    struct dmarc_result *r)
{
	bool strict = r->has_policy && r->d.adkim_strict;

	r->aligned = aligns(psl, v->domain, v->from_domain, strict);
	if (r->aligned)
		add(r, true, v->domain, "DKIM d=%s aligns with From %s "
		    "(adkim=%c%s%s)", v->domain, v->from_domain, strict ? 's' :
		    'r', r->has_policy ? "" : ", no valid DMARC record read",
		    psl == NULL && strcasecmp(v->domain, v->from_domain) != 0 ?
		    "; " DMARC_NO_PSL : "");
	else if (strict && aligns(psl, v->domain, v->from_domain, false))
		add(r, false, v->domain, "DKIM d=%s does not align with From "
		    "%s under adkim=s; it would under adkim=r", v->domain,
		    v->from_domain);
	else
		add(r, false, v->domain, "DKIM d=%s does not align with From "
		    "%s%s: sign with a domain under %s", v->domain,
		    v->from_domain, psl == NULL ? " (" DMARC_NO_PSL ")" : "",
		    dmarc_org(psl, v->from_domain));
}

void
dmarc_judge_vendor(struct dnsq *q, struct dmarc_cache *cache,
    const struct psl *psl, const struct vendor *v, int64_t now,
    int64_t none_since, struct dmarc_result *r)
{
	struct dmarc_cache *mine = cache == NULL ? dmarc_cache_new() : NULL;

	memset(r, 0, sizeof(*r));
	r->spf = -1;
	r->aligned = -1;
	/* a server that timed out on the keys is not waited for again */
	dnsq_skip_unreachable(q, true);
	dmarc_policy(q, cache != NULL ? cache : mine, psl, v, now,
	    none_since, r);
	if (v->nspf_include > 0)
		spf_check(q, v, r);
	if (v->from_domain != NULL)
		align_check(psl, v, r);
	dnsq_skip_unreachable(q, false);
	dmarc_cache_free(mine);
}

void
dmarc_check_vendor(struct dnsq *q, const struct psl *psl,
    const struct vendor *v, int64_t now, int64_t none_since,
    struct dmarc_result *r)
{
	dmarc_judge_vendor(q, NULL, psl, v, now, none_since, r);
}

void
dmarc_summary_fill(const struct vendor *v, const struct dmarc_result *r,
    struct dmarc_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->vendor = xstrdup(v->name);
	s->domain = xstrdup(v->from_domain != NULL ? v->from_domain :
	    v->domain);
	s->record = r->record != NULL ? xstrdup(r->record) : NULL;
	s->inherited = r->record != NULL && r->inherited;
	s->valid = r->has_policy;
	s->d = r->d;
	s->applies = r->applies;
	s->errors = r->errors;
	s->warnings = r->warnings;
}

void
dmarc_summary_clear(struct dmarc_summary *s)
{
	free(s->vendor);
	free(s->domain);
	free(s->record);
	memset(s, 0, sizeof(*s));
}

void
dmarc_result_clear(struct dmarc_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->f[i].name);
		free(r->f[i].what);
	}
	free(r->f);
	free(r->record);
	memset(r, 0, sizeof(*r));
}

char *
dmarc_config_warning(const struct psl *psl, const struct vendor *v)
{
	if (v->from_domain == NULL ||
	    strcasecmp(v->domain, v->from_domain) == 0)
		return NULL;
	if (psl != NULL && !aligns(psl, v->domain, v->from_domain, false))
		return xasprintf("%s: domain %s never aligns with from_domain "
		    "%s: DMARC fails under any adkim", v->name, v->domain,
		    v->from_domain);
	return xasprintf("%s: domain %s aligns with from_domain %s only "
	    "under adkim=r: DMARC fails where the policy says adkim=s",
	    v->name, v->domain, v->from_domain);
}

size_t
dmarc_warn_config(const struct config *cfg, char *const *vendors, size_t n)
{
	struct psl *psl = NULL;
	bool loaded = false, named;
	size_t i, j, found = 0;
	char *w;

	for (i = 0; i < cfg->nvendors; i++) {
		const struct vendor *v = &cfg->vendors[i];

		for (j = 0, named = n == 0; j < n && !named; j++)
			named = strcmp(vendors[j], v->name) == 0 ||
			    strcmp(vendors[j], v->section) == 0;
		if (!named || v->from_domain == NULL ||
		    strcasecmp(v->domain, v->from_domain) == 0)
			continue;
		if (!loaded) {
			psl = dmarc_psl_load(cfg);
			loaded = true;
		}
		if ((w = dmarc_config_warning(psl, v)) != NULL) {
			log_warn("%s", w);
			found++;
		}
		free(w);
	}
	psl_free(psl);
	return found;
}

char *
dmarc_pass_start(struct lc *lc, struct dmarc_pass *p)
{
	char *why, *t = NULL;

	p->cache = dmarc_cache_new();
	if ((p->psl = dmarc_psl_open(lc->cfg, &why)) == NULL)
		t = xasprintf("warning: public suffix list %s; %s", why,
		    DMARC_NO_PSL);
	free(why);
	dmarc_obs_load(lc, p->obs);
	return t;
}

void
dmarc_pass_end(struct lc *lc, struct dmarc_pass *p)
{
	psl_free(p->psl);
	dmarc_cache_free(p->cache);
	dmarc_obs_save(lc, p->obs);
	dmarc_obs_free(p->obs);
}
