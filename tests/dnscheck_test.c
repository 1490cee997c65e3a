/*
 * dnscheck_test.c - dnsquery and dnscheck against real DNS servers on
 * loopback. Not a unit suite: tests/integration/dns_knot.sh and
 * dns_doh.sh start the servers (Knot DNS, unbound for DoH) with the zones
 * of tests/integration/dns.inc and run this program with their addresses:
 *
 *   DKIMKEYS_TEST_DNS=127.0.0.1:P       Knot with the test zones
 *   DKIMKEYS_TEST_DNS_ALT=127.0.0.1:P   Knot serving another key at good.
 *   DKIMKEYS_TEST_DOH_URL, _DOH_CA, _DOH_BADCA   unbound over DoH
 *   DKIMKEYS_TEST_AUTH=1                inside the network namespace
 *   DKIMKEYS_TEST_SYSTEM=1              ditto, resolver = system
 *
 * Without any of them it fails: it must never pass by testing nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>

#include "testutil.h"
#include "support/dkim.h"

#include "dns/dnscheck.h"
#include "dns/dnsquery.h"
#include "support/log.h"
#include "support/util.h"

#define KEYDIR TEST_SRCDIR "/data/keys/"
#define ED_B64 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static const char *dns, *alt;

struct key {
	const unsigned char *der;
	size_t len;
};

/* The public key in a DER file; one file at a time per test. */
static struct key
load(const char *path)
{
	static unsigned char der[1024];
	struct key k;
	char *buf = tu_slurp(path, &k.len);

	ck_assert_uint_le(k.len, sizeof(der));
	memcpy(der, buf, k.len);
	free(buf);
	k.der = der;
	return k;
}

static struct key
good_key(void)
{
	return load(KEYDIR "rsa2048-spki.der");
}

static struct key
ed_key(void)
{
	static unsigned char raw[32];
	struct key k = {raw, 32};

	ck_assert_int_eq(
	    util_b64_decode(ED_B64, strlen(ED_B64), raw, sizeof(raw), false),
	    32);
	return k;
}

static struct dnsq *
mkq(const char *resolver, const char *ca)
{
	struct dnsq *q = NULL;

	ck_assert_msg(
	    dnsq_new(resolver, ca, 2, &q) == 0, "dnsq_new %s", resolver);
	return q;
}

/* A UDP and TCP port on 127.0.0.1 with nothing behind it. */
static char *
closed_server(void)
{
	struct sockaddr_in sin = {0};
	socklen_t len = sizeof(sin);
	char *s;
	int fd;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	ck_assert_int_gt(asprintf(&s, "127.0.0.1:%u", ntohs(sin.sin_port)), 0);
	return s;
}

/* Looks name up at resolver and judges it against k (NULL: revoked). */
static void
check(const char *resolver, const char *name, enum dk_alg alg,
    const struct key *k, struct dnscheck *c)
{
	struct dnsq *q = mkq(resolver, NULL);

	ck_assert_int_eq(
	    dnscheck_key(q, name, alg, k ? k->der : NULL, k ? k->len : 0, c),
	    0);
	dnsq_free(q);
}

static void
assert_why(const struct dnscheck *c, const char *part)
{
	ck_assert_msg(c->why != NULL && strstr(c->why, part) != NULL,
	    "why is '%s', want it to hold '%s'", c->why ? c->why : "(null)",
	    part);
}

START_TEST(test_a_key_split_over_several_strings_is_served)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "good._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(c.served);
	ck_assert(!c.other && !c.absent && !c.revoked_served);
	ck_assert_ptr_null(c.why);
	ck_assert_uint_eq(c.nanswers, 1);
	ck_assert_str_eq(c.answers[0].server, dns);
	ck_assert_uint_eq(c.answers[0].nrrs, 1);
	ck_assert_uint_eq(c.answers[0].rrs[0].nstrings, 5);
	ck_assert_uint_eq(c.max_ttl, 7200);
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_bare_rsapublickey_counts_as_the_key)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "pkcs1._domainkey.example.com.", DK_ALG_RSA, &k, &c);
	ck_assert(c.served);
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_an_ed25519_key_is_served)
{
	struct key k = ed_key();
	struct dnscheck c;

	check(dns, "ed._domainkey.example.com", DK_ALG_ED25519, &k, &c);
	ck_assert(c.served);
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_record_with_another_p_is_other)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "other._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && c.other && !c.absent);
	assert_why(&c, "serves another p=");
	assert_why(&c, dns);
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_record_of_another_algorithm_is_other)
{
	struct key k = ed_key();
	struct dnscheck c;

	check(dns, "ed._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && c.other);
	assert_why(&c, "k=ed25519");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_the_revoked_record_is_revoked_served)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "revoked._domainkey.example.com", DK_ALG_RSA, NULL, &c);
	ck_assert(c.revoked_served && !c.served && !c.other);
	ck_assert_ptr_null(c.why);
	dnscheck_clear(&c);
	check(dns, "revoked._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && !c.other && c.revoked_served);
	assert_why(&c, "revoked");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_served_key_is_not_revoked_served)
{
	struct dnscheck c;

	check(dns, "good._domainkey.example.com", DK_ALG_RSA, NULL, &c);
	ck_assert(!c.revoked_served && !c.served);
	assert_why(&c, "serves another p=");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_nxdomain_is_absent)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "nx._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(c.absent && !c.served && !c.other);
	ck_assert_int_eq(c.answers[0].status, DNSQ_NXDOMAIN);
	assert_why(&c, "NXDOMAIN");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_nodata_is_absent)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "nodata._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(c.absent && !c.served);
	ck_assert_int_eq(c.answers[0].status, DNSQ_NODATA);
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_two_records_at_the_name_are_other)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "two._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && c.other);
	ck_assert_uint_eq(c.answers[0].nrrs, 2);
	assert_why(&c, "2 TXT records");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_record_that_does_not_parse_is_other)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "junk._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && c.other);
	assert_why(&c, "does not parse");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_cname_chain_inside_the_reply_is_followed)
{
	struct key k = ed_key();
	struct dnscheck c;

	check(dns, "chain._domainkey.example.com", DK_ALG_ED25519, &k, &c);
	ck_assert(c.served);
	ck_assert_uint_eq(c.answers[0].nchain, 2);
	ck_assert_str_eq(c.answers[0].chain[0], "hop1.example.com");
	ck_assert_str_eq(c.answers[0].chain[1], "hop2.example.com");
	ck_assert_str_eq(c.answers[0].name, "hop2.example.com");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_cname_chain_leaving_the_zone_is_asked_again)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "s1._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(c.served);
	ck_assert_uint_eq(c.nanswers, 1);
	ck_assert_uint_eq(c.answers[0].nchain, 2);
	ck_assert_str_eq(c.answers[0].chain[0], "s1.domainkey.u1.vendor.test");
	ck_assert_str_eq(c.answers[0].chain[1], "key1.vendor.test");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_cname_loop_is_detected)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "loop1._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && !c.absent);
	ck_assert(c.answers[0].loop);
	ck_assert_int_eq(c.servers[0].verdict, DNSCHECK_FAILED);
	assert_why(&c, "CNAME loop");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_cname_loop_across_zones_is_detected)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "loopx._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && !c.absent);
	ck_assert(c.answers[0].loop);
	assert_why(&c, "CNAME loop at loopx._domainkey.example.com");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_cname_to_nothing_is_other_not_absent)
{
	struct key k = good_key();
	struct dnscheck c;

	check(dns, "dangling._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.absent && c.other);
	ck_assert_int_eq(c.answers[0].status, DNSQ_NXDOMAIN);
	ck_assert_str_eq(c.answers[0].name, "gone.vendor.test");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_a_truncated_reply_is_asked_again_over_tcp)
{
	struct dnsq_answer *a;
	struct dnsq *q = mkq(dns, NULL);
	size_t n;

	ck_assert_int_eq(dnsq_txt(q, "big._domainkey.example.com", &a, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(a[0].status, DNSQ_OK);
	ck_assert_uint_eq(a[0].nrrs, 8);
	ck_assert(a[0].tcp);
	dnsq_answers_free(a, n);
	dnsq_free(q);
}
END_TEST

START_TEST(test_edns0_brings_a_large_reply_over_udp)
{
	struct key k = load(TEST_SRCDIR "/data/dnsrec/rsa4096.pub.der");
	struct dnscheck c;

	/* Over 512 octets: without EDNS0 the server would truncate. */
	check(dns, "mid._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(c.served);
	ck_assert_uint_gt(c.answers[0].rrs[0].len, 600);
	ck_assert(!c.answers[0].tcp);
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_an_unreachable_server_is_named_and_the_others_judged)
{
	struct key k = good_key();
	struct dnscheck c;
	char *closed = closed_server(), *list;

	ck_assert_int_gt(asprintf(&list, "%s %s", dns, closed), 0);
	check(list, "good._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && !c.unreachable_all);
	ck_assert_uint_eq(c.nunreachable, 1);
	ck_assert_uint_eq(c.nservers, 2);
	ck_assert_int_eq(c.servers[0].verdict, DNSCHECK_SERVES);
	ck_assert_int_eq(c.servers[1].verdict, DNSCHECK_UNREACHABLE);
	assert_why(&c, closed);
	assert_why(&c, "connection refused");
	dnscheck_clear(&c);
	free(list);
	free(closed);
}
END_TEST

START_TEST(test_no_server_reachable_is_unreachable_all_and_logs_nothing)
{
	struct key k = good_key();
	struct dnscheck c;
	char *closed = closed_server();

	log_status_reset();
	check(closed, "good._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(c.unreachable_all && !c.served && !c.absent);
	ck_assert_int_eq(log_status(), 0);
	dnscheck_clear(&c);
	free(closed);
}
END_TEST

START_TEST(test_a_silent_server_times_out)
{
	struct sockaddr_in sin = {0};
	socklen_t len = sizeof(sin);
	struct dnsq_answer *a;
	struct dnsq *q;
	char srv[64];
	size_t n;
	int fd;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", ntohs(sin.sin_port));
	ck_assert_int_eq(dnsq_new(srv, NULL, 1, &q), 0);
	ck_assert_int_eq(dnsq_txt(q, "good._domainkey.example.com", &a, &n), 0);
	ck_assert_int_eq(a[0].status, DNSQ_UNREACHABLE);
	ck_assert_ptr_nonnull(strstr(a[0].error, "timeout"));
	dnsq_answers_free(a, n);
	dnsq_free(q);
	close(fd);
}
END_TEST

START_TEST(test_one_server_serving_another_key_means_not_served)
{
	struct key k = good_key();
	struct dnscheck c;
	char *list;

	ck_assert_int_gt(asprintf(&list, "%s %s", dns, alt), 0);
	check(list, "good._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert(!c.served && c.other);
	ck_assert_int_eq(c.servers[0].verdict, DNSCHECK_SERVES);
	ck_assert_int_eq(c.servers[1].verdict, DNSCHECK_OTHER);
	assert_why(&c, alt);
	ck_assert_ptr_null(strstr(c.why, dns));
	dnscheck_clear(&c);
	free(list);
}
END_TEST

/* dnscheck_delegated at name through dns. */
static void
delegated(const char *resolver, const char *name, struct dnscheck_delegated *d)
{
	struct dnsq *q = mkq(resolver, NULL);

	ck_assert_int_eq(dnscheck_delegated(q, name, d), 0);
	dnsq_free(q);
}

static bool
has_problem(const struct dnscheck_delegated *d, const char *part)
{
	size_t i;

	for (i = 0; i < d->nproblems; i++)
		if (strstr(d->problems[i], part) != NULL)
			return true;
	return false;
}

START_TEST(test_delegated_follows_the_chain_to_the_vendor_key)
{
	struct key k = good_key();
	unsigned char fpr[32];
	struct dnscheck_delegated d;

	delegated(dns, "s1._domainkey.example.com", &d);
	ck_assert_str_eq(d.target, "key1.vendor.test");
	ck_assert_uint_eq(d.nchain, 2);
	ck_assert_int_eq(d.alg, DK_ALG_RSA);
	ck_assert_uint_eq(d.bits, 2048);
	ck_assert(d.has_fpr && !d.weak && !d.absent && !d.revoked);
	crypto_hash_sha256(fpr, k.der, k.len);
	ck_assert_mem_eq(d.fpr, fpr, 32);
	ck_assert_uint_eq(d.nproblems, 0);
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_without_cname_has_no_target)
{
	struct dnscheck_delegated d;

	delegated(dns, "ed._domainkey.example.com", &d);
	ck_assert_ptr_null(d.target);
	ck_assert_int_eq(d.alg, DK_ALG_ED25519);
	ck_assert_uint_eq(d.bits, 256);
	ck_assert_uint_eq(d.nproblems, 0);
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_rsa_1024_is_weak_but_no_problem)
{
	struct dnscheck_delegated d;

	delegated(dns, "dweak._domainkey.example.com", &d);
	ck_assert(d.weak);
	ck_assert_uint_eq(d.bits, 1024);
	ck_assert_uint_eq(d.nproblems, 0);
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_ed25519_of_31_octets_is_a_problem)
{
	struct dnscheck_delegated d;

	delegated(dns, "dshort._domainkey.example.com", &d);
	ck_assert(!d.has_fpr);
	ck_assert(has_problem(&d, "not 32"));
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_revoked_is_flagged_not_a_problem)
{
	struct dnscheck_delegated d;

	delegated(dns, "drevoked._domainkey.example.com", &d);
	ck_assert(d.revoked && !d.absent && !d.has_fpr);
	ck_assert_uint_eq(d.nproblems, 0);
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_h_without_sha256_is_a_problem)
{
	struct dnscheck_delegated d;

	delegated(dns, "dbadh._domainkey.example.com", &d);
	ck_assert(has_problem(&d, "h=sha1"));
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_dangling_cname_is_absent_at_its_target)
{
	struct dnscheck_delegated d;

	delegated(dns, "dangling._domainkey.example.com", &d);
	ck_assert(d.absent);
	ck_assert_str_eq(d.target, "gone.vendor.test");
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_loop_is_a_problem)
{
	struct dnscheck_delegated d;

	delegated(dns, "loop1._domainkey.example.com", &d);
	ck_assert(has_problem(&d, "CNAME loop"));
	dnscheck_delegated_clear(&d);
}
END_TEST

START_TEST(test_delegated_servers_that_disagree_are_a_problem)
{
	struct dnscheck_delegated d;
	char *list;

	ck_assert_int_gt(asprintf(&list, "%s %s", dns, alt), 0);
	delegated(list, "good._domainkey.example.com", &d);
	ck_assert(has_problem(&d, "servers disagree"));
	ck_assert(has_problem(&d, alt));
	dnscheck_delegated_clear(&d);
	free(list);
}
END_TEST

START_TEST(test_delegated_unreachable_everywhere_has_no_problems)
{
	struct dnscheck_delegated d;
	char *closed = closed_server();

	delegated(closed, "s1._domainkey.example.com", &d);
	ck_assert(d.unreachable_all);
	ck_assert_uint_eq(d.nproblems, 0);
	dnscheck_delegated_clear(&d);
	free(closed);
}
END_TEST

/* DoH through unbound, which forwards to the Knot instance. */
START_TEST(test_doh_serves_the_key)
{
	struct key k = good_key();
	struct dnsq *q = mkq(
	    getenv("DKIMKEYS_TEST_DOH_URL"), getenv("DKIMKEYS_TEST_DOH_CA"));
	struct dnscheck c;

	ck_assert_int_eq(dnscheck_key(q, "good._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert_msg(c.served, "why: %s", c.why ? c.why : "");
	ck_assert_uint_eq(c.nanswers, 1);
	ck_assert_str_eq(c.answers[0].server, getenv("DKIMKEYS_TEST_DOH_URL"));
	dnscheck_clear(&c);
	/* the same connection again, and a chain across zones */
	ck_assert_int_eq(dnscheck_key(q, "s1._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert(c.served);
	ck_assert_uint_eq(c.answers[0].nchain, 2);
	dnscheck_clear(&c);
	dnsq_free(q);
}
END_TEST

START_TEST(test_doh_absent_and_revoked)
{
	struct key k = good_key();
	struct dnsq *q = mkq(
	    getenv("DKIMKEYS_TEST_DOH_URL"), getenv("DKIMKEYS_TEST_DOH_CA"));
	struct dnscheck c;

	ck_assert_int_eq(dnscheck_key(q, "nx._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert(c.absent);
	dnscheck_clear(&c);
	ck_assert_int_eq(dnscheck_key(q, "nodata._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert(c.absent);
	dnscheck_clear(&c);
	ck_assert_int_eq(dnscheck_key(q, "revoked._domainkey.example.com",
			     DK_ALG_RSA, NULL, 0, &c),
	    0);
	ck_assert(c.revoked_served);
	dnscheck_clear(&c);
	dnsq_free(q);
}
END_TEST

static void
doh_refused(const char *ca)
{
	struct key k = good_key();
	struct dnsq *q = mkq(getenv("DKIMKEYS_TEST_DOH_URL"), ca);
	struct dnscheck c;

	ck_assert_int_eq(dnscheck_key(q, "good._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert(c.unreachable_all && !c.served);
	ck_assert_int_eq(c.answers[0].status, DNSQ_UNREACHABLE);
	ck_assert_msg(strncmp(c.answers[0].error, "TLS: ", 5) == 0, "error: %s",
	    c.answers[0].error);
	dnscheck_clear(&c);
	dnsq_free(q);
}

START_TEST(test_doh_refuses_a_certificate_of_another_ca)
{
	doh_refused(getenv("DKIMKEYS_TEST_DOH_BADCA"));
}
END_TEST

START_TEST(test_doh_refuses_the_server_without_its_ca)
{
	doh_refused(NULL);
}
END_TEST

START_TEST(test_doh_unreadable_ca_is_a_config_error)
{
	struct dnsq *q = NULL;

	log_status_reset();
	ck_assert_int_eq(dnsq_new(getenv("DKIMKEYS_TEST_DOH_URL"),
			     "/nonexistent/ca.pem", 2, &q),
	    -1);
	ck_assert_ptr_null(q);
	ck_assert_int_eq(log_status(), EX_CONFIG);
}
END_TEST

/* Inside the namespace: Knot on 127.0.0.1:53 and 127.0.0.3:53 for
 * example.com (ns1, ns2), on 127.0.0.2:53 for deleg.example.com, and a
 * logging relay as the system resolver. */
START_TEST(test_authoritative_asks_every_name_server_of_the_zone)
{
	struct key k = good_key();
	struct dnscheck c;

	check(
	    "authoritative", "good._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert_msg(c.served, "why: %s", c.why ? c.why : "");
	ck_assert_uint_eq(c.nanswers, 2);
	ck_assert_str_eq(c.answers[0].server, "ns1.example.com/127.0.0.1");
	ck_assert_str_eq(c.answers[1].server, "ns2.example.com/127.0.0.3");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_authoritative_follows_a_referral_to_a_child_zone)
{
	struct key k = ed_key();
	struct dnscheck c;

	check("authoritative", "sel._domainkey.deleg.example.com",
	    DK_ALG_ED25519, &k, &c);
	ck_assert_msg(c.served, "why: %s", c.why ? c.why : "");
	ck_assert_uint_eq(c.nanswers, 1);
	ck_assert_str_eq(c.answers[0].server, "ns.deleg.example.com/127.0.0.2");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_authoritative_follows_a_cname_into_another_zone)
{
	struct key k = good_key();
	struct dnscheck c;

	check("authoritative", "s1._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert_msg(c.served, "why: %s", c.why ? c.why : "");
	ck_assert_str_eq(c.answers[0].name, "key1.vendor.test");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_authoritative_absent_and_nodata)
{
	struct key k = good_key();
	struct dnscheck c;
	struct dnsq *q = mkq("authoritative", NULL);

	/* one dnsq: the second lookup uses the cached NS set */
	ck_assert_int_eq(dnscheck_key(q, "nx._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert(c.absent);
	ck_assert_uint_eq(c.nanswers, 2);
	dnscheck_clear(&c);
	ck_assert_int_eq(dnscheck_key(q, "nodata._domainkey.example.com",
			     DK_ALG_RSA, k.der, k.len, &c),
	    0);
	ck_assert(c.absent);
	dnscheck_clear(&c);
	dnsq_free(q);
}
END_TEST

START_TEST(test_authoritative_unknown_domain_is_a_failure)
{
	struct key k = good_key();
	struct dnscheck c;

	check("authoritative", "x._domainkey.nowhere.invalid", DK_ALG_RSA, &k,
	    &c);
	ck_assert(!c.served && !c.absent && !c.unreachable_all);
	assert_why(&c, "no name servers found");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_system_asks_the_resolv_conf_server_once)
{
	struct key k = good_key();
	struct dnscheck c;

	check("system", "good._domainkey.example.com", DK_ALG_RSA, &k, &c);
	ck_assert_msg(c.served, "why: %s", c.why ? c.why : "");
	ck_assert_uint_eq(c.nanswers, 1);
	ck_assert_str_eq(c.answers[0].server, "system/127.0.0.53");
	dnscheck_clear(&c);
}
END_TEST

START_TEST(test_nothing_to_test_against_is_a_failure)
{
	ck_abort_msg("no DNS server given: run tests/integration/dns_knot.sh "
		     "or dns_doh.sh");
}
END_TEST

static void
add_knot(Suite *s)
{
	TCase *tc = tcase_create("knot");

	tcase_add_test(tc, test_a_key_split_over_several_strings_is_served);
	tcase_add_test(tc, test_a_bare_rsapublickey_counts_as_the_key);
	tcase_add_test(tc, test_an_ed25519_key_is_served);
	tcase_add_test(tc, test_a_record_with_another_p_is_other);
	tcase_add_test(tc, test_a_record_of_another_algorithm_is_other);
	tcase_add_test(tc, test_the_revoked_record_is_revoked_served);
	tcase_add_test(tc, test_a_served_key_is_not_revoked_served);
	tcase_add_test(tc, test_nxdomain_is_absent);
	tcase_add_test(tc, test_nodata_is_absent);
	tcase_add_test(tc, test_two_records_at_the_name_are_other);
	tcase_add_test(tc, test_a_record_that_does_not_parse_is_other);
	tcase_add_test(tc, test_a_cname_chain_inside_the_reply_is_followed);
	tcase_add_test(tc, test_a_cname_chain_leaving_the_zone_is_asked_again);
	tcase_add_test(tc, test_a_cname_loop_is_detected);
	tcase_add_test(tc, test_a_cname_loop_across_zones_is_detected);
	tcase_add_test(tc, test_a_cname_to_nothing_is_other_not_absent);
	tcase_add_test(tc, test_a_truncated_reply_is_asked_again_over_tcp);
	tcase_add_test(tc, test_edns0_brings_a_large_reply_over_udp);
	tcase_add_test(
	    tc, test_an_unreachable_server_is_named_and_the_others_judged);
	tcase_add_test(
	    tc, test_no_server_reachable_is_unreachable_all_and_logs_nothing);
	tcase_add_test(tc, test_a_silent_server_times_out);
	tcase_add_test(
	    tc, test_one_server_serving_another_key_means_not_served);
	tcase_add_test(tc, test_delegated_follows_the_chain_to_the_vendor_key);
	tcase_add_test(tc, test_delegated_without_cname_has_no_target);
	tcase_add_test(tc, test_delegated_rsa_1024_is_weak_but_no_problem);
	tcase_add_test(tc, test_delegated_ed25519_of_31_octets_is_a_problem);
	tcase_add_test(tc, test_delegated_revoked_is_flagged_not_a_problem);
	tcase_add_test(tc, test_delegated_h_without_sha256_is_a_problem);
	tcase_add_test(
	    tc, test_delegated_dangling_cname_is_absent_at_its_target);
	tcase_add_test(tc, test_delegated_loop_is_a_problem);
	tcase_add_test(tc, test_delegated_servers_that_disagree_are_a_problem);
	tcase_add_test(
	    tc, test_delegated_unreachable_everywhere_has_no_problems);
	suite_add_tcase(s, tc);
}

static void
add_doh(Suite *s)
{
	TCase *tc = tcase_create("doh");

	tcase_add_test(tc, test_doh_serves_the_key);
	tcase_add_test(tc, test_doh_absent_and_revoked);
	tcase_add_test(tc, test_doh_refuses_a_certificate_of_another_ca);
	tcase_add_test(tc, test_doh_refuses_the_server_without_its_ca);
	tcase_add_test(tc, test_doh_unreadable_ca_is_a_config_error);
	suite_add_tcase(s, tc);
}

static void
add_auth(Suite *s)
{
	TCase *tc = tcase_create("authoritative");

	tcase_add_test(
	    tc, test_authoritative_asks_every_name_server_of_the_zone);
	tcase_add_test(
	    tc, test_authoritative_follows_a_referral_to_a_child_zone);
	tcase_add_test(
	    tc, test_authoritative_follows_a_cname_into_another_zone);
	tcase_add_test(tc, test_authoritative_absent_and_nodata);
	tcase_add_test(tc, test_authoritative_unknown_domain_is_a_failure);
	suite_add_tcase(s, tc);
}

int
main(void)
{
	Suite *s = suite_create("dnscheck");
	bool any = false;
	TCase *tc;

	log_set_level(LOG_LVL_ERR);
	dns = getenv("DKIMKEYS_TEST_DNS");
	alt = getenv("DKIMKEYS_TEST_DNS_ALT");
	if (dns != NULL && alt != NULL) {
		add_knot(s);
		any = true;
	}
	if (getenv("DKIMKEYS_TEST_DOH_URL") != NULL &&
	    getenv("DKIMKEYS_TEST_DOH_CA") != NULL &&
	    getenv("DKIMKEYS_TEST_DOH_BADCA") != NULL) {
		add_doh(s);
		any = true;
	}
	if (getenv("DKIMKEYS_TEST_AUTH") != NULL) {
		add_auth(s);
		any = true;
	}
	if (getenv("DKIMKEYS_TEST_SYSTEM") != NULL) {
		tc = tcase_create("system");
		tcase_add_test(
		    tc, test_system_asks_the_resolv_conf_server_once);
		suite_add_tcase(s, tc);
		any = true;
	}
	if (!any) {
		tc = tcase_create("setup");
		tcase_add_test(tc, test_nothing_to_test_against_is_a_failure);
		suite_add_tcase(s, tc);
	}
	return tu_run(s);
}
