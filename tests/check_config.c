/*
 * check_config.c - the configuration parser: good and bad lines, FILE:LINE
 * errors, defaults, paths, domains_file expansion and the trust checks.
 */
#include <fcntl.h>
#include <stdbool.h>

#include "testutil.h"
#include "config/config.h"
#include "support/dkim.h"
#include "support/log.h"

#define VENDOR_MG "[vendor:mg]\ndomain = mg.example.com\nselector = mg%Y%m%a\n"
#define HOOK_TEXT "#!/bin/sh\nexit 0\n"
/* a 190-octet domain (issue 10: names over 253 octets) */
#define D190 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" \
    "bbbbbbb.cccccccccccccccccccccccccccccccccccccccccccccccccccc" \
    "ccccc.test"
#define X42 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define T57 X42 "xxxxxxxx%Y%m%a"

/* One config_load() in a private folder, with its standard error. */
struct run {
	char *dir;
	char path[1024];
	int rc;
	int status;
	char *err;
	unsigned nlines;
	struct config *cfg;
};

static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tu_spit(path, text, strlen(text), mode);
}

/* A folder holding hooks "hook" and "hook2", and "notexec" (0644). */
static void
run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->dir = tu_tmpdir();
	put(r->dir, "hook", HOOK_TEXT, 0755);
	put(r->dir, "hook2", HOOK_TEXT, 0755);
	put(r->dir, "notexec", HOOK_TEXT, 0644);
	snprintf(r->path, sizeof(r->path), "%s/dkimkeys.conf", r->dir);
}

static void
run_load(struct run *r, const char *path)
{
	char errpath[4200];
	const char *s;
	int fd, saved;

	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", r->dir);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	fflush(stderr);
	saved = dup(2);
	ck_assert_int_ne(dup2(fd, 2), -1);
	close(fd);
	log_status_reset();
	r->rc = config_load(path, &r->cfg);
	r->status = log_status();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	r->err = tu_slurp(errpath, NULL);
	for (s = r->err; (s = strchr(s, '\n')) != NULL; s++)
		r->nlines++;
}

/* Writes text as dkimkeys.conf (and domains.txt when given) and loads it. */
static void
run_text(struct run *r, const char *text, const char *domains)
{
	run_init(r);
	if (domains != NULL)
		put(r->dir, "domains.txt", domains, 0644);
	put(r->dir, "dkimkeys.conf", text, 0600);
	run_load(r, r->path);
}

static void
run_free(struct run *r)
{
	config_free(r->cfg);
	tu_rmtree(r->dir);
	free(r->dir);
	free(r->err);
}

/* The run failed with 78 and its first error is FILE:LINE: ...needle... */
static void
assert_error_at(
    const struct run *r, const char *file, unsigned line, const char *needle)
{
	char prefix[4200];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	ck_assert_int_eq(r->rc, -1);
	ck_assert_ptr_null(r->cfg);
	ck_assert_int_eq(r->status, EX_CONFIG);
	ck_assert_msg(strncmp(r->err, prefix, strlen(prefix)) == 0,
	    "expected prefix '%s', got '%s'", prefix, r->err);
	ck_assert_msg(strstr(r->err, needle) != NULL, "expected '%s' in '%s'",
	    needle, r->err);
}

struct bad {
	const char *conf;
	const char *domains; /* domains.txt, when not NULL */
	bool in_domains; /* the error names domains.txt, not the config */
	unsigned line;
	const char *msg;
};

static const struct bad bad[] = {
    {"[dkimkeys]\nfoo = bar\n", NULL, false, 2, "unknown key foo"},
    {"[global]\n", NULL, false, 1, "unknown section [global]"},
    {"[dkimkeys]\ndns_timeout = 5s\ndns_timeout = 6s\n", NULL, false, 3,
	"dns_timeout given twice in [dkimkeys] (first on line 2)"},
    {"[dkimkeys]\n[vendor:a]\ndomain = a.example\nselector = s%n\n"
     "[dkimkeys]\n",
	NULL, false, 5, "section [dkimkeys] given twice (first on line 1)"},
    {VENDOR_MG "[vendor:mg]\nttl = 60\n", NULL, false, 4,
	"section [vendor:mg] given twice"},
    {"[dkimkeys]\ndns_timeout = 5s\n  hook_timeout = 2m\n", NULL, false, 3,
	"indented line"},
    {"[dkimkeys]\n\tlog = stderr\n", NULL, false, 2, "indented line"},
    {"[dkimkeys]\ndns_timeout = 5x\n", NULL, false, 2,
	"dns_timeout: bad duration '5x'"},
    {"[dkimkeys]\nhook_timeout = 0\n", NULL, false, 2,
	"hook_timeout: must be more than 0"},
    {VENDOR_MG "late_after = 3 days\n", NULL, false, 4,
	"late_after: bad duration '3 days'"},
    {VENDOR_MG "stall_after = -1d\n", NULL, false, 4,
	"stall_after: bad duration '-1d'"},
    {VENDOR_MG "testing = maybe\n", NULL, false, 4,
	"testing: expected yes or no, not 'maybe'"},
    {VENDOR_MG "algorithms = dsa\n", NULL, false, 4, "unknown algorithm 'dsa'"},
    {VENDOR_MG "algorithms = rsa-512\n", NULL, false, 4,
	"rsa-512: RSA keys must have 1024 to 4096 bits"},
    {VENDOR_MG "algorithms = rsa-8192\n", NULL, false, 4,
	"rsa-8192: RSA keys must have 1024 to 4096 bits"},
    {VENDOR_MG "algorithms = rsa-2048x\n", NULL, false, 4,
	"unknown algorithm 'rsa-2048x'"},
    {VENDOR_MG "algorithms = rsa rsa-4096\n", NULL, false, 4,
	"rsa given twice"},
    {VENDOR_MG "algorithms = rsa ed25519 rsa-4096\n", NULL, false, 4,
	"algorithms: at most 2"},
    {"[vendor:mg]\ndomain = mg.example.com\nselector = mg%Y%q\n", NULL, false,
	3, "unknown token %q"},
    {"[vendor:mg]\ndomain = mg.example.com\nselector = mg%\n", NULL, false, 3,
	"unknown token %"},
    {"[vendor:mg]\ndomain = mg.example.com\nselector = MG%Y\n", NULL, false, 3,
	"'M' is not allowed"},
    {"[vendor:mg]\ndomain = mg.example.com\nselector = -%n\n", NULL, false, 3,
	"not valid selectors"},
    {"[vendor:mg]\ndomain = mg.example.com\nselector = mg%Y%m\n"
     "algorithms = rsa ed25519\n",
	NULL, false, 4, "with two algorithms the template needs %a or %n"},
    {"[dkimkeys]\npassphrase_file = pass\npassphrase_env = DK_PASS\n", NULL,
	false, 3, "passphrase_file and passphrase_env exclude"},
    {"[dkimkeys]\npassphrase_env = 1PASS\n", NULL, false, 2,
	"not a valid environment variable name"},
    {VENDOR_MG "hooks = hook\nbatch_hooks = hook2\n", NULL, false, 5,
	"hooks and batch_hooks exclude each other"},
    {VENDOR_MG "overlap = 30m\n", NULL, false, 4,
	"overlap (30m) is below ttl (1h)"},
    {VENDOR_MG "revoke_for = 1h\nttl = 7200\n", NULL, false, 5,
	"revoke_for (1h) is below ttl (2h)"},
    {VENDOR_MG "rotate_every = 2d\n", NULL, false, 4,
	"rotate_every (2d) must be longer than publish_ahead"},
    {VENDOR_MG "reveal = yes\nverify_dns = no\n", NULL, false, 5,
	"reveal = yes needs verify_dns = yes"},
    {"[vendor:Mail_Gun]\n", NULL, false, 1, "invalid vendor name 'Mail_Gun'"},
    {"[vendor:-mg]\n", NULL, false, 1, "invalid vendor name '-mg'"},
    {"[vendor:mg]\ndomain = exa_mple.com\nselector = s%n\n", NULL, false, 2,
	"'exa_mple.com' is not a valid domain name"},
    {"[vendor:mg]\ndomain = mg..example\nselector = s%n\n", NULL, false, 2,
	"'mg..example' is not a valid domain name"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n",
	"a.example\n# comment\nb.example\nA.example.\n", true, 4,
	"duplicate domain a.example (first on line 1)"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n",
	"a.example\nbad_name.example\n", true, 2,
	"invalid domain 'bad_name.example'"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n",
	"a.example b.example\n", true, 1,
	"invalid domain 'a.example b.example'"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n"
     "[vendor:mg]\ndomain = mg.example.com\nselector = mg%n\n",
	"x.example\n\nMG.example.com.\n", true, 3,
	"mg.example.com is also served by [vendor:mg]"},
    {"[vendor:c]\ndomains_file = nosuch.txt\nselector = k%n\n", NULL, false, 2,
	"nosuch.txt: No such file or directory"},
    {"[vendor:a]\ndomain = a.example\ndomains_file = domains.txt\n"
     "selector = s%n\n",
	"b.example\n", false, 3, "domain and domains_file exclude each other"},
    {"[dkimkeys]\nhook.api_key_file =\n", NULL, false, 2,
	"hook.api_key_file: empty value"},
    {VENDOR_MG "hook.zone =\n", NULL, false, 4, "hook.zone: empty value"},
    {"[vendor:mg]\ndomain = com\nselector = s%n\n", NULL, false, 2,
	"'com': a single label is a top-level domain"},
    {"[vendor:mg]\ndomain = COM.\nselector = s%n\n", NULL, false, 2,
	"'com': a single label"},
    {"[vendor:mg]\ndomain = 1.2.3.4\nselector = s%n\n", NULL, false, 2,
	"'1.2.3.4': an IP address is not a domain name"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n",
	"a.example\norg\n", true, 2, "invalid domain 'org': a single label"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n",
	"a.example\n192.0.2.1\n", true, 2,
	"invalid domain '192.0.2.1': an IP address"},
    {VENDOR_MG "algorithms = rsa-02048\n", NULL, false, 4,
	"unknown algorithm 'rsa-02048'"},
    {"[dkimkeys]\nresolver = 0.0.0.0\n", NULL, false, 2,
	"not '0.0.0.0'"},
    {"[dkimkeys]\nresolver = 192.0.2.53 [::]:5353\n", NULL, false, 2,
	"not 0.0.0.0 or ::"},
    {"[vendor:mg]\ndomain = " D190 "\nselector = " T57 "\n", NULL,
	false, 3, "SELECTOR._domainkey." D190 " can reach 259 octets "
	"(selector template up to 57), over the 253 of a DNS name"},
    {"[vendor:mg]\nselector = " X42 "%n\ndomain = " D190 "\n", NULL,
	false, 3, "can reach 254 octets"},
    {"[vendor:c]\ndomains_file = domains.txt\nselector = " T57 "\n",
	"a.example\n" D190 "\n", true, 2, "can reach 259 octets (selector "
	"template of [vendor:c] up to 57)"},
    {"[vendor:sg]\nmode = delegated\ndomain = " D190 "\nselectors = s1 "
	X42 "xxxxxxxxxx\n", NULL, false, 4, "can reach 254 octets "
	"(selectors up to 52)"},
    {"dns_timeout = 5s\n", NULL, false, 1, "outside any section"},
    {"[vendor:mg]\ndomain = mg.example.com\n", NULL, false, 1,
	"[vendor:mg] needs selector"},
    {"[vendor:mg]\nselector = s%n\n", NULL, false, 1,
	"needs domain or domains_file"},
    {"[vendor:sg]\nmode = delegated\ndomain = example.com\n"
     "selectors = s1 s2\ncname_targets = s3=s3.sendgrid.net\n",
	NULL, false, 5, "cname_targets: s3 is not in selectors"},
    {"[vendor:sg]\nmode = delegated\ndomain = example.com\n"
     "selectors = s1\nstandby_selectors = s2\n",
	NULL, false, 5, "standby_selectors: s2 is not in selectors"},
    {VENDOR_MG "from_domain = exa_mple.com\n", NULL, false, 4,
	"from_domain: 'exa_mple.com' is not a valid domain name"},
    {VENDOR_MG "spf_include = v=spf1\n", NULL, false, 4,
	"spf_include: 'v=spf1' is not an SPF mechanism"},
    {VENDOR_MG "spf_include = include:\xc3\xa9.example\n", NULL, false, 4,
	"is not an SPF mechanism"},
    {VENDOR_MG "dmarc_none_max = 0\n", NULL, false, 4,
	"dmarc_none_max: must be more than 0"},
    {"[vendor:sg]\nmode = delegated\ndomain = example.com\n"
     "selectors = s1\ncname_targets = s1\n",
	NULL, false, 5, "expected SELECTOR=TARGET, not 's1'"},
    {"[vendor:sg]\nmode = delegated\ndomain = example.com\n", NULL, false, 1,
	"[vendor:sg] is delegated and needs selectors"},
    {"[vendor:sg]\nmode = delegated\ndomain = example.com\n"
     "selectors = s1\nttl = 60\n",
	NULL, false, 5, "ttl: not used by delegated vendors"},
    {"[vendor:sg]\nmode = delegated\ndomain = example.com\n"
     "selectors = s1 S1\n",
	NULL, false, 4, "selectors: s1 listed twice"},
    {VENDOR_MG "selectors = s1\n", NULL, false, 4,
	"selectors: not used by managed vendors"},
    {VENDOR_MG "mode = manual\n", NULL, false, 4,
	"mode: expected managed or delegated"},
    {"[dkimkeys]\nresolver = 192.0.2.1:99999\n", NULL, false, 2,
	"resolver: expected"},
    {"[dkimkeys]\nresolver = system 192.0.2.1\n", NULL, false, 2,
	"resolver: expected"},
    {"[dkimkeys]\nresolver = 2001:db8::1:53x\n", NULL, false, 2,
	"resolver: expected"},
    {"[dkimkeys]\nresolver = https://\n", NULL, false, 2, "resolver: expected"},
    {VENDOR_MG "resolver = dns.example\n", NULL, false, 4,
	"resolver: expected"},
    {VENDOR_MG "ttl = -1\n", NULL, false, 4, "ttl: expected seconds"},
    {VENDOR_MG "ttl = 2147483648\n", NULL, false, 4, "ttl: expected seconds"},
    {VENDOR_MG "hooks = hook nosuchhook\n", NULL, false, 4,
	"nosuchhook: No such file or directory"},
    {VENDOR_MG "hooks = notexec\n", NULL, false, 4,
	"notexec is not an executable file"},
    {"[dkimkeys]\nhook.bad-name = x\n", NULL, false, 2,
	"hook.bad-name: the name after hook."},
    {"[dkimkeys]\nhook.Api = 1\nhook.api = 2\n", NULL, false, 3,
	"hook.api given twice"},
    {"[vendor:a]\ndomain = example.com\nselector = s%n\n"
     "[vendor:b]\ndomain = example.com\nselector = s%n\n",
	NULL, false, 6,
	"selector template s%n on example.com is also used by "
	"[vendor:a]"},
    {"[vendor:a]\ndomain = example.com\nselector = s%n\n"
     "[vendor:b]\nmode = delegated\ndomain = example.com\n"
     "selectors = x s12\n",
	NULL, false, 7,
	"selector s12 of [vendor:b] on example.com can also come from "
	"the template s%n of [vendor:a]"},
    {"[vendor:a]\nmode = delegated\ndomain = example.com\n"
     "selectors = s2024r\n[vendor:b]\ndomain = example.com\n"
     "selector = s%Y%a\n",
	NULL, false, 7,
	"selector s2024r of [vendor:a] on example.com can also come"},
    {"[vendor:a]\nmode = delegated\ndomain = example.com\n"
     "selectors = s1\n[vendor:b]\nmode = delegated\n"
     "domain = example.com\nselectors = s2 s1\n",
	NULL, false, 8,
	"selector s1 on example.com is also listed by [vendor:a]"},
    {"[dkimkeys]\njunk\n", NULL, false, 2, "expected KEY = VALUE"},
    {"[dkimkeys]\nlog: stderr\n", NULL, false, 2, "expected KEY = VALUE"},
    {"[dkimkeys]\nlog ; = stderr\n", NULL, false, 2, "expected KEY = VALUE"},
    {"[dkimkeys]\n= stderr\n", NULL, false, 2, "unknown key"},
    {"[dkimkeys]\ndomain = example.com\n", NULL, false, 2,
	"domain belongs in [vendor:NAME] sections"},
    {VENDOR_MG "keystore = ks\n", NULL, false, 4,
	"keystore belongs in the [dkimkeys] section"},
    {"[dkimkeys] x\n", NULL, false, 1, "text after ]"},
    {"[dkimkeys\n", NULL, false, 1, "section header without ]"},
    {"[dkimkeys]\nlog =\n", NULL, false, 2, "log: missing value"},
    {"[dkimkeys]\nkeystore = etcd://\n", NULL, false, 2,
	"is not etcd://HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:2379\n", NULL, false, 2,
	"is not etcd://HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:2379/\n", NULL, false, 2,
	"is not etcd://HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:2379/a b\n", NULL, false, 2,
	"is not etcd://HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:2379/a//b\n", NULL, false, 2,
	"is not etcd://HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:2379,/dk\n", NULL, false, 2,
	"keystore: '' is not HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:0/dk\n", NULL, false, 2,
	"keystore: 'h:0' is not HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://a:b:1/dk\n", NULL, false, 2,
	"keystore: 'a:b:1' is not HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://h:1,[::1/dk\n", NULL, false, 2,
	"keystore: '[::1' is not HOST:PORT"},
    {"[dkimkeys]\nkeystore = etcd://user@h:1/dk\n", NULL, false, 2,
	"keystore: 'user@h:1' is not HOST:PORT"},
    {"[dkimkeys]\netcd_ca = ca.pem\n", NULL, false, 2,
	"etcd_ca: only for keystore = etcd://"},
    {"[dkimkeys]\nkeystore = etcd://h:1/dk\netcd_cert = c.pem\n", NULL,
	false, 3, "etcd_cert and etcd_key go together"},
    {"[dkimkeys]\nkeystore = etcd://h:1/dk\netcd_user = dk\n", NULL,
	false, 3, "etcd_user and etcd_password_file go together"},
};

START_TEST(test_bad_line_is_reported_at_its_line)
{
	const struct bad *b = &bad[_i];
	char domains[1200];
	struct run r;

	run_text(&r, b->conf, b->domains);
	snprintf(domains, sizeof(domains), "%s/domains.txt", r.dir);
	assert_error_at(&r, b->in_domains ? domains : r.path, b->line, b->msg);
	ck_assert_msg(
	    r.nlines == 1, "case %d: one error expected, got: %s", _i, r.err);
	run_free(&r);
}
END_TEST

/* Configs that must load without a word. */
static const char *const good[] = {
    "",
    "; comment\n# comment\n\n   \n[dkimkeys]\n   ; indented comment\n",
    "[dkimkeys]\r\nlog = stderr\r\n",
    "\xef\xbb\xbf[dkimkeys]\nlog = stderr\n",
    "[dkimkeys]\nresolver = 192.0.2.1 192.0.2.2:5353 [2001:db8::1]:53 "
    "2001:db8::2 [::1]\n",
    "[dkimkeys]\nresolver = https://dns.example/dns-query\n",
    "[dkimkeys]\nresolver = system\n",
    "[dkimkeys]\nlog = dkimkeys.log\nhook_user = dkimkeys\n",
    "[dkimkeys]\npassphrase_env = DKIMKEYS_PASS\nresolver_ca = ca.pem\n",
    "[dkimkeys]\ndns_timeout = 30s\nhook_timeout = 15m\n"
    "batch_hook_timeout = 1h\nmax_clock_jump = 2w\n",
    VENDOR_MG "algorithms = rsa-1024\n",
    VENDOR_MG "algorithms = ed25519\n",
    VENDOR_MG "algorithms = rsa\n",
    "[vendor:mg]\ndomain = mg.example.com\nselector = k%Y%m%d%H%j%a\n"
    "algorithms = ed25519 rsa-4096\n",
    "[vendor:mg]\ndomain = mg.example.com\nselector = s%n.x\n"
    "algorithms = rsa ed25519\n",
    VENDOR_MG "ttl = 0\n",
    VENDOR_MG "ttl = 300\noverlap = 5m\nrevoke_for = 300s\n",
    VENDOR_MG "testing = true\nreveal = on\nverify_dns = 1\n",
    VENDOR_MG "hooks = hook hook2\nhook.api_key_file = /etc/x ; c\n",
    VENDOR_MG "batch_hooks = hook\nrotate_spread = 30d\n",
    VENDOR_MG "late_after = 0\nstall_after = 6h\n",
    VENDOR_MG "rotate_every = 90d\npublish_ahead = 3d\ngenerate_margin = "
	      "0\n",
    VENDOR_MG "mode = managed\nresolver = 192.0.2.1\n",
    "[vendor:sg]\nmode = delegated\ndomain = example.com\n"
    "selectors = s1 s2\ncname_targets = s1=s1.domainkey.u1.wl.net. "
    "s2=s2.x.net\nstandby_selectors = s2\n",
    "[vendor:a]\ndomain = example.com\nselector = a%n\n"
    "[vendor:b]\ndomain = example.com\nselector = b%n\n"
    "[vendor:c]\nmode = delegated\ndomain = example.com\n"
    "selectors = s1 a\n",
    "[vendor:a]\ndomain = a.example\nselector = s%n\n"
    "[vendor:b]\ndomain = b.example\nselector = s%n\n",
};

START_TEST(test_good_config_loads_silently)
{
	struct run r;

	run_text(&r, good[_i], NULL);
	ck_assert_msg(r.rc == 0, "case %d: %s", _i, r.err);
	ck_assert_ptr_nonnull(r.cfg);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.err, "");
	run_free(&r);
}
END_TEST

START_TEST(test_an_etcd_keystore_gives_its_members_and_prefix)
{
	struct run r;
	char want[4200];

	run_text(&r, "[dkimkeys]\nkeystore = etcd://10.0.0.1:2379,"
	    "[fd00::2]:2379,etcd-3.example:2379/mail/dkim\n"
	    "etcd_ca = ca.pem\netcd_cert = c.pem\netcd_key = c.key\n"
	    "etcd_user = dkimkeys\netcd_password_file = etcd.pass\n"
	    VENDOR_MG, NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.cfg->keystore, "etcd://10.0.0.1:2379,"
	    "[fd00::2]:2379,etcd-3.example:2379/mail/dkim");
	ck_assert_str_eq(r.cfg->etcd_endpoints,
	    "10.0.0.1:2379,[fd00::2]:2379,etcd-3.example:2379");
	ck_assert_str_eq(r.cfg->etcd_prefix, "mail/dkim/");
	snprintf(want, sizeof(want), "%s/ca.pem", r.cfg->dir);
	ck_assert_str_eq(r.cfg->etcd_ca, want);
	ck_assert_str_eq(r.cfg->etcd_user, "dkimkeys");
	run_free(&r);
	run_text(&r, "[dkimkeys]\nkeystore = etcd://h:1/dk/\n"
	    VENDOR_MG, NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.cfg->etcd_prefix, "dk/");
	run_free(&r);
	/* a folder stays a folder */
	run_text(&r, VENDOR_MG, NULL);
	ck_assert_ptr_null(r.cfg->etcd_endpoints);
	run_free(&r);
}
END_TEST

START_TEST(test_defaults_fill_unset_keys)
{
	const struct vendor *v;
	struct run r;

	run_text(&r, VENDOR_MG, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(r.cfg->keystore, "/var/lib/dkimkeys");
	ck_assert_str_eq(r.cfg->resolver, "authoritative");
	ck_assert_str_eq(r.cfg->log, "syslog");
	ck_assert_ptr_null(r.cfg->passphrase_file);
	ck_assert_ptr_null(r.cfg->passphrase_env);
	ck_assert_ptr_null(r.cfg->hook_user);
	ck_assert_int_eq(r.cfg->dns_timeout, 5);
	ck_assert_int_eq(r.cfg->hook_timeout, 120);
	ck_assert_int_eq(r.cfg->batch_hook_timeout, 1800);
	ck_assert_int_eq(r.cfg->max_clock_jump, 30 * 86400);
	ck_assert_uint_eq(r.cfg->nvendors, 1);
	v = &r.cfg->vendors[0];
	ck_assert_str_eq(v->name, "mg");
	ck_assert_str_eq(v->section, "mg");
	ck_assert_uint_eq(v->line, 1);
	ck_assert_int_eq(v->mode, MODE_MANAGED);
	ck_assert_uint_eq(v->nalgs, 1);
	ck_assert_int_eq(v->algs[0].alg, DK_ALG_RSA);
	ck_assert_uint_eq(v->algs[0].bits, 2048);
	ck_assert_int_eq(v->rotate_every, 180 * 86400);
	ck_assert_int_eq(v->publish_ahead, 48 * 3600);
	ck_assert_int_eq(v->generate_margin, 86400);
	ck_assert_int_eq(v->overlap, 7 * 86400);
	ck_assert_int_eq(v->revoke_for, 30 * 86400);
	ck_assert_int_eq(v->rotate_spread, 0);
	ck_assert_int_eq(v->late_after, 3 * 86400);
	ck_assert_int_eq(v->stall_after, 86400);
	ck_assert_uint_eq(v->ttl, 3600);
	ck_assert(!v->testing);
	ck_assert(!v->reveal);
	ck_assert(v->verify_dns);
	ck_assert_ptr_null(v->resolver);
	ck_assert_ptr_null(v->domains_file);
	ck_assert_uint_eq(v->nhooks + v->nbatch_hooks + v->nhookvars, 0);
	run_free(&r);
}
END_TEST

START_TEST(test_values_are_stored_normalized)
{
	const struct vendor *v;
	struct run r;

	run_text(&r,
	    "[dkimkeys]\nresolver = 192.0.2.1   [::1]:53\n"
	    "hook.Server_Name = ns1\n"
	    "[vendor:mg]\ndomain = MG.Example.COM.\nselector = s%n%a\n"
	    "algorithms = ed25519 rsa-3072\nttl = 300\ntesting = yes\n"
	    "hook.API = k\n"
	    "[vendor:sg]\nmode = delegated\ndomain = example.com\n"
	    "selectors = s1\ncname_targets = s1=S1.Example.NET.\n",
	    NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.cfg->resolver, "192.0.2.1 [::1]:53");
	ck_assert_uint_eq(r.cfg->nhookvars, 1);
	ck_assert_str_eq(r.cfg->hookvars[0].name, "server_name");
	ck_assert_str_eq(r.cfg->hookvars[0].value, "ns1");
	v = config_vendor(r.cfg, "mg");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->domain, "mg.example.com");
	ck_assert_uint_eq(v->nalgs, 2);
	ck_assert_int_eq(v->algs[0].alg, DK_ALG_ED25519);
	ck_assert_uint_eq(v->algs[0].bits, 256);
	ck_assert_int_eq(v->algs[1].alg, DK_ALG_RSA);
	ck_assert_uint_eq(v->algs[1].bits, 3072);
	ck_assert_uint_eq(v->ttl, 300);
	ck_assert(v->testing);
	ck_assert_uint_eq(v->nhookvars, 1);
	ck_assert_str_eq(v->hookvars[0].name, "api");
	v = config_vendor(r.cfg, "sg");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->mode, MODE_DELEGATED);
	ck_assert_uint_eq(v->ncname_targets, 1);
	ck_assert_str_eq(v->cname_targets[0].selector, "s1");
	ck_assert_str_eq(v->cname_targets[0].target, "s1.example.net");
	ck_assert_ptr_null(config_vendor(r.cfg, "nosuch"));
	run_free(&r);
}
END_TEST

START_TEST(test_inline_comment_needs_a_blank_before_the_semicolon)
{
	const struct vendor *v;
	struct run r;

	run_text(&r,
	    "[vendor:mg]                ; the section\n"
	    "domain = mg.example.com    ; a comment\n"
	    "selector = mg%n\t; a comment after a tab\n"
	    "hook.token = a;b\n",
	    NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	v = &r.cfg->vendors[0];
	ck_assert_str_eq(v->domain, "mg.example.com");
	ck_assert_str_eq(v->selector, "mg%n");
	ck_assert_str_eq(v->hookvars[0].value, "a;b");
	run_free(&r);
}
END_TEST

START_TEST(test_hash_after_a_value_is_not_a_comment)
{
	struct run r;

	run_text(&r,
	    "[vendor:mg]\ndomain = mg.example.com # note\n"
	    "selector = s%n\n",
	    NULL);
	assert_error_at(&r, r.path, 2,
	    "'mg.example.com # note' is not a "
	    "valid domain name");
	run_free(&r);
}
END_TEST

/* A line of n octets: "hook.x = " and filler. */
static char *
line_of(size_t n)
{
	char *s = malloc(n + 32);

	ck_assert_ptr_nonnull(s);
	strcpy(s, "[dkimkeys]\nhook.x = ");
	memset(s + 20, 'a', n - 9);
	strcpy(s + 11 + n, "\nlog = stderr\n");
	return s;
}

START_TEST(test_line_of_199_octets_is_accepted)
{
	char *text = line_of(199);
	struct run r;

	run_text(&r, text, NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(strlen(r.cfg->hookvars[0].value), 199 - 9);
	ck_assert_str_eq(r.cfg->log, "stderr");
	run_free(&r);
	free(text);
}
END_TEST

START_TEST(test_line_over_199_octets_is_refused)
{
	size_t n[] = {200, 201, 300, 5000};
	size_t i;
	char *text;
	struct run r;

	for (i = 0; i < ARRAY_LEN(n); i++) {
		text = line_of(n[i]);
		run_text(&r, text, NULL);
		assert_error_at(&r, r.path, 2, "line longer than 199 octets");
		/* inih did not split it: one error, no garbage keys */
		ck_assert_uint_eq(r.nlines, 1);
		run_free(&r);
		free(text);
	}
}
END_TEST

START_TEST(test_nul_byte_in_a_line_is_refused)
{
	static const char text[] = "[dkimkeys]\nlog = stderr\0junk\n";
	struct run r;

	run_init(&r);
	tu_spit(r.path, text, sizeof(text) - 1, 0600);
	run_load(&r, r.path);
	assert_error_at(&r, r.path, 2, "line contains a NUL byte");
	ck_assert_uint_eq(r.nlines, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_every_error_is_reported_before_failing)
{
	static const char text[] =
	    "[dkimkeys]\n" /* 1 */
	    "dns_timeout = soon\n" /* 2 bad duration */
	    "color = blue\n" /* 3 unknown key */
	    "  log = stderr\n" /* 4 indented */
	    "[vendor:mg]\n" /* 5 */
	    "domain = mg.example.com\n" /* 6 */
	    "selector = mg%Y%x\n" /* 7 bad token */
	    "testing = perhaps\n" /* 8 bad bool */
	    "testing = no\n" /* 9 duplicate */
	    "[weird]\n" /* 10 unknown section */
	    "ignored = 1\n" /* 11 skipped with its section */
	    "[vendor:x]\n" /* 12 neither domain nor file */
	    "selector = x%n\n"; /* 13 */
	static const unsigned lines[] = {2, 3, 4, 7, 8, 9, 10, 12};
	char want[4200];
	const char *s;
	struct run r;
	size_t i;

	run_text(&r, text, NULL);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.status, EX_CONFIG);
	ck_assert_msg(r.nlines == ARRAY_LEN(lines), "%s", r.err);
	for (s = r.err, i = 0; i < ARRAY_LEN(lines); i++) {
		snprintf(want, sizeof(want), "%s:%u: ", r.path, lines[i]);
		ck_assert_msg(strncmp(s, want, strlen(want)) == 0,
		    "error %zu: expected '%s' in '%s'", i, want, r.err);
		s = strchr(s, '\n') + 1;
	}
	run_free(&r);
}
END_TEST

START_TEST(test_relative_paths_resolve_against_the_config_folder)
{
	char path[1200], want[4200];
	struct run r;

	run_init(&r);
	snprintf(path, sizeof(path), "%s/etc", r.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/hooks", r.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put(r.dir, "hooks/h", HOOK_TEXT, 0755);
	put(r.dir, "etc/domains.txt", "a.example\n", 0644);
	put(r.dir, "etc/dkimkeys.conf",
	    "[dkimkeys]\n"
	    "keystore = ../keystore/store\npassphrase_file = pass\n"
	    "resolver_ca = ./ca.pem\nlog = ../log/dkimkeys.log\n"
	    "[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n"
	    "hooks = ../hooks/h /bin/true\n",
	    0600);
	/* a relative config path, and a detour through the hooks folder */
	ck_assert_int_eq(chdir(r.dir), 0);
	run_load(&r, "hooks/../etc/dkimkeys.conf");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(want, sizeof(want), "%s/etc", r.dir);
	ck_assert_str_eq(r.cfg->dir, want);
	snprintf(want, sizeof(want), "%s/etc/dkimkeys.conf", r.dir);
	ck_assert_str_eq(r.cfg->path, want);
	snprintf(want, sizeof(want), "%s/keystore/store", r.dir);
	ck_assert_str_eq(r.cfg->keystore, want);
	snprintf(want, sizeof(want), "%s/etc/pass", r.dir);
	ck_assert_str_eq(r.cfg->passphrase_file, want);
	snprintf(want, sizeof(want), "%s/etc/ca.pem", r.dir);
	ck_assert_str_eq(r.cfg->resolver_ca, want);
	snprintf(want, sizeof(want), "%s/log/dkimkeys.log", r.dir);
	ck_assert_str_eq(r.cfg->log, want);
	snprintf(want, sizeof(want), "%s/etc/domains.txt", r.dir);
	ck_assert_str_eq(r.cfg->vendors[0].domains_file, want);
	ck_assert_uint_eq(r.cfg->vendors[0].nhooks, 2);
	snprintf(want, sizeof(want), "%s/hooks/h", r.dir);
	ck_assert_str_eq(r.cfg->vendors[0].hooks[0], want);
	ck_assert_str_eq(r.cfg->vendors[0].hooks[1], "/bin/true");
	run_free(&r);
}
END_TEST

START_TEST(test_domains_file_expands_to_one_vendor_per_domain)
{
	const struct vendor *v;
	char file[1200];
	struct run r;

	run_text(&r,
	    VENDOR_MG
	    "[vendor:cust]\ndomains_file = domains.txt\n"
	    "selector = k%Y%a\nalgorithms = rsa ed25519\nhooks = hook\n"
	    "hook.zone = z\nfrom_domain = esp.example\n"
	    "spf_include = include:esp.example ip4:192.0.2.1\n"
	    "[vendor:sg]\nmode = delegated\ndomain = example.com\n"
	    "selectors = s1\n",
	    "# customers\n\nShop.Example.NET.\n  b.example  # trailing\n"
	    "xn--bcher-kva.example\n");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	snprintf(file, sizeof(file), "%s/domains.txt", r.dir);
	ck_assert_uint_eq(r.cfg->nvendors, 5);
	ck_assert_str_eq(r.cfg->vendors[0].name, "mg");
	v = &r.cfg->vendors[1];
	ck_assert_str_eq(v->name, "cust/shop.example.net");
	ck_assert_str_eq(v->section, "cust");
	ck_assert_str_eq(v->domain, "shop.example.net");
	ck_assert_str_eq(v->domains_file, file);
	ck_assert_uint_eq(v->domains_line, 3);
	ck_assert_uint_eq(v->line, 4);
	ck_assert_str_eq(v->selector, "k%Y%a");
	ck_assert_uint_eq(v->nalgs, 2);
	ck_assert_uint_eq(v->nhooks, 1);
	ck_assert_str_eq(v->hookvars[0].value, "z");
	ck_assert_str_eq(v->from_domain, "esp.example");
	ck_assert_uint_eq(v->nspf_include, 2);
	ck_assert_str_eq(r.cfg->vendors[2].spf_include[1], "ip4:192.0.2.1");
	ck_assert_str_eq(r.cfg->vendors[2].from_domain, "esp.example");
	ck_assert_str_eq(r.cfg->vendors[2].name, "cust/b.example");
	ck_assert_uint_eq(r.cfg->vendors[2].domains_line, 4);
	ck_assert_str_eq(r.cfg->vendors[3].name, "cust/xn--bcher-kva.example");
	ck_assert_uint_eq(r.cfg->vendors[3].domains_line, 5);
	ck_assert_str_eq(r.cfg->vendors[4].name, "sg");
	ck_assert_ptr_eq(
	    config_vendor(r.cfg, "cust/b.example"), &r.cfg->vendors[2]);
	ck_assert_ptr_null(config_vendor(r.cfg, "cust"));
	run_free(&r);
}
END_TEST

START_TEST(test_domains_file_reports_every_bad_line_at_its_own_line)
{
	char file[1200], want[4200];
	struct run r;

	run_text(&r,
	    "[vendor:a]\ndomain = taken.example\nselector = a%n\n"
	    "[vendor:c]\ndomains_file = domains.txt\nselector = k%n\n",
	    "ok.example\nb@d.example\nok.example.\ntaken.example\n"
	    "\xc3\xa9t\xc3\xa9.example\n");
	snprintf(file, sizeof(file), "%s/domains.txt", r.dir);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.status, EX_CONFIG);
	ck_assert_msg(r.nlines == 4, "%s", r.err);
	snprintf(
	    want, sizeof(want), "%s:2: invalid domain 'b@d.example'", file);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	snprintf(want, sizeof(want),
	    "%s:3: duplicate domain ok.example "
	    "(first on line 1)",
	    file);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	snprintf(want, sizeof(want),
	    "%s:4: taken.example is also served by "
	    "[vendor:a] (%s:2)",
	    file, r.path);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	snprintf(want, sizeof(want), "%s:5: invalid domain", file);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_two_domains_files_may_not_share_a_domain)
{
	char want[4200];
	struct run r;

	run_init(&r);
	put(r.dir, "one.txt", "a.example\nshared.example\n", 0644);
	put(r.dir, "two.txt", "shared.example\n", 0644);
	put(r.dir, "dkimkeys.conf",
	    "[vendor:one]\ndomains_file = one.txt\n"
	    "selector = o%n\n[vendor:two]\ndomains_file = two.txt\n"
	    "selector = t%n\n",
	    0600);
	run_load(&r, r.path);
	snprintf(want, sizeof(want), "%s/two.txt", r.dir);
	assert_error_at(&r, want, 1,
	    "shared.example is also served by "
	    "[vendor:one]");
	ck_assert_uint_eq(r.nlines, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_group_writable_config_is_refused_with_77)
{
	char want[4200];
	struct run r;

	run_init(&r);
	put(r.dir, "dkimkeys.conf", "[dkimkeys]\n", 0664);
	run_load(&r, r.path);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_ptr_null(r.cfg);
	ck_assert_int_eq(r.status, EX_NOPERM);
	snprintf(want, sizeof(want),
	    "config: %s: it is group- or "
	    "world-writable",
	    r.path);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_world_writable_folder_above_the_config_is_refused)
{
	char sub[1200];
	struct run r;

	run_init(&r);
	snprintf(sub, sizeof(sub), "%s/etc", r.dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	put(r.dir, "etc/dkimkeys.conf", "[dkimkeys]\n", 0600);
	snprintf(r.path, sizeof(r.path), "%s/etc/dkimkeys.conf", r.dir);
	run_load(&r, r.path);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.status, EX_NOPERM);
	ck_assert_msg(
	    strstr(r.err, "folder ") != NULL && strstr(r.err, sub) != NULL,
	    "%s", r.err);
	/* sticky and owned by root, like /tmp: fine */
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(sub, 01777), 0);
		free(r.err);
		r.err = NULL;
		r.nlines = 0;
		run_load(&r, r.path);
		ck_assert_msg(r.rc == 0, "%s", r.err);
	}
	run_free(&r);
}
END_TEST

START_TEST(test_untrusted_hook_and_domains_file_are_refused_with_77)
{
	struct run r;

	run_init(&r);
	put(r.dir, "domains.txt", "a.example\n", 0666);
	put(r.dir, "bad-hook", HOOK_TEXT, 0775);
	put(r.dir, "dkimkeys.conf",
	    "[vendor:c]\ndomains_file = domains.txt\n"
	    "selector = k%n\nhooks = bad-hook\n",
	    0600);
	run_load(&r, r.path);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.status, EX_NOPERM);
	ck_assert_msg(r.nlines == 2, "%s", r.err);
	ck_assert_msg(strstr(r.err, "dkimkeys.conf:4: ") != NULL &&
		strstr(r.err, "/bad-hook: it is group- or world-writable") !=
		    NULL,
	    "%s", r.err);
	ck_assert_msg(strstr(r.err, "dkimkeys.conf:2: ") != NULL &&
		strstr(r.err, "/domains.txt: it is group- or world-writable") !=
		    NULL,
	    "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_config_owned_by_another_user_is_refused)
{
	struct run r;

	if (geteuid() != 0)
		return; /* only root can give a file away */
	run_init(&r);
	put(r.dir, "dkimkeys.conf", "[dkimkeys]\n", 0600);
	ck_assert_int_eq(chown(r.path, 65534, 65534), 0);
	run_load(&r, r.path);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.status, EX_NOPERM);
	ck_assert_msg(strstr(r.err, "owned by uid 65534") != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_symlink_into_an_untrusted_folder_is_refused)
{
	char sub[1200], link[1200];
	struct run r;

	run_init(&r);
	snprintf(sub, sizeof(sub), "%s/open", r.dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	put(r.dir, "open/real.conf", "[dkimkeys]\n", 0600);
	snprintf(link, sizeof(link), "%s/open/real.conf", r.dir);
	ck_assert_int_eq(symlink(link, r.path), 0);
	run_load(&r, r.path);
	ck_assert_int_eq(r.status, EX_NOPERM);
	ck_assert_msg(strstr(r.err, sub) != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_missing_config_file_is_a_config_error)
{
	struct run r;

	run_init(&r);
	run_load(&r, r.path);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.status, EX_CONFIG);
	ck_assert_msg(
	    strstr(r.err, "cannot open: No such file") != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_folder_as_config_is_a_config_error)
{
	struct run r;

	run_init(&r);
	run_load(&r, r.dir);
	ck_assert_int_eq(r.status, EX_CONFIG);
	ck_assert_msg(strstr(r.err, "not a regular file") != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

/* A record name of exactly 253 octets at its widest is fine. */
START_TEST(test_a_name_of_253_octets_at_most_is_accepted)
{
	struct run r;
	char text[600];

	/* 190 + 12 + 41 + a counter of up to 10 digits */
	snprintf(text, sizeof(text), "[vendor:mg]\ndomain = %s\nselector = "
	    "%.41s%%n\n", D190, X42);
	run_text(&r, text, NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	run_free(&r);
}
END_TEST

/* open() of a FIFO would block until a writer came: refused at once. */
START_TEST(test_fifo_as_config_is_refused_at_once)
{
	struct run r;

	run_init(&r);
	ck_assert_int_eq(mkfifo(r.path, 0600), 0);
	run_load(&r, r.path);
	ck_assert_int_eq(r.status, EX_CONFIG);
	ck_assert_msg(strstr(r.err, "not a regular file") != NULL, "%s", r.err);
	run_free(&r);
}
END_TEST

START_TEST(test_fifo_as_domains_file_is_refused_at_once)
{
	struct run r;
	char path[1100];

	run_init(&r);
	snprintf(path, sizeof(path), "%s/domains.txt", r.dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	put(r.dir, "dkimkeys.conf", "[vendor:c]\ndomains_file = domains.txt\n"
	    "selector = k%n\n", 0600);
	run_load(&r, r.path);
	assert_error_at(&r, r.path, 2, "domains.txt: not a regular file");
	run_free(&r);
}
END_TEST

START_TEST(test_config_path_prefers_option_then_environment)
{
	ck_assert_int_eq(unsetenv("DKIMKEYS_CONFIG"), 0);
	ck_assert_str_eq(config_path(NULL), CONFIG_DEFAULT_PATH);
	ck_assert_str_eq(config_path("x.conf"), "x.conf");
	ck_assert_int_eq(setenv("DKIMKEYS_CONFIG", "/env.conf", 1), 0);
	ck_assert_str_eq(config_path(NULL), "/env.conf");
	ck_assert_str_eq(config_path("x.conf"), "x.conf");
	ck_assert_int_eq(setenv("DKIMKEYS_CONFIG", "", 1), 0);
	ck_assert_str_eq(config_path(NULL), CONFIG_DEFAULT_PATH);
}
END_TEST

START_TEST(test_spec_example_loads)
{
	char path[1200], want[4200], *text;
	const struct vendor *v;
	struct run r;
	size_t len;

	run_init(&r);
	snprintf(path, sizeof(path), "%s/etc", r.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/hooks", r.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put(r.dir, "hooks/nsupdate", HOOK_TEXT, 0755);
	put(r.dir, "hooks/mailgun", HOOK_TEXT, 0755);
	put(r.dir, "hooks/zonefile", HOOK_TEXT, 0755);
	text = tu_slurp(TEST_SRCDIR "/data/config/spec-example.conf", &len);
	snprintf(r.path, sizeof(r.path), "%s/etc/dkimkeys.conf", r.dir);
	tu_spit(r.path, text, len, 0600);
	free(text);
	text = tu_slurp(TEST_SRCDIR "/data/config/customers.txt", &len);
	snprintf(path, sizeof(path), "%s/etc/customers.txt", r.dir);
	tu_spit(path, text, len, 0644);
	free(text);
	run_load(&r, r.path);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_str_eq(r.err, "");
	snprintf(want, sizeof(want), "%s/keystore/store", r.dir);
	ck_assert_str_eq(r.cfg->keystore, want);
	ck_assert_str_eq(r.cfg->passphrase_file, "/etc/dkimkeys/pass");
	ck_assert_str_eq(r.cfg->resolver_ca, "/etc/ssl/dns-ca.pem");
	ck_assert_str_eq(r.cfg->hookvars[0].name, "nsupdate_server");
	ck_assert_str_eq(r.cfg->hookvars[0].value, "192.0.2.53");
	ck_assert_uint_eq(r.cfg->nvendors, 5);
	v = config_vendor(r.cfg, "mailgun");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->selector, "mg%Y%m%a");
	ck_assert_int_eq(v->rotate_every, 90 * 86400);
	ck_assert_uint_eq(v->nhooks, 2);
	snprintf(want, sizeof(want), "%s/hooks/mailgun", r.dir);
	ck_assert_str_eq(v->hooks[1], want);
	ck_assert_str_eq(v->hookvars[0].value, "/etc/dkimkeys/mailgun.key");
	ck_assert_str_eq(v->from_domain, "example.com");
	ck_assert_uint_eq(v->nspf_include, 1);
	ck_assert_str_eq(v->spf_include[0], "include:mailgun.org");
	ck_assert_int_eq(v->dmarc_none_max, 0);
	ck_assert_str_eq(r.cfg->public_suffix_list,
	    "/usr/share/publicsuffix/public_suffix_list.dat");
	ck_assert_ptr_nonnull(
	    config_vendor(r.cfg, "customers/shop.example.net"));
	ck_assert_ptr_nonnull(
	    config_vendor(r.cfg, "customers/news.example.org"));
	v = config_vendor(r.cfg, "customers/xn--bcher-kva.example");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->rotate_spread, 30 * 86400);
	ck_assert_uint_eq(v->nbatch_hooks, 1);
	v = config_vendor(r.cfg, "sendgrid");
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->nselectors, 2);
	ck_assert_str_eq(
	    v->cname_targets[1].target, "s2.domainkey.u123.wl.sendgrid.net");
	run_free(&r);
}
END_TEST

/* inih truncates section names over 49 octets; the reader keeps them. */
START_TEST(test_long_vendor_names_are_kept_whole)
{
	char text[512], name[64];
	struct run r;

	memset(name, 'v', 63);
	name[63] = '\0';
	snprintf(text, sizeof(text),
	    "[vendor:%s]\ndomain = a.example\nselector = s%%n\n"
	    "[vendor:%.49s]\ndomain = b.example\nselector = t%%n\n",
	    name, name);
	run_text(&r, text, NULL);
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_uint_eq(r.cfg->nvendors, 2);
	ck_assert_str_eq(r.cfg->vendors[0].name, name);
	ck_assert_str_eq(r.cfg->vendors[0].domain, "a.example");
	ck_assert_uint_eq(strlen(r.cfg->vendors[1].name), 49);
	run_free(&r);
	snprintf(text, sizeof(text), "[vendor:%sv]\n", name);
	run_text(&r, text, NULL);
	assert_error_at(&r, r.path, 1, "invalid vendor name");
	run_free(&r);
}
END_TEST

START_TEST(test_config_free_accepts_null)
{
	config_free(NULL);
	ck_assert_ptr_null(config_vendor(NULL, "x"));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(
	    tc, test_bad_line_is_reported_at_its_line, 0, (int)ARRAY_LEN(bad));
	tcase_add_loop_test(
	    tc, test_good_config_loads_silently, 0, (int)ARRAY_LEN(good));
	tcase_add_test(tc, test_an_etcd_keystore_gives_its_members_and_prefix);
	tcase_add_test(tc, test_defaults_fill_unset_keys);
	tcase_add_test(tc, test_values_are_stored_normalized);
	tcase_add_test(
	    tc, test_inline_comment_needs_a_blank_before_the_semicolon);
	tcase_add_test(tc, test_hash_after_a_value_is_not_a_comment);
	tcase_add_test(tc, test_line_of_199_octets_is_accepted);
	tcase_add_test(tc, test_line_over_199_octets_is_refused);
	tcase_add_test(tc, test_nul_byte_in_a_line_is_refused);
	tcase_add_test(tc, test_every_error_is_reported_before_failing);
	tcase_add_test(
	    tc, test_relative_paths_resolve_against_the_config_folder);
	tcase_add_test(tc, test_domains_file_expands_to_one_vendor_per_domain);
	tcase_add_test(
	    tc, test_domains_file_reports_every_bad_line_at_its_own_line);
	tcase_add_test(tc, test_two_domains_files_may_not_share_a_domain);
	tcase_add_test(tc, test_group_writable_config_is_refused_with_77);
	tcase_add_test(
	    tc, test_world_writable_folder_above_the_config_is_refused);
	tcase_add_test(
	    tc, test_untrusted_hook_and_domains_file_are_refused_with_77);
	tcase_add_test(tc, test_config_owned_by_another_user_is_refused);
	tcase_add_test(tc, test_symlink_into_an_untrusted_folder_is_refused);
	tcase_add_test(tc, test_missing_config_file_is_a_config_error);
	tcase_add_test(tc, test_folder_as_config_is_a_config_error);
	tcase_add_test(tc, test_fifo_as_config_is_refused_at_once);
	tcase_add_test(tc, test_a_name_of_253_octets_at_most_is_accepted);
	tcase_add_test(tc, test_fifo_as_domains_file_is_refused_at_once);
	tcase_add_test(tc, test_config_path_prefers_option_then_environment);
	tcase_add_test(tc, test_spec_example_loads);
	tcase_add_test(tc, test_long_vendor_names_are_kept_whole);
	tcase_add_test(tc, test_config_free_accepts_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(config_suite());
}
