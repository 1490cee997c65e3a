/*
 * ksstate_text.c - the state file's text: encoder and parser.
 *
 * A record line is a keyword and NAME=VALUE fields described by the tables
 * below: the encoder writes them in table order, the parser takes them in
 * any order, each exactly once. Names, hex, base64, numbers and times are
 * validated on both sides and need no escaping; free texts (errors,
 * reasons, targets, events, extra JSON) are percent-escaped by
 * ksstate_escape() and bounded. Version 1 files are read (their key lines
 * lack the fields marked F_V2) and written again as version 2.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ksnames.h"
#include "ksstate.h"
#include "support/dkim.h"

#define END_TAG "end "
#define END_LINE_LEN (sizeof(END_TAG) - 1 + 2 * crypto_generichash_BYTES + 1)
#define LINE_MAX_LEN 32768
#define BASE_MAX ((uint64_t)1 << 53)
#define LOG_MAGIC "dkimkeys-log "
#define SEQ_MAX 1000000000000UL

enum ftype {
	T_VENDOR,   /* char *: NAME or NAME/DOMAIN */
	T_DOMAIN,   /* char * */
	T_SELECTOR, /* char * */
	T_ALG,      /* enum dk_alg: "rsa", "ed25519"; "-" for none */
	T_UINT,     /* unsigned: 1..max (0..max with F_OPT) */
	T_U32,      /* uint32_t, 0 included */
	T_STATE,    /* enum ks_state, by name */
	T_BOOL,     /* bool: "yes" or "no" */
	T_FPR,      /* unsigned char[32]: 64 lowercase hex digits */
	T_PUB,      /* struct ks_key's pub and publen: base64, maybe empty */
	T_TIME,     /* int64_t: "-" for 0, else YYYY-MM-DDTHH:MM:SSZ */
	T_TEXT,     /* char *: escaped, at most max octets; empty = NULL */
	T_HEX,      /* char *: exactly max lowercase hex digits */
	T_PACK,     /* struct ks_key's pack: 32 hex digits "." slot */
};

#define F_OPT 0x1 /* may be empty: NULL, none or 0 */
#define F_V2 0x2  /* absent from version 1 */
#define F_LATER 0x4 /* added later: may be absent (empty), written only
		       when set */

struct field {
	const char *name;
	enum ftype type;
	size_t off; /* in the record's struct */
	size_t max;
	unsigned flags;
};

#define KF(n, t, m, max, fl) { n, t, offsetof(struct ks_key, m), max, fl }
static const struct field key_fields[] = {
	KF("vendor", T_VENDOR, vendor, 0, 0),
	KF("domain", T_DOMAIN, domain, 0, 0),
	KF("selector", T_SELECTOR, selector, 0, 0),
	KF("alg", T_ALG, alg, 0, 0),
	KF("bits", T_UINT, bits, UINT16_MAX, 0),
	KF("state", T_STATE, state, 0, 0),
	KF("compromised", T_BOOL, compromised, 0, 0),
	KF("fpr", T_FPR, fpr, 0, 0),
	KF("pub", T_PUB, pub, 0, F_OPT),
	KF("pack", T_PACK, pack, 0, F_LATER),
	KF("created", T_TIME, created, 0, 0),
	KF("published", T_TIME, published, 0, 0),
	KF("visible", T_TIME, visible, 0, 0),
	KF("activated", T_TIME, activated, 0, 0),
	KF("retired", T_TIME, retired, 0, 0),
	KF("revoked", T_TIME, revoked, 0, 0),
	KF("withdrawn", T_TIME, withdrawn, 0, 0),
	KF("destroyed", T_TIME, destroyed, 0, 0),
	KF("hooks_done", T_UINT, hooks_done, (1U << KS_EV_COUNT) - 1,
	    F_OPT | F_V2),
	KF("max_ttl", T_U32, max_ttl, 0, F_V2),
	KF("neg_ttl", T_U32, neg_ttl, 0, F_OPT | F_V2),
	KF("record_ttl", T_UINT, record_ttl, UINT32_MAX, F_OPT | F_LATER),
	KF("record_testing", T_BOOL, record_testing, 0, F_LATER),
	KF("error_at", T_TIME, error_at, 0, F_V2),
	KF("error", T_TEXT, error, KSSTATE_TEXT_MAX, F_OPT | F_V2),
	KF("reason", T_TEXT, reason, KSSTATE_TEXT_MAX, F_OPT | F_V2),
};

#define VF(n, t, m, max, fl) { n, t, offsetof(struct ks_vendor, m), max, fl }
static const struct field vendor_fields[] = {
	VF("name", T_VENDOR, name, 0, 0),
	VF("hold", T_BOOL, hold, 0, 0),
	VF("decommission", T_BOOL, decommission, 0, 0),
	VF("decommission_algs", T_UINT, decommission_algs,
	    KS_DECOMMISSION_ALGS_MAX, F_OPT | F_LATER),
	VF("error_at", T_TIME, error_at, 0, 0),
	VF("error", T_TEXT, error, KSSTATE_TEXT_MAX, F_OPT),
	VF("stall_since", T_TIME, stall_since, 0, F_LATER),
	VF("stall", T_TEXT, stall, KSSTATE_TEXT_MAX, F_OPT | F_LATER),
};

#define OF(n, t, m, max, fl) \
    { n, t, offsetof(struct ks_observation, m), max, fl }
static const struct field obs_fields[] = {
	OF("vendor", T_VENDOR, vendor, 0, 0),
	OF("selector", T_SELECTOR, selector, 0, 0),
	OF("alg", T_ALG, alg, 0, F_OPT),
	OF("bits", T_UINT, bits, UINT16_MAX, F_OPT),
	OF("fpr", T_FPR, fpr, 0, 0),
	OF("revoked", T_BOOL, revoked, 0, 0),
	OF("first_seen", T_TIME, first_seen, 0, 0),
	OF("last_seen", T_TIME, last_seen, 0, 0),
	OF("target", T_TEXT, target, KSSTATE_TARGET_MAX, F_OPT),
	OF("rotations", T_UINT, rotations, UINT32_MAX, F_OPT | F_LATER),
};

#define JF(n, t, m, max, fl) \
    { n, t, offsetof(struct ksstate_entry, m), max, fl }
static const struct field entry_fields[] = {
	JF("id", T_HEX, id, KSSTATE_ID_HEX, 0),
	JF("time", T_TIME, time, 0, 0),
	JF("simulated", T_BOOL, simulated, 0, 0),
	JF("event", T_TEXT, event, KSSTATE_EVENT_MAX, 0),
	JF("event_id", T_HEX, event_id, KSSTATE_ID_HEX, F_OPT),
	JF("vendor", T_VENDOR, vendor, 0, F_OPT),
	JF("domain", T_DOMAIN, domain, 0, F_OPT),
	JF("selector", T_SELECTOR, selector, 0, F_OPT),
	JF("fpr", T_HEX, fpr, 2 * KS_FPR_LEN, F_OPT),
	JF("extra", T_TEXT, extra, KSSTATE_EXTRA_MAX, F_OPT),
};

/* A simulated keystore (optional: absent for a real-clock one). */
#define SF(n, t, m, max, fl) { n, t, offsetof(struct ksstate, m), max, fl }
static const struct field simulated_fields[] = {
	SF("since", T_TIME, simulated_since, 0, 0),
};

/* The last rotate run (optional: absent until one ends). */
#define RF(n, t, m, max, fl) { n, t, offsetof(struct ksstate, m), max, fl }
static const struct field run_fields[] = {
	RF("at", T_TIME, run_at, 0, 0),
	RF("ok", T_BOOL, run_ok, 0, 0),
};

_Static_assert(ARRAY_LEN(key_fields) <= 32, "a seen bit per field");

/* A time as stored: "-" for 0 (not yet), else YYYY-MM-DDTHH:MM:SSZ. */
static const char *
fmt_time(int64_t t, char s[UTIL_TIME_LEN])
{
	if (t == 0)
		return "-";
	return util_fmt_time(t, s);
}

/* Writes one field's value. */
static void
put_value(struct buf *out, const struct field *f, const void *obj)
{
	const char *at = (const char *)obj + f->off, *s;
	char hex[2 * KS_FPR_LEN + 1], ts[UTIL_TIME_LEN], *b64;
	const struct ks_key *k = obj;
	enum dk_alg alg;

	switch (f->type) {
	case T_VENDOR:
	case T_DOMAIN:
	case T_SELECTOR:
	case T_HEX:
		s = *(const char *const *)at;
		buf_puts(out, s != NULL ? s : "");
		break;
	case T_TEXT:
		if ((s = *(const char *const *)at) != NULL)
			ksstate_escape(out, s);
		break;
	case T_ALG:
		alg = *(const enum dk_alg *)at;
		buf_puts(out, alg == DK_ALG_NONE ? "-" : dk_alg_name(alg));
		break;
	case T_UINT:
		buf_printf(out, "%u", *(const unsigned *)at);
		break;
	case T_U32:
		buf_printf(out, "%" PRIu32, *(const uint32_t *)at);
		break;
	case T_STATE:
		buf_puts(out, ks_state_name(*(const enum ks_state *)at));
		break;
	case T_BOOL:
		buf_puts(out, *(const bool *)at ? "yes" : "no");
		break;
	case T_FPR:
		util_hex((const unsigned char *)at, KS_FPR_LEN, hex);
		buf_puts(out, hex);
		break;
	case T_PACK:
		util_hex(k->pack.id, KS_PACK_ID_LEN, hex);
		buf_printf(out, "%s.%u", hex, (unsigned)k->pack.slot);
		break;
	case T_PUB:
		if (k->publen > 0) {
			b64 = util_b64_encode(k->pub, k->publen);
			buf_puts(out, b64);
			free(b64);
		}
		break;
	case T_TIME:
		buf_puts(out, fmt_time(*(const int64_t *)at, ts));
		break;
	}
}

/* Whether a text, number or time field is empty (NULL, 0). */
static bool
is_empty(const struct field *f, const void *obj)
{
	const char *at = (const char *)obj + f->off;

	if (f->type == T_UINT)
		return *(const unsigned *)at == 0;
	if (f->type == T_BOOL)
		return !*(const bool *)at;
	if (f->type == T_TIME)
		return *(const int64_t *)at == 0;
	if (f->type == T_PACK)
		return !((const struct ks_key *)obj)->pack.in_pack;
	return *(const char *const *)at == NULL;
}

static void
put_line(struct buf *out, const char *word, const struct field *f, size_t n,
    const void *obj)
{
	size_t i;

	buf_puts(out, word);
	for (i = 0; i < n; i++) {
		if ((f[i].flags & F_LATER) && is_empty(&f[i], obj))
			continue;
		buf_printf(out, " %s=", f[i].name);
		put_value(out, &f[i], obj);
	}
	buf_puts(out, "\n");
}

static int __attribute__((format(printf, 3, 4)))
enc_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}


#define ZEROS \
    "0000000000000000000000000000000000000000000000000000000000000000"

static const char *
sum_or_zeros(const char *s)
{
	return s[0] != '\0' ? s : ZEROS;
}

/* "audit SEQ HASH": the audit head the state is committed with. */
static void
put_audit(struct buf *out, const struct ksstate *st)
{
	buf_printf(out, "audit %lu %s\n", st->audit_seq,
	    sum_or_zeros(st->audit_hash));
}

/* The now line, the simulated line and the run line. */
static int
put_head(const struct ksstate *st, struct buf *out, char *err, size_t errlen)
{
	char ts[UTIL_TIME_LEN];

	if (!ksstate_time_ok(st->now))
		return enc_fail(err, errlen, "now: time out of range");
	buf_printf(out, "now %s\n", fmt_time(st->now, ts));
	if (st->simulated_since != 0) {
		if (!ksstate_time_ok(st->simulated_since))
			return enc_fail(err, errlen, "simulated: time out of "
			    "range");
		put_line(out, "simulated", simulated_fields,
		    ARRAY_LEN(simulated_fields), st);
	}
	if (st->run_at != 0) {
		if (!ksstate_time_ok(st->run_at))
			return enc_fail(err, errlen, "run: time out of range");
		put_line(out, "run", run_fields, ARRAY_LEN(run_fields), st);
	}
	return 0;
}

static int
put_counter(const struct ksstate *st, size_t i, struct buf *out, char *err,
    size_t errlen)
{
	if (!ksstate_valid_vendor(st->counters[i].vendor))
		return enc_fail(err, errlen, "counter: invalid vendor name");
	buf_printf(out, "counter %s %u\n", st->counters[i].vendor,
	    st->counters[i].value);
	return 0;
}

static int
put_vendor(const struct ks_vendor *v, struct buf *out, char *err,
    size_t errlen)
{
	const char *why;

	if ((why = ksstate_vendor_invalid(v)) != NULL)
		return enc_fail(err, errlen, "vendor %.80s: %s",
		    v->name ? v->name : "?", why);
	put_line(out, "vendor", vendor_fields, ARRAY_LEN(vendor_fields), v);
	return 0;
}

static int
put_key(const struct ks_key *k, struct buf *out, char *err, size_t errlen)
{
	const char *why;

	if ((why = ksstate_key_invalid(k)) != NULL)
		return enc_fail(err, errlen, "key %s._domainkey.%s: %s",
		    k->selector, k->domain, why);
	put_line(out, "key", key_fields, ARRAY_LEN(key_fields), k);
	return 0;
}

static int
put_observation(const struct ks_observation *o, struct buf *out, char *err,
    size_t errlen)
{
	const char *why;

	if ((why = ksstate_observation_invalid(o)) != NULL)
		return enc_fail(err, errlen, "observation %.80s %.80s: %s",
		    o->vendor, o->selector, why);
	put_line(out, "observation", obs_fields, ARRAY_LEN(obs_fields), o);
	return 0;
}

static int
put_journal(const struct ksstate *st, struct buf *out, char *err,
    size_t errlen)
{
	const char *why;
	size_t i;

	if (st->njournal == 0)
		return 0;
	if (!st->has_base || st->journal_base > BASE_MAX)
		return enc_fail(err, errlen, "journal without a base");
	buf_printf(out, "journal-base %" PRIu64 "\n", st->journal_base);
	for (i = 0; i < st->njournal; i++) {
		if ((why = ksstate_entry_invalid(&st->journal[i])) != NULL)
			return enc_fail(err, errlen, "journal entry %zu: %s",
			    i + 1, why);
		put_line(out, "journal", entry_fields, ARRAY_LEN(entry_fields),
		    &st->journal[i]);
	}
	return 0;
}

/*
 * The state's text on its way out: lines gather in b, and whenever b holds
 * DRAIN_AT octets they go to the BLAKE2b state and the sink (the state of
 * 100,000 keys is some 50 MB, never whole in memory).
 */
#define DRAIN_AT 65536

struct enc {
	struct buf b;
	crypto_generichash_state h;
	int (*sink)(void *ctx, const char *p, size_t n);
	void *ctx;
	size_t total;
	int failed;
};

static void
drain(struct enc *e, bool all)
{
	if (e->b.len == 0 || (!all && e->b.len < DRAIN_AT))
		return;
	crypto_generichash_update(&e->h, (const unsigned char *)e->b.data,
	    e->b.len);
	if (!e->failed && e->sink(e->ctx, e->b.data, e->b.len) == -1)
		e->failed = 1;
	e->total += e->b.len;
	e->b.len = 0;
}

/* Every record but the counters, each checked first. */
static int
encode_records(const struct ksstate *st, struct enc *e, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < st->nvendors; i++) {
		if (put_vendor(st->vendors[i], &e->b, err, errlen) == -1)
			return -1;
		drain(e, false);
	}
	for (i = 0; i < st->nkeys; i++) {
		if (put_key(st->keys[i], &e->b, err, errlen) == -1)
			return -1;
		drain(e, false);
	}
	for (i = 0; i < st->nobs; i++) {
		if (put_observation(st->obs[i], &e->b, err, errlen) == -1)
			return -1;
		drain(e, false);
	}
	return put_journal(st, &e->b, err, errlen);
}

int
ksstate_encode_stream(const struct ksstate *st,
    int (*sink)(void *ctx, const char *p, size_t n), void *ctx,
    char sum[KSSTATE_SUM_HEX + 1], size_t *len, char *err, size_t errlen)
{
	unsigned char h[crypto_generichash_BYTES];
	char id[2 * KSSTATE_KSID_LEN + 1];
	struct enc e;
	int rc = -1;
	size_t i;

	memset(&e, 0, sizeof(e));
	e.sink = sink;
	e.ctx = ctx;
	crypto_generichash_init(&e.h, NULL, 0, sizeof(h));
	util_hex(st->ksid, KSSTATE_KSID_LEN, id);
	buf_printf(&e.b, "dkimkeys-state %d\nkeystore %s\nlog %s\n",
	    KSSTATE_VERSION, id, sum_or_zeros(st->logsum));
	put_audit(&e.b, st);
	if (put_head(st, &e.b, err, errlen) == -1)
		goto out;
	for (i = 0; i < st->ncounters; i++)
		if (put_counter(st, i, &e.b, err, errlen) == -1)
			goto out;
	if (encode_records(st, &e, err, errlen) == -1)
		goto out;
	drain(&e, true);
	crypto_generichash_final(&e.h, h, sizeof(h));
	util_hex(h, sizeof(h), sum);
	buf_printf(&e.b, END_TAG "%s\n", sum);
	e.total += e.b.len;
	if (!e.failed && sink(ctx, e.b.data, e.b.len) == -1)
		e.failed = 1;
	*len = e.total;
	rc = e.failed ? -2 : 0;
out:
	buf_free(&e.b);
	return rc;
}

static int
to_buf(void *ctx, const char *p, size_t n)
{
	buf_add(ctx, p, n);
	return 0;
}

int
ksstate_encode(const struct ksstate *st, struct buf *out, char *err,
    size_t errlen)
{
	char sum[KSSTATE_SUM_HEX + 1];
	size_t len;

	return ksstate_encode_stream(st, to_buf, out, sum, &len, err,
	    errlen) == 0 ? 0 : -1;
}

/* sum = BLAKE2b-256 of prev (hex) || the octets of a group up to and
 * including "commit SEQ ", in hex. */
static void
group_sum(const char *prev, const char *text, size_t len,
    char sum[KSSTATE_SUM_HEX + 1])
{
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash_state s;

	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)prev,
	    KSSTATE_SUM_HEX);
	crypto_generichash_update(&s, (const unsigned char *)text, len);
	crypto_generichash_final(&s, h, sizeof(h));
	util_hex(h, sizeof(h), sum);
}

void
ksstate_log_header(struct buf *out, const char *seed)
{
	buf_printf(out, LOG_MAGIC "%d %s\n", KSSTATE_VERSION, seed);
}

int
ksstate_encode_group(struct ksstate *st, unsigned long seq, const char *prev,
    struct buf *out, char sum[KSSTATE_SUM_HEX + 1], char *err, size_t errlen)
{
	struct ksstate_changes c;
	size_t start = out->len, i;

	ksstate_find_changes(st, &c);
	if (c.head && put_head(st, out, err, errlen) == -1)
		return -1;
	for (i = 0; i < c.ncounters; i++)
		if (put_counter(st, c.counters[i], out, err, errlen) == -1)
			return -1;
	for (i = 0; i < c.nvendors; i++)
		if (put_vendor(st->vendors[c.vendors[i]], out, err,
		    errlen) == -1)
			return -1;
	for (i = 0; i < c.nkeys; i++)
		if (put_key(st->keys[c.keys[i]], out, err, errlen) == -1)
			return -1;
	for (i = 0; i < c.nobs; i++)
		if (put_observation(st->obs[c.obs[i]], out, err, errlen) == -1)
			return -1;
	put_audit(out, st);
	if (put_journal(st, out, err, errlen) == -1)
		return -1;
	buf_printf(out, "commit %lu ", seq);
	group_sum(prev, out->data + start, out->len - start, sum);
	buf_printf(out, "%s\n", sum);
	return (int)(c.nkeys + c.nvendors + c.nobs + c.ncounters +
	    (c.head ? 1 : 0));
}

struct parser {
	struct ksstate *st;
	unsigned version;
	unsigned line;
	size_t rank; /* kinds[] index of the last record line */
	char *err;
	size_t errlen;
	bool log;      /* a state.log group: records replace records */
	unsigned once; /* kinds[] bits of the lines a group has once */
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
	if (util_parse_time(v, t) == -1 || *t == 0 || !ksstate_time_ok(*t))
		return -1;
	return 0;
}

static bool
is_hex(const char *v, size_t digits)
{
	return strlen(v) == digits &&
	    strspn(v, "0123456789abcdef") == digits;
}

static int
hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Exactly 64 lowercase hex digits. */
static int
parse_fpr(const char *v, unsigned char out[KS_FPR_LEN])
{
	size_t i;

	if (!is_hex(v, 2 * KS_FPR_LEN))
		return -1;
	for (i = 0; i < KS_FPR_LEN; i++)
		out[i] = (unsigned char)(hexval(v[2 * i]) << 4 |
		    hexval(v[2 * i + 1]));
	return 0;
}

/* "HEX.SLOT": a pack id (32 lowercase hex digits) and a slot below
 * KS_PACK_SLOTS_MAX. */
static int
parse_pack(const char *v, struct ks_key *k)
{
	char hex[2 * KS_PACK_ID_LEN + 1];
	uint64_t slot;
	size_t i;

	if (strlen(v) < sizeof(hex) || v[sizeof(hex) - 1] != '.')
		return -1;
	memcpy(hex, v, sizeof(hex) - 1);
	hex[sizeof(hex) - 1] = '\0';
	if (!is_hex(hex, 2 * KS_PACK_ID_LEN) ||
	    util_parse_uint(v + sizeof(hex), 0, KS_PACK_SLOTS_MAX - 1,
	    &slot) == -1)
		return -1;
	for (i = 0; i < KS_PACK_ID_LEN; i++)
		k->pack.id[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
		    hexval(hex[2 * i + 1]));
	k->pack.slot = (uint16_t)slot;
	k->pack.in_pack = true;
	return 0;
}

/* A string field: the value when valid (empty: NULL, if optional). */
static int
set_string(const struct field *f, char **s, const char *v)
{
	bool ok;

	if (*v == '\0')
		return (f->flags & F_OPT) ? 0 : -1;
	if (f->type == T_TEXT)
		return ksstate_unescape(v, f->max, s);
	if (f->type == T_VENDOR)
		ok = ksstate_valid_vendor(v);
	else if (f->type == T_DOMAIN)
		ok = util_valid_domain(v);
	else if (f->type == T_SELECTOR)
		ok = util_valid_selector(v);
	else
		ok = is_hex(v, f->max);
	*s = ok ? xstrdup(v) : NULL;
	return ok ? 0 : -1;
}

/* Sets field f of obj from v; -1 when v is not a valid value for it. */
static int
set_value(const struct field *f, void *obj, const char *v)
{
	char *at = (char *)obj + f->off;
	struct ks_key *k = obj;
	uint64_t n;
	long len;

	switch (f->type) {
	case T_ALG:
		if ((f->flags & F_OPT) && strcmp(v, "-") == 0) {
			*(enum dk_alg *)at = DK_ALG_NONE;
			return 0;
		}
		*(enum dk_alg *)at = dk_alg_parse(v);
		return *(enum dk_alg *)at == DK_ALG_NONE ? -1 : 0;
	case T_UINT:
	case T_U32:
		if (util_parse_uint(v, f->type == T_UINT &&
		    (f->flags & F_OPT) == 0 ? 1 : 0,
		    f->type == T_U32 ? UINT32_MAX : f->max, &n) == -1)
			return -1;
		if (f->type == T_U32)
			*(uint32_t *)at = (uint32_t)n;
		else
			*(unsigned *)at = (unsigned)n;
		return 0;
	case T_STATE:
		return ks_state_parse(v, (enum ks_state *)at);
	case T_BOOL:
		*(bool *)at = strcmp(v, "yes") == 0;
		return *(bool *)at || strcmp(v, "no") == 0 ? 0 : -1;
	case T_FPR:
		return parse_fpr(v, (unsigned char *)at);
	case T_PUB:
		len = *v == '\0' ? 0 : util_b64_decode(v, strlen(v), k->pub,
		    KS_PUB_MAX, false);
		k->publen = len < 0 ? 0 : (size_t)len;
		return len < 0 ? -1 : 0;
	case T_TIME:
		return parse_time(v, (int64_t *)at);
	case T_PACK:
		return parse_pack(v, k);
	default:
		return set_string(f, (char **)at, v);
	}
}

static void
free_fields(const struct field *f, size_t n, void *obj)
{
	size_t i;
	char **s;

	for (i = 0; i < n; i++)
		if (f[i].type == T_VENDOR || f[i].type == T_DOMAIN ||
		    f[i].type == T_SELECTOR || f[i].type == T_TEXT ||
		    f[i].type == T_HEX) {
			s = (char **)((char *)obj + f[i].off);
			free(*s);
			*s = NULL;
		}
}

static bool
in_version(const struct parser *p, const struct field *f)
{
	return p->version >= 2 || (f->flags & F_V2) == 0;
}

/* Fills obj from "NAME=VALUE NAME=VALUE..." (rest is cut up). */
static int
parse_fields(struct parser *p, const struct field *f, size_t n, char *rest,
    void *obj)
{
	uint32_t seen = 0;
	char *tok, *eq;
	size_t i;

	while ((tok = strsep(&rest, " ")) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL)
			return fail(p, "field \"%.40s\" has no value", tok);
		*eq++ = '\0';
		for (i = 0; i < n && (strcmp(tok, f[i].name) != 0 ||
		    !in_version(p, &f[i])); i++)
			continue;
		if (i == n || (seen & 1U << i) != 0)
			return fail(p, "%s field \"%.40s\"", i == n ?
			    "unknown" : "repeated", tok);
		seen |= 1U << i;
		if (set_value(&f[i], obj, eq) == -1)
			return fail(p, "invalid %s \"%.80s\"", tok, eq);
	}
	for (i = 0; i < n; i++)
		if ((seen & 1U << i) == 0 && in_version(p, &f[i]) &&
		    (f[i].flags & F_LATER) == 0)
			return fail(p, "missing field %s", f[i].name);
	return 0;
}

static int
parse_key(struct parser *p, char *rest)
{
	struct ks_key k;
	unsigned char pub[KS_PUB_MAX];
	const char *why;
	int rc = -1;

	memset(&k, 0, sizeof(k));
	k.pub = pub;
	if (parse_fields(p, key_fields, ARRAY_LEN(key_fields), rest, &k) == -1)
		goto out;
	if ((why = ksstate_key_invalid(&k)) != NULL)
		fail(p, "%s", why);
	else if (p->log)
		rc = ksstate_key_put(p->st, &k) != NULL ? 0 : -1;
	else if (ksstate_append(p->st, &k) == NULL)
		fail(p, "%s._domainkey.%s listed twice", k.selector, k.domain);
	else
		rc = 0;
out:
	free_fields(key_fields, ARRAY_LEN(key_fields), &k);
	return rc;
}

static int
parse_vendor(struct parser *p, char *rest)
{
	struct ks_vendor v;
	const char *why;
	int rc = -1;

	memset(&v, 0, sizeof(v));
	if (parse_fields(p, vendor_fields, ARRAY_LEN(vendor_fields), rest,
	    &v) == -1)
		goto out;
	if ((why = ksstate_vendor_invalid(&v)) != NULL)
		fail(p, "%s", why);
	else if (p->log)
		rc = ksstate_vendor_put(p->st, &v) != NULL ? 0 : -1;
	else if (ksstate_vendor_append(p->st, &v) == NULL)
		fail(p, "vendor %s listed twice", v.name);
	else
		rc = 0;
out:
	free_fields(vendor_fields, ARRAY_LEN(vendor_fields), &v);
	return rc;
}

static int
parse_observation(struct parser *p, char *rest)
{
	struct ks_observation o;
	const char *why;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	if (parse_fields(p, obs_fields, ARRAY_LEN(obs_fields), rest, &o) == -1)
		goto out;
	if ((why = ksstate_observation_invalid(&o)) != NULL)
		fail(p, "%s", why);
	else if (p->log)
		rc = ksstate_observation_put(p->st, &o) != NULL ? 0 : -1;
	else if (ksstate_observation_append(p->st, &o) == NULL)
		fail(p, "observation %s %s listed twice", o.vendor,
		    o.selector);
	else
		rc = 0;
out:
	free_fields(obs_fields, ARRAY_LEN(obs_fields), &o);
	return rc;
}

static int
parse_entry(struct parser *p, char *rest)
{
	struct ksstate_entry e;
	const char *why;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	if (!p->st->has_base)
		return fail(p, "journal line before journal-base");
	if (parse_fields(p, entry_fields, ARRAY_LEN(entry_fields), rest,
	    &e) == -1)
		goto out;
	if ((why = ksstate_entry_invalid(&e)) != NULL) {
		fail(p, "%s", why);
		goto out;
	}
	ksstate_journal_add(p->st, &e);
	rc = 0;
out:
	free_fields(entry_fields, ARRAY_LEN(entry_fields), &e);
	return rc;
}

static int
parse_base(struct parser *p, char *rest)
{
	uint64_t n;

	if (p->st->has_base)
		return fail(p, "journal-base listed twice");
	if (util_parse_uint(rest, 0, BASE_MAX, &n) == -1)
		return fail(p, "invalid journal-base");
	p->st->has_base = true;
	p->st->journal_base = n;
	return 0;
}

static int
parse_simulated(struct parser *p, char *rest)
{
	if (parse_fields(p, simulated_fields, ARRAY_LEN(simulated_fields),
	    rest, p->st) == -1)
		return -1;
	if (p->st->simulated_since == 0)
		return fail(p, "simulated without a time");
	return 0;
}

static int
parse_run(struct parser *p, char *rest)
{
	if (p->st->run_at != 0 && !p->log)
		return fail(p, "run listed twice");
	if (parse_fields(p, run_fields, ARRAY_LEN(run_fields), rest,
	    p->st) == -1)
		return -1;
	if (p->st->run_at == 0)
		return fail(p, "run without a time");
	return 0;
}

static int
parse_counter(struct parser *p, char *rest)
{
	struct ksstate_counter *c;
	size_t before = p->st->ncounters;
	char *name = strsep(&rest, " ");
	uint64_t n;

	if (rest == NULL || !ksstate_valid_vendor(name) ||
	    util_parse_uint(rest, 0, UINT_MAX, &n) == -1)
		return fail(p, "invalid counter");
	c = ksstate_counter(p->st, name);
	if (p->st->ncounters == before && !p->log)
		return fail(p, "counter %s listed twice", name);
	c->value = (unsigned)n;
	return 0;
}

static int
parse_now(struct parser *p, char *rest)
{
	if (parse_time(rest, &p->st->now) == -1)
		return fail(p, "expected \"now TIME\"");
	return 0;
}

/* "SEQ HEX": the audit head the state was committed with. */
static int
parse_audit(struct parser *p, char *rest)
{
	char *seq = strsep(&rest, " ");
	uint64_t n;

	if (rest == NULL || util_parse_uint(seq, 0, SEQ_MAX, &n) == -1 ||
	    !is_hex(rest, KSSTATE_SUM_HEX))
		return fail(p, "expected \"audit SEQ HASH\"");
	p->st->audit_seq = (unsigned long)n;
	memcpy(p->st->audit_hash, rest, KSSTATE_SUM_HEX + 1);
	return 0;
}

/* Record lines, in the order they must come; the LOG ones only in a
 * state.log group (a checkpoint has them in its first lines). */
#define K_LOG 0x1  /* only in state.log */
#define K_ONCE 0x2 /* at most once a group */
static const struct {
	const char *word;
	unsigned since; /* the first version that has them */
	int (*parse)(struct parser *, char *);
	unsigned flags;
} kinds[] = {
	{ "now", 3, parse_now, K_LOG | K_ONCE },
	{ "simulated", 2, parse_simulated, K_ONCE },
	{ "run", 2, parse_run, K_ONCE },
	{ "counter", 1, parse_counter, 0 },
	{ "vendor", 2, parse_vendor, 0 },
	{ "key", 1, parse_key, 0 },
	{ "observation", 2, parse_observation, 0 },
	{ "audit", 3, parse_audit, K_LOG | K_ONCE },
	{ "journal-base", 2, parse_base, 0 },
	{ "journal", 2, parse_entry, 0 },
};
#define KIND_AUDIT 7 /* kinds[7] */

/* The first lines of a version 3 checkpoint: keystore, log, audit, now. */
static int
parse_first(struct parser *p, char *line)
{
	size_t i;

	if (p->line == 2) {
		if (strncmp(line, "keystore ", 9) != 0 ||
		    !is_hex(line + 9, 2 * KSSTATE_KSID_LEN))
			return fail(p, "expected \"keystore ID\"");
		for (i = 0; i < KSSTATE_KSID_LEN; i++)
			p->st->ksid[i] = (unsigned char)(hexval(line[9 + 2 * i])
			    << 4 | hexval(line[10 + 2 * i]));
		p->st->has_ksid = true;
		return 0;
	}
	if (p->line == 3) {
		if (strncmp(line, "log ", 4) != 0 ||
		    !is_hex(line + 4, KSSTATE_SUM_HEX))
			return fail(p, "expected \"log HASH\"");
		memcpy(p->st->logsum, line + 4, KSSTATE_SUM_HEX + 1);
		return 0;
	}
	if (p->line == 4)
		return strncmp(line, "audit ", 6) != 0 ?
		    fail(p, "expected \"audit SEQ HASH\"") :
		    parse_audit(p, line + 6);
	if (strncmp(line, "now ", 4) != 0)
		return fail(p, "expected \"now TIME\"");
	return parse_now(p, line + 4);
}

/* The first lines (1 in version 1 and 2, 4 in version 3). */
static unsigned
first_lines(const struct parser *p)
{
	return p->log ? 0 : p->version >= 3 ? 4 : 1;
}

/* The first lines, then record lines in the order of kinds[]. */
static int
parse_line(struct parser *p, char *line)
{
	size_t len = strcspn(line, " "), i;

	if (p->line <= first_lines(p) + 1)
		return p->version >= 3 ? parse_first(p, line) :
		    strncmp(line, "now ", 4) != 0 ?
		    fail(p, "expected \"now TIME\"") : parse_now(p, line + 4);
	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (strlen(kinds[i].word) == len &&
		    strncmp(line, kinds[i].word, len) == 0)
			break;
	if (i == ARRAY_LEN(kinds) || line[len] != ' ' ||
	    kinds[i].since > p->version ||
	    ((kinds[i].flags & K_LOG) && !p->log))
		return fail(p, "unknown line");
	if (i < p->rank)
		return fail(p, "%s after the %s lines", kinds[i].word,
		    kinds[p->rank].word);
	if ((kinds[i].flags & K_ONCE) && (p->once & 1U << i))
		return fail(p, "%s listed twice", kinds[i].word);
	p->once |= 1U << i;
	p->rank = i;
	return kinds[i].parse(p, line + len + 1);
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
	if (v < KSSTATE_VERSION_MIN || v > KSSTATE_VERSION) {
		fail(p, "unsupported version %s (made by a newer dkimkeys?)",
		    first);
		return -2;
	}
	p->version = (unsigned)v;
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
	struct parser p = { st, 0, 0, 0, err, errlen, false, 0 };
	const char *s, *e, *end, *dup;
	char *line;
	int rc;

	memset(st, 0, sizeof(*st));
	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return fail(&p, "truncated or not text");
	if ((rc = check_frame(&p, text, len)) != 0)
		return rc;
	st->version = p.version;
	end = text + len - END_LINE_LEN;
	for (s = text, p.line = 1; s < end; s = e + 1, p.line++) {
		e = memchr(s, '\n', (size_t)(end - s));
		if (p.line == 1)
			continue;
		if (e == s || e - s > LINE_MAX_LEN)
			return fail(&p, "empty or overlong line");
		line = xstrndup(s, (size_t)(e - s));
		rc = parse_line(&p, line);
		free(line);
		if (rc == -1)
			return -1;
	}
	if (p.line < first_lines(&p) + 2)
		return fail(&p, "no now line");
	if (st->has_base && st->njournal == 0)
		return fail(&p, "journal-base without journal lines");
	if ((dup = ksstate_journal_twice(st)) != NULL)
		return fail(&p, "journal entry %s listed twice", dup);
	return 0;
}

/* Applies one group (its lines, commit line excluded) onto p->st. */
static int
apply_group(struct parser *p, const char *s, const char *end)
{
	const char *e, *dup;
	char *line;
	int rc;

	/* a group lists the whole journal: the entries not known to be in
	 * audit.log when it was committed */
	ksstate_journal_clear(p->st);
	p->rank = 0;
	p->once = 0;
	for (; s < end; s = e + 1, p->line++) {
		e = memchr(s, '\n', (size_t)(end - s));
		line = xstrndup(s, (size_t)(e - s));
		rc = parse_line(p, line);
		free(line);
		if (rc == -1)
			return -1;
	}
	if ((p->once & 1U << KIND_AUDIT) == 0)
		return fail(p, "group without an audit line");
	if (p->st->has_base && p->st->njournal == 0)
		return fail(p, "journal-base without journal lines");
	if ((dup = ksstate_journal_twice(p->st)) != NULL)
		return fail(p, "journal entry %s listed twice", dup);
	return 0;
}

/* "commit SEQ HEX" ending a group of text from gstart: checks seq and
 * the chain from *cur, which becomes HEX. */
static int
check_commit(struct parser *p, const char *gstart, const char *s,
    const char *e, unsigned long groups, char cur[KSSTATE_SUM_HEX + 1])
{
	char sum[KSSTATE_SUM_HEX + 1], want[32];
	const char *hex;
	int n;

	n = snprintf(want, sizeof(want), "commit %lu ", groups + 1);
	if ((size_t)(e - s) != (size_t)n + KSSTATE_SUM_HEX ||
	    memcmp(s, want, (size_t)n) != 0)
		return fail(p, "commit line out of order or malformed "
		    "(expected group %lu)", groups + 1);
	hex = s + n;
	group_sum(cur, gstart, (size_t)(hex - gstart), sum);
	if (memcmp(sum, hex, KSSTATE_SUM_HEX) != 0)
		return fail(p, "checksum mismatch (edited, reordered or "
		    "not of this state)");
	memcpy(cur, sum, sizeof(sum));
	return 0;
}

int
ksstate_log_decode(struct ksstate *st, const char *text, size_t len,
    const char *seed, size_t *good, unsigned long *groups, char *err,
    size_t errlen)
{
	struct parser p = { st, KSSTATE_VERSION, 1, 0, err, errlen, true, 0 };
	char cur[KSSTATE_SUM_HEX + 1], start[KSSTATE_SUM_HEX + 1];
	const char *s, *e, *end = text + len, *gstart, *body;
	size_t hlen = sizeof(LOG_MAGIC) - 1 + 2 + KSSTATE_SUM_HEX;
	unsigned long n = 0;
	unsigned gline, cline;

	*good = 0;
	*groups = 0;
	if (len < hlen ||
	    memcmp(text, LOG_MAGIC "3 ", hlen - KSSTATE_SUM_HEX) != 0 ||
	    text[hlen] != '\n')
		return fail(&p, "not a state.log of version 3");
	memcpy(start, text + hlen - KSSTATE_SUM_HEX, KSSTATE_SUM_HEX);
	start[KSSTATE_SUM_HEX] = '\0';
	if (!is_hex(start, KSSTATE_SUM_HEX))
		return fail(&p, "bad first line");
	memcpy(cur, start, sizeof(cur));
	/* the chain first, applying nothing: a torn last group is cut */
	body = gstart = text + hlen + 1;
	for (s = body, p.line = 2; s < end &&
	    (e = memchr(s, '\n', (size_t)(end - s))) != NULL;
	    s = e + 1, p.line++) {
		if (e - s > LINE_MAX_LEN)
			return fail(&p, "overlong line");
		if (strncmp(s, "commit ", 7) != 0)
			continue;
		if (check_commit(&p, gstart, s, e, n, cur) == -1)
			return -1;
		n++;
		gstart = e + 1;
	}
	*good = (size_t)(gstart - text);
	/* a torn group may hold anything (zeros after a power loss) */
	if (memchr(text, '\0', *good) != NULL)
		return fail(&p, "not text");
	if (strcmp(start, seed) != 0) {
		if (strcmp(cur, sum_or_zeros(st->logsum)) == 0)
			return 1; /* absorbed already */
		p.line = 1;
		fail(&p, "does not start at this state (another "
		    "state's log)");
		return -2;
	}
	/* then each group onto the checkpoint */
	gline = 2;
	for (s = gstart = body, p.line = 2; s < text + *good; s = e + 1,
	    p.line++) {
		e = memchr(s, '\n', (size_t)(text + *good - s));
		if (strncmp(s, "commit ", 7) != 0)
			continue;
		cline = p.line;
		p.line = gline;
		if (apply_group(&p, gstart, s) == -1)
			return -1;
		p.line = cline;
		gstart = e + 1;
		gline = p.line + 1;
	}

	memcpy(st->logsum, cur, sizeof(cur));
	*groups = n;
	return 0;
}

void
ksstate_entry_encode(const struct ksstate_entry *e, struct buf *out)
{
	put_line(out, "journal", entry_fields, ARRAY_LEN(entry_fields), e);
}

int
ksstate_entry_decode(const char *text, size_t len, struct ksstate_entry *e,
    char *err, size_t errlen)
{
	struct parser p;
	const char *why;
	char *line;
	int rc = -1;

	memset(e, 0, sizeof(*e));
	memset(&p, 0, sizeof(p));
	p.version = KSSTATE_VERSION;
	p.err = err;
	p.errlen = errlen;
	if (len < 9 || memcmp(text, "journal ", 8) != 0 ||
	    text[len - 1] != '\n' || memchr(text, '\n', len - 1) != NULL ||
	    memchr(text, '\0', len) != NULL)
		return fail(&p, "not one journal line");
	line = xstrndup(text + 8, len - 9);
	if (parse_fields(&p, entry_fields, ARRAY_LEN(entry_fields), line,
	    e) == 0) {
		if ((why = ksstate_entry_invalid(e)) != NULL)
			fail(&p, "%s", why);
		else
			rc = 0;
	}
	if (rc == -1)
		free_fields(entry_fields, ARRAY_LEN(entry_fields), e);
	free(line);
	return rc;
}
