/*
 * check_plan.c - the plan's projection rules: from a schedule's keys,
 * hold and decommission, every event up to a date, each at its earliest
 * time, with any clock.
 */
#include "testutil.h"
#include "lifecycle/plan.h"
#include "lifecycle/policy.h"
#include "support/dkim.h"

#define D 86400
#define T0 1772323200 /* 2026-03-01T00:00:00Z */
#define NEW(n) (-(n)) /* the n-th key generated from now on */

static char vname[] = "esp", dom[] = "mg.example.com", oname[] = "crm";

/* A key of a case: state, times relative to T0 (0: not yet; use 1 s
 * offsets, never exactly T0, for "at T0"), progress. */
struct ckey {
	enum ks_state st;
	int64_t activated, published, visible, retired, revoked;
	unsigned done;
	bool compromised;
	uint32_t max_ttl;
	enum dk_alg alg; /* DK_ALG_RSA unless set */
	bool other;      /* another vendor's */
};

struct cevent {
	enum plan_kind kind;
	int64_t at; /* relative to T0 */
	int key;    /* index into keys, or NEW(n) */
};

struct pcase {
	const char *name;
	struct ckey keys[3];
	size_t nkeys;
	bool held, leaving, reveal;
	int64_t until; /* relative to T0 */
	struct cevent ev[16];
	size_t nev;
};

/* rotate_every 30d, publish_ahead 2d, generate_margin 1d, overlap 5d,
 * revoke_for 7d: generation 27 days after activation. */
static const struct pcase cases[] = {
	{ "a vendor without keys gets one now, deployed after publish_ahead, "
	  "and the next one a rotation later",
	    { { 0 } }, 0, false, false, false, 40 * D,
	    { { PLAN_GENERATE, 0, NEW(1) }, { PLAN_PUBLISH, 0, NEW(1) },
	      { PLAN_DEPLOY, 2 * D, NEW(1) },
	      { PLAN_GENERATE, 29 * D, NEW(2) },
	      { PLAN_PUBLISH, 29 * D, NEW(2) },
	      { PLAN_DEPLOY, 32 * D, NEW(2) },
	      { PLAN_RETIRE, 32 * D, NEW(1) },
	      { PLAN_REVOKE, 37 * D, NEW(1) } }, 8 },
	{ "an active key is replaced at A + rotate_every, then retired, "
	  "revoked, withdrawn and destroyed on its timers",
	    { { KS_ACTIVE, -20 * D, -23 * D, -23 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false } }, 1, false, false, false, 25 * D,
	    { { PLAN_GENERATE, 7 * D, NEW(1) }, { PLAN_PUBLISH, 7 * D, NEW(1) },
	      { PLAN_DEPLOY, 10 * D, NEW(1) }, { PLAN_RETIRE, 10 * D, 0 },
	      { PLAN_REVOKE, 15 * D, 0 }, { PLAN_WITHDRAW, 22 * D, 0 },
	      { PLAN_DESTROY, 22 * D, 0 } }, 7 },
	{ "an event at until is listed and one after it is not",
	    { { KS_ACTIVE, -20 * D, -23 * D, -23 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false } }, 1, false, false, false, 22 * D - 1,
	    { { PLAN_GENERATE, 7 * D, NEW(1) }, { PLAN_PUBLISH, 7 * D, NEW(1) },
	      { PLAN_DEPLOY, 10 * D, NEW(1) }, { PLAN_RETIRE, 10 * D, 0 },
	      { PLAN_REVOKE, 15 * D, 0 } }, 5 },
	{ "an overdue successor is generated now and deployed after "
	  "publish_ahead",
	    { { KS_ACTIVE, -40 * D, -43 * D, -43 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false } }, 1, false, false, false, 3 * D,
	    { { PLAN_GENERATE, 0, NEW(1) }, { PLAN_PUBLISH, 0, NEW(1) },
	      { PLAN_DEPLOY, 2 * D, NEW(1) }, { PLAN_RETIRE, 2 * D, 0 } }, 4 },
	{ "a pending key is published now and deployed at A + rotate_every",
	    { { KS_ACTIVE, -25 * D, -28 * D, -28 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false },
	      { KS_PENDING, 0, 0, 0, 0, 0, 0, false, 0, DK_ALG_RSA, false } },
	    2, false, false, false, 6 * D,
	    { { PLAN_PUBLISH, 0, 1 }, { PLAN_DEPLOY, 5 * D, 1 },
	      { PLAN_RETIRE, 5 * D, 0 } }, 3 },
	{ "a published key DNS does not serve yet counts publish_ahead "
	  "from now",
	    { { KS_ACTIVE, -29 * D, -32 * D, -32 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false },
	      { KS_PUBLISHED, 0, -2 * D, 0, 0, 0, 0, false, 0, DK_ALG_RSA,
	        false } }, 2, false, false, false, 3 * D,
	    { { PLAN_DEPLOY, 2 * D, 1 }, { PLAN_RETIRE, 2 * D, 0 } }, 2 },
	{ "a held vendor has no event at all",
	    { { KS_ACTIVE, -40 * D, -43 * D, -43 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false },
	      { KS_REVOKED, -80 * D, -83 * D, -83 * D, -50 * D, -45 * D, 0,
	        false, 0, DK_ALG_RSA, false } },
	    2, true, false, false, 365 * D, { { 0 } }, 0 },
	{ "a leaving vendor's keys are retired now and taken to destroyed, "
	  "with no successor",
	    { { KS_ACTIVE, -10 * D, -13 * D, -13 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false },
	      { KS_PENDING, 0, 0, 0, 0, 0, 0, false, 0, DK_ALG_RSA, false } },
	    2, false, true, false, 365 * D,
	    { { PLAN_RETIRE, 0, 0 }, { PLAN_RETIRE, 0, 1 },
	      { PLAN_REVOKE, 5 * D, 0 }, { PLAN_REVOKE, 5 * D, 1 },
	      { PLAN_WITHDRAW, 12 * D, 0 }, { PLAN_WITHDRAW, 12 * D, 1 },
	      { PLAN_DESTROY, 12 * D, 0 }, { PLAN_DESTROY, 12 * D, 1 } }, 8 },
	{ "a compromised key is revoked now and its replacement deployed "
	  "without publish_ahead",
	    { { KS_RETIRED, -10 * D, -13 * D, -13 * D, -1, 0,
	        KS_EV_BIT(KS_EV_RETIRE), true, 0, DK_ALG_RSA, false } },
	    1, false, false, false, 1 * D,
	    { { PLAN_GENERATE, 0, NEW(1) }, { PLAN_PUBLISH, 0, NEW(1) },
	      { PLAN_DEPLOY, 0, NEW(1) }, { PLAN_REVOKE, 0, 0 } }, 4 },
	{ "with reveal = yes a key is revealed after its destroy hooks",
	    { { KS_ACTIVE, -1, -2 * D, -2 * D, 0, 0, 0, false, 0, DK_ALG_RSA,
	        false },
	      { KS_REVOKED, -60 * D, -63 * D, -63 * D, -12 * D, -7 * D, 0,
	        false, 300, DK_ALG_RSA, false } },
	    2, false, false, true, 1 * D,
	    { { PLAN_WITHDRAW, 0, 1 }, { PLAN_DESTROY, 0, 1 },
	      { PLAN_REVEAL, 0, 1 } }, 3 },
	{ "a key whose TTL outlived revoke_for is destroyed, not revealed",
	    { { KS_ACTIVE, -1, -2 * D, -2 * D, 0, 0, 0, false, 0, DK_ALG_RSA,
	        false },
	      { KS_REVOKED, -60 * D, -63 * D, -63 * D, -12 * D, -7 * D, 0,
	        false, 8 * D, DK_ALG_RSA, false } },
	    2, false, false, true, 1 * D,
	    { { PLAN_WITHDRAW, 0, 1 }, { PLAN_DESTROY, 0, 1 } }, 2 },
	{ "retire hooks that have not succeeded are retried now",
	    { { KS_ACTIVE, -1 * D, -3 * D, -3 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false },
	      { KS_RETIRED, -31 * D, -34 * D, -34 * D, -1 * D, 0, 0, false, 0,
	        DK_ALG_RSA, false } },
	    2, false, false, false, 5 * D,
	    { { PLAN_RETIRE, 0, 1 }, { PLAN_REVOKE, 4 * D, 1 } }, 2 },
	{ "a revocation waiting for DNS is not listed again; its withdrawal "
	  "follows revoke_for from now",
	    { { KS_ACTIVE, -5 * D, -8 * D, -8 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, false },
	      { KS_RETIRED, -35 * D, -38 * D, -38 * D, -5 * D, 0,
	        KS_EV_BIT(KS_EV_RETIRE) | KS_EV_BIT(KS_EV_REVOKE), false, 0,
	        DK_ALG_RSA, false } },
	    2, false, false, false, 8 * D,
	    { { PLAN_WITHDRAW, 7 * D, 1 }, { PLAN_DESTROY, 7 * D, 1 } }, 2 },
	{ "keys of another algorithm or vendor are not the schedule's",
	    { { KS_ACTIVE, -1 * D, -3 * D, -3 * D, 0, 0, 0, false, 0,
	        DK_ALG_ED25519, false },
	      { KS_ACTIVE, -1 * D, -3 * D, -3 * D, 0, 0, 0, false, 0,
	        DK_ALG_RSA, true } },
	    2, false, false, false, 1 * D,
	    { { PLAN_GENERATE, 0, NEW(1) }, { PLAN_PUBLISH, 0, NEW(1) } }, 2 },
};

static struct vendor
vendor(void)
{
	struct vendor v;
	static struct alg_spec algs[] = { { DK_ALG_RSA, 2048 } };

	memset(&v, 0, sizeof(v));
	v.name = vname;
	v.section = vname;
	v.domain = dom;
	memcpy(v.algs, algs, sizeof(algs));
	v.nalgs = 1;
	v.rotate_every = 30 * D;
	v.publish_ahead = 2 * D;
	v.generate_margin = 1 * D;
	v.overlap = 5 * D;
	v.revoke_for = 7 * D;
	v.ttl = 300;
	v.verify_dns = true;
	return v;
}

static int64_t
at(int64_t rel)
{
	return rel == 0 ? 0 : T0 + rel;
}

static void
make_key(const struct ckey *c, struct ks_key *k)
{
	memset(k, 0, sizeof(*k));
	k->vendor = c->other ? oname : vname;
	k->domain = dom;
	k->alg = c->alg != DK_ALG_NONE ? c->alg : DK_ALG_RSA;
	k->state = c->st;
	k->activated = at(c->activated);
	k->published = at(c->published);
	k->visible = at(c->visible);
	k->retired = at(c->retired);
	k->revoked = at(c->revoked);
	k->hooks_done = c->done;
	k->compromised = c->compromised;
	k->max_ttl = c->max_ttl;
}

START_TEST(test_the_plan_follows_the_schedule_rules)
{
	const struct pcase *c = &cases[_i];
	struct vendor v = vendor();
	struct ks_key keys[3], *ptrs[3];
	struct plan_sched ps;
	const struct plan_event *e;
	size_t i;

	v.reveal = c->reveal;
	for (i = 0; i < c->nkeys; i++) {
		make_key(&c->keys[i], &keys[i]);
		ptrs[i] = &keys[i];
	}
	plan_sched(&v, DK_ALG_RSA, ptrs, c->nkeys, c->held, c->leaving, T0,
	    T0 + c->until, &ps);
	ck_assert_msg(ps.n == c->nev, "%s: %zu events, want %zu", c->name,
	    ps.n, c->nev);
	ck_assert(ps.held == c->held && ps.leaving == c->leaving);
	ck_assert(!ps.truncated);
	for (i = 0; i < c->nev; i++) {
		e = &ps.events[i];
		ck_assert_msg(e->kind == c->ev[i].kind && e->at == T0 +
		    c->ev[i].at, "%s: event %zu is %s at T0%+lld, want %s at "
		    "T0%+lld", c->name, i, plan_kind_name(e->kind),
		    (long long)(e->at - T0), plan_kind_name(c->ev[i].kind),
		    (long long)c->ev[i].at);
		if (c->ev[i].key >= 0)
			ck_assert_msg(e->key == &keys[c->ev[i].key] &&
			    e->next == 0, "%s: event %zu names the wrong key",
			    c->name, i);
		else
			ck_assert_msg(e->key == NULL &&
			    e->next == (unsigned)-c->ev[i].key,
			    "%s: event %zu is not about new key %d", c->name, i,
			    -c->ev[i].key);
	}
	plan_sched_free(&ps);
}
END_TEST

START_TEST(test_rotate_spread_shortens_only_the_first_planned_rotation)
{
	struct vendor v = vendor();
	struct ks_key k, *p = &k;
	struct policy_sched s = { .v = &v, .active = &k, .first = true };
	struct plan_sched ps;
	int64_t first;

	v.rotate_spread = 10 * D;
	memset(&k, 0, sizeof(k));
	k.vendor = vname;
	k.domain = dom;
	k.alg = DK_ALG_RSA;
	k.state = KS_ACTIVE;
	k.published = k.visible = T0 - 2 * D;
	k.activated = T0;
	first = policy_period(&s);
	ck_assert_int_lt(first, 30 * D);
	plan_sched(&v, DK_ALG_RSA, &p, 1, false, false, T0, T0 + 80 * D, &ps);
	/* generate, publish, deploy, retire, revoke, withdraw, destroy;
	 * then the next key a whole rotate_every later */
	ck_assert_uint_ge(ps.n, 10);
	ck_assert_int_eq(ps.events[2].kind, PLAN_DEPLOY);
	ck_assert_int_eq(ps.events[2].at, T0 + first);
	ck_assert_int_eq(ps.events[0].at, T0 + first - 3 * D);
	ck_assert_int_eq(ps.events[9].kind, PLAN_DEPLOY);
	ck_assert_int_eq(ps.events[9].at, T0 + first + 30 * D);
	plan_sched_free(&ps);
}
END_TEST

START_TEST(test_a_plan_too_long_to_list_is_cut_and_says_so)
{
	struct vendor v = vendor();
	struct plan_sched ps;

	v.rotate_every = 4;
	v.publish_ahead = 1;
	v.generate_margin = 1;
	v.overlap = v.revoke_for = 1;
	plan_sched(&v, DK_ALG_RSA, NULL, 0, false, false, T0, T0 + 365 * D,
	    &ps);
	ck_assert(ps.truncated);
	ck_assert_uint_eq(ps.n, PLAN_MAX_EVENTS);
	ck_assert_int_lt(ps.events[ps.n - 1].at, T0 + D);
	plan_sched_free(&ps);
}
END_TEST

START_TEST(test_nothing_is_planned_before_now_or_after_until)
{
	struct vendor v = vendor();
	struct plan_sched ps;
	size_t i;

	plan_sched(&v, DK_ALG_RSA, NULL, 0, false, false, T0, T0 + 365 * D,
	    &ps);
	/* 30-day rotations over a year: about a dozen of each */
	ck_assert_uint_ge(ps.n, 12 * 7);
	for (i = 0; i < ps.n; i++) {
		ck_assert_int_ge(ps.events[i].at, T0);
		ck_assert_int_le(ps.events[i].at, T0 + 365 * D);
		if (i > 0)
			ck_assert_int_ge(ps.events[i].at,
			    ps.events[i - 1].at);
	}
	plan_sched_free(&ps);
	plan_sched(&v, DK_ALG_RSA, NULL, 0, false, false, T0, T0, &ps);
	ck_assert_uint_eq(ps.n, 2); /* generate and publish, now */
	plan_sched_free(&ps);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_the_plan_follows_the_schedule_rules, 0,
	    (int)ARRAY_LEN(cases));
	tcase_add_test(tc,
	    test_rotate_spread_shortens_only_the_first_planned_rotation);
	tcase_add_test(tc, test_a_plan_too_long_to_list_is_cut_and_says_so);
	tcase_add_test(tc, test_nothing_is_planned_before_now_or_after_until);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
