/*
 * commands.c - the command table: each command's function, what it needs
 * prepared, its arguments and its line in the usage.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "commands.h"
#include "support/util.h"

static const struct cmd commands[] = {
	{ "init", cmd_init, CMD_CONFIG,
	    "[--kdf interactive|moderate|sensitive] [--new-passphrase-file F]",
	    "create the encrypted keystore" },
	{ "keygen", cmd_keygen, CMD_CONFIG | CMD_LOCKED |
	    CMD_CLOCK | CMD_CHANGES,
	    "VENDOR [--alg rsa|ed25519] [--bits N] [--selector NAME] "
	    "[--accept-time-jump]",
	    "make the vendor's next key now" },
	{ "import", cmd_import, CMD_CONFIG | CMD_LOCKED |
	    CMD_CLOCK | CMD_CHANGES,
	    "VENDOR FILE [--selector NAME] [--state active --since DATE] "
	    "[--no-dns-check] [--force] [--accept-time-jump]",
	    "take an existing private key as the vendor's next key" },
	{ "list", cmd_list, CMD_CONFIG | CMD_STORE, "[VENDOR]",
	    "every key with its state, dates and fingerprint" },
	{ "txt", cmd_txt, CMD_CONFIG | CMD_STORE,
	    "[VENDOR|KEY] [--format zone|value|name-value|json|nsupdate]",
	    "the DNS records to publish" },
	{ "export", cmd_export, CMD_CONFIG | CMD_STORE | CMD_CHANGES,
	    "KEY [--format pem|pkcs1|raw] [-o FILE] [--force]",
	    "write a decrypted private key" },
	{ "passwd", cmd_passwd, CMD_CONFIG | CMD_LOCKED | CMD_CHANGES,
	    "[--rekey] [--new-passphrase-file F]",
	    "change the passphrase (and with --rekey the master key)" },
	{ "log", cmd_log, CMD_CONFIG | CMD_STORE, "[VENDOR] [--verify]",
	    "the audit trail" },
	{ "rotate", cmd_rotate, CMD_CONFIG,
	    "[VENDOR...] [-n] [--force] [--republish] [--settle[=DURATION]] "
	    "[--accept-time-jump] [--simulate]",
	    "advance every schedule as far as time and DNS allow (cron)" },
	{ "status", cmd_status, CMD_CONFIG | CMD_STORE,
	    "[VENDOR] [--prometheus FILE]",
	    "active keys, next steps, late or held vendors, orphans" },
	{ "plan", cmd_plan, CMD_CONFIG | CMD_STORE,
	    "[VENDOR...] [--until DATE|--for DURATION]",
	    "every future event and its earliest date (default: a year)" },
	{ "revoke", cmd_revoke, CMD_CONFIG | CMD_LOCKED |
	    CMD_CLOCK | CMD_CHANGES,
	    "KEY [--reason TEXT] [--accept-time-jump]",
	    "revoke a compromised key now and replace it" },
	{ "hold", cmd_hold, CMD_CONFIG | CMD_LOCKED |
	    CMD_CLOCK | CMD_CHANGES,
	    "VENDOR [--accept-time-jump]",
	    "stop automatic transitions for a vendor" },
	{ "release", cmd_release, CMD_CONFIG | CMD_LOCKED |
	    CMD_CLOCK | CMD_CHANGES,
	    "VENDOR [--accept-time-jump]", "resume automatic transitions" },
	{ "decommission", cmd_decommission,
	    CMD_CONFIG | CMD_LOCKED |
	    CMD_CLOCK | CMD_CHANGES,
	    "VENDOR [--alg ALG] [--accept-time-jump]",
	    "retire every key of a vendor that is leaving, or of one "
	    "algorithm" },
	{ "check", cmd_check, CMD_CONFIG | CMD_STORE, "[VENDOR...]",
	    "compare what DNS serves with the keystore" },
	{ "backup", cmd_backup, CMD_CONFIG | CMD_LOCKED, "FILE",
	    "a consistent snapshot of the keystore (tar)" },
	{ "migrate", cmd_migrate, CMD_CONFIG,
	    "[FROM] TO (each a folder or etcd://HOST:PORT[,...]/PREFIX)",
	    "copy a keystore (default: the configured one) to a new folder "
	    "or to etcd, then check the copy" },
	{ "config-check", cmd_config_check, 0, "",
	    "parse and validate the configuration" },
};

void
commands_print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: dkimkeys [-c FILE] [-v|-q] [--json] [--jobs N] "
	    "[--wait[=DURATION]] COMMAND [ARGS]\n"
	    "       dkimkeys --version | COMMAND --help\n\ncommands:\n");
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-13s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f, "\nsee dkimkeys(8) and dkimkeys.conf(5)\n");
}

void
commands_print_help(const struct cmd *cmd, FILE *f)
{
	fprintf(f, "usage: dkimkeys %s%s%s\n%s\n", cmd->name,
	    cmd->args[0] != '\0' ? " " : "", cmd->args, cmd->summary);
}

const struct cmd *
commands_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
