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
#include "status_dmarc.h"
#include "keystore/ksfile.h"
#include "keystore/kslockinfo.h"
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

/* The VENDOR column: 20 wide, or as wide as the longest name shown
 * (NAME/DOMAIN of a domains_file section), so the columns stay aligned. */
static int
vendor_width(const struct status_row *rows, size_t n)
{
	size_t w = 20, i;

	for (i = 0; i < n; i++)
		if (strlen(rows[i].v->name) > w)
			w = strlen(rows[i].v->name);
	return (int)w;
}

static void
status_text(struct cli *cli, const struct status_row *r, int w,
    struct buf *b)
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
	buf_printf(b, "%-*s %-7s %-40s %5s  %-26s %-20s%s%s%s\n", w, r->v->name,
	    dk_alg_name(r->alg), name != NULL ? name : "(none)", a,
	    r->next.what != NULL ? r->next.what : "-", when,
	    r->late ? " LATE" : "", r->stalled ? " STALLED" : "",
	    r->s.leaving ? " LEAVING" : "");
	if (r->stalled)
		buf_printf(b, "%-*s   stalled since %s: %s\n", w, "",
		    util_fmt_time(r->stall_since, when), r->stall);
	if (r->error != NULL)
		buf_printf(b, "%-*s   last error: %s\n", w, "", r->error);
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

/* A schedule's sample: its value, and a label beyond vendor and
 * algorithm when label is set. */
struct sample {
	const char *label, *lvalue;
	long long value;
};

/* One metric with a sample per schedule. */
struct metric {
	const char *name;
	const char *help;
	/* false when the row has no sample */
	bool (*sample)(const struct cli *cli, const struct status_row *r,
	    struct sample *out);
};

static bool
sample_age(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	if (r->s.active == NULL)
		return false;
	out->label = "selector";
	out->lvalue = r->s.active->selector;
	out->value = (long long)(cli->lc.now - r->s.active->activated);
	return true;
}

static bool
sample_next(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	(void)cli;
	if (r->next.what == NULL || r->next.when == POLICY_NEVER)
		return false;
	out->label = "action";
	out->lvalue = r->next.what;
	out->value = (long long)r->next.when;
	return true;
}

static bool
sample_late(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	(void)cli;
	out->value = r->late;
	return true;
}

static bool
sample_held(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	(void)cli;
	out->value = r->s.held;
	return true;
}

static bool
sample_error(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	(void)cli;
	if (r->error != NULL) {
		out->label = "reason";
		out->lvalue = r->error;
	}
	out->value = r->error != NULL;
	return true;
}

static bool
sample_stall_age(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	out->value = r->wait_since != 0 && cli->lc.now > r->wait_since ?
	    (long long)(cli->lc.now - r->wait_since) : 0;
	return true;
}

static bool
sample_key_errors(const struct cli *cli, const struct status_row *r,
    struct sample *out)
{
	(void)cli;
	out->value = r->key_errors;
	return true;
}

static const struct metric metrics[] = {
	{ "dkimkeys_key_age_seconds", "Age of the active key.", sample_age },
	{ "dkimkeys_next_action_timestamp_seconds",
	    "When the next step is due.", sample_next },
	{ "dkimkeys_late", "1 when the schedule is late.",
	    sample_late },
	{ "dkimkeys_held", "1 when the vendor is held.", sample_held },
	{ "dkimkeys_error", "1 when a last error is set (its start as "
	    "reason).", sample_error },
	{ "dkimkeys_stall_age_seconds", "How long the vendor has not moved "
	    "for a reason other than time (0: moving).", sample_stall_age },
	{ "dkimkeys_keys_with_error", "Keys whose last hook or DNS check "
	    "failed.", sample_key_errors },
};

/* A delegated vendor's observed selector: one sample each. */
struct obs_metric {
	const char *name;
	const char *help;
	long long (*sample)(struct cli *cli, const struct ks_observation *o);
};

static long long
obs_target_ok(struct cli *cli, const struct ks_observation *o)
{
	return status_target_ok(&cli->lc, o);
}

static long long
obs_bits(struct cli *cli, const struct ks_observation *o)
{
	(void)cli;
	return o->revoked ? 0 : o->bits;
}

static long long
obs_last_seen(struct cli *cli, const struct ks_observation *o)
{
	(void)cli;
	return o->last_seen;
}

static long long
obs_rotations(struct cli *cli, const struct ks_observation *o)
{
	(void)cli;
	return o->rotations;
}

static const struct obs_metric obs_metrics[] = {
	{ "dkimkeys_delegated_target_ok", "1 when the CNAME last seen points "
	    "to the configured target.", obs_target_ok },
	{ "dkimkeys_delegated_key_bits", "Size of the key last seen (0: "
	    "revoked).", obs_bits },
	{ "dkimkeys_delegated_last_seen_timestamp_seconds", "When the key "
	    "was last seen.", obs_last_seen },
	{ "dkimkeys_delegated_rotations", "Times the vendor served a new key "
	    "since the first.", obs_rotations },
};

/* The longest label value written; longer ones are cut (reasons). */
#define LABEL_MAX 120

/* name="value", escaped as the text format wants (backslash, double
 * quote, line feed), cut at LABEL_MAX octets on a UTF-8 boundary. */
static void
label(struct buf *b, const char *name, const char *value)
{
	size_t len = strlen(value), i;

	if (len > LABEL_MAX) {
		len = LABEL_MAX;
		while (len > 0 && ((unsigned char)value[len] & 0xc0) == 0x80)
			len--;
	}
	buf_printf(b, "%s=\"", name);
	for (i = 0; i < len; i++)
		if (value[i] == '\\' || value[i] == '"')
			buf_printf(b, "\\%c", value[i]);
		else if (value[i] == '\n')
			buf_puts(b, "\\n");
		else
			buf_add(b, &value[i], 1);
	buf_puts(b, "\"");
}

static void
metric_head(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* The delegated vendors (only: that one): each one's last error, each
 * observation's samples. */
static void
metrics_delegated(struct cli *cli, const char *only, struct buf *b)
{
	struct ks_observation *const *obs;
	struct status_deleg *d;
	size_t nd, no, m, i;

	d = status_delegated(&cli->lc, only, &nd);
	metric_head(b, "dkimkeys_delegated_error", "1 when the delegated "
	    "vendor's last rotate run failed (its start as reason).");
	for (i = 0; i < nd; i++) {
		buf_puts(b, "dkimkeys_delegated_error{");
		label(b, "vendor", d[i].v->name);
		if (d[i].error != NULL) {
			buf_puts(b, ",");
			label(b, "reason", d[i].error);
		}
		buf_printf(b, "} %d\n", d[i].error != NULL);
	}
	free(d);
	obs = ks_observations(cli->ks, &no);
	for (m = 0; m < ARRAY_LEN(obs_metrics); m++) {
		metric_head(b, obs_metrics[m].name, obs_metrics[m].help);
		for (i = 0; i < no; i++) {
			if (only != NULL && strcmp(obs[i]->vendor, only) != 0)
				continue;
			buf_printf(b, "%s{", obs_metrics[m].name);
			label(b, "vendor", obs[i]->vendor);
			buf_puts(b, ",");
			label(b, "selector", obs[i]->selector);
			buf_printf(b, "} %lld\n",
			    obs_metrics[m].sample(cli, obs[i]));
		}
	}
}

/* The last rotate run (not --dry-run), when one was recorded; whether
 * the keystore is simulated. */
static void
metrics_run(struct cli *cli, struct buf *b)
{
	bool ok;
	int64_t at = ks_last_run(cli->ks, &ok);

	metric_head(b, "dkimkeys_simulated", "1 when the keystore is "
	    "simulated (its times are DKIMKEYS_NOW's, not the clock's).");
	buf_printf(b, "dkimkeys_simulated %d\n",
	    ks_simulated_since(cli->ks) != 0);

	if (at == 0)
		return;
	metric_head(b, "dkimkeys_last_run_timestamp_seconds",
	    "When the last rotate run ended.");
	buf_printf(b, "dkimkeys_last_run_timestamp_seconds %lld\n",
	    (long long)at);
	metric_head(b, "dkimkeys_last_run_success",
	    "1 when the last rotate run ended without a failure.");
	buf_printf(b, "dkimkeys_last_run_success %d\n", ok);
}

/* Who holds the lock (a host label; unknown: no series) and, in etcd,
 * which host committed last. */
static void
metrics_lock(struct cli *cli, const char *holder, const char *last,
    struct buf *b)
{
	struct ks_lockinfo li;

	ks_lockinfo(cli->ks, holder, last, &li);
	if (li.held != -1) {
		metric_head(b, "dkimkeys_lock_held", "1 when a run holds the "
		    "keystore's lock (its host as label).");
		if (li.held) {
			buf_puts(b, "dkimkeys_lock_held{");
			label(b, "host", li.holder_host);
			buf_puts(b, "} 1\n");
		} else
			buf_puts(b, "dkimkeys_lock_held 0\n");
	}
	if (li.last_host != NULL && li.last_at != 0) {
		metric_head(b, "dkimkeys_last_commit_timestamp_seconds",
		    "When a run last changed the keystore in etcd (the "
		    "clock's time; its host as label).");
		buf_puts(b, "dkimkeys_last_commit_timestamp_seconds{");
		label(b, "host", li.last_host);
		buf_printf(b, "} %lld\n", (long long)li.last_at);
	}
	ks_lockinfo_free(&li);
}

static void
metrics_text(struct cli *cli, const char *only, const struct status_row *rows,
    size_t n, size_t orphans, const char *holder, const char *last,
    struct buf *b)
{
	struct sample out;
	size_t m, i;

	for (m = 0; m < ARRAY_LEN(metrics); m++) {
		metric_head(b, metrics[m].name, metrics[m].help);
		for (i = 0; i < n; i++) {
			memset(&out, 0, sizeof(out));
			if (!metrics[m].sample(cli, &rows[i], &out))
				continue;
			buf_printf(b, "%s{", metrics[m].name);
			label(b, "vendor", rows[i].v->name);
			buf_puts(b, ",");
			label(b, "algorithm", dk_alg_name(rows[i].alg));
			if (out.label != NULL) {
				buf_puts(b, ",");
				label(b, out.label, out.lvalue);
			}
			buf_printf(b, "} %lld\n", out.value);
		}
	}
	metrics_delegated(cli, only, b);
	status_dmarc_metrics(cli, only, b);
	metrics_run(cli, b);
	metrics_lock(cli, holder, last, b);
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
prometheus(struct cli *cli, const char *only, const struct status_row *rows,
    size_t n, size_t orphans, const char *holder, const char *last,
    const char *path)
{
	struct buf b = { 0 };
	int rc;

	metrics_text(cli, only, rows, n, orphans, holder, last, &b);
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

/* The delegated vendors' last errors (their last rotate run's first
 * failure): as lines, or in JSON every delegated vendor shown. */
static void
delegated_errors(struct cli *cli, const char *only, struct buf *b)
{
	char when[UTIL_TIME_LEN];
	struct status_deleg *d;
	size_t n, i;

	d = status_delegated(&cli->lc, only, &n);
	for (i = 0; i < n; i++) {
		if (cli->json) {
			buf_puts(b, i ? ",\n  " : "\n  ");
			buf_puts(b, "{\"vendor\": ");
			buf_json_str(b, d[i].v->name);
			buf_puts(b, ", \"error\": ");
			if (d[i].error != NULL) {
				buf_json_str(b, d[i].error);
				buf_printf(b, ", \"error_at\": \"%s\"}",
				    util_fmt_time(d[i].error_at, when));
			} else
				buf_puts(b, "null, \"error_at\": null}");
		} else if (d[i].error != NULL)
			buf_printf(b, "%-20s delegated: last error (%s): %s\n",
			    d[i].v->name, util_fmt_time(d[i].error_at, when),
			    d[i].error);
	}
	free(d);
}

/* A JSON string, or null. */
static void
json_or_null(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		buf_json_str(b, s);
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
	char since[UTIL_TIME_LEN];
	struct buf b = { 0 };
	size_t i, n, norphans;
	int c, rc = 0, w;
	bool dmarc_trouble;
	char *holder = NULL, *last = NULL;

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
	if (ks_cluster_info(cli->ks, &holder, &last) == -1)
		return -1;
	rows = status_rows(&cli->lc, only, &n);
	w = vendor_width(rows, n);
	if (ks_simulated_since(cli->ks) != 0)
		util_fmt_time(ks_simulated_since(cli->ks), since);
	if (cli->json) {
		buf_puts(&b, "{\"simulated\": ");
		if (ks_simulated_since(cli->ks) != 0)
			buf_printf(&b, "{\"since\": \"%s\"}", since);
		else
			buf_puts(&b, "null");
		if (holder != NULL || last != NULL) {
			/* a keystore in etcd */
			buf_puts(&b, ",\n \"cluster\": {\"lock_holder\": ");
			json_or_null(&b, holder);
			buf_puts(&b, ", \"last_run\": ");
			json_or_null(&b, last);
			buf_puts(&b, "}");
		}
		buf_puts(&b, ",\n \"schedules\": [");
		for (i = 0; i < n; i++) {
			buf_puts(&b, i ? ",\n  " : "\n  ");
			status_json(cli, &rows[i], &b);
		}
	} else {
		if (ks_simulated_since(cli->ks) != 0)
			buf_printf(&b, "simulated keystore since %s: its times "
			    "are DKIMKEYS_NOW's, not the clock's\n", since);
		if (holder != NULL || last != NULL)
			buf_printf(&b, "etcd: lock %s%s; last commit by %s\n",
			    holder ? "held by " : "free", holder ? holder : "",
			    last ? last : "none yet");
		buf_printf(&b, "%-*s %-7s %-40s %5s  %-26s %s\n", w, "VENDOR",
		    "ALG", "ACTIVE KEY", "AGE", "NEXT", "WHEN");
	}
	for (i = 0; i < n && !cli->json; i++)
		status_text(cli, &rows[i], w, &b);
	if (cli->json)
		buf_puts(&b, "],\n \"delegated\": [");
	delegated_list(cli, only, &b);
	if (cli->json)
		buf_puts(&b, "],\n \"delegated_vendors\": [");
	delegated_errors(cli, only, &b);
	if (cli->json)
		buf_puts(&b, "],\n \"dmarc\": [");
	dmarc_trouble = status_dmarc(cli, only, &b);
	if (cli->json)
		buf_puts(&b, "],\n \"orphans\": [");
	norphans = orphan_list(cli, &b);
	if (cli->json)
		buf_puts(&b, "]}\n");
	fputs(b.data, stdout);
	if (prom != NULL)
		rc = prometheus(cli, only, rows, n, norphans, holder, last,
		    prom);
	/* like check: 1 when something needs the operator */
	if (rc == 0 && (status_trouble(&cli->lc, only, rows, n) ||
	    dmarc_trouble))
		log_status_set(1);
	buf_free(&b);
	free(rows);
	free(holder);
	free(last);
	return rc;
}
