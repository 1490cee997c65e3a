/*
 * check_rotate.c - the rotate engine driven in-process, run after run on a
 * simulated clock, as cron would start it. Its DNS is the fake server of
 * fakedns.h answering from a zone file that the "zone" test hook keeps,
 * as nsupdate would; the "recorder", "control" and "batchrec" hooks of
 * tests/data/hooks say which events ran, with what, and whether they
 * succeed.
 */
#include "fakedns.h"
#include "testutil.h"
#include "dns/dnsrec.h"
#include "lifecycle/check.h"
#include "lifecycle/rotate.h"
#include "secret/secret.h"
#include "support/log.h"

#define T0 1772323200 /* 2026-03-01T00:00:00Z */
#define HOUR 3600
/* an Ed25519 key record none of the tests' keys has */
#define OTHER_P \
	"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* Every managed vendor but the batch section keeps these timers. */
#define TIMERS \
	"algorithms = ed25519\nrotate_every = 10d\npublish_ahead = 1d\n" \
	"generate_margin = 1d\noverlap = 2d\nrevoke_for = 2d\nttl = 300\n"

static const char conf_fmt[] =
    "[dkimkeys]\nkeystore = store\npassphrase_file = pass\n"
    "resolver = 127.0.0.1:%u\ndns_timeout = 1s\nlog = %s/log\n"
    "hook.record_dir = %s\nhook.zone_file = %s/zone\n"
    "hook.control_file = %s/control\n\n"
    /* hooks that publish: the normal case */
    "[vendor:a]\ndomain = a.test\nselector = a%%n\n" TIMERS
    "hooks = hooks/zone hooks/recorder\n\n"
    /* nothing tells DNS */
    "[vendor:nodns]\ndomain = nodns.test\nselector = n%%n\n" TIMERS
    "hooks = hooks/recorder\n\n"
    /* a hook the test makes fail, wait or succeed */
    "[vendor:flaky]\ndomain = flaky.test\nselector = f%%n\n" TIMERS
    "hooks = hooks/zone hooks/control\n\n"
    /* no DNS server answers */
    "[vendor:dark]\ndomain = dark.test\nselector = d%%n\n" TIMERS
    "resolver = 127.0.0.1:9\nhooks = hooks/zone\n\n"
    "[vendor:shops]\ndomains_file = shops.txt\nselector = s%%n\n" TIMERS
    "verify_dns = no\nbatch_hooks = hooks/batchrec\n\n"
    /* delegated: a key served straight at the selector; and one whose
     * DNS never answers */
    "[vendor:dg]\nmode = delegated\ndomain = dg.test\nselectors = s1\n\n"
    "[vendor:dgdark]\nmode = delegated\ndomain = dgdark.test\n"
    "selectors = s1\ncname_targets = s1=s1.vendor.test\n"
    "resolver = 127.0.0.1:9\n\n"
    /* the lookup before a publish: one server, and two of which the
     * second never answers */
    "[vendor:pp]\ndomain = pp.test\nselector = p%%n\n" TIMERS
    "hooks = hooks/zone\n\n"
    "[vendor:pp2]\ndomain = pp2.test\nselector = q%%n\n" TIMERS
    "resolver = 127.0.0.1:%u 127.0.0.1:9\nhooks = hooks/zone\n";

static char *dir, *zone;
static struct fake dns;
static struct config *cfg;
static struct secret *pass;
static struct ks *ks;
static struct rotate_report rep;

/* "DIR/name", malloc'd. */
static char *
at(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
put(const char *name, const char *text, mode_t mode)
{
	char *p = at(name);

	tu_spit(p, text, strlen(text), mode);
	free(p);
}

/* A file of DIR, or "" when there is none (malloc'd). */
static char *
slurp(const char *name)
{
	char *p = at(name), *text;

	text = access(p, F_OK) == 0 ? tu_slurp(p, NULL) : strdup("");
	free(p);
	return text;
}

static void
setup(void)
{
	static const char *const hooks[] = { "zone", "recorder", "control",
		"batchrec" };
	char *conf, *src, *text, *store;
	size_t i, len;

	ck_assert_int_eq(secret_setup(), 0);
	ck_assert_int_eq(keygen_setup(), 0);
	dir = tu_tmpdir();
	store = at("err");
	ck_assert_ptr_nonnull(freopen(store, "w", stderr)); /* quiet */
	free(store);
	put("pass", "rotate passphrase\n", 0600);
	put("shops.txt", "one.test\ntwo.test\nthree.test\n", 0644);
	conf = at("hooks");
	ck_assert_int_eq(mkdir(conf, 0700), 0);
	free(conf);
	for (i = 0; i < ARRAY_LEN(hooks); i++) {
		src = xasprintf(TEST_SRCDIR "/data/hooks/%s", hooks[i]);
		text = tu_slurp(src, &len);
		free(src);
		src = xasprintf("%s/hooks/%s", dir, hooks[i]);
		tu_spit(src, text, len, 0700);
		free(src);
		free(text);
	}
	dns.mode = FAKE_ZONE;
	zone = at("zone");
	dns.zone = zone;
	dns.lifetime = 100;
	fake_start(&dns);
	text = xasprintf(conf_fmt, dns.port, dir, dir, dir, dir, dns.port);
	put("dkimkeys.conf", text, 0600);
	free(text);
	conf = at("dkimkeys.conf");
	ck_assert_int_eq(config_load(conf, &cfg), 0);
	free(conf);
	pass = secret_from("rotate passphrase", 17);
	store = at("store");
	ck_assert_int_eq(ks_create(store, KS_KDF_INTERACTIVE, pass, T0,
	    true), 0); /* as init under DKIMKEYS_NOW */
	free(store);
	memset(&rep, 0, sizeof(rep));
	ks = NULL;
}

static void
teardown(void)
{
	free(fake_stop(&dns));
	free(zone);
	rotate_report_free(&rep);
	ks_close(ks);
	config_free(cfg);
	secret_free(pass);
	tu_rmtree(dir);
	free(dir);
}

static int
unlock(void *ctx)
{
	(void)ctx;
	return ks_unlocked(ks) ? 0 : ks_unlock(ks, pass);
}

/*
 * One rotate run at T0 + hours for vendor (NULL: all), the keystore opened
 * afresh as each run of the command does (locked unless dry); the report
 * is kept in rep and the keystore left open to look at. Returns
 * rotate_run's result.
 */
static int
rotate_at(int hours, const char *vendor, bool dry)
{
	struct rotate_opts o;
	struct lc lc;
	char *store = at("store"), *v = (char *)(uintptr_t)vendor;
	int rc;

	ks_close(ks);
	ks = NULL;
	rotate_report_free(&rep);
	log_status_reset();
	ck_assert_int_eq(ks_open(store, dry ? 0 : KS_LOCK, &ks), 0);
	free(store);
	memset(&lc, 0, sizeof(lc));
	lc.cfg = cfg;
	lc.ks = ks;
	lc.now = T0 + (int64_t)hours * HOUR;
	lc.simulated = true;
	memset(&o, 0, sizeof(o));
	o.vendors = &v;
	o.nvendors = vendor != NULL;
	o.dry_run = dry;
	o.jobs = 1;
	o.unlock = unlock;
	rc = rotate_run(&lc, &o, &rep);
	lc_release(&lc);
	return rc;
}

/* Whether the report has an item what whose detail holds detail (NULL:
 * any); prints the report when not. */
static bool
reported(const char *what, const char *detail)
{
	size_t i;

	for (i = 0; i < rep.n; i++)
		if (strcmp(rep.items[i].what, what) == 0 && (detail == NULL ||
		    (rep.items[i].detail != NULL &&
		    strstr(rep.items[i].detail, detail) != NULL)))
			return true;
	printf("report lacks %s: %s:\n", what, detail ? detail : "");
	for (i = 0; i < rep.n; i++)
		printf("  %s: %s: %s: %s\n", rep.items[i].vendor,
		    rep.items[i].key ? rep.items[i].key : "-",
		    rep.items[i].what, rep.items[i].detail ?
		    rep.items[i].detail : "-");
	return false;
}

/* The state of a key, or -1 when the keystore has no such key. */
static int
state(const char *sel, const char *domain)
{
	struct ks_key *k = ks_find(ks, domain, sel);

	return k != NULL ? (int)k->state : -1;
}

/* The zone with name's line (without the final dot) replaced by value,
 * or removed when value is NULL. */
static void
zone_put(const char *name, const char *value)
{
	char *text = slurp("zone"), *line, *nl;
	struct buf b = { 0 };
	size_t len = strlen(name);

	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		if (strncmp(line, name, len) != 0 || line[len] != ' ')
			buf_add(&b, line, (size_t)(nl + 1 - line));
	}
	if (value != NULL)
		buf_printf(&b, "%s %s\n", name, value);
	buf_add(&b, "", 1);
	put("zone", b.data, 0644);
	buf_free(&b);
	free(text);
}

/* The record of a stored key as the zone hook would write it. */
static char *
zone_line(const char *sel, const char *domain)
{
	struct ks_key *k = ks_find(ks, domain, sel);
	struct dnsrec rec;
	char *line;

	ck_assert_ptr_nonnull(k);
	dnsrec_make(&rec, sel, domain, 300, k->alg, k->pub, k->publen, false);
	line = xasprintf("%s._domainkey.%s %s\n", sel, domain, rec.value);
	dnsrec_clear(&rec);
	return line;
}

/* What DNS does before a run. */
enum zone_do {
	Z_KEEP = 0,
	Z_SERVE, /* serves the key's own record */
	Z_OTHER, /* serves a record with another p= at the key's name */
	Z_DROP,  /* serves nothing at the key's name */
};

/* One run of a scripted schedule and what it must leave. */
struct step {
	int hours;           /* the run's now: T0 + hours */
	enum zone_do zone;
	const char *control; /* the control hook's mode, or NULL */
	int rc, status;      /* rotate_run's result, the exit status */
	const char *sel;     /* the key looked at */
	int state;           /* its state after the run, -1: none */
	const char *what, *detail; /* an item of the report, or NULL */
};

/* The exit status main.c gives after a command returned rc: the status
 * the run recorded, else 1 for a failure. */
static int
exit_status(int rc)
{
	return log_status() != 0 ? log_status() : rc == 0 ? 0 : 1;
}

/* Plays steps against one vendor of one domain. */
static void
play(const char *vendor, const char *domain, const struct step *s, size_t n)
{
	char *name, *ctl;
	size_t i;
	int rc;

	for (i = 0; i < n; i++, s++) {
		name = xasprintf("%s._domainkey.%s", s->sel, domain);
		if (s->zone == Z_SERVE) {
			ctl = zone_line(s->sel, domain);
			*strchr(ctl, '\n') = '\0';
			zone_put(name, strchr(ctl, ' ') + 1);
			free(ctl);
		} else if (s->zone != Z_KEEP) {
			zone_put(name, s->zone == Z_OTHER ? OTHER_P : NULL);
		}
		if (s->control != NULL) {
			ctl = xasprintf("%s\n", s->control);
			put("control", ctl, 0644);
			free(ctl);
		}
		rc = rotate_at(s->hours, vendor, false);
		ck_assert_msg(rc == s->rc, "step %zu (%dh): rotate_run is not "
		    "%d", i, s->hours, s->rc);
		ck_assert_msg(exit_status(rc) == s->status, "step %zu (%dh): "
		    "exit status %d, want %d", i, s->hours, exit_status(rc),
		    s->status);
		ck_assert_msg(state(s->sel, domain) == s->state, "step %zu "
		    "(%dh): %s is %s, want %s", i, s->hours, name,
		    state(s->sel, domain) < 0 ? "absent" :
		    ks_state_name((enum ks_state)state(s->sel, domain)),
		    s->state < 0 ? "absent" :
		    ks_state_name((enum ks_state)s->state));
		ck_assert_msg(s->what == NULL || reported(s->what, s->detail),
		    "step %zu (%dh): no %s", i, s->hours, s->what);
		free(name);
	}
}

START_TEST(test_first_run_generates_and_publishes_with_the_hook_env)
{
	char ev[6][80], prev[80], fpr[2 * KS_FPR_LEN + 1], *text, *line;
	struct ks_key *k;

	ck_assert_int_eq(rotate_at(0, "a", false), 0);
	ck_assert(reported("generated", "ed25519 256"));
	ck_assert(reported("publish", NULL));
	ck_assert_ptr_nonnull(k = ks_find(ks, "a.test", "a1"));
	ck_assert_int_eq(k->state, KS_PUBLISHED);
	ck_assert_int_eq(k->published, T0);
	/* the recorder saw one publish of that key, at the run's now */
	text = slurp("events");
	ck_assert_int_eq(sscanf(text, "%79s %79s %79s %79s %79s %79s %79s",
	    ev[0], ev[1], ev[2], ev[3], ev[4], ev[5], prev), 7);
	ck_assert_str_eq(ev[0], "2026-03-01T00:00:00Z");
	ck_assert_str_eq(ev[1], "publish");
	ck_assert_str_eq(ev[2], "a1._domainkey.a.test.");
	ck_assert_uint_eq(strspn(ev[3], "0123456789abcdef"), 32);
	ck_assert_str_eq(ev[4], "ed25519");
	util_hex(k->fpr, sizeof(k->fpr), fpr);
	ck_assert_int_eq(strncmp(ev[5], "sha256:", 7), 0);
	ck_assert_str_eq(ev[5] + 7, fpr);
	ck_assert_str_eq(prev, "-");
	ck_assert_ptr_eq(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);
	/* and the zone hook got the record's value in DKIMKEYS_TXT */
	text = slurp("zone");
	line = zone_line("a1", "a.test");
	ck_assert_str_eq(text, line);
	free(line);
	free(text);
}
END_TEST

/* vendor a: every state of its first key, with DNS following the hooks;
 * publish_ahead 1d, rotate_every 10d, generate_margin 1d, overlap and
 * revoke_for 2d */
static const struct step schedule[] = {
	{ 0, Z_KEEP, NULL, 0, 0, "a1", KS_PUBLISHED, "publish", NULL },
	{ 1, Z_KEEP, NULL, 0, 0, "a1", KS_PUBLISHED, "visible", NULL },
	{ 24, Z_KEEP, NULL, 0, 0, "a1", KS_PUBLISHED, "waiting",
	    "deploy at 2026-03-02T01:00:00Z" },
	{ 25, Z_KEEP, NULL, 0, 0, "a1", KS_ACTIVE, "deploy", NULL },
	{ 216, Z_KEEP, NULL, 0, 0, "a2", -1, NULL, NULL },
	{ 217, Z_KEEP, NULL, 0, 0, "a2", KS_PUBLISHED, "generated", NULL },
	{ 218, Z_KEEP, NULL, 0, 0, "a2", KS_PUBLISHED, "visible", NULL },
	{ 264, Z_KEEP, NULL, 0, 0, "a2", KS_PUBLISHED, "waiting",
	    "deploy at 2026-03-12T01:00:00Z" },
	{ 265, Z_KEEP, NULL, 0, 0, "a2", KS_ACTIVE, "deploy",
	    "replaces a1" },
	{ 265, Z_KEEP, NULL, 0, 0, "a1", KS_RETIRED, NULL, NULL },
	{ 312, Z_KEEP, NULL, 0, 0, "a1", KS_RETIRED, NULL, NULL },
	{ 313, Z_KEEP, NULL, 0, 0, "a1", KS_RETIRED, "revoke", NULL },
	{ 314, Z_KEEP, NULL, 0, 0, "a1", KS_REVOKED, "revoked", "p= empty" },
	{ 361, Z_KEEP, NULL, 0, 0, "a1", KS_REVOKED, NULL, NULL },
	{ 362, Z_KEEP, NULL, 0, 0, "a1", KS_REVOKED, "withdraw", NULL },
	{ 363, Z_KEEP, NULL, 0, 0, "a1", KS_DESTROYED, "destroyed",
	    "private key erased" },
};

/* What the recorder must have seen over that schedule, in this order. */
static const struct {
	int hours;
	const char *event, *name, *prev;
} recorded[] = {
	{ 0, "publish", "a1._domainkey.a.test.", "-" },
	{ 25, "deploy", "a1._domainkey.a.test.", "-" },
	{ 217, "publish", "a2._domainkey.a.test.", "-" },
	{ 265, "deploy", "a2._domainkey.a.test.", "a1" },
	{ 265, "retire", "a1._domainkey.a.test.", "-" },
	{ 313, "revoke", "a1._domainkey.a.test.", "-" },
	{ 362, "withdraw", "a1._domainkey.a.test.", "-" },
	{ 363, "destroy", "a1._domainkey.a.test.", "-" },
};

START_TEST(test_a_schedule_runs_through_every_state_at_its_time)
{
	char when[UTIL_TIME_LEN], f[7][80], *text, *line, *copy;
	size_t i;

	play("a", "a.test", schedule, ARRAY_LEN(schedule));
	text = slurp("events");
	line = text;
	for (i = 0; i < ARRAY_LEN(recorded); i++) {
		ck_assert_msg(sscanf(line, "%79s %79s %79s %79s %79s %79s "
		    "%79s", f[0], f[1], f[2], f[3], f[4], f[5], f[6]) == 7,
		    "event %zu missing:\n%s", i, text);
		util_fmt_time(T0 + (int64_t)recorded[i].hours * HOUR, when);
		ck_assert_msg(strcmp(f[0], when) == 0 &&
		    strcmp(f[1], recorded[i].event) == 0 &&
		    strcmp(f[2], recorded[i].name) == 0 &&
		    strcmp(f[6], recorded[i].prev) == 0,
		    "event %zu is not %s %s at %s:\n%s", i,
		    recorded[i].event, recorded[i].name, when, text);
		line = strchr(line, '\n') + 1;
	}
	ck_assert_msg(*line == '\0', "more events:\n%s", line);
	free(text);
	/* the vendor's copy of the destroyed key is gone, not the other */
	copy = at("deployed/a1.a.test.pem");
	ck_assert_int_eq(access(copy, F_OK), -1);
	free(copy);
	copy = at("deployed/a2.a.test.pem");
	ck_assert_int_eq(access(copy, F_OK), 0);
	free(copy);
	/* the withdrawn record left DNS, the active one is served */
	text = slurp("zone");
	line = zone_line("a2", "a.test");
	ck_assert_str_eq(text, line);
	free(line);
	free(text);
}
END_TEST

/* vendor nodns: no hook tells DNS, until the test serves the record */
static const struct step unserved[] = {
	{ 0, Z_KEEP, NULL, 0, 0, "n1", KS_PUBLISHED, "publish", NULL },
	{ 1, Z_KEEP, NULL, 0, 0, "n1", KS_PUBLISHED, "waiting",
	    "not served yet: 127.0.0.1" },
	{ 48, Z_KEEP, NULL, 0, 0, "n1", KS_PUBLISHED, "waiting", "NXDOMAIN" },
	{ 49, Z_SERVE, NULL, 0, 0, "n1", KS_PUBLISHED, "visible",
	    "served by every server" },
	{ 72, Z_KEEP, NULL, 0, 0, "n1", KS_PUBLISHED, "waiting",
	    "deploy at 2026-03-04T01:00:00Z" },
	/* a failed check later clears visible_since: the wait starts over */
	{ 73, Z_DROP, NULL, 0, 0, "n1", KS_PUBLISHED, "waiting",
	    "NXDOMAIN" },
	{ 74, Z_SERVE, NULL, 0, 0, "n1", KS_PUBLISHED, "visible", NULL },
	{ 97, Z_KEEP, NULL, 0, 0, "n1", KS_PUBLISHED, "waiting",
	    "deploy at 2026-03-05T02:00:00Z" },
	{ 98, Z_KEEP, NULL, 0, 0, "n1", KS_ACTIVE, "deploy", NULL },
	/* its successor, never served, makes the vendor late at 98h + 10d
	 * + late_after (3d by default) = 410h; stalled from 338h + 1d */
	{ 290, Z_KEEP, NULL, 0, 0, "n2", KS_PUBLISHED, "generated", NULL },
	{ 338, Z_KEEP, NULL, 0, 0, "n2", KS_PUBLISHED, "waiting",
	    "NXDOMAIN" },
	{ 339, Z_KEEP, NULL, 0, 0, "n2", KS_PUBLISHED, "waiting",
	    "NXDOMAIN" },
	{ 410, Z_KEEP, NULL, 0, 0, "n2", KS_PUBLISHED, "stalled",
	    "since 2026-03-15T02:00:00Z: n2 not served yet" },
	{ 411, Z_KEEP, NULL, -1, 1, "n2", KS_PUBLISHED, "late",
	    "no successor is active" },
};

START_TEST(test_a_key_is_not_deployed_before_dns_serves_it)
{
	play("nodns", "nodns.test", unserved, ARRAY_LEN(unserved));
}
END_TEST

/* vendor flaky: its control hook fails, says "not yet", then succeeds,
 * for publish and again for deploy */
static const struct step flaky[] = {
	{ 0, Z_KEEP, "fail", -1, 1, "f1", KS_PENDING, "failed", "exit 3" },
	{ 1, Z_KEEP, "retry", 0, 0, "f1", KS_PENDING, "waiting", NULL },
	{ 2, Z_KEEP, "ok", 0, 0, "f1", KS_PUBLISHED, "publish", NULL },
	{ 3, Z_KEEP, "ok", 0, 0, "f1", KS_PUBLISHED, "visible", NULL },
	{ 27, Z_KEEP, "fail", -1, 1, "f1", KS_PUBLISHED, "failed",
	    "exit 3" },
	{ 28, Z_KEEP, "retry", 0, 0, "f1", KS_PUBLISHED, "waiting", NULL },
	{ 29, Z_KEEP, "ok", 0, 0, "f1", KS_ACTIVE, "deploy", NULL },
};

/* Whether the report has an item what (quietly). */
static bool
has(const char *what)
{
	size_t i;

	for (i = 0; i < rep.n; i++)
		if (strcmp(rep.items[i].what, what) == 0)
			return true;
	return false;
}

/* vendor nodns: a record not served is a stall, said only once it lasted
 * past stall_after (1d), its since kept in the keystore across runs and
 * cleared once the vendor moves again */
START_TEST(test_a_wait_not_caused_by_time_is_said_after_stall_after)
{
	const struct ks_vendor *rec;
	char *name, *line;

	ck_assert_int_eq(rotate_at(0, "nodns", false), 0);
	ck_assert(!has("stalled"));
	ck_assert_int_eq(rotate_at(1, "nodns", false), 0);
	ck_assert(!has("stalled"));
	ck_assert_ptr_nonnull(rec = ks_vendor(ks, "nodns", false));
	ck_assert_int_eq(rec->stall_since, T0 + HOUR);
	ck_assert_ptr_nonnull(strstr(rec->stall, "n1 not served yet"));
	ck_assert_int_eq(rotate_at(25, "nodns", false), 0);
	ck_assert(!has("stalled"));
	ck_assert_int_eq(rotate_at(26, "nodns", false), 0);
	ck_assert(reported("stalled", "since 2026-03-01T01:00:00Z: n1 not "
	    "served yet: 127.0.0.1"));
	ck_assert(!rep.items[rep.n - 1].failed && rep.items[rep.n - 1].loud);
	/* a dry run says it too, changing nothing */
	ck_assert_int_eq(rotate_at(27, "nodns", true), 0);
	ck_assert(reported("stalled", "since 2026-03-01T01:00:00Z"));
	/* DNS serves it: the vendor moved, the stall is gone */
	line = zone_line("n1", "nodns.test");
	*strchr(line, '\n') = '\0';
	name = xasprintf("n1._domainkey.nodns.test");
	zone_put(name, strchr(line, ' ') + 1);
	free(name);
	free(line);
	ck_assert_int_eq(rotate_at(28, "nodns", false), 0);
	ck_assert(reported("visible", NULL));
	ck_assert(!has("stalled"));
	ck_assert_ptr_nonnull(rec = ks_vendor(ks, "nodns", false));
	ck_assert_int_eq(rec->stall_since, 0);
	ck_assert_ptr_null(rec->stall);
}
END_TEST

START_TEST(test_a_failing_hook_holds_the_key_back_until_a_later_run)
{
	play("flaky", "flaky.test", flaky, ARRAY_LEN(flaky));
}
END_TEST

/* vendor flaky: its deploy hook says "not yet" from the due date (A +
 * 10d = 265h) on, as one waiting on a person would: a stall after a day,
 * late only past late_after (3d), and not once it is deployed */
static const struct step slow[] = {
	{ 0, Z_KEEP, "ok", 0, 0, "f1", KS_PUBLISHED, "publish", NULL },
	{ 1, Z_KEEP, "ok", 0, 0, "f1", KS_PUBLISHED, "visible", NULL },
	{ 25, Z_KEEP, "ok", 0, 0, "f1", KS_ACTIVE, "deploy", NULL },
	{ 217, Z_KEEP, "ok", 0, 0, "f2", KS_PUBLISHED, "generated", NULL },
	{ 218, Z_KEEP, "ok", 0, 0, "f2", KS_PUBLISHED, "visible", NULL },
	{ 265, Z_KEEP, "retry", 0, 0, "f2", KS_PUBLISHED, "waiting", NULL },
	{ 266, Z_KEEP, "retry", 0, 0, "f2", KS_PUBLISHED, "waiting", NULL },
	{ 290, Z_KEEP, "retry", 0, 0, "f2", KS_PUBLISHED, "stalled",
	    "since 2026-03-12T01:00:00Z: deploy hook" },
	{ 337, Z_KEEP, "retry", 0, 0, "f2", KS_PUBLISHED, "stalled", NULL },
	{ 338, Z_KEEP, "retry", -1, 1, "f2", KS_PUBLISHED, "late",
	    "late_after" },
	{ 339, Z_KEEP, "ok", 0, 0, "f2", KS_ACTIVE, "deploy", "replaces f1" },
};

START_TEST(test_a_slow_deploy_is_late_only_past_late_after)
{
	play("flaky", "flaky.test", slow, ARRAY_LEN(slow));
	ck_assert(!has("late") && !has("stalled"));
}
END_TEST

/* vendor a, with a record of another p= at its keys' name */
static const struct step other[] = {
	/* looked up before the publish: the name is someone else's */
	{ 0, Z_OTHER, NULL, -1, 1, "a1", KS_PENDING, "failed",
	    "serves another p=" },
	{ 1, Z_DROP, NULL, 0, 0, "a1", KS_PUBLISHED, "publish", NULL },
	{ 2, Z_OTHER, NULL, -1, 1, "a1", KS_PUBLISHED, "failed",
	    "serves another p=" },
	{ 26, Z_OTHER, NULL, -1, 1, "a1", KS_PUBLISHED, "failed",
	    "serves another p=" },
	{ 27, Z_SERVE, NULL, 0, 0, "a1", KS_PUBLISHED, "visible", NULL },
};

START_TEST(test_dns_serving_another_key_is_a_failure)
{
	play("a", "a.test", other, ARRAY_LEN(other));
}
END_TEST

/* vendor dark: its resolver answers nothing; nothing is published blind */
static const struct step dark[] = {
	{ 0, Z_KEEP, NULL, -1, EX_UNAVAILABLE, "d1", KS_PENDING, "waiting",
	    "no DNS server reachable" },
};

START_TEST(test_no_dns_server_answering_publishes_nothing)
{
	char *text;

	play("dark", "dark.test", dark, ARRAY_LEN(dark));
	text = slurp("zone");
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

/*
 * The lookup before a publish fails closed (issue 10, item 3): with the
 * zone lines given (NULL-ended pairs of name and value), the first run of
 * vendor pp (p1, or pp2's q1) publishes nothing and reports what; a wait
 * is the vendor's stall, a failure its exit 1. Then, with the name free,
 * the next run publishes.
 */
static void
not_published(const char *vendor, const char *const *lines, bool failed,
    const char *detail)
{
	const char *sel = strcmp(vendor, "pp") == 0 ? "p1" : "q1";
	char *domain = xasprintf("%s.test", vendor), *name, *text;
	const struct ks_vendor *rec;
	size_t i;
	int rc;

	for (i = 0; lines[i] != NULL; i += 2)
		zone_put(lines[i], lines[i + 1]);
	rc = rotate_at(0, vendor, false);
	ck_assert_int_eq(rc, failed ? -1 : 0);
	ck_assert_int_eq(exit_status(rc), failed ? 1 : 0);
	ck_assert_int_eq(state(sel, domain), KS_PENDING);
	ck_assert(reported(failed ? "failed" : "waiting", detail));
	/* the zone hook never ran: no record of ours went into the zone */
	name = xasprintf("%s._domainkey.%s v=DKIM1", sel, domain);
	text = slurp("zone");
	ck_assert_ptr_null(strstr(text, name));
	free(text);
	free(name);
	rec = ks_vendor(ks, vendor, false);
	if (failed)
		ck_assert_ptr_nonnull(ks_find(ks, domain, sel)->error);
	else
		ck_assert(rec != NULL && rec->stall_since == T0 &&
		    strstr(rec->stall, "not known to be free") != NULL);
	for (i = 0; lines[i] != NULL; i += 2)
		zone_put(lines[i], NULL);
	if (strcmp(vendor, "pp") == 0) {
		ck_assert_int_eq(rotate_at(1, vendor, false), 0);
		ck_assert_int_eq(state(sel, domain), KS_PUBLISHED);
	}
	free(domain);
}

START_TEST(test_prepublish_servfail_waits)
{
	static const char *const z[] = { "p1._domainkey.pp.test", "!RCODE 2",
		NULL };

	not_published("pp", z, false, "SERVFAIL");
}
END_TEST

START_TEST(test_prepublish_refused_waits)
{
	static const char *const z[] = { "p1._domainkey.pp.test", "!RCODE 5",
		NULL };

	not_published("pp", z, false, "REFUSED");
}
END_TEST

/* the only server times out: nothing reachable, 69 as for vendor dark */
START_TEST(test_prepublish_timeout_waits)
{
	int rc;

	zone_put("p1._domainkey.pp.test", "!DROP");
	rc = rotate_at(0, "pp", false);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(exit_status(rc), EX_UNAVAILABLE);
	ck_assert_int_eq(state("p1", "pp.test"), KS_PENDING);
	ck_assert(reported("waiting", "no DNS server reachable"));
	zone_put("p1._domainkey.pp.test", NULL);
	ck_assert_int_eq(rotate_at(1, "pp", false), 0);
	ck_assert_int_eq(state("p1", "pp.test"), KS_PUBLISHED);
}
END_TEST

START_TEST(test_prepublish_cname_loop_waits)
{
	static const char *const z[] = {
		"p1._domainkey.pp.test", "!CNAME l.pp.test",
		"l.pp.test", "!CNAME p1._domainkey.pp.test", NULL };

	not_published("pp", z, false, "CNAME loop");
}
END_TEST

START_TEST(test_prepublish_cname_chain_over_8_waits)
{
	static const char *const z[] = {
		"p1._domainkey.pp.test", "!CNAME c1.pp.test",
		"c1.pp.test", "!CNAME c2.pp.test", "c2.pp.test",
		"!CNAME c3.pp.test", "c3.pp.test", "!CNAME c4.pp.test",
		"c4.pp.test", "!CNAME c5.pp.test", "c5.pp.test",
		"!CNAME c6.pp.test", "c6.pp.test", "!CNAME c7.pp.test",
		"c7.pp.test", "!CNAME c8.pp.test", "c8.pp.test",
		"!CNAME c9.pp.test", NULL };

	not_published("pp", z, false, "more than 8 CNAMEs");
}
END_TEST

START_TEST(test_prepublish_cname_at_the_name_fails)
{
	static const char *const z[] = {
		"p1._domainkey.pp.test", "!CNAME k.vendor.test", NULL };

	not_published("pp", z, true, "CNAME at the name (to k.vendor.test)");
}
END_TEST

START_TEST(test_prepublish_one_of_two_servers_unreachable_waits)
{
	static const char *const z[] = { NULL };

	not_published("pp2", z, false, "127.0.0.1:9: unreachable");
}
END_TEST

static struct buf image;

static int
image_add(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char *text;

	(void)ftw;
	buf_printf(&image, "%s %o\n", path, (unsigned)st->st_mode);
	if (type == FTW_F) {
		text = tu_slurp(path, NULL);
		buf_printf(&image, "%s\n", text);
		free(text);
	}
	return 0;
}

/* Every file and folder of the keystore: name, mode, contents
 * (malloc'd). */
static char *
store_image(void)
{
	char *store = at("store");

	memset(&image, 0, sizeof(image));
	ck_assert_int_eq(nftw(store, image_add, 16, FTW_PHYS), 0);
	free(store);
	buf_add(&image, "", 1);
	return image.data;
}

START_TEST(test_a_dry_run_changes_nothing_and_runs_no_hook)
{
	char *before, *after, *ev;

	before = store_image();
	ck_assert_int_eq(rotate_at(0, "flaky", true), 0);
	ck_assert(reported("would generate", "a ed25519 key"));
	ck_assert_int_eq(state("f1", "flaky.test"), -1);
	put("control", "fail\n", 0644);
	ck_assert_int_eq(rotate_at(0, "flaky", false), -1);
	ck_assert_int_eq(state("f1", "flaky.test"), KS_PENDING);
	put("control", "ok\n", 0644);
	free(before);
	before = store_image();
	ev = slurp("zone");
	ck_assert_int_eq(rotate_at(1, "flaky", true), 0);
	ck_assert(reported("would run", "publish hooks"));
	ck_assert_int_eq(state("f1", "flaky.test"), KS_PENDING);
	after = store_image();
	ck_assert_str_eq(before, after);
	free(after);
	after = slurp("zone");
	ck_assert_str_eq(ev, after);
	free(after);
	free(ev);
	free(before);
	/* the real run does what the dry one said */
	ck_assert_int_eq(rotate_at(1, "flaky", false), 0);
	ck_assert_int_eq(state("f1", "flaky.test"), KS_PUBLISHED);
}
END_TEST

START_TEST(test_batch_hooks_run_once_per_event_for_a_whole_section)
{
	static const char *const doms[] = { "one.test", "two.test",
		"three.test" };
	char *text;
	size_t i;

	ck_assert_int_eq(rotate_at(0, "shops", false), 0);
	for (i = 0; i < ARRAY_LEN(doms); i++)
		ck_assert_int_eq(state("s1", doms[i]), KS_PUBLISHED);
	/* verify_dns = no: publish_ahead alone, from the publish */
	ck_assert_int_eq(rotate_at(23, "shops", false), 0);
	ck_assert_int_eq(state("s1", "two.test"), KS_PUBLISHED);
	ck_assert_int_eq(rotate_at(24, "shops", false), 0);
	for (i = 0; i < ARRAY_LEN(doms); i++)
		ck_assert_int_eq(state("s1", doms[i]), KS_ACTIVE);
	/* NOW EVENT LINES KEYS_WITH_A_PRIVATE_KEY, one line per batch run */
	text = slurp("batches");
	ck_assert_str_eq(text, "2026-03-01T00:00:00Z publish 3 0\n"
	    "2026-03-02T00:00:00Z deploy 3 3\n");
	free(text);
}
END_TEST

/* issue 10, item 4: a batch hook that exits 0 without reporting a key has
 * failed for that key (SPEC 6): the vendor failed, exit 1, the key named
 * and held back; the keys it reported go on. */
START_TEST(test_a_key_a_batch_hook_exits_0_without_reporting_has_failed)
{
	const char *two = "s1._domainkey.two.test";
	size_t i;
	bool named = false;
	int rc;

	put("skip", "two.test\n", 0644);
	rc = rotate_at(0, "shops", false);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(exit_status(rc), 1);
	ck_assert_int_eq(state("s1", "one.test"), KS_PUBLISHED);
	ck_assert_int_eq(state("s1", "three.test"), KS_PUBLISHED);
	ck_assert_int_eq(state("s1", "two.test"), KS_PENDING);
	ck_assert(reported("failed", "exit 0, not reported"));
	ck_assert(!has("waiting"));
	for (i = 0; i < rep.n; i++)
		if (strcmp(rep.items[i].what, "failed") == 0)
			named = rep.items[i].failed && rep.items[i].key !=
			    NULL && strncmp(rep.items[i].key, two,
			    strlen(two)) == 0;
	ck_assert(named);
	ck_assert_ptr_nonnull(ks_find(ks, "two.test", "s1")->error);
	/* reported the next time: published */
	put("skip", "\n", 0644);
	ck_assert_int_eq(rotate_at(1, "shops", false), 0);
	ck_assert_int_eq(state("s1", "two.test"), KS_PUBLISHED);
}
END_TEST

/* issue 9, item 1: one domain of the batch section whose run comes past
 * the due date + late_after; the successor it deploys in that very run
 * (through the batch hook) makes it not late. */
START_TEST(test_a_successor_deployed_by_a_batch_in_the_run_is_not_late)
{
	const char *one = "shops/one.test";

	ck_assert_int_eq(rotate_at(0, one, false), 0);
	ck_assert_int_eq(rotate_at(24, one, false), 0);
	ck_assert_int_eq(state("s1", "one.test"), KS_ACTIVE);
	/* generate at 24h + 10d - 1d - 1d; deploy due at 24h + 10d = 264h,
	 * late past 264h + 3d = 336h */
	ck_assert_int_eq(rotate_at(216, one, false), 0);
	ck_assert_int_eq(state("s2", "one.test"), KS_PUBLISHED);
	ck_assert_int_eq(rotate_at(337, one, false), 0);
	ck_assert_int_eq(exit_status(0), 0);
	ck_assert(reported("deploy", "replaces s1"));
	ck_assert_int_eq(state("s2", "one.test"), KS_ACTIVE);
	ck_assert_msg(!has("late"), "a false late");
	ck_assert_uint_eq(rep.failures, 0);
}
END_TEST

/* The vendor record's error, or NULL. */
static const char *
vendor_error(const char *name)
{
	const struct ks_vendor *v = ks_vendor(ks, name, false);

	return v != NULL ? v->error : NULL;
}

START_TEST(test_a_delegated_vendor_failing_is_recorded_for_status)
{
	struct ks_observation *o;
	char *log;
	bool ok;

	zone_put("s1._domainkey.dg.test", OTHER_P);
	ck_assert_int_eq(rotate_at(0, "dg", false), 0);
	ck_assert_ptr_null(vendor_error("dg"));
	/* the run's time and result are kept */
	ck_assert_int_eq(ks_last_run(ks, &ok), T0);
	ck_assert(ok);
	zone_put("s1._domainkey.dg.test", NULL);
	ck_assert_int_eq(rotate_at(1, "dg", false), -1);
	ck_assert(reported("failed", "no key served"));
	ck_assert_ptr_nonnull(vendor_error("dg"));
	ck_assert_str_eq(vendor_error("dg"), "s1._domainkey.dg.test: no key "
	    "served");
	ck_assert_int_eq(ks_last_run(ks, &ok), T0 + HOUR);
	ck_assert(!ok);
	/* a new key: a vendor rotation, counted, in the log under the
	 * vendor; a run without failure clears the error */
	zone_put("s1._domainkey.dg.test", "v=DKIM1; k=ed25519; "
	    "p=q4SjS8ROibPcvAlp7A2sqhUo7wzPSJjhQHE3aTDb0o0=");
	ck_assert_int_eq(rotate_at(2, "dg", false), 0);
	ck_assert(reported("vendor rotated", "s1 now serves"));
	ck_assert_ptr_null(vendor_error("dg"));
	o = ks_observation(ks, "dg", "s1", false);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->rotations, 1);
	ck_assert_int_eq(ks_commit(ks, T0 + 2 * HOUR), 0);
	log = slurp("store/audit.log");
	ck_assert_msg(strstr(log, "\"event\":\"vendor-rotation\",\"vendor\":"
	    "\"dg\"") != NULL, "%s", log);
	free(log);
}
END_TEST

START_TEST(test_delegated_dns_unreachable_is_not_a_takeover)
{
	size_t i;

	ck_assert_int_eq(rotate_at(0, "dgdark", false), -1);
	ck_assert(reported("failed", "DNS unreachable"));
	for (i = 0; i < rep.n; i++)
		ck_assert_msg(rep.items[i].detail == NULL ||
		    strstr(rep.items[i].detail, "takeover") == NULL,
		    "unreachable DNS said as: %s", rep.items[i].detail);
	ck_assert_ptr_nonnull(vendor_error("dgdark"));
	ck_assert_ptr_nonnull(strstr(vendor_error("dgdark"),
	    "DNS unreachable"));
}
END_TEST

/* check alike: no server reachable, and nothing said of the CNAME */
START_TEST(test_check_says_unreachable_not_a_wrong_cname)
{
	char name[] = "dgdark", *only[] = { name };
	struct check_report r;
	struct lc lc;
	char *store = at("store");
	size_t i;

	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	free(store);
	memset(&lc, 0, sizeof(lc));
	lc.cfg = cfg;
	lc.ks = ks;
	lc.now = T0;
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(check_run(&lc, only, 1, &r), -1);
	ck_assert(r.unreachable);
	for (i = 0; i < r.n; i++) {
		ck_assert_msg(strstr(r.lines[i].what, "CNAME") == NULL,
		    "check says: %s", r.lines[i].what);
		/* nor does it take the silence for a missing DMARC record */
		ck_assert_msg(strstr(r.lines[i].what, "no DMARC record") ==
		    NULL, "check says: %s", r.lines[i].what);
	}
	ck_assert_uint_eq(r.ndmarc, 1);
	ck_assert(r.dmarc[0].errors && r.dmarc[0].record == NULL);
	check_report_free(&r);
	lc_release(&lc);
}
END_TEST

/* issue 10, item 6: vendor a's published key served with a tag that makes
 * verifiers ignore it (s=other, h=sha1) or a t=y that testing = no does
 * not publish is not served: rotate never deploys it, failing with the
 * tag named, and check reports it (exit 1). */
START_TEST(test_a_record_with_wrong_tags_is_not_deployed)
{
	static const char *const bad[] = { "; s=other", "; h=sha1", "; t=y" };
	char name[] = "a", *only[] = { name };
	const char *rname = "a1._domainkey.a.test";
	char *line, *value;
	struct check_report r;
	struct lc lc;
	size_t i, j;
	bool said;

	ck_assert_int_eq(rotate_at(0, "a", false), 0);
	ck_assert_int_eq(state("a1", "a.test"), KS_PUBLISHED);
	line = zone_line("a1", "a.test");
	*strchr(line, '\n') = '\0';
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		value = xasprintf("%s%s", strchr(line, ' ') + 1, bad[i]);
		zone_put(rname, value);
		free(value);
		/* past publish_ahead: only DNS holds the key back */
		ck_assert_int_eq(rotate_at(48 + (int)i, "a", false), -1);
		ck_assert_int_eq(state("a1", "a.test"), KS_PUBLISHED);
		ck_assert(reported("failed", bad[i] + 2));
		memset(&lc, 0, sizeof(lc));
		lc.cfg = cfg;
		lc.ks = ks;
		lc.now = T0 + (48 + (int)i) * HOUR;
		ck_assert_int_eq(check_run(&lc, only, 1, &r), -1);
		for (said = false, j = 0; j < r.n; j++)
			said |= !r.lines[j].ok && r.lines[j].detail != NULL &&
			    strstr(r.lines[j].detail, bad[i] + 2) != NULL;
		ck_assert_msg(said, "check does not name %s", bad[i] + 2);
		check_report_free(&r);
		lc_release(&lc);
	}
	/* the record as published: visible, then deployed */
	zone_put(rname, strchr(line, ' ') + 1);
	free(line);
	ck_assert_int_eq(rotate_at(60, "a", false), 0);
	ck_assert(reported("visible", NULL));
}
END_TEST

/* issue 10, item 9: a delegated vendor's CNAME moved to another target
 * serving the same key: the stored target follows */
START_TEST(test_a_delegated_cname_target_change_is_recorded)
{
	const struct ks_observation *o;

	zone_put("s1._domainkey.dg.test", "!CNAME s1.k1.vendor.test");
	zone_put("s1.k1.vendor.test", OTHER_P);
	ck_assert_int_eq(rotate_at(0, "dg", false), 0);
	ck_assert_ptr_nonnull(o = ks_observation(ks, "dg", "s1", false));
	ck_assert_str_eq(o->target, "s1.k1.vendor.test");
	zone_put("s1._domainkey.dg.test", "!CNAME s1.k2.vendor.test");
	zone_put("s1.k2.vendor.test", OTHER_P);
	ck_assert_int_eq(rotate_at(1, "dg", false), 0);
	ck_assert(!has("vendor rotated"));
	/* as the next run reads it */
	ck_assert_int_eq(rotate_at(2, "dg", true), 0);
	ck_assert_ptr_nonnull(o = ks_observation(ks, "dg", "s1", false));
	ck_assert_str_eq(o->target, "s1.k2.vendor.test");
	ck_assert_int_eq(o->first_seen, T0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rotate");
	TCase *tc = tcase_create("engine");

	log_set_level(LOG_LVL_ERR);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc,
	    test_first_run_generates_and_publishes_with_the_hook_env);
	tcase_add_test(tc,
	    test_a_schedule_runs_through_every_state_at_its_time);
	tcase_add_test(tc, test_a_key_is_not_deployed_before_dns_serves_it);
	tcase_add_test(tc,
	    test_a_failing_hook_holds_the_key_back_until_a_later_run);
	tcase_add_test(tc, test_a_slow_deploy_is_late_only_past_late_after);
	tcase_add_test(tc, test_dns_serving_another_key_is_a_failure);
	tcase_add_test(tc, test_no_dns_server_answering_publishes_nothing);
	tcase_add_test(tc, test_a_dry_run_changes_nothing_and_runs_no_hook);
	tcase_add_test(tc,
	    test_batch_hooks_run_once_per_event_for_a_whole_section);
	tcase_add_test(tc,
	    test_a_successor_deployed_by_a_batch_in_the_run_is_not_late);
	tcase_add_test(tc,
	    test_a_wait_not_caused_by_time_is_said_after_stall_after);
	tcase_add_test(tc,
	    test_a_delegated_vendor_failing_is_recorded_for_status);
	tcase_add_test(tc, test_delegated_dns_unreachable_is_not_a_takeover);
	tcase_add_test(tc, test_check_says_unreachable_not_a_wrong_cname);
	tcase_add_test(tc,
	    test_a_key_a_batch_hook_exits_0_without_reporting_has_failed);
	tcase_add_test(tc, test_a_record_with_wrong_tags_is_not_deployed);
	tcase_add_test(tc, test_a_delegated_cname_target_change_is_recorded);
	tcase_add_test(tc, test_prepublish_servfail_waits);
	tcase_add_test(tc, test_prepublish_refused_waits);
	tcase_add_test(tc, test_prepublish_timeout_waits);
	tcase_add_test(tc, test_prepublish_cname_loop_waits);
	tcase_add_test(tc, test_prepublish_cname_chain_over_8_waits);
	tcase_add_test(tc, test_prepublish_cname_at_the_name_fails);
	tcase_add_test(tc,
	    test_prepublish_one_of_two_servers_unreachable_waits);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
