/*
 * ksmirror.c - the private copy of a keystore in etcd (ksmirror.h): what
 * was fetched or pushed is remembered per object (length, SHA-256 of the
 * content, and the file's identity to skip unchanged files), so that a
 * push sends only changes, and an object that only grew (state.log,
 * audit.log) as an append.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ksaudit_seg.h"
#include "ksetcd.h"
#include "ksfile.h"
#include "kslease.h"
#include "ksmirror.h"
#include "ksstore.h"
#include "support/log.h"
#include "support/util.h"

#define OBJ_MAX ((size_t)1 << 30)

struct known {
	char *name;
	size_t len;
	unsigned char hash[crypto_hash_sha256_BYTES];
	struct timespec mtime;
	ino_t ino;
	bool seen; /* in the folder at this push */
};

/* What etcd will hold once the push under way commits. */
struct pend {
	size_t ki;
	struct known now;
};

struct ksmirror {
	struct ksetcd *c;
	struct pend *p;
	size_t np;
	char *last;  /* this run's "lastrun" line */
	bool failed; /* a push failed: the copy is ahead of etcd for good */
	bool told;
	struct kslease *lock;
	struct ksstore *st;
	char *root, *dir, *prefix, *endpoints;
	struct known *k;
	size_t nk;
	/* the pending audit entries read at open (with the lock): names
	 * "pending/..." and their journal lines, removed by the first push
	 * of a commit */
	char **pname;
	struct buf *ptext;
	size_t npend;
};

static char *opt_ca, *opt_cert, *opt_key, *opt_user, *opt_pwfile;
static struct ksetcd_opts opts;

static void
set_opt(char **slot, const char **field, const char *v)
{
	free(*slot);
	*slot = v ? xstrdup(v) : NULL;
	*field = *slot;
}

void
ksmirror_options(const char *ca, const char *cert, const char *key,
    const char *user, const char *password_file)
{
	set_opt(&opt_ca, &opts.ca, ca);
	set_opt(&opt_cert, &opts.cert, cert);
	set_opt(&opt_key, &opts.key, key);
	set_opt(&opt_user, &opts.user, user);
	set_opt(&opt_pwfile, &opts.password_file, password_file);
}

bool
ksmirror_is_etcd(const char *keystore)
{
	return strncmp(keystore, "etcd://", 7) == 0;
}

static struct known *
known_of(struct ksmirror *m, const char *name)
{
	for (size_t i = 0; i < m->nk; i++)
		if (strcmp(m->k[i].name, name) == 0)
			return &m->k[i];
	m->k = xrealloc(m->k, (m->nk + 1) * sizeof(*m->k));
	memset(&m->k[m->nk], 0, sizeof(m->k[0]));
	m->k[m->nk].name = xstrdup(name);
	return &m->k[m->nk++];
}

static void
remember(struct known *k, const unsigned char *p, size_t len,
    const struct stat *sb)
{
	if (sb == NULL) {
		k->len = SIZE_MAX; /* gone */
		return;
	}
	k->len = len;
	crypto_hash_sha256(k->hash, p, len);
	k->mtime = sb->st_mtim;
	k->ino = sb->st_ino;
}

/* Writes one fetched object into the copy. */
static int
put_file(struct ksmirror *m, const char *name, const unsigned char *p,
    size_t len)
{
	char *path = xasprintf("%s/%s", m->dir, name);
	struct stat sb;
	size_t off = 0;
	ssize_t w;
	int fd, rc = -1;

	if ((strchr(name, '/') != NULL && strncmp(name, "keys/", 5) != 0) ||
	    strchr(name + 5, '/') != NULL || strstr(name, "..") != NULL ||
	    strcmp(name, "lock") == 0) {
		log_fail(EX_DATAERR, "keystore: etcd %s%s: not a keystore "
		    "object; refused", m->prefix, name);
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		log_fail(EX_CANTCREAT, "keystore: %s: %s", path,
		    strerror(errno));
		goto out;
	}
	while (off < len && (w = write(fd, p + off, len - off)) > 0)
		off += (size_t)w;
	if (off < len || fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	remember(known_of(m, name), p, len, &sb);
	rc = 0;
out:
	free(path);
	return rc;
}

static int
put_key(const char *name, const unsigned char *p, size_t len, void *arg)
{
	char *full = xasprintf("keys/%s", name);
	int rc = put_file(arg, full, p, len);

	free(full);
	return rc;
}

/* One top object into the copy, when there is one. */
static int
fetch_one(struct ksmirror *m, const char *name)
{
	unsigned char *buf;
	size_t len;
	int r = ksstore_read(m->st, name, OBJ_MAX, &buf, &len);

	if (r == 1) {
		r = put_file(m, name, buf, len);
		free(buf);
	}
	return r == -1 ? -1 : 0;
}

/* Pending entries a run takes: their deletes go in the one transaction
 * of its first commit, within etcd's 128 operations; the rest wait for
 * the next run. */
#define PENDING_MAX 64

static int
add_pending(const char *name, const unsigned char *p, size_t len, void *arg)
{
	struct ksmirror *m = arg;

	if (m->npend == PENDING_MAX)
		return 0;
	m->pname = xrealloc(m->pname, (m->npend + 1) * sizeof(*m->pname));
	m->ptext = xrealloc(m->ptext, (m->npend + 1) * sizeof(*m->ptext));
	m->pname[m->npend] = xasprintf("pending/%s", name);
	memset(&m->ptext[m->npend], 0, sizeof(m->ptext[0]));
	buf_add(&m->ptext[m->npend++], p, len);
	return 0;
}

static void
forget_pending(struct ksmirror *m)
{
	for (size_t i = 0; i < m->npend; i++) {
		free(m->pname[i]);
		buf_free(&m->ptext[i]);
	}
	free(m->pname);
	free(m->ptext);
	m->pname = NULL;
	m->ptext = NULL;
	m->npend = 0;
}

/* Every object of the prefix at one revision, into the copy: the top
 * objects by name, the audit log's sealed segments (a folder's log that
 * rolled, migrated), the key files in one request. */
static int
fetch(struct ksmirror *m)
{
	static const char *const top[] = { "header", "state", "state.log",
		"audit.log", "audit.head" };
	unsigned long last;
	char **names = NULL;
	size_t n = 0;
	int rc = -1;

	for (size_t i = 0; i < ARRAY_LEN(top); i++)
		if (fetch_one(m, top[i]) == -1)
			return -1;
	if (ksstore_list_top(m->st, "audit-", &names, &n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (ksaudit_seg_parse(names[i], &last) &&
		    fetch_one(m, names[i]) == -1)
			goto out;
	rc = ksstore_read_folder(m->st, "keys", put_key, m);
out:
	ksstore_names_free(names, n);
	return rc;
}

static int rm_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw);

/* Removes the copies in tmp left by runs killed (-9) before their close:
 * "dkimkeys-etcd-PID-*" folders of this user whose PID is gone. */
static void
sweep(const char *tmp)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(tmp)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *path, *end;
		long pid;

		if (strncmp(de->d_name, "dkimkeys-etcd-", 14) != 0)
			continue;
		pid = strtol(de->d_name + 14, &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", tmp, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    sb.st_uid == geteuid()) {
			log_debug("keystore: removing %s (left by a killed "
			    "run)", path);
			nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		}
		free(path);
	}
	closedir(d);
}

/* The lease's time to live: DKIMKEYS_ETCD_TTL seconds (1 to 3600; the
 * tests' short leases), else kslease.h's. */
static int64_t
lease_ttl(void)
{
	const char *s = getenv("DKIMKEYS_ETCD_TTL");
	uint64_t v;

	if (s == NULL || util_parse_uint(s, 1, 3600, &v) == -1)
		return 0;
	return (int64_t)v;
}

static char *
holder(void)
{
	char host[256] = "?";

	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return xasprintf("%s pid %ld", host, (long)getpid());
}

int
ksmirror_open(const char *url, bool lock, bool wait, bool create,
    struct ksmirror **out, const char **dir)
{
	struct ksmirror *m = xcalloc(1, sizeof(*m));
	const char *hosts = url + 7, *slash = strchr(hosts, '/');
	const char *tmp = getenv("TMPDIR");
	unsigned char *buf = NULL;
	size_t len;
	char *keys = NULL, *who = NULL;
	int r;

	*out = NULL;
	if (!ksmirror_is_etcd(url) || slash == NULL || slash[1] == '\0') {
		log_fail(EX_CONFIG, "keystore: %s: not etcd://HOSTS/PREFIX",
		    url);
		goto fail;
	}
	m->endpoints = xstrndup(hosts, (size_t)(slash - hosts));
	m->prefix = slash[strlen(slash) - 1] == '/' ? xstrdup(slash + 1) :
	    xasprintf("%s/", slash + 1);
	if ((m->c = ksetcd_new(m->endpoints, &opts)) == NULL)
		goto fail;
	who = holder();
	if (lock && kslease_take(m->c, m->endpoints, &opts, m->prefix, who,
	    lease_ttl(), wait, &m->lock) == -1)
		goto fail;
	m->st = ksstore_etcd(m->c, m->lock, m->prefix);
	tmp = tmp && *tmp == '/' ? tmp : "/tmp";
	sweep(tmp);
	m->root = xasprintf("%s/dkimkeys-etcd-%ld-XXXXXX", tmp,
	    (long)getpid());
	if (mkdtemp(m->root) == NULL) {
		log_fail(EX_CANTCREAT, "keystore: %s: %s", m->root,
		    strerror(errno));
		free(m->root);
		m->root = NULL;
		goto fail;
	}
	m->dir = xasprintf("%s/store", m->root);
	if ((r = ksstore_read(m->st, "header", 4096, &buf, &len)) == -1)
		goto fail;
	free(buf);
	if (create && r == 1) {
		log_fail(EX_CANTCREAT, "keystore: %s: already holds a keystore",
		    url);
		goto fail;
	}
	if (!create && r == 0) {
		log_fail(EX_IOERR, "keystore: %s: not found (create it with "
		    "dkimkeys init)", url);
		goto fail;
	}
	if (!create) {
		keys = xasprintf("%s/keys", m->dir);
		if (mkdir(m->dir, 0700) == -1 || mkdir(keys, 0700) == -1) {
			log_fail(EX_CANTCREAT, "keystore: %s: %s", m->dir,
			    strerror(errno));
			goto fail;
		}
		if (fetch(m) == -1 || (lock && ksstore_read_folder(m->st,
		    "pending", add_pending, m) == -1))
			goto fail;
		free(keys);
		keys = xasprintf("%s/lock", m->dir);
		r = open(keys, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (r == -1) {
			log_fail(EX_CANTCREAT, "keystore: %s: %s", keys,
			    strerror(errno));
			goto fail;
		}
		close(r);
	}
	free(keys);
	free(who);
	*out = m;
	*dir = m->dir;
	return 0;
fail:
	free(keys);
	free(who);
	ksmirror_close(m);
	return -1;
}

#define CHUNK 100 /* objects a transaction: etcd takes 128 ops by default */

/* A key file or a sealed audit segment (sent by migrate only: an etcd
 * keystore does not roll its log): nothing refers to them until the
 * transaction of the header, state and audit files that follows. */
static bool
is_key(const struct ksstore_op *o)
{
	unsigned long last;

	return strncmp(o->name, "keys/", 5) == 0 ||
	    ksaudit_seg_parse(o->name, &last);
}

/* The ops of one phase (0: key files written, 1: the rest, 2: key files
 * removed), CHUNK at a time; phase 1 in one transaction. */
static int
commit_phase(struct ksmirror *m, const struct ksstore_op *ops, size_t n,
    int phase)
{
	struct ksstore_op *sel = xcalloc(n + 1, sizeof(*sel));
	size_t k = 0;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		int ph = !is_key(&ops[i]) ? 1 :
		    ops[i].kind == KSSTORE_REMOVE ? 2 : 0;

		if (ph != phase)
			continue;
		sel[k++] = ops[i];
		if (phase != 1 && k == CHUNK) {
			rc = ksstore_commit(m->st, sel, k);
			k = 0;
		}
	}
	if (rc == 0 && k > 0)
		rc = ksstore_commit(m->st, sel, k);
	free(sel);
	return rc;
}

/*
 * A batch too large for one etcd transaction, in the order a crash
 * leaves usable: the new key files first (nothing refers to them yet, as
 * after a crash between a key's store and its commit), then the header,
 * state, state.log, audit files in one transaction (the commit), then the
 * key files that commit no longer needs removed.
 */
static int
commit_staged(struct ksmirror *m, const struct ksstore_op *ops, size_t n)
{
	for (int phase = 0; phase < 3; phase++)
		if (commit_phase(m, ops, n, phase) == -1)
			return -1;
	return 0;
}

int
ksmirror_info(struct ksmirror *m, char **who, char **last)
{
	unsigned char *buf = NULL;
	size_t len;
	int r;

	*who = *last = NULL;
	if (kslease_holder(m->c, m->prefix, who) == -1 ||
	    (r = ksstore_read(m->st, "lastrun", 1024, &buf, &len)) == -1) {
		free(*who);
		*who = NULL;
		return -1;
	}
	if (r == 1)
		*last = (char *)buf;
	return 0;
}

int
ksmirror_create_from(const char *url, const struct ksstore_op *ops, size_t n)
{
	struct ksmirror *m;
	const char *dir;
	int rc;

	/* a create leaves the folder to be made: nothing is fetched */
	if (ksmirror_open(url, true, false, true, &m, &dir) == -1)
		return -1;
	rc = commit_staged(m, ops, n);
	ksmirror_close(m);
	return rc;
}

/* One file of the copy: its change since, as an op (data malloc'd in
 * *data), or none. 1 an op, 0 none, -1 failed. */
void
ksmirror_changed(struct ksmirror *m, const char *name)
{
	struct known *k = known_of(m, name);

	/* no file has inode 0: the next push reads it again */
	memset(&k->mtime, 0, sizeof(k->mtime));
	k->ino = 0;
}

static int
change_of(struct ksmirror *m, int dfd, const char *name, const char *base,
    struct ksstore_op *op, unsigned char **data)
{
	struct known *k = known_of(m, name);
	unsigned char h[crypto_hash_sha256_BYTES], *buf;
	struct stat sb;
	size_t len;
	char *shown = xasprintf("%s/%s", m->dir, name);
	int rc = -1;

	k->seen = true;
	if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		goto out;
	}
	if (k->len == (size_t)sb.st_size && k->ino == sb.st_ino &&
	    k->mtime.tv_sec == sb.st_mtim.tv_sec &&
	    k->mtime.tv_nsec == sb.st_mtim.tv_nsec) {
		rc = 0;
		goto out;
	}
	if (ksfile_read(dfd, base, shown, OBJ_MAX, &buf, &len) == -1)
		goto out;
	*data = buf;
	*op = (struct ksstore_op){ KSSTORE_REPLACE, k->name, buf, len };
	if (k->len > 0 && k->len != SIZE_MAX && len > k->len) {
		crypto_hash_sha256(h, buf, k->len);
		if (memcmp(h, k->hash, sizeof(h)) == 0)
			*op = (struct ksstore_op){ KSSTORE_APPEND, k->name,
				buf + k->len, len - k->len };
	}
	/* remembered once the push commits */
	m->p = xrealloc(m->p, (m->np + 1) * sizeof(*m->p));
	memset(&m->p[m->np], 0, sizeof(m->p[0]));
	m->p[m->np].ki = (size_t)(k - m->k);
	remember(&m->p[m->np++].now, buf, len, &sb);
	rc = 1;
out:
	free(shown);
	return rc;
}

/* The ops of one folder of the copy (sub NULL: the top, less the lock
 * file and the keys folder). */
static int
changes_in(struct ksmirror *m, const char *sub, struct ksstore_op **ops,
    unsigned char ***bufs, size_t *n)
{
	char *path = sub ? xasprintf("%s/%s", m->dir, sub) : xstrdup(m->dir);
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(path)) == NULL) {
		log_fail(EX_IOERR, "keystore: %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *name;
		unsigned char *buf = NULL;
		struct ksstore_op op;
		int r;

		if (de->d_name[0] == '.' || ksfile_is_temp(de->d_name) ||
		    (sub == NULL && (strcmp(de->d_name, "lock") == 0 ||
		    strcmp(de->d_name, "keys") == 0)))
			continue;
		name = sub ? xasprintf("%s/%s", sub, de->d_name) :
		    xstrdup(de->d_name);
		r = change_of(m, dirfd(d), name, de->d_name, &op, &buf);
		free(name);
		if (r == 1) {
			*ops = xrealloc(*ops, (*n + 1) * sizeof(**ops));
			*bufs = xrealloc(*bufs, (*n + 1) * sizeof(**bufs));
			(*ops)[*n] = op;
			(*bufs)[(*n)++] = buf;
		}
		rc = r == -1 ? -1 : 0;
	}
	closedir(d);
	free(path);
	return rc;
}

int
ksmirror_pending(struct ksmirror *m,
    int (*fn)(const char *name, const char *text, size_t len, void *arg),
    void *arg)
{
	for (size_t i = 0; m != NULL && i < m->npend; i++)
		if (fn(m->pname[i], m->ptext[i].data, m->ptext[i].len,
		    arg) == -1)
			return -1;
	return 0;
}

int
ksmirror_pend(struct ksmirror *m, const char *name, const char *text,
    size_t len)
{
	char *full = xasprintf("pending/%s", name);
	int rc = ksstore_create(m->st, full, text, len);

	free(full);
	return rc;
}

int
ksmirror_push(struct ksmirror *m, bool commit)
{
	struct ksstore_op *ops = NULL;
	unsigned char **bufs = NULL;
	size_t n = 0;
	int rc = -1;

	if (m == NULL)
		return 0;
	if (m->failed) {
		if (!m->told)
			log_fail(EX_TEMPFAIL, "keystore: etcd %s: an earlier "
			    "commit did not reach etcd; nothing more is "
			    "committed by this run", m->prefix);
		m->told = true;
		return -1;
	}
	m->np = 0;
	for (size_t i = 0; i < m->nk; i++)
		m->k[i].seen = false;
	if (changes_in(m, NULL, &ops, &bufs, &n) == -1 ||
	    changes_in(m, "keys", &ops, &bufs, &n) == -1)
		goto out;
	for (size_t i = 0; i < m->nk; i++) {
		if (m->k[i].seen || m->k[i].len == SIZE_MAX)
			continue;
		ops = xrealloc(ops, (n + 1) * sizeof(*ops));
		bufs = xrealloc(bufs, (n + 1) * sizeof(*bufs));
		ops[n] = (struct ksstore_op){ KSSTORE_REMOVE, m->k[i].name,
			NULL, 0 };
		bufs[n++] = NULL;
		m->p = xrealloc(m->p, (m->np + 1) * sizeof(*m->p));
		memset(&m->p[m->np], 0, sizeof(m->p[0]));
		m->p[m->np].ki = i;
		remember(&m->p[m->np++].now, NULL, 0, NULL);
	}
	if (n > 0) {
		/* which run committed last, for status: with the commit */
		char when[UTIL_TIME_LEN], *who = holder();

		util_fmt_time(time(NULL), when);
		free(m->last);
		m->last = xasprintf("%s at %s", who, when);
		free(who);
		ops = xrealloc(ops, (n + 1) * sizeof(*ops));
		bufs = xrealloc(bufs, (n + 1) * sizeof(*bufs));
		ops[n] = (struct ksstore_op){ KSSTORE_REPLACE, "lastrun",
			m->last, strlen(m->last) };
		bufs[n++] = NULL;
	}
	/* the pending entries are in the journal of this commit: their
	 * keys go in its transaction (exactly once: phase 1 of
	 * commit_staged, with the audit.log they are appended to) */
	for (size_t i = 0; commit && n > 0 && i < m->npend; i++) {
		ops = xrealloc(ops, (n + 1) * sizeof(*ops));
		bufs = xrealloc(bufs, (n + 1) * sizeof(*bufs));
		ops[n] = (struct ksstore_op){ KSSTORE_REMOVE, m->pname[i],
			NULL, 0 };
		bufs[n++] = NULL;
	}
	rc = n == 0 ? 0 : commit_staged(m, ops, n);
	if (rc == 0 && commit && n > 0)
		forget_pending(m);
	for (size_t i = 0; rc == 0 && i < m->np; i++) {
		struct known *k = &m->k[m->p[i].ki];

		k->len = m->p[i].now.len;
		memcpy(k->hash, m->p[i].now.hash, sizeof(k->hash));
		k->mtime = m->p[i].now.mtime;
		k->ino = m->p[i].now.ino;
	}
out:
	if (rc == -1)
		m->failed = true;
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(ops);
	return rc;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	(void)(type == FTW_DP ? rmdir(path) : unlink(path));
	return 0;
}

void
ksmirror_close(struct ksmirror *m)
{
	if (m == NULL)
		return;
	if (m->root != NULL)
		nftw(m->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ksstore_close(m->st);
	(void)kslease_release(m->lock);
	ksetcd_free(m->c);
	forget_pending(m);
	for (size_t i = 0; i < m->nk; i++)
		free(m->k[i].name);
	free(m->k);
	free(m->p);
	free(m->last);
	free(m->root);
	free(m->dir);
	free(m->prefix);
	free(m->endpoints);
	free(m);
}
