/*
 * config_trust.c - the trust checks of SPEC section 4, for the config file
 * itself and for the files it names (hooks, domains_file).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_trust.h"
#include "config_util.h"
#include "support/log.h"
#include "support/util.h"

/* One component: 0 when trusted, else -1 with the reason in why. */
static int
trust_one(const char *path, bool last, char *why, size_t len)
{
	const char *what = last ? "it" : path, *kind = last ? "" : "folder ";
	struct stat st;

	if (lstat(path, &st) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(why, len,
		    "%s%s is owned by uid %u, not by root or "
		    "uid %u; chown %s",
		    kind, what, (unsigned)st.st_uid, (unsigned)geteuid(), what);
		return -1;
	}
	/* a symlink's own mode means nothing; its target is walked too */
	if (S_ISLNK(st.st_mode) || (st.st_mode & 022) == 0)
		return 0;
	/* /tmp and its like: only the owner of an entry may replace it */
	if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && st.st_uid == 0)
		return 0;
	snprintf(why, len,
	    "%s%s is group- or world-writable (mode %04o); "
	    "run chmod go-w %s",
	    kind, what, (unsigned)(st.st_mode & 07777), what);
	return -1;
}

/* Every component of the absolute path, from "/" down. */
static int
trust_walk(const char *path, char *why, size_t len)
{
	char *buf = xstrdup(path);
	size_t i, n = strlen(buf);
	int rc = 0;
	char c;

	for (i = 0; i <= n && rc == 0; i++) {
		if ((i < n && buf[i] != '/') || (i > 0 && buf[i - 1] == '/'))
			continue;
		c = buf[i];
		buf[i] = '\0';
		rc = trust_one(i == 0 ? "/" : buf, i == n, why, len);
		buf[i] = c;
	}
	free(buf);
	return rc;
}

/* The path as written (symlinks included), then its real location. */
int
config_trust_check(const char *path, char *why, size_t len)
{
	char *real = NULL;
	int rc;

	if ((rc = trust_walk(path, why, len)) == 0 &&
	    (real = realpath(path, NULL)) != NULL && strcmp(real, path) != 0)
		rc = trust_walk(real, why, len);
	free(real);
	return rc;
}

/* A file named at a config line (hook, domains_file) that must be trusted. */
int
config_trust_at(struct parser *p, unsigned line, const char *path)
{
	char why[1024];

	if (config_trust_check(path, why, sizeof(why)) == 0)
		return 0;
	log_fail_at(EX_NOPERM, p->file, line, "%s: %s", path, why);
	p->nerr++;
	return -1;
}
