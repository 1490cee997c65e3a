/*
 * cmd_plan.c - plan: every future event of each schedule and its earliest
 * date, from the keystore and the configuration (no lock, no network, no
 * hook, no change).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/dmarc_check.h"
#include "lifecycle/plan.h"
#include "support/dkim.h"
#include "support/log.h"

#define PLAN_DEFAULT_FOR (365 * 86400) /* one year */

/* The key an event is about: its KEY (dot: with the final dot), or which
 * key generated from now on it is. */
static void
event_key(const struct plan_event *e, bool dot, struct buf *b)
{
	if (e->key != NULL)
		buf_printf(b, "%s._domainkey.%s%s", e->key->selector,
		    e->key->domain, dot ? "." : "");
	else
		buf_printf(b, "(new key %u)", e->next);
}

static void
plan_text(const struct plan *p, struct buf *b)
{
	const struct plan_sched *s;
	char when[UTIL_TIME_LEN];
	size_t i, j, events = 0;

	buf_printf(b, "%-20s  %-20s %-7s %-8s  %s\n", "WHEN", "VENDOR",
	    "ALG", "EVENT", "KEY");
	for (i = 0; i < p->n; i++) {
		s = &p->scheds[i];
		if (s->held)
			buf_printf(b, "%-20s  %-20s %-7s %-8s  (held: nothing "
			    "happens until release %s)\n", "-", s->v->name,
			    dk_alg_name(s->alg), "-", s->v->name);
		for (j = 0; j < s->n; j++, events++) {
			buf_printf(b, "%-20s  %-20s %-7s %-8s  ",
			    util_fmt_time(s->events[j].at, when), s->v->name,
			    dk_alg_name(s->alg),
			    plan_kind_name(s->events[j].kind));
			event_key(&s->events[j], false, b);
			buf_puts(b, "\n");
		}
		if (s->truncated)
			buf_printf(b, "%-20s  %-20s %-7s %-8s  (more: only the "
			    "first %d events are listed)\n", "...", s->v->name,
			    dk_alg_name(s->alg), "-", PLAN_MAX_EVENTS);
	}
	if (events == 0)
		buf_printf(b, "nothing planned until %s\n",
		    util_fmt_time(p->until, when));
}

static void
event_json(const struct plan_event *e, bool first, struct buf *b)
{
	char when[UTIL_TIME_LEN];
	struct buf key = { 0 };

	buf_printf(b, "%s{\"event\": \"%s\", \"at\": \"%s\", \"key\": ",
	    first ? "\n    " : ",\n    ", plan_kind_name(e->kind),
	    util_fmt_time(e->at, when));
	if (e->key != NULL) {
		event_key(e, true, &key);
		buf_json_str(b, key.data);
		buf_puts(b, ", \"new_key\": null}");
	} else
		buf_printf(b, "null, \"new_key\": %u}", e->next);
	buf_free(&key);
}

static void
plan_json(const struct plan *p, bool simulated, struct buf *b)
{
	const struct plan_sched *s;
	char when[UTIL_TIME_LEN];
	size_t i, j;

	buf_printf(b, "{\"now\": \"%s\", ", util_fmt_time(p->now, when));
	buf_printf(b, "\"until\": \"%s\", \"simulated\": %s, \"schedules\": [",
	    util_fmt_time(p->until, when), simulated ? "true" : "false");
	for (i = 0; i < p->n; i++) {
		s = &p->scheds[i];
		buf_puts(b, i ? ",\n  {\"vendor\": " : "\n  {\"vendor\": ");
		buf_json_str(b, s->v->name);
		buf_printf(b, ", \"algorithm\": \"%s\", \"held\": %s, "
		    "\"leaving\": %s, \"truncated\": %s, \"events\": [",
		    dk_alg_name(s->alg), s->held ? "true" : "false",
		    s->leaving ? "true" : "false",
		    s->truncated ? "true" : "false");
		for (j = 0; j < s->n; j++)
			event_json(&s->events[j], j == 0, b);
		buf_puts(b, s->n ? "\n  ]}" : "]}");
	}
	buf_puts(b, p->n ? "\n]}\n" : "]}\n");
}

int
cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "for", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t until = 0, span = 0;
	bool given = false;
	struct plan p;
	struct buf b = { 0 };
	char when[UTIL_TIME_LEN], nowstr[UTIL_TIME_LEN];
	int c;

	/* one of --until and --for, once */
	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if ((c == 'u' || c == 'f') && given)
			return cli_usage(cli);
		given = true;
		if (c == 'u' && util_parse_date(optarg, &until) == 0)
			continue;
		if (c == 'f' && util_parse_duration(optarg, &span) == 0 &&
		    span > 0)
			continue;
		if (c == 'u' || c == 'f')
			return cli_usage(cli);
		return -1;
	}
	for (c = optind; c < argc; c++)
		if (config_vendor(cli->cfg, argv[c]) == NULL &&
		    lc_orphans_of(&cli->lc, argv[c]) == 0 &&
		    cli_section(cli, argv[c]) == -1)
			return -1;
	if (span == 0 && !given)
		span = PLAN_DEFAULT_FOR;
	if (span != 0)
		until = cli->lc.now > INT64_MAX - span ? INT64_MAX :
		    cli->lc.now + span;
	if (until < cli->lc.now) {
		log_fail(EX_USAGE, "plan: --until %s is before now (%s)",
		    util_fmt_time(until, when), util_fmt_time(cli->lc.now,
		    nowstr));
		return -1;
	}
	dmarc_warn_config(cli->cfg, argv + optind, (size_t)(argc - optind));
	plan_build(&cli->lc, argv + optind, (size_t)(argc - optind), until,
	    &p);
	if (cli->json)
		plan_json(&p, cli->lc.simulated, &b);
	else
		plan_text(&p, &b);
	fputs(b.data, stdout);
	buf_free(&b);
	plan_free(&p);
	return 0;
}
