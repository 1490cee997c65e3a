/*
 * config_check.c - passes two to four: each section as a whole, the
 * expansion of domains_file sections into vendors, and the selectors of the
 * vendors that share a domain.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "support/dkim.h"
#include "support/log.h"
#include "support/util.h"

static char *
strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Pass two: each section as a whole. */

static void
check_global(struct parser *p, const struct section *sec)
{
	if (p->cfg->passphrase_file != NULL && p->cfg->passphrase_env != NULL)
		config_err(p,
		    config_later_line(sec, "passphrase_file", "passphrase_env"),
		    "passphrase_file and passphrase_env exclude each other; "
		    "keep one");
}

/* Keys given that do not apply to the vendor's mode. */
static void
check_mode_keys(struct parser *p, const struct section *sec)
{
	enum only wrong =
	    sec->v.mode == MODE_MANAGED ? ONLY_DELEGATED : ONLY_MANAGED;
	size_t i;
	unsigned line;

	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].only != wrong || config_keys[i].def.global ||
		    (line = config_key_line(sec, config_keys[i].def.name)) == 0)
			continue;
		config_err(p, line, "%s: not used by %s vendors",
		    config_keys[i].def.name,
		    wrong == ONLY_MANAGED ? "delegated" : "managed");
	}
}

static void
check_timers(struct parser *p, const struct section *sec)
{
	const struct vendor *v = &sec->v;
	char a[32], b[32];

	if (v->overlap < (int64_t)v->ttl)
		config_err(p, config_later_line(sec, "overlap", "ttl"),
		    "overlap (%s) is "
		    "below ttl (%s): caches may still serve the retired key",
		    util_fmt_duration(v->overlap, a, sizeof(a)),
		    util_fmt_duration(v->ttl, b, sizeof(b)));
	if (v->revoke_for < (int64_t)v->ttl)
		config_err(p, config_later_line(sec, "revoke_for", "ttl"),
		    "revoke_for (%s) "
		    "is below ttl (%s): caches may still serve the old key",
		    util_fmt_duration(v->revoke_for, a, sizeof(a)),
		    util_fmt_duration(v->ttl, b, sizeof(b)));
	if (v->publish_ahead + v->generate_margin >= v->rotate_every)
		config_err(p,
		    config_later_line(sec, "rotate_every", "publish_ahead"),
		    "rotate_every (%s) must be longer than publish_ahead and "
		    "generate_margin together",
		    util_fmt_duration(v->rotate_every, a, sizeof(a)));
	if (v->rotate_spread > 0 && v->publish_ahead + v->generate_margin +
	    v->rotate_spread >= v->rotate_every)
		config_err(p,
		    config_later_line(sec, "rotate_spread", "rotate_every"),
		    "rotate_spread (%s) leaves no time for the first rotation: "
		    "keep it below rotate_every less publish_ahead and "
		    "generate_margin",
		    util_fmt_duration(v->rotate_spread, a, sizeof(a)));
	if (v->reveal && !v->verify_dns)
		config_err(p, config_later_line(sec, "reveal", "verify_dns"),
		    "reveal = yes "
		    "needs verify_dns = yes: a key is revealed only once DNS "
		    "is seen to have dropped it");
}

static void
check_managed(struct parser *p, struct section *sec)
{
	struct vendor *v = &sec->v;

	if (v->nalgs == 0 && config_key_line(sec, "algorithms") == 0) {
		v->algs[0].alg = DK_ALG_RSA;
		v->algs[0].bits = DK_RSA_DEFAULT_BITS;
		v->nalgs = 1;
	}
	if (v->selector == NULL && config_key_line(sec, "selector") == 0)
		config_err(p, sec->line,
		    "[%s] needs selector, a template such as "
		    "%.8s%%Y%%m%%a",
		    sec->name, sec->name + 7);
	else if (v->selector != NULL && v->nalgs == 2 &&
	    !config_template_has(v->selector, 'a') &&
	    !config_template_has(v->selector, 'n'))
		config_err(p, config_later_line(sec, "selector", "algorithms"),
		    "selector: "
		    "with two algorithms the template needs %%a or %%n to "
		    "tell their keys apart");
	check_timers(p, sec);
}

static void
check_delegated(struct parser *p, const struct section *sec)
{
	const struct vendor *v = &sec->v;
	size_t i;

	if (v->nselectors == 0 && config_key_line(sec, "selectors") == 0)
		config_err(p, sec->line,
		    "[%s] is delegated and needs selectors", sec->name);
	for (i = 0; i < v->ncname_targets; i++)
		if (!config_strv_has(v->selectors, v->nselectors,
			v->cname_targets[i].selector))
			config_err(p, config_key_line(sec, "cname_targets"),
			    "cname_targets: "
			    "%s is not in selectors",
			    v->cname_targets[i].selector);
	for (i = 0; i < v->nstandby; i++)
		if (!config_strv_has(
			v->selectors, v->nselectors, v->standby_selectors[i]))
			config_err(p, config_key_line(sec, "standby_selectors"),
			    "standby_selectors: %s is not in selectors",
			    v->standby_selectors[i]);
}

static void
check_vendor(struct parser *p, struct section *sec)
{
	const struct vendor *v = &sec->v;

	if (v->domain != NULL && v->domains_file != NULL)
		config_err(p, config_later_line(sec, "domain", "domains_file"),
		    "domain and "
		    "domains_file exclude each other; keep one");
	else if (config_key_line(sec, "domain") == 0 &&
	    config_key_line(sec, "domains_file") == 0)
		config_err(p, sec->line, "[%s] needs domain or domains_file",
		    sec->name);
	if (v->nhooks > 0 && v->nbatch_hooks > 0)
		config_err(p, config_later_line(sec, "hooks", "batch_hooks"),
		    "hooks and "
		    "batch_hooks exclude each other; a section has one or the "
		    "other");
	check_mode_keys(p, sec);
	if (v->mode == MODE_MANAGED)
		check_managed(p, sec);
	else
		check_delegated(p, sec);
}

void
config_check_sections(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->nsecs; i++) {
		if (p->secs[i].global)
			check_global(p, &p->secs[i]);
		else
			check_vendor(p, &p->secs[i]);
	}
}

/* Pass three: vendors, one per domain of a domains_file. */

struct dom {
	const char *name;
	size_t sec; /* index in p->secs */
	unsigned line; /* in that section's domains_file; 0: domain = */
};

struct dommap {
	struct dom *tab;
	size_t cap, n;
};

static struct dom *
dommap_slot(const struct dommap *m, const char *name)
{
	uint64_t h = 14695981039346656037ULL;
	const char *s;
	size_t i;

	for (s = name; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	for (i = (size_t)h & (m->cap - 1);
	     m->tab[i].name != NULL && strcmp(m->tab[i].name, name) != 0;
	     i = (i + 1) & (m->cap - 1))
		;
	return &m->tab[i];
}

/* The entry for name, or NULL. */
static const struct dom *
dommap_get(const struct dommap *m, const char *name)
{
	const struct dom *d;

	if (m->cap == 0)
		return NULL;
	d = dommap_slot(m, name);
	return d->name != NULL ? d : NULL;
}

/* Adds name (not copied: it must outlive the map) unless present. */
static void
dommap_add(struct dommap *m, const char *name, size_t sec, unsigned line)
{
	struct dommap old = *m;
	struct dom *d;
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		m->cap = m->cap == 0 ? 64 : 2 * m->cap;
		m->tab = xcalloc(m->cap, sizeof(*m->tab));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.tab[i].name != NULL)
				dommap_add(m, old.tab[i].name, old.tab[i].sec,
				    old.tab[i].line);
		free(old.tab);
	}
	if ((d = dommap_slot(m, name))->name != NULL)
		return;
	d->name = name;
	d->sec = sec;
	d->line = line;
	m->n++;
}

static struct hookvar *
hookvars_dup(const struct hookvar *h, size_t n)
{
	struct hookvar *out = n > 0 ? xcalloc(n, sizeof(*out)) : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].name = xstrdup(h[i].name);
		out[i].value = xstrdup(h[i].value);
	}
	return out;
}

/* A new vendor in cfg, copied from a section's settings. */
static struct vendor *
vendor_add(struct config *cfg, const struct section *sec, const char *domain)
{
	const struct vendor *t = &sec->v;
	struct vendor *v;
	size_t i;

	/* capacity doubles at each power of two: domains files can be long */
	if ((cfg->nvendors & (cfg->nvendors - 1)) == 0)
		cfg->vendors = xrealloc(cfg->vendors,
		    (cfg->nvendors == 0 ? 1 : 2 * cfg->nvendors) *
			sizeof(*cfg->vendors));
	v = &cfg->vendors[cfg->nvendors++];
	*v = *t;
	v->section = xstrdup(sec->name + 7);
	v->name = t->domains_file == NULL
	    ? xstrdup(v->section)
	    : xasprintf("%s/%s", v->section, domain);
	v->line = sec->line;
	v->domain = xstrdup(domain);
	v->selector = strdup_or_null(t->selector);
	v->hooks = config_strv_dup(t->hooks, t->nhooks);
	v->batch_hooks = config_strv_dup(t->batch_hooks, t->nbatch_hooks);
	v->hookvars = hookvars_dup(t->hookvars, t->nhookvars);
	v->resolver = strdup_or_null(t->resolver);
	v->selectors = config_strv_dup(t->selectors, t->nselectors);
	v->standby_selectors =
	    config_strv_dup(t->standby_selectors, t->nstandby);
	v->domains_file = strdup_or_null(t->domains_file);
	v->cname_targets = t->ncname_targets == 0
	    ? NULL
	    : xcalloc(t->ncname_targets, sizeof(*v->cname_targets));
	for (i = 0; i < t->ncname_targets; i++) {
		v->cname_targets[i].selector =
		    xstrdup(t->cname_targets[i].selector);
		v->cname_targets[i].target =
		    xstrdup(t->cname_targets[i].target);
	}
	return v;
}

/* One line of a domains_file: the domain in it (lowercased, in place), or
 * NULL for a blank or comment line. */
static char *
domain_line(char *line)
{
	char *s = line + strspn(line, " \t\r\n"), *end;

	if ((end = strchr(s, '#')) != NULL)
		*end = '\0';
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*s == '\0')
		return NULL;
	config_lowercase(s);
	if (end - s > 1 && end[-1] == '.')
		end[-1] = '\0';
	return s;
}

static void
domain_taken(struct parser *p, const char *file, unsigned line, const char *d,
    const struct dom *prev, size_t si)
{
	const struct section *o = &p->secs[prev->sec];

	if (prev->sec == si)
		config_err_in(p, file, line,
		    "duplicate domain %s (first on line %u)", d, prev->line);
	else if (prev->line == 0)
		config_err_in(p, file, line,
		    "%s is also served by [%s] (%s:%u)", d, o->name, p->file,
		    config_key_line(o, "domain"));
	else
		config_err_in(p, file, line,
		    "%s is also served by [%s] (%s:%u)", d, o->name,
		    o->v.domains_file, prev->line);
}

static void
expand_file(struct parser *p, size_t si, struct dommap *m)
{
	const struct section *sec = &p->secs[si];
	const char *path = sec->v.domains_file;
	unsigned kl = config_key_line(sec, "domains_file"), n = 0;
	const struct dom *prev;
	struct vendor *v;
	char *line = NULL, *d;
	size_t cap = 0;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		config_err(
		    p, kl, "domains_file: %s: %s", path, strerror(errno));
		return;
	}
	if (config_trust_at(p, kl, path) == -1)
		goto done;
	while (getline(&line, &cap, f) != -1) {
		n++;
		if ((d = domain_line(line)) == NULL)
			continue;
		if (!util_valid_domain(d))
			config_err_in(p, path, n,
			    "invalid domain '%s': one name a "
			    "line, A-labels (xn--) of letters, digits and "
			    "hyphens",
			    d);
		else if ((prev = dommap_get(m, d)) != NULL)
			domain_taken(p, path, n, d, prev, si);
		else {
			v = vendor_add(p->cfg, sec, d);
			v->domains_line = n;
			dommap_add(m, v->domain, si, n);
		}
	}
	if (ferror(f))
		config_err_in(
		    p, path, n + 1, "read error: %s", strerror(errno));
done:
	free(line);
	fclose(f);
}

void
config_expand(struct parser *p)
{
	struct dommap m = {0};
	const struct section *sec;
	size_t i;

	/* domain = may repeat across sections; a domains_file line may not
	 * name any of them, wherever that section is in the file */
	for (i = 0; i < p->nsecs; i++)
		if (!p->secs[i].global && p->secs[i].v.domain != NULL)
			dommap_add(&m, p->secs[i].v.domain, i, 0);
	for (i = 0; i < p->nsecs; i++) {
		sec = &p->secs[i];
		if (sec->global ||
		    (sec->v.domain != NULL) == (sec->v.domains_file != NULL))
			continue;
		if (sec->v.domain != NULL)
			vendor_add(p->cfg, sec, sec->v.domain);
		else
			expand_file(p, i, &m);
	}
	free(m.tab);
}

/* Pass four: selectors of the vendors sharing a domain. */

/*
 * Whether selector s can come out of template t: tokens match what they
 * expand to, and a "-N" suffix (added when an expansion is taken) may end
 * it.
 */
static bool
template_match(const char *t, const char *s)
{
	static const char fixed[] = "YmdHj";
	static const int width[] = {4, 2, 2, 2, 3};
	const char *f;
	int i;

	if (*t == '\0')
		return *s == '\0' ||
		    (s[0] == '-' && s[1] != '\0' &&
			strspn(s + 1, "0123456789") == strlen(s + 1));
	if (*t != '%' || t[1] == '%')
		return *s == (*t == '%' ? '%' : *t) &&
		    template_match(t + (*t == '%' ? 2 : 1), s + 1);
	if (t[1] == 'a')
		return (*s == 'r' || *s == 'e') && template_match(t + 2, s + 1);
	if (t[1] == 'n') {
		for (i = 0; isdigit((unsigned char)s[i]); i++)
			if (template_match(t + 2, s + i + 1))
				return true;
		return false;
	}
	if ((f = strchr(fixed, t[1])) == NULL)
		return false;
	for (i = 0; i < width[f - fixed]; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return template_match(t + 2, s + i);
}

static const struct section *
section_of(const struct parser *p, const struct vendor *v)
{
	size_t i;

	for (i = 0; i < p->nsecs; i++)
		if (!p->secs[i].global &&
		    strcmp(p->secs[i].name + 7, v->section) == 0)
			return &p->secs[i];
	return NULL;
}

/* A template (managed) against the selectors of a delegated vendor. */
static void
check_template_vs_list(struct parser *p, const struct vendor *m,
    const struct vendor *d, const struct vendor *later)
{
	const struct section *ls = section_of(p, later);
	size_t i;

	for (i = 0; m->selector != NULL && i < d->nselectors; i++)
		if (template_match(m->selector, d->selectors[i]))
			config_err(p,
			    config_later_line(ls,
				later == m ? "selector" : "selectors", NULL),
			    "selector %s of [vendor:%s] on "
			    "%s can also come from the template %s of "
			    "[vendor:%s]",
			    d->selectors[i], d->name, d->domain, m->selector,
			    m->name);
}

/* a is before b in the file; errors are reported at b's lines. */
static void
check_pair(struct parser *p, const struct vendor *a, const struct vendor *b)
{
	const struct section *bs = section_of(p, b);
	size_t i;

	if (a->mode == MODE_MANAGED && b->mode == MODE_MANAGED) {
		if (a->selector != NULL && b->selector != NULL &&
		    strcmp(a->selector, b->selector) == 0)
			config_err(p, config_later_line(bs, "selector", NULL),
			    "selector "
			    "template %s on %s is also used by [vendor:%s]; "
			    "selectors must be unique per domain",
			    b->selector, b->domain, a->name);
	} else if (a->mode == MODE_MANAGED)
		check_template_vs_list(p, a, b, b);
	else if (b->mode == MODE_MANAGED)
		check_template_vs_list(p, b, a, b);
	else
		for (i = 0; i < b->nselectors; i++)
			if (config_strv_has(
				a->selectors, a->nselectors, b->selectors[i]))
				config_err(p,
				    config_later_line(bs, "selectors", NULL),
				    "selector %s on %s is also listed by "
				    "[vendor:%s]",
				    b->selectors[i], b->domain, a->name);
}

static int
by_domain(const void *x, const void *y)
{
	const struct vendor *a = *(const struct vendor *const *)x;
	const struct vendor *b = *(const struct vendor *const *)y;
	int c = strcmp(a->domain, b->domain);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

void
config_check_selectors(struct parser *p)
{
	const struct config *cfg = p->cfg;
	const struct vendor **by;
	size_t i, j, start;

	if (cfg->nvendors < 2)
		return;
	by = xcalloc(cfg->nvendors, sizeof(*by));
	for (i = 0; i < cfg->nvendors; i++)
		by[i] = &cfg->vendors[i];
	qsort(by, cfg->nvendors, sizeof(*by), by_domain);
	for (start = 0; start < cfg->nvendors; start = i)
		for (i = start + 1; i < cfg->nvendors &&
		     strcmp(by[i]->domain, by[start]->domain) == 0;
		     i++)
			for (j = start; j < i; j++)
				check_pair(p, by[j], by[i]);
	free(by);
}
