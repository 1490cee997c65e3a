/*
 * cli.c - what the commands share: options, the configuration, the
 * keystore and its unlocking, usage messages.
 */
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keystore/ksaudit_seg.h"
#include "secret/passphrase.h"
#include "secret/secret.h"
#include "support/log.h"

void
cli_bad_option(const struct cli *cli, char **argv, int c)
{
	const char *opt = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (optopt != 0)
		opt = shortopt;
	if (cli->cmd != NULL)
		log_fail(EX_USAGE, "%s: %s option %s; usage: dkimkeys %s %s",
		    cli->cmd->name, c == ':' ? "missing value for" : "unknown",
		    opt, cli->cmd->name, cli->cmd->args);
	else
		log_fail(EX_USAGE, "%s option %s; see dkimkeys --help",
		    c == ':' ? "missing value for" : "unknown", opt);
}

void
cli_json_key(struct buf *b, const char *name)
{
	size_t len = strlen(name);
	char *dotted;

	if (len > 0 && name[len - 1] == '.') {
		buf_json_str(b, name);
		return;
	}
	dotted = xasprintf("%s.", name);
	buf_json_str(b, dotted);
	free(dotted);
}

int
cli_usage(const struct cli *cli)
{
	if (cli->cmd != NULL)
		fprintf(stderr, "usage: dkimkeys %s %s\n", cli->cmd->name,
		    cli->cmd->args);
	log_status_set(EX_USAGE);
	return -1;
}

int
cli_getopt(struct cli *cli, int argc, char **argv, const char *opts,
    const struct option *longopts)
{
	struct option all[16];
	char optstr[32];
	size_t n = 0;
	int c;

	/* --json may also follow the command */
	for (; longopts != NULL && longopts[n].name != NULL; n++)
		all[n] = longopts[n];
	all[n++] = (struct option){ "json", no_argument, NULL, 0x100 };
	if (cli->cmd != NULL && (cli->cmd->flags & CMD_CLOCK) != 0)
		all[n++] = (struct option){ "accept-time-jump", no_argument,
		    NULL, 0x101 };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	/* a leading ':' makes a missing value ':' rather than '?' */
	snprintf(optstr, sizeof(optstr), ":%s", opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstr, all, NULL)) == 0x100 ||
	    c == 0x101) {
		if (c == 0x100)
			cli->json = true;
		else
			cli->lc.accept_jump = true;
	}
	if (c == '?' || c == ':')
		cli_bad_option(cli, argv, c);
	return c;
}

const struct vendor *
cli_vendor(struct cli *cli, const char *name)
{
	const struct vendor *v = config_vendor(cli->cfg, name);

	if (v == NULL)
		log_fail(EX_USAGE, "unknown vendor '%s'; vendors are the "
		    "[vendor:NAME] sections of %s", name, cli->cfg->path);
	return v;
}

int
cli_section(struct cli *cli, const char *name)
{
	size_t i;

	for (i = 0; i < cli->cfg->nvendors; i++)
		if (strcmp(cli->cfg->vendors[i].section, name) == 0)
			return 0;
	log_fail(EX_USAGE, "unknown vendor '%s'; vendors are the "
	    "[vendor:NAME] sections of %s", name, cli->cfg->path);
	return -1;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

int
cli_open_keystore(struct cli *cli, const char *keystore, bool lock)
{
	int flags = lock ? KS_LOCK : 0;
	struct sigaction sa;
	int rc;

	if (flags != 0 && cli->wait)
		flags |= KS_WAIT;
	if (flags != 0 && cli->wait && cli->wait_for > 0) {
		/* --wait=DURATION: the alarm interrupts the wait for the
		 * lock, and ks_open gives up (75) */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		alarm((unsigned)cli->wait_for);
	}
	ksaudit_segment_limit(cli->cfg->audit_segment_size);
	ks_etcd_client(cli->cfg->etcd_ca, cli->cfg->etcd_cert,
	    cli->cfg->etcd_key, cli->cfg->etcd_user,
	    cli->cfg->etcd_password_file);
	rc = ks_open(keystore, flags, &cli->ks);
	alarm(0);
	if (rc == -1)
		return -1;
	cli->lc.ks = cli->ks;
	return 0;
}

int
cli_open_store(struct cli *cli, bool lock)
{
	return cli_open_keystore(cli, cli->cfg->keystore, lock);
}

int
cli_unlock(struct cli *cli)
{
	if (ks_unlocked(cli->ks))
		return 0;
	if (cli->pass == NULL &&
	    secret_passphrase(cli->cfg->passphrase_file,
	    cli->cfg->passphrase_env, &cli->pass) == -1)
		return -1;
	return ks_unlock(cli->ks, cli->pass);
}

/* Configuration, keystore and now, as the command's flags ask. */
int
cli_prepare(struct cli *cli, const struct cmd *cmd)
{
	char when[UTIL_TIME_LEN];

	cli->cmd = cmd;
	if (util_now(&cli->lc.now, &cli->lc.simulated) == -1)
		return -1;
	log_set_now(cli->lc.now); /* log file lines carry the run's now */
	/* said even with -q: every output of this run is simulated */
	if (cli->lc.simulated)
		fprintf(stderr, "dkimkeys: simulated time %s (DKIMKEYS_NOW)\n",
		    util_fmt_time(cli->lc.now, when));
	if ((cmd->flags & CMD_CONFIG) != 0) {
		if (config_load(config_path(cli->config_opt), &cli->cfg) == -1)
			return -1;
		cli->lc.cfg = cli->cfg;
		if (log_open(cli->cfg->log) == -1)
			return -1;
	}
	if ((cmd->flags & (CMD_STORE | CMD_LOCKED)) == 0)
		return 0;
	if (cli_open_store(cli, (cmd->flags & CMD_LOCKED) != 0) == -1)
		return -1;
	if ((cmd->flags & CMD_CHANGES) != 0)
		return lc_simulation_ok(&cli->lc, false);
	return 0;
}

void
cli_close(struct cli *cli)
{
	secret_free(cli->pass);
	cli->pass = NULL;
	lc_release(&cli->lc);
	ks_close(cli->ks);
	cli->ks = NULL;
	config_free(cli->cfg);
	cli->cfg = NULL;
}
