/*
 * check_util.c - bounded parsers, time, names, base64, exit status order.
 */
#include <stdlib.h>

#include "testutil.h"
#include "support/log.h"
#include "support/hmap.h"
#include "support/util.h"

static const struct {
	const char *in;
	int rc;
	int64_t secs;
} durations[] = {
	{ "30s", 0, 30 }, { "15m", 0, 900 }, { "48h", 0, 172800 },
	{ "7d", 0, 604800 }, { "26w", 0, 15724800 }, { "0", 0, 0 },
	{ "0d", 0, 0 }, { "", -1, 0 }, { "d", -1, 0 }, { "7", -1, 0 },
	{ "7dd", -1, 0 }, { "7 d", -1, 0 }, { "-7d", -1, 0 }, { "7y", -1, 0 },
	{ "1.5h", -1, 0 }, { "99999999999999999999d", -1, 0 },
	{ "3651d", -1, 0 }, { "3650d", 0, 3650 * 86400LL },
};

START_TEST(test_duration_parses_units_and_rejects_junk)
{
	int64_t v = -1;

	ck_assert_msg(util_parse_duration(durations[_i].in, &v) ==
	    durations[_i].rc, "'%s'", durations[_i].in);
	if (durations[_i].rc == 0)
		ck_assert_int_eq(v, durations[_i].secs);
}
END_TEST

static const struct {
	const char *in;
	int rc;
	int64_t t;
} times[] = {
	{ "2026-11-29T12:00:00Z", 0, 1795953600 },
	{ "1970-01-01T00:00:00Z", 0, 0 }, { "1795953600", 0, 1795953600 },
	{ "2024-02-29T00:00:00Z", 0, 1709164800 },
	{ "2023-02-29T00:00:00Z", -1, 0 }, { "2026-11-29T24:00:00Z", -1, 0 },
	{ "2026-11-29 12:00:00Z", -1, 0 }, { "2026-11-29T12:00:00", -1, 0 },
	{ "2026-11-29T12:00:00+01", -1, 0 }, { "2026-13-01T00:00:00Z", -1, 0 },
	{ "", -1, 0 }, { "yesterday", -1, 0 }, { "-5", -1, 0 },
	{ "12a", -1, 0 },
};

START_TEST(test_time_parses_exactly_the_two_forms)
{
	int64_t v = -1;

	ck_assert_msg(util_parse_time(times[_i].in, &v) == times[_i].rc,
	    "'%s'", times[_i].in);
	if (times[_i].rc == 0)
		ck_assert_int_eq(v, times[_i].t);
}
END_TEST

START_TEST(test_time_formats_round_trip)
{
	char buf[UTIL_TIME_LEN];
	int64_t t, back;

	for (t = 0; t < 4102444800LL; t += 86400 * 37 + 3607) {
		util_fmt_time(t, buf);
		ck_assert_int_eq(util_parse_time(buf, &back), 0);
		ck_assert_int_eq(back, t);
	}
	ck_assert_int_eq(util_parse_date("2026-11-29", &t), 0);
	ck_assert_int_eq(t, 1795910400);
	ck_assert_int_eq(util_parse_date("2026-11-31", &t), -1);
}
END_TEST

START_TEST(test_now_honours_dkimkeys_now_and_refuses_junk)
{
	int64_t now;
	bool sim;

	setenv("DKIMKEYS_NOW", "2026-11-29T12:00:00Z", 1);
	ck_assert_int_eq(util_now(&now, &sim), 0);
	ck_assert(sim);
	ck_assert_int_eq(now, 1795953600);
	setenv("DKIMKEYS_NOW", "next tuesday", 1);
	ck_assert_int_eq(util_now(&now, &sim), -1);
	ck_assert_int_eq(log_status(), 64);
	unsetenv("DKIMKEYS_NOW");
	ck_assert_int_eq(util_now(&now, &sim), 0);
	ck_assert(!sim);
}
END_TEST

static const struct {
	const char *in;
	bool selector, domain;
} names[] = {
	{ "mg202611r", true, true }, { "s1", true, true },
	{ "a.b", true, true }, { "a_b", false, false }, { "A", false, false },
	{ "-a", false, false }, { "a-", false, false }, { "", false, false },
	{ "a..b", false, false }, { ".a", false, false },
	{ "a.", false, false },
	{ "xn--bcher-kva.example", true, true }, { "a b", false, false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    true, true },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    false, false },
};

START_TEST(test_names_are_dns_labels)
{
	ck_assert_msg(util_valid_selector(names[_i].in) == names[_i].selector,
	    "selector '%s'", names[_i].in);
	ck_assert_msg(util_valid_domain(names[_i].in) == names[_i].domain,
	    "domain '%s'", names[_i].in);
}
END_TEST

START_TEST(test_vendor_names_follow_the_spec)
{
	ck_assert(util_valid_vendor("mailgun"));
	ck_assert(util_valid_vendor("0x-1"));
	ck_assert(!util_valid_vendor("-a"));
	ck_assert(!util_valid_vendor("Mailgun"));
	ck_assert(!util_valid_vendor("a/b"));
	ck_assert(!util_valid_vendor(""));
}
END_TEST

START_TEST(test_base64_round_trips_and_rejects_junk)
{
	unsigned char in[70], out[70];
	char *enc;
	size_t n;

	for (n = 0; n < sizeof(in); n++)
		in[n] = (unsigned char)(n * 37 + 1);
	for (n = 0; n < sizeof(in); n++) {
		enc = util_b64_encode(in, n);
		ck_assert_int_eq(util_b64_decode(enc, strlen(enc), out,
		    sizeof(out), false), (long)n);
		ck_assert_mem_eq(in, out, n);
		free(enc);
	}
	ck_assert_int_eq(util_b64_decode("QQ==x", 5, out, sizeof(out), false),
	    -1);
	ck_assert_int_eq(util_b64_decode("Q Q==", 5, out, sizeof(out), false),
	    -1);
	ck_assert_int_eq(util_b64_decode("Q Q==", 5, out, sizeof(out), true),
	    1);
}
END_TEST

START_TEST(test_exit_status_follows_the_spec_order)
{
	log_status_set(1);
	log_status_set(65);
	ck_assert_int_eq(log_status(), 65);
	log_status_set(69);
	ck_assert_int_eq(log_status(), 65);
	log_status_set(77);
	ck_assert_int_eq(log_status(), 77);
	log_status_set(78);
	log_status_set(75);
	ck_assert_int_eq(log_status(), 78);
	log_status_set(64);
	ck_assert_int_eq(log_status(), 64);
}
END_TEST

START_TEST(test_json_strings_are_escaped)
{
	struct buf b = { 0 };

	buf_json_str(&b, "a\"b\\c\n\x01");
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	buf_free(&b);
}
END_TEST

START_TEST(test_hmap_finds_pairs_and_grows)
{
	enum { N = 10000 };
	static char doms[N][16];
	struct hmap m = { 0 };
	size_t i, probes;

	ck_assert_uint_eq(hmap_get(&m, "a", NULL), HMAP_NONE);
	for (i = 0; i < N; i++) {
		snprintf(doms[i], sizeof(doms[i]), "d%zu.example", i);
		hmap_put(&m, doms[i], NULL, i);
	}
	hmap_put(&m, "ab", "", 1);
	hmap_put(&m, "a", "b", 2);
	ck_assert_uint_eq(m.n, N + 2);
	probes = hmap_probes;
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(hmap_get(&m, doms[i], NULL), i);
	/* at most half full: a lookup probes about two slots, never N */
	ck_assert_uint_le(hmap_probes - probes, 3 * N);
	ck_assert_uint_eq(hmap_get(&m, "ab", ""), 1);
	ck_assert_uint_eq(hmap_get(&m, "a", "b"), 2);
	ck_assert_uint_eq(hmap_get(&m, "ab", NULL), HMAP_NONE);
	ck_assert_uint_eq(hmap_get(&m, "d10000.example", NULL), HMAP_NONE);
	hmap_put(&m, doms[7], NULL, 70); /* replaces */
	ck_assert_uint_eq(hmap_get(&m, doms[7], NULL), 70);
	ck_assert_uint_eq(m.n, N + 2);
	hmap_clear(&m);
	ck_assert_uint_eq(hmap_get(&m, doms[7], NULL), HMAP_NONE);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_duration_parses_units_and_rejects_junk, 0,
	    (int)ARRAY_LEN(durations));
	tcase_add_loop_test(tc, test_time_parses_exactly_the_two_forms, 0,
	    (int)ARRAY_LEN(times));
	tcase_add_test(tc, test_time_formats_round_trip);
	tcase_add_test(tc, test_now_honours_dkimkeys_now_and_refuses_junk);
	tcase_add_loop_test(tc, test_names_are_dns_labels, 0,
	    (int)ARRAY_LEN(names));
	tcase_add_test(tc, test_vendor_names_follow_the_spec);
	tcase_add_test(tc, test_base64_round_trips_and_rejects_junk);
	tcase_add_test(tc, test_exit_status_follows_the_spec_order);
	tcase_add_test(tc, test_json_strings_are_escaped);
	tcase_add_test(tc, test_hmap_finds_pairs_and_grows);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
