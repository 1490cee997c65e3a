/*
 * ksstate.c - the keystore's state file: text codec and in-memory index.
 *
 * Every value written is one the parser accepts back (validated names,
 * hex, base64, ISO times), so nothing needs escaping; anything else is
 * refused on both sides. A key line carries exactly the fields of
 * key_fields, in any order, each once; a new field means a new version.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ksstate.h"

#define END_TAG "end "
#define END_LINE_LEN (sizeof(END_TAG) - 1 + 2 * crypto_generichash_BYTES + 1)
#define LINE_MAX_LEN 4096
#define NTIMES 8

enum key_field {
	F_VENDOR,
	F_DOMAIN,
	F_SELECTOR,
	F_ALG,
	F_BITS,
	F_STATE,
	F_COMPROMISED,
	F_FPR,
	F_PUB,
	F_TIME0, /* created, then the other seven times */
	F_COUNT = F_TIME0 + NTIMES,
};

static const char *const key_fields[F_COUNT] = {
	"vendor", "domain", "selector", "alg", "bits", "state", "compromised",
	"fpr", "pub", "created", "published", "visible", "activated",
	"retired", "revoked", "withdrawn", "destroyed",
};

static const char *const state_names[] = {
	[KS_PENDING] = "pending",
	[KS_PUBLISHED] = "published",
	[KS_ACTIVE] = "active",
	[KS_RETIRED] = "retired",
	[KS_REVOKED] = "revoked",
	[KS_WITHDRAWN] = "withdrawn",
	[KS_DESTROYED] = "destroyed",
};

const char *
ks_state_name(enum ks_state st)
{
	if ((size_t)st >= ARRAY_LEN(state_names))
		return "?";
	return state_names[st];
}

int
ks_state_parse(const char *s, enum ks_state *out)
{
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_LEN(state_names); i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum ks_state)i;
			return 0;
		}
	return -1;
}

bool
ksstate_valid_vendor(const char *s)
{
	const char *slash = strchr(s, '/');
	char name[64];
	size_t n;

	if (slash == NULL)
		return util_valid_vendor(s);
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	return util_valid_vendor(name) && util_valid_domain(slash + 1);
}

/* FNV-1a of domain, a NUL and selector. */
static uint64_t
name_hash(const char *domain, const char *selector)
{
	uint64_t h = 14695981039346656037ULL;
	const char *s;

	for (s = domain; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h *= 1099511628211ULL;
	for (s = selector; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot holding (domain, selector), or the empty slot it would take. */
static size_t
slot_of(const struct ksstate *st, const char *domain, const char *selector)
{
	size_t mask = st->nslots - 1, i, k;

	i = (size_t)name_hash(domain, selector) & mask;
	while ((k = st->slots[i]) != 0) {
		if (strcmp(st->keys[k - 1].domain, domain) == 0 &&
		    strcmp(st->keys[k - 1].selector, selector) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static void
index_grow(struct ksstate *st)
{
	size_t i;

	if (st->nslots >= 2 * (st->nkeys + 1))
		return;
	free(st->slots);
	st->nslots = st->nslots == 0 ? 64 : 2 * st->nslots;
	st->slots = xcalloc(st->nslots, sizeof(*st->slots));
	for (i = 0; i < st->nkeys; i++)
		st->slots[slot_of(st, st->keys[i].domain,
		    st->keys[i].selector)] = i + 1;
}

size_t
ksstate_find(const struct ksstate *st, const char *domain,
    const char *selector)
{
	size_t k;

	if (st->nslots == 0)
		return KSSTATE_NONE;
	k = st->slots[slot_of(st, domain, selector)];
	return k == 0 ? KSSTATE_NONE : k - 1;
}

/* Appends k, taking ownership of its strings; NULL when already there. */
static struct ks_key *
push(struct ksstate *st, const struct ks_key *k)
{
	size_t slot;

	index_grow(st);
	slot = slot_of(st, k->domain, k->selector);
	if (st->slots[slot] != 0)
		return NULL;
	if (st->nkeys == st->capkeys) {
		st->capkeys = st->capkeys == 0 ? 16 : 2 * st->capkeys;
		st->keys = xrealloc(st->keys, st->capkeys * sizeof(*st->keys));
	}
	st->keys[st->nkeys] = *k;
	st->slots[slot] = ++st->nkeys;
	return &st->keys[st->nkeys - 1];
}

struct ks_key *
ksstate_append(struct ksstate *st, const struct ks_key *k)
{
	struct ks_key copy = *k;

	if (ksstate_find(st, k->domain, k->selector) != KSSTATE_NONE)
		return NULL;
	copy.vendor = xstrdup(k->vendor);
	copy.domain = xstrdup(k->domain);
	copy.selector = xstrdup(k->selector);
	return push(st, &copy);
}

struct ksstate_counter *
ksstate_counter(struct ksstate *st, const char *vendor)
{
	struct ksstate_counter *c;
	size_t i;

	for (i = 0; i < st->ncounters; i++)
		if (strcmp(st->counters[i].vendor, vendor) == 0)
			return &st->counters[i];
	st->counters = xrealloc(st->counters,
	    (st->ncounters + 1) * sizeof(*st->counters));
	c = &st->counters[st->ncounters++];
	c->vendor = xstrdup(vendor);
	c->value = 0;
	return c;
}

static void
key_strings_free(struct ks_key *k)
{
	free(k->vendor);
	free(k->domain);
	free(k->selector);
	k->vendor = k->domain = k->selector = NULL;
}

void
ksstate_free(struct ksstate *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nkeys; i++)
		key_strings_free(&st->keys[i]);
	for (i = 0; i < st->ncounters; i++)
		free(st->counters[i].vendor);
	free(st->keys);
	free(st->counters);
	free(st->slots);
	memset(st, 0, sizeof(*st));
}

/* The eight times of k, in the order of key_fields from F_TIME0. */
static void
key_times(const struct ks_key *k, int64_t t[NTIMES])
{
	t[0] = k->created;
	t[1] = k->published;
	t[2] = k->visible;
	t[3] = k->activated;
	t[4] = k->retired;
	t[5] = k->revoked;
	t[6] = k->withdrawn;
	t[7] = k->destroyed;
}

/* Where the i-th of those times is stored. */
static int64_t *
key_time(struct ks_key *k, size_t i)
{
	int64_t *const t[NTIMES] = { &k->created, &k->published, &k->visible,
		&k->activated, &k->retired, &k->revoked, &k->withdrawn,
		&k->destroyed };

	return t[i];
}

/* A time as stored: "-" for 0 (not yet), else YYYY-MM-DDTHH:MM:SSZ. */
static const char *
fmt_time(int64_t t, char s[UTIL_TIME_LEN])
{
	if (t == 0)
		return "-";
	return util_fmt_time(t, s);
}

static bool
time_ok(int64_t t)
{
	return t >= 0 && t <= 253402300799LL; /* 9999-12-31T23:59:59Z */
}

const char *
ksstate_key_invalid(const struct ks_key *k)
{
	unsigned char fpr[KS_FPR_LEN];
	int64_t t[NTIMES];
	size_t i;

	if (k->vendor == NULL || !ksstate_valid_vendor(k->vendor))
		return "invalid vendor name";
	if (k->domain == NULL || !util_valid_domain(k->domain) ||
	    k->selector == NULL || !util_valid_selector(k->selector) ||
	    strlen(k->selector) > 255)
		return "invalid domain or selector";
	if ((size_t)k->state >= ARRAY_LEN(state_names))
		return "invalid state";
	if (k->alg == DK_ALG_ED25519 && k->bits != DK_ED25519_BITS)
		return "ed25519 key with bits other than 256";
	if (k->alg == DK_ALG_RSA &&
	    (k->bits < DK_RSA_MIN_BITS || k->bits > DK_RSA_MAX_BITS))
		return "rsa key size out of range";
	if (k->alg != DK_ALG_RSA && k->alg != DK_ALG_ED25519)
		return "invalid algorithm";
	if (k->publen > KS_PUB_MAX)
		return "public key too long";
	if (k->publen > 0) {
		crypto_hash_sha256(fpr, k->pub, k->publen);
		if (memcmp(fpr, k->fpr, KS_FPR_LEN) != 0)
			return "fingerprint is not the sha-256 of the "
			    "public key";
	}
	key_times(k, t);
	for (i = 0; i < NTIMES; i++)
		if (!time_ok(t[i]))
			return "time out of range";
	return NULL;
}

static int
encode_key(const struct ks_key *k, struct buf *out, char *err, size_t errlen)
{
	char fpr[2 * KS_FPR_LEN + 1], ts[UTIL_TIME_LEN], *pub;
	int64_t t[NTIMES];
	const char *why;
	size_t i;

	if ((why = ksstate_key_invalid(k)) != NULL) {
		snprintf(err, errlen, "key %s._domainkey.%s: %s",
		    k->selector ? k->selector : "?",
		    k->domain ? k->domain : "?", why);
		return -1;
	}
	util_hex(k->fpr, KS_FPR_LEN, fpr);
	pub = k->publen > 0 ? util_b64_encode(k->pub, k->publen) : NULL;
	buf_printf(out, "key vendor=%s domain=%s selector=%s alg=%s bits=%u "
	    "state=%s compromised=%s fpr=%s pub=%s", k->vendor, k->domain,
	    k->selector, util_alg_name(k->alg), k->bits,
	    state_names[k->state], k->compromised ? "yes" : "no", fpr,
	    pub != NULL ? pub : "");
	free(pub);
	key_times(k, t);
	for (i = 0; i < NTIMES; i++)
		buf_printf(out, " %s=%s", key_fields[F_TIME0 + i],
		    fmt_time(t[i], ts));
	buf_puts(out, "\n");
	return 0;
}

int
ksstate_encode(const struct ksstate *st, struct buf *out, char *err,
    size_t errlen)
{
	unsigned char sum[crypto_generichash_BYTES];
	char hex[2 * sizeof(sum) + 1], ts[UTIL_TIME_LEN];
	size_t start = out->len, i;

	if (!time_ok(st->now)) {
		snprintf(err, errlen, "now: time out of range");
		return -1;
	}
	buf_printf(out, "dkimkeys-state %d\nnow %s\n", KSSTATE_VERSION,
	    fmt_time(st->now, ts));
	for (i = 0; i < st->ncounters; i++) {
		if (!ksstate_valid_vendor(st->counters[i].vendor)) {
			snprintf(err, errlen, "counter: invalid vendor name");
			return -1;
		}
		buf_printf(out, "counter %s %u\n", st->counters[i].vendor,
		    st->counters[i].value);
	}
	for (i = 0; i < st->nkeys; i++)
		if (encode_key(&st->keys[i], out, err, errlen) == -1)
			return -1;
	crypto_generichash(sum, sizeof(sum), (unsigned char *)out->data + start,
	    out->len - start, NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	buf_printf(out, END_TAG "%s\n", hex);
	return 0;
}

struct parser {
	struct ksstate *st;
	unsigned line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "line %u: %s", p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s", msg);
	return -1;
}

static int
parse_time(const char *v, int64_t *t)
{
	if (strcmp(v, "-") == 0) {
		*t = 0;
		return 0;
	}
	if (util_parse_time(v, t) == -1 || *t == 0 || !time_ok(*t))
		return -1;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 64 lowercase hex digits. */
static int
parse_fpr(const char *v, unsigned char out[KS_FPR_LEN])
{
	size_t i;
	int hi, lo;

	if (strlen(v) != 2 * KS_FPR_LEN)
		return -1;
	for (i = 0; i < KS_FPR_LEN; i++) {
		if ((hi = hexval(v[2 * i])) == -1 ||
		    (lo = hexval(v[2 * i + 1])) == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Sets field f of k from v; -1 when v is not a valid value for it. */
static int
set_field(struct ks_key *k, enum key_field f, const char *v)
{
	uint64_t n;
	long len;

	switch (f) {
	case F_VENDOR:
		return ksstate_valid_vendor(v) ? (k->vendor = xstrdup(v), 0) :
		    -1;
	case F_DOMAIN:
		return util_valid_domain(v) ? (k->domain = xstrdup(v), 0) : -1;
	case F_SELECTOR:
		return util_valid_selector(v) ? (k->selector = xstrdup(v), 0) :
		    -1;
	case F_ALG:
		k->alg = util_alg_parse(v);
		return k->alg == DK_ALG_NONE ? -1 : 0;
	case F_BITS:
		if (util_parse_uint(v, 1, UINT16_MAX, &n) == -1)
			return -1;
		k->bits = (unsigned)n;
		return 0;
	case F_STATE:
		return ks_state_parse(v, &k->state);
	case F_COMPROMISED:
		k->compromised = strcmp(v, "yes") == 0;
		return k->compromised || strcmp(v, "no") == 0 ? 0 : -1;
	case F_FPR:
		return parse_fpr(v, k->fpr);
	case F_PUB:
		len = *v == '\0' ? 0 : util_b64_decode(v, strlen(v), k->pub,
		    sizeof(k->pub), false);
		k->publen = len < 0 ? 0 : (size_t)len;
		return len < 0 ? -1 : 0;
	default:
		return parse_time(v, key_time(k, (size_t)(f - F_TIME0)));
	}
}

static int
parse_key(struct parser *p, char *fields)
{
	struct ks_key k;
	unsigned seen = 0, f;
	char *tok, *eq;
	const char *why;
	int rc = -1;

	memset(&k, 0, sizeof(k));
	while ((tok = strsep(&fields, " ")) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL) {
			fail(p, "field \"%.40s\" has no value", tok);
			goto out;
		}
		*eq++ = '\0';
		for (f = 0; f < F_COUNT && strcmp(tok, key_fields[f]) != 0; f++)
			continue;
		if (f == F_COUNT || (seen & 1U << f) != 0) {
			fail(p, "%s field \"%.40s\"", f == F_COUNT ? "unknown" :
			    "repeated", tok);
			goto out;
		}
		seen |= 1U << f;
		if (set_field(&k, (enum key_field)f, eq) == -1) {
			fail(p, "invalid %s \"%.80s\"", tok, eq);
			goto out;
		}
	}
	for (f = 0; f < F_COUNT && (seen & 1U << f) != 0; f++)
		continue;
	if (f < F_COUNT) {
		fail(p, "missing field %s", key_fields[f]);
		goto out;
	}
	if ((why = ksstate_key_invalid(&k)) != NULL) {
		fail(p, "%s", why);
		goto out;
	}
	if (push(p->st, &k) == NULL) {
		fail(p, "%s._domainkey.%s listed twice", k.selector, k.domain);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		key_strings_free(&k);
	return rc;
}

static int
parse_counter(struct parser *p, char *rest)
{
	struct ksstate_counter *c;
	char *name = strsep(&rest, " ");
	uint64_t n;

	if (rest == NULL || !ksstate_valid_vendor(name) ||
	    util_parse_uint(rest, 0, UINT_MAX, &n) == -1)
		return fail(p, "invalid counter");
	for (c = p->st->counters; c < p->st->counters + p->st->ncounters; c++)
		if (strcmp(c->vendor, name) == 0)
			return fail(p, "counter %s listed twice", name);
	ksstate_counter(p->st, name)->value = (unsigned)n;
	return 0;
}

/* Line 2 is "now TIME"; then counter and key lines, in that order. */
static int
parse_line(struct parser *p, char *line)
{
	if (p->line == 2) {
		if (strncmp(line, "now ", 4) != 0 ||
		    parse_time(line + 4, &p->st->now) == -1)
			return fail(p, "expected \"now TIME\"");
		return 0;
	}
	if (strncmp(line, "counter ", 8) == 0) {
		if (p->st->nkeys > 0)
			return fail(p, "counter after the keys");
		return parse_counter(p, line + 8);
	}
	if (strncmp(line, "key ", 4) == 0)
		return parse_key(p, line + 4);
	return fail(p, "unknown line");
}

/* Checks the version line (-2: another version) and the final checksum. */
static int
check_frame(struct parser *p, const char *text, size_t len)
{
	unsigned char sum[crypto_generichash_BYTES];
	char hex[2 * sizeof(sum) + 1], first[32];
	const char *nl = memchr(text, '\n', len);
	size_t body = len - END_LINE_LEN;
	uint64_t v;

	if (nl == NULL || (size_t)(nl - text) >= sizeof(first) ||
	    strncmp(text, "dkimkeys-state ", 15) != 0)
		return fail(p, "not a state file");
	memcpy(first, text + 15, (size_t)(nl - text) - 15);
	first[nl - text - 15] = '\0';
	if (util_parse_uint(first, 0, UINT32_MAX, &v) == -1)
		return fail(p, "bad version line");
	if (v != KSSTATE_VERSION) {
		fail(p, "unsupported version %s (made by a newer dkimkeys?)",
		    first);
		return -2;
	}
	if (len < (size_t)(nl - text) + 1 + END_LINE_LEN ||
	    text[body - 1] != '\n' || strncmp(text + body, END_TAG, 4) != 0)
		return fail(p, "truncated (no end line)");
	crypto_generichash(sum, sizeof(sum), (const unsigned char *)text, body,
	    NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	if (memcmp(hex, text + body + 4, 2 * sizeof(sum)) != 0)
		return fail(p, "checksum mismatch (edited or truncated)");
	return 0;
}

int
ksstate_decode(const char *text, size_t len, struct ksstate *st, char *err,
    size_t errlen)
{
	struct parser p = { st, 0, err, errlen };
	const char *s, *e, *end;
	char *line;
	int rc;

	memset(st, 0, sizeof(*st));
	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return fail(&p, "truncated or not text");
	if ((rc = check_frame(&p, text, len)) != 0)
		return rc;
	end = text + len - END_LINE_LEN;
	for (s = text, p.line = 1; s < end; s = e + 1, p.line++) {
		e = memchr(s, '\n', (size_t)(end - s));
		if (p.line == 1)
			continue;
		if (e == s || e - s > LINE_MAX_LEN)
			return fail(&p, "empty or overlong line");
		line = xmalloc((size_t)(e - s) + 1);
		memcpy(line, s, (size_t)(e - s));
		line[e - s] = '\0';
		rc = parse_line(&p, line);
		free(line);
		if (rc == -1)
			return -1;
	}
	if (p.line < 3)
		return fail(&p, "no now line");
	return 0;
}
