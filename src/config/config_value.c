/*
 * config_value.c - the keys of the configuration and the check of each
 * value, as the parser receives it (SPEC section 4). A setter reports what is
 * wrong with its value at the current line and leaves the field alone.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config_trust.h"
#include "config_util.h"
#include "config_value.h"
#include "support/dkim.h"
#include "support/util.h"

#define FIELD(base, off, type) ((type *)(void *)((char *)(base) + (off)))

static void
set_duration(
    struct parser *p, const struct keydef *k, void *base, const char *val)
{
	int64_t d;

	if (util_parse_duration(val, &d) == -1)
		config_err(p, p->lineno,
		    "%s: bad duration '%s'; write a number "
		    "and a unit: 30s, 15m, 48h, 7d, 26w",
		    k->name, val);
	else if (d < k->min)
		config_err(p, p->lineno, "%s: must be more than 0", k->name);
	else
		*FIELD(base, k->off, int64_t) = d;
}

/* Octets: a number with an optional k, M or G (1024-based), within
 * k->min .. 1 GiB. */
static void
set_size(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	static const char units[] = "kMG";
	const char *u;
	char num[32];
	size_t len = strlen(val);
	uint64_t v, mul = 1;

	if (len > 0 && (u = strchr(units, val[len - 1])) != NULL) {
		mul = (uint64_t)1 << (10 * (u - units + 1));
		len--;
	}
	if (len == 0 || len >= sizeof(num)) {
		config_err(p, p->lineno, "%s: bad size '%s'; write bytes, "
		    "or a number and k, M or G", k->name, val);
		return;
	}
	memcpy(num, val, len);
	num[len] = '\0';
	if (util_parse_uint(num, 0, ((uint64_t)1 << 30) / mul, &v) == -1 ||
	    v * mul < (uint64_t)k->min)
		config_err(p, p->lineno, "%s: expected a size from %lld bytes "
		    "to 1G, not '%s'", k->name, (long long)k->min, val);
	else
		*FIELD(base, k->off, uint64_t) = v * mul;
}

static void
set_bool(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	if (util_parse_bool(val, FIELD(base, k->off, bool)) == -1)
		config_err(p, p->lineno, "%s: expected yes or no, not '%s'",
		    k->name, val);
}

static void
set_ttl(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	uint64_t v;

	if (util_parse_uint(val, 0, 2147483647, &v) == -1)
		config_err(p, p->lineno,
		    "%s: expected seconds from 0 to "
		    "2147483647, not '%s'",
		    k->name, val);
	else
		*FIELD(base, k->off, uint32_t) = (uint32_t)v;
}

static void
set_mode(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	enum vendor_mode *m = FIELD(base, k->off, enum vendor_mode);

	if (strcmp(val, "managed") == 0)
		*m = MODE_MANAGED;
	else if (strcmp(val, "delegated") == 0)
		*m = MODE_DELEGATED;
	else
		config_err(p, p->lineno,
		    "mode: expected managed or delegated, "
		    "not '%s'",
		    val);
}

static void
set_path(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	char **f = FIELD(base, k->off, char *);

	free(*f);
	*f = config_abs_path(p->cfg->dir, val);
}

/* HOST:PORT, HOST a name, an IPv4 address or a bracketed IPv6 one. */
static bool
etcd_endpoint_ok(const char *s, size_t len)
{
	const char *colon = memrchr(s, ':', len);
	char port[8];
	uint64_t v;
	size_t hlen, plen;

	if (colon == NULL || colon == s)
		return false;
	hlen = (size_t)(colon - s);
	plen = len - hlen - 1;
	if (plen == 0 || plen >= sizeof(port))
		return false;
	memcpy(port, colon + 1, plen);
	port[plen] = '\0';
	if (util_parse_uint(port, 1, 65535, &v) == -1)
		return false;
	if (s[0] == '[')
		return hlen > 2 && s[hlen - 1] == ']' &&
		    strspn(s + 1, "0123456789abcdefABCDEF:.") == hlen - 2;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == hlen;
}

/* keystore: a folder, or etcd://HOST:PORT[,HOST:PORT...]/PREFIX. */
static void
set_keystore(struct parser *p, const struct keydef *k, void *base,
    const char *val)
{
	struct config *cfg = p->cfg;
	const char *hosts = val + 7, *slash, *s, *e;

	if (strncmp(val, "etcd://", 7) != 0) {
		set_path(p, k, base, val);
		return;
	}
	slash = strchr(hosts, '/');
	for (s = hosts; slash != NULL && slash != hosts; s = e + 1) {
		if ((e = memchr(s, ',', (size_t)(slash - s))) == NULL)
			e = slash;
		if (!etcd_endpoint_ok(s, (size_t)(e - s))) {
			config_err(p, p->lineno, "keystore: '%.*s' is not "
			    "HOST:PORT (etcd://HOST:PORT[,HOST:PORT...]"
			    "/PREFIX)", (int)(e - s), s);
			return;
		}
		if (e == slash)
			break;
	}
	if (slash == NULL || slash == hosts || slash[1] == '\0' ||
	    strspn(slash + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") !=
	    strlen(slash + 1) ||
	    strstr(slash, "//") != NULL) {
		config_err(p, p->lineno, "keystore: '%s' is not "
		    "etcd://HOST:PORT[,HOST:PORT...]/PREFIX (PREFIX of "
		    "letters, digits, '.', '_', '-' and single '/')", val);
		return;
	}
	free(cfg->keystore);
	free(cfg->etcd_endpoints);
	free(cfg->etcd_prefix);
	cfg->keystore = xstrdup(val);
	cfg->etcd_endpoints = xstrndup(hosts, (size_t)(slash - hosts));
	cfg->etcd_prefix = slash[strlen(slash) - 1] == '/' ?
	    xstrdup(slash + 1) : xasprintf("%s/", slash + 1);
}

static void
set_log(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	if (strcmp(val, "syslog") == 0 || strcmp(val, "stderr") == 0) {
		free(*FIELD(base, k->off, char *));
		*FIELD(base, k->off, char *) = xstrdup(val);
	} else
		set_path(p, k, base, val);
}

/* passphrase_env and hook_user: a plain name, copied as written. */
static void
set_name(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	bool env = strcmp(k->name, "passphrase_env") == 0;
	size_t i, len = strlen(val);
	bool ok = len <= (env ? 255 : 32) && val[0] != '-' &&
	    !(env && isdigit((unsigned char)val[0]));

	for (i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)val[i]) || val[i] == '_' ||
		    (!env && (val[i] == '-' || val[i] == '.'));
	if (!ok) {
		config_err(p, p->lineno, "%s: '%s' is not a valid %s name",
		    k->name, val, env ? "environment variable" : "user");
		return;
	}
	free(*FIELD(base, k->off, char *));
	*FIELD(base, k->off, char *) = xstrdup(val);
}

static void
set_domain(
    struct parser *p, const struct keydef *k, void *base, const char *val)
{
	const char *why;
	char *d;

	if ((d = config_domain_norm(val)) == NULL) {
		config_err(p, p->lineno,
		    "domain: '%s' is not a valid domain name; "
		    "use A-labels (xn--) of letters, digits and hyphens",
		    val);
		return;
	}
	if ((why = config_domain_why(d)) != NULL) {
		config_err(p, p->lineno, "domain: '%s': %s", d, why);
		free(d);
		return;
	}
	free(*FIELD(base, k->off, char *));
	*FIELD(base, k->off, char *) = d;
}

/* from_domain: a domain name like domain's. */
static void
set_from(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	char *d;

	if ((d = config_domain_norm(val)) == NULL) {
		config_err(p, p->lineno,
		    "%s: '%s' is not a valid domain name; "
		    "use A-labels (xn--) of letters, digits and hyphens",
		    k->name, val);
		return;
	}
	free(*FIELD(base, k->off, char *));
	*FIELD(base, k->off, char *) = d;
}

/* Visible ASCII but '"', as an SPF term is (RFC 7208 section 7.1). */
static bool
spf_visible(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '"')
			return false;
	return true;
}

/* spf_include: SPF mechanisms as written ("include:mailgun.org",
 * "ip4:192.0.2.0/24"), checked by their form only; dns/spfrec.c judges
 * them against the record. */
static void
set_spf(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	char ***v = FIELD(base, k->off, char **);
	size_t *nv = FIELD(base, k->off2, size_t);
	char **items;
	size_t i, n;

	items = config_split(val, &n);
	for (i = 0; i < n; i++)
		if (strlen(items[i]) > 255 || strncasecmp(items[i], "v=", 2) ==
		    0 || !spf_visible(items[i]))
			config_err(p, p->lineno,
			    "%s: '%s' is not an SPF mechanism such as "
			    "include:mailgun.org or ip4:192.0.2.0/24",
			    k->name, items[i]);
	config_strv_free(*v, *nv);
	*v = items;
	*nv = n;
}

/* 0.0.0.0 or ::, which no server answers from */
static bool
unspecified(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

static bool
resolver_ok(char *const *v, size_t n)
{
	struct sockaddr_storage ss;
	size_t i;

	if (n == 1 &&
	    (strcmp(v[0], "authoritative") == 0 || strcmp(v[0], "system") == 0))
		return true;
	if (n == 1 && strncmp(v[0], "https://", 8) == 0)
		return v[0][8] != '\0' && v[0][8] != '/';
	for (i = 0; i < n; i++)
		if (util_parse_server(v[i], 53, &ss, NULL) == -1 ||
		    unspecified(&ss))
			return false;
	return n > 0;
}

/* Stored with single spaces between servers. */
static void
set_resolver(
    struct parser *p, const struct keydef *k, void *base, const char *val)
{
	struct buf b = {0};
	char **v;
	size_t i, n;

	v = config_split(val, &n);
	if (!resolver_ok(v, n)) {
		config_err(p, p->lineno,
		    "resolver: expected authoritative, system, "
		    "https://HOST/PATH or a list of IPv4, IPv4:PORT, IPv6 and "
		    "[IPv6]:PORT (not 0.0.0.0 or ::), not '%s'",
		    val);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, " ");
		buf_puts(&b, v[i]);
	}
	buf_add(&b, "", 1);
	free(*FIELD(base, k->off, char *));
	*FIELD(base, k->off, char *) = b.data;
done:
	config_strv_free(v, n);
}

/* The letters after % in a template, and what template_check() puts there. */
static const char template_tokens[] = "YmdHjan%";

/*
 * Checks a selector template; returns 0, or -1 with the reason in why. A
 * sample expansion (long counter included) must be a valid selector.
 */
static int
template_check(const char *t, char *why, size_t len)
{
	/* %% gives a '%', which no selector may hold */
	static const char *const sample[] = {
	    "2026", "12", "31", "23", "366", "r", "123456", "%"};
	struct buf b = {0};
	const char *s, *tok;
	int rc = -1;

	for (s = t; *s != '\0'; s++) {
		if (*s != '%') {
			if (!islower((unsigned char)*s) &&
			    !isdigit((unsigned char)*s) && *s != '-' &&
			    *s != '.') {
				snprintf(why, len,
				    "'%c' is not allowed; use "
				    "lowercase letters, digits, hyphens, dots "
				    "and %%-tokens",
				    *s);
				goto done;
			}
			buf_add(&b, s, 1);
			continue;
		}
		if (s[1] == '\0' ||
		    (tok = strchr(template_tokens, s[1])) == NULL) {
			snprintf(why, len,
			    "unknown token %%%.1s; use %%Y %%m "
			    "%%d %%H %%j %%a %%n or %%%%",
			    s + 1);
			goto done;
		}
		buf_puts(&b, sample[tok - template_tokens]);
		s++;
	}
	buf_add(&b, "", 1);
	if (!util_valid_selector(b.data)) {
		snprintf(why, len,
		    "it expands to names such as '%s', which "
		    "are not valid selectors (DNS labels)",
		    b.data);
		goto done;
	}
	rc = 0;
done:
	buf_free(&b);
	return rc;
}

bool
config_template_has(const char *t, char token)
{
	for (; *t != '\0'; t++)
		if (*t == '%' && *++t == token)
			return true;
	return false;
}

static void
set_template(
    struct parser *p, const struct keydef *k, void *base, const char *val)
{
	char why[256];

	if (template_check(val, why, sizeof(why)) == -1) {
		config_err(
		    p, p->lineno, "selector: bad template '%s': %s", val, why);
		return;
	}
	free(*FIELD(base, k->off, char *));
	*FIELD(base, k->off, char *) = xstrdup(val);
}

/* rsa, rsa-BITS or ed25519; returns -1 after reporting. */
static int
alg_item(struct parser *p, const char *s, struct alg_spec *a)
{
	uint64_t bits;

	if (strcmp(s, "ed25519") == 0) {
		a->alg = DK_ALG_ED25519;
		a->bits = DK_ED25519_BITS;
		return 0;
	}
	a->alg = DK_ALG_RSA;
	a->bits = DK_RSA_DEFAULT_BITS;
	if (strcmp(s, "rsa") == 0)
		return 0;
	/* rsa-02048: one spelling per size */
	if (strncmp(s, "rsa-", 4) != 0 || s[4] == '0' ||
	    util_parse_uint(s + 4, 1, 1 << 20, &bits) == -1) {
		config_err(p, p->lineno,
		    "algorithms: unknown algorithm '%s'; use "
		    "rsa, rsa-BITS or ed25519",
		    s);
		return -1;
	}
	if (bits < DK_RSA_MIN_BITS || bits > DK_RSA_MAX_BITS) {
		config_err(p, p->lineno,
		    "algorithms: %s: RSA keys must have "
		    "%u to %u bits (RFC 8301)",
		    s, DK_RSA_MIN_BITS, DK_RSA_MAX_BITS);
		return -1;
	}
	a->bits = (unsigned)bits;
	return 0;
}

static void
set_algs(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	struct vendor *v = base;
	struct alg_spec a[CONFIG_MAX_ALGS];
	char **items;
	size_t i, n;
	int bad = 0;

	(void)k;
	items = config_split(val, &n);
	for (i = 0; i < n && i < CONFIG_MAX_ALGS; i++) {
		bad |= alg_item(p, items[i], &a[i]);
		if (i == 1 && bad == 0 && a[0].alg == a[1].alg) {
			config_err(p, p->lineno,
			    "algorithms: %s given twice; at "
			    "most one key size per algorithm",
			    dk_alg_name(a[0].alg));
			bad = -1;
		}
	}
	if (n > CONFIG_MAX_ALGS) {
		config_err(p, p->lineno,
		    "algorithms: at most %d (one rsa and one "
		    "ed25519)",
		    CONFIG_MAX_ALGS);
		bad = -1;
	}
	if (bad == 0) {
		memcpy(v->algs, a, n * sizeof(a[0]));
		v->nalgs = n;
	}
	config_strv_free(items, n);
}

/* hooks and batch_hooks: existing, executable, trusted files. */
static void
set_hooks(struct parser *p, const struct keydef *k, void *base, const char *val)
{
	char ***hooks = FIELD(base, k->off, char **);
	size_t *nhooks = FIELD(base, k->off2, size_t);
	struct stat st;
	char **items;
	size_t i, n;

	items = config_split(val, &n);
	for (i = 0; i < n; i++) {
		char *path = config_abs_path(p->cfg->dir, items[i]);

		free(items[i]);
		items[i] = path;
		if (stat(path, &st) == -1)
			config_err(p, p->lineno, "%s: %s: %s", k->name, path,
			    strerror(errno));
		else if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
			config_err(p, p->lineno,
			    "%s: %s is not an executable "
			    "file",
			    k->name, path);
		else
			config_trust_at(p, p->lineno, path);
	}
	config_strv_free(*hooks, *nhooks);
	*hooks = items;
	*nhooks = n;
}

/* selectors and standby_selectors of delegated vendors. */
static void
set_selectors(
    struct parser *p, const struct keydef *k, void *base, const char *val)
{
	char ***sels = FIELD(base, k->off, char **);
	size_t *nsels = FIELD(base, k->off2, size_t);
	char **items;
	size_t i, n;

	items = config_split(val, &n);
	for (i = 0; i < n; i++) {
		config_lowercase(items[i]);
		if (!util_valid_selector(items[i]))
			config_err(p, p->lineno,
			    "%s: '%s' is not a valid selector", k->name,
			    items[i]);
		else if (config_strv_has(items, i, items[i]))
			config_err(p, p->lineno, "%s: %s listed twice", k->name,
			    items[i]);
	}
	config_strv_free(*sels, *nsels);
	*sels = items;
	*nsels = n;
}

static void
set_cnames(
    struct parser *p, const struct keydef *k, void *base, const char *val)
{
	struct vendor *v = base;
	char **items, *eq, *target;
	size_t i, j, n;

	(void)k;
	items = config_split(val, &n);
	for (i = 0; i < n; i++) {
		eq = strchr(items[i], '=');
		if (eq == NULL || eq == items[i]) {
			config_err(p, p->lineno,
			    "cname_targets: expected "
			    "SELECTOR=TARGET, not '%s'",
			    items[i]);
			continue;
		}
		*eq = '\0';
		config_lowercase(items[i]);
		if ((target = config_domain_norm(eq + 1)) == NULL) {
			config_err(p, p->lineno,
			    "cname_targets: '%s' is not a "
			    "valid domain name",
			    eq + 1);
			continue;
		}
		for (j = 0; j < v->ncname_targets; j++)
			if (strcmp(v->cname_targets[j].selector, items[i]) == 0)
				config_err(p, p->lineno,
				    "cname_targets: %s listed "
				    "twice",
				    items[i]);
		v->cname_targets = xrealloc(v->cname_targets,
		    (v->ncname_targets + 1) * sizeof(*v->cname_targets));
		v->cname_targets[v->ncname_targets].selector =
		    xstrdup(items[i]);
		v->cname_targets[v->ncname_targets++].target = target;
	}
	config_strv_free(items, n);
}

#define CK(n, fn, f, min)                                                      \
	{                                                                      \
		{n, true, fn, offsetof(struct config, f), 0, min}, ONLY_ANY    \
	}
#define VK(n, fn, f, min, o)                                                   \
	{                                                                      \
		{n, false, fn, offsetof(struct vendor, f), 0, min}, o          \
	}
#define VL(n, fn, f, nf, o)                                                    \
	{                                                                      \
		{n, false, fn, offsetof(struct vendor, f),                     \
		    offsetof(struct vendor, nf), 0},                           \
		    o                                                          \
	}

const struct keyrule config_keys[] = {
    CK("keystore", set_keystore, keystore, 0),
    CK("etcd_ca", set_path, etcd_ca, 0),
    CK("etcd_cert", set_path, etcd_cert, 0),
    CK("etcd_key", set_path, etcd_key, 0),
    CK("etcd_user", set_name, etcd_user, 0),
    CK("etcd_password_file", set_path, etcd_password_file, 0),
    CK("passphrase_file", set_path, passphrase_file, 0),
    CK("passphrase_env", set_name, passphrase_env, 0),
    CK("resolver", set_resolver, resolver, 0),
    CK("resolver_ca", set_path, resolver_ca, 0),
    CK("dns_timeout", set_duration, dns_timeout, 1),
    CK("hook_timeout", set_duration, hook_timeout, 1),
    CK("batch_hook_timeout", set_duration, batch_hook_timeout, 1),
    CK("max_clock_jump", set_duration, max_clock_jump, 1),
    CK("audit_segment_size", set_size, audit_segment_size, 1024),
    CK("log", set_log, log, 0),
    CK("hook_user", set_name, hook_user, 0),
    CK("public_suffix_list", set_path, public_suffix_list, 0),
    VK("domain", set_domain, domain, 0, ONLY_ANY),
    VK("domains_file", set_path, domains_file, 0, ONLY_ANY),
    VK("mode", set_mode, mode, 0, ONLY_ANY),
    VK("resolver", set_resolver, resolver, 0, ONLY_ANY),
    VK("selector", set_template, selector, 0, ONLY_MANAGED),
    VK("algorithms", set_algs, algs, 0, ONLY_MANAGED),
    VK("rotate_every", set_duration, rotate_every, 1, ONLY_MANAGED),
    VK("publish_ahead", set_duration, publish_ahead, 0, ONLY_MANAGED),
    VK("generate_margin", set_duration, generate_margin, 0, ONLY_MANAGED),
    VK("overlap", set_duration, overlap, 0, ONLY_MANAGED),
    VK("revoke_for", set_duration, revoke_for, 0, ONLY_MANAGED),
    VK("rotate_spread", set_duration, rotate_spread, 0, ONLY_MANAGED),
    VK("late_after", set_duration, late_after, 0, ONLY_MANAGED),
    VK("stall_after", set_duration, stall_after, 0, ONLY_MANAGED),
    VK("ttl", set_ttl, ttl, 0, ONLY_MANAGED),
    VK("testing", set_bool, testing, 0, ONLY_MANAGED),
    VK("reveal", set_bool, reveal, 0, ONLY_MANAGED),
    VK("verify_dns", set_bool, verify_dns, 0, ONLY_MANAGED),
    VL("hooks", set_hooks, hooks, nhooks, ONLY_MANAGED),
    VL("batch_hooks", set_hooks, batch_hooks, nbatch_hooks, ONLY_MANAGED),
    VL("selectors", set_selectors, selectors, nselectors, ONLY_DELEGATED),
    VK("cname_targets", set_cnames, cname_targets, 0, ONLY_DELEGATED),
    VL("standby_selectors", set_selectors, standby_selectors, nstandby,
	ONLY_DELEGATED),
    VK("from_domain", set_from, from_domain, 0, ONLY_ANY),
    VL("spf_include", set_spf, spf_include, nspf_include, ONLY_ANY),
    VK("dmarc_none_max", set_duration, dmarc_none_max, 1, ONLY_ANY),
};

const struct keyrule *
config_key_find(const char *name, bool global)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].def.global == global &&
		    strcmp(config_keys[i].def.name, name) == 0)
			return &config_keys[i];
	return NULL;
}

const size_t config_nkeys = ARRAY_LEN(config_keys);
