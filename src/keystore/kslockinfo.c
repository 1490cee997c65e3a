/*
 * kslockinfo.c - the lock's holder and the last commit's host, from the
 * etcd lines of keystore/FORMAT section 12 or a folder's /proc/locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kscore_int.h"
#include "kslockinfo.h"
#include "support/util.h"

/* "HOST pid N[ at TIME]": HOST (malloc'd), TIME into *at when there. */
static char *
line_host(const char *line, int64_t *at)
{
	const char *p = strstr(line, " pid "), *t;

	if (p == NULL || p == line)
		return NULL;
	if (at != NULL && (t = strstr(p, " at ")) != NULL &&
	    util_parse_time(t + 4, at) == -1)
		*at = 0;
	return xstrndup(line, (size_t)(p - line));
}

/* Whether /proc/locks shows a granted flock on the lock file: 1, 0, or
 * -1 when it cannot tell. */
static int
folder_held(struct ks *ks)
{
	char line[256], want[64];
	struct stat sb;
	FILE *f;
	int held = 0;

	if (ks->dfd == -1 || fstatat(ks->dfd, "lock", &sb, 0) == -1 ||
	    (f = fopen("/proc/locks", "re")) == NULL)
		return -1;
	/* "1: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INO 0 EOF"; a waiter's
	 * line has "->" before FLOCK */
	snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(sb.st_dev),
	    minor(sb.st_dev), (unsigned long long)sb.st_ino);
	while (!held && fgets(line, sizeof(line), f) != NULL)
		held = strstr(line, " FLOCK ") != NULL &&
		    strstr(line, "->") == NULL && strstr(line, want) != NULL;
	fclose(f);
	return held;
}

void
ks_lockinfo(struct ks *ks, const char *holder, const char *last,
    struct ks_lockinfo *out)
{
	char host[256] = "?";

	memset(out, 0, sizeof(*out));
	if (ks->mirror != NULL) {
		out->held = holder != NULL;
		if (holder != NULL && (out->holder_host = line_host(holder,
		    NULL)) == NULL)
			out->holder_host = xstrdup(holder);
		if (last != NULL)
			out->last_host = line_host(last, &out->last_at);
		return;
	}
	if ((out->held = folder_held(ks)) == 1) {
		(void)gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		out->holder_host = xstrdup(host);
	}
}

void
ks_lockinfo_free(struct ks_lockinfo *li)
{
	free(li->holder_host);
	free(li->last_host);
	memset(li, 0, sizeof(*li));
}
