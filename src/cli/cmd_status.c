/*
 * cmd_status.c - status (no network: what the keystore knows, what comes
 * next, Prometheus textfile metrics) and check (DNS against the keystore,
 * like opendkim-testkey).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dns/dnscheck.h"
#include "support/dkim.h"
#include "support/log.h"

/* One schedule's line of status. */
struct srow {
	const struct vendor *v;
	enum dk_alg alg;
	struct policy_sched s;
	struct lc_next next;
	bool late;
	const char *error;
};

static void
srow_fill(struct cli *cli, const struct vendor *v, enum dk_alg alg,
    struct srow *r)
{
	const struct ks_vendor *rec = ks_vendor(cli->ks, v->name, false);

	memset(r, 0, sizeof(*r));
	r->v = v;
	r->alg = alg;
	lc_sched(&cli->lc, v, alg, &r->s);
	lc_next(&cli->lc, v, alg, &r->next);
	r->late = policy_late(&r->s, cli->lc.now);
	if (rec != NULL && rec->error != NULL)
		r->error = rec->error;
	else if (r->next.key != NULL && r->next.key->error != NULL)
		r->error = r->next.key->error;
	else if (r->s.successor != NULL && r->s.successor->error != NULL)
		r->error = r->s.successor->error;
}

static void
age(int64_t secs, char *out, size_t len)
{
	if (secs >= 86400)
		snprintf(out, len, "%lldd", (long long)(secs / 86400));
	else if (secs >= 3600)
		snprintf(out, len, "%lldh", (long long)(secs / 3600));
	else
		snprintf(out, len, "%llds", (long long)(secs < 0 ? 0 : secs));
}

static void
status_text(struct cli *cli, const struct srow *r, struct buf *b)
{
	char a[32] = "-", when[UTIL_TIME_LEN] = "-", *name = NULL;

	if (r->s.active != NULL) {
		age(cli->lc.now - r->s.active->activated, a, sizeof(a));
		name = xasprintf("%s._domainkey.%s", r->s.active->selector,
		    r->s.active->domain);
	}
	if (r->next.when != POLICY_NEVER)
		util_fmt_time(r->next.when <= cli->lc.now ? cli->lc.now :
		    r->next.when, when);
	buf_printf(b, "%-20s %-7s %-40s %5s  %-26s %-20s%s%s\n", r->v->name,
	    dk_alg_name(r->alg), name != NULL ? name : "(none)", a,
	    r->next.what != NULL ? r->next.what : "-", when,
	    r->late ? " LATE" : "", r->s.leaving ? " LEAVING" : "");
	if (r->error != NULL)
		buf_printf(b, "%-20s   last error: %s\n", "", r->error);
	free(name);
}

static void
status_json(struct cli *cli, const struct srow *r, struct buf *b)
{
	char when[UTIL_TIME_LEN];

	buf_puts(b, "{\"vendor\": ");
	buf_json_str(b, r->v->name);
	buf_printf(b, ", \"algorithm\": \"%s\", \"active\": ",
	    dk_alg_name(r->alg));
	if (r->s.active != NULL)
		buf_printf(b, "{\"key\": \"%s._domainkey.%s.\", \"activated\": "
		    "\"%s\", \"age_seconds\": %lld}", r->s.active->selector,
		    r->s.active->domain, util_fmt_time(r->s.active->activated,
		    when), (long long)(cli->lc.now - r->s.active->activated));
	else
		buf_puts(b, "null");
	buf_puts(b, ", \"next\": ");
	if (r->next.what != NULL && r->next.when != POLICY_NEVER)
		buf_printf(b, "{\"what\": \"%s\", \"when\": \"%s\"}",
		    r->next.what, util_fmt_time(r->next.when, when));
	else
		buf_puts(b, "null");
	buf_printf(b, ", \"late\": %s, \"held\": %s, \"leaving\": %s, "
	    "\"error\": ", r->late ? "true" : "false", r->s.held ? "true" :
	    "false", r->s.leaving ? "true" : "false");
	if (r->error != NULL)
		buf_json_str(b, r->error);
	else
		buf_puts(b, "null");
	buf_puts(b, "}");
}

/* Writes the metrics to path through a temp file and a rename. */
static int
prometheus(struct cli *cli, const struct srow *rows, size_t n,
    size_t orphans, const char *path)
{
	struct buf b = { 0 };
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	size_t i;
	int fd = -1, rc = -1;

	buf_puts(&b, "# HELP dkimkeys_key_age_seconds Age of the active key."
	    "\n# TYPE dkimkeys_key_age_seconds gauge\n");
	for (i = 0; i < n; i++)
		if (rows[i].s.active != NULL)
			buf_printf(&b, "dkimkeys_key_age_seconds{vendor=\"%s\","
			    "algorithm=\"%s\",selector=\"%s\"} %lld\n",
			    rows[i].v->name, dk_alg_name(rows[i].alg),
			    rows[i].s.active->selector,
			    (long long)(cli->lc.now -
			    rows[i].s.active->activated));
	buf_puts(&b, "# HELP dkimkeys_next_action_timestamp_seconds When the "
	    "next step is due.\n# TYPE dkimkeys_next_action_timestamp_seconds "
	    "gauge\n");
	for (i = 0; i < n; i++)
		if (rows[i].next.what != NULL &&
		    rows[i].next.when != POLICY_NEVER)
			buf_printf(&b, "dkimkeys_next_action_timestamp_seconds"
			    "{vendor=\"%s\",algorithm=\"%s\",action=\"%s\"} "
			    "%lld\n", rows[i].v->name,
			    dk_alg_name(rows[i].alg), rows[i].next.what,
			    (long long)rows[i].next.when);
	buf_puts(&b, "# HELP dkimkeys_late 1 when the schedule is past "
	    "rotate_every.\n# TYPE dkimkeys_late gauge\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "dkimkeys_late{vendor=\"%s\",algorithm=\"%s\"} "
		    "%d\n", rows[i].v->name, dk_alg_name(rows[i].alg),
		    rows[i].late);
	buf_puts(&b, "# HELP dkimkeys_held 1 when the vendor is held.\n"
	    "# TYPE dkimkeys_held gauge\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "dkimkeys_held{vendor=\"%s\",algorithm=\"%s\"} "
		    "%d\n", rows[i].v->name, dk_alg_name(rows[i].alg),
		    rows[i].s.held);
	buf_printf(&b, "# HELP dkimkeys_orphan_keys Keys whose vendor is no "
	    "longer configured.\n# TYPE dkimkeys_orphan_keys gauge\n"
	    "dkimkeys_orphan_keys %zu\n", orphans);
	buf_printf(&b, "# HELP dkimkeys_status_timestamp_seconds When status "
	    "wrote this.\n# TYPE dkimkeys_status_timestamp_seconds gauge\n"
	    "dkimkeys_status_timestamp_seconds %lld\n",
	    (long long)cli->lc.now);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1 || fchmod(fd, 0644) == -1 ||
	    write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) == -1 ||
	    rename(tmp, path) == -1) {
		log_fail(fd == -1 ? EX_CANTCREAT : EX_IOERR, "status: %s: %s",
		    path, strerror(errno));
		if (fd != -1)
			unlink(tmp);
	} else
		rc = 0;
	if (fd != -1)
		close(fd);
	free(tmp);
	buf_free(&b);
	return rc;
}

static size_t
orphan_list(struct cli *cli, struct buf *b)
{
	struct ks_key *const *keys;
	size_t n, i, found = 0;

	keys = ks_keys(cli->ks, &n);
	for (i = 0; i < n; i++) {
		if (keys[i]->state == KS_DESTROYED ||
		    lc_vendor(&cli->lc, keys[i]) != NULL)
			continue;
		if (cli->json) {
			buf_puts(b, found ? ", " : "");
			buf_printf(b, "\"%s._domainkey.%s.\"",
			    keys[i]->selector, keys[i]->domain);
		} else
			buf_printf(b, "orphan: %s._domainkey.%s (%s, vendor %s "
			    "no longer configured)\n", keys[i]->selector,
			    keys[i]->domain, ks_state_name(keys[i]->state),
			    keys[i]->vendor);
		found++;
	}
	return found;
}

static void
observation_json(const struct ks_observation *o, struct buf *b)
{
	char first[UTIL_TIME_LEN], last[UTIL_TIME_LEN];
	char fpr[2 * KS_FPR_LEN + 1];

	util_hex(o->fpr, sizeof(o->fpr), fpr);
	buf_puts(b, "{\"vendor\": ");
	buf_json_str(b, o->vendor);
	buf_puts(b, ", \"selector\": ");
	buf_json_str(b, o->selector);
	buf_puts(b, ", \"target\": ");
	if (o->target != NULL)
		buf_json_str(b, o->target);
	else
		buf_puts(b, "null");
	buf_printf(b, ", \"algorithm\": \"%s\", \"bits\": %u, "
	    "\"fingerprint\": \"sha256:%s\", \"revoked\": %s, "
	    "\"first_seen\": \"%s\", \"last_seen\": \"%s\"}",
	    dk_alg_name(o->alg), o->bits, fpr, o->revoked ? "true" : "false",
	    util_fmt_time(o->first_seen, first),
	    util_fmt_time(o->last_seen, last));
}

/* The delegated vendors' keys as last observed by rotate (no network). */
static void
delegated_list(struct cli *cli, const char *vendor, struct buf *b)
{
	struct ks_observation *const *obs;
	char first[UTIL_TIME_LEN], last[UTIL_TIME_LEN];
	char fpr[2 * KS_FPR_LEN + 1];
	size_t n, i, shown = 0;

	obs = ks_observations(cli->ks, &n);
	for (i = 0; i < n; i++) {
		if (vendor != NULL && strcmp(obs[i]->vendor, vendor) != 0)
			continue;
		if (cli->json) {
			buf_puts(b, shown++ ? ",\n  " : "\n  ");
			observation_json(obs[i], b);
			continue;
		}
		util_hex(obs[i]->fpr, sizeof(obs[i]->fpr), fpr);
		buf_printf(b, "%-20s delegated %s -> %s: %s %u sha256:%.16s%s "
		    "seen %s .. %s\n", obs[i]->vendor, obs[i]->selector,
		    obs[i]->target != NULL ? obs[i]->target : "(no CNAME)",
		    dk_alg_name(obs[i]->alg), obs[i]->bits, fpr,
		    obs[i]->revoked ? " revoked" : "",
		    util_fmt_time(obs[i]->first_seen, first),
		    util_fmt_time(obs[i]->last_seen, last));
	}
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prometheus", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct config *cfg = cli->cfg;
	const char *prom = NULL, *only = NULL;
	struct srow *rows;
	struct buf b = { 0 };
	size_t i, a, n = 0, norphans;
	int c, rc = 0;

	while ((c = cli_getopt(cli, argc, argv, "", longopts,
	    "status")) != -1) {
		if (c != 'p')
			return -1;
		prom = optarg;
	}
	if (optind + 1 < argc)
		return cli_usage("status");
	if (optind < argc && cli_vendor(cli, only = argv[optind]) == NULL)
		return -1;
	rows = xcalloc(cfg->nvendors * CONFIG_MAX_ALGS, sizeof(*rows));
	for (i = 0; i < cfg->nvendors; i++) {
		if (cfg->vendors[i].mode != MODE_MANAGED ||
		    (only != NULL && strcmp(only, cfg->vendors[i].name) != 0))
			continue;
		for (a = 0; a < cfg->vendors[i].nalgs; a++)
			srow_fill(cli, &cfg->vendors[i],
			    cfg->vendors[i].algs[a].alg, &rows[n++]);
	}
	if (cli->json) {
		buf_puts(&b, "{\"schedules\": [");
		for (i = 0; i < n; i++) {
			buf_puts(&b, i ? ",\n  " : "\n  ");
			status_json(cli, &rows[i], &b);
		}
	} else
		buf_printf(&b, "%-20s %-7s %-40s %5s  %-26s %s\n", "VENDOR",
		    "ALG", "ACTIVE KEY", "AGE", "NEXT", "WHEN");
	for (i = 0; i < n && !cli->json; i++)
		status_text(cli, &rows[i], &b);
	if (cli->json)
		buf_puts(&b, "],\n \"delegated\": [");
	delegated_list(cli, only, &b);
	if (cli->json)
		buf_puts(&b, "],\n \"orphans\": [");
	norphans = orphan_list(cli, &b);
	if (cli->json)
		buf_puts(&b, "]}\n");
	fputs(b.data, stdout);
	if (prom != NULL)
		rc = prometheus(cli, rows, n, norphans, prom);
	buf_free(&b);
	free(rows);
	return rc;
}

/* One line of check: text, or a JSON object when json. */
static void
check_line(struct buf *b, bool json, bool ok, const char *name,
    const char *what, const char *detail)
{
	if (!json) {
		buf_printf(b, "%s %s: %s%s%s\n", ok ? "ok     " : "PROBLEM",
		    name, what, detail != NULL ? "; " : "",
		    detail != NULL ? detail : "");
		return;
	}
	buf_puts(b, b->len > 0 ? ",\n  {\"key\": " : "\n  {\"key\": ");
	buf_json_str(b, name);
	buf_printf(b, ", \"ok\": %s, \"what\": ", ok ? "true" : "false");
	buf_json_str(b, what);
	buf_puts(b, ", \"detail\": ");
	if (detail != NULL)
		buf_json_str(b, detail);
	else
		buf_puts(b, "null");
	buf_puts(b, "}");
}

/* One record compared with what the keystore expects of it. */
static bool
check_key(struct cli *cli, struct dnsq *q, const struct ks_key *k,
    struct buf *b)
{
	bool revoked = k->state == KS_REVOKED ||
	    (k->hooks_done & KS_EV_BIT(KS_EV_REVOKE)) != 0;
	bool gone = k->state == KS_WITHDRAWN;
	struct dnscheck dc;
	struct buf why = { 0 };
	char *name = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	bool ok;
	size_t i;

	if (dnscheck_key(q, name, k->alg, revoked || gone ? NULL : k->pub,
	    revoked || gone ? 0 : k->publen, &dc) == -1) {
		free(name);
		return false;
	}
	ok = gone ? dc.absent : revoked ? dc.revoked_served : dc.served;
	if (dc.unreachable_all)
		ok = false;
	for (i = 0; i < dc.nservers && !ok; i++)
		buf_printf(&why, "%s%s: %s", i ? "; " : "",
		    dc.servers[i].answer->server, dc.servers[i].detail);
	check_line(b, cli->json, ok, name, gone ? "expected no record" :
	    revoked ? "expected the revoked record (p= empty)" :
	    "expected the key", why.data);
	if (k->alg == DK_ALG_RSA && k->bits < DK_RSA_WARN_BITS)
		check_line(b, cli->json, true, name, "warning: rsa key below "
		    "2048 bits (RFC 8301)", NULL);
	if (dc.unreachable_all)
		log_status_set(EX_UNAVAILABLE);
	buf_free(&why);
	dnscheck_clear(&dc);
	free(name);
	return ok;
}

static bool
check_delegated(struct cli *cli, struct dnsq *q, const struct vendor *v,
    const char *sel, struct buf *b)
{
	struct dnscheck_delegated d;
	char *name = xasprintf("%s._domainkey.%s", sel, v->domain), *t;
	const char *want = lc_cname_target(v, sel), *first;
	bool ok = true, standby = lc_standby(v, sel);
	size_t i;

	if (dnscheck_delegated(q, name, &d) == -1) {
		free(name);
		return false;
	}
	first = d.nchain > 0 ? d.chain[0] : NULL;
	if (want != NULL && (first == NULL || strcmp(first, want) != 0)) {
		t = xasprintf("CNAME to %s, expected %s", first != NULL ?
		    first : "nothing", want);
		check_line(b, cli->json, false, name, t, NULL);
		free(t);
		ok = false;
	}
	if (d.unreachable_all || ((d.absent || d.revoked) && !standby)) {
		check_line(b, cli->json, false, name, d.unreachable_all ?
		    "no server reachable" : d.absent ? "no key" : "revoked",
		    NULL);
		ok = false;
	}
	for (i = 0; i < d.nproblems; i++, ok = false)
		check_line(b, cli->json, false, name, d.problems[i], NULL);
	if (ok && (d.absent || d.revoked))
		check_line(b, cli->json, true, name, d.absent ? "standby "
		    "selector, no key served" : "standby selector, revoked",
		    NULL);
	else if (ok) {
		t = xasprintf("delegated to %s, %s %u bits%s", first != NULL ?
		    first : "(no CNAME)", dk_alg_name(d.alg), d.bits,
		    d.weak ? " (weak)" : "");
		check_line(b, cli->json, true, name, t, NULL);
		free(t);
	}
	if (d.unreachable_all)
		log_status_set(EX_UNAVAILABLE);
	dnscheck_delegated_clear(&d);
	free(name);
	return ok;
}

static bool
check_vendor(struct cli *cli, const struct vendor *v, struct buf *b)
{
	struct ks_key *const *keys;
	struct dnsq *q = NULL;
	size_t n, i;
	bool ok = true;

	if (dnsq_new(v->resolver != NULL ? v->resolver : cli->cfg->resolver,
	    cli->cfg->resolver_ca, cli->cfg->dns_timeout, &q) == -1)
		return false;
	for (i = 0; i < v->nselectors; i++)
		ok &= check_delegated(cli, q, v, v->selectors[i], b);
	keys = ks_keys(cli->ks, &n);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i]->vendor, v->name) == 0 &&
		    keys[i]->state >= KS_PUBLISHED &&
		    keys[i]->state <= KS_WITHDRAWN)
			ok &= check_key(cli, q, keys[i], b);
	dnsq_free(q);
	return ok;
}

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	struct buf b = { 0 };
	bool ok = true;
	size_t i;
	int c;

	if (cli_getopt(cli, argc, argv, "", NULL, "check") != -1)
		return -1;
	for (c = optind; c < argc; c++)
		if (cli_vendor(cli, argv[c]) == NULL)
			return -1;
	for (i = 0; i < cli->cfg->nvendors; i++) {
		for (c = optind; c < argc; c++)
			if (strcmp(argv[c], cli->cfg->vendors[i].name) == 0)
				break;
		if (optind < argc && c == argc)
			continue;
		ok &= check_vendor(cli, &cli->cfg->vendors[i], &b);
	}
	if (cli->json)
		printf("{\"ok\": %s, \"records\": [%s\n]}\n", ok ? "true" :
		    "false", b.data != NULL ? b.data : "");
	else
		fputs(b.data != NULL ? b.data : "nothing to check\n", stdout);
	buf_free(&b);
	if (!ok)
		log_status_set(1);
	return ok ? 0 : -1;
}
