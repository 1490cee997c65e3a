/*
 * cmd_list.c - list: every key with its state, dates and fingerprint.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "support/dkim.h"
#include "support/util.h"

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

	if (cli_getopt(cli, argc, argv, "", NULL) != -1)
		return -1;
	if (optind + 1 < argc)
		return cli_usage(cli);
	/* a vendor, a section (all of its domains) or an orphan's name */
	if (optind < argc && config_vendor(cli->cfg, vendor = argv[optind]) ==
	    NULL && lc_orphans_of(&cli->lc, vendor) == 0 &&
	    cli_section(cli, vendor) == -1)
		return -1;
	keys = ks_keys(cli->ks, &n);
	if (cli->json)
		buf_puts(&b, "{\"keys\": [");
	else
		buf_printf(&b, "%-16s %-44s %-7s %4s %-9s %-20s %s\n", "VENDOR",
		    "KEY", "ALG", "BITS", "STATE", "SINCE", "FINGERPRINT");
	for (i = 0; i < n; i++) {
		if (vendor != NULL && !lc_vendor_named(vendor, keys[i]->vendor))
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
