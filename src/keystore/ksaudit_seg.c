/*
 * ksaudit_seg.c - the audit log's sealed segments: naming, listing,
 * rolling, and opening the live one under its flock.
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
#include "ksfile.h"
#include "support/log.h"
#include "support/util.h"

#define LOG_NAME "audit.log"
#define DEFAULT_SEGMENT ((uint64_t)64 << 20)

static uint64_t segment = DEFAULT_SEGMENT;

void
ksaudit_segment_limit(uint64_t bytes)
{
	segment = bytes != 0 ? bytes : DEFAULT_SEGMENT;
}

uint64_t
ksaudit_segment_size(void)
{
	return segment;
}

void
ksaudit_seg_name(unsigned long last, char out[KSAUDIT_SEG_NAME_LEN])
{
	snprintf(out, KSAUDIT_SEG_NAME_LEN, "audit-%012lu.log", last);
}

bool
ksaudit_seg_parse(const char *name, unsigned long *last)
{
	unsigned long v = 0;
	size_t i;

	if (strncmp(name, "audit-", 6) != 0 || strlen(name) != 6 + 12 + 4 ||
	    strcmp(name + 18, ".log") != 0)
		return false;
	for (i = 6; i < 18; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	*last = v;
	return v > 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
ksaudit_segments(int dfd, const char *dir,
    char leftover[KSAUDIT_SEG_NAME_LEN])
{
	char **names = xcalloc(1, sizeof(*names));
	struct stat live, sb;
	unsigned long last;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int fd;

	leftover[0] = '\0';
	if (fstatat(dfd, LOG_NAME, &live, AT_SYMLINK_NOFOLLOW) == -1)
		memset(&live, 0, sizeof(live));
	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (d = fdopendir(fd)) == NULL) {
		log_fail(EX_IOERR, "keystore: %s: %s", dir, strerror(errno));
		if (fd != -1)
			close(fd);
		free(names);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ksaudit_seg_parse(de->d_name, &last))
			continue;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sb.st_ino == live.st_ino && sb.st_dev == live.st_dev) {
			/* parsed: 22 characters */
			memcpy(leftover, de->d_name, strlen(de->d_name) + 1);
			continue;
		}
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name); /* 12 digits: by seq */
	return names;
}

void
ksaudit_segments_free(char **names)
{
	char **p;

	for (p = names; p != NULL && *p != NULL; p++)
		free(*p);
	free(names);
}

int
ksaudit_open_locked(int dfd, const char *shown, int flags, int op)
{
	struct stat a, b;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		if ((fd = ksfile_open(dfd, LOG_NAME, shown, flags)) == -1)
			return -1;
		while (flock(fd, op) == -1 && errno == EINTR)
			continue;
		if (fstat(fd, &a) == 0 &&
		    fstatat(dfd, LOG_NAME, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd); /* rolled while we waited: the new audit.log */
	}
	log_fail(EX_TEMPFAIL, "keystore: %s: keeps being replaced", shown);
	return -1;
}

int
ksaudit_roll(int dfd, const char *dir, int fd, unsigned long last,
    const char *text, size_t len)
{
	char name[KSAUDIT_SEG_NAME_LEN], left[KSAUDIT_SEG_NAME_LEN], **segs;
	char *shown = xasprintf("%s/%s", dir, LOG_NAME);
	struct stat a, b;
	int rc = -1;

	(void)fd;
	/* a link left by an interrupted roll names older entries: gone */
	if ((segs = ksaudit_segments(dfd, dir, left)) == NULL)
		goto out;
	ksaudit_segments_free(segs);
	ksaudit_seg_name(last, name);
	if (left[0] != '\0' && strcmp(left, name) != 0 &&
	    unlinkat(dfd, left, 0) == -1) {
		log_fail(EX_IOERR, "keystore: %s/%s: %s", dir, left,
		    strerror(errno));
		goto out;
	}
	if (linkat(dfd, LOG_NAME, dfd, name, 0) == -1 && (errno != EEXIST ||
	    fstatat(dfd, LOG_NAME, &a, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
	    a.st_ino != b.st_ino)) {
		log_fail(EX_IOERR, "keystore: %s/%s: cannot roll the audit "
		    "log: %s", dir, name, strerror(errno));
		goto out;
	}
	if (ksfile_sync_dir(dfd, dir) == -1 ||
	    ksfile_replace(dfd, LOG_NAME, shown, text, len) == -1)
		goto out;
	log_info("keystore: %s: rolled to %s past %llu bytes", shown, name,
	    (unsigned long long)segment);
	rc = 0;
out:
	free(shown);
	return rc;
}
