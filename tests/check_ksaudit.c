/*
 * check_ksaudit.c - the audit log's segments (keystore/FORMAT section 6):
 * rolling past the segment size, the chain and audit.head across a roll,
 * a journal's entries found again in the segment rolled since (no
 * duplicates after a crash), a roll interrupted at either step.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"
#include "keystore/ksaudit.h"
#include "keystore/ksaudit_seg.h"
#include "secret/secret.h"
#include "support/log.h"

static char *dir;
static int dfd = -1;
static unsigned counter;

static void
setup(void)
{
	ck_assert_int_eq(secret_setup(), 0);
	dir = tu_tmpdir();
	ck_assert_int_ne(dfd = open(dir, O_RDONLY | O_DIRECTORY), -1);
	ck_assert_int_eq(ksaudit_init(dfd, dir), 0);
	ksaudit_segment_limit(1024);
	counter = 0;
	log_status_reset();
}

static void
teardown(void)
{
	close(dfd);
	tu_rmtree(dir);
	free(dir);
}

/* An entry about the keystore with a fresh id (ids[] keeps the text). */
static void
entry(struct ksstate_entry *e, char id[KSSTATE_ID_HEX + 1])
{
	snprintf(id, KSSTATE_ID_HEX + 1, "%032x", ++counter);
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->time = 1764400000;
	e->event = (char *)(uintptr_t)"hold";
	e->extra = (char *)(uintptr_t)",\"vendor\":\"esp/padding.example\"";
}

/* Appends one entry; returns the lines written. */
static size_t
append_one(const uint64_t *base)
{
	char id[KSSTATE_ID_HEX + 1];
	struct ksstate_entry e;
	struct ksaudit_head h;
	size_t n;

	entry(&e, id);
	ck_assert_int_eq(ksaudit_append(dfd, dir, &e, 1, base, &h, &n), 0);
	return n;
}

static size_t
segments(void)
{
	char left[KSAUDIT_SEG_NAME_LEN], **s = ksaudit_segments(dfd, dir, left);
	size_t n = 0;

	ck_assert_ptr_nonnull(s);
	while (s[n] != NULL)
		n++;
	ksaudit_segments_free(s);
	return n;
}

static off_t
size_of(const char *name)
{
	struct stat sb;

	ck_assert_int_eq(fstatat(dfd, name, &sb, 0), 0);
	return sb.st_size;
}

/* Appends until the log rolled once more. */
static void
fill_until_roll(void)
{
	size_t before = segments();

	while (segments() == before)
		append_one(NULL);
}

START_TEST(test_log_rolls_past_the_segment_size_and_verifies)
{
	char name[KSAUDIT_SEG_NAME_LEN], *head, *want, *path;
	unsigned long n = 0;
	off_t sealed = 0;
	int i;

	for (i = 0; i < 20; i++)
		append_one(NULL);
	ck_assert_uint_ge(segments(), 3);
	ck_assert_int_lt(size_of("audit.log"), 1024 + 400);
	ck_assert_int_eq(ksaudit_verify(dfd, dir, &n), 0);
	ck_assert_uint_eq(n, 20);
	/* audit.head's third field: the octets before audit.log */
	for (i = 1; i <= 20; i++) {
		ksaudit_seg_name((unsigned long)i, name);
		if (faccessat(dfd, name, F_OK, 0) == 0)
			sealed += size_of(name);
	}
	path = xasprintf("%s/audit.head", dir);
	head = tu_slurp(path, NULL);
	want = xasprintf(" %lld\n", (long long)sealed);
	ck_assert_ptr_nonnull(strstr(head, want));
	free(head);
	free(want);
	free(path);
}
END_TEST

/*
 * A journal's entries appended, then a crash before the state forgot
 * them; an export rolls the log meanwhile. Completing the journal finds
 * them in the segment rolled since: nothing is appended twice.
 */
START_TEST(test_journal_entries_are_found_again_across_a_roll)
{
	char id[2][KSSTATE_ID_HEX + 1];
	struct ksstate_entry e[2];
	struct ksaudit_head h;
	unsigned long n = 0;
	uint64_t base;
	size_t done;

	append_one(NULL);
	append_one(NULL);
	ck_assert_int_eq(ksaudit_end(dfd, dir, &base), 0);
	entry(&e[0], id[0]);
	entry(&e[1], id[1]);
	ck_assert_int_eq(ksaudit_append(dfd, dir, e, 2, &base, &h, &done), 0);
	ck_assert_uint_eq(done, 2);
	/* completion right away: found in audit.log */
	ck_assert_int_eq(ksaudit_append(dfd, dir, e, 2, &base, &h, &done), 0);
	ck_assert_uint_eq(done, 0);
	fill_until_roll(); /* export entries: the journal's are sealed now */
	ck_assert_int_eq(ksaudit_append(dfd, dir, e, 2, &base, &h, &done), 0);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(ksaudit_verify(dfd, dir, &n), 0);
	ck_assert_uint_eq(n, h.seq);
	/* a base recorded after the roll counts on from the segments */
	ck_assert_int_eq(ksaudit_end(dfd, dir, &base), 0);
	ck_assert_uint_eq(base, h.start + (uint64_t)size_of("audit.log"));
}
END_TEST

/* A crash after the new audit.log replaced the old one, before
 * audit.head: the next append moves the head, and its start, on. */
START_TEST(test_roll_interrupted_before_the_head_is_completed)
{
	char *headpath = xasprintf("%s/audit.head", dir), *old;
	unsigned long n = 0;
	struct ksaudit_head h;
	uint64_t base;
	size_t len;

	unsigned long last = 0;
	char name[KSAUDIT_SEG_NAME_LEN];

	while (size_of("audit.log") < 1024) {
		append_one(NULL);
		last++;
	}
	old = tu_slurp(headpath, &len);
	append_one(NULL); /* rolls */
	ck_assert_uint_eq(segments(), 1);
	tu_spit(headpath, old, len, 0600); /* the head of before the roll */
	ck_assert_uint_eq(append_one(NULL), 1);
	ck_assert_int_eq(ksaudit_verify(dfd, dir, &n), 0);
	ck_assert_uint_eq(n, last + 2);
	ck_assert_int_eq(ksaudit_end(dfd, dir, &base), 0);
	h.start = base - (uint64_t)size_of("audit.log");
	ksaudit_seg_name(last, name);
	ck_assert_uint_eq(h.start, (uint64_t)size_of(name));
	free(old);
	free(headpath);
}
END_TEST

/* A crash after the link, before audit.log was replaced: verify warns
 * and passes; the next roll removes the stale name. */
START_TEST(test_roll_interrupted_after_the_link_is_cleaned_up)
{
	char left[KSAUDIT_SEG_NAME_LEN], **s;
	unsigned long n = 0;

	append_one(NULL);
	ck_assert_int_eq(linkat(dfd, "audit.log", dfd,
	    "audit-000000000001.log", 0), 0);
	append_one(NULL); /* the link is audit.log: it grows with it */
	ck_assert_int_eq(ksaudit_verify(dfd, dir, &n), 0);
	ck_assert_uint_eq(n, 2);
	s = ksaudit_segments(dfd, dir, left);
	ck_assert_str_eq(left, "audit-000000000001.log");
	ck_assert_ptr_null(s[0]);
	ksaudit_segments_free(s);
	fill_until_roll();
	ck_assert_int_eq(faccessat(dfd, "audit-000000000001.log", F_OK, 0),
	    -1);
	ck_assert_int_eq(ksaudit_verify(dfd, dir, &n), 0);
}
END_TEST

START_TEST(test_segment_names_parse_only_as_written)
{
	char name[KSAUDIT_SEG_NAME_LEN];
	unsigned long v = 0;

	ksaudit_seg_name(42, name);
	ck_assert_str_eq(name, "audit-000000000042.log");
	ck_assert(ksaudit_seg_parse(name, &v));
	ck_assert_uint_eq(v, 42);
	ck_assert(!ksaudit_seg_parse("audit-42.log", &v));
	ck_assert(!ksaudit_seg_parse("audit-000000000000.log", &v));
	ck_assert(!ksaudit_seg_parse("audit-00000000004x.log", &v));
	ck_assert(!ksaudit_seg_parse("audit-000000000042.log.tmp-1", &v));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ksaudit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_log_rolls_past_the_segment_size_and_verifies);
	tcase_add_test(tc, test_journal_entries_are_found_again_across_a_roll);
	tcase_add_test(tc, test_roll_interrupted_before_the_head_is_completed);
	tcase_add_test(tc, test_roll_interrupted_after_the_link_is_cleaned_up);
	tcase_add_test(tc, test_segment_names_parse_only_as_written);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
