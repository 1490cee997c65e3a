/*
 * main.c - global options, the command of the table, its status as the
 * exit code.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "secret/keygen.h"
#include "secret/secret.h"
#include "support/log.h"
#include "support/version.h"

/* --jobs N: key generation threads, 1 to 1024. */
static int
option_jobs(struct cli *cli, const char *arg)
{
	uint64_t jobs;

	if (util_parse_uint(arg, 1, 1024, &jobs) == -1) {
		log_fail(EX_USAGE, "--jobs: '%s' is not a number from 1 to "
		    "1024", arg);
		return -1;
	}
	cli->jobs = (unsigned)jobs;
	return 0;
}

/* --wait[=DURATION]: wait for the lock, for ever or that long. */
static int
option_wait(struct cli *cli, const char *arg)
{
	cli->wait = true;
	if (arg != NULL && util_parse_duration(arg, &cli->wait_for) == -1) {
		log_fail(EX_USAGE, "--wait: '%s' is not a duration such as 30s "
		    "or 5m", arg);
		return -1;
	}
	return 0;
}

/* Global options; returns the index of the command in argv, 0 after
 * --help or --version, or -1. */
static int
global_options(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "wait", optional_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config_opt = optarg;
			break;
		case 'J':
			cli->json = true;
			break;
		case 'j':
			if (option_jobs(cli, optarg) == -1)
				return -1;
			break;
		case 'W':
			if (option_wait(cli, optarg) == -1)
				return -1;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'q':
			cli->quiet = true;
			log_set_level(LOG_LVL_ERR);
			break;
		case 'h':
			commands_print_usage(stdout);
			return 0;
		case 'V':
			printf("dkimkeys %s\n", DKIMKEYS_VERSION);
			return 0;
		default:
			cli_bad_option(cli, argv, c);
			return -1;
		}
	}
	if (optind >= argc) {
		commands_print_usage(stderr);
		log_status_set(EX_USAGE);
		return -1;
	}
	return optind;
}

/* Whether the command's arguments (argv[0] is the command) ask for its
 * usage: --help or -h before any "--". */
static bool
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	struct cli cli;
	const struct cmd *cmd = NULL;
	int first, rc = -1;

	memset(&cli, 0, sizeof(cli));
	umask(077);
	if (secret_setup() == -1 || keygen_setup() == -1)
		goto out;
	if ((first = global_options(&cli, argc, argv)) <= 0) {
		rc = first;
		goto out;
	}
	if ((cmd = commands_find(argv[first])) == NULL) {
		log_fail(EX_USAGE, "unknown command '%s'; see dkimkeys --help",
		    argv[first]);
		goto out;
	}
	/* before cli_prepare: no configuration, no keystore */
	if (wants_help(argc - first, argv + first)) {
		commands_print_help(cmd, stdout);
		rc = 0;
		goto out;
	}
	if (cli_prepare(&cli, cmd) == -1)
		goto out;
	optind = 0;
	rc = cmd->run(&cli, argc - first, argv + first);
out:
	cli_close(&cli);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_fail(EX_IOERR, "standard output: write error");
		rc = -1;
	}
	log_close();
	if (log_status() != 0)
		return log_status();
	return rc == 0 ? 0 : 1;
}
