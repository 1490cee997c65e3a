/*
 * cmd_vendor.c - hold, release and decommission: a vendor's schedule
 * stopped, resumed or wound down.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/vendor_state.h"

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

int
cmd_decommission(struct cli *cli, int argc, char **argv)
{
	return vendor_cmd(cli, argc, argv, VENDOR_DECOMMISSION);
}
