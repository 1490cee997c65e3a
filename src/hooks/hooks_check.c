/*
 * hooks_check.c - whether a hook file may be trusted (SPEC sections 4, 6).
 *
 * A hook runs with dkimkeys' privileges and receives private keys, so
 * whoever can replace it, or a folder above it, owns every key. Both the
 * path as written and the path it resolves to are checked: a symlink in a
 * safe folder may point into an unsafe one, and a safe file may be reached
 * through a folder where someone else can swap the symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks_check.h"
#include "support/log.h"

static int
trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Every folder above path (as written or resolved): 0, or -1 logged. */
static int
check_folders(const char *hook, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	size_t len = strlen(path);

	if (len >= sizeof(dir)) {
		log_fail(EX_NOPERM, "hook: %s: path too long", hook);
		return -1;
	}
	memcpy(dir, path, len + 1);
	while (len > 0) {
		while (len > 0 && dir[len - 1] != '/')
			len--;
		while (len > 1 && dir[len - 1] == '/')
			len--;
		if (len == 0)
			break;
		dir[len] = '\0';
		if (stat(dir, &st) == -1) {
			log_fail(EX_NOPERM, "hook: %s: folder %s: %s", hook,
			    dir, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode) || !trusted_owner(&st)) {
			log_fail(EX_NOPERM, "hook: %s: folder %s is not owned "
			    "by root or uid %u", hook, dir,
			    (unsigned)geteuid());
			return -1;
		}
		if ((st.st_mode & 022) != 0 &&
		    !(st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0)) {
			log_fail(EX_NOPERM, "hook: %s: folder %s is group- or "
			    "world-writable (chmod go-w)", hook, dir);
			return -1;
		}
		if (len == 1)
			break;
	}
	return 0;
}

static int
check_file(const char *hook, const char *real)
{
	struct stat st;

	if (stat(real, &st) == -1) {
		log_fail(EX_NOPERM, "hook: %s: %s", hook, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_fail(EX_NOPERM, "hook: %s: not a regular file", hook);
		return -1;
	}
	if (!trusted_owner(&st)) {
		log_fail(EX_NOPERM, "hook: %s: not owned by root or uid %u",
		    hook, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 022) != 0) {
		log_fail(EX_NOPERM, "hook: %s: group- or world-writable "
		    "(chmod go-w)", hook);
		return -1;
	}
	if ((st.st_mode & 0111) == 0 ||
	    faccessat(AT_FDCWD, real, X_OK, AT_EACCESS) == -1) {
		log_fail(EX_NOPERM, "hook: %s: not executable (chmod +x)",
		    hook);
		return -1;
	}
	return 0;
}

int
hooks_check(const char *path)
{
	char *real = NULL;
	int rc = -1;

	if (path == NULL || path[0] != '/') {
		log_fail(EX_NOPERM, "hook: %s: not an absolute path",
		    path != NULL ? path : "(null)");
		goto done;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		log_fail(EX_NOPERM, "hook: %s: %s", path, strerror(errno));
		goto done;
	}
	if (check_folders(path, path) == -1 || check_file(path, real) == -1 ||
	    check_folders(path, real) == -1)
		goto done;
	rc = 0;
done:
	free(real);
	return rc;
}
