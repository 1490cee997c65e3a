/*
 * testutil.h - small helpers shared by the Check suites.
 */
#ifndef DKIMKEYS_TESTUTIL_H
#define DKIMKEYS_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folder of the test data (tests/data), golden files (tests/golden) and the
 * shared RFC vectors copied into tests/data/vectors. */
#ifndef TEST_SRCDIR
#define TEST_SRCDIR "tests"
#endif

/* A fresh private temporary folder; the caller removes it (tu_rmtree). */
static inline char *
tu_tmpdir(void)
{
	char *p = strdup("/tmp/dkimkeys-test-XXXXXX");

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

static inline int
tu_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) == -1)
		fprintf(stderr, "cannot remove %s\n", path);
	return 0;
}

/* Removes a folder made by tu_tmpdir, without following links. */
static inline void
tu_rmtree(const char *dir)
{
	if (dir == NULL || strncmp(dir, "/tmp/dkimkeys-test-", 19) != 0)
		return;
	nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reads a whole file into a malloc'd NUL-terminated buffer. */
static inline char *
tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Writes len bytes to path with the given mode. */
static inline void
tu_spit(const char *path, const void *buf, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Runs a suite in fork mode and returns the number of failures. */
static inline int
tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
