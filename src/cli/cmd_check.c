/*
 * cmd_check.c - check: what DNS serves compared with the keystore, like
 * opendkim-testkey; the judgement is lifecycle/check.c's.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/check.h"
#include "support/log.h"
#include "support/util.h"

/* One line of check: text, or a JSON object after the first. */
static void
print_line(struct buf *b, bool json, const struct check_line *l)
{
	if (!json) {
		buf_printf(b, "%s %s: %s%s%s\n", l->ok ? "ok     " : "PROBLEM",
		    l->name, l->what, l->detail != NULL ? "; " : "",
		    l->detail != NULL ? l->detail : "");
		return;
	}
	buf_puts(b, b->len > 0 ? ",\n  {\"key\": " : "\n  {\"key\": ");
	cli_json_key(b, l->name);
	buf_printf(b, ", \"ok\": %s, \"what\": ", l->ok ? "true" : "false");
	buf_json_str(b, l->what);
	buf_puts(b, ", \"detail\": ");
	if (l->detail != NULL)
		buf_json_str(b, l->detail);
	else
		buf_puts(b, "null");
	buf_puts(b, "}");
}

/* The DMARC record that applies to a vendor, as a JSON object. */
static void
print_dmarc(struct buf *b, const struct dmarc_summary *s)
{
	const struct dmarc *d = &s->d;

	buf_puts(b, "\n  {\"vendor\": ");
	buf_json_str(b, s->vendor);
	buf_puts(b, ", \"domain\": ");
	buf_json_str(b, s->domain);
	buf_puts(b, ", \"record\": ");
	if (s->record != NULL)
		cli_json_key(b, s->record);
	else
		buf_puts(b, "null");
	buf_printf(b, ", \"inherited\": %s, \"valid\": %s",
	    s->inherited ? "true" : "false", s->valid ? "true" : "false");
	if (s->valid) {
		buf_printf(b, ", \"applies\": \"%s\", \"p\": \"%s\", "
		    "\"sp\": ", dmarc_policy_name(s->applies),
		    dmarc_policy_name(d->p));
		if (d->has_sp)
			buf_printf(b, "\"%s\"", dmarc_policy_name(d->sp));
		else
			buf_puts(b, "null");
		buf_printf(b, ", \"adkim\": \"%c\", \"aspf\": \"%c\", "
		    "\"pct\": %u, \"rua\": ", d->adkim_strict ? 's' : 'r',
		    d->aspf_strict ? 's' : 'r', d->pct);
		if (d->rua[0] != '\0')
			buf_json_str(b, d->rua);
		else
			buf_puts(b, "null");
	}
	buf_printf(b, ", \"ok\": %s, \"warnings\": %u}",
	    s->errors ? "false" : "true", s->warnings);
}

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	struct check_report r;
	struct buf b = { 0 }, dm = { 0 };
	size_t i;
	int c;

	if (cli_getopt(cli, argc, argv, "", NULL) != -1)
		return -1;
	for (c = optind; c < argc; c++)
		if (config_vendor(cli->cfg, argv[c]) == NULL &&
		    lc_orphans_of(&cli->lc, argv[c]) == 0 &&
		    cli_section(cli, argv[c]) == -1)
			return -1;
	check_run(&cli->lc, argv + optind, (size_t)(argc - optind), &r);
	for (i = 0; i < r.n; i++)
		print_line(&b, cli->json, &r.lines[i]);
	for (i = 0; i < r.ndmarc && cli->json; i++) {
		buf_puts(&dm, i > 0 ? "," : "");
		print_dmarc(&dm, &r.dmarc[i]);
	}
	if (cli->json)
		printf("{\"ok\": %s, \"records\": [%s\n], \"dmarc\": [%s\n]}"
		    "\n", r.ok ? "true" : "false", b.data != NULL ? b.data : "",
		    dm.data != NULL ? dm.data : "");
	else
		fputs(b.data != NULL ? b.data : "nothing to check\n", stdout);
	buf_free(&b);
	buf_free(&dm);
	if (r.unreachable)
		log_status_set(EX_UNAVAILABLE);
	if (!r.ok)
		log_status_set(1);
	c = r.ok ? 0 : -1;
	check_report_free(&r);
	return c;
}
