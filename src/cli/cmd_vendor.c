/*
 * cmd_vendor.c - hold, release and decommission: a vendor's schedule
 * stopped, resumed or wound down.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/vendor_state.h"
#include "support/dkim.h"
#include "support/log.h"

static int
vendor_cmd(struct cli *cli, int argc, char **argv, enum vendor_state_op op)
{
	const struct vendor *v;

	if (cli_getopt(cli, argc, argv, "", NULL) != -1)
		return -1;
	if (optind + 1 != argc)
		return cli_usage(cli);
	if ((v = cli_vendor(cli, argv[optind])) == NULL ||
	    vendor_state_set(&cli->lc, v, op) == -1)
		return -1;
	printf("%s: %s\n", v->name, op == VENDOR_HOLD ? "held: no automatic "
	    "transition until release" : op == VENDOR_RELEASE ? "released" :
	    "decommissioned: its keys are retired, revoked, withdrawn and "
	    "destroyed on the normal timers");
	return 0;
}

int
cmd_hold(struct cli *cli, int argc, char **argv)
{
	return vendor_cmd(cli, argc, argv, VENDOR_HOLD);
}

int
cmd_release(struct cli *cli, int argc, char **argv)
{
	return vendor_cmd(cli, argc, argv, VENDOR_RELEASE);
}

/* decommission of a section: each of its vendors. */
static int
decommission_section(struct cli *cli, const char *name)
{
	const struct config *cfg = cli->cfg;
	size_t i, done = 0;

	for (i = 0; i < cfg->nvendors; i++) {
		if (strcmp(cfg->vendors[i].section, name) != 0)
			continue;
		if (vendor_state_set(&cli->lc, &cfg->vendors[i],
		    VENDOR_DECOMMISSION) == -1)
			return -1;
		done++;
	}
	return (int)done;
}

/* decommission --alg of a vendor, or of each vendor of a section. */
static int
decommission_alg(struct cli *cli, const char *name, enum dk_alg alg)
{
	const struct config *cfg = cli->cfg;
	size_t i, done = 0;

	if (config_vendor(cfg, name) == NULL)
		for (i = 0; i < cfg->nvendors; i++) {
			if (strcmp(cfg->vendors[i].section, name) != 0)
				continue;
			if (vendor_state_decommission_alg(&cli->lc,
			    cfg->vendors[i].name, alg) == -1)
				return -1;
			done++;
		}
	if (done == 0 &&
	    vendor_state_decommission_alg(&cli->lc, name, alg) == -1)
		return -1;
	printf("%s: %s decommissioned: its %s keys are retired, revoked, "
	    "withdrawn and destroyed on the normal timers, with the "
	    "vendor's hooks\n", name,
	    dk_alg_name(alg), dk_alg_name(alg));
	return 0;
}

int
cmd_decommission(struct cli *cli, int argc, char **argv)
{
	const struct vendor *v;
	const char *name;
	long orphans;
	int n;

	static const struct option longopts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	enum dk_alg alg = DK_ALG_NONE;
	int c;

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if (c != 'a')
			return -1;
		if ((alg = dk_alg_parse(optarg)) == DK_ALG_NONE) {
			log_fail(EX_USAGE, "--alg: '%s' is not rsa or ed25519",
			    optarg);
			return -1;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cli);
	name = argv[optind];
	if (alg != DK_ALG_NONE)
		return decommission_alg(cli, name, alg);
	if ((v = config_vendor(cli->cfg, name)) != NULL) {
		if (vendor_state_set(&cli->lc, v, VENDOR_DECOMMISSION) == -1)
			return -1;
		printf("%s: decommissioned: its keys are retired, revoked, "
		    "withdrawn and destroyed on the normal timers\n", v->name);
		return 0;
	}
	/* a section: its vendors; orphans of its removed domains too */
	if ((n = decommission_section(cli, name)) == -1 ||
	    (orphans = vendor_state_decommission_orphans(&cli->lc, name)) == -1)
		return -1;
	if (n == 0 && orphans == 0) {
		log_fail(EX_USAGE, "unknown vendor '%s': neither a "
		    "[vendor:NAME] section of %s nor a vendor with keys "
		    "left in the keystore", name, cli->cfg->path);
		return -1;
	}
	if (n > 0)
		printf("%s: %d vendors decommissioned: their keys are retired, "
		    "revoked, withdrawn and destroyed on the normal timers\n",
		    name, n);
	if (orphans > 0)
		printf("%s: %ld orphaned keys marked leaving: rotate takes "
		    "them through retire, revoke, withdraw and destroy with "
		    "the settings and hooks of their section where it "
		    "remains; a removed section's records are yours to "
		    "remove from DNS\n", name, orphans);
	return 0;
}
