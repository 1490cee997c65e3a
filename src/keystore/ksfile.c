/*
 * ksfile.c - files beneath the keystore folder's descriptor.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ksfile.h"
#include "support/fault.h"
#include "support/log.h"
#include "support/util.h"

#define TEMP_TAG ".tmp-"
#define TEMP_RAND 8 /* random bytes, 16 hex digits */

/* Whether shown (a path) names audit.log or one of its segments. */
static bool
audit_file(const char *shown)
{
	const char *base = strrchr(shown, '/');

	base = base != NULL ? base + 1 : shown;
	return strcmp(base, "audit.log") == 0 ||
	    strncmp(base, "audit-", 6) == 0;
}

/* Refuses (77) what is not ours alone: wrong type, owner, links or mode. */
static int
check_stat(const struct stat *sb, const char *shown, bool dir)
{
	mode_t want = dir ? 0700 : 0600;

	if (dir ? !S_ISDIR(sb->st_mode) : !S_ISREG(sb->st_mode)) {
		log_fail(EX_NOPERM, "keystore: %s: not a %s", shown,
		    dir ? "folder" : "regular file");
		return -1;
	}
	if (sb->st_uid != 0 && sb->st_uid != geteuid()) {
		log_fail(EX_NOPERM, "keystore: %s: owned by uid %lu, not by "
		    "root or the effective user", shown,
		    (unsigned long)sb->st_uid);
		return -1;
	}
	/* another name for it would outlive its erasure; the audit log is
	 * not erased, and a roll links audit.log to its segment's name for
	 * an instant (keystore/FORMAT section 6) */
	if (!dir && sb->st_nlink != 1 && !audit_file(shown)) {
		log_fail(EX_NOPERM, "keystore: %s: has %lu hard links (must "
		    "have one: a copy under another name would outlive its "
		    "erasure; remove the other links)", shown,
		    (unsigned long)sb->st_nlink);
		return -1;
	}
	if ((sb->st_mode & 077) != 0) {
		log_fail(EX_NOPERM, "keystore: %s: mode %04o gives access to "
		    "group or others (must be %04o; dkimkeys never changes "
		    "modes: find out why, then chmod it)", shown,
		    (unsigned)(sb->st_mode & 07777), (unsigned)want);
		return -1;
	}
	return 0;
}

/* Logs why openat(dfd, name) failed with errno e. */
static void
open_failed(int dfd, const char *name, const char *shown, int e, bool dir)
{
	struct stat sb;

	if (e == ENOENT)
		log_fail(EX_DATAERR, "keystore: %s: missing", shown);
	else if ((e == ELOOP || e == ENOTDIR) &&
	    fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(sb.st_mode))
		log_fail(EX_NOPERM, "keystore: %s: is a symbolic link "
		    "(refused)", shown);
	else if (e == ENOTDIR && dir)
		log_fail(EX_NOPERM, "keystore: %s: not a folder", shown);
	else if (e == EACCES || e == EPERM)
		log_fail(EX_NOPERM, "keystore: %s: %s", shown, strerror(e));
	else
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(e));
}

int
ksfile_open_dir(int dfd, const char *name, const char *shown)
{
	struct stat sb;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		open_failed(dfd, name, shown, errno, true);
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (check_stat(&sb, shown, true) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
ksfile_open(int dfd, const char *name, const char *shown, int flags)
{
	struct stat sb;
	int fd;

	/* O_NONBLOCK: a FIFO planted here must not hang the open */
	fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		open_failed(dfd, name, shown, errno, false);
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (check_stat(&sb, shown, false) == -1) {
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, flags & O_APPEND) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
ksfile_read(int dfd, const char *name, const char *shown, size_t max,
    unsigned char **buf, size_t *len)
{
	unsigned char *b = NULL;
	size_t n = 0, cap = 4096;
	ssize_t r;
	int fd, rc = -1;

	*buf = NULL;
	if ((fd = ksfile_open(dfd, name, shown, O_RDONLY)) == -1)
		return -1;
	b = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			b = xrealloc(b, cap + 1);
		}
		if ((r = read(fd, b + n, cap - n)) == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_fail(EX_IOERR, "keystore: %s: %s", shown,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if ((n += (size_t)r) > max) {
			log_fail(EX_DATAERR, "keystore: %s: damaged (too "
			    "large)", shown);
			goto out;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A new temp file beside name (O_EXCL, O_NOFOLLOW): its fd, or -1 with
 * errno; *tmp gets its name (malloc'd) either way. */
static int
temp_open(int dfd, const char *name, mode_t mode, char **tmp)
{
	unsigned char rnd[TEMP_RAND];
	char hex[2 * TEMP_RAND + 1];

	randombytes_buf(rnd, sizeof(rnd));
	util_hex(rnd, sizeof(rnd), hex);
	*tmp = xasprintf("%s" TEMP_TAG "%s", name, hex);
	return openat(dfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
}

/*
 * Writes buf into a new temp file beside name (O_EXCL, O_NOFOLLOW, then
 * mode whatever the umask), fsyncs it and renames it over name. Returns
 * 0, or the errno of the failure with the temp file removed; *created is
 * false when the temp file could not even be created. Logs nothing.
 */
static int
put_quiet(int dfd, const char *name, mode_t mode, const void *buf,
    size_t len, bool *created)
{
	char *tmp;
	int fd, e = 0;

	fd = temp_open(dfd, name, mode, &tmp);
	*created = fd != -1;
	if (fd == -1) {
		e = errno;
		goto out;
	}
	/* mode whatever the umask: this is our own new file */
	if (fchmod(fd, mode) == -1 || write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1)
		e = errno;
	if (close(fd) == -1 && e == 0)
		e = errno;
	if (e == 0 && renameat(dfd, tmp, dfd, name) == -1)
		e = errno;
	if (e != 0)
		unlinkat(dfd, tmp, 0);
out:
	free(tmp);
	return e;
}

int
ksfile_put(int dfd, const char *name, const char *shown, const void *buf,
    size_t len)
{
	bool created = true;
	int e;

	/* the state's commit on a full disk, in tests/dkimkeys-faults */
	if ((e = strcmp(name, "state") == 0 ? fault_errno("state-enospc") :
	    0) == 0 && (e = put_quiet(dfd, name, 0600, buf, len,
	    &created)) == 0)
		return 0;
	if (!created)
		log_fail(EX_IOERR, "keystore: %s: cannot create a temp file: "
		    "%s", shown, strerror(e));
	else
		log_fail(EX_IOERR, "keystore: %s: cannot write: %s", shown,
		    strerror(e));
	return -1;
}

int
ksfile_pread(int fd, void *buf, size_t len, off_t off, const char *shown)
{
	unsigned char *p = buf;
	ssize_t r;

	while (len > 0) {
		if ((r = pread(fd, p, len, off)) == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				log_fail(EX_DATAERR, "keystore: %s: truncated",
				    shown);
			else
				log_fail(EX_IOERR, "keystore: %s: %s", shown,
				    strerror(errno));
			return -1;
		}
		p += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

int
ksfile_pwrite_sync(int fd, const void *buf, size_t len, off_t off,
    const char *shown)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (len > 0) {
		if ((w = pwrite(fd, p, len, off)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	if (len == 0 && fdatasync(fd) == 0)
		return 0;
	log_fail(EX_IOERR, "keystore: %s: cannot write: %s", shown,
	    strerror(errno));
	return -1;
}

int
ksfile_begin(struct ksfile_new *f, int dfd, const char *name,
    const char *shown)
{
	memset(f, 0, sizeof(*f));
	f->dfd = dfd;
	f->name = name;
	f->shown = shown;
	f->fd = temp_open(dfd, name, 0600, &f->tmp);
	if (f->fd != -1 && fchmod(f->fd, 0600) == 0)
		return 0;
	log_fail(EX_IOERR, "keystore: %s: cannot create a temp file: %s",
	    shown, strerror(errno));
	if (f->fd == -1) {
		/* not created: nothing of ours by that name to remove */
		free(f->tmp);
		f->tmp = NULL;
	}
	ksfile_abort(f);
	return -1;
}

int
ksfile_write(void *ctx, const char *p, size_t n)
{
	struct ksfile_new *f = ctx;

	if (f->err == 0 && write_all(f->fd, p, n) == -1)
		f->err = errno;
	return f->err == 0 ? 0 : -1;
}

int
ksfile_end(struct ksfile_new *f)
{
	/* the state's commit on a full disk, in tests/dkimkeys-faults */
	if (f->err == 0 && strcmp(f->name, "state") == 0)
		f->err = fault_errno("state-enospc");
	if (f->err == 0 && fsync(f->fd) == -1)
		f->err = errno;
	if (close(f->fd) == -1 && f->err == 0)
		f->err = errno;
	f->fd = -1;
	if (f->err == 0 && renameat(f->dfd, f->tmp, f->dfd, f->name) == -1)
		f->err = errno;
	if (f->err != 0) {
		log_fail(EX_IOERR, "keystore: %s: cannot write: %s", f->shown,
		    strerror(f->err));
		ksfile_abort(f);
		return -1;
	}
	free(f->tmp);
	f->tmp = NULL;
	return ksfile_sync_dir(f->dfd, f->shown);
}

void
ksfile_abort(struct ksfile_new *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	if (f->tmp != NULL)
		unlinkat(f->dfd, f->tmp, 0);
	free(f->tmp);
	f->tmp = NULL;
}

int
ksfile_replace(int dfd, const char *name, const char *shown,
    const void *buf, size_t len)
{
	if (ksfile_put(dfd, name, shown, buf, len) == -1)
		return -1;
	return ksfile_sync_dir(dfd, shown);
}

int
ksfile_sync_dir(int dfd, const char *shown)
{
	if (fsync(dfd) == -1) {
		log_fail(EX_IOERR, "keystore: %s: cannot sync its folder: %s",
		    shown, strerror(errno));
		return -1;
	}
	return 0;
}

int
ksfile_is_temp(const char *name)
{
	const char *t = strstr(name, TEMP_TAG);

	return t != NULL && strlen(t) == strlen(TEMP_TAG) + 2 * TEMP_RAND &&
	    strspn(t + strlen(TEMP_TAG), "0123456789abcdef") == 2 * TEMP_RAND;
}

int
ksfile_sync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd, rc = -1;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1 && fsync(fd) == 0)
		rc = 0;
	else
		log_fail(EX_IOERR, "keystore: %s: cannot sync its parent "
		    "folder: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	free(copy);
	return rc;
}

int
ksfile_write_atomic(const char *who, const char *path, mode_t mode,
    const void *buf, size_t len)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	bool created = false;
	int dfd, e, rc = -1;

	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		log_fail(EX_CANTCREAT, "%s: %s: %s", who, path,
		    strerror(errno));
		goto out;
	}
	if ((e = put_quiet(dfd, basename(bcopy), mode, buf, len,
	    &created)) == 0 && fsync(dfd) == -1)
		e = errno;
	if (e != 0) {
		log_fail(created ? EX_IOERR : EX_CANTCREAT, "%s: %s: %s", who,
		    path, strerror(e));
		goto out;
	}
	rc = 0;
out:
	if (dfd != -1)
		close(dfd);
	free(bcopy);
	free(dcopy);
	return rc;
}

int
ksfile_empty_dir(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(path)) == NULL) {
		log_fail(EX_CANTCREAT, "keystore: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

int
ksfile_prune(int dfd, const char *shown,
    bool (*match)(const char *name, const void *arg), const void *arg)
{
	struct dirent *de;
	bool removed = false;
	DIR *d = NULL;
	int fd, rc = -1;

	/* a duplicate: closedir() closes it, and dfd stays usable */
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!match(de->d_name, arg))
			continue;
		if (unlinkat(dfd, de->d_name, 0) == -1 && errno != ENOENT) {
			log_fail(EX_IOERR, "keystore: %s/%s: cannot remove: %s",
			    shown, de->d_name, strerror(errno));
			goto out;
		}
		removed = true;
	}
	rc = removed ? ksfile_sync_dir(dfd, shown) : 0;
out:
	closedir(d);
	return rc;
}
