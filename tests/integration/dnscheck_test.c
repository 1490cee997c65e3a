/*
 * dnscheck_test.c - dnsquery and dnscheck against real DNS servers on
 * loopback. Not a unit suite: dns_knot.sh and dns_doh.sh beside it start
 * the servers (Knot DNS, unbound for DoH) with the zones of dns.inc and
 * run this program with their addresses:
 *
 *   DKIMKEYS_TEST_DNS=127.0.0.1:P       Knot with the test zones
 *   DKIMKEYS_TEST_DNS_ALT=127.0.0.1:P   Knot serving another key at good.
 *   DKIMKEYS_TEST_DOH_URL, _DOH_CA, _DOH_BADCA   unbound over DoH
 *   DKIMKEYS_TEST_AUTH=1                inside the network namespace
 *   DKIMKEYS_TEST_SYSTEM=1              ditto, resolver = system
 *
 * Without any of them it fails: it must never pass by testing nothing.
 * Most cases are rows of two tables, one for dnscheck_key (key_case) and
 * one for dnscheck_delegated (deleg_case), each row a loop test.
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
#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* The wanted value of an enum field plus one, so that 0 (a field a row
 * leaves out) means "not looked at". */
#define WANT(v) ((int)(v) + 1)

static const char *dns, *alt;

/* A flag a row wants set, clear, or does not look at (the default). */
enum tri { ANY = 0, NO, YES };

/* The key a row judges the record against; K_NONE: the revoked one. */
enum key_id { K_NONE = 0, K_GOOD, K_ED, K_BIG };

struct key {
	const unsigned char *der;
	size_t len;
};

/*
 * One dnscheck_key case. The servers asked and the strings looked for
 * may name the servers of the test: "$DNS", "$ALT" (from the environment)
 * and "$CLOSED" (a port with nothing behind it). Empty fields are not
 * looked at.
 */
struct key_case {
	const char *what;
	const char *ask[2]; /* the resolver setting; none: "$DNS" */
	const char *name;
	enum dk_alg alg;
	enum key_id key;
	enum tri served, other, absent, revoked, unreachable_all;
	bool no_why; /* why is NULL */
	const char *why[2]; /* parts why holds */
	const char *not_why; /* a part it does not hold */
	bool quiet; /* log_status() stays 0 */
	size_t nservers, nunreachable, nanswers;
	int verdict[2]; /* WANT(servers[i].verdict) */
	const char *answered_by[2]; /* answers[i].server */
	/* of answers[0] */
	int status; /* WANT(status) */
	const char *end; /* name */
	const char *chain[2]; /* the whole chain */
	enum tri loop, tcp;
	size_t nrrs, nstrings; /* nstrings: of rrs[0] */
	size_t longer_than; /* rrs[0].len */
	uint32_t max_ttl;
};

/* One dnscheck_delegated case, asking "$DNS" unless it says otherwise. */
struct deleg_case {
	const char *what;
	const char *ask[2];
	const char *name;
	bool no_target;
	const char *target;
	size_t nchain;
	enum dk_alg alg;
	unsigned bits;
	enum tri has_fpr, weak, absent, revoked, unreachable_all;
	bool good_fpr; /* fpr is the SHA-256 of the good key */
	bool no_problems;
	const char *problem[2]; /* parts some problem holds */
};

static const struct key_case knot_cases[] = {
	{.what = "a key split over several strings is served",
	    .name = "good._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = YES, .other = NO, .absent = NO,
	    .revoked = NO, .no_why = true, .nanswers = 1,
	    .answered_by = {"$DNS"}, .nrrs = 1, .nstrings = 5,
	    .max_ttl = 7200},
	{.what = "a bare RSAPublicKey counts as the key",
	    .name = "pkcs1._domainkey.example.com.", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = YES},
	{.what = "an ed25519 key is served",
	    .name = "ed._domainkey.example.com", .alg = DK_ALG_ED25519,
	    .key = K_ED, .served = YES},
	{.what = "a record with another p= is other",
	    .name = "other._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .other = YES, .absent = NO,
	    .why = {"serves another p=", "$DNS"}},
	{.what = "a record of another algorithm is other",
	    .name = "ed._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_ED, .served = NO, .other = YES, .why = {"k=ed25519"}},
	{.what = "the revoked record is revoked served",
	    .name = "revoked._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_NONE, .revoked = YES, .served = NO, .other = NO,
	    .no_why = true},
	{.what = "the revoked record, when the key is wanted, is revoked",
	    .name = "revoked._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .other = NO, .revoked = YES,
	    .why = {"revoked"}},
	{.what = "a served key is not revoked served",
	    .name = "good._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_NONE, .revoked = NO, .served = NO,
	    .why = {"serves another p="}},
	{.what = "NXDOMAIN is absent",
	    .name = "nx._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .absent = YES, .served = NO, .other = NO,
	    .status = WANT(DNSQ_NXDOMAIN), .why = {"NXDOMAIN"}},
	{.what = "NODATA is absent",
	    .name = "nodata._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .absent = YES, .served = NO,
	    .status = WANT(DNSQ_NODATA)},
	{.what = "two records at the name are other",
	    .name = "two._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .other = YES, .nrrs = 2,
	    .why = {"2 TXT records"}},
	{.what = "a record that does not parse is other",
	    .name = "junk._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .other = YES,
	    .why = {"does not parse"}},
	{.what = "a CNAME chain inside the reply is followed",
	    .name = "chain._domainkey.example.com", .alg = DK_ALG_ED25519,
	    .key = K_ED, .served = YES,
	    .chain = {"hop1.example.com", "hop2.example.com"},
	    .end = "hop2.example.com"},
	{.what = "a CNAME chain leaving the zone is asked again",
	    .name = "s1._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = YES, .nanswers = 1,
	    .chain = {"s1.domainkey.u1.vendor.test", "key1.vendor.test"}},
	{.what = "a CNAME loop is detected",
	    .name = "loop1._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .absent = NO, .loop = YES,
	    .verdict = {WANT(DNSCHECK_FAILED)}, .why = {"CNAME loop"}},
	{.what = "a CNAME loop across zones is detected",
	    .name = "loopx._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .absent = NO, .loop = YES,
	    .why = {"CNAME loop at loopx._domainkey.example.com"}},
	{.what = "a CNAME to nothing is other, not absent",
	    .name = "dangling._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .absent = NO, .other = YES,
	    .status = WANT(DNSQ_NXDOMAIN), .end = "gone.vendor.test"},
	/* Over 512 octets: without EDNS0 the server would truncate. */
	{.what = "EDNS0 brings a large reply over UDP",
	    .name = "mid._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_BIG, .served = YES, .longer_than = 600, .tcp = NO},
	{.what = "an unreachable server is named and the others judged",
	    .ask = {"$DNS", "$CLOSED"},
	    .name = "good._domainkey.example.com", .alg = DK_ALG_RSA,
	    .key = K_GOOD, .served = NO, .unreachable_all = NO,
	    .nunreachable = 1, .nservers = 2,
	    .verdict = {WANT(DNSCHECK_SERVES), WANT(DNSCHECK_UNREACHABLE)},
	    .why = {"$CLOSED", "connection refused"}},
	{.what = "no server reachable is unreachable_all and logs nothing",
	    .ask = {"$CLOSED"}, .name = "good._domainkey.example.com",
	    .alg = DK_ALG_RSA, .key = K_GOOD, .unreachable_all = YES,
	    .served = NO, .absent = NO, .quiet = true},
	{.what = "one server serving another key means not served",
	    .ask = {"$DNS", "$ALT"}, .name = "good._domainkey.example.com",
	    .alg = DK_ALG_RSA, .key = K_GOOD, .served = NO, .other = YES,
	    .verdict = {WANT(DNSCHECK_SERVES), WANT(DNSCHECK_OTHER)},
	    .why = {"$ALT"}, .not_why = "$DNS"},
};

/* Inside the namespace: Knot on 127.0.0.1:53 and 127.0.0.3:53 for
 * example.com (ns1, ns2), on 127.0.0.2:53 for deleg.example.com, and a
 * logging relay as the system resolver. */
static const struct key_case auth_cases[] = {
	{.what = "authoritative asks every name server of the zone",
	    .ask = {"authoritative"}, .name = "good._domainkey.example.com",
	    .alg = DK_ALG_RSA, .key = K_GOOD, .served = YES, .nanswers = 2,
	    .answered_by = {"ns1.example.com/127.0.0.1",
		"ns2.example.com/127.0.0.3"}},
	{.what = "authoritative follows a referral to a child zone",
	    .ask = {"authoritative"},
	    .name = "sel._domainkey.deleg.example.com",
	    .alg = DK_ALG_ED25519, .key = K_ED, .served = YES,
	    .nanswers = 1, .answered_by = {"ns.deleg.example.com/127.0.0.2"}},
	{.what = "authoritative follows a CNAME into another zone",
	    .ask = {"authoritative"}, .name = "s1._domainkey.example.com",
	    .alg = DK_ALG_RSA, .key = K_GOOD, .served = YES,
	    .end = "key1.vendor.test"},
	{.what = "authoritative: an unknown domain is a failure",
	    .ask = {"authoritative"}, .name = "x._domainkey.nowhere.invalid",
	    .alg = DK_ALG_RSA, .key = K_GOOD, .served = NO, .absent = NO,
	    .unreachable_all = NO, .why = {"no name servers found"}},
};

static const struct key_case system_cases[] = {
	{.what = "system asks the resolv.conf server once",
	    .ask = {"system"}, .name = "good._domainkey.example.com",
	    .alg = DK_ALG_RSA, .key = K_GOOD, .served = YES, .nanswers = 1,
	    .answered_by = {"system/127.0.0.53"}},
};

static const struct deleg_case deleg_cases[] = {
	{.what = "delegated follows the chain to the vendor key",
	    .name = "s1._domainkey.example.com", .target = "key1.vendor.test",
	    .nchain = 2, .alg = DK_ALG_RSA, .bits = 2048, .has_fpr = YES,
	    .weak = NO, .absent = NO, .revoked = NO, .good_fpr = true,
	    .no_problems = true},
	{.what = "delegated without CNAME has no target",
	    .name = "ed._domainkey.example.com", .no_target = true,
	    .alg = DK_ALG_ED25519, .bits = 256, .no_problems = true},
	{.what = "delegated RSA-1024 is weak but no problem",
	    .name = "dweak._domainkey.example.com", .weak = YES,
	    .bits = 1024, .no_problems = true},
	{.what = "delegated Ed25519 of 31 octets is a problem",
	    .name = "dshort._domainkey.example.com", .has_fpr = NO,
	    .problem = {"not 32"}},
	{.what = "delegated revoked is flagged, not a problem",
	    .name = "drevoked._domainkey.example.com", .revoked = YES,
	    .absent = NO, .has_fpr = NO, .no_problems = true},
	{.what = "delegated h= without sha256 is a problem",
	    .name = "dbadh._domainkey.example.com", .problem = {"h=sha1"}},
	{.what = "delegated dangling CNAME is absent at its target",
	    .name = "dangling._domainkey.example.com", .absent = YES,
	    .target = "gone.vendor.test"},
	{.what = "delegated loop is a problem",
	    .name = "loop1._domainkey.example.com",
	    .problem = {"CNAME loop"}},
	{.what = "delegated servers that disagree are a problem",
	    .ask = {"$DNS", "$ALT"}, .name = "good._domainkey.example.com",
	    .problem = {"servers disagree", "$ALT"}},
	{.what = "delegated unreachable everywhere has no problems",
	    .ask = {"$CLOSED"}, .name = "s1._domainkey.example.com",
	    .unreachable_all = YES, .no_problems = true},
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
ed_key(void)
{
	static unsigned char raw[32];
	struct key k = {raw, 32};

	ck_assert_int_eq(
	    util_b64_decode(ED_B64, strlen(ED_B64), raw, sizeof(raw), false),
	    32);
	return k;
}

/* The key of a row; {NULL, 0} for K_NONE. */
static struct key
key_of(enum key_id id)
{
	struct key none = {NULL, 0};

	switch (id) {
	case K_GOOD:
		return load(KEYDIR "rsa2048-spki.der");
	case K_ED:
		return ed_key();
	case K_BIG:
		return load(TEST_SRCDIR "/data/dnsrec/rsa4096.pub.der");
	case K_NONE:
		break;
	}
	return none;
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

/* s, or the server "$DNS", "$ALT" or "$CLOSED" stands for (one closed
 * port per test process). */
static const char *
var(const char *s)
{
	static char *closed;

	if (s == NULL)
		return NULL;
	if (strcmp(s, "$DNS") == 0)
		return dns;
	if (strcmp(s, "$ALT") == 0)
		return alt;
	if (strcmp(s, "$CLOSED") == 0) {
		if (closed == NULL)
			closed = closed_server();
		return closed;
	}
	return s;
}

/* A query context for the servers of a row ("$DNS" when none). */
static struct dnsq *
mkq_list(const char *const ask[2])
{
	struct dnsq *q = NULL;
	char *list;

	if (ask[0] == NULL)
		list = strdup(dns);
	else if (ask[1] == NULL)
		list = strdup(var(ask[0]));
	else if (asprintf(&list, "%s %s", var(ask[0]), var(ask[1])) < 0)
		list = NULL;
	ck_assert_ptr_nonnull(list);
	ck_assert_msg(dnsq_new(list, NULL, 2, &q) == 0, "dnsq_new %s", list);
	free(list);
	return q;
}

static struct dnsq *
mkq(const char *resolver, const char *ca)
{
	struct dnsq *q = NULL;

	ck_assert_msg(
	    dnsq_new(resolver, ca, 2, &q) == 0, "dnsq_new %s", resolver);
	return q;
}

/* A flag as a row wants it: what names the row and the flag. */
static void
expect_flag(const char *what, const char *flag, enum tri want, bool got,
    const char *why)
{
	if (want == ANY)
		return;
	ck_assert_msg(got == (want == YES), "%s: %s is %d, want %d (why: %s)",
	    what, flag, got, want == YES, why != NULL ? why : "(null)");
}

static void
expect_str(const char *what, const char *field, const char *want,
    const char *got)
{
	want = var(want);
	if (want == NULL)
		return;
	ck_assert_msg(got != NULL && strcmp(got, want) == 0,
	    "%s: %s is '%s', want '%s'", what, field,
	    got != NULL ? got : "(null)", want);
}

static void
expect_size(const char *what, const char *field, size_t want, size_t got)
{
	if (want == 0)
		return;
	ck_assert_msg(got == want, "%s: %s is %zu, want %zu", what, field, got,
	    want);
}

static void
expect_why(const struct key_case *kc, const struct dnscheck *c)
{
	const char *why = c->why != NULL ? c->why : "(null)";
	size_t i;

	if (kc->no_why)
		ck_assert_msg(c->why == NULL, "%s: why is '%s', want none",
		    kc->what, why);
	for (i = 0; i < nitems(kc->why) && kc->why[i] != NULL; i++)
		ck_assert_msg(c->why != NULL &&
			strstr(c->why, var(kc->why[i])) != NULL,
		    "%s: why is '%s', want it to hold '%s'", kc->what, why,
		    var(kc->why[i]));
	if (kc->not_why != NULL)
		ck_assert_msg(c->why != NULL &&
			strstr(c->why, var(kc->not_why)) == NULL,
		    "%s: why is '%s', want it without '%s'", kc->what, why,
		    var(kc->not_why));
}

static void
expect_flags(const struct key_case *kc, const struct dnscheck *c)
{
	expect_flag(kc->what, "served", kc->served, c->served, c->why);
	expect_flag(kc->what, "other", kc->other, c->other, c->why);
	expect_flag(kc->what, "absent", kc->absent, c->absent, c->why);
	expect_flag(kc->what, "revoked_served", kc->revoked,
	    c->revoked_served, c->why);
	expect_flag(kc->what, "unreachable_all", kc->unreachable_all,
	    c->unreachable_all, c->why);
	expect_size(kc->what, "nservers", kc->nservers, c->nservers);
	expect_size(kc->what, "nunreachable", kc->nunreachable,
	    c->nunreachable);
	expect_size(kc->what, "nanswers", kc->nanswers, c->nanswers);
	if (kc->max_ttl != 0)
		ck_assert_msg(c->max_ttl == kc->max_ttl,
		    "%s: max_ttl is %u, want %u", kc->what, c->max_ttl,
		    kc->max_ttl);
}

static void
expect_servers(const struct key_case *kc, const struct dnscheck *c)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		if (kc->verdict[i] != 0)
			ck_assert_msg(i < c->nservers &&
				WANT(c->servers[i].verdict) == kc->verdict[i],
			    "%s: the verdict of server %zu", kc->what, i);
		if (kc->answered_by[i] != NULL) {
			ck_assert_uint_gt(c->nanswers, i);
			expect_str(kc->what, "server", kc->answered_by[i],
			    c->answers[i].server);
		}
	}
}

/* 1 when a row says something of the first answer. */
static bool
wants_answer(const struct key_case *kc)
{
	return kc->status != 0 || kc->end != NULL || kc->chain[0] != NULL ||
	    kc->loop != ANY || kc->tcp != ANY || kc->nrrs != 0 ||
	    kc->nstrings != 0 || kc->longer_than != 0;
}

/* The first answer, as far as a row says. */
static void
expect_answer(const struct key_case *kc, const struct dnscheck *c)
{
	const struct dnsq_answer *a;
	size_t i, n;

	if (!wants_answer(kc))
		return;
	ck_assert_uint_ge(c->nanswers, 1);
	a = &c->answers[0];
	if (kc->status != 0)
		ck_assert_msg(WANT(a->status) == kc->status,
		    "%s: status is %d, want %d", kc->what, (int)a->status,
		    kc->status - 1);
	expect_str(kc->what, "the name answered", kc->end, a->name);
	for (n = 0; n < nitems(kc->chain) && kc->chain[n] != NULL; n++)
		;
	expect_size(kc->what, "nchain", n, a->nchain);
	for (i = 0; i < n; i++)
		expect_str(kc->what, "the chain", kc->chain[i], a->chain[i]);
	expect_flag(kc->what, "loop", kc->loop, a->loop, c->why);
	expect_flag(kc->what, "tcp", kc->tcp, a->tcp, c->why);
	expect_size(kc->what, "nrrs", kc->nrrs, a->nrrs);
	if (kc->nstrings != 0 || kc->longer_than != 0)
		ck_assert_uint_ge(a->nrrs, 1);
	expect_size(kc->what, "nstrings", kc->nstrings,
	    kc->nstrings != 0 ? a->rrs[0].nstrings : 0);
	if (kc->longer_than != 0)
		ck_assert_uint_gt(a->rrs[0].len, kc->longer_than);
}

/* Asks the servers of a row for its name and judges the answer. */
static void
judge(const struct key_case *kc)
{
	struct key k = key_of(kc->key);
	struct dnsq *q = mkq_list(kc->ask);
	struct dnscheck c;

	log_status_reset();
	ck_assert_int_eq(dnscheck_key(q, kc->name, kc->alg, k.der, k.len, &c),
	    0);
	if (kc->quiet)
		ck_assert_int_eq(log_status(), 0);
	expect_flags(kc, &c);
	expect_why(kc, &c);
	expect_servers(kc, &c);
	expect_answer(kc, &c);
	dnscheck_clear(&c);
	dnsq_free(q);
}

START_TEST(test_knot_key_case)
{
	judge(&knot_cases[_i]);
}
END_TEST

START_TEST(test_authoritative_key_case)
{
	judge(&auth_cases[_i]);
}
END_TEST

START_TEST(test_system_key_case)
{
	judge(&system_cases[_i]);
}
END_TEST

static bool
has_problem(const struct dnscheck_delegated *d, const char *part)
{
	size_t i;

	for (i = 0; i < d->nproblems; i++)
		if (strstr(d->problems[i], part) != NULL)
			return true;
	return false;
}

static void
expect_key(const struct deleg_case *dc, const struct dnscheck_delegated *d)
{
	struct key k = key_of(K_GOOD);
	unsigned char fpr[32];

	if (dc->alg != DK_ALG_NONE)
		ck_assert_msg(d->alg == dc->alg, "%s: alg is %d, want %d",
		    dc->what, (int)d->alg, (int)dc->alg);
	if (dc->bits != 0)
		ck_assert_msg(d->bits == dc->bits, "%s: bits is %u, want %u",
		    dc->what, d->bits, dc->bits);
	expect_flag(dc->what, "has_fpr", dc->has_fpr, d->has_fpr, NULL);
	expect_flag(dc->what, "weak", dc->weak, d->weak, NULL);
	expect_flag(dc->what, "absent", dc->absent, d->absent, NULL);
	expect_flag(dc->what, "revoked", dc->revoked, d->revoked, NULL);
	expect_flag(dc->what, "unreachable_all", dc->unreachable_all,
	    d->unreachable_all, NULL);
	if (dc->good_fpr) {
		crypto_hash_sha256(fpr, k.der, k.len);
		ck_assert_mem_eq(d->fpr, fpr, 32);
	}
}

START_TEST(test_delegated_case)
{
	const struct deleg_case *dc = &deleg_cases[_i];
	struct dnsq *q = mkq_list(dc->ask);
	struct dnscheck_delegated d;
	size_t i;

	ck_assert_int_eq(dnscheck_delegated(q, dc->name, &d), 0);
	if (dc->no_target)
		ck_assert_msg(d.target == NULL, "%s: target is '%s'", dc->what,
		    d.target);
	expect_str(dc->what, "target", dc->target, d.target);
	expect_size(dc->what, "nchain", dc->nchain, d.nchain);
	expect_key(dc, &d);
	if (dc->no_problems)
		ck_assert_msg(d.nproblems == 0, "%s: %zu problems, first '%s'",
		    dc->what, d.nproblems, d.problems[0]);
	for (i = 0; i < nitems(dc->problem) && dc->problem[i] != NULL; i++)
		ck_assert_msg(has_problem(&d, var(dc->problem[i])),
		    "%s: no problem holds '%s'", dc->what, var(dc->problem[i]));
	dnscheck_delegated_clear(&d);
	dnsq_free(q);
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

/* DoH through unbound, which forwards to the Knot instance. */
START_TEST(test_doh_serves_the_key)
{
	struct key k = key_of(K_GOOD);
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
	struct key k = key_of(K_GOOD);
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
	struct key k = key_of(K_GOOD);
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

START_TEST(test_authoritative_absent_and_nodata)
{
	struct key k = key_of(K_GOOD);
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

	tcase_add_loop_test(tc, test_knot_key_case, 0, nitems(knot_cases));
	tcase_add_test(tc, test_a_truncated_reply_is_asked_again_over_tcp);
	tcase_add_test(tc, test_a_silent_server_times_out);
	tcase_add_loop_test(tc, test_delegated_case, 0, nitems(deleg_cases));
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

	tcase_add_loop_test(
	    tc, test_authoritative_key_case, 0, nitems(auth_cases));
	tcase_add_test(tc, test_authoritative_absent_and_nodata);
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
		tcase_add_loop_test(
		    tc, test_system_key_case, 0, nitems(system_cases));
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
