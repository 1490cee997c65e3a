/*
 * check_policy.c - the schedule rules of SPEC section 2 as times, with
 * any clock.
 */
#include "testutil.h"
#include "lifecycle/policy.h"
#include "support/dkim.h"

#define D 86400
#define H 3600
#define T0 1795953600 /* 2026-11-29T12:00:00Z */

static char name[] = "esp", dom[] = "mg.example.com", dom2[] = "b.example";

static struct vendor
vendor(void)
{
	struct vendor v;

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.domain = dom;
	v.rotate_every = 180 * D;
	v.publish_ahead = 48 * H;
	v.generate_margin = 1 * D;
	v.overlap = 7 * D;
	v.revoke_for = 30 * D;
	v.ttl = 3600;
	return v;
}

static struct ks_key
key(enum ks_state st)
{
	struct ks_key k;

	memset(&k, 0, sizeof(k));
	k.state = st;
	return k;
}

START_TEST(test_a_vendor_without_keys_generates_at_once)
{
	struct vendor v = vendor();
	struct policy_sched s = { .v = &v, .alg = DK_ALG_RSA };

	ck_assert_int_eq(policy_generate_at(&s), 0);
}
END_TEST

START_TEST(test_successor_is_generated_ahead_of_rotation)
{
	struct vendor v = vendor();
	struct ks_key a = key(KS_ACTIVE), succ = key(KS_PENDING);
	struct policy_sched s = { .v = &v, .active = &a };

	a.activated = T0;
	ck_assert_int_eq(policy_generate_at(&s),
	    T0 + 180 * D - 48 * H - 1 * D);
	s.successor = &succ;
	ck_assert_int_eq(policy_generate_at(&s), POLICY_NEVER);
	s.successor = NULL;
	s.held = true;
	ck_assert_int_eq(policy_generate_at(&s), POLICY_NEVER);
	s.held = false;
	s.compromised = &a;
	ck_assert_int_eq(policy_generate_at(&s), 0);
}
END_TEST

START_TEST(test_deploy_waits_for_visibility_publish_ahead_and_rotation)
{
	struct vendor v = vendor();
	struct ks_key a = key(KS_ACTIVE), k = key(KS_PUBLISHED);
	struct policy_sched s = { .v = &v };

	k.published = T0;
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), POLICY_NEVER);
	k.visible = T0 + 12 * H;
	/* first key: visible + publish_ahead */
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), T0 + 60 * H);
	/* a long negative TTL wins */
	ck_assert_int_eq(policy_deploy_at(&s, &k, 4 * D), T0 + 4 * D);
	/* a successor: also A + rotate_every */
	a.activated = T0 - 170 * D;
	s.active = &a;
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), T0 + 10 * D);
	/* never while held, and never for a key not yet published */
	s.held = true;
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), POLICY_NEVER);
	s.held = false;
	k.state = KS_PENDING;
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), POLICY_NEVER);
}
END_TEST

START_TEST(test_compromise_waives_publish_ahead_and_rotation_only)
{
	struct vendor v = vendor();
	struct ks_key c = key(KS_RETIRED), k = key(KS_PUBLISHED);
	struct policy_sched s = { .v = &v, .compromised = &c };

	k.published = T0;
	k.visible = T0 + H;
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), T0 + H);
	ck_assert_int_eq(policy_deploy_at(&s, &k, 2 * H), T0 + 2 * H);
	k.visible = 0;
	ck_assert_int_eq(policy_deploy_at(&s, &k, 0), POLICY_NEVER);
}
END_TEST

START_TEST(test_revocation_waits_for_retire_hooks_and_overlap)
{
	struct vendor v = vendor();
	struct ks_key k = key(KS_RETIRED);

	k.retired = T0;
	ck_assert_int_eq(policy_revoke_at(&v, &k), POLICY_NEVER);
	k.hooks_done = KS_EV_BIT(KS_EV_RETIRE);
	ck_assert_int_eq(policy_revoke_at(&v, &k), T0 + 7 * D);
	k.compromised = true;
	ck_assert_int_eq(policy_revoke_at(&v, &k), T0);
	k.state = KS_ACTIVE;
	ck_assert_int_eq(policy_revoke_at(&v, &k), POLICY_NEVER);
}
END_TEST

START_TEST(test_withdrawal_follows_revoke_for)
{
	struct vendor v = vendor();
	struct ks_key k = key(KS_REVOKED);

	k.revoked = T0;
	ck_assert_int_eq(policy_withdraw_at(&v, &k), T0 + 30 * D);
	k.state = KS_RETIRED;
	ck_assert_int_eq(policy_withdraw_at(&v, &k), POLICY_NEVER);
}
END_TEST

START_TEST(test_reveal_needs_revoke_for_above_every_ttl_seen)
{
	struct vendor v = vendor();
	struct ks_key k = key(KS_WITHDRAWN);

	k.max_ttl = 3600;
	ck_assert(!policy_reveal_ok(&v, &k));
	v.reveal = true;
	ck_assert(policy_reveal_ok(&v, &k));
	k.max_ttl = 31 * D;
	ck_assert(!policy_reveal_ok(&v, &k));
}
END_TEST

START_TEST(test_late_is_past_rotation_without_an_active_successor)
{
	struct vendor v = vendor();
	struct ks_key a = key(KS_ACTIVE);
	struct policy_sched s = { .v = &v, .active = &a };

	a.activated = T0;
	ck_assert(!policy_late(&s, T0 + 180 * D));
	ck_assert(policy_late(&s, T0 + 180 * D + 1));
	s.held = true;
	ck_assert(!policy_late(&s, T0 + 365 * D));
}
END_TEST

START_TEST(test_late_after_is_a_grace_past_the_due_date)
{
	struct vendor v = vendor();
	struct ks_key a = key(KS_ACTIVE);
	struct policy_sched s = { .v = &v, .active = &a };

	v.late_after = 3 * D;
	a.activated = T0;
	ck_assert(!policy_late(&s, T0 + 180 * D + 1));
	ck_assert(!policy_late(&s, T0 + 183 * D));
	ck_assert(policy_late(&s, T0 + 183 * D + 1));
}
END_TEST

START_TEST(test_a_wait_not_caused_by_time_stalls_after_stall_after)
{
	struct vendor v = vendor();

	v.stall_after = 1 * D;
	ck_assert(!policy_stalled(&v, 0, T0));
	ck_assert(!policy_stalled(&v, T0, T0 + 1 * D));
	ck_assert(policy_stalled(&v, T0, T0 + 1 * D + 1));
}
END_TEST

START_TEST(test_rotate_spread_shortens_only_the_first_rotation_stably)
{
	struct vendor v = vendor(), w = vendor();
	struct ks_key a = key(KS_ACTIVE);
	struct policy_sched s = { .v = &v, .active = &a, .first = true };
	struct policy_sched t = { .v = &w, .active = &a, .first = true };
	int64_t p;

	ck_assert_int_eq(policy_period(&s), 180 * D);
	v.rotate_spread = w.rotate_spread = 30 * D;
	w.domain = dom2;
	p = policy_period(&s);
	ck_assert_int_le(p, 180 * D);
	ck_assert_int_gt(p, 150 * D);
	ck_assert_int_eq(policy_period(&s), p);
	ck_assert_int_ne(policy_period(&t), p);
	s.first = false;
	ck_assert_int_eq(policy_period(&s), 180 * D);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_a_vendor_without_keys_generates_at_once);
	tcase_add_test(tc, test_successor_is_generated_ahead_of_rotation);
	tcase_add_test(tc,
	    test_deploy_waits_for_visibility_publish_ahead_and_rotation);
	tcase_add_test(tc,
	    test_compromise_waives_publish_ahead_and_rotation_only);
	tcase_add_test(tc, test_revocation_waits_for_retire_hooks_and_overlap);
	tcase_add_test(tc, test_withdrawal_follows_revoke_for);
	tcase_add_test(tc, test_reveal_needs_revoke_for_above_every_ttl_seen);
	tcase_add_test(tc,
	    test_late_is_past_rotation_without_an_active_successor);
	tcase_add_test(tc, test_late_after_is_a_grace_past_the_due_date);
	tcase_add_test(tc,
	    test_a_wait_not_caused_by_time_stalls_after_stall_after);
	tcase_add_test(tc,
	    test_rotate_spread_shortens_only_the_first_rotation_stably);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
