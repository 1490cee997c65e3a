/*
 * check_dnscheck.c - dnsquery and dnscheck against the scripted server of
 * fakedns.h (a record, a spoofed reply first, TC=1, FORMERR to EDNS, an
 * rcode, broken data), which reports what it was asked. Nothing leaves
 * the loopback interface. The same code against Knot DNS and unbound is
 * tests/integration/dnscheck_test.c.
 */
#include "fakedns.h"
#include "testutil.h"
#include "support/dkim.h"

#include "dns/dnscheck.h"
#include "dns/dnsquery.h"
#include "support/log.h"
#include "support/util.h"

#define KEYS TEST_SRCDIR "/data/keys/"
#define ED_B64 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define ED_SPKI_B64 "MCowBQYDK2VwAyEA" ED_B64
#define NAME "sel._domainkey.example.com"

static size_t
count(const char *log, const char *what)
{
	size_t n = 0;

	for (; (log = strstr(log, what)) != NULL; log++)
		n++;
	return n;
}

/* Looks NAME up at the fake server (timeout 1 s); one answer. */
static void
lookup(struct fake *f, struct dnsq_answer **a, size_t *n)
{
	struct dnsq *q;
	char srv[32];

	fake_start(f);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", f->port);
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	ck_assert_int_eq(dnsq_txt(q, NAME, a, n), 0);
	ck_assert_uint_eq(*n, 1);
	ck_assert_str_eq((*a)[0].server, srv);
	dnsq_free(q);
}

/* A reply to be ignored comes first; the real one is taken. */
static const enum fake_mode spoofs[] = {
    FAKE_BAD_ID_FIRST,
    FAKE_NO_QR_FIRST,
    FAKE_OTHER_QUESTION_FIRST,
    FAKE_GARBAGE_FIRST,
    FAKE_MIXED_CASE,
};

START_TEST(test_replies_that_do_not_match_the_query_are_ignored)
{
	struct fake f = {.mode = spoofs[_i], .txt = "hello"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_str_eq(a[0].rrs[0].text, "hello");
	ck_assert_uint_eq(count(log, "udp"), 1);
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_a_server_sending_only_spoofed_replies_times_out)
{
	struct fake f = {.mode = FAKE_ONLY_BAD_ID, .txt = "x"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_UNREACHABLE);
	ck_assert_str_eq(a[0].error, "timeout after 1s");
	ck_assert_uint_eq(count(log, "udp"), 2); /* sent again at half time */
	ck_assert(dnsq_all_unreachable(a, n));
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_queries_carry_edns0_and_rd_0)
{
	struct fake f = {.mode = FAKE_TXT, .txt = "x"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_ptr_nonnull(strstr(log, "udp opt=1 payload=1232 rd=0"));
	ck_assert(!a[0].tcp);
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_truncation_moves_the_query_to_tcp)
{
	struct fake f = {.mode = FAKE_TRUNCATED, .txt = "over tcp"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_str_eq(a[0].rrs[0].text, "over tcp");
	ck_assert(a[0].tcp);
	ck_assert_uint_eq(count(log, "tcp opt=1"), 1);
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_a_tcp_connection_closed_early_is_unreachable)
{
	struct fake f = {.mode = FAKE_TCP_CLOSE, .txt = "x"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_UNREACHABLE);
	ck_assert_ptr_nonnull(strstr(a[0].error, "TCP:"));
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

START_TEST(test_formerr_to_edns_is_asked_again_without_it)
{
	struct fake f = {.mode = FAKE_FORMERR_EDNS, .txt = "plain"};
	struct dnsq_answer *a;
	char *log;
	size_t n;

	lookup(&f, &a, &n);
	log = fake_stop(&f);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_ptr_nonnull(strstr(log, "udp opt=1"));
	ck_assert_ptr_nonnull(strstr(log, "udp opt=0"));
	dnsq_answers_free(a, n);
	free(log);
}
END_TEST

struct rcode_case {
	unsigned rcode;
	enum dnsq_status status;
	const char *error;
};

static const struct rcode_case rcodes[] = {
    {0, DNSQ_NODATA, NULL},
    {2, DNSQ_SERVFAIL_OR_REFUSED, "SERVFAIL"},
    {3, DNSQ_NXDOMAIN, NULL},
    {4, DNSQ_SERVFAIL_OR_REFUSED, "NOTIMP"},
    {5, DNSQ_SERVFAIL_OR_REFUSED, "REFUSED"},
};

START_TEST(test_rcodes_map_to_statuses)
{
	const struct rcode_case *c = &rcodes[_i];
	struct fake f = {.mode = FAKE_RCODE, .txt = "", .rcode = c->rcode};
	struct dnsq_answer *a;
	size_t n;

	lookup(&f, &a, &n);
	free(fake_stop(&f));
	ck_assert_int_eq(a[0].status, c->status);
	if (c->error == NULL)
		ck_assert_ptr_null(a[0].error);
	else
		ck_assert_str_eq(a[0].error, c->error);
	ck_assert_uint_eq(a[0].nrrs, 0);
	dnsq_answers_free(a, n);
}
END_TEST

START_TEST(test_broken_txt_data_is_a_failure_not_a_record)
{
	struct fake f = {.mode = FAKE_BAD_TXT, .txt = "abc"};
	struct dnsq_answer *a;
	size_t n;

	lookup(&f, &a, &n);
	free(fake_stop(&f));
	ck_assert_int_eq(a[0].status, DNSQ_SERVFAIL_OR_REFUSED);
	ck_assert_ptr_nonnull(strstr(a[0].error, "malformed TXT"));
	dnsq_answers_free(a, n);
}
END_TEST

START_TEST(test_long_records_keep_their_string_count)
{
	char txt[600];
	struct fake f = {.mode = FAKE_TXT, .txt = txt};
	struct dnsq_answer *a;
	size_t n;

	memset(txt, 'a', sizeof(txt) - 1);
	txt[sizeof(txt) - 1] = '\0';
	lookup(&f, &a, &n);
	free(fake_stop(&f));
	ck_assert_uint_eq(a[0].rrs[0].nstrings, 3);
	ck_assert_uint_eq(a[0].rrs[0].len, 599);
	ck_assert_uint_eq(a[0].max_ttl, 300);
	dnsq_answers_free(a, n);
}
END_TEST

/* More servers than may be in flight at once: all are asked. */
START_TEST(test_forty_servers_are_all_asked)
{
	struct fake f = {.mode = FAKE_TXT, .txt = "x"};
	struct buf list = {0};
	struct dnsq_answer *a;
	struct dnsq *q;
	char *log;
	size_t n, i;

	fake_start(&f);
	for (i = 0; i < 40; i++)
		buf_printf(&list, "127.0.0.1:%u ", f.port);
	buf_add(&list, "", 1);
	ck_assert_int_eq(dnsq_new(list.data, NULL, 2, &q), 0);
	ck_assert_int_eq(dnsq_txt(q, NAME, &a, &n), 0);
	log = fake_stop(&f);
	ck_assert_uint_eq(n, 40);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(a[i].status, DNSQ_OK);
	ck_assert_uint_eq(count(log, "udp"), 40);
	dnsq_answers_free(a, n);
	dnsq_free(q);
	buf_free(&list);
	free(log);
}
END_TEST

/* Records judged against a key. %s in the record is the key's p= base64
 * (or the one named in pkey). */
enum which {
	GOOD = 0, /* rsa2048-spki.der */
	PKCS1, /* the same key as a bare RSAPublicKey */
	OTHER, /* tests/data/dnsrec/rsa2048.pub.der */
	ED,
	ED_SPKI,
};

struct judge_case {
	const char *record;
	enum which pkey; /* what %s becomes */
	enum which key; /* the key judged against */
	enum dnscheck_verdict verdict;
	/* the vendor's testing plus one (0: t=y not judged, as by
	 * dnscheck_key) and a part of the detail (NULL: not looked at) */
	int testing;
	const char *detail;
};

static const struct judge_case judged[] = {
    {"v=DKIM1; k=rsa; p=%s", GOOD, GOOD, DNSCHECK_SERVES, 0, NULL},
    {"v=DKIM1; p=%s", GOOD, GOOD, DNSCHECK_SERVES, 0, NULL},
    {"k=rsa; p=%s", GOOD, GOOD, DNSCHECK_SERVES, 0, NULL},
    {"v=DKIM1; k=RSA; t=y; h=sha256; p=%s", GOOD, GOOD, DNSCHECK_SERVES, 0,
	NULL},
    {"v=DKIM1;k=rsa;p=%s;n=note", GOOD, GOOD, DNSCHECK_SERVES, 0, NULL},
    {"v=DKIM1; k=rsa; p=%s", PKCS1, GOOD, DNSCHECK_SERVES, 0, NULL},
    {"v=DKIM1; k=rsa; p=%s", OTHER, GOOD, DNSCHECK_OTHER, 0, NULL},
    {"v=DKIM1; k=rsa; p=", GOOD, GOOD, DNSCHECK_REVOKED, 0, NULL},
    {"v=DKIM1; k=ed25519; p=", GOOD, GOOD, DNSCHECK_OTHER, 0, NULL},
    {"v=DKIM2; k=rsa; p=%s", GOOD, GOOD, DNSCHECK_OTHER, 0, NULL},
    {"k=rsa; v=DKIM1; p=%s", GOOD, GOOD, DNSCHECK_OTHER, 0, NULL},
    {"v=DKIM1; k=rsa; p=!!%s", GOOD, GOOD, DNSCHECK_OTHER, 0, NULL},
    {"v=spf1 -all", GOOD, GOOD, DNSCHECK_OTHER, 0, NULL},
    {"v=DKIM1; k=ed25519; p=%s", ED, ED, DNSCHECK_SERVES, 0, NULL},
    {"v=DKIM1; k=ed25519; p=%s", ED_SPKI, ED, DNSCHECK_OTHER, 0, NULL},
    {"v=DKIM1; k=rsa; p=%s", ED, ED, DNSCHECK_OTHER, 0, NULL},
    /* issue 10, item 6: s=, h= and t= judged (RFC 6376 3.6.1) */
    {"v=DKIM1; k=ed25519; s=other; p=%s", ED, ED, DNSCHECK_OTHER, 0,
	"s=other"},
    {"v=DKIM1; k=ed25519; s=email; p=%s", ED, ED, DNSCHECK_SERVES, 1, NULL},
    {"v=DKIM1; k=ed25519; s=*; p=%s", ED, ED, DNSCHECK_SERVES, 1, NULL},
    {"v=DKIM1; k=ed25519; s=other:email; p=%s", ED, ED, DNSCHECK_SERVES, 0,
	NULL},
    {"v=DKIM1; k=rsa; h=sha1; p=%s", GOOD, GOOD, DNSCHECK_OTHER, 1,
	"h=sha1"},
    {"v=DKIM1; k=rsa; h=sha1:sha256; p=%s", GOOD, GOOD, DNSCHECK_SERVES, 1,
	NULL},
    {"v=DKIM1; k=ed25519; t=y; p=%s", ED, ED, DNSCHECK_OTHER, 1,
	"t=y, but testing = no"},
    {"v=DKIM1; k=ed25519; p=%s", ED, ED, DNSCHECK_OTHER, 2,
	"without t=y, but testing = yes"},
    {"v=DKIM1; k=ed25519; t=y; p=%s", ED, ED, DNSCHECK_SERVES, 2, NULL},
    {"v=DKIM1; k=ed25519; p=%s", ED, ED, DNSCHECK_SERVES, 1, NULL},
    {"v=DKIM1; k=ed25519; t=s; p=%s", ED, ED, DNSCHECK_OTHER, 1, "t=s"},
    {"v=DKIM1; k=ed25519; t=y:s; p=%s", ED, ED, DNSCHECK_OTHER, 2, "t=s"},
    {"v=DKIM1; k=ed25519; t=s; p=%s", ED, ED, DNSCHECK_OTHER, 0, "t=s"},
};

static enum dk_alg
alg_of(enum which w)
{
	return w == ED || w == ED_SPKI ? DK_ALG_ED25519 : DK_ALG_RSA;
}

/* The p= bytes of w into der; returns the length. */
static size_t
key_bytes(enum which w, unsigned char *der, size_t cap)
{
	static const char *const files[] = {
	    KEYS "rsa2048-spki.der",
	    KEYS "rsa2048-pkcs1-pub.der",
	    TEST_SRCDIR "/data/dnsrec/rsa2048.pub.der",
	};
	const char *b64 = w == ED ? ED_B64 : ED_SPKI_B64;
	size_t len;
	char *buf;
	long n;

	if (w <= OTHER) {
		buf = tu_slurp(files[w], &len);
		ck_assert_uint_le(len, cap);
		memcpy(der, buf, len);
		free(buf);
		return len;
	}
	n = util_b64_decode(b64, strlen(b64), der, cap, false);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* The record with its "%s" (if any) replaced by b64. */
static char *
subst(const char *record, const char *b64)
{
	const char *at = strstr(record, "%s");
	struct buf b = {0};

	if (at == NULL)
		return strdup(record);
	buf_add(&b, record, (size_t)(at - record));
	buf_puts(&b, b64);
	buf_puts(&b, at + 2);
	buf_add(&b, "", 1);
	return b.data;
}

START_TEST(test_records_are_judged_by_their_tags)
{
	const struct judge_case *c = &judged[_i];
	unsigned char der[1024], pub[1024];
	struct fake f = {.mode = FAKE_TXT};
	struct dnscheck chk;
	struct dnsq *q;
	char srv[32], *b64, *rec;
	size_t publen;

	b64 = util_b64_encode(der, key_bytes(c->pkey, der, sizeof(der)));
	rec = subst(c->record, b64);
	publen = key_bytes(c->key, pub, sizeof(pub));
	f.txt = rec;
	fake_start(&f);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", f.port);
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	if (c->testing == 0)
		ck_assert_int_eq(dnscheck_key(q, NAME, alg_of(c->key), pub,
		    publen, &chk), 0);
	else
		ck_assert_int_eq(dnscheck_key_testing(q, NAME, alg_of(c->key),
		    pub, publen, c->testing - 1, &chk), 0);
	free(fake_stop(&f));
	ck_assert_msg(chk.servers[0].verdict == c->verdict,
	    "'%s': verdict %d (%s), want %d", c->record, chk.servers[0].verdict,
	    chk.servers[0].detail, c->verdict);
	ck_assert_msg(c->detail == NULL ||
	    strstr(chk.servers[0].detail, c->detail) != NULL,
	    "'%s': detail '%s' lacks '%s'", c->record, chk.servers[0].detail,
	    c->detail);
	ck_assert(chk.served == (c->verdict == DNSCHECK_SERVES));
	ck_assert(chk.other == (c->verdict == DNSCHECK_OTHER));
	ck_assert(chk.revoked_served == (c->verdict == DNSCHECK_REVOKED));
	ck_assert((chk.why == NULL) == chk.served);
	dnscheck_clear(&chk);
	dnsq_free(q);
	free(rec);
	free(b64);
}
END_TEST

START_TEST(test_a_record_holding_a_nul_octet_is_other)
{
	static const char rec[] = "v=DKIM1; k=rsa; p=\0AAAA";
	struct fake f = {.mode = FAKE_TXT, .txt = rec, .txtlen = sizeof(rec)};
	struct dnscheck chk;
	struct dnsq *q;
	char srv[32];

	fake_start(&f);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", f.port);
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	ck_assert_int_eq(dnscheck_key(q, NAME, DK_ALG_RSA, NULL, 0, &chk), 0);
	free(fake_stop(&f));
	ck_assert_int_eq(chk.servers[0].verdict, DNSCHECK_OTHER);
	ck_assert_uint_eq(chk.answers[0].rrs[0].len, sizeof(rec));
	ck_assert_ptr_nonnull(strstr(chk.why, "NUL"));
	dnscheck_clear(&chk);
	dnsq_free(q);
}
END_TEST

struct resolver_case {
	const char *spec;
	bool ok;
};

static const struct resolver_case resolvers[] = {
    {"authoritative", true},
    {"system", true},
    {"https://dns.example/dns-query", true},
    {"https://127.0.0.1:8443/dns-query", true},
    {"127.0.0.1", true},
    {"127.0.0.1:5300", true},
    {"::1", true},
    {"[::1]:5300", true},
    {"192.0.2.1  [2001:db8::1]:53\t198.51.100.7", true},
    {"", false},
    {"   ", false},
    {"127.0.0.1:0", false},
    {"127.0.0.1:65536", false},
    {"127.0.0.1:53x", false},
    {"127.0.0.1:", false},
    {"127.0.0.256", false},
    {"[::1", false},
    {"[::1]53", false},
    {"[127.0.0.1]:53", false},
    {"localhost", false},
    {"https://", false},
    {"https:///dns-query", false},
    {"http://dns.example/dns-query", false},
    {"127.0.0.1 authoritative", false},
};

START_TEST(test_resolver_settings_parse_or_are_config_errors)
{
	const struct resolver_case *c = &resolvers[_i];
	struct dnsq *q = NULL;

	log_status_reset();
	ck_assert_msg(
	    (dnsq_new(c->spec, NULL, 5, &q) == 0) == c->ok, "'%s'", c->spec);
	ck_assert((q != NULL) == c->ok);
	ck_assert_int_eq(log_status(), c->ok ? 0 : EX_CONFIG);
	dnsq_free(q);
}
END_TEST

START_TEST(test_a_timeout_of_zero_is_a_config_error)
{
	struct dnsq *q = NULL;

	log_status_reset();
	ck_assert_int_eq(dnsq_new("127.0.0.1", NULL, 0, &q), -1);
	ck_assert_int_eq(log_status(), EX_CONFIG);
}
END_TEST

START_TEST(test_an_invalid_name_is_refused_before_any_query)
{
	struct dnsq_answer *a = NULL;
	struct dnsq *q;
	size_t n = 7;

	ck_assert_int_eq(dnsq_new("127.0.0.1:9", NULL, 1, &q), 0);
	log_status_reset();
	ck_assert_int_eq(dnsq_txt(q, "a..example.com", &a, &n), -1);
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	dnsq_free(q);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dnscheck");
	TCase *tc = tcase_create("transport");

	log_set_level(LOG_LVL_ERR);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc,
	    test_replies_that_do_not_match_the_query_are_ignored, 0,
	    (int)ARRAY_LEN(spoofs));
	tcase_add_test(
	    tc, test_a_server_sending_only_spoofed_replies_times_out);
	tcase_add_test(tc, test_queries_carry_edns0_and_rd_0);
	tcase_add_test(tc, test_truncation_moves_the_query_to_tcp);
	tcase_add_test(tc, test_a_tcp_connection_closed_early_is_unreachable);
	tcase_add_test(tc, test_formerr_to_edns_is_asked_again_without_it);
	tcase_add_loop_test(
	    tc, test_rcodes_map_to_statuses, 0, (int)ARRAY_LEN(rcodes));
	tcase_add_test(tc, test_broken_txt_data_is_a_failure_not_a_record);
	tcase_add_test(tc, test_long_records_keep_their_string_count);
	tcase_add_test(tc, test_forty_servers_are_all_asked);
	suite_add_tcase(s, tc);
	tc = tcase_create("judging");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_records_are_judged_by_their_tags, 0,
	    (int)ARRAY_LEN(judged));
	tcase_add_test(tc, test_a_record_holding_a_nul_octet_is_other);
	suite_add_tcase(s, tc);
	tc = tcase_create("settings");
	tcase_add_loop_test(tc,
	    test_resolver_settings_parse_or_are_config_errors, 0,
	    (int)ARRAY_LEN(resolvers));
	tcase_add_test(tc, test_a_timeout_of_zero_is_a_config_error);
	tcase_add_test(tc, test_an_invalid_name_is_refused_before_any_query);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
