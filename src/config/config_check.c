/*
 * config_check.c - passes two and four: each section as a whole, and the
 * selectors of the vendors that share a domain (once config_expand.c has
 * made them).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_check.h"
#include "config_util.h"
#include "config_value.h"
#include "support/dkim.h"
#include "support/util.h"

/* Pass two: each section as a whole. */

/* The etcd_* keys: only with an etcd keystore, and in their pairs. */
static void
check_etcd(struct parser *p, const struct section *sec)
{
	static const char *const keys[] = { "etcd_ca", "etcd_cert",
		"etcd_key", "etcd_user", "etcd_password_file" };
	const struct config *c = p->cfg;
	unsigned line;

	for (size_t i = 0; c->etcd_endpoints == NULL && i < ARRAY_LEN(keys);
	    i++)
		if ((line = config_key_line(sec, keys[i])) != 0)
			config_err(p, line, "%s: only for keystore = "
			    "etcd://HOST:PORT/PREFIX", keys[i]);
	if ((c->etcd_cert == NULL) != (c->etcd_key == NULL))
		config_err(p, config_later_line(sec, "etcd_cert", "etcd_key"),
		    "etcd_cert and etcd_key go together; give both");
	if ((c->etcd_user == NULL) != (c->etcd_password_file == NULL))
		config_err(p, config_later_line(sec, "etcd_user",
		    "etcd_password_file"), "etcd_user and etcd_password_file "
		    "go together; give both");
}

static void
check_global(struct parser *p, const struct section *sec)
{
	if (p->cfg->passphrase_file != NULL && p->cfg->passphrase_env != NULL)
		config_err(p,
		    config_later_line(sec, "passphrase_file", "passphrase_env"),
		    "passphrase_file and passphrase_env exclude each other; "
		    "keep one");
	check_etcd(p, sec);
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
