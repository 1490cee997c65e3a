/*
 * check_ksbackup.c - `backup`: the keystore's files as stored, in a POSIX
 * ustar archive (ksbackup.c). Read back by GNU tar and by a parser of the
 * headers here. On temporary folders; the fixture is kstest.h.
 */
#include <sys/resource.h>

#include <fcntl.h>
#include <signal.h>

#include "kstest.h"

static const char *const top_files[] = { "header", "state", "state.log",
	"lock", "audit.log", "audit.head" };

/* Runs argv with standard output into the file out; its exit status. */
static int
run(const char *const argv[], const char *out)
{
	pid_t pid;
	int st, fd;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || dup2(fd, 1) == -1)
			_exit(126);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static char *
key_name(const struct ks_key *key, unsigned epoch)
{
	char hex[2 * KS_FPR_LEN + 1];

	util_hex(key->fpr, KS_FPR_LEN, hex);
	return xasprintf("keys/%s-%u.key", hex, epoch);
}

/*
 * A keystore with keys s1 and s2, audit entries, a committed journal, and
 * what a backup leaves out: a key file of another epoch and temp files.
 * Returns the locked, unlocked handle; the private bytes in p1, p2.
 */
static struct ks *
stocked(struct ks_key **k1, struct ks_key **k2, struct secret **p1,
    struct secret **p2)
{
	struct ks *ks = open_unlocked(pass1);
	char *stale, *name;

	*k1 = add_key(ks, "s1", 1217, p1);
	*k2 = add_key(ks, "s2", 64, p2);
	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	ks_journal(ks, NOW, false, "generate", *k1, KS_EV_COUNT, NULL);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	name = key_name(*k1, 9);
	stale = path(name);
	tu_spit(stale, "old epoch", 9, 0600);
	free(stale);
	free(name);
	stale = path("keys/x.tmp-0123456789abcdef");
	tu_spit(stale, "temp", 4, 0600);
	free(stale);
	return ks;
}

static void
assert_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ta, *tb;
	size_t la, lb;

	ck_assert_int_eq(stat(a, &sa), 0);
	ck_assert_msg(stat(b, &sb) == 0, "%s not extracted", b);
	ck_assert_uint_eq(sa.st_mode & 07777, sb.st_mode & 07777);
	ck_assert_int_eq(sa.st_mtime, sb.st_mtime);
	ta = tu_slurp(a, &la);
	tb = tu_slurp(b, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_msg(memcmp(ta, tb, la) == 0, "%s differs", b);
	free(ta);
	free(tb);
}

START_TEST(test_backup_is_an_archive_tar_lists_and_extracts_byte_for_byte)
{
	char *out = xasprintf("%s/backup.tar", tmp);
	char *list = xasprintf("%s/list", tmp), *text, *a, *b, *name;
	char *into = xasprintf("%s/restore", tmp);
	char *restored = xasprintf("%s/store", into);
	const char *tv[] = { "tar", "-tvf", out, NULL };
	const char *tx[] = { "tar", "-xpf", out, "-C", into, NULL };
	struct ks_key *k1, *k2;
	struct secret *p1, *p2, *got = NULL;
	struct ks *ks = stocked(&k1, &k2, &p1, &p2), *back = NULL;
	unsigned long n = 0;
	struct stat sb;
	size_t i;

	ck_assert_int_eq(ks_backup(ks, out), 0);
	ck_assert_int_eq(stat(out, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_uint_eq(sb.st_size % 512, 0);
	ck_assert_int_eq(run(tv, list), 0);
	text = tu_slurp(list, NULL);
	ck_assert_ptr_nonnull(strstr(text, "drwx------"));
	ck_assert_ptr_nonnull(strstr(text, "-rw------- "));
	ck_assert_ptr_nonnull(strstr(text, " store/keys/\n"));
	ck_assert_ptr_nonnull(strstr(text, " store/audit.head\n"));
	ck_assert_ptr_null(strstr(text, "-9.key"));
	ck_assert_ptr_null(strstr(text, ".tmp-"));
	free(text);
	ck_assert_int_eq(mkdir(into, 0700), 0);
	ck_assert_int_eq(run(tx, list), 0);
	for (i = 0; i < ARRAY_LEN(top_files) + 2; i++) {
		name = i < ARRAY_LEN(top_files) ? xstrdup(top_files[i]) :
		    key_name(i == ARRAY_LEN(top_files) ? k1 : k2, 1);
		a = path(name);
		b = xasprintf("%s/%s", restored, name);
		assert_same_file(a, b);
		free(a);
		free(b);
		free(name);
	}
	ks_close(ks);
	/* the copy is a keystore that works */
	ck_assert_int_eq(ks_open(restored, KS_LOCK, &back), 0);
	ck_assert_int_eq(ks_audit_verify(back, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ks_unlock(back, pass1), 0);
	ck_assert_int_eq(ks_private(back, ks_find(back, domain_name, "s1"),
	    &got), 0);
	ck_assert_uint_eq(got->len, p1->len);
	ck_assert_int_eq(memcmp(got->data, p1->data, p1->len), 0);
	ks_close(back);
	secret_free(got);
	secret_free(p1);
	secret_free(p2);
	free(out);
	free(list);
	free(into);
	free(restored);
}
END_TEST

/*
 * A backup of a keystore whose keys are in a pack (and a pack of another
 * epoch beside it, which a backup leaves out) holds keys/ID-EPOCH.pack
 * byte for byte, and the restored keystore reads every packed key.
 */
START_TEST(test_backup_holds_the_pack_files_of_the_epoch_and_restores_them)
{
	char *out = xasprintf("%s/backup.tar", tmp);
	char *list = xasprintf("%s/list", tmp), *text, *name, *want, *a, *b;
	char *into = xasprintf("%s/restore", tmp);
	char *restored = xasprintf("%s/store", into);
	const char *tv[] = { "tar", "-tf", out, NULL };
	const char *tx[] = { "tar", "-xpf", out, "-C", into, NULL };
	char hex[2 * KS_PACK_ID_LEN + 1];
	struct secret *p[3], *got = NULL;
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p), *back = NULL;
	size_t i;

	util_hex(k[0]->pack.id, KS_PACK_ID_LEN, hex);
	name = xasprintf("keys/%s-1.pack", hex);
	a = xasprintf("%s/keys/%s-9.pack", store, hex);
	tu_spit(a, "old epoch", 9, 0600);
	free(a);
	ck_assert_int_eq(ks_backup(ks, out), 0);
	ks_close(ks);
	ck_assert_int_eq(run(tv, list), 0);
	text = tu_slurp(list, NULL);
	want = xasprintf("store/%s\n", name);
	ck_assert_msg(strstr(text, want) != NULL, "no %s in:\n%s", name,
	    text);
	ck_assert_ptr_null(strstr(text, "-9.pack"));
	ck_assert_ptr_null(strstr(text, ".key\n"));
	free(text);
	ck_assert_int_eq(mkdir(into, 0700), 0);
	ck_assert_int_eq(run(tx, list), 0);
	a = path(name);
	b = xasprintf("%s/%s", restored, name);
	assert_same_file(a, b);
	ck_assert_int_eq(ks_open(restored, KS_LOCK, &back), 0);
	ck_assert_int_eq(ks_unlock(back, pass1), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(ks_private(back, ks_find(back, domain_name,
		    packsel[i]), &got), 0);
		ck_assert_uint_eq(got->len, 64);
		ck_assert_mem_eq(got->data, p[i]->data, 64);
		secret_free(got);
	}
	free_three(p);
	ks_close(back);
	free(a);
	free(b);
	free(want);
	free(name);
	free(out);
	free(list);
	free(into);
	free(restored);
}
END_TEST

static uint64_t
octal_field(const unsigned char *f, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	ck_assert(i == len || f[i] == '\0' || f[i] == ' ');
	return v;
}

/* Every header of the archive by the book: magic, checksum, names. */
START_TEST(test_backup_headers_are_ustar_with_correct_checksums)
{
	char *out = xasprintf("%s/backup.tar", tmp), name[101];
	unsigned char *tar, *h;
	unsigned sum;
	struct ks_key *k1, *k2;
	struct secret *p1, *p2;
	struct ks *ks = stocked(&k1, &k2, &p1, &p2);
	size_t len, off = 0, i, entries = 0, files = 0;
	uint64_t size;

	ck_assert_int_eq(ks_backup(ks, out), 0);
	tar = (unsigned char *)tu_slurp(out, &len);
	for (;;) {
		ck_assert_uint_le(off + 512, len);
		h = tar + off;
		if (h[0] == 0)
			break;
		ck_assert_int_eq(memcmp(h + 257, "ustar\0" "00", 8), 0);
		for (sum = 0, i = 0; i < 512; i++)
			sum += i >= 148 && i < 156 ? ' ' : h[i];
		ck_assert_uint_eq(octal_field(h + 148, 6), sum);
		ck_assert_int_eq(h[154], '\0');
		memcpy(name, h, 100);
		name[100] = '\0';
		ck_assert_int_eq(strncmp(name, "store/", 6), 0);
		size = octal_field(h + 124, 11);
		if (h[156] == '5') {
			ck_assert_int_eq(name[strlen(name) - 1], '/');
			ck_assert_uint_eq(size, 0);
			ck_assert_uint_eq(octal_field(h + 100, 7), 0700);
		} else {
			ck_assert_int_eq(h[156], '0');
			ck_assert_uint_eq(octal_field(h + 100, 7), 0600);
			files++;
		}
		entries++;
		off += 512 + (size_t)(size + 511) / 512 * 512;
	}
	/* two zero blocks end it */
	ck_assert_uint_eq(off + 1024, len);
	for (i = off; i < len; i++)
		ck_assert_uint_eq(tar[i], 0);
	ck_assert_uint_eq(files, ARRAY_LEN(top_files) + 2);
	ck_assert_uint_eq(entries, files + 2);
	ks_close(ks);
	free(tar);
	free(out);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_backup_refuses_an_existing_file_or_link_with_73)
{
	char *out = xasprintf("%s/backup.tar", tmp), *text;
	char *link = xasprintf("%s/link.tar", tmp);
	char *target = xasprintf("%s/target.tar", tmp);
	char *nodir = xasprintf("%s/none/backup.tar", tmp);
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	tu_spit(out, "mine", 4, 0644);
	ck_assert_int_eq(ks_backup(ks, out), -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	ck_assert(logged("already exists"));
	text = tu_slurp(out, NULL);
	ck_assert_str_eq(text, "mine"); /* untouched */
	ck_assert_int_eq(symlink(target, link), 0);
	log_status_reset();
	ck_assert_int_eq(ks_backup(ks, link), -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	ck_assert_int_ne(access(target, F_OK), 0);
	log_status_reset();
	ck_assert_int_eq(ks_backup(ks, nodir), -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	ks_close(ks);
	free(text);
	free(out);
	free(link);
	free(target);
	free(nodir);
}
END_TEST

START_TEST(test_backup_needs_the_lock)
{
	char *out = xasprintf("%s/backup.tar", tmp);
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_int_eq(ks_backup(ks, out), -1);
	ck_assert_int_eq(log_status(), EX_SOFTWARE);
	ck_assert_int_ne(access(out, F_OK), 0);
	ks_close(ks);
	free(out);
}
END_TEST

START_TEST(test_failed_backup_leaves_no_file)
{
	char *out = xasprintf("%s/backup.tar", tmp);
	struct ks_key *k1, *k2;
	struct secret *p1, *p2;
	struct ks *ks = stocked(&k1, &k2, &p1, &p2);
	struct rlimit rl;

	signal(SIGXFSZ, SIG_IGN); /* a full disk, as far as writes go */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = 2048;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ck_assert_int_eq(ks_backup(ks, out), -1);
	ck_assert_int_eq(log_status(), EX_IOERR);
	ck_assert(logged("cannot write"));
	ck_assert_int_ne(access(out, F_OK), 0);
	ks_close(ks);
	free(out);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ksbackup");
	TCase *tc = tcase_create("backup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
	    test_backup_is_an_archive_tar_lists_and_extracts_byte_for_byte);
	tcase_add_test(tc,
	    test_backup_headers_are_ustar_with_correct_checksums);
	tcase_add_test(tc,
	    test_backup_refuses_an_existing_file_or_link_with_73);
	tcase_add_test(tc, test_backup_needs_the_lock);
	tcase_add_test(tc, test_failed_backup_leaves_no_file);
	tcase_add_test(tc,
	    test_backup_holds_the_pack_files_of_the_epoch_and_restores_them);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
