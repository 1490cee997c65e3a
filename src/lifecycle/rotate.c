/*
 * rotate.c - one rotate run: the clock, orphans, key generation over
 * --jobs threads, then every vendor's schedules in turn.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rotate_int.h"
#include "support/dkim.h"
#include "support/log.h"

void
rotate_report_add(struct rotate_report *r, const char *vendor,
    const struct ks_key *k, bool failed, const char *what, const char *fmt,
    ...)
{
	struct rotate_item *it;
	va_list ap;

	/* walking the schedules again after batches: said already */
	if (r->repeat && (strcmp(what, "waiting") == 0 ||
	    strcmp(what, "late") == 0 || strcmp(what, "held") == 0 ||
	    strcmp(what, "warning") == 0 || strcmp(what, "orphan") == 0))
		return;
	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? 2 * r->cap : 16;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->vendor = xstrdup(vendor);
	if (k != NULL)
		it->key = xasprintf("%s._domainkey.%s", k->selector, k->domain);
	it->what = xstrdup(what);
	it->failed = failed;
	if (failed)
		r->failures++;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&it->detail, fmt, ap) < 0)
			it->detail = NULL;
		va_end(ap);
	}
}

void
rotate_report_free(struct rotate_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->items[i].vendor);
		free(r->items[i].key);
		free(r->items[i].what);
		free(r->items[i].detail);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
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
	/* deferred: one commit for a whole batch (see rotate_int.h) */
	if (run->o->dry_run || run->defer)
		return 0;
	return ks_commit(run->lc->ks, run->lc->now);
}

/* Whether v is among the vendors asked for (by name or section). */
static bool
wanted(const struct rotate_opts *o, const struct vendor *v)
{
	size_t i;

	if (o->nvendors == 0)
		return true;
	for (i = 0; i < o->nvendors; i++)
		if (strcmp(o->vendors[i], v->name) == 0 ||
		    strcmp(o->vendors[i], v->section) == 0)
			return true;
	return false;
}

/* The clock rule of SPEC section 3: refuses a run whose now is before the
 * keystore's latest, or past it by more than max_clock_jump. */
static int
clock_ok(struct run *run)
{
	struct lc *lc = run->lc;
	int64_t last = ks_last_now(lc->ks);
	char a[UTIL_TIME_LEN], b[UTIL_TIME_LEN], d[32];

	if (last == 0 || run->o->accept_jump ||
	    (lc->now >= last && lc->now - last <= lc->cfg->max_clock_jump))
		return 0;
	util_fmt_duration(lc->cfg->max_clock_jump, d, sizeof(d));
	util_fmt_time(lc->now, a);
	util_fmt_time(last, b);
	if (lc->now < last)
		log_fail(1, "clock: now (%s) is before the keystore's last "
		    "change (%s); nothing changed; check the clock, or run "
		    "with --accept-time-jump", a, b);
	else
		log_fail(1, "clock: now (%s) is more than max_clock_jump (%s) "
		    "after the keystore's last change (%s); nothing changed; "
		    "check the clock, or run with --accept-time-jump", a, d,
		    b);
	return -1;
}

static void
orphans(struct run *run)
{
	struct ks_key *const *keys;
	size_t n, i;

	keys = ks_keys(run->lc->ks, &n);
	for (i = 0; i < n; i++) {
		if (keys[i]->state == KS_DESTROYED ||
		    lc_vendor(run->lc, keys[i]) != NULL)
			continue;
		rotate_report_add(run->r, keys[i]->vendor, keys[i], true,
		    "orphan", "vendor %s is no longer configured; nothing "
		    "runs for its keys (see decommission)", keys[i]->vendor);
	}
}

/* A key to generate, and its result. */
struct gen {
	const struct vendor *v;
	const struct alg_spec *spec;
	struct keypair kp;
	int rc;
};

struct pool {
	struct gen *g;
	size_t n, next;
	pthread_mutex_t mu;
};

static void *
worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		p->g[i].rc = keygen_generate(p->g[i].spec->alg,
		    p->g[i].spec->bits, &p->g[i].kp);
	}
}

/* Generates g[0..n) over jobs threads. */
static void
generate(struct gen *g, size_t n, unsigned jobs)
{
	pthread_t tid[64];
	struct pool p = { g, n, 0, PTHREAD_MUTEX_INITIALIZER };
	unsigned i, started = 0;

	if (jobs > 64)
		jobs = 64;
	for (i = 1; i < jobs && i < n; i++)
		if (pthread_create(&tid[started], NULL, worker, &p) == 0)
			started++;
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

/* Stores one generated key as the schedule's successor. */
static void
store(struct run *run, struct gen *g)
{
	struct ks_key *k;

	if (g->rc == -1) {
		rotate_report_add(run->r, g->v->name, NULL, true, "failed",
		    "cannot generate a %s key", dk_alg_name(g->spec->alg));
		return;
	}
	k = lc_add_successor(run->lc, g->v, &g->kp, NULL, "generate");
	if (k == NULL) {
		rotate_report_add(run->r, g->v->name, NULL, true, "failed",
		    "cannot store the new %s key", dk_alg_name(g->spec->alg));
		return;
	}
	run->r->generated++;
	rotate_report_add(run->r, g->v->name, k, false, "generated",
	    "%s %u", dk_alg_name(k->alg), k->bits);
}

/* A progress bar on standard error when it is a terminal. */
static void
progress(size_t done, size_t total)
{
	char bar[41];
	size_t fill;

	if (total < 2 || !isatty(STDERR_FILENO))
		return;
	fill = done * 40 / total;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 40 - fill);
	bar[40] = '\0';
	fprintf(stderr, "\rgenerating keys [%s] %zu/%zu", bar, done, total);
	if (done == total)
		fputc('\n', stderr);
}

/* Whether (v, alg) needs a successor now (or, with --force, at all). */
static bool
due(struct run *run, const struct vendor *v, enum dk_alg alg)
{
	struct policy_sched s;

	run_sched(run, v, alg, &s);
	if (policy_generate_at(&s) <= run->lc->now)
		return true;
	return run->o->force && s.successor == NULL && !s.held && !s.leaving;
}

/* The successors due now, generated in batches of 2 x jobs keys (the bound
 * on decrypted keys in memory), each batch stored before the next. */
static int
generate_due(struct run *run)
{
	const struct config *cfg = run->lc->cfg;
	size_t batch = 2 * (size_t)(run->o->jobs ? run->o->jobs : 1);
	struct gen *todo = NULL;
	size_t ntodo = 0, i, a, j, n;
	int rc = 0;

	for (i = 0; i < cfg->nvendors; i++) {
		if (cfg->vendors[i].mode != MODE_MANAGED ||
		    !wanted(run->o, &cfg->vendors[i]))
			continue;
		for (a = 0; a < cfg->vendors[i].nalgs; a++) {
			if (!due(run, &cfg->vendors[i],
			    cfg->vendors[i].algs[a].alg))
				continue;
			if (run->o->dry_run) {
				rotate_report_add(run->r, cfg->vendors[i].name,
				    NULL, false, "would generate", "a %s key",
				    dk_alg_name(cfg->vendors[i].algs[a].alg));
				continue;
			}
			todo = xrealloc(todo, (ntodo + 1) * sizeof(*todo));
			memset(&todo[ntodo], 0, sizeof(*todo));
			todo[ntodo].v = &cfg->vendors[i];
			todo[ntodo++].spec = &cfg->vendors[i].algs[a];
		}
	}
	for (i = 0; i < ntodo && rc == 0; i += n) {
		n = ntodo - i < batch ? ntodo - i : batch;
		if ((rc = run->o->unlock(run->o->unlock_ctx)) == -1)
			break;
		generate(todo + i, n, run->o->jobs);
		run->lc->defer_commit = true;
		for (j = i; j < i + n; j++) {
			store(run, &todo[j]);
			keypair_clear(&todo[j].kp);
		}
		run->lc->defer_commit = false;
		if (ks_commit(run->lc->ks, run->lc->now) == -1)
			rc = -1;
		progress(i + n, ntodo);
	}
	free(todo);
	return rc;
}

int
rotate_run(struct lc *lc, const struct rotate_opts *o,
    struct rotate_report *r)
{
	const struct config *cfg = lc->cfg;
	struct run run;
	size_t i, a;
	int rc = -1;

	memset(&run, 0, sizeof(run));
	run.lc = lc;
	run.o = o;
	run.r = r;
	if (clock_ok(&run) == -1 || lc_hook_user_ok(lc) == -1)
		return -1;
	orphans(&run);
	if (generate_due(&run) == -1)
		goto out;
	for (i = 0; i < cfg->nvendors; i++) {
		if (!wanted(o, &cfg->vendors[i]))
			continue;
		if (cfg->vendors[i].mode == MODE_DELEGATED) {
			rotate_delegated(&run, &cfg->vendors[i]);
			continue;
		}
		for (a = 0; a < cfg->vendors[i].nalgs; a++)
			run_steps(&run, &cfg->vendors[i],
			    cfg->vendors[i].algs[a].alg);
	}
	/* batches accepted: walk their vendors again, as often as a batch
	 * makes another event due in this run (deploy, then retire) */
	while (!o->dry_run && run_batches(&run) > 0) {
		run.repeat = true;
		r->repeat = true;
		run.defer = true;
		for (i = 0; i < cfg->nvendors; i++) {
			if (cfg->vendors[i].nbatch_hooks == 0 ||
			    !wanted(o, &cfg->vendors[i]))
				continue;
			for (a = 0; a < cfg->vendors[i].nalgs; a++)
				run_steps(&run, &cfg->vendors[i],
				    cfg->vendors[i].algs[a].alg);
		}
		run.defer = false;
		if (run_commit(&run) == -1)
			goto out;
	}
	if (!o->dry_run && run_commit(&run) == -1)
		goto out;
	rc = 0;
out:
	if (run.unreached > 0 && run.reached == 0)
		log_fail(EX_UNAVAILABLE, "dns: no server could be reached");
	if (r->failures > 0)
		log_status_set(1);
	for (i = 0; i < run.ndns; i++)
		dnsq_free(run.dns[i].q);
	run_batch_free(&run);
	free(run.served);
	free(run.fresh);
	free(run.checked);
	return rc == 0 && r->failures == 0 && log_status() == 0 ? 0 : -1;
}
