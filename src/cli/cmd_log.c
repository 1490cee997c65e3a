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

/*
 * An audit line (without its LF) as an element of log --json: the key
 * with its final dot, as in every JSON output (SPEC 3). The line as stored
 * has none, and its hash in the next entry's prev covers it as stored.
 */
static void
print_json_entry(const char *line, bool first)
{
	static const char field[] = ",\"key\":\"";
	const char *k = strstr(line, field), *end = NULL;

	if (k != NULL)
		end = strchr(k + sizeof(field) - 1, '"');
	fputs(first ? "\n" : ",\n", stdout);
	if (end == NULL || end == k + sizeof(field) - 1 || end[-1] == '.') {
		fputs(line, stdout);
		return;
	}
	printf("%.*s.%s", (int)(end - line), line, end);
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
			print_json_entry(line, c++ == 0);
		} else
			fputs(line, stdout);
	}
	if (cli->json)
		fputs("\n]\n", stdout);
	fclose(f);
	free(match);
	return 0;
}
