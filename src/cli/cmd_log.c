/*
 * cmd_log.c - log: the audit trail, whole, of one vendor, or verified.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "support/util.h"

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

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if (c != 'V')
			return -1;
		verify = true;
	}
	if (optind + 1 < argc)
		return cli_usage(cli);
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
