/*
 * cmd_txt.c - txt: the DNS records to publish, in the format asked.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "dns/dnsrec.h"
#include "support/log.h"

/* Whether name is the section of a configured vendor. */
static bool
section_known(const struct cli *cli, const char *name)
{
	size_t i;

	for (i = 0; i < cli->cfg->nvendors; i++)
		if (strcmp(cli->cfg->vendors[i].section, name) == 0)
			return true;
	return false;
}

/* The records of the keys selected by arg (vendor, KEY or all). */
static int
txt_collect(struct cli *cli, const char *arg, struct dnsrec **out, size_t *nout)
{
	struct ks_key *const *keys, *only = NULL;
	const struct vendor *v;
	const char *vendor = NULL;
	struct dnsrec *recs;
	size_t n, i, nrec = 0;
	bool revoked;

	/* a vendor, a section (all of its domains), an orphan's name or a
	 * KEY */
	if (arg != NULL && (config_vendor(cli->cfg, arg) != NULL ||
	    lc_orphans_of(&cli->lc, arg) > 0 || section_known(cli, arg)))
		vendor = arg;
	else if (arg != NULL && (only = lc_find(&cli->lc, arg)) == NULL)
		return -1;
	keys = ks_keys(cli->ks, &n);
	recs = xcalloc(n, sizeof(*recs));
	for (i = 0; i < n; i++) {
		if ((only != NULL && keys[i] != only) ||
		    (vendor != NULL &&
		    !lc_vendor_named(vendor, keys[i]->vendor)) ||
		    !lc_served(&cli->lc, keys[i], &revoked))
			continue;
		/* an orphan's record keeps its section's ttl and testing;
		 * one that rotate does not take to destroyed is said */
		v = lc_record_vendor(&cli->lc, keys[i]);
		if (lc_vendor(&cli->lc, keys[i]) == NULL &&
		    (v == NULL || !lc_leaving(&cli->lc, keys[i])))
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

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if (c != 'f')
			return -1;
		if (dnsrec_format_parse(optarg, &fmt) == -1) {
			log_fail(EX_USAGE, "--format: '%s' is not zone, value, "
			    "name-value, json or nsupdate", optarg);
			return -1;
		}
		given = true;
	}
	if (optind + 1 < argc)
		return cli_usage(cli);
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
