/*
 * cmd_status.c - status (no network): what the keystore knows, what comes
 * next, and the same as Prometheus textfile metrics.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "keystore/ksfile.h"
#include "lifecycle/status.h"
#include "support/dkim.h"
#include "support/log.h"

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
status_text(struct cli *cli, const struct status_row *r, struct buf *b)
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
	buf_printf(b, "%-20s %-7s %-40s %5s  %-26s %-20s%s%s%s\n", r->v->name,
	    dk_alg_name(r->alg), name != NULL ? name : "(none)", a,
	    r->next.what != NULL ? r->next.what : "-", when,
	    r->late ? " LATE" : "", r->stalled ? " STALLED" : "",
	    r->s.leaving ? " LEAVING" : "");
	if (r->stalled)
		buf_printf(b, "%-20s   stalled since %s: %s\n", "",
		    util_fmt_time(r->stall_since, when), r->stall);
	if (r->error != NULL)
		buf_printf(b, "%-20s   last error: %s\n", "", r->error);
	free(name);
}

static void
status_json(struct cli *cli, const struct status_row *r, struct buf *b)
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
	buf_puts(b, ", \"stalled\": ");
	if (r->stalled) {
		buf_printf(b, "{\"since\": \"%s\", \"reason\": ",
		    util_fmt_time(r->stall_since, when));
		buf_json_str(b, r->stall);
		buf_puts(b, "}");
	} else
		buf_puts(b, "null");
	buf_puts(b, "}");
}

/* One metric with a sample per schedule. */
struct metric {
	const char *name;
	const char *help;
	/* false when the row has no sample; else its value, and a label
	 * beyond vendor and algorithm when *label is set */
	bool (*sample)(const struct cli *cli, const struct status_row *r,
	    const char **label, const char **lvalue, long long *value);
};

static bool
sample_age(const struct cli *cli, const struct status_row *r,
    const char **label, const char **lvalue, long long *value)
{
	if (r->s.active == NULL)
		return false;
	*label = "selector";
	*lvalue = r->s.active->selector;
	*value = (long long)(cli->lc.now - r->s.active->activated);
	return true;
}

static bool
sample_next(const struct cli *cli, const struct status_row *r,
    const char **label, const char **lvalue, long long *value)
{
	(void)cli;
	if (r->next.what == NULL || r->next.when == POLICY_NEVER)
		return false;
	*label = "action";
	*lvalue = r->next.what;
	*value = (long long)r->next.when;
	return true;
}

static bool
sample_late(const struct cli *cli, const struct status_row *r,
    const char **label, const char **lvalue, long long *value)
{
	(void)cli;
	(void)label;
	(void)lvalue;
	*value = r->late;
	return true;
}

static bool
sample_held(const struct cli *cli, const struct status_row *r,
    const char **label, const char **lvalue, long long *value)
{
	(void)cli;
	(void)label;
	(void)lvalue;
	*value = r->s.held;
	return true;
}

static const struct metric metrics[] = {
	{ "dkimkeys_key_age_seconds", "Age of the active key.", sample_age },
	{ "dkimkeys_next_action_timestamp_seconds",
	    "When the next step is due.", sample_next },
	{ "dkimkeys_late", "1 when the schedule is late.",
	    sample_late },
	{ "dkimkeys_held", "1 when the vendor is held.", sample_held },
};

static void
metric_head(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
metrics_text(struct cli *cli, const struct status_row *rows, size_t n,
    size_t orphans, struct buf *b)
{
	const char *label, *lvalue;
	long long value;
	size_t m, i;

	for (m = 0; m < ARRAY_LEN(metrics); m++) {
		metric_head(b, metrics[m].name, metrics[m].help);
		for (i = 0; i < n; i++) {
			label = NULL;
			if (!metrics[m].sample(cli, &rows[i], &label, &lvalue,
			    &value))
				continue;
			buf_printf(b, "%s{vendor=\"%s\",algorithm=\"%s\"",
			    metrics[m].name, rows[i].v->name,
			    dk_alg_name(rows[i].alg));
			if (label != NULL)
				buf_printf(b, ",%s=\"%s\"", label, lvalue);
			buf_printf(b, "} %lld\n", value);
		}
	}
	metric_head(b, "dkimkeys_orphan_keys",
	    "Keys whose vendor is no longer configured.");
	buf_printf(b, "dkimkeys_orphan_keys %zu\n", orphans);
	metric_head(b, "dkimkeys_status_timestamp_seconds",
	    "When status wrote this.");
	buf_printf(b, "dkimkeys_status_timestamp_seconds %lld\n",
	    (long long)cli->lc.now);
}

/*
 * Writes the textfile through the keystore's atomic replacement (temp
 * file with the final mode 0644 for node_exporter, fsync, rename, fsync
 * of the folder): a scrape sees the old file or the new one, never half.
 */
static int
prometheus(struct cli *cli, const struct status_row *rows, size_t n,
    size_t orphans, const char *path)
{
	struct buf b = { 0 };
	int rc;

	metrics_text(cli, rows, n, orphans, &b);
	rc = ksfile_write_atomic("status", path, 0644, b.data, b.len);
	buf_free(&b);
	return rc;
}

static size_t
orphan_list(struct cli *cli, struct buf *b)
{
	struct ks_key *const *keys;
	char why[512], cmd[512];
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
			buf_printf(b, "orphan: %s._domainkey.%s (%s, vendor "
			    "%s: %s; %s)\n", keys[i]->selector,
			    keys[i]->domain, ks_state_name(keys[i]->state),
			    keys[i]->vendor,
			    lc_orphan_why(&cli->lc, keys[i], why, sizeof(why)),
			    lc_orphan_next(&cli->lc, keys[i], cmd,
			    sizeof(cmd)));
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
		if (vendor != NULL && !lc_vendor_named(vendor, obs[i]->vendor))
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
	const char *prom = NULL, *only = NULL;
	struct status_row *rows;
	struct buf b = { 0 };
	size_t i, n, norphans;
	int c, rc = 0;

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if (c != 'p')
			return -1;
		prom = optarg;
	}
	if (optind + 1 < argc)
		return cli_usage(cli);
	/* a vendor or a section (all of its domains) */
	if (optind < argc && config_vendor(cli->cfg, only = argv[optind]) ==
	    NULL && cli_section(cli, only) == -1)
		return -1;
	rows = status_rows(&cli->lc, only, &n);
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
	/* like check: 1 when something needs the operator */
	if (rc == 0 && status_trouble(&cli->lc, only, rows, n))
		log_status_set(1);
	buf_free(&b);
	free(rows);
	return rc;
}
