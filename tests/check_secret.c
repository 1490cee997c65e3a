/*
 * check_secret.c - guarded secrets and the passphrase sources.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"
#include "secret/passphrase.h"
#include "secret/secret.h"
#include "secret/slab.h"
#include "support/log.h"
#include "support/util.h"

static char *dir;

static void
setup(void)
{
	ck_assert_int_eq(secret_setup(), 0);
	dir = tu_tmpdir();
	unsetenv("CREDENTIALS_DIRECTORY");
	unsetenv("DKIMKEYS_TEST_PASS");
	log_status_reset();
}

static void
teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

/* Writes a passphrase file under dir and returns its path. */
static char *
passfile(const char *name, const void *data, size_t len, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);

	tu_spit(path, data, len, mode);
	return path;
}

static const struct {
	const char *content;
	size_t len;
	int rc;
	const char *want;
} files[] = {
	{ "hunter2\n", 8, 0, "hunter2" },
	{ "hunter2\r\n", 9, 0, "hunter2" },
	{ "hunter2", 7, 0, "hunter2" },
	{ "hunter2\n\n", 9, 0, "hunter2\n" },
	{ " spaced out \n", 13, 0, " spaced out " },
	{ "\n", 1, -1, NULL },
	{ "", 0, -1, NULL },
	{ "a\0b\n", 4, -1, NULL },
};

START_TEST(test_passphrase_file_loses_one_trailing_newline_only)
{
	char *path = passfile("pass", files[_i].content, files[_i].len, 0600);
	struct secret *s = NULL;

	ck_assert_int_eq(secret_read_file(path, &s), files[_i].rc);
	if (files[_i].rc == 0) {
		ck_assert_uint_eq(s->len, strlen(files[_i].want));
		ck_assert_mem_eq(s->data, files[_i].want, s->len);
	} else {
		ck_assert_ptr_null(s);
		ck_assert_int_eq(log_status(), 77);
	}
	secret_free(s);
	free(path);
}
END_TEST

static const mode_t loose[] = { 0640, 0604, 0660, 0644, 0610, 0601 };

START_TEST(test_passphrase_file_readable_by_others_is_refused)
{
	char *path = passfile("pass", "x\n", 2, loose[_i]);
	struct secret *s = NULL;

	ck_assert_int_eq(secret_read_file(path, &s), -1);
	ck_assert_int_eq(log_status(), 77);
	free(path);
}
END_TEST

START_TEST(test_passphrase_symlink_and_folder_are_refused)
{
	char *path = passfile("pass", "x\n", 2, 0600);
	char *link = xasprintf("%s/link", dir);
	struct secret *s = NULL;

	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(secret_read_file(link, &s), -1);
	ck_assert_int_eq(log_status(), 77);
	log_status_reset();
	ck_assert_int_eq(secret_read_file(dir, &s), -1);
	ck_assert_int_eq(log_status(), 77);
	free(path);
	free(link);
}
END_TEST

/* open() of a FIFO would block until a writer came: refused at once. */
START_TEST(test_passphrase_fifo_is_refused_at_once)
{
	char *path = xasprintf("%s/fifo", dir);
	struct secret *s = NULL;

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(secret_read_file(path, &s), -1);
	ck_assert_int_eq(log_status(), 77);
	ck_assert_ptr_null(s);
	free(path);
}
END_TEST

/* No core dump, and no ptrace or /proc reading by others of this user. */
START_TEST(test_setup_makes_the_process_undumpable)
{
	struct rlimit rl;

	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, 0);
}
END_TEST

START_TEST(test_credentials_directory_comes_first)
{
	char *cred = passfile("dkimkeys-passphrase", "from-cred\n", 10, 0600);
	char *file = passfile("pass", "from-file\n", 10, 0600);
	struct secret *s = NULL;

	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	setenv("DKIMKEYS_TEST_PASS", "from-env", 1);
	ck_assert_int_eq(secret_passphrase(file, "DKIMKEYS_TEST_PASS", &s), 0);
	ck_assert_uint_eq(s->len, 9);
	ck_assert_mem_eq(s->data, "from-cred", 9);
	secret_free(s);
	free(cred);
	free(file);
}
END_TEST

START_TEST(test_file_comes_before_environment)
{
	char *file = passfile("pass", "from-file\n", 10, 0600);
	struct secret *s = NULL;

	setenv("DKIMKEYS_TEST_PASS", "from-env", 1);
	ck_assert_int_eq(secret_passphrase(file, "DKIMKEYS_TEST_PASS", &s), 0);
	ck_assert_mem_eq(s->data, "from-file", 9);
	secret_free(s);
	free(file);
}
END_TEST

START_TEST(test_environment_variable_is_unset_after_reading)
{
	struct secret *s = NULL;

	setenv("DKIMKEYS_TEST_PASS", "from-env", 1);
	ck_assert_int_eq(secret_passphrase(NULL, "DKIMKEYS_TEST_PASS", &s), 0);
	ck_assert_uint_eq(s->len, 8);
	ck_assert_mem_eq(s->data, "from-env", 8);
	ck_assert_ptr_null(getenv("DKIMKEYS_TEST_PASS"));
	secret_free(s);
}
END_TEST

START_TEST(test_no_source_and_no_terminal_is_77)
{
	struct secret *s = NULL;
	int fd = open("/dev/null", O_RDONLY);

	/* standard input is not a terminal here */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	ck_assert_int_eq(secret_passphrase(NULL, "DKIMKEYS_TEST_PASS", &s), -1);
	ck_assert_int_eq(log_status(), 77);
	ck_assert_int_eq(secret_new_passphrase(NULL, &s), -1);
	close(fd);
}
END_TEST

START_TEST(test_secret_copies_into_guarded_memory)
{
	struct secret *s = secret_from("abc", 3);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len, 3);
	ck_assert_uint_eq(s->cap, 3);
	ck_assert_mem_eq(s->data, "abc", 3);
	secret_free(s);
	secret_free(NULL);
	ck_assert_ptr_null(secret_new(2, 3));
}
END_TEST

/* Writes to p in a child; returns the signal that ended it, or 0. */
static int
child_writes(volatile unsigned char *p)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* a sanitizer's own SEGV handler would exit instead */
		signal(SIGSEGV, SIG_DFL);
		*p = 0x55;
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

START_TEST(test_slab_write_past_either_end_faults)
{
	/* 100 slots of 48 bytes: the slots do not fill whole pages */
	struct slab *s = slab_new(48, 100);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pad = (4800 + page - 1) / page * page - 4800;
	unsigned char *last = NULL, *p;

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq((size_t)(slab_end(s) - slab_begin(s)), 4800);
	while ((p = slab_get(s)) != NULL)
		if (p > last || last == NULL)
			last = p;
	ck_assert_uint_eq(slab_used(s), 100);
	ck_assert_ptr_nonnull(last);
	ck_assert_ptr_eq(last + 48, slab_end(s));
	ck_assert_int_eq(child_writes(last + 47), 0);
	ck_assert_int_eq(child_writes(last + 48), SIGSEGV);
	/* below the slots: the rest of the page, then the guard page */
	ck_assert_int_eq(child_writes(slab_begin(s) - pad), 0);
	ck_assert_int_eq(child_writes(slab_begin(s) - pad - 1), SIGSEGV);
	slab_free(s);
}
END_TEST

START_TEST(test_slab_slot_is_wiped_on_free_and_reused)
{
	struct slab *s = slab_new(32, 4);
	unsigned char *a, *b, zero[32] = { 0 };

	ck_assert_ptr_nonnull(s);
	a = slab_get(s);
	ck_assert_mem_eq(a, zero, 32);
	memset(a, 0xa5, 32);
	ck_assert(slab_owns(s, a));
	ck_assert(!slab_owns(s, a + 1));
	slab_put(s, a);
	ck_assert_mem_eq(a, zero, 32); /* wiped, still mapped */
	ck_assert_uint_eq(slab_used(s), 0);
	b = slab_get(s);
	ck_assert_ptr_eq(b, a); /* the slot just freed comes back first */
	ck_assert_ptr_nonnull(slab_get(s));
	ck_assert_ptr_nonnull(slab_get(s));
	ck_assert_ptr_nonnull(slab_get(s));
	ck_assert_ptr_null(slab_get(s)); /* full */
	slab_free(s);
}
END_TEST

START_TEST(test_small_secrets_share_slabs_and_are_wiped)
{
	enum { N = 5000 };
	static struct secret *s[N];
	size_t before = slab_pool_count(), i;

	for (i = 0; i < N; i++) {
		s[i] = secret_new(32, 32);
		ck_assert_ptr_nonnull(s[i]);
		ck_assert(s[i]->slab);
		memset(s[i]->data, 0xa5, 32);
	}
	/* 5,000 seeds: a few 64 KiB mappings, not 5,000 */
	ck_assert_uint_le(slab_pool_count() - before, 3);
	for (i = 0; i < N; i++)
		secret_free(s[i]);
	/* emptied slabs are unmapped but one */
	ck_assert_uint_le(slab_pool_count(), before + 1);
	s[0] = secret_new(SLAB_MAX + 1, 1);
	ck_assert(!s[0]->slab); /* large: sodium_malloc */
	secret_free(s[0]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc,
	    test_passphrase_file_loses_one_trailing_newline_only, 0,
	    (int)(sizeof(files) / sizeof(files[0])));
	tcase_add_loop_test(tc,
	    test_passphrase_file_readable_by_others_is_refused, 0,
	    (int)(sizeof(loose) / sizeof(loose[0])));
	tcase_add_test(tc, test_passphrase_symlink_and_folder_are_refused);
	tcase_add_test(tc, test_passphrase_fifo_is_refused_at_once);
	tcase_add_test(tc, test_setup_makes_the_process_undumpable);
	tcase_add_test(tc, test_credentials_directory_comes_first);
	tcase_add_test(tc, test_file_comes_before_environment);
	tcase_add_test(tc, test_environment_variable_is_unset_after_reading);
	tcase_add_test(tc, test_no_source_and_no_terminal_is_77);
	tcase_add_test(tc, test_secret_copies_into_guarded_memory);
	tcase_add_test(tc, test_slab_write_past_either_end_faults);
	tcase_add_test(tc, test_slab_slot_is_wiped_on_free_and_reused);
	tcase_add_test(tc, test_small_secrets_share_slabs_and_are_wiped);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
