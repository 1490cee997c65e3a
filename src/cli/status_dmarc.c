/*
 * status_dmarc.c - the last DMARC observations as status text, JSON and
 * Prometheus samples (status_dmarc.h).
 */
#include <string.h>

#include "status_dmarc.h"
#include "lifecycle/dmarc_obs.h"
#include "support/util.h"

/* The observation of the i-th configured vendor, when it is shown. */
static const struct dmarc_obs *
shown(struct cli *cli, const char *only, const struct dmarc_obs_set *set,
    size_t i)
{
	const char *name = cli->cfg->vendors[i].name;

	if (only != NULL && !lc_vendor_named(only, name))
		return NULL;
	return dmarc_obs_find(set, name);
}

static void
tri_json(struct buf *b, const char *name, int v)
{
	buf_printf(b, ", \"%s\": %s", name, v == 1 ? "true" : v == 0 ?
	    "false" : "null");
}

static void
obs_json(const struct dmarc_obs *o, struct buf *b)
{
	char t[UTIL_TIME_LEN];

	buf_puts(b, "{\"vendor\": ");
	buf_json_str(b, o->vendor);
	buf_printf(b, ", \"checked\": \"%s\", \"record\": ",
	    util_fmt_time(o->at, t));
	if (o->record != NULL)
		cli_json_key(b, o->record);
	else
		buf_puts(b, "null");
	buf_puts(b, ", \"policy\": ");
	if (o->policy[0] != '\0')
		buf_json_str(b, o->policy);
	else
		buf_puts(b, "null");
	if (o->none_since != 0)
		buf_printf(b, ", \"none_since\": \"%s\"",
		    util_fmt_time(o->none_since, t));
	else
		buf_puts(b, ", \"none_since\": null");
	tri_json(b, "spf", o->spf);
	tri_json(b, "aligned", o->aligned);
	buf_printf(b, ", \"errors\": %u, \"warnings\": %u, \"problem\": ",
	    o->errors, o->warnings);
	if (o->problem != NULL)
		buf_json_str(b, o->problem);
	else
		buf_puts(b, "null");
	buf_puts(b, "}");
}

static const char *
tri_text(int v)
{
	return v == 1 ? "ok" : v == 0 ? "FAILS" : "-";
}

bool
status_dmarc(struct cli *cli, const char *only, struct buf *b)
{
	struct dmarc_obs_set set;
	char t[UTIL_TIME_LEN];
	bool trouble = false;
	size_t i, n = 0;

	dmarc_obs_load(&cli->lc, &set);
	for (i = 0; i < cli->cfg->nvendors; i++) {
		const struct dmarc_obs *o = shown(cli, only, &set, i);

		if (o == NULL)
			continue;
		trouble |= o->errors > 0;
		if (cli->json) {
			buf_puts(b, n++ ? ",\n  " : "\n  ");
			obs_json(o, b);
			continue;
		}
		buf_printf(b, "%-20s dmarc: p=%s (%s) spf %s, aligned %s, "
		    "%u error%s, %u warning%s, checked %s%s%s\n", o->vendor,
		    o->policy[0] != '\0' ? o->policy : "?",
		    o->record != NULL ? o->record : "no record",
		    tri_text(o->spf), tri_text(o->aligned), o->errors,
		    o->errors == 1 ? "" : "s", o->warnings,
		    o->warnings == 1 ? "" : "s", util_fmt_time(o->at, t),
		    o->problem != NULL ? "; " : "",
		    o->problem != NULL ? o->problem : "");
	}
	dmarc_obs_free(&set);
	return trouble;
}

/* One sample of each observation shown. */
static void
samples(struct buf *b, const struct dmarc_obs_set *set, struct cli *cli,
    const char *only, const char *name, const char *help, int what)
{
	const struct dmarc_obs *o;
	size_t i;
	long long v;

	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (i = 0; i < cli->cfg->nvendors; i++) {
		if ((o = shown(cli, only, set, i)) == NULL)
			continue;
		v = what == 0 ? (long long)o->errors :
		    what == 1 ? (long long)o->at :
		    what == 2 ? (o->policy[0] == '\0' ? -1 :
		    strcmp(o->policy, "reject") == 0 ? 2 :
		    strcmp(o->policy, "quarantine") == 0 ? 1 : 0) :
		    what == 3 ? o->spf : o->aligned;
		/* vendor names are letters, digits, '-', '.' and '/' */
		buf_printf(b, "%s{vendor=\"%s\"} %lld\n", name, o->vendor, v);
	}
}

void
status_dmarc_metrics(struct cli *cli, const char *only, struct buf *b)
{
	struct dmarc_obs_set set;

	dmarc_obs_load(&cli->lc, &set);
	samples(b, &set, cli, only, "dkimkeys_dmarc_errors", "Errors the "
	    "last DMARC, SPF and alignment check of the vendor found.", 0);
	samples(b, &set, cli, only, "dkimkeys_dmarc_checked_timestamp_seconds",
	    "When the vendor's DMARC was last checked.", 1);
	samples(b, &set, cli, only, "dkimkeys_dmarc_policy", "The DMARC "
	    "policy that applies: 2 reject, 1 quarantine, 0 none, -1 no valid "
	    "record.", 2);
	samples(b, &set, cli, only, "dkimkeys_spf_ok", "1 when SPF holds "
	    "spf_include within 10 lookups, 0 when not, -1 not asked.", 3);
	samples(b, &set, cli, only, "dkimkeys_dkim_aligned", "1 when the "
	    "key's domain aligns with from_domain, 0 when not, -1 not asked.",
	    4);
	dmarc_obs_free(&set);
}
