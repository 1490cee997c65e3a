/*
 * cmd_rotate.c - rotate: every schedule advanced as far as time and DNS
 * allow, and the report of what happened.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
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
		/* -q (cron): failures and stalls only; a quiet good run
		 * mails nothing */
		for (i = 0; i < r->n; i++)
			if (!cli->quiet || r->items[i].loud)
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
			cli_json_key(&b, r->items[i].key);
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
		{ "settle", optional_argument, NULL, 's' },
		{ "simulate", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct rotate_opts o;
	struct rotate_report r;
	int c, rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	r.loud_only = cli->quiet && !cli->json;
	while ((c = cli_getopt(cli, argc, argv, "n", longopts)) != -1) {
		if (c == 'n')
			o.dry_run = true;
		else if (c == 'f')
			o.force = true;
		else if (c == 'r')
			o.republish = true;
		else if (c == 'J')
			o.accept_jump = true;
		else if (c == 'S')
			o.simulate = true;
		else if (c == 's') {
			o.settle = 600; /* SPEC section 3: 10m */
			if (optarg != NULL &&
			    (util_parse_duration(optarg, &o.settle) == -1 ||
			    o.settle <= 0)) {
				log_fail(EX_USAGE, "rotate: bad --settle "
				    "duration '%s'", optarg);
				return -1;
			}
		}
		else
			return -1;
	}
	if (o.simulate && !cli->lc.simulated) {
		log_fail(EX_USAGE, "rotate: --simulate is for a run under "
		    "DKIMKEYS_NOW");
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
