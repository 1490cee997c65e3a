/*
 * check_ksetcd.c - the keystore's etcd client: the JSON reader
 * (keystore/ksjson.c) and the answer parsers of ksetcd.c, table-driven;
 * with ETCD_ENDPOINTS set (tests/integration/etcd_client.sh starts a
 * cluster and sets it), the requests, the lease lock and its fencing
 * against a real etcd.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keystore/ksetcd.h"
#include "keystore/ksjson.h"
#include "keystore/kslease.h"
#include "support/log.h"
#include "support/util.h"

#include "etcdtest.h"
#include "testutil.h"

static const struct {
	const char *text;
	bool ok;
} json_cases[] = {
	{ "{}", true },
	{ " [ 1 , -2.5e+3 , \"x\" , true , false , null ] ", true },
	{ "{\"a\":{\"b\":[{}]}}", true },
	{ "\"\\u00e9\\ud83d\\ude00\\n\\/\"", true },
	{ "0", true },
	{ "", false },
	{ "{", false },
	{ "{\"a\"}", false },
	{ "{\"a\":1,}", false },
	{ "[1,]", false },
	{ "[1 2]", false },
	{ "01", false },
	{ "1.", false },
	{ "1e", false },
	{ "-", false },
	{ "tru", false },
	{ "nul", false },
	{ "\"abc", false },
	{ "\"a\tb\"", false },
	{ "\"\\x\"", false },
	{ "\"\\u12\"", false },
	{ "\"\\ud800\"", false },
	{ "\"\\udc00\"", false },
	{ "\"\\ud800\\u0041\"", false },
	{ "{} {}", false },
	{ "{1:2}", false },
};

START_TEST(test_json_accepts_rfc8259_and_refuses_the_rest)
{
	struct ksjson d;
	char err[100];
	const char *t = json_cases[_i].text;
	int rc = ksjson_parse(t, strlen(t), &d, err, sizeof(err));

	ck_assert_msg((rc == 0) == json_cases[_i].ok, "%s: %d (%s)", t, rc,
	    rc == 0 ? "" : err);
	ksjson_free(&d);
}
END_TEST

START_TEST(test_json_nesting_is_bounded)
{
	char deep[2 * (KSJSON_DEPTH + 2) + 1];
	struct ksjson d;
	char err[100];
	size_t n = KSJSON_DEPTH + 2;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	ck_assert_int_eq(ksjson_parse(deep, 2 * n, &d, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "deep"));
	ksjson_free(&d);
	n = KSJSON_DEPTH;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	ck_assert_int_eq(ksjson_parse(deep, 2 * n, &d, err, sizeof(err)), 0);
	ksjson_free(&d);
}
END_TEST

START_TEST(test_json_decodes_strings_and_finds_members)
{
	const char *t = "{\"s\":\"a\\u00e9\\u0000b\",\"n\":\"-42\",\"m\":7,"
	    "\"big\":\"9223372036854775808\",\"t\":true,\"f\":false,"
	    "\"arr\":[1,2,3]}";
	const struct ksjson_node *root, *e;
	struct ksjson d;
	char err[100];
	size_t len;
	int64_t v;
	int count = 0;

	ck_assert_int_eq(ksjson_parse(t, strlen(t), &d, err, sizeof(err)), 0);
	root = &d.n[0];
	ck_assert_mem_eq(ksjson_str(&d, ksjson_get(&d, root, "s"), &len),
	    "a\xc3\xa9\0b", 5);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(ksjson_int(&d, ksjson_get(&d, root, "n"), &v), 0);
	ck_assert_int_eq(v, -42);
	ck_assert_int_eq(ksjson_int(&d, ksjson_get(&d, root, "m"), &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(ksjson_int(&d, ksjson_get(&d, root, "big"), &v), -1);
	ck_assert_int_eq(ksjson_int(&d, ksjson_get(&d, root, "s"), &v), -1);
	ck_assert_int_eq(ksjson_int(&d, ksjson_get(&d, root, "none"), &v), -1);
	ck_assert(ksjson_true(&d, ksjson_get(&d, root, "t")));
	ck_assert(!ksjson_true(&d, ksjson_get(&d, root, "f")));
	ck_assert_ptr_null(ksjson_str(&d, ksjson_get(&d, root, "m"), NULL));
	for (e = ksjson_first(&d, ksjson_get(&d, root, "arr")); e != NULL;
	    e = ksjson_next(&d, e))
		count++;
	ck_assert_int_eq(count, 3);
	ksjson_free(&d);
}
END_TEST

/* Answers as etcd 3.4's gateway gives them. */
#define HDR "\"header\":{\"cluster_id\":\"1644\",\"member_id\":\"98\"," \
	"\"revision\":\"12\",\"raft_term\":\"2\"}"

START_TEST(test_range_answers_are_read_with_empty_values_and_zeros)
{
	const char *t = "{" HDR ",\"kvs\":[{\"key\":\"Zm9v\","
	    "\"create_revision\":\"2\",\"mod_revision\":\"5\",\"version\":"
	    "\"3\",\"value\":\"YmFy\",\"lease\":\"77\"},{\"key\":\"Zm9w\","
	    "\"create_revision\":\"4\",\"mod_revision\":\"4\",\"version\":"
	    "\"1\"}],\"more\":true,\"count\":\"3\"}";
	struct ksetcd_kvs r;
	char err[100];

	ck_assert_int_eq(ksetcd_parse_range(t, strlen(t), &r, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(r.rev, 12);
	ck_assert(r.more);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq((char *)r.kv[0].key, "foo");
	ck_assert_str_eq((char *)r.kv[0].value, "bar");
	ck_assert_int_eq(r.kv[0].create_rev, 2);
	ck_assert_int_eq(r.kv[0].mod_rev, 5);
	ck_assert_int_eq(r.kv[0].version, 3);
	ck_assert_int_eq(r.kv[0].lease, 77);
	ck_assert_str_eq((char *)r.kv[1].key, "fop");
	ck_assert_uint_eq(r.kv[1].vlen, 0);
	ck_assert_int_eq(r.kv[1].lease, 0);
	ksetcd_kvs_free(&r);

	t = "{" HDR "}";
	ck_assert_int_eq(ksetcd_parse_range(t, strlen(t), &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.n, 0);
	ksetcd_kvs_free(&r);
}
END_TEST

static const char *const bad_ranges[] = {
	"[]",
	"{\"kvs\":{}}",
	"{\"kvs\":[{\"key\":\"Zm9v\",\"value\":\"not base64!\"}]}",
	"{\"kvs\":[{\"key\":\"\"}]}",
	"{\"kvs\":[{\"value\":\"YmFy\"}]}",
	"{\"kvs\":[{\"key\":\"Zm9v\",\"version\":\"x\"}]}",
	"{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":"
	"\"99999999999999999999\"}]}",
	"{\"header\":{\"revision\":true}}",
	"{\"kvs\":[7]}",
};

START_TEST(test_malformed_range_answers_are_refused)
{
	struct ksetcd_kvs r;
	char err[100];
	const char *t = bad_ranges[_i];

	ck_assert_msg(ksetcd_parse_range(t, strlen(t), &r, err,
	    sizeof(err)) == -1, "%s taken", t);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_ptr_null(r.kv);
}
END_TEST

START_TEST(test_txn_answers_say_which_branch_ran)
{
	const char *yes = "{" HDR ",\"succeeded\":true,\"responses\":"
	    "[{\"response_put\":{\"header\":{\"revision\":\"12\"}}}]}";
	const char *no = "{" HDR ",\"responses\":[{\"response_range\":"
	    "{\"header\":{\"revision\":\"12\"},\"kvs\":[{\"key\":\"bG9jaw==\","
	    "\"create_revision\":\"9\",\"mod_revision\":\"9\",\"version\":"
	    "\"1\",\"value\":\"aG9zdC1h\",\"lease\":\"5\"}],"
	    "\"count\":\"1\"}}]}";
	struct ksetcd_kvs r;
	char err[100];
	int64_t rev;
	bool ok;

	ck_assert_int_eq(ksetcd_parse_txn(yes, strlen(yes), &ok, &rev, &r,
	    err, sizeof(err)), 0);
	ck_assert(ok);
	ck_assert_int_eq(rev, 12);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_int_eq(ksetcd_parse_txn(no, strlen(no), &ok, &rev, &r,
	    err, sizeof(err)), 0);
	ck_assert(!ok);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq((char *)r.kv[0].value, "host-a");
	ck_assert_int_eq(r.kv[0].create_rev, 9);
	ksetcd_kvs_free(&r);
	ck_assert_int_eq(ksetcd_parse_txn("{\"responses\":{}}", 16, &ok, &rev,
	    &r, err, sizeof(err)), -1);
}
END_TEST

static const struct {
	const char *line;
	int want;
} watch_lines[] = {
	{ "{\"result\":{" HDR ",\"created\":true}}", 0 },
	{ "{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"bG9jaw==\","
	    "\"value\":\"aG9zdC1h\"}}]}}", 0 },
	{ "{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"bG9jaw==\"}},"
	    "{\"type\":\"DELETE\",\"kv\":{\"key\":\"bG9jaw==\"}}]}}", 1 },
	{ "{\"result\":{" HDR ",\"canceled\":true}}", -1 },
	{ "{\"result\":{" HDR ",\"compact_revision\":\"3\"}}", -1 },
	{ "{\"error\":{\"grpc_code\":3,\"message\":\"bad\"}}", -1 },
	{ "{\"result\":{\"events\":{}}}", -1 },
	{ "{\"result\":", -1 },
};

START_TEST(test_watch_answers_say_whether_the_key_went)
{
	char err[100] = "";
	const char *l = watch_lines[_i].line;

	ck_assert_int_eq(ksetcd_parse_watch(l, strlen(l), err, sizeof(err)),
	    watch_lines[_i].want);
	ck_assert(watch_lines[_i].want != -1 || err[0] != '\0');
}
END_TEST

START_TEST(test_prefix_end_is_the_next_prefix)
{
	size_t n;
	unsigned char *e = ksetcd_prefix_end("dk/", 3, &n);

	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(e, "dk0", 3);
	free(e);
	e = ksetcd_prefix_end("a\xff\xff", 3, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(e, "b", 1);
	free(e);
	e = ksetcd_prefix_end("\xff", 1, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(e[0], 0);
	free(e);
}
END_TEST

static const char *const bad_endpoints[] = {
	"", ",", "host", "host:", "host:0", "host:65536", ":2379",
	"http://h:2379", "h:2379/x", "[::1:2379", "a b:1", "h:1,,",
};

START_TEST(test_malformed_endpoint_lists_are_config_errors)
{
	log_status_reset();
	ck_assert_ptr_null(ksetcd_new(bad_endpoints[_i], NULL));
	ck_assert_int_eq(log_status(), EX_CONFIG);
}
END_TEST

START_TEST(test_endpoint_lists_are_taken)
{
	struct ksetcd *c = ksetcd_new("127.0.0.1:2379,[::1]:2379,etcd-1:1",
	    NULL);

	ck_assert_ptr_nonnull(c);
	ksetcd_free(c);
}
END_TEST

/* --- against a real etcd (ETCD_ENDPOINTS) --- */

START_TEST(test_put_get_range_and_txn_against_etcd)
{
	struct ksetcd *c = ksetcd_new(endpoints(), NULL);
	char *p = prefix("kv"), *a = xasprintf("%sa", p), *b =
	    xasprintf("%sb", p);
	unsigned char bin[256], *end;
	struct ksetcd_kv kv;
	struct ksetcd_kvs r;
	struct ksetcd_cmp cmp;
	struct ksetcd_op op;
	size_t elen;
	int64_t rev;
	bool ok;

	for (int i = 0; i < 256; i++)
		bin[i] = (unsigned char)i;
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ksetcd_get(c, a, strlen(a), &kv), 0);
	ck_assert_int_eq(ksetcd_put(c, a, strlen(a), bin, sizeof(bin), 0), 0);
	ck_assert_int_eq(ksetcd_put(c, b, strlen(b), "", 0, 0), 0);
	ck_assert_int_eq(ksetcd_get(c, a, strlen(a), &kv), 1);
	ck_assert_uint_eq(kv.vlen, sizeof(bin));
	ck_assert_mem_eq(kv.value, bin, sizeof(bin));
	ck_assert_int_eq(kv.version, 1);
	end = ksetcd_prefix_end(p, strlen(p), &elen);
	ck_assert_int_eq(ksetcd_range(c, p, strlen(p), end, elen, 0, 0, true,
	    &r), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_ptr_nonnull(r.kv[1].value);
	ck_assert_uint_eq(r.kv[1].vlen, 0);
	ksetcd_kvs_free(&r);

	/* a compare on the mod revision: the second txn finds it moved */
	cmp = (struct ksetcd_cmp){ a, strlen(a), KSETCD_MOD, KSETCD_EQUAL,
		kv.mod_rev };
	op = (struct ksetcd_op){ KSETCD_PUT, a, strlen(a), "two", 3, 0, NULL,
		0 };
	ck_assert_int_eq(ksetcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &ok, &rev,
	    NULL), 0);
	ck_assert(ok);
	ck_assert_int_gt(rev, kv.mod_rev);
	ck_assert_int_eq(ksetcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &ok, &rev,
	    NULL), 0);
	ck_assert(!ok);
	op = (struct ksetcd_op){ KSETCD_DELETE, p, strlen(p), NULL, 0, 0, end,
		elen };
	ck_assert_int_eq(ksetcd_txn(c, NULL, 0, &op, 1, NULL, 0, &ok, &rev,
	    NULL), 0);
	ck_assert_int_eq(ksetcd_range(c, p, strlen(p), end, elen, 0, 0, true,
	    &r), 0);
	ck_assert_uint_eq(r.n, 0);
	ksetcd_kv_free(&kv);
	free(end);
	free(a);
	free(b);
	free(p);
	ksetcd_free(c);
}
END_TEST

START_TEST(test_a_dead_member_is_skipped_for_the_next)
{
	char *list = xasprintf("127.0.0.1:1,%s", endpoints());
	struct ksetcd *c = ksetcd_new(list, NULL);
	struct ksetcd_kv kv;

	ck_assert_int_ge(ksetcd_get(c, "x", 1, &kv), 0);
	ksetcd_kv_free(&kv);
	ksetcd_free(c);
	free(list);
	c = ksetcd_new("127.0.0.1:1", NULL);
	log_status_reset();
	ck_assert_int_eq(ksetcd_get(c, "x", 1, &kv), -1);
	ck_assert_int_eq(log_status(), EX_UNAVAILABLE);
	ksetcd_free(c);
}
END_TEST

START_TEST(test_a_second_run_finds_the_lock_taken_and_exits_75)
{
	struct ksetcd *c1 = ksetcd_new(endpoints(), NULL);
	struct ksetcd *c2 = ksetcd_new(endpoints(), NULL);
	struct kslease *l1, *l2;
	char *p = prefix("lock"), *who;

	ck_assert_int_eq(kslease_take(c1, endpoints(), NULL, p, "host-a pid 1",
	    0, false, &l1), 0);
	log_status_reset();
	ck_assert_int_eq(kslease_take(c2, endpoints(), NULL, p, "host-b pid 2",
	    0, false, &l2), -1);
	ck_assert_int_eq(log_status(), EX_TEMPFAIL);
	ck_assert_int_eq(kslease_holder(c2, p, &who), 1);
	ck_assert_str_eq(who, "host-a pid 1");
	free(who);
	ck_assert_int_eq(kslease_release(l1), 0);
	ck_assert_int_eq(kslease_holder(c2, p, &who), 0);
	ck_assert_int_eq(kslease_take(c2, endpoints(), NULL, p, "host-b pid 2",
	    0, false, &l2), 0);
	ck_assert_int_eq(kslease_release(l2), 0);
	ksetcd_free(c1);
	ksetcd_free(c2);
	free(p);
}
END_TEST

START_TEST(test_with_wait_the_second_run_takes_the_lock_once_released)
{
	struct ksetcd *c;
	char *p = prefix("wait"), go;
	struct kslease *l;
	int64_t t0;
	int fds[2], st;
	pid_t pid;

	/* the child is forked before the lease's renewing thread exists (a
	 * fork beside a running thread may copy a lock it held), and waits
	 * for a byte saying the parent holds the lock */
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ksetcd *c2;
		struct kslease *l2;
		int rc;

		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(2);
		c2 = ksetcd_new(endpoints(), NULL);
		rc = kslease_take(c2, endpoints(), NULL, p, "second", 0, true,
		    &l2);
		_exit(rc == 0 && kslease_release(l2) == 0 ? 0 : 1);
	}
	close(fds[0]);
	c = ksetcd_new(endpoints(), NULL);
	ck_assert_int_eq(kslease_take(c, endpoints(), NULL, p, "first", 0,
	    false, &l), 0);
	ck_assert_int_eq(write(fds[1], "g", 1), 1);
	close(fds[1]);
	t0 = util_monotonic_ms();
	sleep(1);
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0); /* still waiting */
	ck_assert_int_eq(kslease_release(l), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_lt(util_monotonic_ms() - t0, 5000);
	ksetcd_free(c);
	free(p);
}
END_TEST

START_TEST(test_a_watch_sees_the_delete_and_times_out_without)
{
	struct ksetcd *c = ksetcd_new(endpoints(), NULL);
	struct ksetcd *dead = ksetcd_new("127.0.0.1:1", NULL);
	char *p = prefix("watch"), *k = xasprintf("%slock", p);
	struct ksetcd_kvs r;
	int64_t rev;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ksetcd_put(c, k, strlen(k), "x", 1, 0), 0);
	ck_assert_int_eq(ksetcd_range(c, k, strlen(k), NULL, 0, 0, 0, true,
	    &r), 0);
	rev = r.rev;
	ksetcd_kvs_free(&r);
	/* nothing after rev: the watch's time passes */
	ck_assert_int_eq(ksetcd_watch_delete(c, k, strlen(k), rev + 1, 300),
	    0);
	/* a put is no delete */
	ck_assert_int_eq(ksetcd_put(c, k, strlen(k), "y", 1, 0), 0);
	ck_assert_int_eq(ksetcd_watch_delete(c, k, strlen(k), rev + 1, 300),
	    0);
	/* a delete since rev, before the watch began, is seen */
	ck_assert_int_eq(ksetcd_txn(c, NULL, 0, &(struct ksetcd_op){
	    KSETCD_DELETE, k, strlen(k), NULL, 0, 0, NULL, 0 }, 1, NULL, 0,
	    &(bool){ false }, &rev, NULL), 0);
	ck_assert_int_eq(ksetcd_watch_delete(c, k, strlen(k), rev - 2, 5000),
	    1);
	/* the client works on after a watch */
	ck_assert_int_eq(ksetcd_put(c, k, strlen(k), "z", 1, 0), 0);
	/* no member: -1 (the caller polls) */
	ck_assert_ptr_nonnull(dead);
	ck_assert_int_eq(ksetcd_watch_delete(dead, k, strlen(k), 1, 300), -1);
	ksetcd_free(dead);
	ksetcd_free(c);
	free(k);
	free(p);
}
END_TEST

START_TEST(test_the_lease_is_renewed_past_its_ttl)
{
	struct ksetcd *c = ksetcd_new(endpoints(), NULL);
	char *p = prefix("renew"), *k = xasprintf("%sstate", p);
	struct ksetcd_op op = { KSETCD_PUT, k, strlen(k), "s1", 2, 0, NULL, 0 };
	struct kslease *l;

	ck_assert_int_eq(kslease_take(c, endpoints(), NULL, p, "renewer", 2,
	    false, &l), 0);
	sleep(5);
	ck_assert_int_eq(kslease_commit(l, &op, 1, NULL), 0);
	ck_assert_int_eq(kslease_release(l), 0);
	ksetcd_free(c);
	free(k);
	free(p);
}
END_TEST

/* A run stopped past its lease while another takes the lock: its commit
 * applies nothing and says why. */
START_TEST(test_a_run_whose_lease_lapsed_commits_nothing)
{
	struct ksetcd *c = ksetcd_new(endpoints(), NULL);
	char *p = prefix("fence"), *k = xasprintf("%sstate", p);
	struct ksetcd_op op = { KSETCD_PUT, k, strlen(k), "stale", 5, 0, NULL,
		0 };
	struct kslease *l, *l2;
	struct ksetcd_kv kv;
	pid_t pid;
	int st, fd[2];
	char go;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* the stale run: takes the lock, is stopped, commits */
		struct ksetcd *cc = ksetcd_new(endpoints(), NULL);
		int rc;

		close(fd[0]);
		if (kslease_take(cc, endpoints(), NULL, p, "stale", 2, false,
		    &l) == -1)
			_exit(2);
		(void)!write(fd[1], "t", 1);
		raise(SIGSTOP);
		log_status_reset();
		rc = kslease_commit(l, &op, 1, NULL);
		_exit(rc == -1 && log_status() == EX_TEMPFAIL ? 0 : 1);
	}
	close(fd[1]);
	ck_assert_int_eq(read(fd[0], &go, 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(st));
	sleep(4); /* past the 2 s lease */
	ck_assert_int_eq(kslease_take(c, endpoints(), NULL, p, "fresh", 0,
	    false, &l2), 0);
	kill(pid, SIGCONT);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	ck_assert_int_eq(ksetcd_get(c, k, strlen(k), &kv), 0);
	op.value = "fresh";
	ck_assert_int_eq(kslease_commit(l2, &op, 1, NULL), 0);
	ck_assert_int_eq(ksetcd_get(c, k, strlen(k), &kv), 1);
	ck_assert_str_eq((char *)kv.value, "fresh");
	ksetcd_kv_free(&kv);
	ck_assert_int_eq(kslease_release(l2), 0);
	ksetcd_free(c);
	free(k);
	free(p);
	close(fd[0]);
}
END_TEST

static Suite *
ksetcd_suite(void)
{
	Suite *s = suite_create("ksetcd");
	TCase *tc = tcase_create("json");

	tcase_add_loop_test(tc, test_json_accepts_rfc8259_and_refuses_the_rest,
	    0, (int)ARRAY_LEN(json_cases));
	tcase_add_test(tc, test_json_nesting_is_bounded);
	tcase_add_test(tc, test_json_decodes_strings_and_finds_members);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_test(tc,
	    test_range_answers_are_read_with_empty_values_and_zeros);
	tcase_add_loop_test(tc, test_malformed_range_answers_are_refused, 0,
	    (int)ARRAY_LEN(bad_ranges));
	tcase_add_test(tc, test_txn_answers_say_which_branch_ran);
	tcase_add_loop_test(tc, test_watch_answers_say_whether_the_key_went, 0,
	    (int)ARRAY_LEN(watch_lines));
	tcase_add_test(tc, test_prefix_end_is_the_next_prefix);
	tcase_add_loop_test(tc,
	    test_malformed_endpoint_lists_are_config_errors, 0,
	    (int)ARRAY_LEN(bad_endpoints));
	tcase_add_test(tc, test_endpoint_lists_are_taken);
	suite_add_tcase(s, tc);

	if ((tc = etcd_tcase()) == NULL)
		return s;
	tcase_add_test(tc, test_put_get_range_and_txn_against_etcd);
	tcase_add_test(tc, test_a_dead_member_is_skipped_for_the_next);
	tcase_add_test(tc, test_a_second_run_finds_the_lock_taken_and_exits_75);
	tcase_add_test(tc,
	    test_with_wait_the_second_run_takes_the_lock_once_released);
	tcase_add_test(tc, test_a_watch_sees_the_delete_and_times_out_without);
	tcase_add_test(tc, test_the_lease_is_renewed_past_its_ttl);
	tcase_add_test(tc, test_a_run_whose_lease_lapsed_commits_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_set_level(LOG_LVL_ERR);
	return tu_run(ksetcd_suite());
}
