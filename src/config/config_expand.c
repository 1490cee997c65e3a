/*
 * config_expand.c - pass three: the vendors of the result, one for each
 * section with domain and one for each line of a domains_file, copied from
 * the section's settings. A domain is served by one section only.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_expand.h"
#include "config_trust.h"
#include "config_util.h"
#include "support/dkim.h"
#include "support/hmap.h"
#include "support/util.h"

struct dom {
	size_t sec; /* index in p->secs */
	unsigned line; /* in that section's domains_file; 0: domain = */
};

/* The domains seen so far: the map from a name (not copied: it must
 * outlive the map) to its index in doms. */
struct dommap {
	struct hmap byname;
	struct dom *doms;
	size_t n;
};

/* The entry for name, or NULL. */
static const struct dom *
dommap_get(const struct dommap *m, const char *name)
{
	size_t i = hmap_get(&m->byname, name, NULL);

	return i != HMAP_NONE ? &m->doms[i] : NULL;
}

/* Adds name unless present. */
static void
dommap_add(struct dommap *m, const char *name, size_t sec, unsigned line)
{
	if (hmap_get(&m->byname, name, NULL) != HMAP_NONE)
		return;
	/* capacity doubles at each power of two */
	if ((m->n & (m->n - 1)) == 0)
		m->doms = xrealloc(m->doms,
		    (m->n == 0 ? 1 : 2 * m->n) * sizeof(*m->doms));
	m->doms[m->n].sec = sec;
	m->doms[m->n].line = line;
	hmap_put(&m->byname, name, NULL, m->n++);
}

static char *
strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
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

/*
 * The longest selector a section can give: its template with every token
 * at its widest (%n: a 32-bit counter), or its longest listed selector
 * (delegated).
 */
static size_t
selector_max(const struct vendor *v)
{
	static const char tokens[] = "YmdHjan%";
	static const size_t width[] = { 4, 2, 2, 2, 3, 1, 10, 1 };
	const char *s, *tok;
	size_t i, n = 0;

	if (v->mode == MODE_DELEGATED) {
		for (i = 0; i < v->nselectors; i++)
			if (strlen(v->selectors[i]) > n)
				n = strlen(v->selectors[i]);
		return n;
	}
	for (s = v->selector != NULL ? v->selector : ""; *s != '\0'; s++) {
		if (*s == '%' && s[1] != '\0' &&
		    (tok = strchr(tokens, s[1])) != NULL) {
			n += width[tok - tokens];
			s++;
		} else
			n++;
	}
	return n;
}

/* Whether SELECTOR._domainkey.DOMAIN can exceed a DNS name: reports it at
 * file:line (file NULL: the config) and returns true. */
static bool
name_too_long(struct parser *p, const struct section *sec, const char *file,
    unsigned line, const char *domain)
{
	size_t sel = selector_max(&sec->v), name = sel +
	    strlen("._domainkey.") + strlen(domain);
	const char *what = sec->v.mode == MODE_DELEGATED ? "selectors" :
	    "selector template";

	if (name <= DK_NAME_MAX)
		return false;
	if (file == NULL)
		config_err(p, line, "SELECTOR._domainkey.%s can reach %zu "
		    "octets (%s up to %zu), over the %d of a DNS name; shorten "
		    "the %s or the domain", domain, name, what, sel,
		    DK_NAME_MAX, what);
	else
		config_err_in(p, file, line, "SELECTOR._domainkey.%s can reach "
		    "%zu octets (%s of [%s] up to %zu), over the %d of a DNS "
		    "name", domain, name, what, sec->name, sel, DK_NAME_MAX);
	return true;
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
	v->from_domain = strdup_or_null(t->from_domain);
	v->spf_include = config_strv_dup(t->spf_include, t->nspf_include);
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
	struct stat st;
	FILE *f;

	if ((f = config_fopen(path)) == NULL) {
		config_err(
		    p, kl, "domains_file: %s: %s", path, strerror(errno));
		return;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		config_err(p, kl, "domains_file: %s: not a regular file", path);
		goto done;
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
		else if (config_domain_why(d) != NULL)
			config_err_in(p, path, n, "invalid domain '%s': %s", d,
			    config_domain_why(d));
		else if (name_too_long(p, sec, path, n, d))
			continue;
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
		if (sec->v.domain != NULL) {
			if (!name_too_long(p, sec, NULL, config_later_line(sec,
			    "domain", sec->v.mode == MODE_DELEGATED ?
			    "selectors" : "selector"), sec->v.domain))
				vendor_add(p->cfg, sec, sec->v.domain);
		} else
			expand_file(p, i, &m);
	}
	hmap_clear(&m.byname);
	free(m.doms);
	/* no room to spare: at 100,000 domains the doubling left 30% */
	if (p->cfg->nvendors > 0)
		p->cfg->vendors = xrealloc(p->cfg->vendors, p->cfg->nvendors *
		    sizeof(*p->cfg->vendors));
	/* config_vendor() by hash: the vendors array is final now; a
	 * section's first vendor under (section, "") */
	for (i = 0; i < p->cfg->nvendors; i++) {
		if (hmap_get(&p->cfg->byname, p->cfg->vendors[i].name,
		    NULL) == HMAP_NONE) /* the first of a name wins */
			hmap_put(&p->cfg->byname, p->cfg->vendors[i].name,
			    NULL, i);
		if (hmap_get(&p->cfg->byname, p->cfg->vendors[i].section,
		    "") == HMAP_NONE)
			hmap_put(&p->cfg->byname, p->cfg->vendors[i].section,
			    "", i);
	}
}
