/*
 * dnscheck.c - judging what DNS serves at a key's name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "dnscheck.h"
#include "dnsrec.h"
#include "support/dkim.h"
#include "support/util.h"

#define WHY_MAX_SERVERS 3

/*
 * Reads a DER tag and definite length at *off; *clen is the content
 * length, checked to fit in len.
 */
static int
der_header(const unsigned char *p, size_t len, size_t *off, unsigned *tag,
    size_t *clen)
{
	size_t n, k, i;

	if (len < 2 || *off > len - 2)
		return -1;
	*tag = p[*off];
	n = p[*off + 1];
	*off += 2;
	if (n >= 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 3 || k > len - *off)
			return -1;
		for (n = 0, i = 0; i < k; i++)
			n = n << 8 | p[(*off)++];
	}
	if (n > len - *off)
		return -1;
	*clen = n;
	return 0;
}

/*
 * The RSAPublicKey inside a SubjectPublicKeyInfo: the content of its BIT
 * STRING. False when spki is not that shape.
 */
static bool
spki_inner(const unsigned char *spki, size_t len, const unsigned char **key,
    size_t *keylen)
{
	size_t off = 0, clen;
	unsigned tag;

	if (der_header(spki, len, &off, &tag, &clen) == -1 || tag != 0x30 ||
	    off + clen != len)
		return false;
	if (der_header(spki, len, &off, &tag, &clen) == -1 || tag != 0x30)
		return false;
	off += clen;
	if (der_header(spki, len, &off, &tag, &clen) == -1 || tag != 0x03 ||
	    clen < 2 || off + clen != len || spki[off] != 0)
		return false;
	*key = spki + off + 1;
	*keylen = clen - 1;
	return true;
}

/* p= equals the key: the same bytes, or RSA's bare RSAPublicKey. */
static bool
p_matches(const unsigned char *p, size_t plen, enum dk_alg alg,
    const unsigned char *pub, size_t publen)
{
	const unsigned char *inner;
	size_t innerlen;

	if (plen == publen && memcmp(p, pub, plen) == 0)
		return true;
	return alg == DK_ALG_RSA &&
	    spki_inner(pub, publen, &inner, &innerlen) && plen == innerlen &&
	    memcmp(p, inner, plen) == 0;
}

/* The record of a one-record answer parsed; NULL *detail when it does. */
static int
parse_one(const struct dnsq_answer *a, struct dnsrec_tags *tags, char **detail)
{
	const char *why;

	if (a->nrrs != 1) {
		*detail = xasprintf("%zu TXT records", a->nrrs);
		return -1;
	}
	if (memchr(a->rrs[0].text, '\0', a->rrs[0].len) != NULL) {
		*detail = xstrdup("record holds a NUL octet");
		return -1;
	}
	if (dnsrec_parse(a->rrs[0].text, tags, &why) == -1) {
		*detail = xasprintf("record does not parse: %s", why);
		return -1;
	}
	return 0;
}

/* An answer that is not DNSQ_OK: its verdict and detail. */
static enum dnscheck_verdict
judge_status(const struct dnsq_answer *a, char **detail)
{
	switch (a->status) {
	case DNSQ_UNREACHABLE:
		*detail = xasprintf("unreachable: %s", a->error);
		return DNSCHECK_UNREACHABLE;
	case DNSQ_NXDOMAIN:
	case DNSQ_NODATA:
		if (a->nchain == 0) {
			*detail = xstrdup(dnsq_status_name(a->status));
			return DNSCHECK_ABSENT;
		}
		*detail = xasprintf("CNAME to %s, which has no TXT record (%s)",
		    a->name, dnsq_status_name(a->status));
		return DNSCHECK_OTHER;
	case DNSQ_SERVFAIL_OR_REFUSED:
	case DNSQ_OK:
	default:
		break;
	}
	*detail = xstrdup(a->error != NULL ? a->error : "SERVFAIL/REFUSED");
	return DNSCHECK_FAILED;
}

static bool list_has(const char *list, const char *a, const char *b);

/*
 * The tags beside k= and p= that make verifiers ignore a record holding
 * the key (RFC 6376 3.6.1), or that dkimkeys never publishes (SPEC 5):
 * s= without email or *, h= without sha256, t=y unless testing (testing
 * -1: t=y not judged), t=s. NULL when they are right, else the detail.
 */
static char *
wrong_tags(const struct dnsrec_tags *t, int testing)
{
	if (t->s[0] != '\0' && !list_has(t->s, "email", "*"))
		return xasprintf("serves the key with s=%s, which does not "
		    "allow email: verifiers ignore it", t->s);
	if (t->h[0] != '\0' && !list_has(t->h, "sha256", NULL))
		return xasprintf("serves the key with h=%s, without sha256: "
		    "verifiers ignore it", t->h);
	if (testing == 0 && t->has_t_y)
		return xstrdup("serves the key with t=y, but testing = no");
	if (testing == 1 && !t->has_t_y)
		return xstrdup("serves the key without t=y, but testing = "
		    "yes");
	if (t->has_t_s)
		return xstrdup("serves the key with t=s, which dkimkeys "
		    "never publishes");
	return NULL;
}

static enum dnscheck_verdict
judge(const struct dnsq_answer *a, enum dk_alg alg, const unsigned char *pub,
    size_t publen, int testing, char **detail)
{
	struct dnsrec_tags tags;
	enum dnscheck_verdict v = DNSCHECK_OTHER;

	if (a->status != DNSQ_OK)
		return judge_status(a, detail);
	if (parse_one(a, &tags, detail) == -1)
		return DNSCHECK_OTHER;
	if (strcasecmp(tags.k, dk_alg_name(alg)) != 0)
		*detail = xasprintf(
		    "serves k=%s, not k=%s", tags.k, dk_alg_name(alg));
	else if (tags.p_empty) {
		v = DNSCHECK_REVOKED;
		*detail = xstrdup("serves the revoked record (empty p=)");
	} else if (pub != NULL &&
	    p_matches(tags.p, tags.plen, alg, pub, publen)) {
		if ((*detail = wrong_tags(&tags, testing)) == NULL) {
			v = DNSCHECK_SERVES;
			*detail = xstrdup("serves the key");
		}
	} else
		*detail = xstrdup("serves another p=");
	dnsrec_tags_clear(&tags);
	return v;
}

/* One line naming the servers whose verdict is not want. */
static char *
why_line(const struct dnscheck *c, enum dnscheck_verdict want)
{
	struct buf b = {0};
	size_t i, shown = 0, more = 0;

	for (i = 0; i < c->nservers; i++) {
		if (c->servers[i].verdict == want)
			continue;
		if (shown == WHY_MAX_SERVERS) {
			more++;
			continue;
		}
		buf_printf(&b, "%s%s: %s", shown > 0 ? "; " : "",
		    c->servers[i].answer->server, c->servers[i].detail);
		shown++;
	}
	if (more > 0)
		buf_printf(&b, "; and %zu more", more);
	if (shown == 0)
		return NULL;
	buf_add(&b, "", 1);
	return b.data;
}

static void
summarize(struct dnscheck *c, bool want_key)
{
	size_t i, count[DNSCHECK_UNREACHABLE + 1] = {0};

	for (i = 0; i < c->nservers; i++) {
		count[c->servers[i].verdict]++;
		if (c->answers[i].max_ttl > c->max_ttl)
			c->max_ttl = c->answers[i].max_ttl;
		if (c->answers[i].neg_ttl > c->neg_ttl)
			c->neg_ttl = c->answers[i].neg_ttl;
	}
	c->served = c->nservers > 0 && count[DNSCHECK_SERVES] == c->nservers;
	c->revoked_served =
	    c->nservers > 0 && count[DNSCHECK_REVOKED] == c->nservers;
	c->absent = c->nservers > 0 && count[DNSCHECK_ABSENT] == c->nservers;
	c->other = count[DNSCHECK_OTHER] > 0;
	c->nunreachable = count[DNSCHECK_UNREACHABLE];
	c->unreachable_all = dnsq_all_unreachable(c->answers, c->nanswers) != 0;
	c->why = why_line(c, want_key ? DNSCHECK_SERVES : DNSCHECK_REVOKED);
}

int
dnscheck_key(struct dnsq *q, const char *name, enum dk_alg alg,
    const unsigned char *pub, size_t publen, struct dnscheck *out)
{
	return dnscheck_key_testing(q, name, alg, pub, publen, -1, out);
}

int
dnscheck_key_testing(struct dnsq *q, const char *name, enum dk_alg alg,
    const unsigned char *pub, size_t publen, int testing,
    struct dnscheck *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (dnsq_txt(q, name, &out->answers, &out->nanswers) == -1)
		return -1;
	out->nservers = out->nanswers;
	out->servers = xcalloc(
	    out->nservers == 0 ? 1 : out->nservers, sizeof(*out->servers));
	for (i = 0; i < out->nservers; i++) {
		out->servers[i].answer = &out->answers[i];
		out->servers[i].verdict = judge(&out->answers[i], alg, pub,
		    publen, testing, &out->servers[i].detail);
	}
	summarize(out, pub != NULL);
	return 0;
}

void
dnscheck_clear(struct dnscheck *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nservers; i++)
		free(c->servers[i].detail);
	free(c->servers);
	free(c->why);
	dnsq_answers_free(c->answers, c->nanswers);
	memset(c, 0, sizeof(*c));
}

/* What one server's answer holds, for a delegated vendor. */
enum key_kind {
	KEY_BAD = 0,
	KEY_OK,
	KEY_ABSENT,
	KEY_REVOKED,
};

struct keyinfo {
	enum key_kind kind;
	enum dk_alg alg;
	unsigned bits;
	bool weak, testing;
	unsigned char fpr[DNSCHECK_FPR_LEN];
};

static void problem(struct dnscheck_delegated *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a problem line; d NULL records nothing. */
static void
problem(struct dnscheck_delegated *d, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (d == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		line = xstrdup("out of memory");
	va_end(ap);
	d->problems =
	    xrealloc(d->problems, (d->nproblems + 1) * sizeof(*d->problems));
	d->problems[d->nproblems++] = line;
}

/* True when the ':'-separated list holds one of the two tokens. */
static bool
list_has(const char *list, const char *a, const char *b)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	bool found = false;

	for (tok = strtok_r(copy, ": \t\r\n", &save); tok != NULL && !found;
	     tok = strtok_r(NULL, ": \t\r\n", &save))
		found =
		    strcmp(tok, a) == 0 || (b != NULL && strcmp(tok, b) == 0);
	free(copy);
	return found;
}

/* The key of a parsed record; problems are reported under where. */
static void
key_tags(const struct dnsrec_tags *t, const char *where, struct keyinfo *k,
    struct dnscheck_delegated *d)
{
	if ((k->alg = dk_alg_parse(t->k)) == DK_ALG_NONE) {
		problem(d, "%s: unknown key type k=%s", where, t->k);
		return;
	}
	k->testing = t->has_t_y;
	if (t->h[0] != '\0' && !list_has(t->h, "sha256", NULL))
		problem(d, "%s: h=%s does not allow sha256", where, t->h);
	if (t->s[0] != '\0' && !list_has(t->s, "email", "*"))
		problem(d, "%s: s=%s does not allow email", where, t->s);
	if (t->p_empty) {
		k->kind = KEY_REVOKED;
		return;
	}
	if (k->alg == DK_ALG_RSA) {
		if ((k->bits = dnsrec_rsa_bits(t->p, t->plen)) == 0) {
			problem(d, "%s: p= is not an RSA public key", where);
			return;
		}
		if (k->bits < DK_RSA_MIN_BITS)
			problem(d, "%s: RSA key of %u bits, below %u", where,
			    k->bits, DK_RSA_MIN_BITS);
		k->weak = k->bits < DK_RSA_WARN_BITS;
	} else if (t->plen != 32) {
		problem(
		    d, "%s: Ed25519 p= of %zu octets, not 32", where, t->plen);
		return;
	} else
		k->bits = DK_ED25519_BITS;
	crypto_hash_sha256(k->fpr, t->p, t->plen);
	k->kind = KEY_OK;
}

static void
evaluate(const struct dnsq_answer *a, struct keyinfo *k,
    struct dnscheck_delegated *d)
{
	struct dnsrec_tags tags;
	char *detail = NULL;

	memset(k, 0, sizeof(*k));
	if (a->status == DNSQ_NXDOMAIN || a->status == DNSQ_NODATA)
		k->kind = KEY_ABSENT;
	else if (a->status != DNSQ_OK)
		problem(d, "%s: %s", a->server, a->error);
	else if (parse_one(a, &tags, &detail) == -1)
		problem(d, "%s: %s", a->name, detail);
	else {
		key_tags(&tags, a->name, k, d);
		dnsrec_tags_clear(&tags);
	}
	free(detail);
}

/* "key sha256:… at NAME", "no key record at NAME", … */
static char *
describe(const struct keyinfo *k, const struct dnsq_answer *a)
{
	char hex[2 * DNSCHECK_FPR_LEN + 1];

	switch (k->kind) {
	case KEY_OK:
		util_hex(k->fpr, 8, hex);
		return xasprintf("key sha256:%s at %s", hex, a->name);
	case KEY_ABSENT:
		return xasprintf("no key record at %s", a->name);
	case KEY_REVOKED:
		return xasprintf("a revoked record at %s", a->name);
	case KEY_BAD:
	default:
		break;
	}
	return xasprintf("no usable record at %s%s%s", a->name,
	    a->error != NULL ? ": " : "", a->error != NULL ? a->error : "");
}

static bool
same_key(const struct keyinfo *x, const struct dnsq_answer *xa,
    const struct keyinfo *y, const struct dnsq_answer *ya)
{
	return x->kind == y->kind && strcasecmp(xa->name, ya->name) == 0 &&
	    (x->kind != KEY_OK ||
		memcmp(x->fpr, y->fpr, DNSCHECK_FPR_LEN) == 0);
}

/* Every other server against the reference ref. */
static void
compare_servers(
    struct dnscheck_delegated *d, size_t ref, const struct keyinfo *rk)
{
	const struct dnsq_answer *a;
	struct keyinfo k;
	char *x, *y;
	size_t i;

	for (i = 0; i < d->nanswers; i++) {
		a = &d->answers[i];
		if (i == ref)
			continue;
		if (a->status == DNSQ_UNREACHABLE) {
			problem(d, "%s: unreachable: %s", a->server, a->error);
			continue;
		}
		evaluate(a, &k, NULL);
		if (same_key(rk, &d->answers[ref], &k, a))
			continue;
		x = describe(&k, a);
		y = describe(rk, &d->answers[ref]);
		problem(d, "servers disagree: %s serves %s, %s serves %s",
		    a->server, x, d->answers[ref].server, y);
		free(x);
		free(y);
	}
}

static void
take_reference(struct dnscheck_delegated *d, const struct dnsq_answer *a,
    const struct keyinfo *k)
{
	size_t i;

	d->chain = xcalloc(a->nchain == 0 ? 1 : a->nchain, sizeof(char *));
	for (i = 0; i < a->nchain; i++)
		d->chain[i] = xstrdup(a->chain[i]);
	d->nchain = a->nchain;
	d->target = a->nchain > 0 ? xstrdup(a->chain[a->nchain - 1]) : NULL;
	d->absent = k->kind == KEY_ABSENT;
	d->revoked = k->kind == KEY_REVOKED;
	d->alg = k->alg;
	d->bits = k->bits;
	d->weak = k->weak;
	d->testing = k->testing;
	d->has_fpr = k->kind == KEY_OK;
	memcpy(d->fpr, k->fpr, DNSCHECK_FPR_LEN);
}

int
dnscheck_delegated(
    struct dnsq *q, const char *name, struct dnscheck_delegated *out)
{
	struct keyinfo k;
	size_t i, ref;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0 ||
	    dnsq_txt(q, name, &out->answers, &out->nanswers) == -1)
		return -1;
	for (ref = 0, i = 0; i < out->nanswers; i++) {
		if (out->answers[i].status == DNSQ_UNREACHABLE)
			out->nunreachable++;
		else if (out->answers[ref].status == DNSQ_UNREACHABLE)
			ref = i;
		if (out->answers[i].max_ttl > out->max_ttl)
			out->max_ttl = out->answers[i].max_ttl;
	}
	out->unreachable_all =
	    dnsq_all_unreachable(out->answers, out->nanswers) != 0;
	if (out->unreachable_all)
		return 0;
	evaluate(&out->answers[ref], &k, out);
	take_reference(out, &out->answers[ref], &k);
	compare_servers(out, ref, &k);
	return 0;
}

void
dnscheck_delegated_clear(struct dnscheck_delegated *d)
{
	size_t i;

	if (d == NULL)
		return;
	free(d->target);
	for (i = 0; i < d->nchain; i++)
		free(d->chain[i]);
	free(d->chain);
	for (i = 0; i < d->nproblems; i++)
		free(d->problems[i]);
	free(d->problems);
	dnsq_answers_free(d->answers, d->nanswers);
	memset(d, 0, sizeof(*d));
}
