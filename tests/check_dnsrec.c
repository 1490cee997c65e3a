/*
 * check_dnsrec.c - DKIM key record values, splitting, output formats
 * (against golden files) and tag-list parsing.
 *
 * The golden files in tests/golden/dnsrec/ were written by an independent
 * script, tests/data/dnsrec/gen_golden.py (Python's base64 and json
 * modules), and the zone and nsupdate
 * ones are loaded into a real Knot DNS server by
 * tests/integration/nsupdate_knot.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsrec.h"
#include "support/dkim.h"
#include "support/log.h"
#include "support/util.h"

#include "testutil.h"

#define DATA TEST_SRCDIR "/data"
#define GOLDEN TEST_SRCDIR "/golden/dnsrec"

/* RFC 8463 A.2: the brisbane Ed25519 key, raw 32 bytes. */
static const char ed25519_b64[] =
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

enum pubsrc {
	PUB_NONE,
	PUB_RFC6376, /* SPKI of tests/data/vectors/rfc6376-brisbane.pub */
	PUB_RSA2048,
	PUB_RSA4096,
	PUB_ED25519,
};

static const struct golden_case {
	const char *file; /* tests/golden/dnsrec/FILE.FORMAT */
	const char *selector;
	const char *domain;
	uint32_t ttl;
	enum dk_alg alg;
	enum pubsrc pub;
	bool testing;
} golden_cases[] = {
	{ "rsa1024", "brisbane", "example.com", 86400, DK_ALG_RSA,
	    PUB_RFC6376, false },
	{ "rsa2048", "mg202611r", "mg.example.com", 3600, DK_ALG_RSA,
	    PUB_RSA2048, false },
	{ "rsa4096", "k202611r", "example.com", 3600, DK_ALG_RSA,
	    PUB_RSA4096, false },
	{ "ed25519", "mg202611e", "mg.example.com", 3600, DK_ALG_ED25519,
	    PUB_ED25519, false },
	{ "testing", "t202611e", "example.net", 300, DK_ALG_ED25519,
	    PUB_ED25519, true },
	{ "revoked", "mg202605r", "mg.example.com", 3600, DK_ALG_RSA,
	    PUB_NONE, false },
};

static const char *const format_names[] = { "zone", "value", "json",
	"nsupdate", "name-value" };
#define NFORMATS ARRAY_LEN(format_names)

/* The public key bytes of a case, malloc'd (NULL for PUB_NONE). */
static unsigned char *
load_pub(enum pubsrc src, size_t *len)
{
	unsigned char *out = NULL;
	char *text, *body, *end;
	long n;

	*len = 0;
	switch (src) {
	case PUB_NONE:
		break;
	case PUB_RFC6376:
		text = tu_slurp(DATA "/vectors/rfc6376-brisbane.pub", NULL);
		body = strchr(text, '\n');
		ck_assert_ptr_nonnull(body);
		end = strstr(body, "-----END");
		ck_assert_ptr_nonnull(end);
		out = malloc(1024);
		n = util_b64_decode(body + 1, (size_t)(end - body - 1), out,
		    1024, true);
		ck_assert_int_eq(n, 162);
		*len = (size_t)n;
		free(text);
		break;
	case PUB_RSA2048:
		out = (unsigned char *)tu_slurp(DATA "/dnsrec/rsa2048.pub.der",
		    len);
		ck_assert_uint_eq(*len, 294);
		break;
	case PUB_RSA4096:
		out = (unsigned char *)tu_slurp(DATA "/dnsrec/rsa4096.pub.der",
		    len);
		ck_assert_uint_eq(*len, 550);
		break;
	case PUB_ED25519:
		out = malloc(32);
		n = util_b64_decode(ed25519_b64, strlen(ed25519_b64), out, 32,
		    false);
		ck_assert_int_eq(n, 32);
		*len = 32;
		break;
	}
	return out;
}

static void
make_case(struct dnsrec *rec, const struct golden_case *c)
{
	unsigned char *pub;
	size_t len;

	pub = load_pub(c->pub, &len);
	dnsrec_make(rec, c->selector, c->domain, c->ttl, c->alg, pub, len,
	    c->testing);
	free(pub);
}

/* dnsrec_write's output as a malloc'd string. */
static char *
write_to_string(enum dnsrec_format fmt, const struct dnsrec *recs, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(dnsrec_write(f, fmt, recs, n), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

static void
assert_golden(const char *got, const char *file, const char *ext)
{
	char path[256];
	char *want;
	size_t i;

	snprintf(path, sizeof(path), GOLDEN "/%s.%s", file, ext);
	want = tu_slurp(path, NULL);
	for (i = 0; got[i] != '\0' && got[i] == want[i]; i++)
		;
	ck_assert_msg(got[i] == want[i],
	    "%s differs from the output at offset %zu:\n%s", path, i, got);
	free(want);
}

/* Loop index: case * NFORMATS + format. */
START_TEST(test_every_format_matches_its_golden_file)
{
	const struct golden_case *c = &golden_cases[_i / NFORMATS];
	enum dnsrec_format fmt;
	struct dnsrec rec;
	char *out;

	ck_assert_int_eq(dnsrec_format_parse(format_names[_i % NFORMATS],
	    &fmt), 0);
	make_case(&rec, c);
	out = write_to_string(fmt, &rec, 1);
	assert_golden(out, c->file, format_names[_i % NFORMATS]);
	free(out);
	dnsrec_clear(&rec);
}
END_TEST

START_TEST(test_several_records_match_the_golden_file_in_every_format)
{
	struct dnsrec recs[ARRAY_LEN(golden_cases)];
	enum dnsrec_format fmt;
	size_t i;
	char *out;

	for (i = 0; i < ARRAY_LEN(golden_cases); i++)
		make_case(&recs[i], &golden_cases[i]);
	ck_assert_int_eq(dnsrec_format_parse(format_names[_i], &fmt), 0);
	out = write_to_string(fmt, recs, ARRAY_LEN(recs));
	assert_golden(out, "all", format_names[_i]);
	free(out);
	for (i = 0; i < ARRAY_LEN(recs); i++)
		dnsrec_clear(&recs[i]);
}
END_TEST

START_TEST(test_no_records_give_an_empty_array_and_no_update)
{
	char *out;

	out = write_to_string(DNSREC_JSON, NULL, 0);
	ck_assert_str_eq(out, "[]\n");
	free(out);
	out = write_to_string(DNSREC_NSUPDATE, NULL, 0);
	ck_assert_str_eq(out, "");
	free(out);
	out = write_to_string(DNSREC_ZONE, NULL, 0);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(test_format_names_parse_and_others_are_refused)
{
	static const struct {
		const char *s;
		int rc;
		enum dnsrec_format fmt;
	} rows[] = {
		{ "zone", 0, DNSREC_ZONE },
		{ "value", 0, DNSREC_VALUE },
		{ "json", 0, DNSREC_JSON },
		{ "nsupdate", 0, DNSREC_NSUPDATE },
		{ "name-value", 0, DNSREC_NAME_VALUE },
		{ "name_value", -1, DNSREC_ZONE },
		{ "", -1, DNSREC_ZONE },
		{ "Zone", -1, DNSREC_ZONE },
		{ "json ", -1, DNSREC_ZONE },
		{ "bind", -1, DNSREC_ZONE },
	};
	enum dnsrec_format fmt;
	size_t i;

	for (i = 0; i < ARRAY_LEN(rows); i++) {
		fmt = DNSREC_ZONE;
		ck_assert_msg(dnsrec_format_parse(rows[i].s, &fmt) ==
		    rows[i].rc, "format \"%s\"", rows[i].s);
		ck_assert_int_eq(fmt, rows[i].fmt);
	}
}
END_TEST

START_TEST(test_make_builds_name_and_exact_values)
{
	static const unsigned char pub[3] = { 0xfb, 0xff, 0x00 };
	struct dnsrec rec;

	dnsrec_make(&rec, "s1", "mail.example.org", 600, DK_ALG_RSA, pub,
	    sizeof(pub), false);
	ck_assert_str_eq(rec.name, "s1._domainkey.mail.example.org.");
	ck_assert_uint_eq(rec.ttl, 600);
	ck_assert_str_eq(rec.value, "v=DKIM1; k=rsa; p=+/8A");
	dnsrec_clear(&rec);
	ck_assert_ptr_null(rec.name);
	ck_assert_ptr_null(rec.value);

	dnsrec_make(&rec, "s2", "example.org", 60, DK_ALG_ED25519, pub, 1,
	    true);
	ck_assert_str_eq(rec.value, "v=DKIM1; k=ed25519; t=y; p=+w==");
	dnsrec_clear(&rec);
}
END_TEST

START_TEST(test_make_revokes_without_key_and_drops_testing_flag)
{
	static const unsigned char pub[1] = { 1 };
	struct dnsrec rec;

	dnsrec_make(&rec, "a", "example.org", 60, DK_ALG_RSA, NULL, 0, false);
	ck_assert_str_eq(rec.value, "v=DKIM1; k=rsa; p=");
	dnsrec_clear(&rec);
	dnsrec_make(&rec, "a", "example.org", 60, DK_ALG_ED25519, pub, 0,
	    true);
	ck_assert_str_eq(rec.value, "v=DKIM1; k=ed25519; p=");
	dnsrec_clear(&rec);
	dnsrec_clear(NULL);
}
END_TEST

/*
 * The splitting contract for every key size from 0 to 600 octets: strings
 * of at most 255 octets whose concatenation is the value, the first being
 * everything before "p=", the second starting with "p=", and only the last
 * one shorter than 255.
 */
START_TEST(test_split_keeps_every_string_within_255_octets)
{
	unsigned char pub[600];
	struct dnsrec rec;
	char **strs, *cat;
	size_t i, k, n, len;

	for (i = 0; i < sizeof(pub); i++)
		pub[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof(pub); len++) {
		dnsrec_make(&rec, "sel", "example.com", 1, _i ? DK_ALG_RSA :
		    DK_ALG_ED25519, pub, len, len % 2 == 1);
		n = dnsrec_split(rec.value, &strs);
		ck_assert_uint_ge(n, 2);
		ck_assert_uint_eq(strlen(strs[0]),
		    (size_t)(strstr(rec.value, "p=") - rec.value));
		ck_assert_int_eq(strncmp(strs[1], "p=", 2), 0);
		cat = calloc(1, strlen(rec.value) + 1);
		for (k = 0; k < n; k++) {
			ck_assert_uint_le(strlen(strs[k]), DNSREC_STRING_MAX);
			if (k > 0 && k + 1 < n)
				ck_assert_uint_eq(strlen(strs[k]), 255);
			strcat(cat, strs[k]);
		}
		ck_assert_str_eq(cat, rec.value);
		free(cat);
		dnsrec_strings_free(strs, n);
		dnsrec_clear(&rec);
	}
}
END_TEST

START_TEST(test_split_puts_253_base64_characters_after_the_first_p)
{
	unsigned char pub[294] = { 0 };
	struct dnsrec rec;
	char **strs;
	size_t n;

	dnsrec_make(&rec, "s", "example.com", 1, DK_ALG_RSA, pub, sizeof(pub),
	    false);
	n = dnsrec_split(rec.value, &strs);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(strs[0], "v=DKIM1; k=rsa; ");
	ck_assert_uint_eq(strlen(strs[1]), 255);
	ck_assert_uint_eq(strlen(strs[2]), 392 - 253);
	dnsrec_strings_free(strs, n);
	dnsrec_clear(&rec);
}
END_TEST

START_TEST(test_split_gives_revoked_value_two_strings)
{
	char **strs;
	size_t n;

	n = dnsrec_split("v=DKIM1; k=rsa; p=", &strs);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(strs[0], "v=DKIM1; k=rsa; ");
	ck_assert_str_eq(strs[1], "p=");
	dnsrec_strings_free(strs, n);
	dnsrec_strings_free(NULL, 0);
}
END_TEST

START_TEST(test_split_cuts_other_values_at_255_octets)
{
	static const struct {
		size_t len;
		size_t n;
	} rows[] = { { 0, 1 }, { 1, 1 }, { 255, 1 }, { 256, 2 }, { 600, 3 } };
	char value[601], **strs;
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(rows); i++) {
		memset(value, 'x', rows[i].len);
		value[rows[i].len] = '\0';
		n = dnsrec_split(value, &strs);
		ck_assert_uint_eq(n, rows[i].n);
		ck_assert_uint_eq(strlen(strs[n - 1]),
		    rows[i].len - (n - 1) * 255);
		dnsrec_strings_free(strs, n);
	}
	/* "p=" inside another tag's value is not the p= tag. */
	n = dnsrec_split("v=DKIM1; n=ap=b; p=AAAA", &strs);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(strs[0], "v=DKIM1; n=ap=b; ");
	dnsrec_strings_free(strs, n);
	/* p= first: no empty string in front. */
	n = dnsrec_split("p=AAAA", &strs);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(strs[0], "p=AAAA");
	dnsrec_strings_free(strs, n);
}
END_TEST

START_TEST(test_write_quotes_and_escapes_unusual_octets)
{
	static char name[] = "x._domainkey.example.com.";
	static char value[] = "n=\"a\\b\x01\"; p=";
	struct dnsrec rec = { name, 5, value };
	char *out;

	out = write_to_string(DNSREC_ZONE, &rec, 1);
	ck_assert_str_eq(out, "x._domainkey.example.com. 5 IN TXT ( "
	    "\"n=\\\"a\\\\b\\001\\\"; \"\n  \"p=\" )\n");
	free(out);
	out = write_to_string(DNSREC_JSON, &rec, 1);
	ck_assert_ptr_nonnull(strstr(out,
	    "\"value\": \"n=\\\"a\\\\b\\u0001\\\"; p=\""));
	free(out);
}
END_TEST

START_TEST(test_write_error_returns_minus_one_with_status_74)
{
	struct dnsrec rec;
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	log_status_reset();
	dnsrec_make(&rec, "s", "example.com", 1, DK_ALG_RSA, NULL, 0, false);
	ck_assert_int_eq(dnsrec_write(f, _i, &rec, 1), -1);
	ck_assert_int_eq(log_status(), EX_IOERR);
	fclose(f);
	dnsrec_clear(&rec);
}
END_TEST

/*
 * The records of a zone-file fragment, quoted strings concatenated, one
 * record per blank-line-separated paragraph. Returns the count.
 */
static size_t
zone_values(const char *path, char **values, size_t max)
{
	char *text = tu_slurp(path, NULL), *s, *q;
	size_t n = 0;
	bool para = false;

	for (s = text; *s != '\0'; s++) {
		if (s[0] == '\n' && s[1] == '\n')
			para = false;
		if (*s != '"')
			continue;
		if (!para) {
			ck_assert_uint_lt(n, max);
			values[n++] = calloc(1, strlen(text) + 1);
			para = true;
		}
		q = strchr(s + 1, '"');
		ck_assert_ptr_nonnull(q);
		strncat(values[n - 1], s + 1, (size_t)(q - s - 1));
		s = q;
	}
	free(text);
	return n;
}

START_TEST(test_parse_reads_rfc8463_records)
{
	struct dnsrec_tags tags;
	unsigned char *ed;
	char *values[4], *b64;
	const char *why;
	size_t n, len;

	n = zone_values(DATA "/vectors/rfc8463-dns.txt", values, 4);
	ck_assert_uint_eq(n, 2);

	ck_assert_int_eq(dnsrec_parse(values[0], &tags, &why), 0);
	ck_assert_str_eq(tags.k, "ed25519");
	ck_assert(tags.has_v && tags.has_k && tags.has_p && !tags.p_empty);
	ed = load_pub(PUB_ED25519, &len);
	ck_assert_uint_eq(tags.plen, len);
	ck_assert_mem_eq(tags.p, ed, len);
	free(ed);
	dnsrec_tags_clear(&tags);

	ck_assert_int_eq(dnsrec_parse(values[1], &tags, &why), 0);
	ck_assert_str_eq(tags.k, "rsa");
	ck_assert_uint_eq(tags.plen, 162);
	ck_assert_uint_eq(tags.p[0], 0x30); /* an SPKI SEQUENCE */
	b64 = util_b64_encode(tags.p, tags.plen);
	ck_assert_str_eq(b64, strstr(values[1], "p=") + 2);
	free(b64);
	dnsrec_tags_clear(&tags);
	free(values[0]);
	free(values[1]);
}
END_TEST

/* RFC 6376 Appendix C: no k= (rsa by default), p= over five strings. */
START_TEST(test_parse_reads_rfc6376_record_with_default_key_type)
{
	struct dnsrec_tags tags;
	unsigned char *pub;
	char *values[2];
	const char *why;
	size_t len;

	ck_assert_uint_eq(zone_values(DATA "/vectors/rfc6376-dns.txt", values,
	    2), 1);
	ck_assert_int_eq(dnsrec_parse(values[0], &tags, &why), 0);
	ck_assert(!tags.has_k);
	ck_assert_str_eq(tags.k, "rsa");
	pub = load_pub(PUB_RFC6376, &len);
	ck_assert_uint_eq(tags.plen, len);
	ck_assert_mem_eq(tags.p, pub, len);
	free(pub);
	dnsrec_tags_clear(&tags);
	free(values[0]);
}
END_TEST

START_TEST(test_parse_reads_back_every_made_value)
{
	const struct golden_case *c = &golden_cases[_i];
	struct dnsrec_tags tags;
	struct dnsrec rec;
	unsigned char *pub;
	const char *why = NULL;
	size_t len;

	make_case(&rec, c);
	ck_assert_int_eq(dnsrec_parse(rec.value, &tags, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_str_eq(tags.k, dk_alg_name(c->alg));
	ck_assert(tags.has_t_y == c->testing);
	pub = load_pub(c->pub, &len);
	ck_assert(tags.p_empty == (len == 0));
	ck_assert_uint_eq(tags.plen, len);
	if (len > 0)
		ck_assert_mem_eq(tags.p, pub, len);
	else
		ck_assert_ptr_null(tags.p);
	free(pub);
	dnsrec_tags_clear(&tags);
	dnsrec_clear(&rec);
}
END_TEST

static const struct good_row {
	const char *txt;
	const char *k;
	bool has_v, has_k, t_y, t_s, p_empty;
	const char *p; /* expected decoded p= as base64, NULL when empty */
	const char *h, *s;
} good_rows[] = {
	{ "v=DKIM1; k=rsa; p=AQID", "rsa", true, true, false, false, false,
	    "AQID", "", "" },
	{ "p=AQID", "rsa", false, false, false, false, false, "AQID", "",
	    "" },
	{ "  v = DKIM1 ;k= ed25519;\tp =\r\n AQ ID  ", "ed25519", true, true,
	    false, false, false, "AQID", "", "" },
	{ "v=DKIM1; p=AQ\r\n\tI D;", "rsa", true, false, false, false, false,
	    "AQID", "", "" },
	{ "v=DKIM1; k=rsa; p=AQID ; \t", "rsa", true, true, false, false,
	    false, "AQID", "", "" },
	{ "v=DKIM1; n=note with spaces; x_1=~!; k=rsa; p=AQID", "rsa", true,
	    true, false, false, false, "AQID", "", "" },
	{ "v=DKIM1; h=sha256; k=rsa; p=AQID", "rsa", true, true, false,
	    false, false, "AQID", "sha256", "" },
	{ "v=DKIM1; h=sha1 : sha256; s=email; p=AQID", "rsa", true, false,
	    false, false, false, "AQID", "sha1 : sha256", "email" },
	{ "v=DKIM1; t=y:s; p=AQID", "rsa", true, false, true, true, false,
	    "AQID", "", "" },
	{ "t = s : x ; p=AQID", "rsa", false, false, false, true, false,
	    "AQID", "", "" },
	{ "t=yes:y2; p=AQID", "rsa", false, false, false, false, false,
	    "AQID", "", "" },
	{ "v=DKIM1; k=rsa; p=", "rsa", true, true, false, false, true, NULL,
	    "", "" },
	{ "v=DKIM1; k=rsa; p= ;", "rsa", true, true, false, false, true,
	    NULL, "", "" },
	{ "P=AQID; p=", "rsa", false, false, false, false, true, NULL, "",
	    "" },
	{ "v=DKIM1; k=RSA; p=AQID", "RSA", true, true, false, false, false,
	    "AQID", "", "" },
};

START_TEST(test_parse_accepts_good_records)
{
	const struct good_row *r = &good_rows[_i];
	struct dnsrec_tags tags;
	const char *why = "unset";
	char *b64;

	ck_assert_msg(dnsrec_parse(r->txt, &tags, &why) == 0,
	    "\"%s\": %s", r->txt, why);
	ck_assert_ptr_null(why);
	ck_assert_str_eq(tags.k, r->k);
	ck_assert(tags.has_v == r->has_v);
	ck_assert(tags.has_k == r->has_k);
	ck_assert(tags.has_p);
	ck_assert(tags.has_t_y == r->t_y);
	ck_assert(tags.has_t_s == r->t_s);
	ck_assert(tags.p_empty == r->p_empty);
	ck_assert_str_eq(tags.h, r->h);
	ck_assert_str_eq(tags.s, r->s);
	if (r->p == NULL) {
		ck_assert_ptr_null(tags.p);
		ck_assert_uint_eq(tags.plen, 0);
	} else {
		b64 = util_b64_encode(tags.p, tags.plen);
		ck_assert_str_eq(b64, r->p);
		free(b64);
	}
	dnsrec_tags_clear(&tags);
	dnsrec_tags_clear(NULL);
}
END_TEST

static const struct bad_row {
	const char *txt;
	const char *why;
} bad_rows[] = {
	{ "v=DKIM2; k=rsa; p=AQID", "v= is not DKIM1" },
	{ "v=dkim1; p=AQID", "v= is not DKIM1" },
	{ "v=; p=AQID", "v= is not DKIM1" },
	{ "k=rsa; v=DKIM1; p=AQID", "v= is not the first tag" },
	{ "v=DKIM1; p=AQID; v=DKIM1", "duplicate tag" },
	{ "v=DKIM1; p=AQID; p=AQID", "duplicate tag" },
	{ "v=DKIM1; x=1; x=2; p=AQID", "duplicate tag" },
	{ "v=DKIM1; k=rsa", "p= missing" },
	{ "v=DKIM1; k=rsa; P=AQID", "p= missing" },
	{ "v=DKIM1; k=rsa; p=!!!", "p= is not valid base64" },
	{ "v=DKIM1; p=AQI", "p= is not valid base64" },
	{ "v=DKIM1; p=AQID=", "p= is not valid base64" },
	{ "v=DKIM1; k; p=AQID", "'=' expected after tag name" },
	{ "v=DKIM1; k rsa; p=AQID", "'=' expected after tag name" },
	{ "v=DKIM1; 1k=rsa; p=AQID", "tag name expected" },
	{ "v=DKIM1; _k=rsa; p=AQID", "tag name expected" },
	{ "v=DKIM1; =rsa; p=AQID", "tag name expected" },
	{ "v=DKIM1;; p=AQID", "empty tag" },
	{ "v=DKIM1; p=AQID;;", "empty tag" },
	{ "", "empty record" },
	{ " \t", "empty record" },
	{ "v=DKIM1; n=caf\xc3\xa9; p=AQID", "invalid character in tag value" },
	{ "v=DKIM1; n=a\x01; p=AQID", "invalid character in tag value" },
	{ "v=DKIM1; k=rsa-with-a-long-name; p=AQID", "k= value too long" },
};

START_TEST(test_parse_refuses_bad_records)
{
	const struct bad_row *r = &bad_rows[_i];
	struct dnsrec_tags tags;
	const char *why = NULL;

	ck_assert_msg(dnsrec_parse(r->txt, &tags, &why) == -1,
	    "\"%s\" accepted", r->txt);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, r->why);
	ck_assert_ptr_null(tags.p);
	ck_assert(!tags.has_p);
	dnsrec_tags_clear(&tags);
}
END_TEST

static Suite *
dnsrec_suite(void)
{
	Suite *s = suite_create("dnsrec");
	TCase *tc;

	tc = tcase_create("output");
	tcase_add_loop_test(tc, test_every_format_matches_its_golden_file, 0,
	    (int)(ARRAY_LEN(golden_cases) * ARRAY_LEN(format_names)));
	tcase_add_loop_test(tc,
	    test_several_records_match_the_golden_file_in_every_format, 0,
	    (int)ARRAY_LEN(format_names));
	tcase_add_test(tc, test_no_records_give_an_empty_array_and_no_update);
	tcase_add_test(tc, test_format_names_parse_and_others_are_refused);
	tcase_add_test(tc, test_write_quotes_and_escapes_unusual_octets);
	tcase_add_loop_test(tc,
	    test_write_error_returns_minus_one_with_status_74, DNSREC_ZONE,
	    DNSREC_NSUPDATE + 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, test_make_builds_name_and_exact_values);
	tcase_add_test(tc,
	    test_make_revokes_without_key_and_drops_testing_flag);
	tcase_add_loop_test(tc, test_split_keeps_every_string_within_255_octets,
	    0, 2);
	tcase_add_test(tc,
	    test_split_puts_253_base64_characters_after_the_first_p);
	tcase_add_test(tc, test_split_gives_revoked_value_two_strings);
	tcase_add_test(tc, test_split_cuts_other_values_at_255_octets);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_reads_rfc8463_records);
	tcase_add_test(tc,
	    test_parse_reads_rfc6376_record_with_default_key_type);
	tcase_add_loop_test(tc, test_parse_reads_back_every_made_value, 0,
	    (int)ARRAY_LEN(golden_cases));
	tcase_add_loop_test(tc, test_parse_accepts_good_records, 0,
	    (int)ARRAY_LEN(good_rows));
	tcase_add_loop_test(tc, test_parse_refuses_bad_records, 0,
	    (int)ARRAY_LEN(bad_rows));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(dnsrec_suite());
}
