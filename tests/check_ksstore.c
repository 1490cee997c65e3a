/*
 * check_ksstore.c - the keystore's objects in a folder and in etcd
 * (keystore/ksstore.c): the same batches give the same objects in both;
 * in etcd a batch is all or nothing and refused once the lock is lost.
 * The etcd cases run with ETCD_ENDPOINTS set (tests/integration/
 * etcd_client.sh starts a cluster for them).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore/ksetcd.h"
#include "keystore/kslease.h"
#include "keystore/ksstore.h"
#include "support/log.h"
#include "support/util.h"

#include "etcdtest.h"
#include "testutil.h"

#define BIG ((size_t)3 << 20)

static unsigned char *big;

/* The model: what each object must hold after the steps so far. */
struct want {
	const char *name;
	const unsigned char *p;
	size_t len; /* SIZE_MAX: no such object */
};

static void
expect(struct ksstore *s, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *buf;
		size_t len;
		int r = ksstore_read(s, w[i].name, BIG * 2, &buf, &len);

		if (w[i].len == SIZE_MAX) {
			ck_assert_msg(r == 0, "%s: %d, want absent", w[i].name,
			    r);
			continue;
		}
		ck_assert_msg(r == 1, "%s: %d, want present", w[i].name, r);
		ck_assert_msg(len == w[i].len, "%s: %zu octets, want %zu",
		    w[i].name, len, w[i].len);
		ck_assert_msg(memcmp(buf, w[i].p, len) == 0, "%s differs",
		    w[i].name);
		ck_assert_int_eq(buf[len], 0);
		free(buf);
	}
}

static void
expect_keys(struct ksstore *s, const char *const *names, size_t n)
{
	char **got;
	size_t ng;

	ck_assert_int_eq(ksstore_list(s, "keys", &got, &ng), 0);
	ck_assert_uint_eq(ng, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(got[i], names[i]);
	ksstore_names_free(got, ng);
}

/* read_folder's callback: "NAME=CONTENT;" appended to arg (a buf). */
static int
gather(const char *name, const unsigned char *p, size_t len, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s=%.*s;", name, (int)len, (const char *)p);
	return 0;
}

/* The same with lengths, and the content checked against big. */
static int
gather_len(const char *name, const unsigned char *p, size_t len, void *arg)
{
	struct buf *b = arg;

	ck_assert(len != BIG || memcmp(p, big, BIG) == 0);
	buf_printf(b, "%s=%zu;", name, len);
	return 0;
}

/* The steps, on any store. */
static void
play(struct ksstore *s)
{
	unsigned char log1[] = "L0g1g2", *log2;
	const struct ksstore_op one[] = {
		{ KSSTORE_REPLACE, "header", "H1", 2 },
		{ KSSTORE_REPLACE, "state", big, BIG },
		{ KSSTORE_REPLACE, "state.log", "L0", 2 },
		{ KSSTORE_APPEND, "state.log", "g1", 2 },
		{ KSSTORE_APPEND, "audit.log", "a1\n", 3 },
		{ KSSTORE_REPLACE, "keys/k2.key", "K2", 2 },
		{ KSSTORE_REPLACE, "keys/k1.key", "", 0 },
	};
	const struct ksstore_op two[] = {
		{ KSSTORE_APPEND, "state.log", "g2", 2 },
		{ KSSTORE_APPEND, "audit.log", "a2\n", 3 },
	};
	const struct ksstore_op three[] = {
		{ KSSTORE_REPLACE, "state", "small", 5 },
		{ KSSTORE_REPLACE, "state.log", "L1", 2 },
		{ KSSTORE_APPEND, "state.log", big, BIG / 2 },
		{ KSSTORE_REMOVE, "keys/k1.key", NULL, 0 },
		{ KSSTORE_REMOVE, "keys/none.key", NULL, 0 },
		{ KSSTORE_REPLACE, "keys/k3.key", big, BIG },
		{ KSSTORE_REPLACE, "audit-000000000002.log", "s2", 2 },
		{ KSSTORE_REPLACE, "audit-000000000001.log", "s1", 2 },
	};
	const char *const segs[] = { "audit-000000000001.log",
		"audit-000000000002.log" };
	char **names;
	size_t nn;
	const char *const both[] = { "k1.key", "k2.key" };
	struct buf got = { NULL, 0, 0 };
	struct want w[] = {
		{ "header", (const unsigned char *)"H1", 2 },
		{ "state", big, BIG },
		{ "state.log", log1, 4 },
		{ "audit.log", (const unsigned char *)"a1\n", 3 },
		{ "keys/k1.key", (const unsigned char *)"", 0 },
		{ "keys/k2.key", (const unsigned char *)"K2", 2 },
		{ "audit.head", NULL, SIZE_MAX },
	};

	expect(s, &w[6], 1);
	ck_assert_int_eq(ksstore_commit(s, one, ARRAY_LEN(one)), 0);
	expect(s, w, ARRAY_LEN(w));
	expect_keys(s, both, 2);
	ck_assert_int_eq(ksstore_read_folder(s, "keys", gather, &got), 0);
	buf_add(&got, "", 1);
	ck_assert_str_eq(got.data, "k1.key=;k2.key=K2;");
	buf_free(&got);

	ck_assert_int_eq(ksstore_commit(s, two, ARRAY_LEN(two)), 0);
	w[2].len = 6;
	w[3].p = (const unsigned char *)"a1\na2\n";
	w[3].len = 6;
	expect(s, w, ARRAY_LEN(w));

	ck_assert_int_eq(ksstore_commit(s, three, ARRAY_LEN(three)), 0);
	log2 = xmalloc(2 + BIG / 2);
	memcpy(log2, "L1", 2);
	memcpy(log2 + 2, big, BIG / 2);
	w[1] = (struct want){ "state", (const unsigned char *)"small", 5 };
	w[2] = (struct want){ "state.log", log2, 2 + BIG / 2 };
	w[4].len = SIZE_MAX;
	expect(s, w, ARRAY_LEN(w));
	ck_assert_int_eq(ksstore_read_folder(s, "keys", gather_len, &got), 0);
	buf_add(&got, "", 1);
	ck_assert_str_eq(got.data, "k2.key=2;k3.key=3145728;");
	buf_free(&got);
	/* the audit log's segments, by the start of their names: not
	 * audit.log, audit.head or anything in keys/ */
	ck_assert_int_eq(ksstore_list_top(s, "audit-", &names, &nn), 0);
	ck_assert_uint_eq(nn, 2);
	for (size_t i = 0; i < nn; i++)
		ck_assert_str_eq(names[i], segs[i]);
	ksstore_names_free(names, nn);
	free(log2);
}

static void
make_big(void)
{
	big = xmalloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 7 + i / 4093);
}

START_TEST(test_a_folder_holds_what_the_batches_wrote)
{
	char *dir = tu_tmpdir(), *keys = xasprintf("%s/keys", dir);
	struct ksstore *s;
	int dfd, kfd;

	make_big();
	ck_assert_int_eq(mkdir(keys, 0700), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	kfd = open(keys, O_RDONLY | O_DIRECTORY);
	s = ksstore_dir(dfd, kfd, dir);
	play(s);
	ksstore_close(s);
	close(kfd);
	close(dfd);
	tu_rmtree(dir);
	free(keys);
	free(dir);
	free(big);
}
END_TEST

START_TEST(test_etcd_holds_what_the_batches_wrote)
{
	struct ksetcd *c = ksetcd_new(endpoints(), NULL);
	char *p = prefix("store");
	struct kslease *l;
	struct ksstore *s;

	make_big();
	ck_assert_int_eq(kslease_take(c, endpoints(), NULL, p, "play", 0,
	    false, &l), 0);
	s = ksstore_etcd(c, l, p);
	play(s);
	ksstore_close(s);
	ck_assert_int_eq(kslease_release(l), 0);
	ksetcd_free(c);
	free(p);
	free(big);
}
END_TEST

START_TEST(test_etcd_refuses_a_batch_without_the_lock_and_changes_nothing)
{
	struct ksetcd *c = ksetcd_new(endpoints(), NULL);
	struct ksetcd *c2 = ksetcd_new(endpoints(), NULL);
	const struct ksstore_op put = { KSSTORE_REPLACE, "state", "S1", 2 };
	const struct ksstore_op two[] = {
		{ KSSTORE_REPLACE, "state", "S2", 2 },
		{ KSSTORE_APPEND, "audit.log", "a\n", 2 },
	};
	const struct want w[] = {
		{ "state", (const unsigned char *)"S1", 2 },
		{ "audit.log", NULL, SIZE_MAX },
	};
	char *p = prefix("fenced"), *lockkey = xasprintf("%slock", p);
	struct ksstore *s, *ro;
	struct kslease *l, *l2;
	struct ksetcd_kv kv;

	ck_assert_int_eq(kslease_take(c, endpoints(), NULL, p, "first", 0,
	    false, &l), 0);
	s = ksstore_etcd(c, l, p);
	ck_assert_int_eq(ksstore_commit(s, &put, 1), 0);
	/* the lease revoked behind its back (as if it lapsed), then taken
	 * by another run */
	ck_assert_int_eq(ksetcd_get(c2, lockkey, strlen(lockkey), &kv), 1);
	ck_assert_int_eq(ksetcd_lease_revoke(c2, kv.lease), 0);
	ksetcd_kv_free(&kv);
	ck_assert_int_eq(kslease_take(c2, endpoints(), NULL, p, "second", 0,
	    false, &l2), 0);
	log_status_reset();
	ck_assert_int_eq(ksstore_commit(s, two, ARRAY_LEN(two)), -1);
	ck_assert_int_eq(log_status(), EX_TEMPFAIL);
	ro = ksstore_etcd(c2, NULL, p);
	expect(ro, w, ARRAY_LEN(w));
	ck_assert_int_eq(ksstore_commit(ro, &put, 1), -1);
	ksstore_close(ro);
	ksstore_close(s);
	ck_assert_int_eq(kslease_release(l2), 0);
	(void)kslease_release(l);
	ksetcd_free(c);
	ksetcd_free(c2);
	free(lockkey);
	free(p);
}
END_TEST

static Suite *
ksstore_suite(void)
{
	Suite *s = suite_create("ksstore");
	TCase *tc = tcase_create("folder");

	tcase_add_test(tc, test_a_folder_holds_what_the_batches_wrote);
	suite_add_tcase(s, tc);
	if ((tc = etcd_tcase()) == NULL)
		return s;
	tcase_add_test(tc, test_etcd_holds_what_the_batches_wrote);
	tcase_add_test(tc,
	    test_etcd_refuses_a_batch_without_the_lock_and_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_set_level(LOG_LVL_ERR);
	return tu_run(ksstore_suite());
}
