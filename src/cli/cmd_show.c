/*
 * cmd_show.c - the read-only views: list, txt, log, config-check.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dns/dnsrec.h"
#include "support/dkim.h"
#include "support/log.h"

/* The time the key entered its current state. */
static int64_t
since(const struct ks_key *k)
{
	const int64_t t[] = { k->created, k->published, k->activated,
		k->retired, k->revoked, k->withdrawn, k->destroyed };

	return t[k->state];
}

static void
list_json_key(struct buf *b, const struct ks_key *k)
{
	const struct {
		const char *name;
		int64_t t;
	} dates[] = { { "created", k->created }, { "published", k->published },
		{ "visible_since", k->visible }, { "activated", k->activated },
		{ "retired", k->retired }, { "revoked", k->revoked },
		{ "withdrawn", k->withdrawn }, { "destroyed", k->destroyed } };
	char when[UTIL_TIME_LEN], fpr[2 * KS_FPR_LEN + 1];
	size_t i;

	util_hex(k->fpr, sizeof(k->fpr), fpr);
	buf_puts(b, "{\"vendor\": ");
	buf_json_str(b, k->vendor);
	buf_printf(b, ", \"key\": \"%s._domainkey.%s.\", \"domain\": \"%s\", "
	    "\"selector\": \"%s\", \"algorithm\": \"%s\", \"bits\": %u, "
	    "\"state\": \"%s\", \"compromised\": %s, \"fingerprint\": "
	    "\"sha256:%s\"", k->selector, k->domain, k->domain, k->selector,
	    dk_alg_name(k->alg), k->bits, ks_state_name(k->state),
	    k->compromised ? "true" : "false", fpr);
	for (i = 0; i < ARRAY_LEN(dates); i++) {
		if (dates[i].t == 0)
			buf_printf(b, ", \"%s\": null", dates[i].name);
		else
			buf_printf(b, ", \"%s\": \"%s\"", dates[i].name,
			    util_fmt_time(dates[i].t, when));
	}
	buf_puts(b, "}");
}

int
cmd_list(struct cli *cli, int argc, char **argv)
{
	const char *vendor = NULL;
	struct ks_key *const *keys;
	struct buf b = { 0 };
	char when[UTIL_TIME_LEN], fpr[2 * KS_FPR_LEN + 1], *name;
	size_t n, i, shown = 0;

	if (cli_getopt(cli, argc, argv, "", NULL, "list") != -1)
		return -1;
	if (optind + 1 < argc)
		return cli_usage("list");
	if (optind < argc && cli_vendor(cli, vendor = argv[optind]) == NULL)
		return -1;
	keys = ks_keys(cli->ks, &n);
	if (cli->json)
		buf_puts(&b, "{\"keys\": [");
	else
		buf_printf(&b, "%-16s %-44s %-7s %4s %-9s %-20s %s\n", "VENDOR",
		    "KEY", "ALG", "BITS", "STATE", "SINCE", "FINGERPRINT");
	for (i = 0; i < n; i++) {
		if (vendor != NULL && strcmp(keys[i]->vendor, vendor) != 0)
			continue;
		if (cli->json) {
			buf_puts(&b, shown++ == 0 ? "\n  " : ",\n  ");
			list_json_key(&b, keys[i]);
			continue;
		}
		util_hex(keys[i]->fpr, sizeof(keys[i]->fpr), fpr);
		name = xasprintf("%s._domainkey.%s", keys[i]->selector,
		    keys[i]->domain);
		buf_printf(&b, "%-16s %-44s %-7s %4u %-9s %-20s "
		    "sha256:%.16s%s\n", keys[i]->vendor, name,
		    dk_alg_name(keys[i]->alg), keys[i]->bits,
		    ks_state_name(keys[i]->state),
		    util_fmt_time(since(keys[i]), when), fpr,
		    keys[i]->compromised ? " compromised" : "");
		free(name);
	}
	if (cli->json)
		buf_puts(&b, shown != 0 ? "\n]}\n" : "]}\n");
	fputs(b.data, stdout);
	buf_free(&b);
	return 0;
}

/* The records of the keys selected by arg (vendor, KEY or all). */
static int
txt_collect(struct cli *cli, const char *arg, struct dnsrec **out, size_t *nout)
{
	struct ks_key *const *keys, *only = NULL;
	const struct vendor *v, *vendor = NULL;
	struct dnsrec *recs;
	size_t n, i, nrec = 0;
	bool revoked;

	if (arg != NULL && (vendor = config_vendor(cli->cfg, arg)) == NULL &&
	    (only = lc_find(&cli->lc, arg)) == NULL)
		return -1;
	keys = ks_keys(cli->ks, &n);
	recs = xcalloc(n, sizeof(*recs));
	for (i = 0; i < n; i++) {
		if ((only != NULL && keys[i] != only) ||
		    (vendor != NULL &&
		    strcmp(keys[i]->vendor, vendor->name) != 0) ||
		    !lc_served(&cli->lc, keys[i], &revoked))
			continue;
		if ((v = lc_vendor(&cli->lc, keys[i])) == NULL)
			log_warn("%s._domainkey.%s: vendor %s is no longer "
			    "configured (orphan)", keys[i]->selector,
			    keys[i]->domain, keys[i]->vendor);
		dnsrec_make(&recs[nrec++], keys[i]->selector, keys[i]->domain,
		    v != NULL ? v->ttl : 3600, keys[i]->alg,
		    revoked ? NULL : keys[i]->pub,
		    revoked ? 0 : keys[i]->publen,
		    v != NULL && v->testing);
	}
	*out = recs;
	*nout = nrec;
	return 0;
}

int
cmd_txt(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	enum dnsrec_format fmt = DNSREC_ZONE;
	bool given = false;
	struct dnsrec *recs = NULL;
	size_t n = 0, i;
	int c, rc = -1;

	while ((c = cli_getopt(cli, argc, argv, "", longopts,
	    "txt")) != -1) {
		if (c != 'f')
			return -1;
		if (dnsrec_format_parse(optarg, &fmt) == -1) {
			log_fail(EX_USAGE, "--format: '%s' is not zone, value, "
			    "json or nsupdate", optarg);
			return -1;
		}
		given = true;
	}
	if (optind + 1 < argc)
		return cli_usage("txt");
	if (cli->json && !given)
		fmt = DNSREC_JSON;
	if (txt_collect(cli, optind < argc ? argv[optind] : NULL, &recs,
	    &n) == -1)
		goto out;
	rc = dnsrec_write(stdout, fmt, recs, n);
out:
	for (i = 0; i < n; i++)
		dnsrec_clear(&recs[i]);
	free(recs);
	return rc;
}

int
cmd_log(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verify", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool verify = false;
	unsigned long entries;
	char line[8192], *match = NULL;
	FILE *f;
	int c;

	while ((c = cli_getopt(cli, argc, argv, "", longopts,
	    "log")) != -1) {
		if (c != 'V')
			return -1;
		verify = true;
	}
	if (optind + 1 < argc)
		return cli_usage("log");
	if (optind < argc) {
		if (cli_vendor(cli, argv[optind]) == NULL)
			return -1;
		match = xasprintf("\"vendor\":\"%s\"", argv[optind]);
	}
	if (verify) {
		free(match);
		if (ks_audit_verify(cli->ks, &entries) == -1)
			return -1;
		printf("audit log intact: %lu entries\n", entries);
		return 0;
	}
	if ((f = fopen(ks_audit_path(cli->ks), "re")) == NULL) {
		free(match);
		return 0; /* nothing audited yet */
	}
	c = 0;
	if (cli->json)
		fputs("[", stdout);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (match != NULL && strstr(line, match) == NULL)
			continue;
		if (cli->json) {
			line[strcspn(line, "\n")] = '\0';
			printf("%s\n%s", c++ ? "," : "", line);
		} else
			fputs(line, stdout);
	}
	if (cli->json)
		fputs("\n]\n", stdout);
	fclose(f);
	free(match);
	return 0;
}

int
cmd_config_check(struct cli *cli, int argc, char **argv)
{
	const char *path = config_path(cli->config_opt);

	if (cli_getopt(cli, argc, argv, "", NULL, "config-check") != -1)
		return -1;
	if (optind != argc)
		return cli_usage("config-check");
	if (config_load(path, &cli->cfg) == -1)
		return -1;
	printf("%s: ok, %zu vendor%s\n", path, cli->cfg->nvendors,
	    cli->cfg->nvendors == 1 ? "" : "s");
	return 0;
}
