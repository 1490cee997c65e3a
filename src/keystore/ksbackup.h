/*
 * ksbackup.h - `backup`: the keystore's files as stored, in a POSIX ustar
 * archive (keystore/FORMAT section 9).
 */
#ifndef DKIMKEYS_KSBACKUP_H
#define DKIMKEYS_KSBACKUP_H

#include "kstypes.h"

/*
 * backup: a consistent snapshot, taken under the lock, of every file as
 * stored (no passphrase needed), written as a POSIX ustar archive to path,
 * created 0600 with O_EXCL (73 if it exists), durable when it returns.
 */
int ks_backup(struct ks *ks, const char *path);

#endif
