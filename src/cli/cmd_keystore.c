/*
 * cmd_keystore.c - init, passwd and migrate: the keystore as a whole.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/migrate.h"
#include "lifecycle/passwd.h"
#include "secret/passphrase.h"
#include "secret/secret.h"
#include "support/log.h"

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kdf", required_argument, NULL, 'k' },
		{ "new-passphrase-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	enum ks_kdf kdf = KS_KDF_MODERATE;
	const char *passfile = NULL;
	struct secret *pass = NULL;
	int c, rc = -1;

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'k':
			if (ks_kdf_parse(optarg, &kdf) == -1) {
				log_fail(EX_USAGE, "--kdf: '%s' is not "
				    "interactive, moderate or sensitive",
				    optarg);
				return -1;
			}
			break;
		case 'p':
			passfile = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		return cli_usage(cli);
	if (secret_new_passphrase(passfile, &pass) == -1)
		goto out;
	ks_etcd_client(cli->cfg->etcd_ca, cli->cfg->etcd_cert,
	    cli->cfg->etcd_key, cli->cfg->etcd_user,
	    cli->cfg->etcd_password_file);
	if (ks_create(cli->cfg->keystore, kdf, pass, cli->lc.now,
	    cli->lc.simulated) == -1)
		goto out;
	log_info("created keystore %s", cli->cfg->keystore);
	if (!cli->json)
		printf("keystore %s created\n", cli->cfg->keystore);
	rc = 0;
out:
	secret_free(pass);
	return rc;
}

int
cmd_passwd(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rekey", no_argument, NULL, 'r' },
		{ "new-passphrase-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *passfile = NULL;
	struct secret *pass = NULL;
	bool rekey = false;
	int c, rc = -1;

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'r':
			rekey = true;
			break;
		case 'p':
			passfile = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		return cli_usage(cli);
	if (cli_unlock(cli) == -1 ||
	    secret_new_passphrase(passfile, &pass) == -1 ||
	    passwd_change(&cli->lc, pass, rekey) == -1)
		goto out;
	printf("passphrase changed%s\n", rekey ? "; every key re-encrypted "
	    "under a new master key" : "");
	rc = 0;
out:
	secret_free(pass);
	return rc;
}

int
cmd_migrate(struct cli *cli, int argc, char **argv)
{
	struct migrate_result r;
	const char *from, *to;

	if (cli_getopt(cli, argc, argv, "", NULL) != -1)
		return -1;
	if (optind + 1 != argc && optind + 2 != argc)
		return cli_usage(cli);
	from = optind + 2 == argc ? argv[optind++] : cli->cfg->keystore;
	to = argv[optind];
	if (strcmp(from, to) == 0) {
		log_fail(EX_USAGE, "migrate: %s: FROM and TO are the same",
		    to);
		return -1;
	}
	/* FROM with its lock, so that it does not change while copied; the
	 * passphrase first: a copy that cannot be checked is not made */
	if (cli_open_keystore(cli, from, true) == -1 ||
	    cli_unlock(cli) == -1 ||
	    migrate_copy(&cli->lc, to, cli->pass, &r) == -1)
		return -1;
	log_info("keystore %s copied to %s", from, to);
	if (!cli->json)
		printf("keystore %s copied to %s: %lu keys decrypt, audit "
		    "log intact (%lu entries)\n", from, to, r.keys,
		    r.entries);
	return 0;
}
