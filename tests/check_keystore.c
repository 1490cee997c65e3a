/*
 * check_keystore.c - the keystore on disk, on temporary folders: folder,
 * header, key files, state records, passwd, the audit log. The journal and
 * commit protocol is check_ksjournal.c, backup check_ksbackup.c; the
 * fixture is kstest.h.
 */
#include <sys/resource.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>

#include "etcdtest.h"
#include "kstest.h"
#include "keystore/kscore_int.h"
#include "keystore/ksfile.h"
#include "keystore/ksformat.h"
#include "keystore/ksstate.h"
#include "support/dkim.h"

static char *
key_path(const struct ks_key *key, unsigned epoch)
{
	char hex[2 * KS_FPR_LEN + 1];

	util_hex(key->fpr, KS_FPR_LEN, hex);
	return xasprintf("%s/keys/%s-%u.key", store, hex, epoch);
}

static void
assert_private(struct ks *ks, const struct ks_key *key,
    const struct secret *want)
{
	struct secret *got = NULL;

	ck_assert_int_eq(ks_private(ks, key, &got), 0);
	ck_assert_uint_eq(got->len, want->len);
	ck_assert_int_eq(memcmp(got->data, want->data, want->len), 0);
	secret_free(got);
}

static void
assert_private_fails(struct ks *ks, const struct ks_key *key, int status)
{
	struct secret *got = NULL;

	log_status_reset();
	ck_assert_int_eq(ks_private(ks, key, &got), -1);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(log_status(), status);
}

static void
assert_open_fails(int status)
{
	struct ks *ks = NULL;

	log_status_reset();
	ck_assert_int_eq(ks_open(store, 0, &ks), -1);
	ck_assert_ptr_null(ks);
	ck_assert_int_eq(log_status(), status);
}

/* Flips one byte of a file in place. */
static void
flip(const char *file, long off)
{
	size_t len;
	char *buf = tu_slurp(file, &len);

	ck_assert_int_lt(off < 0 ? -off : off, (long)len + 1);
	buf[off < 0 ? (long)len + off : off] ^= 0x01;
	tu_spit(file, buf, len, 0600);
	free(buf);
}

/* How many files of keys/ end in suffix ("" for all). */
static size_t
files_in_keys(const char *suffix)
{
	char *p = path("keys");
	DIR *d = opendir(p);
	struct dirent *e;
	size_t n = 0, l, sl = strlen(suffix);

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		l = strlen(e->d_name);
		if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	free(p);
	return n;
}

START_TEST(test_create_open_unlock_round_trip)
{
	struct ks *ks = NULL;
	struct stat sb;
	size_t n = 99;
	char *p;

	ck_assert_int_eq(stat(store, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	p = path("header");
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_uint_eq(sb.st_size, KSF_HEADER_LEN);
	free(p);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert(!ks_unlocked(ks));
	ck_assert_int_eq(ks_last_now(ks), NOW);
	ks_keys(ks, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(ks_unlock(ks, pass1), 0);
	ck_assert(ks_unlocked(ks));
	ck_assert_int_eq(ks_unlock(ks, pass1), 0); /* no second derivation */
	ks_close(ks);
	ck_assert_int_eq(log_status(), 0);
}
END_TEST

START_TEST(test_a_bulk_key_file_is_written_0600_replaced_whole_and_read_back)
{
	struct ks *ks = NULL;
	struct ks_key meta, *k;
	struct secret *priv, *back = NULL;
	struct stat sb;
	char *p;
	size_t n = 0;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(ks_unlock(ks, pass1), 0);
	make_meta(&meta, "bulk1");
	priv = secret_new(32, 32);
	randombytes_buf(priv->data, 32);
	/* the file is there at once, under its own name, mode 0600 */
	ck_assert_int_eq(ks_put_private(ks, &meta, priv), 0);
	p = key_path(&meta, 1);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	/* a leftover of a crashed run by that name is replaced whole, and
	 * no temp file stays behind */
	tu_spit(p, "leftover", 8, 0644);
	ck_assert_int_eq(ks_put_private(ks, &meta, priv), 0);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_gt(sb.st_size, 8);
	ck_assert_uint_eq(files_in_keys(".key"), 1);
	ck_assert_uint_eq(files_in_keys(""), 1);
	/* synced, added, committed: read back as it was sealed */
	ck_assert_int_eq(ks_sync_keys(ks), 0);
	ck_assert_ptr_nonnull(k = ks_add_stored(ks, &meta));
	ck_assert(!k->pack.in_pack);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ck_assert_int_eq(ks_private(ks, k, &back), 0);
	ck_assert_uint_eq(back->len, 32);
	ck_assert_mem_eq(back->data, priv->data, 32);
	ks_keys(ks, &n);
	ck_assert_uint_eq(n, 1);
	secret_free(back);
	secret_free(priv);
	free(p);
	ks_close(ks);
	ck_assert_int_eq(log_status(), 0);
}
END_TEST

START_TEST(test_unlock_with_wrong_passphrase_is_77)
{
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_int_eq(ks_unlock(ks, pass2), -1);
	ck_assert(!ks_unlocked(ks));
	ck_assert_int_eq(log_status(), EX_NOPERM);
	ck_assert(logged("wrong passphrase"));
	ks_close(ks);
}
END_TEST

START_TEST(test_open_refuses_a_damaged_header_with_65)
{
	char *p = path("header");

	flip(p, 100);
	assert_open_fails(EX_DATAERR);
	ck_assert(logged("header: damaged"));
	free(p);
}
END_TEST

/* Rewrites the header with other KDF parameters and a good checksum. */
static void
rewrite_kdf(uint32_t ops, uint64_t mem)
{
	unsigned char buf[KSF_HEADER_LEN];
	struct ksf_header h;
	char *p = path("header"), *old;
	size_t len;

	old = tu_slurp(p, &len);
	/* BADKDF still fills h: the checksum was good */
	ck_assert_int_ne(ksf_header_decode((unsigned char *)old, len, &h),
	    KSF_DAMAGED);
	h.opslimit = ops;
	h.memlimit = mem;
	ksf_header_encode(&h, buf);
	tu_spit(p, buf, sizeof(buf), 0600);
	free(old);
	free(p);
}

START_TEST(test_open_refuses_bad_kdf_parameters_before_any_derivation)
{
	/* an hour of Argon2id over 4 TiB if anything tried to derive */
	rewrite_kdf(100000, 4398046511104ULL);
	assert_open_fails(EX_DATAERR);
	ck_assert(logged("bad kdf parameters"));
	rewrite_kdf(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE);
	assert_open_fails(EX_DATAERR);
}
END_TEST

START_TEST(test_create_refuses_an_existing_keystore_with_73)
{
	char *other = xasprintf("%s/other", tmp);
	char *file = xasprintf("%s/file", tmp);
	char *orphan = xasprintf("%s/no/such/folder", tmp);

	ck_assert_int_eq(ks_create(store, KS_KDF_INTERACTIVE, pass2, NOW,
	    false), -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	ck_assert(logged("already exists"));
	log_status_reset();
	ck_assert_int_eq(mkdir(other, 0700), 0);
	tu_spit(file, "x", 1, 0600);
	ck_assert_int_eq(ks_create(file, KS_KDF_INTERACTIVE, pass2, NOW,
	    false), -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	log_status_reset();
	ck_assert_int_eq(ks_create(orphan, KS_KDF_INTERACTIVE, pass2, NOW,
	    false), -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	ck_assert(logged("parent folder does not exist"));
	/* an empty folder of ours is used as it is */
	log_status_reset();
	ck_assert_int_eq(ks_create(other, KS_KDF_INTERACTIVE, pass2, NOW,
	    false), 0);
	ck_assert_int_eq(log_status(), 0);
	free(other);
	free(file);
	free(orphan);
}
END_TEST

START_TEST(test_open_of_a_missing_keystore_is_74_with_a_hint)
{
	struct ks *ks = NULL;
	char *none = xasprintf("%s/none", tmp);

	ck_assert_int_eq(ks_open(none, 0, &ks), -1);
	ck_assert_int_eq(log_status(), EX_IOERR);
	ck_assert(logged("dkimkeys init"));
	free(none);
}
END_TEST

START_TEST(test_add_and_private_round_trip_across_reopen)
{
	struct secret *priv;
	struct ks_key *key;
	struct ks *ks = open_unlocked(pass1);
	size_t n;

	key = add_key(ks, "s1", 1217, &priv);
	assert_private(ks, key, priv);
	ck_assert_int_eq(ks_commit(ks, NOW + 60), 0);
	ks_close(ks);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_int_eq(ks_last_now(ks), NOW + 60);
	key = ks_find(ks, "mg.example.com", "s1");
	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_eq(key, ks_keys(ks, &n)[0]);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(key->vendor, "mailgun");
	ck_assert_int_eq(key->state, KS_PENDING);
	ck_assert_int_eq(key->created, NOW);
	ck_assert_ptr_null(ks_find(ks, "mg.example.com", "s2"));
	assert_private_fails(ks, key, EX_SOFTWARE); /* not unlocked */
	ck_assert_int_eq(ks_unlock(ks, pass1), 0);
	assert_private(ks, key, priv);
	ks_close(ks);
	secret_free(priv);
}
END_TEST

START_TEST(test_add_refuses_taken_names_read_only_handles_and_bad_keys)
{
	struct ks *ks = open_unlocked(pass1), *ro = NULL;
	struct ks_key *key, meta;
	struct secret *priv;

	key = add_key(ks, "s1", 64, &priv);
	meta = *key;
	ck_assert_ptr_null(ks_add(ks, &meta, priv)); /* same name */
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert(logged("name already used"));
	meta.selector = (char *)(uintptr_t)"s2"; /* same key, another name */
	ck_assert_ptr_null(ks_add(ks, &meta, priv));
	ck_assert(logged("same key as s1._domainkey.mg.example.com"));
	meta.fpr[0] ^= 1; /* a fingerprint that is not the public key's */
	ck_assert_ptr_null(ks_add(ks, &meta, priv));
	ck_assert(logged("fingerprint is not the sha-256"));
	make_meta(&meta, "S3");
	ck_assert_ptr_null(ks_add(ks, &meta, priv));
	ck_assert(logged("invalid domain or selector"));
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	/* a read-only handle changes nothing, even unlocked */
	ck_assert_int_eq(ks_open(store, 0, &ro), 0);
	ck_assert_int_eq(ks_unlock(ro, pass1), 0);
	log_status_reset();
	make_meta(&meta, "s4");
	ck_assert_ptr_null(ks_add(ro, &meta, priv));
	ck_assert_int_eq(log_status(), EX_SOFTWARE);
	ck_assert_int_eq(ks_commit(ro, NOW), -1);
	ks_close(ro);
	ks_close(ks);
	secret_free(priv);
}
END_TEST

/* A keystore with keys s1 and s2 committed; returns the open handle. */
static struct ks *
two_keys(struct ks_key **k1, struct ks_key **k2, struct secret **p1,
    struct secret **p2)
{
	struct ks *ks = open_unlocked(pass1);

	add_key(ks, "s1", 64, p1);
	add_key(ks, "s2", 64, p2);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	*k1 = ks_find(ks, "mg.example.com", "s1");
	*k2 = ks_find(ks, "mg.example.com", "s2");
	return ks;
}

START_TEST(test_tampered_key_file_is_refused_by_name_others_still_work)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *f1 = key_path(k1, 1), *name = strrchr(f1, '/') + 1;

	flip(f1, -3); /* inside the tag */
	assert_private_fails(ks, k1, EX_DATAERR);
	ck_assert(logged(name));
	ck_assert(logged("(s1._domainkey.mg.example.com): authentication "
	    "failed"));
	assert_private(ks, k2, p2);
	ks_close(ks);
	free(f1);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_swapped_key_files_are_refused)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *f1 = key_path(k1, 1), *f2 = key_path(k2, 1), *t;

	t = xasprintf("%s.tmp", f1);
	ck_assert_int_eq(rename(f1, t), 0);
	ck_assert_int_eq(rename(f2, f1), 0);
	ck_assert_int_eq(rename(t, f2), 0);
	assert_private_fails(ks, k1, EX_DATAERR);
	assert_private_fails(ks, k2, EX_DATAERR);
	ck_assert(logged("belongs to another key"));
	ks_close(ks);
	free(f1);
	free(f2);
	free(t);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_truncated_or_missing_key_file_is_refused)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *f1 = key_path(k1, 1), *f2 = key_path(k2, 1);

	ck_assert_int_eq(truncate(f1, 100), 0);
	assert_private_fails(ks, k1, EX_DATAERR);
	ck_assert(logged("truncated"));
	ck_assert_int_eq(unlink(f2), 0);
	assert_private_fails(ks, k2, EX_DATAERR);
	ck_assert(logged("(s2._domainkey.mg.example.com): missing"));
	ks_close(ks);
	free(f1);
	free(f2);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

static const char *const loose_files[] = { "header", "state", "audit.log",
	"audit.head" };

START_TEST(test_group_readable_file_is_refused_with_77)
{
	char *p = path(loose_files[_i]);

	ck_assert_int_eq(chmod(p, 0640), 0);
	assert_open_fails(EX_NOPERM);
	ck_assert(logged(p));
	ck_assert(logged("mode 0640"));
	free(p);
}
END_TEST

START_TEST(test_group_readable_key_file_is_refused_with_77)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *f1 = key_path(k1, 1);

	ck_assert_int_eq(chmod(f1, 0604), 0);
	assert_private_fails(ks, k1, EX_NOPERM);
	assert_private(ks, k2, p2);
	ks_close(ks);
	free(f1);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_loose_folders_are_refused_with_77)
{
	char *keys = path("keys");

	ck_assert_int_eq(chmod(store, 0755), 0);
	assert_open_fails(EX_NOPERM);
	ck_assert(logged("mode 0755"));
	ck_assert_int_eq(chmod(store, 0700), 0);
	ck_assert_int_eq(chmod(keys, 0710), 0);
	assert_open_fails(EX_NOPERM);
	ck_assert(logged(keys));
	free(keys);
}
END_TEST

START_TEST(test_symlinks_are_refused_with_77)
{
	char *state = path("state"), *moved = xasprintf("%s/state", tmp);
	char *link = xasprintf("%s/link", tmp);
	struct ks *ks = NULL;

	ck_assert_int_eq(rename(state, moved), 0);
	ck_assert_int_eq(symlink(moved, state), 0);
	assert_open_fails(EX_NOPERM);
	ck_assert(logged("is a symbolic link"));
	ck_assert_int_eq(unlink(state), 0);
	ck_assert_int_eq(rename(moved, state), 0);
	ck_assert_int_eq(symlink(store, link), 0);
	log_status_reset();
	ck_assert_int_eq(ks_open(link, 0, &ks), -1);
	ck_assert_int_eq(log_status(), EX_NOPERM);
	free(state);
	free(moved);
	free(link);
}
END_TEST

START_TEST(test_symlinked_key_file_is_refused_with_77)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *f1 = key_path(k1, 1), *moved = xasprintf("%s/k", tmp);

	ck_assert_int_eq(rename(f1, moved), 0);
	ck_assert_int_eq(symlink(moved, f1), 0);
	assert_private_fails(ks, k1, EX_NOPERM);
	ks_close(ks);
	free(f1);
	free(moved);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

static int
child_lock(void)
{
	struct ks *ks = NULL;

	log_status_reset();
	if (ks_open(store, KS_LOCK, &ks) == 0)
		return 0;
	return log_status();
}

static int
child_read_only(void)
{
	struct ks *ks = NULL;
	int rc = ks_open(store, 0, &ks);

	ks_close(ks);
	return rc == 0 ? 0 : 1;
}

static int
child_wait(void)
{
	struct ks *ks = NULL;
	int fd;

	/* the parent's lock descriptor, inherited by fork, would hold the
	 * lock for us forever (hooks exec, and the lock is O_CLOEXEC) */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	return ks_open(store, KS_LOCK | KS_WAIT, &ks) == 0 ? 0 : 1;
}

START_TEST(test_second_locked_open_fails_with_75)
{
	struct ks *ks = NULL;
	pid_t pid;
	int st;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(in_child(child_lock), EX_TEMPFAIL);
	ck_assert(logged("locked by another run (use --wait to wait)"));
	ck_assert_int_eq(in_child(child_read_only), 0);
	/* --wait: the child gets the lock once the parent lets go */
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0)
		_exit(child_wait());
	usleep(300000);
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0); /* still waiting */
	ks_close(ks);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(in_child(child_lock), 0);
}
END_TEST

/* Whether any 16-byte window of secret occurs in a file below dir. */
static bool
leaks(const char *dir, const struct secret *s)
{
	struct dirent *de;
	char *p, *buf;
	DIR *d = opendir(dir);
	bool found = false;
	size_t len, i, j;
	struct stat sb;

	ck_assert_ptr_nonnull(d);
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    strcmp(de->d_name, "..") == 0))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		ck_assert_int_eq(lstat(p, &sb), 0);
		if (S_ISDIR(sb.st_mode))
			found = leaks(p, s);
		else {
			buf = tu_slurp(p, &len);
			for (i = 0; !found && i + 16 <= s->len; i++)
				for (j = 0; !found && j + 16 <= len; j++)
					found = memcmp(buf + j, s->data + i,
					    16) == 0;
			free(buf);
		}
		free(p);
	}
	closedir(d);
	return found;
}

START_TEST(test_no_plaintext_of_a_private_key_reaches_any_file)
{
	struct secret *priv, *window;
	struct ks *ks = open_unlocked(pass1);
	struct ks_key *key;

	key = add_key(ks, "s1", 64, &priv);
	ck_assert_int_eq(ks_audit(ks, NOW, false, "generate", key, ""), 0);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	/* the scan itself finds a planted copy */
	window = secret_from(priv->data + 10, 16);
	ck_assert(!leaks(store, priv));
	ck_assert_int_eq(ks_passwd(ks, pass2, true), 0);
	ck_assert(!leaks(store, priv));
	ck_assert(!leaks(store, pass1) && !leaks(store, pass2));
	tu_spit(logpath, window->data, 16, 0600);
	ck_assert(leaks(tmp, priv));
	ks_close(ks);
	secret_free(priv);
	secret_free(window);
}
END_TEST

START_TEST(test_passwd_round_trip)
{
	struct secret *priv;
	struct ks *ks = open_unlocked(pass1);
	struct ks_key *key;
	char *f = NULL;

	key = add_key(ks, "s1", 300, &priv);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	f = key_path(key, 1);
	ck_assert_int_eq(ks_passwd(ks, pass2, false), 0);
	assert_private(ks, key, priv);
	ks_close(ks);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_int_eq(ks_unlock(ks, pass1), -1);
	ck_assert_int_eq(log_status(), EX_NOPERM);
	ks_close(ks);
	ks = open_unlocked(pass2);
	key = ks_find(ks, "mg.example.com", "s1");
	assert_private(ks, key, priv);
	ck_assert_int_eq(access(f, F_OK), 0); /* same epoch, same file */
	ks_close(ks);
	free(f);
	secret_free(priv);
}
END_TEST

START_TEST(test_passwd_rekey_round_trip_removes_old_epoch_files)
{
	struct secret *p1, *p2, *p3;
	struct ks_key *k1, *k2, *k3;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *old1 = key_path(k1, 1), *old2 = key_path(k2, 1), *new1, *new3;

	k3 = add_key(ks, "s3", 64, &p3);
	ck_assert_int_eq(ks_erase_private(ks, k3), 0);
	k3->state = KS_DESTROYED;
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	new1 = key_path(k1, 2);
	new3 = key_path(k3, 2);
	ck_assert_int_eq(ks_passwd(ks, pass2, true), 0);
	assert_private(ks, k1, p1);
	ks_close(ks);
	ck_assert_int_ne(access(old1, F_OK), 0);
	ck_assert_int_ne(access(old2, F_OK), 0);
	ck_assert_int_eq(access(new1, F_OK), 0);
	ck_assert_int_ne(access(new3, F_OK), 0);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_int_eq(ks_unlock(ks, pass1), -1);
	ks_close(ks);
	ks = open_unlocked(pass2);
	assert_private(ks, ks_find(ks, "mg.example.com", "s1"), p1);
	assert_private(ks, ks_find(ks, "mg.example.com", "s2"), p2);
	ks_close(ks);
	free(old1);
	free(old2);
	free(new1);
	free(new3);
	secret_free(p1);
	secret_free(p2);
	secret_free(p3);
}
END_TEST

/*
 * A rekey killed before its header replacement leaves new-epoch files
 * behind: the old passphrase and files still work, and the next rekey
 * replaces the leftovers.
 */
START_TEST(test_rekey_leftovers_are_ignored_then_replaced)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *stale = key_path(k1, 2), *tmpfile;
	size_t len;
	char *before;

	tmpfile = xasprintf("%s.tmp-0123456789abcdef", stale);
	tu_spit(stale, "leftover", 8, 0600);
	tu_spit(tmpfile, "leftover", 8, 0600);
	ks_close(ks);
	ks = open_unlocked(pass1);
	k1 = ks_find(ks, "mg.example.com", "s1");
	assert_private(ks, k1, p1);
	ck_assert_int_eq(ks_passwd(ks, pass2, true), 0);
	before = tu_slurp(stale, &len);
	ck_assert_uint_gt(len, 8);
	ck_assert_int_ne(access(tmpfile, F_OK), 0);
	ks_close(ks);
	ks = open_unlocked(pass2);
	assert_private(ks, ks_find(ks, "mg.example.com", "s1"), p1);
	ks_close(ks);
	free(before);
	free(stale);
	free(tmpfile);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_locked_open_removes_temp_files_left_by_a_crash)
{
	char *t1 = path("state.tmp-0123456789abcdef");
	char *t2 = path("header.tmp-fedcba9876543210");
	char *other = path("state.tmp-x"), *head = path("audit.head.tmp-"
	    "0123456789abcdef");
	struct ks *ks = NULL;

	tu_spit(t1, "x", 1, 0600);
	tu_spit(t2, "x", 1, 0600);
	tu_spit(other, "x", 1, 0600);
	tu_spit(head, "x", 1, 0600);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ks_close(ks);
	ck_assert_int_eq(access(t1, F_OK), 0); /* read-only: left alone */
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ks_close(ks);
	ck_assert_int_ne(access(t1, F_OK), 0);
	ck_assert_int_ne(access(t2, F_OK), 0);
	/* not ours, or written without the lock (by exports): kept */
	ck_assert_int_eq(access(other, F_OK), 0);
	ck_assert_int_eq(access(head, F_OK), 0);
	free(t1);
	free(t2);
	free(other);
	free(head);
}
END_TEST

START_TEST(test_erase_private_removes_every_epoch_and_is_idempotent)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *f1 = key_path(k1, 1), *f1b = key_path(k1, 9);

	tu_spit(f1b, "x", 1, 0600);
	ck_assert_int_eq(ks_erase_private(ks, k1), 0);
	ck_assert_int_ne(access(f1, F_OK), 0);
	ck_assert_int_ne(access(f1b, F_OK), 0);
	ck_assert_int_eq(ks_erase_private(ks, k1), 0);
	assert_private(ks, k2, p2);
	ks_close(ks);
	free(f1);
	free(f1b);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

/* The pack file of a packed key at epoch, malloc'd. */
static char *
pack_path(const struct ks_key *key, unsigned epoch)
{
	char hex[2 * KS_PACK_ID_LEN + 1];

	ck_assert(key->pack.in_pack);
	util_hex(key->pack.id, KS_PACK_ID_LEN, hex);
	return xasprintf("%s/keys/%s-%u.pack", store, hex, epoch);
}

static uint32_t
le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

/* Slot s of a pack file, by its table: its offset and length. */
static void
slot_at(const char *file, unsigned s, size_t *off, size_t *len)
{
	size_t flen;
	unsigned char *b = (unsigned char *)tu_slurp(file, &flen);

	ck_assert_uint_ge(flen, KSF_PACK_FIXED);
	ck_assert_uint_lt(s, (unsigned)(b[14] | b[15] << 8));
	*off = le32(b + KSF_PACK_FIXED + 4 * s);
	*len = le32(b + KSF_PACK_FIXED + 4 * (s + 1)) - *off;
	ck_assert_uint_le(*off + *len, flen);
	free(b);
}

START_TEST(test_a_pack_of_three_keys_reads_each_back_also_after_reopen)
{
	struct secret *p[3];
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	size_t i;

	for (i = 0; i < 3; i++)
		assert_private(ks, k[i], p[i]);
	ks_close(ks);
	/* the slot comes back from the state's pack= field */
	ks = open_unlocked(pass1);
	for (i = 0; i < 3; i++) {
		k[i] = ks_find(ks, domain_name, packsel[i]);
		ck_assert_ptr_nonnull(k[i]);
		ck_assert(k[i]->pack.in_pack);
		ck_assert_uint_eq(k[i]->pack.slot, i);
		assert_private(ks, k[i], p[i]);
	}
	ks_close(ks);
	ck_assert_int_eq(log_status(), 0);
	free_three(p);
}
END_TEST

START_TEST(test_a_pack_is_one_id_epoch_pack_file_0600_and_no_key_file)
{
	struct secret *p[3];
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	char *f = pack_path(k[0], 1), *base;
	struct stat sb;

	ck_assert_int_eq(stat(f, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	base = strrchr(f, '/') + 1;
	ck_assert_uint_eq(strlen(base), 32 + strlen("-1.pack"));
	ck_assert_uint_eq(strspn(base, "0123456789abcdef"), 32);
	ck_assert_uint_eq(files_in_keys(".pack"), 1);
	ck_assert_uint_eq(files_in_keys(".key"), 0);
	ck_assert_uint_eq(files_in_keys(""), 1);
	ks_close(ks);
	free(f);
	free_three(p);
}
END_TEST

START_TEST(test_erasing_a_packed_key_zeroes_only_its_slot_others_still_read)
{
	struct secret *p[3], *got = NULL;
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	char *f = pack_path(k[1], 1), *before, *after, *again;
	size_t off, len, blen, alen, i;

	slot_at(f, 1, &off, &len);
	ck_assert_uint_gt(len, 64);
	before = tu_slurp(f, &blen);
	ck_assert_int_eq(ks_erase_private(ks, k[1]), 0);
	after = tu_slurp(f, &alen);
	ck_assert_uint_eq(alen, blen);
	for (i = 0; i < alen; i++)
		if (i >= off && i < off + len)
			ck_assert_int_eq(after[i], 0);
		else
			ck_assert_int_eq(after[i], before[i]);
	assert_private(ks, k[0], p[0]);
	assert_private(ks, k[2], p[2]);
	/* erased, not yet marked destroyed (a crash before the commit) */
	log_status_reset();
	ck_assert_int_eq(ks_private(ks, k[1], &got), -1);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert(logged("slot 1 (p1._domainkey.mg.example.com): erased"));
	/* erasing again is no error and changes nothing */
	log_status_reset();
	ck_assert_int_eq(ks_erase_private(ks, k[1]), 0);
	again = tu_slurp(f, NULL);
	ck_assert_mem_eq(again, after, alen);
	ck_assert_int_eq(log_status(), 0);
	ks_close(ks);
	free(again);
	free(after);
	free(before);
	free(f);
	free_three(p);
}
END_TEST

START_TEST(test_erasing_the_last_live_slot_removes_the_pack)
{
	struct secret *p[3];
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	char *f = pack_path(k[0], 1);

	ck_assert_int_eq(ks_erase_private(ks, k[2]), 0);
	ck_assert_int_eq(ks_erase_private(ks, k[0]), 0);
	ck_assert_int_eq(access(f, F_OK), 0);
	assert_private(ks, k[1], p[1]);
	ck_assert_int_eq(ks_erase_private(ks, k[1]), 0);
	ck_assert_int_ne(access(f, F_OK), 0);
	ck_assert_uint_eq(files_in_keys(""), 0);
	/* and again, the pack gone: no error */
	ck_assert_int_eq(ks_erase_private(ks, k[1]), 0);
	ck_assert_int_eq(ks_erase_private(ks, k[0]), 0);
	ck_assert_int_eq(log_status(), 0);
	ks_close(ks);
	free(f);
	free_three(p);
}
END_TEST

START_TEST(test_a_flipped_octet_in_a_slot_is_65_naming_the_slot_others_read)
{
	struct secret *p[3];
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	char *f = pack_path(k[2], 1), *want;
	size_t off, len;

	slot_at(f, 2, &off, &len);
	flip(f, (long)(off + len - 1));
	assert_private_fails(ks, k[2], EX_DATAERR);
	want = xasprintf("%s slot 2 (p2._domainkey.mg.example.com): "
	    "authentication failed", f);
	ck_assert(logged(want));
	assert_private(ks, k[0], p[0]);
	assert_private(ks, k[1], p[1]);
	/* one in the middle of a slot */
	slot_at(f, 0, &off, &len);
	flip(f, (long)(off + len / 2));
	assert_private_fails(ks, k[0], EX_DATAERR);
	ck_assert(logged("slot 0 (p0._domainkey.mg.example.com)"));
	assert_private(ks, k[1], p[1]);
	ks_close(ks);
	free(want);
	free(f);
	free_three(p);
}
END_TEST

START_TEST(test_add_stored_refusing_a_packed_key_zeroes_its_slot)
{
	struct ks *ks = open_unlocked(pass1);
	struct ks_pack *pack = ks_pack_new(ks);
	struct ks_key meta[2], *k;
	struct secret *taken, *p[2];
	char *f, *buf;
	size_t off, len, i;

	add_key(ks, "s1", 64, &taken);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	make_meta(&meta[0], "q0");
	make_meta(&meta[1], "s1"); /* the name is taken */
	for (i = 0; i < 2; i++) {
		p[i] = secret_new(64, 64);
		randombytes_buf(p[i]->data, 64);
		ck_assert_int_eq(ks_pack_add(pack, &meta[i], p[i]), 0);
	}
	ck_assert_int_eq(ks_pack_write(pack), 0);
	ks_pack_free(pack);
	ck_assert_int_eq(ks_sync_keys(ks), 0);
	ck_assert_ptr_nonnull(k = ks_add_stored(ks, &meta[0]));
	ck_assert_ptr_null(ks_add_stored(ks, &meta[1]));
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert(logged("name already used"));
	f = pack_path(&meta[1], 1);
	slot_at(f, 1, &off, &len);
	ck_assert_uint_gt(len, 0);
	buf = tu_slurp(f, NULL);
	for (i = off; i < off + len; i++)
		ck_assert_int_eq(buf[i], 0);
	log_status_reset();
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	assert_private(ks, ks_find(ks, domain_name, "q0"), p[0]);
	assert_private(ks, ks_find(ks, domain_name, "s1"), taken);
	ks_close(ks);
	free(buf);
	free(f);
	secret_free(taken);
	secret_free(p[0]);
	secret_free(p[1]);
}
END_TEST

START_TEST(test_rekey_rewrites_each_pack_under_the_new_epoch_slot_for_slot)
{
	struct secret *p[3];
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	char *old = pack_path(k[0], 1), *new = pack_path(k[0], 2);
	size_t off, len, i;

	ck_assert_int_eq(ks_erase_private(ks, k[1]), 0);
	k[1]->state = KS_DESTROYED;
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ck_assert_int_eq(ks_passwd(ks, pass2, true), 0);
	ck_assert_int_ne(access(old, F_OK), 0);
	ck_assert_int_eq(access(new, F_OK), 0);
	ck_assert_uint_eq(files_in_keys(""), 1);
	/* the same slots: the erased one empty */
	slot_at(new, 1, &off, &len);
	ck_assert_uint_eq(len, 0);
	slot_at(new, 0, &off, &len);
	ck_assert_uint_gt(len, 0);
	slot_at(new, 2, &off, &len);
	ck_assert_uint_gt(len, 0);
	assert_private(ks, k[0], p[0]);
	assert_private(ks, k[2], p[2]);
	ks_close(ks);
	ks = open_unlocked(pass2);
	for (i = 0; i < 3; i += 2) {
		k[i] = ks_find(ks, domain_name, packsel[i]);
		assert_private(ks, k[i], p[i]);
	}
	ks_close(ks);
	ck_assert_int_eq(log_status(), 0);
	free(old);
	free(new);
	free_three(p);
}
END_TEST

/*
 * A crash between the erase of a pack's last live key (the pack removed
 * with it) and the commit marking that key destroyed leaves it withdrawn
 * with no pack: a rekey skips it, as it skips a withdrawn key's missing
 * key file.
 */
START_TEST(test_rekey_skips_a_withdrawn_key_whose_pack_went_with_it)
{
	struct secret *p[3];
	struct ks_key *k[3];
	struct ks *ks = three_packed(k, p);
	char *f = pack_path(k[0], 1);
	size_t i;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ks_erase_private(ks, k[i]), 0);
	ck_assert_int_ne(access(f, F_OK), 0);
	k[0]->state = KS_DESTROYED;
	k[1]->state = KS_DESTROYED;
	k[2]->state = KS_WITHDRAWN;
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ck_assert_int_eq(ks_passwd(ks, pass2, true), 0);
	ck_assert(logged("slot 2 (p2._domainkey.mg.example.com): already "
	    "erased; skipped"));
	ck_assert_uint_eq(files_in_keys(""), 0);
	ck_assert_int_eq(log_status(), 0);
	ks_close(ks);
	free(f);
	free_three(p);
}
END_TEST

/* The copy's pack file of key in an etcd keystore: its path (malloc'd). */
static char *
copy_pack(struct ks *ks, const struct ks_key *key)
{
	char name[KS_KEYNAME_LEN];

	ks_pack_name(key->pack.id, 1, name);
	return xasprintf("%s/keys/%s", ks->path, name);
}

/*
 * In etcd the run's copy is pushed by what changed, judged by size, inode
 * and mtime; a slot zeroed in place keeps the first two, and within the
 * clock's tick of the fetch the third: the erase must reach etcd anyway.
 */
START_TEST(test_a_slot_zeroed_in_place_reaches_etcd_within_a_tick)
{
	char *p = prefix("pack"), *url, *file;
	struct ks_key *k[3];
	struct secret *priv[3];
	struct ksf_pack t;
	struct ks *ks;
	struct stat sb;
	struct timespec ts[2];
	unsigned char *buf;
	size_t len;

	p[strlen(p) - 1] = '\0';
	url = xasprintf("etcd://%s%s", endpoints(), p);
	free(store);
	store = url;
	ck_assert_int_eq(ks_create(store, KS_KDF_INTERACTIVE, pass1, NOW,
	    false), 0);
	ks = three_packed(k, priv);
	ks_close(ks);
	/* a fresh copy; slot 1 zeroed with the file's times put back */
	ks = open_unlocked(pass1);
	k[1] = ks_find(ks, domain_name, packsel[1]);
	file = copy_pack(ks, k[1]);
	ck_assert_int_eq(stat(file, &sb), 0);
	ts[0] = sb.st_atim;
	ts[1] = sb.st_mtim;
	ck_assert_int_eq(ks_erase_private(ks, k[1]), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, file, ts, 0), 0);
	k[1]->state = KS_DESTROYED;
	k[1]->destroyed = NOW + 1;
	ck_assert_int_eq(ks_commit(ks, NOW + 1), 0);
	ks_close(ks);
	free(file);
	/* what etcd holds: slot 1 erased, slots 0 and 2 not */
	ks = open_unlocked(pass1);
	k[0] = ks_find(ks, domain_name, packsel[0]);
	file = copy_pack(ks, k[0]);
	buf = (unsigned char *)tu_slurp(file, &len);
	ck_assert_int_eq(ksf_pack_decode(buf, len, len, 1, &t), KSF_OK);
	ck_assert(ksf_erased(buf + t.off[1], t.off[2] - t.off[1]));
	ck_assert(!ksf_erased(buf + t.off[0], t.off[1] - t.off[0]));
	assert_private(ks, k[0], priv[0]);
	ks_close(ks);
	free(buf);
	free(file);
	free(p);
	free_three(priv);
	ck_assert_int_eq(log_status(), 0);
}
END_TEST

START_TEST(test_a_full_pack_refuses_another_key)
{
	struct ks *ks = open_unlocked(pass1);
	struct ks_pack *pack = ks_pack_new(ks);
	struct secret *priv = secret_new(64, 64);
	struct ks_key meta;
	size_t i;

	randombytes_buf(priv->data, 64);
	for (i = 0; i < KS_PACK_SLOTS_MAX; i++) {
		make_meta(&meta, "f");
		ck_assert_int_eq(ks_pack_add(pack, &meta, priv), 0);
	}
	ck_assert_uint_eq(ks_pack_count(pack), 512);
	make_meta(&meta, "f");
	ck_assert_int_eq(ks_pack_add(pack, &meta, priv), -1);
	ck_assert(!meta.pack.in_pack);
	ck_assert_int_eq(log_status(), EX_SOFTWARE);
	ck_assert_uint_eq(ks_pack_count(pack), 512);
	ks_pack_free(pack);
	ks_close(ks);
	secret_free(priv);
}
END_TEST

START_TEST(test_tombstones_survive_reopen)
{
	struct secret *priv;
	struct ks *ks = open_unlocked(pass1);
	struct ks_key *key, meta;

	key = add_key(ks, "s1", 64, &priv);
	ck_assert_int_eq(ks_erase_private(ks, key), 0);
	key->state = KS_DESTROYED;
	key->destroyed = NOW + 5;
	ck_assert_int_eq(ks_commit(ks, NOW + 5), 0);
	ks_close(ks);
	ks = open_unlocked(pass1);
	ck_assert(ks_name_taken(ks, "mg.example.com", "s1"));
	ck_assert(!ks_name_taken(ks, "mg.example.com", "s2"));
	ck_assert(!ks_name_taken(ks, "example.com", "s1"));
	key = ks_find(ks, "mg.example.com", "s1");
	ck_assert_int_eq(key->state, KS_DESTROYED);
	ck_assert_int_eq(key->destroyed, NOW + 5);
	assert_private_fails(ks, key, EX_DATAERR);
	make_meta(&meta, "s1");
	ck_assert_ptr_null(ks_add(ks, &meta, priv));
	ks_close(ks);
	secret_free(priv);
}
END_TEST

START_TEST(test_counters_persist_across_commit_and_reopen)
{
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_uint_eq(ks_counter_next(ks, "mailgun"), 1);
	ck_assert_uint_eq(ks_counter_next(ks, "mailgun"), 2);
	ck_assert_uint_eq(ks_counter_next(ks, "customers/example.org"), 1);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ck_assert_uint_eq(ks_counter_next(ks, "mailgun"), 3); /* not stored */
	ks_close(ks);
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_uint_eq(ks_counter_next(ks, "mailgun"), 3);
	ck_assert_uint_eq(ks_counter_next(ks, "customers/example.org"), 2);
	ck_assert_uint_eq(ks_counter_next(ks, "sendgrid"), 1);
	ks_close(ks);
}
END_TEST

START_TEST(test_state_tampering_is_detected_with_65)
{
	struct ks *ks = NULL;
	char *p = path("state");
	size_t len;
	char *text = tu_slurp(p, &len);

	flip(p, 20);
	assert_open_fails(EX_DATAERR);
	ck_assert(logged("state: damaged"));
	tu_spit(p, text, len - 10, 0600);
	assert_open_fails(EX_DATAERR);
	tu_spit(p, text, len, 0600);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0); /* restored */
	ks_close(ks);
	free(text);
	free(p);
}
END_TEST

/* Keys, once added, stay where they are: the array holds pointers. */
START_TEST(test_keys_never_move_across_1000_adds)
{
	struct ks_key *first, *k, *const *keys;
	struct ks *ks = open_unlocked(pass1);
	struct secret *priv;
	char sel[32];
	size_t i, n;

	first = add_key(ks, "s0", 32, &priv);
	secret_free(priv);
	for (i = 1; i < 1000; i++) {
		snprintf(sel, sizeof(sel), "s%zu", i);
		k = add_key(ks, sel, 32, &priv);
		secret_free(priv);
		ck_assert_ptr_eq(ks_find(ks, domain_name, sel), k);
	}
	keys = ks_keys(ks, &n);
	ck_assert_uint_eq(n, 1000);
	ck_assert_ptr_eq(keys[0], first);
	ck_assert_str_eq(first->selector, "s0");
	ck_assert_ptr_eq(ks_find(ks, domain_name, "s0"), first);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ck_assert_ptr_eq(ks_keys(ks, &n)[0], first);
	ks_close(ks);
}
END_TEST

START_TEST(test_vendors_and_observations_persist_across_reopen)
{
	struct ks_observation *o, *const *obs;
	struct ks *ks = NULL;
	struct ks_vendor *v;
	size_t n;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_ptr_null(ks_vendor(ks, "mailgun", false));
	v = ks_vendor(ks, "mailgun", true);
	ck_assert_ptr_eq(ks_vendor(ks, "mailgun", true), v);
	v->hold = true;
	ks_set_vendor_error(ks, v, "hook nsupdate: exit 2 (REFUSED)", NOW);
	ks_vendor(ks, "customers/example.org", true)->decommission = true;
	ck_assert_ptr_null(ks_observation(ks, "sendgrid", "s1", false));
	o = ks_observation(ks, "sendgrid", "s1", true);
	o->alg = DK_ALG_RSA;
	o->bits = 1024;
	o->revoked = false;
	memset(o->fpr, 0xab, sizeof(o->fpr));
	o->first_seen = NOW - 86400;
	o->last_seen = NOW;
	ks_set_target(ks, o, "s1.domainkey.u123.wl.sendgrid.net");
	ks_observation(ks, "sendgrid", "s2", true);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ks_close(ks);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	v = ks_vendor(ks, "mailgun", false);
	ck_assert_ptr_nonnull(v);
	ck_assert(v->hold && !v->decommission);
	ck_assert_str_eq(v->error, "hook nsupdate: exit 2 (REFUSED)");
	ck_assert_int_eq(v->error_at, NOW);
	ck_assert(ks_vendor(ks, "customers/example.org", false)->decommission);
	obs = ks_observations(ks, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(obs[0]->selector, "s1");
	ck_assert_str_eq(obs[0]->target, "s1.domainkey.u123.wl.sendgrid.net");
	ck_assert_uint_eq(obs[0]->bits, 1024);
	ck_assert_uint_eq(obs[0]->fpr[31], 0xab);
	ck_assert_int_eq(obs[0]->first_seen, NOW - 86400);
	ck_assert_ptr_eq(ks_observation(ks, "sendgrid", "s2", false), obs[1]);
	ck_assert_ptr_null(obs[1]->target);
	ks_close(ks);
}
END_TEST

START_TEST(test_invalid_record_names_are_refused)
{
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_ptr_null(ks_vendor(ks, "Mail Gun", true));
	ck_assert_int_eq(log_status(), EX_SOFTWARE);
	ck_assert_ptr_null(ks_observation(ks, "sendgrid", "s_1", true));
	ck_assert_ptr_null(ks_observation(ks, "send/grid/x", "s1", true));
	ck_assert_int_eq(ks_commit(ks, NOW), 0); /* nothing was added */
	ks_close(ks);
}
END_TEST

/* Error and reason texts go through the state escaped and cut. */
#define ESCAPED " error=dns:%20192.0.2.1%20said%20\"p%3D\"%20%3D%20100%25" \
    "%20wrong%0Asecond%20line,%20caf%C3%A9 reason=key%20pasted%20into%20" \
    "ticket%204711\n"

START_TEST(test_errors_and_reasons_persist_escaped_and_bounded)
{
	static const char text[] = "dns: 192.0.2.1 said \"p=\" = 100% wrong\n"
	    "second line, caf\xc3\xa9";
	char longtext[400];
	struct ks_key *k1, *k2;
	struct secret *p1, *p2;
	struct ks *ks = open_unlocked(pass1);

	k1 = add_key(ks, "s1", 32, &p1);
	k2 = add_key(ks, "s2", 32, &p2);
	ks_set_error(ks, k1, text, NOW + 1);
	ks_set_reason(ks, k1, "key pasted into ticket 4711");
	k1->hooks_done = KS_EV_BIT(KS_EV_PUBLISH);
	k1->max_ttl = 3600;
	memset(longtext, 'e', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	ks_set_error(ks, k2, longtext, NOW + 2);
	ck_assert_uint_eq(strlen(k2->error), 200);
	ks_set_error(ks, k2, NULL, NOW + 3);
	ck_assert_ptr_null(k2->error);
	ck_assert_int_eq(k2->error_at, 0);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ks_close(ks);
	/* stored escaped: in the checkpoint, or in the group after it */
	ck_assert_uint_eq(occurrences("state", ESCAPED) +
	    occurrences("state.log", ESCAPED), 1);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	k1 = ks_find(ks, domain_name, "s1");
	ck_assert_str_eq(k1->error, text);
	ck_assert_int_eq(k1->error_at, NOW + 1);
	ck_assert_str_eq(k1->reason, "key pasted into ticket 4711");
	ck_assert_uint_eq(k1->hooks_done, 1);
	ck_assert_uint_eq(k1->max_ttl, 3600);
	ck_assert_ptr_null(ks_find(ks, domain_name, "s2")->error);
	ks_close(ks);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

/* Rewrites the state as version 1 wrote it: no version 2 fields. */
static void
downgrade_state(void)
{
	static const char v2[] = " hooks_done=0 max_ttl=0 neg_ttl=0 error_at=- "
	    "error= reason=";
	char *p = path("state"), *l = path("state.log"), *text, *s, hex[65];
	unsigned char sum[32];
	struct buf b = { NULL, 0, 0 };
	struct ksstate st;

	/* the whole state as one checkpoint, without state.log */
	read_whole_state(&st);
	write_whole_state(&st);
	ksstate_free(&st);
	ck_assert_int_eq(unlink(l), 0);
	free(l);
	text = tu_slurp(p, NULL);
	ck_assert_int_eq(strncmp(text, "dkimkeys-state 3\nkeystore ", 26), 0);
	*strstr(text, "\nend ") = '\0';
	buf_puts(&b, "dkimkeys-state 1");
	/* without the keystore, log and audit lines of version 3 */
	s = strstr(text, "\nnow ");
	for (; *s != '\0'; s++)
		if (strncmp(s, v2, strlen(v2)) == 0)
			s += strlen(v2) - 1;
		else
			buf_add(&b, s, 1);
	buf_puts(&b, "\n");
	crypto_generichash(sum, sizeof(sum), (unsigned char *)b.data, b.len,
	    NULL, 0);
	util_hex(sum, sizeof(sum), hex);
	buf_printf(&b, "end %s\n", hex);
	tu_spit(p, b.data, b.len, 0600);
	buf_free(&b);
	free(text);
	free(p);
}

START_TEST(test_version_1_state_is_read_and_upgraded_by_the_next_commit)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	char *p = path("state"), *text;

	ks_close(ks);
	downgrade_state();
	text = tu_slurp(p, NULL);
	ck_assert_ptr_null(strstr(text, "hooks_done"));
	free(text);
	ks = open_unlocked(pass1);
	k1 = ks_find(ks, domain_name, "s1");
	ck_assert_ptr_nonnull(k1);
	ck_assert_uint_eq(k1->hooks_done, 0);
	ck_assert_ptr_null(k1->error);
	assert_private(ks, k1, p1);
	ck_assert_int_eq(ks_commit(ks, NOW + 1), 0);
	ks_close(ks);
	text = tu_slurp(p, NULL);
	ck_assert_int_eq(strncmp(text, "dkimkeys-state 3\n", 17), 0);
	ck_assert_uint_eq(occurrences("state", " hooks_done=0 "), 2);
	free(text);
	ks = open_unlocked(pass1);
	assert_private(ks, ks_find(ks, domain_name, "s2"), p2);
	ks_close(ks);
	free(p);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_event_ids_are_stable_and_distinct)
{
	char ids[2][KS_EV_COUNT][33], again[33];
	struct secret *p1, *p2;
	struct ks_key *k[2], meta;
	struct ks *ks = two_keys(&k[0], &k[1], &p1, &p2), *other = NULL;
	char *other_dir = xasprintf("%s/other", tmp);
	size_t i, j, a, b;

	for (i = 0; i < 2; i++)
		for (j = 0; j < KS_EV_COUNT; j++) {
			ks_event_id(ks, k[i], (enum ks_event)j, ids[i][j]);
			ck_assert_uint_eq(strlen(ids[i][j]), 32);
			ck_assert_uint_eq(strspn(ids[i][j],
			    "0123456789abcdef"), 32);
		}
	for (a = 0; a < 2 * KS_EV_COUNT; a++)
		for (b = a + 1; b < 2 * KS_EV_COUNT; b++)
			ck_assert_str_ne(ids[a / KS_EV_COUNT][a % KS_EV_COUNT],
			    ids[b / KS_EV_COUNT][b % KS_EV_COUNT]);
	meta = *k[0]; /* its strings die with the handle: */
	meta.vendor = vendor_name;
	meta.domain = domain_name;
	meta.selector = (char *)(uintptr_t)"s1";
	ks_close(ks);
	/* the same after reopening: stable across runs and retries */
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ks_event_id(ks, ks_find(ks, domain_name, "s2"), KS_EV_DEPLOY, again);
	ck_assert_str_eq(again, ids[1][KS_EV_DEPLOY]);
	/* another keystore (another id), the same key: another id */
	ck_assert_int_eq(ks_create(other_dir, KS_KDF_INTERACTIVE, pass1, NOW,
	    false), 0);
	ck_assert_int_eq(ks_open(other_dir, 0, &other), 0);
	ks_event_id(other, &meta, KS_EV_PUBLISH, again);
	ck_assert_str_ne(again, ids[0][KS_EV_PUBLISH]);
	/* the same key material under another selector: another id */
	meta.selector = (char *)(uintptr_t)"s9";
	ks_event_id(ks, &meta, KS_EV_PUBLISH, again);
	ck_assert_str_ne(again, ids[0][KS_EV_PUBLISH]);
	ks_close(ks);
	ks_close(other);
	free(other_dir);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

/* Three entries: one about the keystore, two about a key. */
static struct ks *
audited(struct ks_key **key)
{
	struct ks *ks = open_unlocked(pass1);
	struct secret *priv;

	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	*key = add_key(ks, "s1", 64, &priv);
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	ck_assert_int_eq(ks_audit(ks, NOW + 1, true, "generate", *key, NULL),
	    0);
	ck_assert_int_eq(ks_audit(ks, NOW + 2, false, "export", *key,
	    ",\"format\":\"pem\""), 0);
	secret_free(priv);
	return ks;
}

static size_t
audit_lines(char *text, char *line[8])
{
	return split_lines(text, line, 8);
}

START_TEST(test_audit_entries_are_chained_and_verify)
{
	char *log = path("audit.log"), *head = path("audit.head");
	char *text, *headtext, *line[8], h1[65], h3[65], fpr[65], want[400];
	char id[3][33];
	unsigned long n = 0;
	struct ks_key *key;
	struct ks *ks = audited(&key);

	ck_assert_str_eq(ks_audit_path(ks), log);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 3);
	text = tu_slurp(log, NULL);
	ck_assert_uint_eq(audit_lines(text, line), 3);
	for (n = 0; n < 3; n++)
		entry_id(line[n], id[n]);
	ck_assert_str_ne(id[0], id[1]);
	ck_assert_str_ne(id[1], id[2]);
	snprintf(want, sizeof(want), "{\"seq\":1,\"id\":\"%s\","
	    "\"time\":\"2025-11-29T07:06:40Z\",\"event\":\"init\","
	    "\"simulated\":false,\"prev\":\""
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "\"}", id[0]);
	ck_assert_str_eq(line[0], want);
	sha256_hex(line[0], strlen(line[0]), h1);
	util_hex(key->fpr, KS_FPR_LEN, fpr);
	snprintf(want, sizeof(want), "{\"seq\":2,\"id\":\"%s\","
	    "\"time\":\"2025-11-29T07:06:41Z\",\"event\":\"generate\","
	    "\"key\":\"s1._domainkey.mg.example.com\","
	    "\"vendor\":\"mailgun\",\"fingerprint\":\"sha256:%s\","
	    "\"simulated\":true,\"prev\":\"%s\"}", id[1], fpr, h1);
	ck_assert_str_eq(line[1], want);
	ck_assert_ptr_nonnull(strstr(line[2], ",\"format\":\"pem\","
	    "\"simulated\":false,"));
	sha256_hex(line[2], strlen(line[2]), h3);
	headtext = tu_slurp(head, NULL);
	snprintf(want, sizeof(want), "3 %s\n", h3);
	ck_assert_str_eq(headtext, want);
	ks_close(ks);
	ck_assert(logged(h3)); /* the head went to the log as a witness */
	free(text);
	free(headtext);
	free(log);
	free(head);
}
END_TEST

/* Rewrites the audit log with line i (0-based) replaced by repl, or
 * dropped when repl is NULL, or the whole cut to len bytes (i < 0). */
static void
rewrite_log(int i, const char *repl, size_t len)
{
	char *log = path("audit.log"), *text, *line[8];
	struct buf b = { NULL, 0, 0 };
	size_t n, j;

	text = tu_slurp(log, NULL);
	if (i < 0) {
		tu_spit(log, text, len, 0600);
	} else {
		n = audit_lines(text, line);
		for (j = 0; j < n; j++)
			if ((int)j != i)
				buf_printf(&b, "%s\n", line[j]);
			else if (repl != NULL)
				buf_printf(&b, "%s\n", repl);
		tu_spit(log, b.data, b.len, 0600);
	}
	buf_free(&b);
	free(text);
	free(log);
}

static void
assert_verify_fails(struct ks *ks, const char *why)
{
	unsigned long n;

	log_status_reset();
	ck_assert_int_eq(ks_audit_verify(ks, &n), -1);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ck_assert(logged(why));
}

START_TEST(test_audit_verify_detects_an_edited_line)
{
	char *log = path("audit.log"), *text, *line[8], *ev;
	struct ks_key *key;
	struct ks *ks = audited(&key);

	text = tu_slurp(log, NULL);
	audit_lines(text, line);
	ev = strstr(line[1], "generate");
	ev[0] = 'G';
	rewrite_log(1, line[1], 0);
	assert_verify_fails(ks, "line 3: prev does not match line 2");
	ev[0] = 'g';
	rewrite_log(1, line[1], 0);
	ck_assert_int_eq(ks_audit_verify(ks, NULL), 0);
	ev = strstr(line[2], "export");
	ev[0] = 'E';
	rewrite_log(2, line[2], 0);
	assert_verify_fails(ks, "line 3: does not match audit.head");
	/* an append refuses to extend a log that was tampered with */
	log_status_reset();
	ck_assert_int_eq(ks_audit(ks, NOW, false, "x", NULL, ""), -1);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	ks_close(ks);
	free(text);
	free(log);
}
END_TEST

START_TEST(test_audit_verify_detects_a_deleted_line)
{
	struct ks_key *key;
	struct ks *ks = audited(&key);

	rewrite_log(1, NULL, 0);
	assert_verify_fails(ks, "line 2: seq 3 where 2 was expected");
	ks_close(ks);
}
END_TEST

START_TEST(test_audit_verify_detects_truncation)
{
	char *log = path("audit.log"), *text;
	struct ks_key *key;
	struct ks *ks = audited(&key);
	size_t len;

	text = tu_slurp(log, &len);
	rewrite_log(2, NULL, 0);
	assert_verify_fails(ks, "2 entries but audit.head records 3");
	tu_spit(log, text, len - 20, 0600);
	assert_verify_fails(ks, "line 3: incomplete");
	tu_spit(log, "", 0, 0600);
	assert_verify_fails(ks, "0 entries but audit.head records 3");
	ks_close(ks);
	free(text);
	free(log);
}
END_TEST

/* A crash after the line was written but before audit.head was. */
START_TEST(test_audit_recovers_from_a_crash_between_line_and_head)
{
	char *head = path("audit.head"), *log = path("audit.log"), *saved;
	unsigned long n = 0;
	struct ks_key *key;
	struct ks *ks = audited(&key);
	size_t len, loglen;

	saved = tu_slurp(head, &len);
	ck_assert_int_eq(ks_audit(ks, NOW + 3, false, "deploy", key, ""), 0);
	tu_spit(head, saved, len, 0600);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(ks_audit(ks, NOW + 4, false, "retire", key, ""), 0);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 5);
	/* and a torn last line (a crash mid-write) is cut off */
	free(tu_slurp(log, &loglen));
	rewrite_log(-1, NULL, loglen); /* no-op rewrite keeps the bytes */
	{
		FILE *f = fopen(log, "a");

		ck_assert_ptr_nonnull(f);
		fputs("{\"seq\":6,\"ti", f);
		fclose(f);
	}
	ck_assert_int_eq(ks_audit(ks, NOW + 5, false, "revoke", key, ""), 0);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 6);
	ks_close(ks);
	free(saved);
	free(head);
	free(log);
}
END_TEST

static int
child_audit(void)
{
	struct ks *ks = NULL;
	int rc = 1;

	if (ks_open(store, 0, &ks) == 0 &&
	    ks_audit(ks, NOW, false, "export", NULL, "") == 0)
		rc = 0;
	ks_close(ks);
	return rc;
}

START_TEST(test_audit_appends_from_read_only_runs_while_locked)
{
	struct ks *ks = NULL;
	unsigned long n = 0;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	ck_assert_int_eq(in_child(child_audit), 0);
	ck_assert_int_eq(in_child(child_audit), 0);
	ck_assert_int_eq(ks_audit(ks, NOW, false, "rotate", NULL, ""), 0);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 4);
	ks_close(ks);
}
END_TEST

/* Any file over limit bytes fails to grow (EFBIG), like a full disk. */
static void
limit_file_size(rlim_t limit)
{
	struct rlimit rl;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = limit;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static bool
temp_files_in(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	bool found = false;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		found |= strstr(de->d_name, ".tmp-") != NULL;
	closedir(d);
	return found;
}

START_TEST(test_failed_writes_leave_old_files_and_no_temp_files)
{
	char *state = path("state"), *log = path("audit.log"), *before, *after;
	struct ks *ks = NULL;
	char vendor[32];
	size_t len, len2;
	unsigned long n;
	int i;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(ks_audit(ks, NOW, false, "init", NULL, ""), 0);
	for (i = 0; i < 200; i++) {
		snprintf(vendor, sizeof(vendor), "vendor%d", i);
		ks_counter_next(ks, vendor);
	}
	before = tu_slurp(state, &len);
	free(tu_slurp(log, &len2));
	limit_file_size(len2 + 20);
	ck_assert_int_eq(ks_commit(ks, NOW + 1), -1);
	ck_assert_int_eq(log_status(), EX_IOERR);
	ck_assert(logged("state.log: cannot append"));
	log_status_reset();
	ck_assert_int_eq(ks_audit(ks, NOW, false, "a-rather-long-event-name",
	    NULL, ""), -1);
	ck_assert_int_eq(log_status(), EX_IOERR);
	limit_file_size(RLIM_INFINITY);
	after = tu_slurp(state, NULL);
	ck_assert_str_eq(before, after);
	ck_assert(!temp_files_in(store));
	ck_assert_int_eq(ks_last_now(ks), NOW);
	ck_assert_int_eq(ks_audit_verify(ks, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ks_commit(ks, NOW + 1), 0);
	ks_close(ks);
	free(before);
	free(after);
	free(state);
	free(log);
}
END_TEST

START_TEST(test_write_atomic_replaces_whole_with_its_mode_whatever_the_umask)
{
	char *out = xasprintf("%s/metrics.prom", tmp);
	char *missing = xasprintf("%s/nowhere/metrics.prom", tmp);
	char *text;
	struct stat st;

	umask(077);
	ck_assert_int_eq(ksfile_write_atomic("status", out, 0644, "one\n", 4),
	    0);
	ck_assert_int_eq(ksfile_write_atomic("status", out, 0644, "two\n", 4),
	    0);
	text = tu_slurp(out, NULL);
	ck_assert_str_eq(text, "two\n");
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert(!temp_files_in(tmp));
	ck_assert_int_eq(ksfile_write_atomic("status", missing, 0644, "x", 1),
	    -1);
	ck_assert_int_eq(log_status(), EX_CANTCREAT);
	ck_assert(logged("status: "));
	ck_assert(logged("nowhere/metrics.prom"));
	free(text);
	free(missing);
	free(out);
}
END_TEST

/* Copies of state and state.log kept aside (in tmp) and put back. */
static void
keep_state(const char *suffix, bool back)
{
	static const char *const names[] = { "state", "state.log" };
	char *from, *to, *text;
	size_t i, len;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		from = path(names[i]);
		to = xasprintf("%s/%s.%s", tmp, names[i], suffix);
		if (back) {
			text = tu_slurp(to, &len);
			tu_spit(from, text, len, 0600);
		} else {
			text = tu_slurp(from, &len);
			tu_spit(to, text, len, 0600);
		}
		free(text);
		free(from);
		free(to);
	}
}

/* SPEC section 7, Binding: an old copy put back after a commit that was
 * audited is refused by every open; a crash's journal is not. */
START_TEST(test_a_replayed_state_is_refused_with_65)
{
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);

	ks_close(ks);
	keep_state("old", false);
	ks = open_unlocked(pass1);
	k1 = ks_find(ks, domain_name, "s1");
	k1->compromised = true;
	ks_journal(ks, NOW + 1, false, "compromised", k1, KS_EV_COUNT, NULL);
	ck_assert_int_eq(ks_commit(ks, NOW + 1), 0);
	ks_close(ks);
	keep_state("new", false);
	keep_state("old", true);
	assert_open_fails(EX_DATAERR);
	ck_assert(logged("state: behind the audit log (audit.log line "));
	log_status_reset();
	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), -1);
	ck_assert_int_eq(log_status(), EX_DATAERR);
	keep_state("new", true);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert(ks_find(ks, domain_name, "s1")->compromised);
	ks_close(ks);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

START_TEST(test_another_keystores_state_is_refused_with_65)
{
	char *other = xasprintf("%s/other", tmp), *from, *to, *text;
	const char *const names[] = { "state", "state.log" };
	size_t i, len;

	ck_assert_int_eq(ks_create(other, KS_KDF_INTERACTIVE, pass1, NOW,
	    false), 0);
	for (i = 0; i < ARRAY_LEN(names); i++) {
		from = xasprintf("%s/%s", other, names[i]);
		to = path(names[i]);
		text = tu_slurp(from, &len);
		tu_spit(to, text, len, 0600);
		free(text);
		free(from);
		free(to);
	}
	assert_open_fails(EX_DATAERR);
	ck_assert(logged("state: belongs to another keystore"));
	free(other);
}
END_TEST

/* A group cut short by a crash is no commit: read past, then cut off by
 * the next commit; an edited group is 65. */
START_TEST(test_state_log_torn_group_is_cut_and_edited_one_refused)
{
	char *p = path("state.log"), *good, *text, *s;
	struct secret *p1, *p2;
	struct ks_key *k1, *k2;
	struct ks *ks = two_keys(&k1, &k2, &p1, &p2);
	size_t len, len2;
	FILE *f;

	k1->max_ttl = 600;
	ck_assert_int_eq(ks_commit(ks, NOW + 1), 0);
	ks_close(ks);
	good = tu_slurp(p, &len);
	ck_assert_ptr_nonnull(f = fopen(p, "a"));
	fputs("key vendor=mailgun domain=mg.exam", f);
	fclose(f);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_uint_eq(ks_find(ks, domain_name, "s1")->max_ttl, 600);
	ks_close(ks);
	ks = open_unlocked(pass1);
	ks_find(ks, domain_name, "s2")->max_ttl = 700;
	ck_assert_int_eq(ks_commit(ks, NOW + 2), 0);
	ks_close(ks);
	/* the torn bytes are gone (cut, or the commit was a checkpoint) */
	text = tu_slurp(p, &len2);
	for (s = text; (s = strstr(s, "mg.exam")) != NULL; s++)
		ck_assert_int_eq(strncmp(s, "mg.example.com", 14), 0);
	free(text);
	ck_assert_int_eq(ks_open(store, 0, &ks), 0);
	ck_assert_uint_eq(ks_find(ks, domain_name, "s2")->max_ttl, 700);
	ks_close(ks);
	/* a group edited */
	ck_assert_ptr_nonnull(strstr(good, " max_ttl=600 "));
	memcpy(strstr(good, " max_ttl=600 "), " max_ttl=900 ", 13);
	tu_spit(p, good, len, 0600);
	assert_open_fails(EX_DATAERR);
	ck_assert(logged("state.log: damaged: line"));
	free(good);
	free(p);
	secret_free(p1);
	secret_free(p2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keystore");
	TCase *tc = tcase_create("keystore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_create_open_unlock_round_trip);
	tcase_add_test(tc, test_unlock_with_wrong_passphrase_is_77);
	tcase_add_test(tc,
	    test_a_bulk_key_file_is_written_0600_replaced_whole_and_read_back);
	tcase_add_test(tc, test_open_refuses_a_damaged_header_with_65);
	tcase_add_test(tc,
	    test_open_refuses_bad_kdf_parameters_before_any_derivation);
	tcase_add_test(tc, test_create_refuses_an_existing_keystore_with_73);
	tcase_add_test(tc, test_open_of_a_missing_keystore_is_74_with_a_hint);
	tcase_add_test(tc, test_add_and_private_round_trip_across_reopen);
	tcase_add_test(tc,
	    test_add_refuses_taken_names_read_only_handles_and_bad_keys);
	tcase_add_test(tc,
	    test_tampered_key_file_is_refused_by_name_others_still_work);
	tcase_add_test(tc, test_swapped_key_files_are_refused);
	tcase_add_test(tc, test_truncated_or_missing_key_file_is_refused);
	tcase_add_loop_test(tc, test_group_readable_file_is_refused_with_77, 0,
	    (int)ARRAY_LEN(loose_files));
	tcase_add_test(tc, test_group_readable_key_file_is_refused_with_77);
	tcase_add_test(tc, test_loose_folders_are_refused_with_77);
	tcase_add_test(tc, test_symlinks_are_refused_with_77);
	tcase_add_test(tc, test_symlinked_key_file_is_refused_with_77);
	tcase_add_test(tc, test_second_locked_open_fails_with_75);
	tcase_add_test(tc, test_no_plaintext_of_a_private_key_reaches_any_file);
	tcase_add_test(tc, test_passwd_round_trip);
	tcase_add_test(tc,
	    test_passwd_rekey_round_trip_removes_old_epoch_files);
	tcase_add_test(tc, test_rekey_leftovers_are_ignored_then_replaced);
	tcase_add_test(tc, test_locked_open_removes_temp_files_left_by_a_crash);
	tcase_add_test(tc,
	    test_erase_private_removes_every_epoch_and_is_idempotent);
	tcase_add_test(tc,
	    test_a_pack_of_three_keys_reads_each_back_also_after_reopen);
	tcase_add_test(tc,
	    test_a_pack_is_one_id_epoch_pack_file_0600_and_no_key_file);
	tcase_add_test(tc,
	    test_erasing_a_packed_key_zeroes_only_its_slot_others_still_read);
	tcase_add_test(tc, test_erasing_the_last_live_slot_removes_the_pack);
	tcase_add_test(tc,
	    test_a_flipped_octet_in_a_slot_is_65_naming_the_slot_others_read);
	tcase_add_test(tc,
	    test_add_stored_refusing_a_packed_key_zeroes_its_slot);
	tcase_add_test(tc,
	    test_rekey_rewrites_each_pack_under_the_new_epoch_slot_for_slot);
	tcase_add_test(tc,
	    test_rekey_skips_a_withdrawn_key_whose_pack_went_with_it);
	tcase_add_test(tc, test_a_full_pack_refuses_another_key);
	tcase_add_test(tc, test_tombstones_survive_reopen);
	tcase_add_test(tc, test_counters_persist_across_commit_and_reopen);
	tcase_add_test(tc, test_state_tampering_is_detected_with_65);
	tcase_add_test(tc, test_keys_never_move_across_1000_adds);
	tcase_add_test(tc, test_vendors_and_observations_persist_across_reopen);
	tcase_add_test(tc, test_invalid_record_names_are_refused);
	tcase_add_test(tc,
	    test_errors_and_reasons_persist_escaped_and_bounded);
	tcase_add_test(tc,
	    test_version_1_state_is_read_and_upgraded_by_the_next_commit);
	tcase_add_test(tc, test_event_ids_are_stable_and_distinct);
	tcase_add_test(tc, test_audit_entries_are_chained_and_verify);
	tcase_add_test(tc, test_audit_verify_detects_an_edited_line);
	tcase_add_test(tc, test_audit_verify_detects_a_deleted_line);
	tcase_add_test(tc, test_audit_verify_detects_truncation);
	tcase_add_test(tc,
	    test_audit_recovers_from_a_crash_between_line_and_head);
	tcase_add_test(tc, test_audit_appends_from_read_only_runs_while_locked);
	tcase_add_test(tc,
	    test_failed_writes_leave_old_files_and_no_temp_files);
	tcase_add_test(tc,
	    test_write_atomic_replaces_whole_with_its_mode_whatever_the_umask);
	tcase_add_test(tc, test_a_replayed_state_is_refused_with_65);
	tcase_add_test(tc, test_another_keystores_state_is_refused_with_65);
	tcase_add_test(tc,
	    test_state_log_torn_group_is_cut_and_edited_one_refused);
	suite_add_tcase(s, tc);
	if ((tc = etcd_tcase()) != NULL) {
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc,
		    test_a_slot_zeroed_in_place_reaches_etcd_within_a_tick);
		suite_add_tcase(s, tc);
	}
	return tu_run(s);
}
