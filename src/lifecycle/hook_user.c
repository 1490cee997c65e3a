/*
 * hook_user.c - hook_user (SPEC section 6): hooks may run as an unprivileged
 * user only if that user cannot read the keystore, the configuration
 * folder or the passphrase file.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook_user.h"
#include "lifecycle.h"
#include "support/log.h"

#define MAX_GROUPS 256

/* Whether uid (in gids) may read path by its owner and mode bits. */
static bool
readable_by(const char *path, uid_t uid, const gid_t *gids, int ngids)
{
	struct stat st;
	int i;

	if (stat(path, &st) == -1)
		return false;
	if (st.st_uid == uid)
		return (st.st_mode & S_IRUSR) != 0;
	for (i = 0; i < ngids; i++)
		if (st.st_gid == gids[i])
			return (st.st_mode & S_IRGRP) != 0;
	return (st.st_mode & S_IROTH) != 0;
}

int
lc_hook_user_ok(const struct lc *lc)
{
	const char *paths[3];
	gid_t gids[MAX_GROUPS];
	struct passwd *pw;
	int ngids = MAX_GROUPS;
	size_t i;

	if (lc->cfg->hook_user == NULL || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(lc->cfg->hook_user)) == NULL) {
		log_fail(EX_NOPERM, "hook_user %s: no such user",
		    lc->cfg->hook_user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_fail(EX_NOPERM, "hook_user %s: is root; hooks would run "
		    "with every privilege", lc->cfg->hook_user);
		return -1;
	}
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &ngids) == -1)
		ngids = 0;
	paths[0] = lc->cfg->keystore;
	paths[1] = lc->cfg->dir;
	paths[2] = lc->cfg->passphrase_file;
	for (i = 0; i < 3; i++) {
		if (paths[i] == NULL ||
		    !readable_by(paths[i], pw->pw_uid, gids, ngids))
			continue;
		log_fail(EX_NOPERM, "hook_user %s can read %s; make it "
		    "unreadable to that user (chmod o-r, or another group)",
		    lc->cfg->hook_user, paths[i]);
		return -1;
	}
	return 0;
}
