/*
 * check_ksjournal.c - transitions committed exactly once: ks_journal,
 * ks_commit, the completion of a journal left by a crash, audit entry ids
 * and event ids (ksjournal.c, ksaudit.c). On temporary folders; the
 * fixture is kstest.h.
 *
 * A crash between the state's rename and the audit append is made two
 * ways: by writing a state holding a journal by hand (always), and, in
 * builds with -DDKIMKEYS_FAULTS (make TESTHOOKS=1), by a child killed
 * with SIGKILL right after the rename (src/fault.h).
 */
#include <signal.h>

#include "kstest.h"
#include "keystore/ksstate.h"

#define read_state read_whole_state
#define write_state write_whole_state

static size_t
file_size(const char *name)
{
	char *p = path(name);
	struct stat sb;

	ck_assert_int_eq(stat(p, &sb), 0);
	free(p);
	return (size_t)sb.st_size;
}

static unsigned long
verified_entries(void)
{
	unsigned long n = 0;
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ks_close(ks);
	return n;
}

/* The audit log's lines (at most 16), a malloc'd copy split in place. */
static size_t
log_lines(char **text, char *line[16])
{
	char *p = path("audit.log");

	*text = tu_slurp(p, NULL);
	free(p);
	return split_lines(*text, line, 16);
}

/*
 * Leaves the state as a crash right after a commit's rename would: with
 * journal entries (ids "...0001", "...0002"; the second about key) whose
 * base is audit.log's current size.
 */
static void
crash_after_rename(const struct ks_key *key)
{
	struct ksstate_entry e;
	struct ksstate st;
	char fpr[65];

	char *h = path("audit.head"), *head = tu_slurp(h, NULL);

	read_state(&st);
	/* committed with the audit head of the time */
	st.audit_seq = strtoul(head, NULL, 10);
	memcpy(st.audit_hash, strchr(head, ' ') + 1, 64);
	st.audit_hash[64] = '\0';
	free(head);
	free(h);
	ksstate_journal_clear(&st); /* those of the commit before are in */
	memset(&e, 0, sizeof(e));
	e.id = (char *)(uintptr_t)"00000000000000000000000000000001";
	e.time = NOW;
	e.event = (char *)(uintptr_t)"hold";
	e.extra = (char *)(uintptr_t)",\"vendor\":\"mailgun\"";
	ksstate_journal_add(&st, &e);
	e.id = (char *)(uintptr_t)"00000000000000000000000000000002";
	e.event = (char *)(uintptr_t)"publish";
	e.event_id = (char *)(uintptr_t)"0123456789abcdef0123456789abcdef";
	e.vendor = key->vendor;
	e.domain = key->domain;
	e.selector = key->selector;
	util_hex(key->fpr, KS_FPR_LEN, fpr);
	e.fpr = fpr;
	e.extra = NULL;
	ksstate_journal_add(&st, &e);
	st.has_base = true;
	st.journal_base = file_size("audit.log");
	write_state(&st);
	ksstate_free(&st);
}

/* A keystore with key s1 committed and one audit entry; closed. */
static void
one_key(struct ks_key *copy)
{
	struct ks *ks = open_unlocked(pass1);
	struct secret *priv;
	struct ks_key *key;

	key = add_key(ks, "s1", 32, &priv);
	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	make_meta(copy, "s1");
	memcpy(copy->fpr, key->fpr, KS_FPR_LEN);
	ks_close(ks);
	secret_free(priv);
}

START_TEST(test_commit_appends_the_journal_exactly_once)
{
	char *text, *line[16], id[2][33], eid[33], fpr[65], want[600];
	struct ks_key *key;
	struct secret *priv;
	struct ksstate st;
	struct ks *ks = open_unlocked(pass1);

	key = add_key(ks, "s1", 32, &priv);
	ks_journal(ks, NOW, false, "generate", key, KS_EV_COUNT, NULL);
	ks_journal(ks, NOW, true, "publish", key, KS_EV_PUBLISH,
	    ",\"ttl\":3600");
	ck_assert_uint_eq(file_size("audit.log"), 0); /* nothing before */
	ck_assert_int_eq(ks_commit(ks, NOW + 1), 0);
	ck_assert_uint_eq(log_lines(&text, line), 2);
	entry_id(line[0], id[0]);
	entry_id(line[1], id[1]);
	ck_assert_str_ne(id[0], id[1]);
	ck_assert_ptr_null(strstr(line[0], "event_id"));
	ks_event_id(ks, key, KS_EV_PUBLISH, eid);
	util_hex(key->fpr, KS_FPR_LEN, fpr);
	snprintf(want, sizeof(want), ",\"time\":\"2025-11-29T07:06:40Z\","
	    "\"event\":\"publish\",\"event_id\":\"%s\","
	    "\"key\":\"s1._domainkey.mg.example.com\",\"vendor\":\"mailgun\","
	    "\"fingerprint\":\"sha256:%s\",\"ttl\":3600,\"simulated\":true,",
	    eid, fpr);
	ck_assert_ptr_nonnull(strstr(line[1], want));
	/* the state that was renamed into place held the journal */
	read_state(&st);
	ck_assert_uint_eq(st.njournal, 2);
	ck_assert_str_eq(st.journal[1].id, id[1]);
	ck_assert_uint_eq(st.journal_base, 0);
	ck_assert_int_eq(st.now, NOW + 1);
	ksstate_free(&st);
	/* reopening finds both appended already: nothing twice */
	ks_close(ks);
	ks = open_unlocked(pass1);
	ck_assert_uint_eq(occurrences("audit.log", id[0]), 1);
	ck_assert_uint_eq(occurrences("audit.log", id[1]), 1);
	/* the next commit drops the journal lines */
	ks_counter_next(ks, "mailgun");
	ck_assert_int_eq(ks_commit(ks, NOW + 2), 0);
	read_state(&st);
	ck_assert_uint_eq(st.njournal, 0);
	ksstate_free(&st);
	ck_assert_uint_eq(verified_entries(), 2);
	ks_close(ks);
	free(text);
	secret_free(priv);
}
END_TEST

START_TEST(test_locked_open_completes_a_journal_left_by_a_crash)
{
	static const char id2[] = "00000000000000000000000000000002";
	char *text, *line[16];
	struct ks *ks = NULL;
	struct ksstate st;
	struct ks_key key;

	one_key(&key);
	crash_after_rename(&key);
	/* read-only runs leave it alone */
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log", id2), 0);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_uint_eq(occurrences("audit.log", id2), 1);
	ck_assert(logged("appended 2 entries of a commit interrupted"));
	ks_close(ks);
	/* opened again: it is not appended a second time */
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(ks_commit(ks, NOW + 5), 0);
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log", id2), 1);
	read_state(&st);
	ck_assert_uint_eq(st.njournal, 0);
	ksstate_free(&st);
	ck_assert_uint_eq(verified_entries(), 3);
	ck_assert_uint_eq(log_lines(&text, line), 3);
	ck_assert_ptr_nonnull(strstr(line[2], "\"event\":\"publish\","
	    "\"event_id\":\"0123456789abcdef0123456789abcdef\","
	    "\"key\":\"s1._domainkey.mg.example.com\""));
	free(text);
}
END_TEST

/* A crash in the middle of the append: the first entry made it. */
START_TEST(test_completion_appends_only_the_entries_missing_from_the_log)
{
	char *text, *line[16], *head = path("audit.head"), *log, h[65], *t;
	struct ks *ks = NULL;
	struct ks_key key;

	one_key(&key);
	crash_after_rename(&key);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ks_close(ks);
	ck_assert_uint_eq(log_lines(&text, line), 3);
	/* cut the last line off, and the head back to the one before */
	log = path("audit.log");
	t = xasprintf("%s\n%s\n", line[0], line[1]);
	tu_spit(log, t, strlen(t), 0600);
	free(t);
	sha256_hex(line[1], strlen(line[1]), h);
	t = xasprintf("2 %s\n", h);
	tu_spit(head, t, strlen(t), 0600);
	free(t);
	free(text);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert(logged("appended 1 entry of a commit interrupted"));
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log",
	    "00000000000000000000000000000001"), 1);
	ck_assert_uint_eq(occurrences("audit.log",
	    "00000000000000000000000000000002"), 1);
	ck_assert_uint_eq(verified_entries(), 3);
	free(head);
	free(log);
}
END_TEST

static int
child_export(void)
{
	struct ks *ks = NULL;
	int rc = 1;

	if (ks_open(store, 0, &ks) == 0 &&
	    ks_audit(ks, NOW, false, "export", NULL, ",\"format\":\"pem\"") ==
	    0)
		rc = 0;
	ks_close(ks);
	return rc;
}

/* export appends without the keystore lock, between a commit's rename
 * and the completion of its journal: the chain stays whole. */
START_TEST(test_export_between_rename_and_completion_keeps_the_chain)
{
	char *text, *line[16];
	struct ks *ks = NULL;
	struct ks_key key;

	one_key(&key);
	crash_after_rename(&key);
	ck_assert_int_eq(in_child(child_export), 0);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(in_child(child_export), 0); /* while locked, too */
	ks_close(ks);
	ck_assert_uint_eq(verified_entries(), 5);
	ck_assert_uint_eq(log_lines(&text, line), 5);
	ck_assert_ptr_nonnull(strstr(line[1], "\"event\":\"export\""));
	ck_assert_ptr_nonnull(strstr(line[2], "\"event\":\"hold\""));
	ck_assert_ptr_nonnull(strstr(line[3], "\"event\":\"publish\""));
	ck_assert_ptr_nonnull(strstr(line[4], "\"event\":\"export\""));
	free(text);
}
END_TEST

START_TEST(test_failed_audit_append_keeps_the_commit_for_later)
{
	char *head = path("audit.head"), *saved, bad[80], *text, *line[16];
	struct ks_key *key;
	struct secret *priv;
	struct ks *ks = open_unlocked(pass1);
	size_t len;

	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	key = add_key(ks, "s1", 32, &priv);
	ks_journal(ks, NOW + 1, false, "generate", key, KS_EV_COUNT, NULL);
	saved = tu_slurp(head, &len);
	snprintf(bad, sizeof(bad), "1 %064d\n", 7);
	tu_spit(head, bad, strlen(bad), 0600);
	ck_assert_int_eq(ks_commit(ks, NOW + 1), -1);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	/* committed all the same: the state holds the key and its entry */
	ck_assert_int_eq(ks_last_now(ks), NOW + 1);
	ck_assert_uint_eq(occurrences("state.log", "selector=s1 "), 2);
	ck_assert_uint_eq(occurrences("state.log", "event=generate"), 1);
	tu_spit(head, saved, len, 0600);
	/* the next commit of the run appends it, once */
	ck_assert_int_eq(ks_commit(ks, NOW + 2), 0);
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log", "\"generate\""), 1);
	ks = open_unlocked(pass1);
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log", "\"generate\""), 1);
	ck_assert_uint_eq(verified_entries(), 2);
	ck_assert_uint_eq(log_lines(&text, line), 2);
	ck_assert_ptr_nonnull(strstr(line[1],
	    "\"time\":\"2025-11-29T07:06:41Z\",\"event\":\"generate\""));
	free(text);
	free(saved);
	free(head);
	secret_free(priv);
}
END_TEST

/* A torn last line (an export killed mid-write) lies before the base. */
START_TEST(test_journal_base_is_the_end_of_the_last_complete_line)
{
	struct ks *ks = open_unlocked(pass1);
	char *log = path("audit.log");
	struct ksstate st;
	size_t whole;
	FILE *f;

	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	whole = file_size("audit.log");
	ck_assert_ptr_nonnull(f = fopen(log, "a"));
	fputs("{\"seq\":2,\"id\":\"00", f);
	fclose(f);
	ks_journal(ks, NOW, false, "rotate", NULL, KS_EV_COUNT, NULL);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	read_state(&st);
	ck_assert_uint_eq(st.journal_base, whole);
	ksstate_free(&st);
	ks_close(ks);
	ck_assert_uint_eq(verified_entries(), 2);
	ck_assert_uint_eq(occurrences("audit.log", "\"rotate\""), 1);
	free(log);
}
END_TEST

/* A crash after a batch of lines was synced but before audit.head was
 * replaced leaves the head several entries behind. */
START_TEST(test_head_several_entries_behind_is_rolled_forward)
{
	char *head = path("audit.head"), *saved, *text;
	struct ks *ks = open_unlocked(pass1);
	unsigned long n = 0;
	size_t len;
	int i;

	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	saved = tu_slurp(head, &len);
	for (i = 0; i < 3; i++)
		ks_journal(ks, NOW, false, "rotate", NULL, KS_EV_COUNT, NULL);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	tu_spit(head, saved, len, 0600);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(logged("audit.head is 3 entries behind"));
	ck_assert_int_eq(ks_audit(ks, NOW, false, "export", NULL, ""), 0);
	ck_assert(logged("audit.head was 3 entries behind"));
	text = tu_slurp(head, NULL);
	ck_assert_int_eq(strncmp(text, "5 ", 2), 0);
	ck_assert_uint_eq(verified_entries(), 5);
	ks_close(ks);
	free(text);
	free(saved);
	free(head);
}
END_TEST

START_TEST(test_every_audit_entry_has_its_own_id)
{
	char *text, *line[16], id[16][33];
	struct ks *ks = NULL;
	size_t i, j;

	ck_assert_int_eq(ks_open(store, 0, &ks), 0); /* as export does */
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(ks_audit(ks, NOW, false, "export", NULL, ""),
		    0);
	ks_close(ks);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	for (i = 0; i < 8; i++)
		ks_journal(ks, NOW, false, "rotate", NULL, KS_EV_PUBLISH, NULL);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ks_close(ks);
	ck_assert_uint_eq(log_lines(&text, line), 16);
	for (i = 0; i < 16; i++) {
		entry_id(line[i], id[i]);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(id[i], id[j]);
	}
	/* no key: no event id, whatever the event */
	ck_assert_ptr_null(strstr(line[15], "event_id"));
	free(text);
}
END_TEST

/* Logs written before entries had ids verify and go on. */
START_TEST(test_audit_lines_without_ids_still_verify_and_chain)
{
	char *log = path("audit.log"), *head = path("audit.head");
	char l1[300], l2[300], h1[65], h2[65], *t;
	struct ksstate st;
	struct ks *ks = NULL;
	struct ks_key key;

	snprintf(l1, sizeof(l1), "{\"seq\":1,\"time\":\"2025-11-29T07:06:40Z\","
	    "\"event\":\"init\",\"simulated\":false,\"prev\":\"%064d\"}", 0);
	sha256_hex(l1, strlen(l1), h1);
	snprintf(l2, sizeof(l2), "{\"seq\":2,\"time\":\"2025-11-29T07:06:40Z\","
	    "\"event\":\"export\",\"simulated\":false,\"prev\":\"%s\"}", h1);
	sha256_hex(l2, strlen(l2), h2);
	t = xasprintf("%s\n%s\n", l1, l2);
	tu_spit(log, t, strlen(t), 0600);
	free(t);
	t = xasprintf("2 %s\n", h2);
	tu_spit(head, t, strlen(t), 0600);
	free(t);
	/* the state of that time was committed with that head */
	read_state(&st);
	st.audit_seq = 2;
	memcpy(st.audit_hash, h2, sizeof(h2));
	write_state(&st);
	ksstate_free(&st);
	ck_assert_uint_eq(verified_entries(), 2);
	make_meta(&key, "s1");
	crash_after_rename(&key);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ks_close(ks);
	ck_assert_uint_eq(verified_entries(), 4);
	ck_assert_uint_eq(occurrences("audit.log", "\"id\":"), 2);
	free(log);
	free(head);
}
END_TEST

#ifdef DKIMKEYS_FAULTS
static int
child_commit_killed_after_rename(void)
{
	struct ks *ks = NULL;
	struct ks_key *key;
	struct secret *priv;

	setenv("DKIMKEYS_FAULT", "commit-renamed:1", 1);
	ks = open_unlocked(pass1);
	key = add_key(ks, "s1", 32, &priv);
	ks_journal(ks, NOW, false, "generate", key, KS_EV_COUNT, NULL);
	ks_journal(ks, NOW, false, "publish", key, KS_EV_PUBLISH, NULL);
	ks_commit(ks, NOW); /* does not return */
	return 1;
}

START_TEST(test_kill_between_rename_and_append_is_completed_once)
{
	struct ks *ks = NULL;
	struct ksstate st;
	char id[33];
	pid_t pid;
	int status;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0)
		_exit(child_commit_killed_after_rename());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_uint_eq(file_size("audit.log"), 0);
	read_state(&st);
	ck_assert_uint_eq(st.nkeys, 1);
	ck_assert_uint_eq(st.njournal, 2);
	snprintf(id, sizeof(id), "%s", st.journal[1].id);
	ksstate_free(&st);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log", id), 1);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ks_close(ks);
	ck_assert_uint_eq(occurrences("audit.log", id), 1);
	ck_assert_uint_eq(verified_entries(), 2);
}
END_TEST
#endif

int
main(void)
{
	Suite *s = suite_create("ksjournal");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_commit_appends_the_journal_exactly_once);
	tcase_add_test(tc,
	    test_locked_open_completes_a_journal_left_by_a_crash);
	tcase_add_test(tc,
	    test_completion_appends_only_the_entries_missing_from_the_log);
	tcase_add_test(tc,
	    test_export_between_rename_and_completion_keeps_the_chain);
	tcase_add_test(tc, test_failed_audit_append_keeps_the_commit_for_later);
	tcase_add_test(tc,
	    test_journal_base_is_the_end_of_the_last_complete_line);
	tcase_add_test(tc, test_head_several_entries_behind_is_rolled_forward);
	tcase_add_test(tc, test_every_audit_entry_has_its_own_id);
	tcase_add_test(tc,
	    test_audit_lines_without_ids_still_verify_and_chain);
#ifdef DKIMKEYS_FAULTS
	tcase_add_test(tc,
	    test_kill_between_rename_and_append_is_completed_once);
#endif
	suite_add_tcase(s, tc);
	return tu_run(s);
}
