/*
 * cmd_rotate.c - the changing commands of the lifecycle: rotate, revoke,
 * hold, release, decommission, backup.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lifecycle/rotate.h"
#include "support/log.h"

static int
unlock_cb(void *ctx)
{
	return cli_unlock(ctx);
}

static void
print_report(const struct cli *cli, const struct rotate_report *r)
{
	struct buf b = { 0 };
	char when[UTIL_TIME_LEN];
	size_t i;

	if (!cli->json) {
		/* -q (cron): failures only; a quiet good run mails nothing */
		for (i = 0; i < r->n; i++)
			if (!cli->quiet || r->items[i].failed)
				printf("%s: %s%s%s%s%s\n", r->items[i].vendor,
				    r->items[i].key != NULL ?
				    r->items[i].key : "",
				    r->items[i].key != NULL ? ": " : "",
				    r->items[i].what,
				    r->items[i].detail != NULL ? ": " : "",
				    r->items[i].detail != NULL ?
				    r->items[i].detail : "");
		if (r->n == 0 && !cli->quiet && log_status() == 0)
			printf("nothing due\n");
		return;
	}
	buf_printf(&b, "{\"now\": \"%s\", \"simulated\": %s, \"generated\": "
	    "%u, \"transitions\": %u, \"failures\": %u, \"items\": [",
	    util_fmt_time(cli->lc.now, when), cli->lc.simulated ? "true" :
	    "false", r->generated, r->transitions, r->failures);
	for (i = 0; i < r->n; i++) {
		buf_puts(&b, i == 0 ? "\n  {\"vendor\": " :
		    ",\n  {\"vendor\": ");
		buf_json_str(&b, r->items[i].vendor);
		buf_puts(&b, ", \"key\": ");
		if (r->items[i].key != NULL)
			buf_json_str(&b, r->items[i].key);
		else
			buf_puts(&b, "null");
		buf_puts(&b, ", \"what\": ");
		buf_json_str(&b, r->items[i].what);
		buf_puts(&b, ", \"detail\": ");
		if (r->items[i].detail != NULL)
			buf_json_str(&b, r->items[i].detail);
		else
			buf_puts(&b, "null");
		buf_printf(&b, ", \"failed\": %s}", r->items[i].failed ?
		    "true" : "false");
	}
	buf_puts(&b, r->n != 0 ? "\n]}\n" : "]}\n");
	fputs(b.data, stdout);
	buf_free(&b);
}

int
cmd_rotate(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "republish", no_argument, NULL, 'r' },
		{ "accept-time-jump", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct rotate_opts o;
	struct rotate_report r;
	int c, rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	while ((c = cli_getopt(cli, argc, argv, "n", longopts,
	    "rotate")) != -1) {
		if (c == 'n')
			o.dry_run = true;
		else if (c == 'f')
			o.force = true;
		else if (c == 'r')
			o.republish = true;
		else if (c == 'J')
			o.accept_jump = true;
		else
			return -1;
	}
	for (c = optind; c < argc; c++)
		if (config_vendor(cli->cfg, argv[c]) == NULL &&
		    cli_section(cli, argv[c]) == -1)
			return -1;
	if (cli_open_store(cli, !o.dry_run) == -1)
		return -1;
	o.vendors = argv + optind;
	o.nvendors = (size_t)(argc - optind);
	o.jobs = cli->jobs != 0 ? cli->jobs :
	    (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	o.unlock = unlock_cb;
	o.unlock_ctx = cli;
	rc = rotate_run(&cli->lc, &o, &r);
	print_report(cli, &r);
	rotate_report_free(&r);
	return rc;
}

/* The compromised key's revocation: hooks now, committed on success. */
static void
revoke_now(struct cli *cli, const struct vendor *v, struct ks_key *k)
{
	enum hook_status st = lc_hooks(&cli->lc, v, k, KS_EV_REVOKE, NULL,
	    NULL);

	if (st != HOOK_OK) {
		printf("%s._domainkey.%s: revoke hooks did not succeed (%s); "
		    "rotate retries them\n", k->selector, k->domain,
		    k->error != NULL ? k->error : "failed");
		ks_commit(cli->ks, cli->lc.now);
		/* the key is not revoked in DNS yet: the operator must know */
		if (st == HOOK_FAILED)
			log_status_set(1);
		return;
	}
	k->hooks_done |= KS_EV_BIT(KS_EV_REVOKE);
	if (!v->verify_dns) {
		k->state = KS_REVOKED;
		k->revoked = cli->lc.now;
		k->hooks_done = 0;
	}
	ks_set_error(cli->ks, k, NULL, 0);
	ks_journal(cli->ks, cli->lc.now, cli->lc.simulated, "revoke", k,
	    KS_EV_REVOKE, "");
	if (ks_commit(cli->ks, cli->lc.now) == 0)
		printf("%s._domainkey.%s: revocation handed to DNS (p= "
		    "empty)\n", k->selector, k->domain);
}

int
cmd_revoke(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = "compromised";
	const struct vendor *v;
	struct ks_key *k;
	struct buf extra = { 0 };
	int c;

	while ((c = cli_getopt(cli, argc, argv, "", longopts,
	    "revoke")) != -1) {
		if (c != 'r')
			return -1;
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cli_usage("revoke");
	if ((k = lc_find(&cli->lc, argv[optind])) == NULL)
		return -1;
	v = lc_vendor(&cli->lc, k);
	if (v != NULL && lc_hook_user_ok(&cli->lc) == -1)
		return -1;
	if (k->state >= KS_REVOKED || k->compromised) {
		log_fail(EX_USAGE, "revoke: %s._domainkey.%s is %s%s; nothing "
		    "to revoke", k->selector, k->domain,
		    k->compromised ? "already compromised and " : "",
		    ks_state_name(k->state));
		return -1;
	}
	k->compromised = true;
	ks_set_reason(cli->ks, k, reason);
	if (k->state <= KS_ACTIVE) {
		k->state = KS_RETIRED;
		k->retired = cli->lc.now;
		/* a compromised key gets no retire event */
		k->hooks_done = KS_EV_BIT(KS_EV_RETIRE);
	}
	buf_puts(&extra, ",\"reason\":");
	buf_json_str(&extra, reason);
	ks_journal(cli->ks, cli->lc.now, cli->lc.simulated, "compromised", k,
	    KS_EV_COUNT, extra.data);
	buf_free(&extra);
	if (ks_commit(cli->ks, cli->lc.now) == -1)
		return -1;
	printf("%s._domainkey.%s: marked compromised; it is never deployed "
	    "again\n", k->selector, k->domain);
	if (v == NULL) {
		log_warn("%s._domainkey.%s: vendor %s is not configured; no "
		    "hook runs for it", k->selector, k->domain, k->vendor);
		return 0;
	}
	revoke_now(cli, v, k);
	printf("run dkimkeys rotate to publish and deploy the vendor's next "
	    "key (publish_ahead is waived)\n");
	return 0;
}

/* hold, release and decommission: a flag on the vendor's record. */
static int
vendor_flag(struct cli *cli, int argc, char **argv, const char *name)
{
	const struct vendor *v;
	struct ks_vendor *rec;

	if (cli_getopt(cli, argc, argv, "", NULL, name) != -1)
		return -1;
	if (optind + 1 != argc)
		return cli_usage(name);
	if ((v = cli_vendor(cli, argv[optind])) == NULL)
		return -1;
	rec = ks_vendor(cli->ks, v->name, true);
	if (strcmp(name, "hold") == 0)
		rec->hold = true;
	else if (strcmp(name, "release") == 0)
		rec->hold = false;
	else
		rec->decommission = true;
	ks_journal(cli->ks, cli->lc.now, cli->lc.simulated, name, NULL,
	    KS_EV_COUNT, "");
	if (ks_commit(cli->ks, cli->lc.now) == -1)
		return -1;
	printf("%s: %s\n", v->name, strcmp(name, "hold") == 0 ? "held: no "
	    "automatic transition until release" : strcmp(name, "release") ==
	    0 ? "released" : "decommissioned: its keys are retired, revoked, "
	    "withdrawn and destroyed on the normal timers");
	return 0;
}

int
cmd_hold(struct cli *cli, int argc, char **argv)
{
	return vendor_flag(cli, argc, argv, "hold");
}

int
cmd_release(struct cli *cli, int argc, char **argv)
{
	return vendor_flag(cli, argc, argv, "release");
}

int
cmd_decommission(struct cli *cli, int argc, char **argv)
{
	return vendor_flag(cli, argc, argv, "decommission");
}

int
cmd_backup(struct cli *cli, int argc, char **argv)
{
	if (cli_getopt(cli, argc, argv, "", NULL, "backup") != -1)
		return -1;
	if (optind + 1 != argc)
		return cli_usage("backup");
	if (ks_backup(cli->ks, argv[optind]) == -1)
		return -1;
	printf("keystore backed up to %s\n", argv[optind]);
	return 0;
}
