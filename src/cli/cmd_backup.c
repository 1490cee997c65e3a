/*
 * cmd_backup.c - backup: a consistent snapshot of the keystore.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"

int
cmd_backup(struct cli *cli, int argc, char **argv)
{
	if (cli_getopt(cli, argc, argv, "", NULL) != -1)
		return -1;
	if (optind + 1 != argc)
		return cli_usage(cli);
	if (ks_backup(cli->ks, argv[optind]) == -1)
		return -1;
	printf("keystore backed up to %s\n", argv[optind]);
	return 0;
}
