/*
 * check_dmarc.c - the DMARC, SPF and public suffix list parsers of dns/
 * (dmarcrec.c, spfrec.c, psl.c), table-driven, and the pure parts of
 * lifecycle/dmarc_check.c (the organizational domain, the config
 * warning).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dmarcrec.h"
#include "dns/dnsquery.h"
#include "dns/psl.h"
#include "dns/spfrec.h"
#include "lifecycle/dmarc_check.h"
#include "support/util.h"

#include "fakedns.h"
#include "testutil.h"

static const struct {
	const char *rec;
	int rc;
	enum dmarc_policy p, sp;
	bool has_sp, adkim_s, aspf_s;
	unsigned pct;
	const char *rua;
} dmarc_cases[] = {
	{ "v=DMARC1; p=reject", 0, DMARC_REJECT, DMARC_REJECT, false,
	    false, false, 100, "" },
	{ "v=DMARC1;p=none;sp=quarantine;adkim=s;aspf=s;pct=20;"
	  "rua=mailto:d@example.com", 0, DMARC_NONE, DMARC_QUARANTINE, true,
	    true, true, 20, "mailto:d@example.com" },
	{ "v=DMARC1 ;  p = Quarantine ; fo=1; ri=86400 ;", 0,
	    DMARC_QUARANTINE, DMARC_QUARANTINE, false, false, false, 100, "" },
	{ "v=DMARC1; sp=none; p=reject", 0, DMARC_REJECT, DMARC_NONE, true,
	    false, false, 100, "" },
	{ "v = DMARC1 ;p=reject", 0, DMARC_REJECT, DMARC_REJECT, false,
	    false, false, 100, "" },
	{ "v=DMARC1; p=reject; v=DMARC1", 0, DMARC_REJECT, DMARC_REJECT,
	    false, false, false, 100, "" },
	{ "v=DMARC1", -1, 0, 0, false, false, false, 0, NULL },
	{ "V=DMARC1; p=reject", -1, 0, 0, false, false, false, 0, NULL },
	{ "v=DMARC1; p=block", -1, 0, 0, false, false, false, 0, NULL },
	{ "v=DMARC1; p=none; p=reject", -1, 0, 0, false, false, false, 0,
	    NULL },
	{ "v=DMARC1; p=none; sp=all", -1, 0, 0, false, false, false, 0, NULL },
	{ "v=DMARC1; p=none; adkim=x", -1, 0, 0, false, false, false, 0,
	    NULL },
	{ "v=DMARC1; p=none; pct=101", -1, 0, 0, false, false, false, 0,
	    NULL },
	{ "v=DMARC1; p=none; pct=", -1, 0, 0, false, false, false, 0, NULL },
	{ "v=DMARC1; p", -1, 0, 0, false, false, false, 0, NULL },
	{ "p=reject; v=DMARC1", -1, 0, 0, false, false, false, 0, NULL },
	{ "v=dmarc1; p=reject", -1, 0, 0, false, false, false, 0, NULL },
	{ "v=DMARC10; p=reject", -1, 0, 0, false, false, false, 0, NULL },
	{ "", -1, 0, 0, false, false, false, 0, NULL },
};

START_TEST(test_dmarc_records_parse_as_the_table_says)
{
	const char *rec = dmarc_cases[_i].rec;
	struct dmarc d;
	int rc = dmarc_parse(rec, strlen(rec), &d);

	ck_assert_msg(rc == dmarc_cases[_i].rc, "%s: rc %d", rec, rc);
	if (rc == -1) {
		ck_assert_ptr_nonnull(d.why);
		return;
	}
	ck_assert_int_eq(d.p, dmarc_cases[_i].p);
	ck_assert_int_eq(d.sp, dmarc_cases[_i].sp);
	ck_assert_int_eq(d.has_sp, dmarc_cases[_i].has_sp);
	ck_assert_int_eq(d.adkim_strict, dmarc_cases[_i].adkim_s);
	ck_assert_int_eq(d.aspf_strict, dmarc_cases[_i].aspf_s);
	ck_assert_uint_eq(d.pct, dmarc_cases[_i].pct);
	ck_assert_str_eq(d.rua, dmarc_cases[_i].rua);
}
END_TEST

START_TEST(test_only_v_dmarc1_records_count_as_dmarc_records)
{
	ck_assert(dmarc_is_record("v=DMARC1; p=none", 16));
	ck_assert(dmarc_is_record("v=DMARC1", 8));
	ck_assert(!dmarc_is_record("v=DMARC1x; p=none", 17));
	ck_assert(!dmarc_is_record("v=spf1 -all", 11));
	ck_assert(!dmarc_is_record("v=DMA", 5));
	ck_assert(dmarc_is_record("v =\tDMARC1 ;p=none", 18));
	ck_assert(!dmarc_is_record("x=DMARC1", 8));
}
END_TEST

START_TEST(test_dmarc_parse_stays_within_its_bounds)
{
	size_t n = DMARC_MAX_LEN + 1, i;
	char *big = xmalloc(n);
	struct dmarc d;
	char nul[] = "v=DMARC1; p=none\0; p=reject";

	memcpy(big, "v=DMARC1; p=none; rua=", 22);
	for (i = 22; i < n; i++)
		big[i] = 'a';
	ck_assert_int_eq(dmarc_parse(big, n, &d), -1);
	ck_assert_int_eq(dmarc_parse(big, DMARC_MAX_LEN, &d), 0);
	ck_assert_uint_eq(strlen(d.rua), DMARC_RUA_MAX);
	ck_assert_int_eq(dmarc_parse(nul, sizeof(nul) - 1, &d), -1);
	ck_assert_int_eq(dmarc_parse(NULL, 0, &d), -1);
	ck_assert_int_eq(dmarc_parse("v=DMARC1; p=none; rua=a\x1b\x80", 25,
	    &d), 0);
	ck_assert_str_eq(d.rua, "a??");
	/* the length given is all that is read: no NUL needed */
	ck_assert_int_eq(dmarc_parse("v=DMARC1; p=nonex", 16, &d), 0);
	free(big);
}
END_TEST

static const struct {
	const char *rec;
	int rc;
	unsigned lookups;
	const char *has, *lacks;
} spf_cases[] = {
	{ "v=spf1 include:mailgun.org -all", 0, 1, "include:mailgun.org",
	    "include:sendgrid.net" },
	{ "v=spf1 +include:MAILGUN.org ~all", 0, 1, "include:mailgun.org",
	    "-include:mailgun.org" },
	{ "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", 0, 0,
	    "ip4:192.0.2.0/24", "ip4:192.0.2.0/25" },
	{ "v=spf1 a mx a:x.example.com/24 mx/24 ptr exists:%{i}.e.example "
	  "include:a.example redirect=b.example", 0, 8, "mx/24", "a:x" },
	{ "v=spf1 a -all redirect=b.example", 0, 1, "-all", "?all" },
	{ "v=spf1 -all include:late.example", 0, 1, "-all",
	    "include:late.example" },
	{ "v=spf1 exp=explain.example ?all", 0, 0, "?all", NULL },
	{ "v=spf1", 0, 0, NULL, "all" },
	{ "V=SPF1 -ALL", 0, 0, "-all", NULL },
	{ "v=spf1 include:", -1, 0, NULL, NULL },
	{ "v=spf1 include:a\x1b[2J.example", -1, 0, NULL, NULL },
	{ "v=spf1 include:\xc3\xa9.example", -1, 0, NULL, NULL },
	{ "v=spf1 ip4", -1, 0, NULL, NULL },
	{ "v=spf1 all:x", -1, 0, NULL, NULL },
	{ "v=spf1 nosuch:x", -1, 0, NULL, NULL },
	{ "v=spf1 redirect=a redirect=b", -1, 0, NULL, NULL },
	{ "v=spf10 -all", -1, 0, NULL, NULL },
	{ "spf1 -all", -1, 0, NULL, NULL },
};

START_TEST(test_spf_records_parse_count_and_hold_as_the_table_says)
{
	const char *rec = spf_cases[_i].rec;
	struct spf *s = xcalloc(1, sizeof(*s));
	int rc = spf_parse(rec, strlen(rec), s);

	ck_assert_msg(rc == spf_cases[_i].rc, "%s: rc %d (%s)", rec, rc,
	    s->why != NULL ? s->why : "");
	if (rc == 0) {
		ck_assert_msg(spf_lookups(s) == spf_cases[_i].lookups,
		    "%s: %u lookups", rec, spf_lookups(s));
		if (spf_cases[_i].has != NULL)
			ck_assert_msg(spf_has(s, spf_cases[_i].has), "%s", rec);
		if (spf_cases[_i].lacks != NULL)
			ck_assert_msg(!spf_has(s, spf_cases[_i].lacks), "%s",
			    rec);
	} else
		ck_assert_ptr_nonnull(s->why);
	free(s);
}
END_TEST

START_TEST(test_spf_parse_refuses_too_many_terms_and_long_records)
{
	struct spf *s = xcalloc(1, sizeof(*s));
	struct buf b = { 0 };
	int i;

	buf_puts(&b, "v=spf1");
	for (i = 0; i < SPF_MAX_TERMS; i++)
		buf_puts(&b, " a");
	ck_assert_int_eq(spf_parse(b.data, b.len, s), 0);
	buf_puts(&b, " a");
	ck_assert_int_eq(spf_parse(b.data, b.len, s), -1);
	buf_free(&b);
	buf_puts(&b, "v=spf1 include:");
	for (i = 0; i < SPF_ARG_MAX + 1; i++)
		buf_puts(&b, "x");
	ck_assert_int_eq(spf_parse(b.data, b.len, s), -1);
	ck_assert_int_eq(spf_parse("v=spf1 a\0 mx", 12, s), -1);
	ck_assert_int_eq(spf_parse(NULL, 0, s), -1);
	buf_free(&b);
	free(s);
}
END_TEST

static const char small_list[] =
    "// a comment\n"
    "com\n"
    "uk\n"
    "co.uk\n"
    "*.ck\n"
    "!www.ck\n"
    "\xe4\xb8\xad\xe5\x9b\xbd\n" /* UTF-8, skipped */
    "// ===BEGIN PRIVATE DOMAINS===\n"
    "blogspot.com   trailing words are ignored\r\n"
    "\n";

#define DOTS50 ".................................................."
static const struct {
	const char *name, *org; /* NULL: a public suffix */
} psl_cases[] = {
	{ "example.com", "example.com" },
	{ "mg.example.com", "example.com" },
	{ "a.b.mg.example.com", "example.com" },
	{ "com", NULL },
	{ "example.co.uk", "example.co.uk" },
	{ "mg.example.co.uk", "example.co.uk" },
	{ "co.uk", NULL },
	{ "uk", NULL },
	{ "x.example.ck", "x.example.ck" },
	{ "example.ck", NULL },
	{ "www.ck", "www.ck" },
	{ "a.www.ck", "www.ck" },
	{ "me.blogspot.com", "me.blogspot.com" },
	{ "example.test", "example.test" }, /* no rule: "*" */
	{ "a.example.test", "example.test" },
	{ "test", NULL },
	{ "", NULL },
	/* empty labels are no name; 250 dots overran the label table (a
	 * fuzz_dmarc finding, fuzz/corpus/dmarc/crash-psl-many-labels) */
	{ "a..example.com", NULL },
	{ ".example.com", NULL },
	{ "example.com.", NULL },
	{ DOTS50 DOTS50 DOTS50 DOTS50 DOTS50, NULL },
};

START_TEST(test_psl_finds_the_organizational_domain)
{
	struct psl *p = psl_parse(small_list, sizeof(small_list) - 1);
	const char *name = psl_cases[_i].name;
	long at;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(psl_nrules(p), 6);
	at = psl_org_domain(p, name);
	if (psl_cases[_i].org == NULL)
		ck_assert_msg(at == -1, "%s: %ld", name, at);
	else
		ck_assert_msg(at >= 0 && strcmp(name + at,
		    psl_cases[_i].org) == 0, "%s: %ld", name, at);
	psl_free(p);
}
END_TEST

/* Debian's list, as check and rotate read it: a multi-label suffix. */
START_TEST(test_debians_list_gives_example_co_uk)
{
	const char *path = "/usr/share/publicsuffix/public_suffix_list.dat";
	struct config cfg;
	struct psl *p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.public_suffix_list = (char *)(uintptr_t)path;
	p = dmarc_psl_load(&cfg);
	ck_assert_msg(p != NULL, "install publicsuffix (%s)", path);
	ck_assert_uint_gt(psl_nrules(p), 5000);
	ck_assert_str_eq(dmarc_org(p, "mg.example.co.uk"), "example.co.uk");
	ck_assert_str_eq(dmarc_org(p, "mail.vendor.example.com"),
	    "example.com");
	ck_assert_str_eq(dmarc_org(p, "co.uk"), "co.uk");
	psl_free(p);
}
END_TEST

START_TEST(test_psl_refuses_a_list_too_large_and_takes_an_empty_one)
{
	struct psl *p;

	ck_assert_ptr_null(psl_parse("com\n", PSL_MAX_BYTES + 1));
	p = psl_parse(NULL, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(psl_org_domain(p, "a.example"), 0);
	psl_free(p);
}
END_TEST

START_TEST(test_config_warning_tells_strict_from_never)
{
	struct psl *p = psl_parse(small_list, sizeof(small_list) - 1);
	struct vendor v;
	char *w;

	memset(&v, 0, sizeof(v));
	v.name = (char *)(uintptr_t)"mg";
	v.domain = (char *)(uintptr_t)"mg.example.co.uk";
	ck_assert_ptr_null(dmarc_config_warning(p, &v));
	v.from_domain = (char *)(uintptr_t)"mg.example.co.uk";
	ck_assert_ptr_null(dmarc_config_warning(p, &v));
	v.from_domain = (char *)(uintptr_t)"example.co.uk";
	w = dmarc_config_warning(p, &v);
	ck_assert_ptr_nonnull(strstr(w, "only under adkim=r"));
	free(w);
	v.from_domain = (char *)(uintptr_t)"other.co.uk";
	w = dmarc_config_warning(p, &v);
	ck_assert_ptr_nonnull(strstr(w, "never aligns"));
	free(w);
	psl_free(p);
}
END_TEST

/* The judgement over a scripted server (one record a name). */
static const char judged_zone[] =
    "_dmarc.example.com v=DMARC1; p=reject; sp=quarantine; adkim=s\n"
    "mg.example.com v=spf1 include:big.example.net -all\n"
    "big.example.net v=spf1 a mx a mx a mx a mx a mx -all\n"
    "_dmarc.own.example.com v=DMARC1; p=none\n"
    "own.example.com v=spf1 include:small.example.net ~all\n"
    "small.example.net v=spf1 ip4:192.0.2.0/24 -all\n";

struct judged {
	char *dir;
	struct fake dns;
	struct dnsq *q;
	struct psl *psl;
	struct vendor v;
	struct dmarc_result r;
};

static void
judged_start(struct judged *j)
{
	char *zone, *spec;

	memset(j, 0, sizeof(*j));
	j->dir = tu_tmpdir();
	zone = xasprintf("%s/zone", j->dir);
	tu_spit(zone, judged_zone, sizeof(judged_zone) - 1, 0600);
	j->dns.mode = FAKE_ZONE;
	j->dns.zone = zone;
	fake_start(&j->dns);
	spec = xasprintf("127.0.0.1:%u", j->dns.port);
	ck_assert_int_eq(dnsq_new(spec, NULL, 2, &j->q), 0);
	free(spec);
	j->psl = psl_parse(small_list, sizeof(small_list) - 1);
	j->v.name = (char *)(uintptr_t)"mg";
}

static void
judged_stop(struct judged *j)
{
	free(fake_stop(&j->dns));
	free((char *)(uintptr_t)j->dns.zone);
	dnsq_free(j->q);
	psl_free(j->psl);
	dmarc_result_clear(&j->r);
	tu_rmtree(j->dir);
	free(j->dir);
}

static bool
said(const struct dmarc_result *r, bool ok, const char *what)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].ok == ok && strstr(r->f[i].what, what) != NULL)
			return true;
	return false;
}

START_TEST(test_subdomain_inherits_sp_and_11_lookups_fail_spf)
{
	char *inc[] = { (char *)(uintptr_t)"include:big.example.net" };
	struct judged j;

	judged_start(&j);
	j.v.domain = (char *)(uintptr_t)"mg.example.com";
	j.v.spf_include = inc;
	j.v.nspf_include = 1;
	dmarc_check_vendor(j.q, j.psl, &j.v, 1000, 0, &j.r);
	ck_assert_str_eq(j.r.record, "_dmarc.example.com");
	ck_assert(j.r.inherited && j.r.has_policy);
	ck_assert_int_eq(j.r.applies, DMARC_QUARANTINE);
	ck_assert_uint_eq(j.r.spf_lookups, 11);
	ck_assert_int_eq(j.r.spf, 0);
	ck_assert_int_eq(j.r.aligned, -1);
	ck_assert(said(&j.r, false, "more than 10 DNS lookups (11 counted"));
	judged_stop(&j);
}
END_TEST

START_TEST(test_from_the_org_domain_aligns_not_under_strict)
{
	struct judged j;

	judged_start(&j);
	j.v.domain = (char *)(uintptr_t)"mg.example.com";
	j.v.from_domain = (char *)(uintptr_t)"example.com";
	dmarc_check_vendor(j.q, j.psl, &j.v, 1000, 0, &j.r);
	/* the From domain's own record: p= applies, adkim=s */
	ck_assert_str_eq(j.r.record, "_dmarc.example.com");
	ck_assert(!j.r.inherited);
	ck_assert_int_eq(j.r.applies, DMARC_REJECT);
	ck_assert_int_eq(j.r.spf, -1);
	ck_assert_int_eq(j.r.aligned, 0);
	ck_assert(said(&j.r, false, "it would under adkim=r"));
	judged_stop(&j);
}
END_TEST

START_TEST(test_own_record_applies_and_old_none_warns)
{
	char *inc[] = { (char *)(uintptr_t)"include:small.example.net" };
	struct judged j;

	judged_start(&j);
	j.v.domain = (char *)(uintptr_t)"own.example.com";
	j.v.spf_include = inc;
	j.v.nspf_include = 1;
	j.v.dmarc_none_max = 86400;
	dmarc_check_vendor(j.q, j.psl, &j.v, 3 * 86400, 86400, &j.r);
	ck_assert_str_eq(j.r.record, "_dmarc.own.example.com");
	ck_assert(!j.r.inherited);
	ck_assert_int_eq(j.r.applies, DMARC_NONE);
	ck_assert_int_eq(j.r.spf, 1);
	ck_assert_uint_eq(j.r.spf_lookups, 1);
	ck_assert_int_eq(j.r.aligned, -1);
	ck_assert(!j.r.errors);
	ck_assert_uint_eq(j.r.warnings, 1);
	ck_assert(said(&j.r, true, "warning: the policy has been none since "
	    "1970-01-02T00:00:00Z"));
	dmarc_result_clear(&j.r);
	/* not yet past dmarc_none_max: no warning */
	dmarc_check_vendor(j.q, j.psl, &j.v, 86400 + 60, 86400, &j.r);
	ck_assert_uint_eq(j.r.warnings, 0);
	judged_stop(&j);
}
END_TEST

/* Without the list the organizational domain is the last two labels,
 * and the finding says so (it was an error, "unknown", before). */
START_TEST(test_without_the_list_the_org_domain_is_the_last_two_labels)
{
	struct judged j;

	judged_start(&j);
	ck_assert_str_eq(dmarc_org(NULL, "a.b.mg.example.co.uk"), "co.uk");
	ck_assert_str_eq(dmarc_org(NULL, "example.com"), "example.com");
	ck_assert_str_eq(dmarc_org(NULL, "com"), "com");
	j.v.domain = (char *)(uintptr_t)"mg.example.com";
	j.v.from_domain = (char *)(uintptr_t)"mg.example.com";
	dmarc_check_vendor(j.q, NULL, &j.v, 1000, 0, &j.r);
	ck_assert_str_eq(j.r.record, "_dmarc.example.com");
	ck_assert(j.r.inherited && j.r.has_policy && !j.r.errors);
	ck_assert(said(&j.r, true, "inherited from the organizational "
	    "domain, sp= applies; " DMARC_NO_PSL));
	judged_stop(&j);
}
END_TEST

/* No record applies: a warning, an error only with from_domain. */
START_TEST(test_no_record_warns_and_is_an_error_with_from_domain)
{
	struct judged j;

	judged_start(&j);
	j.v.domain = (char *)(uintptr_t)"mg.example.net";
	dmarc_check_vendor(j.q, j.psl, &j.v, 1000, 0, &j.r);
	ck_assert_ptr_null(j.r.record);
	ck_assert(!j.r.errors);
	ck_assert_uint_eq(j.r.warnings, 1);
	ck_assert(said(&j.r, true, "warning: no DMARC record applies to "
	    "mg.example.net: DMARC cannot pass (none at "
	    "_dmarc.mg.example.net nor at its organizational domain "
	    "_dmarc.example.net)"));
	dmarc_result_clear(&j.r);
	j.v.from_domain = (char *)(uintptr_t)"example.net";
	dmarc_check_vendor(j.q, j.psl, &j.v, 1000, 0, &j.r);
	ck_assert(j.r.errors);
	ck_assert(said(&j.r, false, "no DMARC record applies to example.net"
	    ": DMARC cannot pass (none at _dmarc.example.net)"));
	judged_stop(&j);
}
END_TEST

/* Many vendors on one domain and its subdomains: each _dmarc name is
 * asked once, and every vendor still gets the record judged. */
START_TEST(test_a_domain_is_asked_once_a_run)
{
	static const char *const doms[] = { "mg.example.com",
		"mg.example.com", "sg.example.com", "example.com",
		"own.example.com", "own.example.com" };
	struct dmarc_cache *c = dmarc_cache_new();
	struct judged j;
	char *log;
	size_t i, queries = 0;

	judged_start(&j);
	for (i = 0; i < ARRAY_LEN(doms); i++) {
		j.v.domain = (char *)(uintptr_t)doms[i];
		dmarc_judge_vendor(j.q, c, j.psl, &j.v, 1000, 0, &j.r);
		ck_assert_ptr_nonnull(j.r.record);
		ck_assert(j.r.has_policy && !j.r.errors);
		ck_assert_int_eq(j.r.inherited, strstr(doms[i], ".") !=
		    strrchr(doms[i], '.') && strncmp(doms[i], "own", 3));
		dmarc_result_clear(&j.r);
	}
	/* _dmarc. mg, sg, example.com, own: four names */
	ck_assert_uint_eq(dmarc_cache_lookups(c), 4);
	dmarc_cache_free(c);
	log = fake_stop(&j.dns);
	for (i = 0; log[i] != '\0'; i++)
		queries += log[i] == '\n';
	free(log);
	ck_assert_uint_eq(queries, 4);
	j.dns.pid = 0;
	free((char *)(uintptr_t)j.dns.zone);
	j.dns.zone = NULL;
	dnsq_free(j.q);
	psl_free(j.psl);
	tu_rmtree(j.dir);
	free(j.dir);
}
END_TEST

/* A server that timed out on q (the keys' lookup) is not waited for
 * again by the DMARC pass; other lookups still wait for it. */
START_TEST(test_dmarc_adds_no_second_wait_for_a_dead_server)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct dnsq_answer *a;
	struct dmarc_result r;
	struct vendor v;
	struct dnsq *q;
	char spec[64];
	int64_t t0;
	size_t na;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	/* bound and never read: every query times out */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", ntohs(sin.sin_port));
	ck_assert_int_eq(dnsq_new(spec, NULL, 1, &q), 0);
	t0 = util_monotonic_ms();
	ck_assert_int_eq(dnsq_txt(q, "s1._domainkey.example.com", &a, &na),
	    0);
	ck_assert(dnsq_all_unreachable(a, na));
	dnsq_answers_free(a, na);
	ck_assert_int_ge(util_monotonic_ms() - t0, 900);
	memset(&v, 0, sizeof(v));
	v.name = (char *)(uintptr_t)"dark";
	v.domain = (char *)(uintptr_t)"mg.example.com";
	t0 = util_monotonic_ms();
	dmarc_check_vendor(q, NULL, &v, 1000, 0, &r);
	ck_assert_int_lt(util_monotonic_ms() - t0, 500);
	ck_assert(r.unreachable && r.errors);
	ck_assert(said(&r, false, "earlier in this run"));
	dmarc_result_clear(&r);
	/* outside the pass every server is asked again */
	t0 = util_monotonic_ms();
	ck_assert_int_eq(dnsq_txt(q, "s2._domainkey.example.com", &a, &na),
	    0);
	dnsq_answers_free(a, na);
	ck_assert_int_ge(util_monotonic_ms() - t0, 900);
	dnsq_free(q);
	close(fd);
}
END_TEST

static Suite *
dmarc_suite(void)
{
	Suite *s = suite_create("dmarc");
	TCase *tc;

	tc = tcase_create("dmarcrec");
	tcase_add_loop_test(tc, test_dmarc_records_parse_as_the_table_says, 0,
	    (int)ARRAY_LEN(dmarc_cases));
	tcase_add_test(tc, test_only_v_dmarc1_records_count_as_dmarc_records);
	tcase_add_test(tc, test_dmarc_parse_stays_within_its_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("spfrec");
	tcase_add_loop_test(tc,
	    test_spf_records_parse_count_and_hold_as_the_table_says, 0,
	    (int)ARRAY_LEN(spf_cases));
	tcase_add_test(tc,
	    test_spf_parse_refuses_too_many_terms_and_long_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("psl");
	tcase_add_loop_test(tc, test_psl_finds_the_organizational_domain, 0,
	    (int)ARRAY_LEN(psl_cases));
	tcase_add_test(tc, test_debians_list_gives_example_co_uk);
	tcase_add_test(tc,
	    test_psl_refuses_a_list_too_large_and_takes_an_empty_one);
	tcase_add_test(tc, test_config_warning_tells_strict_from_never);
	suite_add_tcase(s, tc);

	tc = tcase_create("judgement");
	tcase_add_test(tc,
	    test_subdomain_inherits_sp_and_11_lookups_fail_spf);
	tcase_add_test(tc, test_from_the_org_domain_aligns_not_under_strict);
	tcase_add_test(tc, test_own_record_applies_and_old_none_warns);
	tcase_add_test(tc,
	    test_without_the_list_the_org_domain_is_the_last_two_labels);
	tcase_add_test(tc,
	    test_no_record_warns_and_is_an_error_with_from_domain);
	tcase_add_test(tc, test_a_domain_is_asked_once_a_run);
	tcase_add_test(tc, test_dmarc_adds_no_second_wait_for_a_dead_server);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(dmarc_suite());
}
