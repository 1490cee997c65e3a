/*
 * cmd_config.c - config-check: the configuration parsed and validated.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/dmarc_check.h"

int
cmd_config_check(struct cli *cli, int argc, char **argv)
{
	const char *path = config_path(cli->config_opt);

	if (cli_getopt(cli, argc, argv, "", NULL) != -1)
		return -1;
	if (optind != argc)
		return cli_usage(cli);
	if (config_load(path, &cli->cfg) == -1)
		return -1;
	dmarc_warn_config(cli->cfg, NULL, 0);
	printf("%s: ok, %zu vendor%s\n", path, cli->cfg->nvendors,
	    cli->cfg->nvendors == 1 ? "" : "s");
	return 0;
}
