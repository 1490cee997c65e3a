/*
 * plan.c - the future of each schedule, played forward on copies of its
 * keys by the rules of policy.c, in the steps and order of
 * rotate_steps.c, each step at its earliest time.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "policy.h"
#include "schedule.h"
#include "support/util.h"

/* A key of the model: a copy of a keystore key, or one generated in it. */
struct mkey {
	struct ks_key k;
	const struct ks_key *orig; /* the keystore's key, NULL if generated */
	unsigned next;             /* generated: 1, 2, ... */
};

/* One schedule being played forward. */
struct model {
	const struct vendor *v;
	enum dk_alg alg;
	bool leaving;
	struct mkey **keys;
	struct ks_key **ptrs; /* &keys[i]->k, for lc_sched_keys */
	size_t n, cap;
	unsigned generated;
	struct plan_sched *out;
};

const char *
plan_kind_name(enum plan_kind kind)
{
	static const char *const names[] = { "generate", "publish", "deploy",
		"retire", "revoke", "withdraw", "destroy", "reveal" };

	return (size_t)kind < ARRAY_LEN(names) ? names[kind] : "?";
}

static struct mkey *
model_add(struct model *m)
{
	struct mkey *k = xcalloc(1, sizeof(*k));

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 8;
		m->keys = xrealloc(m->keys, m->cap * sizeof(*m->keys));
		m->ptrs = xrealloc(m->ptrs, m->cap * sizeof(*m->ptrs));
	}
	m->keys[m->n] = k;
	m->ptrs[m->n++] = &k->k;
	return k;
}

static void
sched(const struct model *m, struct policy_sched *s)
{
	lc_sched_keys(m->ptrs, m->n, m->v, m->alg, s);
	s->leaving = m->leaving;
}

/* The model key behind a schedule's const pointer. */
static struct mkey *
mut(const struct model *m, const struct ks_key *k)
{
	size_t i;

	for (i = 0; k != NULL && i < m->n; i++)
		if (&m->keys[i]->k == k)
			return m->keys[i];
	return NULL;
}

static void
emit(struct model *m, enum plan_kind kind, int64_t at, const struct mkey *k)
{
	struct plan_sched *o = m->out;

	if (o->n == PLAN_MAX_EVENTS) {
		o->truncated = true;
		return;
	}
	o->events = xrealloc(o->events, (o->n + 1) * sizeof(*o->events));
	o->events[o->n].kind = kind;
	o->events[o->n].at = at;
	o->events[o->n].key = k->orig;
	o->events[o->n++].next = k->orig == NULL ? k->next : 0;
}

/* A successor generated at t: pending, of the vendor's size for alg. */
static void
generate(struct model *m, int64_t t)
{
	struct mkey *k = model_add(m);
	size_t i;

	k->k.vendor = m->v->name;
	k->k.domain = m->v->domain;
	k->k.alg = m->alg;
	for (i = 0; i < m->v->nalgs; i++)
		if (m->v->algs[i].alg == m->alg)
			k->k.bits = m->v->algs[i].bits;
	/* the largest TTL DNS will give: the vendor's own */
	k->k.max_ttl = m->v->verify_dns ? m->v->ttl : 0;
	k->k.state = KS_PENDING;
	k->k.created = t;
	k->next = ++m->generated;
	emit(m, PLAN_GENERATE, t, k);
}

static void
set_state(struct ks_key *k, enum ks_state st, int64_t *when, int64_t t)
{
	k->state = st;
	*when = t;
	k->hooks_done = 0;
}

/* Publish hooks; DNS serves the record at once. */
static bool
publish(struct model *m, struct mkey *k, int64_t t)
{
	set_state(&k->k, KS_PUBLISHED, &k->k.published, t);
	k->k.visible = t;
	emit(m, PLAN_PUBLISH, t, k);
	return true;
}

/* A retired key: retire hooks, then from retired + overlap its
 * revocation (hooks, then DNS serving it at once). */
static bool
revoke(struct model *m, struct mkey *k, int64_t t)
{
	bool moved = false;

	if ((k->k.hooks_done & KS_EV_BIT(KS_EV_RETIRE)) == 0) {
		k->k.hooks_done |= KS_EV_BIT(KS_EV_RETIRE);
		emit(m, PLAN_RETIRE, t, k);
		moved = true;
	}
	if (policy_revoke_at(m->v, &k->k) > t)
		return moved;
	if ((k->k.hooks_done & KS_EV_BIT(KS_EV_REVOKE)) == 0)
		emit(m, PLAN_REVOKE, t, k);
	set_state(&k->k, KS_REVOKED, &k->k.revoked, t);
	return true;
}

/* A revoked key: from revoked + revoke_for its withdrawal. */
static bool
withdraw(struct model *m, struct mkey *k, int64_t t)
{
	if (policy_withdraw_at(m->v, &k->k) > t)
		return false;
	if ((k->k.hooks_done & KS_EV_BIT(KS_EV_WITHDRAW)) == 0)
		emit(m, PLAN_WITHDRAW, t, k);
	set_state(&k->k, KS_WITHDRAWN, &k->k.withdrawn, t);
	return true;
}

/* A withdrawn key: destroy hooks, reveal hooks when they may run. */
static bool
destroy(struct model *m, struct mkey *k, int64_t t)
{
	if ((k->k.hooks_done & KS_EV_BIT(KS_EV_DESTROY)) == 0)
		emit(m, PLAN_DESTROY, t, k);
	if (m->v->reveal && (k->k.hooks_done & KS_EV_BIT(KS_EV_REVEAL)) == 0 &&
	    policy_reveal_ok(m->v, &k->k))
		emit(m, PLAN_REVEAL, t, k);
	set_state(&k->k, KS_DESTROYED, &k->k.destroyed, t);
	return true;
}

/* decommission: every key up to active is retired (its retire hooks
 * follow in the same run). */
static bool
leave(struct model *m, struct mkey *k, int64_t t)
{
	(void)m;
	set_state(&k->k, KS_RETIRED, &k->k.retired, t);
	return true;
}

/* A published key whose DNS check is still to come: served at once. */
static bool
visible(struct model *m, struct mkey *k, int64_t t)
{
	(void)m;
	if (k->k.visible != 0)
		return false;
	k->k.visible = t;
	return true;
}

/* fn on every key in state st (st below 0: up to active). */
static bool
each(struct model *m, int st, int64_t t,
    bool (*fn)(struct model *, struct mkey *, int64_t))
{
	bool moved = false;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (st < 0 ? m->keys[i]->k.state <= KS_ACTIVE :
		    m->keys[i]->k.state == (enum ks_state)st)
			moved |= fn(m, m->keys[i], t);
	return moved;
}

/* The successor deployed at t; the active key retired. */
static void
deploy(struct model *m, const struct policy_sched *s, int64_t t)
{
	struct mkey *k = mut(m, s->successor), *old = mut(m, s->active);

	set_state(&k->k, KS_ACTIVE, &k->k.activated, t);
	emit(m, PLAN_DEPLOY, t, k);
	if (old != NULL)
		set_state(&old->k, KS_RETIRED, &old->k.retired, t);
}

/* One run at t, as run_steps takes it after the run's key generation.
 * Returns whether anything changed. */
static bool
run(struct model *m, int64_t t)
{
	struct policy_sched s;
	const struct ks_key *k;
	bool moved = false;

	sched(m, &s);
	if (m->leaving)
		moved |= each(m, -1, t, leave);
	else if (policy_generate_at(&s) <= t) {
		generate(m, t);
		moved = true;
	}
	moved |= each(m, KS_PENDING, t, publish);
	moved |= each(m, KS_PUBLISHED, t, visible);
	sched(m, &s);
	k = s.successor;
	if (k != NULL && k->state == KS_PUBLISHED &&
	    policy_deploy_at(&s, k, k->neg_ttl) <= t) {
		deploy(m, &s, t);
		moved = true;
	}
	moved |= each(m, KS_RETIRED, t, revoke);
	moved |= each(m, KS_REVOKED, t, withdraw);
	moved |= each(m, KS_WITHDRAWN, t, destroy);
	return moved;
}

static int64_t
min2(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* When the model next has a step due (POLICY_NEVER: never). */
static int64_t
next_at(const struct model *m)
{
	struct policy_sched s;
	const struct ks_key *k;
	int64_t at;
	size_t i;

	sched(m, &s);
	at = policy_generate_at(&s);
	if ((k = s.successor) != NULL && k->state == KS_PUBLISHED)
		at = min2(at, policy_deploy_at(&s, k, k->neg_ttl));
	for (i = 0; i < m->n; i++) {
		k = &m->keys[i]->k;
		if (k->state == KS_RETIRED)
			at = min2(at, policy_revoke_at(m->v, k));
		else if (k->state == KS_REVOKED)
			at = min2(at, policy_withdraw_at(m->v, k));
	}
	return at;
}

void
plan_sched(const struct vendor *v, enum dk_alg alg,
    struct ks_key *const *keys, size_t n, bool held, bool leaving,
    int64_t now, int64_t until, struct plan_sched *out)
{
	struct model m;
	struct mkey *k;
	int64_t t = now, next;
	size_t i;
	int runs;

	memset(out, 0, sizeof(*out));
	out->v = v;
	out->alg = alg;
	out->held = held;
	out->leaving = leaving;
	if (held)
		return; /* nothing moves until `release` */
	memset(&m, 0, sizeof(m));
	m.v = v;
	m.alg = alg;
	m.leaving = leaving;
	m.out = out;
	for (i = 0; i < n; i++) {
		if (!lc_in_sched(keys[i], v, alg))
			continue;
		k = model_add(&m);
		k->k = *keys[i];
		k->orig = keys[i];
	}
	while (t <= until && !out->truncated) {
		/* a step may make another due at once (deploy: retire) */
		for (runs = 0; runs < 8 && run(&m, t); runs++)
			;
		/* whatever was due at t ran: the next step is later */
		if ((next = next_at(&m)) <= t)
			break;
		t = next;
	}
	for (i = 0; i < m.n; i++)
		free(m.keys[i]);
	free(m.keys);
	free(m.ptrs);
}

void
plan_sched_free(struct plan_sched *ps)
{
	if (ps == NULL)
		return;
	free(ps->events);
	ps->events = NULL;
	ps->n = 0;
}

/* Keys in order of vendor, then algorithm. */
static int
sched_cmp(const struct ks_key *x, const struct ks_key *y)
{
	int c = strcmp(x->vendor, y->vendor);

	if (c != 0)
		return c;
	return (x->alg > y->alg) - (x->alg < y->alg);
}

static int
by_sched(const void *a, const void *b)
{
	return sched_cmp(*(const struct ks_key *const *)a,
	    *(const struct ks_key *const *)b);
}

/* Whether v is among only[0..nonly) (by name or section); none: all. */
static bool
wanted(const struct vendor *v, char *const *only, size_t nonly)
{
	size_t i;

	for (i = 0; i < nonly; i++)
		if (strcmp(only[i], v->name) == 0 ||
		    strcmp(only[i], v->section) == 0)
			return true;
	return nonly == 0;
}

/* The range of sorted[0..n) holding the keys of (vendor, alg). */
static struct ks_key *const *
range(struct ks_key **sorted, size_t n, const struct vendor *v,
    enum dk_alg alg, size_t *len)
{
	struct ks_key probe;
	size_t lo = 0, hi = n, mid;

	memset(&probe, 0, sizeof(probe));
	probe.vendor = v->name;
	probe.alg = alg;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sched_cmp(sorted[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < n && sched_cmp(sorted[hi], &probe) == 0; hi++)
		;
	*len = hi - lo;
	return sorted + lo;
}

/* The schedules of v (managed and wanted) into p. */
static void
plan_vendor(struct lc *lc, const struct vendor *v, struct ks_key **sorted,
    size_t nkeys, int64_t until, struct plan *p)
{
	const struct ks_vendor *rec = ks_vendor(lc->ks, v->name, false);
	struct ks_key *const *mine;
	size_t nmine, a;

	for (a = 0; a < v->nalgs; a++) {
		mine = range(sorted, nkeys, v, v->algs[a].alg, &nmine);
		plan_sched(v, v->algs[a].alg, mine, nmine,
		    rec != NULL && rec->hold,
		    rec != NULL && (rec->decommission ||
		    (rec->decommission_algs & 1U << v->algs[a].alg) != 0),
		    lc->now, until, &p->scheds[p->n++]);
	}
}

void
plan_build(struct lc *lc, char *const *only, size_t nonly, int64_t until,
    struct plan *p)
{
	const struct config *cfg = lc->cfg;
	const struct vendor *v;
	struct ks_key *const *keys, **sorted;
	size_t nkeys, i;

	memset(p, 0, sizeof(*p));
	p->now = lc->now;
	p->until = until;
	keys = ks_keys(lc->ks, &nkeys);
	/* one sort, so that many domains cost n log n, not n squared */
	sorted = xcalloc(nkeys + 1, sizeof(*sorted));
	if (nkeys > 0) { /* an empty keystore may hand back NULL */
		memcpy(sorted, keys, nkeys * sizeof(*sorted));
		qsort(sorted, nkeys, sizeof(*sorted), by_sched);
	}
	/* as rotate: the configured vendors, then the heirs */
	p->nheirs = lc_heirs(lc, &p->heirs);
	p->scheds = xcalloc((cfg->nvendors + p->nheirs) * CONFIG_MAX_ALGS + 1,
	    sizeof(*p->scheds));
	for (i = 0; i < cfg->nvendors + p->nheirs; i++) {
		v = i < cfg->nvendors ? &cfg->vendors[i] :
		    &p->heirs[i - cfg->nvendors];
		if (v->mode == MODE_MANAGED && wanted(v, only, nonly))
			plan_vendor(lc, v, sorted, nkeys, until, p);
	}
	free(sorted);
}

void
plan_free(struct plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		plan_sched_free(&p->scheds[i]);
	free(p->scheds);
	p->scheds = NULL;
	p->n = 0;
	free(p->heirs);
	p->heirs = NULL;
	p->nheirs = 0;
}
