/*
 * hooks_check.h - whether a hook program may be trusted to run.
 */
#ifndef DKIMKEYS_HOOKS_CHECK_H
#define DKIMKEYS_HOOKS_CHECK_H

/*
 * Refuses (77) a hook that is not a regular executable file owned by root
 * or the effective user, not group- or world-writable, in folders that
 * are neither (root-owned sticky folders excepted).
 */
int hooks_check(const char *path);

#endif
