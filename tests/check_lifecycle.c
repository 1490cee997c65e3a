/*
 * check_lifecycle.c - selectors, successors, KEY lookup, loading keys back.
 */
#include <stdlib.h>

#include "testutil.h"
#include "lifecycle/lifecycle.h"
#include "secret/keygen.h"
#include "support/dkim.h"
#include "support/hmap.h"
#include "support/log.h"

#define NOW 1795953600 /* 2026-11-29T12:00:00Z, a Sunday, day 333 */

static char *dir;
static char n_esp[] = "esp", n_mta[] = "mta", n_sendgrid[] = "sendgrid";
static char d_mg[] = "mg.example.com", d_ex[] = "example.com";
static char t_mg[] = "mg%Y%m%a", t_k[] = "k%n-%Y.%j%H%d%a", t_pct[] = "a%%b";
static char s_liar[] = "liar";
static struct config cfg;
static struct vendor vendors[3];
static struct lc lc;

static void
setup(void)
{
	struct secret *pass;
	char *store;

	ck_assert_int_eq(secret_setup(), 0);
	pass = secret_from("test passphrase", 15);
	ck_assert_int_eq(keygen_setup(), 0);
	dir = tu_tmpdir();
	store = xasprintf("%s/store", dir);
	ck_assert_int_eq(ks_create(store, KS_KDF_INTERACTIVE, pass, NOW,
	    false), 0);
	memset(&lc, 0, sizeof(lc));
	ck_assert_int_eq(ks_open(store, KS_LOCK, &lc.ks), 0);
	ck_assert_int_eq(ks_unlock(lc.ks, pass), 0);
	secret_free(pass);
	free(store);

	memset(vendors, 0, sizeof(vendors));
	vendors[0].name = n_esp;
	vendors[0].domain = d_mg;
	vendors[0].selector = t_mg;
	vendors[0].algs[0] = (struct alg_spec){ DK_ALG_ED25519, 256 };
	vendors[0].nalgs = 1;
	vendors[0].overlap = 7 * 86400;
	vendors[0].revoke_for = 30 * 86400;
	vendors[1] = vendors[0];
	vendors[1].name = n_mta;
	vendors[1].domain = d_ex;
	vendors[1].selector = t_k;
	vendors[1].algs[1] = (struct alg_spec){ DK_ALG_RSA, 2048 };
	vendors[1].nalgs = 2;
	vendors[2] = vendors[0];
	vendors[2].name = n_sendgrid;
	vendors[2].mode = MODE_DELEGATED;
	cfg.vendors = vendors;
	cfg.nvendors = 3;
	lc.cfg = &cfg;
	lc.now = NOW;
}

static void
teardown(void)
{
	lc_release(&lc);
	ks_close(lc.ks);
	tu_rmtree(dir);
	free(dir);
}

static struct ks_key *
add_ed25519(const struct vendor *v, const char *sel)
{
	struct keypair kp;
	struct ks_key *k;

	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &kp), 0);
	k = lc_add_successor(&lc, v, &kp, sel, "keygen");
	keypair_clear(&kp);
	return k;
}

START_TEST(test_selector_template_expands_every_token)
{
	char *s = lc_selector(&lc, &vendors[1], DK_ALG_RSA, NOW);

	ck_assert_str_eq(s, "k1-2026.3331229r");
	free(s);
}
END_TEST

START_TEST(test_selector_expanding_to_a_bad_label_is_a_config_error)
{
	struct vendor v = vendors[0];

	v.selector = t_pct;
	ck_assert_ptr_null(lc_selector(&lc, &v, DK_ALG_RSA, NOW));
	ck_assert_int_eq(log_status(), 78);
}
END_TEST

START_TEST(test_selector_counter_is_per_vendor_and_never_reused)
{
	char *a = lc_selector(&lc, &vendors[1], DK_ALG_RSA, NOW);
	char *b = lc_selector(&lc, &vendors[1], DK_ALG_ED25519, NOW);

	ck_assert_str_eq(a, "k1-2026.3331229r");
	ck_assert_str_eq(b, "k2-2026.3331229e");
	free(a);
	free(b);
}
END_TEST

START_TEST(test_taken_selector_gets_a_numeric_suffix)
{
	struct ks_key *k;
	char *s;

	ck_assert_ptr_nonnull(k = add_ed25519(&vendors[0], NULL));
	ck_assert_str_eq(k->selector, "mg202611e");
	s = lc_selector(&lc, &vendors[0], DK_ALG_ED25519, NOW);
	ck_assert_str_eq(s, "mg202611e-2");
	free(s);
}
END_TEST

START_TEST(test_second_successor_is_refused_with_64)
{
	ck_assert_ptr_nonnull(add_ed25519(&vendors[0], NULL));
	ck_assert_ptr_null(add_ed25519(&vendors[0], NULL));
	ck_assert_int_eq(log_status(), 64);
}
END_TEST

START_TEST(test_explicit_selector_must_be_a_fresh_label)
{
	ck_assert_ptr_null(add_ed25519(&vendors[0], "a_b"));
	ck_assert_int_eq(log_status(), 64);
	ck_assert_ptr_nonnull(add_ed25519(&vendors[0], "fresh"));
	ck_assert_ptr_nonnull(lc_key_in(&lc, &vendors[0], DK_ALG_ED25519,
	    KS_PENDING));
}
END_TEST

START_TEST(test_key_lookup_by_name_and_bare_selector)
{
	ck_assert_ptr_nonnull(add_ed25519(&vendors[0], "s1"));
	ck_assert_ptr_nonnull(add_ed25519(&vendors[1], "s1"));
	ck_assert_ptr_nonnull(lc_find(&lc, "s1._domainkey.example.com."));
	ck_assert_ptr_nonnull(lc_find(&lc, "s1._domainkey.mg.example.com"));
	ck_assert_int_eq(log_status(), 0);
	ck_assert_ptr_null(lc_find(&lc, "s1"));
	ck_assert_int_eq(log_status(), 64);
	log_status_reset();
	ck_assert_ptr_null(lc_find(&lc, "s2"));
	ck_assert_int_eq(log_status(), 64);
}
END_TEST

/* issue 10, item 9: KEY is a DNS name: found whatever its case */
START_TEST(test_key_lookup_ignores_case_as_dns_does)
{
	struct ks_key *k = add_ed25519(&vendors[0], "s1");

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_eq(lc_find(&lc, "S1._DomainKey.MG.Example.COM."), k);
	ck_assert_ptr_eq(lc_find(&lc, "s1._domainkey.mg.EXAMPLE.com"), k);
	ck_assert_ptr_eq(lc_find(&lc, "S1"), k);
	ck_assert_int_eq(log_status(), 0);
	ck_assert_ptr_null(lc_find(&lc, "S1._domainkey.example.com"));
	ck_assert_int_eq(log_status(), 64);
}
END_TEST

START_TEST(test_algorithm_choice_follows_the_vendor)
{
	ck_assert_ptr_nonnull(lc_alg(&vendors[0], DK_ALG_NONE));
	ck_assert_ptr_null(lc_alg(&vendors[0], DK_ALG_RSA));
	ck_assert_ptr_null(lc_alg(&vendors[1], DK_ALG_NONE));
	ck_assert_ptr_nonnull(lc_alg(&vendors[1], DK_ALG_RSA));
	ck_assert_ptr_null(lc_alg(&vendors[2], DK_ALG_NONE));
	ck_assert_int_eq(log_status(), 64);
}
END_TEST

START_TEST(test_loaded_key_matches_its_fingerprint)
{
	struct keypair kp;
	struct ks_key *k;

	ck_assert_ptr_nonnull(k = add_ed25519(&vendors[0], "s1"));
	ck_assert_int_eq(lc_load(&lc, k, &kp), 0);
	ck_assert_mem_eq(kp.fpr, k->fpr, sizeof(kp.fpr));
	keypair_clear(&kp);
}
END_TEST

START_TEST(test_stored_key_of_another_fingerprint_is_refused)
{
	struct keypair a, b;
	struct ks_key meta, *k;

	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &a), 0);
	ck_assert_int_eq(keygen_generate(DK_ALG_ED25519, 0, &b), 0);
	memset(&meta, 0, sizeof(meta));
	meta.vendor = n_esp;
	meta.domain = d_mg;
	meta.selector = s_liar;
	meta.alg = DK_ALG_ED25519;
	meta.bits = 256;
	meta.pub = b.pub;
	meta.publen = b.publen;
	memcpy(meta.fpr, b.fpr, sizeof(meta.fpr));
	/* a's private key filed under b's public key and fingerprint */
	ck_assert_ptr_nonnull(k = ks_add(lc.ks, &meta, a.priv));
	keypair_clear(&a);
	keypair_clear(&b);
	ck_assert_int_eq(lc_load(&lc, k, &a), -1);
	ck_assert_int_eq(log_status(), 65);
}
END_TEST

START_TEST(test_served_set_is_publish_due_through_revoked)
{
	struct ks_key k;
	bool revoked;
	enum ks_state st;

	memset(&k, 0, sizeof(k));
	k.vendor = n_esp;
	k.domain = d_mg;
	k.alg = DK_ALG_ED25519;
	k.revoked = NOW;
	k.retired = NOW;
	for (st = KS_PENDING; st <= KS_DESTROYED; st++) {
		k.state = st;
		ck_assert_int_eq(lc_served(&lc, &k, &revoked),
		    st <= KS_REVOKED);
		ck_assert_int_eq(revoked, st == KS_REVOKED);
	}
}
END_TEST

START_TEST(test_retired_key_is_served_revoked_once_revocation_is_due)
{
	struct ks_key k;
	bool revoked;

	memset(&k, 0, sizeof(k));
	k.vendor = n_esp;
	k.domain = d_mg;
	k.alg = DK_ALG_ED25519;
	k.state = KS_RETIRED;
	k.retired = NOW - 86400;
	k.hooks_done = KS_EV_BIT(KS_EV_RETIRE);
	ck_assert(lc_served(&lc, &k, &revoked));
	ck_assert(!revoked); /* overlap 7d not over */
	k.retired = NOW - 8 * 86400;
	ck_assert(lc_served(&lc, &k, &revoked));
	ck_assert(revoked);
	k.state = KS_REVOKED;
	k.revoked = NOW - 31 * 86400; /* past revoke_for: withdrawn now */
	ck_assert(!lc_served(&lc, &k, &revoked));
}
END_TEST

START_TEST(test_key_of_an_algorithm_the_vendor_dropped_is_an_orphan)
{
	struct ks_key k;

	memset(&k, 0, sizeof(k));
	k.vendor = n_esp;
	k.domain = d_mg;
	k.alg = DK_ALG_ED25519;
	ck_assert_ptr_eq(lc_vendor(&lc, &k), &vendors[0]);
	k.alg = DK_ALG_RSA;
	ck_assert_ptr_null(lc_vendor(&lc, &k));
	k.alg = DK_ALG_ED25519;
	k.domain = d_ex;
	ck_assert_ptr_null(lc_vendor(&lc, &k));
}
END_TEST

/* SPEC 3, Time: a simulated now on a keystore with real-clock history
 * changes nothing unless it is marked (rotate --simulate); marked, it
 * stays simulated from that now. */
START_TEST(test_simulated_now_on_a_real_keystore_is_refused_until_marked)
{
	static char name[] = "store";

	cfg.keystore = name;
	ck_assert_int_eq(lc_simulation_ok(&lc, false), 0); /* the clock */
	lc.simulated = true;
	ck_assert_int_eq(lc_simulation_ok(&lc, false), -1);
	ck_assert_int_eq(log_status(), 64);
	log_status_reset();
	ck_assert_int_eq(ks_simulated_since(lc.ks), 0);
	ck_assert_int_eq(lc_simulation_ok(&lc, true), 0);
	ck_assert_int_eq(ks_simulated_since(lc.ks), NOW);
	ck_assert_int_eq(ks_commit(lc.ks, NOW), 0);
	lc.now = NOW + 3600;
	ck_assert_int_eq(lc_simulation_ok(&lc, false), 0);
	ck_assert_int_eq(lc_simulation_ok(&lc, true), 0);
	ck_assert_int_eq(ks_simulated_since(lc.ks), NOW);
	ck_assert_int_eq(log_status(), 0);
}
END_TEST

/*
 * An ESP's keystore: 2,000 vendors of one key each. Every per-vendor
 * lookup reads that vendor's keys through one index by hash, built once:
 * a lookup costs a probe or two, not a scan of the 2,000 keys (which made
 * a rotate with nothing due quadratic).
 */
START_TEST(test_keys_of_a_vendor_are_found_by_hash_not_by_scan)
{
	enum { N = 2000 };
	static struct vendor v[N];
	static struct ks_key *k[N];
	struct ks_key *const *keys;
	size_t i, n, probes;

	lc.defer_commit = true; /* one commit for all, as a batch does */
	for (i = 0; i < N; i++) {
		v[i] = vendors[0];
		v[i].name = xasprintf("esp/d%zu.example", i);
		v[i].domain = xasprintf("d%zu.example", i);
		ck_assert_ptr_nonnull(k[i] = add_ed25519(&v[i], "s1"));
	}
	ck_assert_int_eq(ks_commit(lc.ks, lc.now), 0);
	lc_release(&lc);
	lc_index_builds = 0;
	probes = hmap_probes;
	for (i = 0; i < N; i++) {
		keys = lc_keys_of(&lc, v[i].name, &n);
		ck_assert_uint_eq(n, 1);
		ck_assert_ptr_eq(keys[0], k[i]);
		ck_assert_ptr_eq(lc_key_in(&lc, &v[i], DK_ALG_ED25519,
		    KS_PENDING), k[i]);
		ck_assert_ptr_eq(lc_successor(&lc, &v[i], DK_ALG_ED25519),
		    k[i]);
	}
	ck_assert_uint_eq(lc_index_builds, 1);
	/* building: N inserts; then 4 N lookups at most half full */
	ck_assert_uint_le(hmap_probes - probes, 5 * 3 * N);
	ck_assert_ptr_null(lc_keys_of(&lc, "esp/none.example", &n));
	ck_assert_uint_eq(n, 0);
	/* a key added later is found without a rebuild from scratch */
	free(v[0].name);
	free(v[0].domain);
	v[0].name = xasprintf("esp/late.example");
	v[0].domain = xasprintf("late.example");
	ck_assert_ptr_nonnull(add_ed25519(&v[0], "s1"));
	ck_assert_uint_eq(lc_keys_of(&lc, v[0].name, &n)[0]->state,
	    KS_PENDING);
	ck_assert_uint_eq(n, 1);
	lc_release(&lc);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_selector_template_expands_every_token);
	tcase_add_test(tc, test_keys_of_a_vendor_are_found_by_hash_not_by_scan);
	tcase_add_test(tc,
	    test_selector_counter_is_per_vendor_and_never_reused);
	tcase_add_test(tc,
	    test_selector_expanding_to_a_bad_label_is_a_config_error);
	tcase_add_test(tc, test_taken_selector_gets_a_numeric_suffix);
	tcase_add_test(tc, test_second_successor_is_refused_with_64);
	tcase_add_test(tc, test_explicit_selector_must_be_a_fresh_label);
	tcase_add_test(tc, test_key_lookup_by_name_and_bare_selector);
	tcase_add_test(tc, test_key_lookup_ignores_case_as_dns_does);
	tcase_add_test(tc, test_algorithm_choice_follows_the_vendor);
	tcase_add_test(tc, test_loaded_key_matches_its_fingerprint);
	tcase_add_test(tc, test_stored_key_of_another_fingerprint_is_refused);
	tcase_add_test(tc, test_served_set_is_publish_due_through_revoked);
	tcase_add_test(tc,
	    test_retired_key_is_served_revoked_once_revocation_is_due);
	tcase_add_test(tc,
	    test_key_of_an_algorithm_the_vendor_dropped_is_an_orphan);
	tcase_add_test(tc,
	    test_simulated_now_on_a_real_keystore_is_refused_until_marked);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
