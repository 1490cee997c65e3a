/*
 * passwd.h - `passwd`: the keystore's passphrase (and master key) changed,
 * with its audit entry.
 */
#ifndef DKIMKEYS_PASSWD_H
#define DKIMKEYS_PASSWD_H

#include <stdbool.h>

#include "lifecycle.h"
#include "secret/secret.h"

/* Re-seals the unlocked keystore under newpass (with rekey, every key
 * under a new master key) and audits it as "passwd" or "rekey". Returns
 * 0, or -1 after logging. */
int passwd_change(struct lc *lc, const struct secret *newpass, bool rekey);

#endif
