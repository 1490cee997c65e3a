/*
 * ksbackup.c - `backup`: the keystore's files as stored, in a POSIX ustar
 * archive (keystore/FORMAT section 9). No passphrase is needed: key files
 * are copied sealed.
 *
 * The caller holds the keystore lock, so only audit appends of read-only
 * runs (export) could change a file meanwhile; they wait for the audit
 * log's flock, held while audit.log and audit.head are copied. Every file
 * is opened beneath the keystore's descriptors with the usual checks
 * (ksfile.c). The archive is created with O_EXCL|O_NOFOLLOW, mode 0600,
 * and is durable, folder included, when ks_backup returns; one whose
 * writing failed is removed.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksaudit_seg.h"
#include "ksbackup.h"
#include "kscore_int.h"
#include "ksfile.h"
#include "ksjournal.h"
#include "support/log.h"

#define BLOCK 512
#define TOP "store/" /* the archive's folder */
#define NAME_MAX_LEN 99

struct tar {
	int fd;
	const char *path;
};

/*
 * v in octal in a field of len octets: len - 1 digits and a NUL; a value
 * too large for them in base-256 (first octet 0x80), as GNU tar and star
 * read it.
 */
static void
octal(unsigned char *field, size_t len, uint64_t v)
{
	size_t i;

	if (v >> (3 * (len - 1)) != 0) {
		field[0] = 0x80;
		for (i = len - 1; i > 0; i--, v >>= 8)
			field[i] = (unsigned char)(v & 0xff);
		return;
	}
	field[len - 1] = '\0';
	for (i = len - 1; i > 0; i--, v >>= 3)
		field[i - 1] = (unsigned char)('0' + (v & 7));
}

/* The ustar header of an entry: type '0' (file) or '5' (folder). */
static void
header(unsigned char h[BLOCK], const char *name, const struct stat *sb,
    char type, uint64_t size)
{
	unsigned sum = 0;
	size_t i;

	memset(h, 0, BLOCK);
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, sb->st_mode & 07777);
	octal(h + 108, 8, sb->st_uid);
	octal(h + 116, 8, sb->st_gid);
	octal(h + 124, 12, size);
	octal(h + 136, 12, sb->st_mtime > 0 ? (uint64_t)sb->st_mtime : 0);
	memset(h + 148, ' ', 8); /* the checksum counts itself as spaces */
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < BLOCK; i++)
		sum += h[i];
	octal(h + 148, 7, sum); /* six digits, NUL, and the space left */
}

static int
put(struct tar *t, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (len > 0) {
		if ((w = write(t->fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			log_fail(EX_IOERR, "keystore: %s: cannot write: %s",
			    t->path, strerror(errno));
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
put_dir(struct tar *t, int fd, const char *name, const char *shown)
{
	unsigned char h[BLOCK];
	struct stat sb;

	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		return -1;
	}
	header(h, name, &sb, '5', 0);
	return put(t, h, sizeof(h));
}

/* Copies sb->st_size octets of fd, then pads to a block. */
static int
copy_body(struct tar *t, int fd, const char *shown, const struct stat *sb)
{
	static const unsigned char zero[BLOCK];
	unsigned char buf[65536];
	uint64_t left = (uint64_t)sb->st_size;
	ssize_t r;

	while (left > 0) {
		r = read(fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_fail(EX_IOERR, "keystore: %s: %s", shown, r == 0 ?
			    "changed while being read" : strerror(errno));
			return -1;
		}
		if (put(t, buf, (size_t)r) == -1)
			return -1;
		left -= (uint64_t)r;
	}
	if (sb->st_size % BLOCK == 0)
		return 0;
	return put(t, zero, BLOCK - (size_t)(sb->st_size % BLOCK));
}

/* Adds the file name beneath dfd as TOP prefix name. */
static int
put_file(struct tar *t, struct ks *ks, int dfd, const char *prefix,
    const char *name)
{
	char arc[NAME_MAX_LEN + 1], *shown;
	unsigned char h[BLOCK];
	struct stat sb;
	int fd, rc = -1;

	shown = xasprintf("%s/%s%s", ks->dir, prefix, name);
	if ((size_t)snprintf(arc, sizeof(arc), TOP "%s%s", prefix, name) >=
	    sizeof(arc)) {
		log_fail(EX_SOFTWARE, "keystore: %s: name too long for ustar",
		    shown);
		goto out_free;
	}
	if ((fd = ksfile_open(dfd, name, shown, O_RDONLY)) == -1)
		goto out_free;
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		goto out;
	}
	header(h, arc, &sb, '0', (uint64_t)sb.st_size);
	if (put(t, h, sizeof(h)) == -1 || copy_body(t, fd, shown, &sb) == -1)
		goto out;
	rc = 0;
out:
	close(fd);
out_free:
	free(shown);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The key files of the header's epoch, sorted (NULL-terminated). */
static char **
key_files(struct ks *ks)
{
	char **names = xcalloc(1, sizeof(*names));
	unsigned long epoch;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int fd;

	if ((fd = dup(ks->kfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_fail(EX_IOERR, "keystore: %s: %s", ks_at(ks, "keys"),
		    strerror(errno));
		if (fd != -1)
			close(fd);
		free(names);
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!ks_key_file_epoch(de->d_name, &epoch) ||
		    epoch != ks->hdr.epoch)
			continue;
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	return names;
}

static int
put_keys(struct tar *t, struct ks *ks)
{
	char **names, **p;
	int rc = 0;

	if (put_dir(t, ks->kfd, TOP "keys/", ks_at(ks, "keys")) == -1 ||
	    (names = key_files(ks)) == NULL)
		return -1;
	for (p = names; *p != NULL; p++) {
		if (rc == 0 && put_file(t, ks, ks->kfd, "keys/", *p) == -1)
			rc = -1;
		free(*p);
	}
	free(names);
	return rc;
}

/* The files at the top; the audit log (its sealed segments too) and
 * head under the log's shared flock. */
static int
put_top(struct tar *t, struct ks *ks)
{
	static const char *const plain[] = { "header", "state", "state.log",
		"lock" };
	char left[KSAUDIT_SEG_NAME_LEN], **segs = NULL, **p;
	size_t i;
	int fd, rc = -1;

	if (put_dir(t, ks->dfd, TOP, ks->dir) == -1)
		return -1;
	for (i = 0; i < ARRAY_LEN(plain); i++)
		if (put_file(t, ks, ks->dfd, "", plain[i]) == -1)
			return -1;
	if ((fd = ksaudit_open_locked(ks->dfd, ks->audit_path, O_RDONLY,
	    LOCK_SH)) == -1)
		return -1;
	if (put_file(t, ks, ks->dfd, "", "audit.log") == 0 &&
	    put_file(t, ks, ks->dfd, "", "audit.head") == 0 &&
	    (segs = ksaudit_segments(ks->dfd, ks->dir, left)) != NULL) {
		rc = 0;
		for (p = segs; *p != NULL && rc == 0; p++)
			rc = put_file(t, ks, ks->dfd, "", *p);
	}
	ksaudit_segments_free(segs);
	close(fd);
	return rc;
}

int
ks_backup(struct ks *ks, const char *path)
{
	static const unsigned char end[2 * BLOCK];
	struct tar t = { -1, path };
	int rc = -1;

	if (ks_need_write(ks, false) == -1 || ks_commit_pending(ks) == -1)
		return -1;
	t.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (t.fd == -1) {
		log_fail(EX_CANTCREAT, "keystore: backup %s: %s", path,
		    errno == EEXIST ? "already exists" : strerror(errno));
		return -1;
	}
	if (fchmod(t.fd, 0600) == -1)
		log_fail(EX_IOERR, "keystore: backup %s: %s", path,
		    strerror(errno));
	else if (put_top(&t, ks) == 0 && put_keys(&t, ks) == 0 &&
	    put(&t, end, sizeof(end)) == 0) {
		if (fsync(t.fd) == -1)
			log_fail(EX_IOERR, "keystore: backup %s: cannot sync: "
			    "%s", path, strerror(errno));
		else
			rc = 0;
	}
	if (close(t.fd) == -1 && rc == 0) {
		log_fail(EX_IOERR, "keystore: backup %s: %s", path,
		    strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		rc = ksfile_sync_parent(path);
	else
		unlink(path); /* ours: O_EXCL made it */
	return rc;
}
