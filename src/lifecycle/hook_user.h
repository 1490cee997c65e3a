/*
 * hook_user.h - whether hooks may run as the configured hook_user.
 */
#ifndef DKIMKEYS_HOOK_USER_H
#define DKIMKEYS_HOOK_USER_H

struct lc;

/*
 * With hook_user set and run as root: -1 (77) when that user could read
 * the keystore, the configuration folder or the passphrase file.
 */
int lc_hook_user_ok(const struct lc *lc);

#endif
