/*
 * cli.h - what main.c and the cmd_*.c files share (cli.c): the run's
 * context, the command table and the helpers every command uses.
 */
#ifndef DKIMKEYS_CLI_H
#define DKIMKEYS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "keystore/keystore.h"
#include "lifecycle/lifecycle.h"

/* What a command needs before it runs (struct cmd flags). */
#define CMD_CONFIG 0x1  /* the parsed configuration */
#define CMD_STORE 0x2   /* the keystore, read-only (no lock) */
#define CMD_LOCKED 0x4  /* the keystore with the exclusive lock */
#define CMD_CLOCK 0x8   /* changes the keystore: takes --accept-time-jump
			   (the clock guard, lc_clock_ok) */
#define CMD_CHANGES 0x10 /* changes it: not under DKIMKEYS_NOW on a
			   real-clock keystore (lc_simulation_ok) */

struct cli;

/* A row of the command table (commands.c). */
struct cmd {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	unsigned flags;
	const char *args;    /* usage after the command name */
	const char *summary;
};

struct cli {
	const struct cmd *cmd;  /* the running command, NULL before */
	const char *config_opt; /* -c */
	struct config *cfg;
	struct ks *ks;
	struct lc lc;           /* cfg, ks and the run's now */
	bool json;
	bool quiet;             /* -q */
	bool wait;
	int64_t wait_for;       /* --wait=DURATION, 0: for ever */
	unsigned jobs;
	struct secret *pass;    /* read once, on first cli_unlock */
};

/* Now, and the configuration and keystore as cmd's flags ask. */
int cli_prepare(struct cli *cli, const struct cmd *cmd);
/* Frees what the run holds (the passphrase, keystore, configuration). */
void cli_close(struct cli *cli);
/* Unlocks the keystore, reading the passphrase on first use. */
int cli_unlock(struct cli *cli);
/* 0 when name is a vendor section (domains_file ones too), else 64. */
int cli_section(struct cli *cli, const char *name);
/* Opens the keystore (with the lock when asked), for commands that
 * decide themselves. */
int cli_open_store(struct cli *cli, bool lock);
/* The same for another keystore than the configured one (migrate FROM),
 * with the configuration's etcd_* client settings. */
int cli_open_keystore(struct cli *cli, const char *keystore, bool lock);
/* The configured vendor of that name, or NULL after logging (64). */
const struct vendor *cli_vendor(struct cli *cli, const char *name);
/* name (a KEY or other record name) as a JSON string, with the final dot
 * that every KEY carries in JSON (SPEC 3). */
void cli_json_key(struct buf *b, const char *name);
/* Prints "usage: dkimkeys NAME ARGS" for the running command and
 * records 64; returns -1. */
int cli_usage(const struct cli *cli);
/* One line for an unknown option or a missing value (getopt's c), naming
 * the running command's usage (none yet: the global options), and 64. */
void cli_bad_option(const struct cli *cli, char **argv, int c);
/* getopt_long over a command's arguments (argv[0] is the command); returns
 * as getopt_long, '?' after printing the command's usage. */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *opts,
    const struct option *longopts);

#endif
