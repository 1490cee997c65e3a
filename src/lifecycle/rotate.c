/*
 * rotate.c - the driver of a rotate run: the clock, orphans, key
 * generation over --jobs threads, then every vendor's schedules in turn
 * (rotate_steps.c, rotate_deleg.c), then the batch hooks (rotate_batch.c)
 * and the schedules they made due. Nothing in the family calls back here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hook_user.h"
#include "rotate.h"
#include "rotate_batch.h"
#include "rotate_dmarc.h"
#include "rotate_deleg.h"
#include "rotate_steps.h"
#include "support/dkim.h"
#include "support/log.h"

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

/*
 * One walk over the vendors asked for: pick (NULL: every one) chooses
 * among them; a delegated vendor goes to deleg when it is set, every
 * other vendor's schedules to sched, in the order of the configuration.
 */
struct pass {
	bool (*pick)(const struct vendor *v);
	void (*deleg)(struct run *run, const struct vendor *v);
	void (*sched)(struct run *run, const struct vendor *v,
	    const struct alg_spec *spec, void *ctx);
};

static void
walk(struct run *run, const struct pass *p, void *ctx)
{
	const struct config *cfg = run->lc->cfg;
	const struct vendor *v;
	size_t i, a;

	for (i = 0; i < cfg->nvendors + run->nheirs; i++) {
		v = i < cfg->nvendors ? &cfg->vendors[i] :
		    &run->heirs[i - cfg->nvendors];
		if (!wanted(run->o, v) || (p->pick != NULL && !p->pick(v)))
			continue;
		if (p->deleg != NULL && v->mode == MODE_DELEGATED) {
			p->deleg(run, v);
			continue;
		}
		for (a = 0; a < v->nalgs; a++)
			p->sched(run, v, &v->algs[a], ctx);
	}
}

static void
orphans(struct run *run)
{
	struct ks_key *const *keys;
	char why[512], next[512];
	size_t n, i;

	keys = ks_keys(run->lc->ks, &n);
	for (i = 0; i < n; i++) {
		if (keys[i]->state == KS_DESTROYED ||
		    lc_vendor(run->lc, keys[i]) != NULL)
			continue;
		if (lc_leaving(run->lc, keys[i]) &&
		    lc_heir_template(run->lc, keys[i]) != NULL)
			continue; /* an heir's: its steps are reported */
		/* decommissioned, it is left to the operator: no failure */
		rotate_report_add(run->r, keys[i]->vendor, keys[i],
		    !lc_leaving(run->lc, keys[i]), "orphan", "%s; %s",
		    lc_orphan_why(run->lc, keys[i], why, sizeof(why)),
		    lc_orphan_next(run->lc, keys[i], next, sizeof(next)));
	}
}

/* A key to generate, and its result. */
struct gen {
	const struct vendor *v;
	const struct alg_spec *spec;
	char *sel;          /* chosen before generation, in the run's thread */
	struct ks_key meta; /* the new key, once generated */
	unsigned char pub[KS_PUB_MAX]; /* meta's pub, kept past the keypair */
	int rc;
	struct ks_key *k; /* stored, not yet committed */
};

struct pool {
	const struct lc *lc;
	struct gen *g;
	size_t n, next;
	bool packed; /* the keys sealed into packs, a pack per worker */
	pthread_mutex_t mu;
};

/*
 * One key: generated and sealed in the worker, into its own key file or
 * into the worker's pack, so the decrypted key lives only here: at most
 * jobs of them at once, and only the sealed octets and the public half
 * leave the thread.
 */
static int
make_one(const struct lc *lc, struct gen *g, struct ks_pack *pack)
{
	struct keypair kp;
	int rc;

	if (keygen_generate(g->spec->alg, g->spec->bits, &kp) == -1)
		return -1;
	lc_successor_meta(lc, g->v, &kp, g->sel, &g->meta);
	memcpy(g->pub, kp.pub, kp.publen);
	g->meta.pub = g->pub;
	rc = pack != NULL ? ks_pack_add(pack, &g->meta, kp.priv) :
	    ks_put_private(lc->ks, &g->meta, kp.priv);
	keypair_clear(&kp);
	return rc;
}

/* A worker's pack written; its keys failed when it could not be. */
static void
pack_done(struct pool *p, struct ks_pack *pack, const size_t *idx)
{
	size_t i, n = ks_pack_count(pack);

	if (ks_pack_write(pack) == -1)
		for (i = 0; i < n; i++)
			p->g[idx[i]].rc = -1;
	ks_pack_free(pack);
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct ks_pack *pack = NULL;
	size_t idx[KS_PACK_SLOTS_MAX];
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			break;
		if (p->packed && pack != NULL &&
		    ks_pack_count(pack) == KS_PACK_SLOTS_MAX) {
			pack_done(p, pack, idx);
			pack = NULL;
		}
		if (p->packed && pack == NULL)
			pack = ks_pack_new(p->lc->ks);
		p->g[i].rc = p->g[i].sel == NULL ? -1 :
		    make_one(p->lc, &p->g[i], pack);
		if (pack != NULL && p->g[i].rc == 0)
			idx[ks_pack_count(pack) - 1] = i;
	}
	if (pack != NULL)
		pack_done(p, pack, idx);
	return NULL;
}

/* Keys generated in a chunk of at least this many go into packs; fewer
 * get a file each, the layout an operator with a handful of vendors
 * knows. */
#define PACK_MIN 32

/* Generates and seals g[0..n) over jobs threads. */
static void
generate(const struct lc *lc, struct gen *g, size_t n, unsigned jobs)
{
	pthread_t tid[64];
	struct pool p = { lc, g, n, 0, n >= PACK_MIN,
		PTHREAD_MUTEX_INITIALIZER };
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

/*
 * The selectors of g[0..n) (in this thread: they read and count in the
 * keystore); returns how many of them go in this chunk: up to, not
 * including, one whose name another of the chunk took already (two
 * algorithms of one vendor under a template without %a), which the next
 * chunk sees stored.
 */
static size_t
choose(struct run *run, struct gen *g, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		g[i].sel = lc_new_selector(run->lc, g[i].v, g[i].spec->alg);
		for (j = 0; g[i].sel != NULL && j < i; j++)
			if (g[j].sel != NULL &&
			    strcmp(g[j].sel, g[i].sel) == 0 &&
			    strcmp(g[j].v->domain, g[i].v->domain) == 0) {
				free(g[i].sel);
				g[i].sel = NULL;
				return i;
			}
	}
	return n;
}

/* Adds one generated key to the state as the schedule's successor. */
static void
store(struct run *run, struct gen *g)
{
	struct ks_key *k;

	if (g->rc == -1) {
		rotate_report_add(run->r, g->v->name, NULL, true, "failed",
		    "cannot generate a %s key", dk_alg_name(g->spec->alg));
		return;
	}
	k = lc_store_successor(run->lc, &g->meta, "generate");
	if (k == NULL) {
		rotate_report_add(run->r, g->v->name, NULL, true, "failed",
		    "cannot store the new %s key", dk_alg_name(g->spec->alg));
		return;
	}
	g->k = k;
}

/* A stored key, reported once the commit said whether it is in. */
struct kept {
	const struct vendor *v;
	struct ks_key *k;
};

/* A group's stored keys, reported once the commit said whether they are
 * in the keystore: "generated" only for keys it committed. */
static void
stored(struct run *run, const struct kept *g, size_t n, bool committed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!committed) {
			rotate_report_add(run->r, g[i].v->name, g[i].k, true,
			    "failed", "a new %s key, not stored: the keystore "
			    "could not be committed", dk_alg_name(g[i].k->alg));
			continue;
		}
		run->r->generated++;
		rotate_report_add(run->r, g[i].v->name, g[i].k, false,
		    "generated", "%s %u", dk_alg_name(g[i].k->alg),
		    g[i].k->bits);
	}
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

/* The keys to generate in this run: (vendor, algorithm) pairs, a struct
 * gen made for each only in its chunk (at 100,000 keys, a gen each up
 * front would be 80 MB). */
struct todo_item {
	const struct vendor *v;
	const struct alg_spec *spec;
};

struct todo {
	struct todo_item *t;
	size_t n, cap;
};

static bool
managed(const struct vendor *v)
{
	return v->mode == MODE_MANAGED;
}

/* Adds (v, spec) to the todo list when due (a dry run: reports it). */
static void
plan(struct run *run, const struct vendor *v, const struct alg_spec *spec,
    void *ctx)
{
	struct todo *t = ctx;

	if (!due(run, v, spec->alg))
		return;
	if (run->o->dry_run) {
		rotate_report_add(run->r, v->name, NULL, false,
		    "would generate", "a %s key", dk_alg_name(spec->alg));
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? 2 * t->cap : 64;
		t->t = xrealloc(t->t, t->cap * sizeof(*t->t));
	}
	t->t[t->n].v = v;
	t->t[t->n++].spec = spec;
}

/* Keys generated and stored between two commits: one fsync of keys/
 * and one commit for them all (SPEC section 7, Durability). */
#define GROUP 512
#define CHUNK 256

/*
 * The successors due now, generated and sealed in chunks of CHUNK keys a
 * worker (a thread start costs more than a key), each worker's keys of a
 * chunk sealed into one pack file (one write and fsync for up to CHUNK
 * keys), each chunk added to the state before the next chooses its
 * selectors; keys/ synced and the state committed once per GROUP keys.
 * The workers seal each key before taking the next: at most jobs
 * decrypted keys at once.
 */
static int
generate_due(struct run *run)
{
	static const struct pass pass = { managed, NULL, plan };
	size_t chunk = CHUNK * (size_t)(run->o->jobs ? run->o->jobs : 1);
	struct todo t = { NULL, 0, 0 };
	struct gen *g;
	struct kept *kept;
	size_t i, j, n, nkept = 0, pending = 0;
	int rc = 0;

	walk(run, &pass, &t);
	if (t.n < chunk)
		chunk = t.n;
	g = xcalloc(chunk, sizeof(*g));
	kept = xcalloc(GROUP + chunk, sizeof(*kept));
	for (i = 0; i < t.n && rc == 0; i += n) {
		if (pending == 0 &&
		    (rc = run->o->unlock(run->o->unlock_ctx)) == -1)
			break;
		n = t.n - i < chunk ? t.n - i : chunk;
		memset(g, 0, n * sizeof(*g));
		for (j = 0; j < n; j++) {
			g[j].v = t.t[i + j].v;
			g[j].spec = t.t[i + j].spec;
		}
		n = choose(run, g, n);
		if (n == 0)
			n = 1; /* cannot happen: the first never collides */
		generate(run->lc, g, n, run->o->jobs);
		for (j = 0; j < n; j++) {
			store(run, &g[j]);
			free(g[j].sel);
			if (g[j].k != NULL) {
				kept[nkept].v = g[j].v;
				kept[nkept++].k = g[j].k;
			}
		}
		pending += n;
		if (pending >= GROUP || i + n == t.n) {
			/* the clock guard's commit; "generated" only for the
			 * keys it stored */
			if (ks_sync_keys(run->lc->ks) == -1 ||
			    lc_commit(run->lc) == -1) {
				run->commit_failed = run->gen_lost = true;
				rc = -1;
			}
			stored(run, kept, nkept, rc == 0);
			nkept = pending = 0;
		}
		progress(i + n, t.n);
	}
	free(kept);
	free(g);
	free(t.t);
	return rc;
}

static bool
batched(const struct vendor *v)
{
	return v->nbatch_hooks > 0;
}

/* Every schedule: advanced by the steps due now. */
static void
steps(struct run *run, const struct vendor *v, const struct alg_spec *spec,
    void *ctx)
{
	bool defer = run->defer;

	/* a batch vendor's transitions in the first walk touch nothing
	 * outside the keystore (its hooks are queued): one commit for all
	 * of them, before any batch hook runs */
	if (ctx == &run->defer && batched(v))
		run->defer = true;
	run_steps(run, v, spec->alg);
	run->defer = defer;
}

/*
 * Every vendor's schedules advanced, delegated vendors observed; then, as
 * long as batch hooks accepted something, the schedules of batch-hook
 * vendors again (a batch may make another event due in this run: deploy,
 * then retire), committed once a walk. Returns -1 when a commit failed.
 */
static int
advance(struct run *run)
{
	static const struct pass first = { NULL, rotate_delegated, steps };
	static const struct pass again = { batched, NULL, steps };

	walk(run, &first, &run->defer);
	if (!run->o->dry_run && run_commit(run) == -1)
		return -1;
	while (!run->o->dry_run && run_batches(run) > 0) {
		run->repeat = true;
		run->r->repeat = true;
		run->defer = true;
		walk(run, &again, NULL);
		run->defer = false;
		if (run_commit(run) == -1)
			return -1;
	}
	if (!run->o->dry_run && run_commit(run) == -1)
		return -1;
	return 0;
}

/*
 * A vendor once every walk and batch of the run is done (SPEC section 2):
 * its stall kept or cleared, and said once it lasted past stall_after;
 * each schedule late when past A + period + late_after with no successor
 * active. Changes *changed when the vendor's record changed.
 */
static void
judge(struct run *run, const struct vendor *v, bool *changed)
{
	struct lc *lc = run->lc;
	struct ks_vendor *rec = ks_vendor(lc->ks, v->name, false);
	const char *why = run_stall_why(run, v);
	struct policy_sched s;
	char since[UTIL_TIME_LEN];
	size_t a;

	if (!run->o->dry_run && why != NULL &&
	    (rec != NULL || (rec = ks_vendor(lc->ks, v->name, true)) != NULL)) {
		if (rec->stall == NULL || strcmp(rec->stall, why) != 0)
			*changed = true;
		ks_set_vendor_stall(lc->ks, rec, why, lc->now);
	} else if (!run->o->dry_run && rec != NULL && rec->stall_since != 0) {
		ks_set_vendor_stall(lc->ks, rec, NULL, 0);
		*changed = true;
	}
	if (rec != NULL && rec->stall != NULL &&
	    policy_stalled(v, rec->stall_since, lc->now))
		rotate_report_add(run->r, v->name, NULL, false, "stalled",
		    "since %s: %s", util_fmt_time(rec->stall_since, since),
		    rec->stall);
	for (a = 0; a < v->nalgs; a++) {
		run_sched(run, v, v->algs[a].alg, &s);
		if (policy_late(&s, lc->now))
			rotate_report_add(run->r, v->name, s.active, true,
			    "late", "its %s key is past rotate_every + "
			    "late_after and no successor is active",
			    dk_alg_name(v->algs[a].alg));
	}
}

/* Every managed vendor asked for, judged; the stalls committed. */
static int
judge_all(struct run *run)
{
	const struct config *cfg = run->lc->cfg;
	bool changed = false;
	size_t i;

	run->r->repeat = false; /* these lines are said once, here */
	for (i = 0; i < cfg->nvendors; i++)
		if (cfg->vendors[i].mode == MODE_MANAGED &&
		    wanted(run->o, &cfg->vendors[i]))
			judge(run, &cfg->vendors[i], &changed);
	for (i = 0; i < run->nheirs; i++)
		if (wanted(run->o, &run->heirs[i]))
			judge(run, &run->heirs[i], &changed);
	if (changed && run_commit(run) == -1)
		return -1;
	return 0;
}

/* --settle: DNS is polled every SETTLE_POLL seconds. */
#define SETTLE_POLL 10

/* Whether the report holds a failure of v from item from on. */
static bool
failed_since(const struct run *run, const struct vendor *v, size_t from)
{
	size_t i;

	for (i = from; i < run->r->n; i++)
		if (run->r->items[i].failed &&
		    strcmp(run->r->items[i].vendor, v->name) == 0)
			return true;
	return false;
}

/* What a settle pass asks: the deadline (the run's now), the report
 * items of the last pass, and the answer. */
struct settle {
	int64_t until;
	size_t from;
	bool wait;
};

/*
 * Whether (v, alg) waits only for DNS: its published successor is not
 * served by every server yet (or is, but resolvers may still hold the
 * name's negative answer), and once served it would be deployed by the
 * deadline. publish_ahead and A + period are never waived here: a
 * schedule they hold back past the deadline is not waited for.
 */
static void
waits_dns(struct run *run, const struct vendor *v, const struct alg_spec *spec,
    void *ctx)
{
	struct settle *st = ctx;
	struct policy_sched s;
	struct ks_key k;
	bool served;
	int64_t at;

	run_sched(run, v, spec->alg, &s);
	if (!v->verify_dns || s.successor == NULL ||
	    s.successor->state != KS_PUBLISHED ||
	    failed_since(run, v, st->from))
		return;
	k = *s.successor;
	served = run_in(run->served, run->nserved, s.successor);
	if (!served)
		k.visible = run->lc->now; /* as if served now */
	at = policy_deploy_at(&s, &k, k.neg_ttl);
	/* served and due, yet not deployed: a hook held it, not DNS */
	if (at > st->until || (served && at <= run->lc->now))
		return;
	st->wait = true;
}

/* Sleeps up to secs seconds of the real clock; returns those slept. */
static int64_t
nap(int64_t secs)
{
	struct timespec a, b, d = { (time_t)secs, 0 };

	clock_gettime(CLOCK_MONOTONIC, &a);
	while (nanosleep(&d, &d) == -1 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return b.tv_sec - a.tv_sec + (b.tv_nsec >= a.tv_nsec ? 0 : -1);
}

/* Forgets what the last pass learnt from DNS, so the next asks again. */
static void
forget(struct run *run)
{
	size_t i;

	run->nfresh = run->nchecked = run->nserved = 0;
	for (i = 0; i < run->nstalls; i++)
		free(run->stalls[i].why);
	run->nstalls = 0;
}

/*
 * rotate --settle (SPEC section 3): while some schedule waits only for
 * DNS to serve its new key, the walks again every SETTLE_POLL seconds,
 * until the settle time is over. The wait is on the real clock, and the
 * run's now advances by the time waited, simulated or not: with
 * DKIMKEYS_NOW the deploy rule (visible_since + publish_ahead, published
 * + negative TTL) then sees the time go by as it would in a real run,
 * and the keystore's times stay in order.
 */
static int
settle(struct run *run)
{
	static const struct pass pass = { managed, NULL, waits_dns };
	struct settle st = { 0, 0, false };
	int64_t left;

	if (run->o->settle <= 0 || run->o->dry_run)
		return 0;
	st.until = run->lc->now + run->o->settle;
	for (;;) {
		st.wait = false;
		walk(run, &pass, &st);
		left = st.until - run->lc->now;
		if (!st.wait || left <= 0)
			return 0;
		log_info("settle: waiting for DNS to serve new keys (%llds "
		    "left)", (long long)left);
		run->lc->now += nap(left < SETTLE_POLL ? left : SETTLE_POLL);
		forget(run);
		st.from = run->r->n;
		run->r->repeat = true; /* its waits are said already */
		if (advance(run) == -1)
			return -1;
	}
}

int
rotate_run(struct lc *lc, const struct rotate_opts *o,
    struct rotate_report *r)
{
	struct run run;
	int rc = -1;

	memset(&run, 0, sizeof(run));
	run.lc = lc;
	run.o = o;
	run.r = r;
	lc->accept_jump = lc->accept_jump || o->accept_jump;
	/* a dry run changes nothing: it may rehearse on any keystore */
	if ((!o->dry_run && lc_simulation_ok(lc, o->simulate) == -1) ||
	    lc_clock_ok(lc) == -1 || lc_hook_user_ok(lc) == -1)
		return -1;
	orphans(&run);
	run.nheirs = lc_heirs(lc, &run.heirs);
	if (generate_due(&run) == -1 || advance(&run) == -1 ||
	    settle(&run) == -1 || judge_all(&run) == -1)
		goto out;
	rotate_dmarc(&run);
	rc = 0;
out:
	if (run.unreached > 0 && run.reached == 0) {
		log_fail(EX_UNAVAILABLE, "dns: no server could be reached");
		rc = -1;
	}
	if (run.dns_failed || run.commit_failed || r->failures > 0)
		rc = -1;
	/* the run's time and result, for status --prometheus */
	/* after a failed commit nothing more is committed: keys reported
	 * not stored stay so */
	if (!o->dry_run && !run.gen_lost) {
		ks_set_last_run(lc->ks, lc->now, rc == 0);
		if (run_commit(&run) == -1)
			rc = -1;
	}
	run_batch_free(&run);
	run_free(&run);
	free(run.heirs);
	return rc;
}
