/*
 * rotate_run.c - the services of one rotate run: resolvers set up on
 * first use, the keystore commit, the sets of keys seen in the run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rotate_run.h"
#include "schedule.h"
#include "dns/dnsquery.h"
#include "support/log.h"

void
run_sched(struct run *run, const struct vendor *v, enum dk_alg alg,
    struct policy_sched *s)
{
	lc_sched(run->lc, v, alg, s);
}

bool
run_in(const struct ks_key **set, size_t n, const struct ks_key *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == k)
			return true;
	return false;
}

void
run_mark(const struct ks_key ***set, size_t *n, size_t *cap,
    const struct ks_key *k)
{
	if (*n == *cap) {
		*cap = *cap != 0 ? 2 * *cap : 16;
		*set = xrealloc(*set, *cap * sizeof(**set));
	}
	(*set)[(*n)++] = k;
}

struct dnsq *
run_dns(struct run *run, const struct vendor *v)
{
	const struct config *cfg = run->lc->cfg;
	const char *spec = v->resolver != NULL ? v->resolver : cfg->resolver;
	size_t i;

	for (i = 0; i < run->ndns; i++)
		if (strcmp(run->dns[i].spec, spec) == 0)
			return run->dns[i].q;
	if (run->ndns == RUN_MAX_RESOLVERS)
		return run->dns[0].q;
	if (dnsq_new(spec, cfg->resolver_ca, cfg->dns_timeout,
	    &run->dns[run->ndns].q) == -1) {
		run->dns_failed = true;
		return NULL;
	}
	run->dns[run->ndns].spec = spec;
	return run->dns[run->ndns++].q;
}

int
run_commit(struct run *run)
{
	/* deferred: one commit for a whole batch (see rotate_run.h), or
	 * one every RUN_DEFER_MAX transitions of a large one */
	if (run->o->dry_run || (run->defer &&
	    ks_queued(run->lc->ks) < RUN_DEFER_MAX &&
	    run->touched < RUN_DEFER_MAX))
		return 0;
	run->touched = 0;
	if (lc_commit(run->lc) == -1) {
		run->commit_failed = true;
		return -1;
	}
	return 0;
}

void
run_stall(struct run *run, const struct vendor *v, const char *fmt, ...)
{
	va_list ap;
	char *why;

	if (run_stall_why(run, v) != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	if (why == NULL)
		return;
	run->stalls = xrealloc(run->stalls, (run->nstalls + 1) *
	    sizeof(*run->stalls));
	run->stalls[run->nstalls].v = v;
	run->stalls[run->nstalls++].why = why;
}

const char *
run_stall_why(const struct run *run, const struct vendor *v)
{
	size_t i;

	for (i = 0; i < run->nstalls; i++)
		if (run->stalls[i].v == v)
			return run->stalls[i].why;
	return NULL;
}

void
run_free(struct run *run)
{
	size_t i;

	for (i = 0; i < run->nstalls; i++)
		free(run->stalls[i].why);
	free(run->stalls);
	for (i = 0; i < run->ndns; i++)
		dnsq_free(run->dns[i].q);
	free(run->served);
	free(run->fresh);
	free(run->checked);
}
