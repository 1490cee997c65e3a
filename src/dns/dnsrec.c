/*
 * dnsrec.c - DKIM key records as text: values, 255-octet splitting, zone,
 * value, name-value, JSON and nsupdate output, and tag-list parsing (RFC
 * 6376 sections 3.2 and 3.6.1), and the size of an RSA p= value. Pure:
 * the only I/O is the FILE given to dnsrec_write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "dnsrec.h"
#include "support/dkim.h"
#include "support/log.h"
#include "support/util.h"

/* A tag of a tag list, as pointers into the parsed text. */
struct tagspan {
	const char *name;
	size_t namelen;
	const char *val; /* without leading and trailing whitespace */
	size_t vallen;
};

int
dnsrec_format_parse(const char *s, enum dnsrec_format *out)
{
	static const struct {
		const char *name;
		enum dnsrec_format fmt;
	} formats[] = {
		{ "zone", DNSREC_ZONE },
		{ "value", DNSREC_VALUE },
		{ "json", DNSREC_JSON },
		{ "nsupdate", DNSREC_NSUPDATE },
		{ "name-value", DNSREC_NAME_VALUE },
	};
	size_t i;
	int rc = -1;

	for (i = 0; s != NULL && rc == -1 && i < ARRAY_LEN(formats); i++) {
		if (strcmp(s, formats[i].name) == 0) {
			*out = formats[i].fmt;
			rc = 0;
		}
	}
	return rc;
}

void
dnsrec_make(struct dnsrec *rec, const char *selector, const char *domain,
    uint32_t ttl, enum dk_alg alg, const unsigned char *pub, size_t publen,
    bool testing)
{
	char *b64 = NULL;

	rec->name = xasprintf("%s._domainkey.%s.", selector, domain);
	rec->ttl = ttl;
	if (pub == NULL || publen == 0) {
		/* Revoked (RFC 6376 section 3.6.1): no t= flags either. */
		rec->value = xasprintf("v=DKIM1; k=%s; p=", dk_alg_name(alg));
	} else {
		b64 = util_b64_encode(pub, publen);
		rec->value = xasprintf("v=DKIM1; k=%s; %sp=%s",
		    dk_alg_name(alg), testing ? "t=y; " : "", b64);
	}
	free(b64);
}

void
dnsrec_clear(struct dnsrec *rec)
{
	if (rec == NULL)
		return;
	free(rec->name);
	free(rec->value);
	memset(rec, 0, sizeof(*rec));
}

/*
 * Where the p= tag starts in value: at the start or after ';' or
 * whitespace. Returns NULL when there is none.
 */
static const char *
find_p_tag(const char *value)
{
	const char *s;

	for (s = value; (s = strstr(s, "p=")) != NULL; s++) {
		if (s == value || s[-1] == ';' || s[-1] == ' ' || s[-1] == '\t')
			return s;
	}
	return NULL;
}

/* Appends s[0..len) to the list in pieces of at most DNSREC_STRING_MAX. */
static void
split_add(char ***list, size_t *n, const char *s, size_t len)
{
	size_t take;

	do {
		take = len < DNSREC_STRING_MAX ? len : DNSREC_STRING_MAX;
		*list = xrealloc(*list, (*n + 1) * sizeof(**list));
		(*list)[*n] = xmalloc(take + 1);
		memcpy((*list)[*n], s, take);
		(*list)[*n][take] = '\0';
		(*n)++;
		s += take;
		len -= take;
	} while (len > 0);
}

size_t
dnsrec_split(const char *value, char ***out)
{
	const char *p = find_p_tag(value);
	char **list = NULL;
	size_t n = 0;

	if (p == NULL) {
		/* Not a key value; still honour the 255-octet limit. */
		split_add(&list, &n, value, strlen(value));
	} else {
		if (p > value)
			split_add(&list, &n, value, (size_t)(p - value));
		split_add(&list, &n, p, strlen(p));
	}
	*out = list;
	return n;
}

void
dnsrec_strings_free(char **strings, size_t n)
{
	size_t i;

	if (strings == NULL)
		return;
	for (i = 0; i < n; i++)
		free(strings[i]);
	free(strings);
}

/*
 * Appends s as a master-file character-string: double-quoted, '"' and
 * '\' escaped, other octets outside printable ASCII as \DDD (RFC 1035
 * section 5.1), which nsupdate reads the same way.
 */
static void
put_quoted(struct buf *b, const char *s)
{
	const unsigned char *u;

	buf_puts(b, "\"");
	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			buf_printf(b, "\\%c", *u);
		else if (*u < 0x20 || *u > 0x7e)
			buf_printf(b, "\\%03u", *u);
		else
			buf_add(b, u, 1);
	}
	buf_puts(b, "\"");
}

/* NAME TTL IN TXT ( "first"
 *   "second" )
 */
static void
put_zone(struct buf *b, const struct dnsrec *rec, char **strs, size_t n)
{
	size_t i;

	buf_printf(b, "%s %u IN TXT ( ", rec->name, (unsigned)rec->ttl);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(b, "\n  ");
		put_quoted(b, strs[i]);
	}
	buf_puts(b, " )\n");
}

static void
put_json(struct buf *b, const struct dnsrec *rec, char **strs, size_t n,
    bool last)
{
	size_t i;

	buf_puts(b, "  {\n    \"name\": ");
	buf_json_str(b, rec->name);
	buf_printf(b, ",\n    \"ttl\": %u,\n    \"value\": ",
	    (unsigned)rec->ttl);
	buf_json_str(b, rec->value);
	buf_puts(b, ",\n    \"strings\": [");
	for (i = 0; i < n; i++) {
		buf_puts(b, i == 0 ? "\n      " : ",\n      ");
		buf_json_str(b, strs[i]);
	}
	buf_puts(b, "\n    ]\n  }");
	buf_puts(b, last ? "\n" : ",\n");
}

/*
 * One update message per record: the old TXT set at the name goes and the
 * new one comes atomically, and records of different zones never share a
 * message (the server would refuse it with NOTZONE).
 */
static void
put_nsupdate(struct buf *b, const struct dnsrec *rec, char **strs, size_t n)
{
	size_t i;

	buf_printf(b, "update delete %s TXT\n", rec->name);
	buf_printf(b, "update add %s %u TXT", rec->name, (unsigned)rec->ttl);
	for (i = 0; i < n; i++) {
		buf_puts(b, " ");
		put_quoted(b, strs[i]);
	}
	buf_puts(b, "\nsend\n");
}

static void
put_record(struct buf *b, enum dnsrec_format fmt, const struct dnsrec *rec,
    bool last)
{
	char **strs = NULL;
	size_t n;

	n = dnsrec_split(rec->value, &strs);
	switch (fmt) {
	case DNSREC_ZONE:
		put_zone(b, rec, strs, n);
		break;
	case DNSREC_VALUE:
		buf_printf(b, "%s\n", rec->value);
		break;
	case DNSREC_NAME_VALUE:
		buf_printf(b, "%s\t%s\n", rec->name, rec->value);
		break;
	case DNSREC_JSON:
		put_json(b, rec, strs, n, last);
		break;
	case DNSREC_NSUPDATE:
		put_nsupdate(b, rec, strs, n);
		break;
	}
	dnsrec_strings_free(strs, n);
}

/*
 * The whole output is built first so that a write error cannot leave half
 * a record behind in the buffer. The nsupdate text has no "server" or
 * "zone" line: the caller puts them in front (they last for every "send"),
 * or nsupdate finds each zone itself. With no records, json is "[]" and
 * the other formats are empty.
 */
int
dnsrec_write(FILE *out, enum dnsrec_format fmt, const struct dnsrec *recs,
    size_t n)
{
	struct buf b = { 0 };
	size_t i;
	int rc = -1;

	if (fmt == DNSREC_JSON)
		buf_puts(&b, n == 0 ? "[]\n" : "[\n");
	for (i = 0; i < n; i++)
		put_record(&b, fmt, &recs[i], i + 1 == n);
	if (fmt == DNSREC_JSON && n > 0)
		buf_puts(&b, "]\n");

	errno = 0;
	if ((b.len > 0 && fwrite(b.data, 1, b.len, out) != b.len) ||
	    fflush(out) != 0 || ferror(out)) {
		log_fail(EX_IOERR, "dnsrec: cannot write records: %s",
		    errno != 0 ? strerror(errno) : "write error");
		goto done;
	}
	rc = 0;
done:
	buf_free(&b);
	return rc;
}

/* Whitespace allowed around tags and values (WSP and folding). */
static bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static const char *
skip_fws(const char *s)
{
	while (is_fws(*s))
		s++;
	return s;
}

/*
 * Reads one tag-spec at *cur: [FWS] name [FWS] "=" [FWS] value [FWS],
 * leaving *cur at the ';' or NUL that ends it. Returns 0, or -1 with *why.
 */
static int
read_tag(const char **cur, struct tagspan *t, const char **why)
{
	const char *s = skip_fws(*cur);
	const char *end;
	int rc = -1;

	if (!is_alpha(*s)) {
		*why = *s == ';' || *s == '\0' ? "empty tag" :
		    "tag name expected";
		goto done;
	}
	t->name = s;
	while (is_alpha(*s) || (*s >= '0' && *s <= '9') || *s == '_')
		s++;
	t->namelen = (size_t)(s - t->name);
	s = skip_fws(s);
	if (*s != '=') {
		*why = "'=' expected after tag name";
		goto done;
	}
	s = skip_fws(s + 1);
	t->val = s;
	for (end = s; *s != ';' && *s != '\0'; s++) {
		/* VALCHAR is %x21-3A / %x3C-7E, with whitespace between. */
		if (is_fws(*s))
			continue;
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e) {
			*why = "invalid character in tag value";
			goto done;
		}
		end = s + 1;
	}
	t->vallen = (size_t)(end - t->val);
	*cur = s;
	rc = 0;
done:
	return rc;
}

/*
 * Splits txt into tags (a trailing ';' allowed); refuses duplicate names.
 * Returns the count, or -1 with *why. *out is malloc'd either way.
 */
static long
read_tags(const char *txt, struct tagspan **out, const char **why)
{
	struct tagspan t;
	const char *s = txt;
	long n = 0, i, rc = -1;

	*out = NULL;
	do {
		if (read_tag(&s, &t, why) == -1)
			goto done;
		for (i = 0; i < n; i++) {
			if ((*out)[i].namelen == t.namelen &&
			    memcmp((*out)[i].name, t.name, t.namelen) == 0) {
				*why = "duplicate tag";
				goto done;
			}
		}
		*out = xrealloc(*out, (size_t)(n + 1) * sizeof(**out));
		(*out)[n++] = t;
	} while (*s != '\0' && *(s = skip_fws(s + 1)) != '\0');
	rc = n;
done:
	return rc;
}

static bool
tag_is(const struct tagspan *t, const char *name)
{
	return t->namelen == strlen(name) &&
	    memcmp(t->name, name, t->namelen) == 0;
}

/* Copies a tag value into a fixed field; false when it does not fit. */
static bool
copy_val(char *dst, size_t cap, const struct tagspan *t)
{
	bool fits = t->vallen < cap;

	if (fits) {
		memcpy(dst, t->val, t->vallen);
		dst[t->vallen] = '\0';
	}
	return fits;
}

/* t= flags, ':'-separated with optional whitespace; unknown ones ignored. */
static void
read_flags(const struct tagspan *t, struct dnsrec_tags *tags)
{
	const char *s = t->val, *end = t->val + t->vallen, *f, *fe;

	while (s < end) {
		while (s < end && (is_fws(*s) || *s == ':'))
			s++;
		for (f = s; s < end && *s != ':'; s++)
			;
		for (fe = s; fe > f && is_fws(fe[-1]); fe--)
			;
		if (fe - f == 1 && *f == 'y')
			tags->has_t_y = true;
		else if (fe - f == 1 && *f == 's')
			tags->has_t_s = true;
	}
}

/*
 * Decodes p= with its whitespace removed; empty means revoked. Sets *why
 * when it is not base64.
 */
static void
read_p(const struct tagspan *t, struct dnsrec_tags *tags, const char **why)
{
	char *clean = xmalloc(t->vallen + 1);
	size_t i, n = 0;
	long len;

	for (i = 0; i < t->vallen; i++)
		if (!is_fws(t->val[i]))
			clean[n++] = t->val[i];
	clean[n] = '\0';
	tags->has_p = true;
	tags->p_empty = n == 0;
	if (n > 0) {
		tags->p = xmalloc(n / 4 * 3 + 3);
		len = util_b64_decode(clean, n, tags->p, n / 4 * 3 + 3, false);
		if (len > 0)
			tags->plen = (size_t)len;
		else
			*why = "p= is not valid base64";
	}
	free(clean);
}

/*
 * Takes the meaning of one tag; index is its position in the record.
 * Unknown tags are ignored (RFC 6376 section 3.6.1). Returns -1 with *why
 * set (NULL on entry) when the tag makes the record unusable.
 */
static int
apply_tag(const struct tagspan *t, long index, struct dnsrec_tags *tags,
    const char **why)
{
	if (tag_is(t, "v")) {
		tags->has_v = true;
		if (index != 0)
			*why = "v= is not the first tag";
		else if (t->vallen != 5 || memcmp(t->val, "DKIM1", 5) != 0)
			*why = "v= is not DKIM1";
	} else if (tag_is(t, "k")) {
		tags->has_k = true;
		if (!copy_val(tags->k, sizeof(tags->k), t))
			*why = "k= value too long";
	} else if (tag_is(t, "h")) {
		if (!copy_val(tags->h, sizeof(tags->h), t))
			*why = "h= value too long";
	} else if (tag_is(t, "s")) {
		if (!copy_val(tags->s, sizeof(tags->s), t))
			*why = "s= value too long";
	} else if (tag_is(t, "t")) {
		read_flags(t, tags);
	} else if (tag_is(t, "p")) {
		read_p(t, tags, why);
	}
	return *why == NULL ? 0 : -1;
}

int
dnsrec_parse(const char *txt, struct dnsrec_tags *tags, const char **why)
{
	struct tagspan *list = NULL;
	long n, i;
	int rc = -1;

	memset(tags, 0, sizeof(*tags));
	*why = NULL;
	if (*skip_fws(txt) == '\0') {
		*why = "empty record";
		goto done;
	}
	if ((n = read_tags(txt, &list, why)) == -1)
		goto done;
	for (i = 0; i < n; i++)
		if (apply_tag(&list[i], i, tags, why) == -1)
			goto done;
	if (!tags->has_p) {
		*why = "p= missing";
		goto done;
	}
	if (!tags->has_k)
		memcpy(tags->k, "rsa", sizeof("rsa"));
	rc = 0;
done:
	if (rc == -1)
		dnsrec_tags_clear(tags);
	free(list);
	return rc;
}

void
dnsrec_tags_clear(struct dnsrec_tags *tags)
{
	if (tags == NULL)
		return;
	free(tags->p);
	memset(tags, 0, sizeof(*tags));
}

unsigned
dnsrec_rsa_bits(const unsigned char *pub, size_t publen)
{
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pk = NULL;
	const unsigned char *p = pub;
	size_t left = publen;
	unsigned bits = 0;

	if (pub == NULL || publen == 0)
		goto done;
	/* No structure: both SubjectPublicKeyInfo and RSAPublicKey decode. */
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, "DER", NULL, "RSA",
	    OSSL_KEYMGMT_SELECT_PUBLIC_KEY, NULL, NULL);
	if (dctx == NULL || OSSL_DECODER_from_data(dctx, &p, &left) != 1 ||
	    left != 0 || pk == NULL || !EVP_PKEY_is_a(pk, "RSA") ||
	    EVP_PKEY_get_bits(pk) <= 0)
		goto done;
	bits = (unsigned)EVP_PKEY_get_bits(pk);
done:
	EVP_PKEY_free(pk);
	OSSL_DECODER_CTX_free(dctx);
	ERR_clear_error();
	return bits;
}
