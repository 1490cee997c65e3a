/*
 * keystore_int.h - what the keystore's files share; not for other modules.
 *
 * keystore.c: open, lock, create, unlock; the records kept in the state
 * kskeys.c: key files: add, decrypt, erase; passwd and rekey
 * ksjournal.c: event ids, the journal, commit, audit entries
 * ksbackup.c: the ustar snapshot
 * Below them: ksformat.c (header and key file bytes), ksstate.c and
 * ksstate_text.c (the state), ksaudit.c (audit log), ksfile.c (files).
 */
#ifndef DKIMKEYS_KEYSTORE_INT_H
#define DKIMKEYS_KEYSTORE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "keystore.h"
#include "ksaudit.h"
#include "ksformat.h"
#include "ksstate.h"

#define KS_KEYNAME_LEN (2 * KS_FPR_LEN + 16) /* HEX-EPOCH.key */
#define KS_SHOWN_LEN (PATH_MAX + 600)

struct ks {
	char *dir;
	int dfd, kfd, lockfd; /* lockfd: -1 unless opened with KS_LOCK */
	struct ksf_header hdr;
	struct ksstate st;
	struct secret *mk; /* NULL until ks_unlock */
	char *audit_path;
	struct ksaudit_head head; /* after this run's last entry */
	bool audited;
	char shown[KS_SHOWN_LEN]; /* the last name formatted for a message */
};

/* "DIR/name", for messages (valid until the next call). */
const char *ks_at(struct ks *ks, const char *name);
/* Refuses (70) a change through a handle without the lock (or, with
 * need_mk, not unlocked). */
int ks_need_write(struct ks *ks, bool need_mk);
/* Derives a KEK from pass and seals mk into h, then encodes it. */
int ks_seal_header(struct ks *ks, struct ksf_header *h,
    const struct secret *pass, const struct secret *mk,
    unsigned char out[KSF_HEADER_LEN]);
/* "HEX-EPOCH.key": whether name is a key file, with its epoch. */
bool ks_key_file_epoch(const char *name, unsigned long *epoch);
/* Appends a journal found in the state at open (a crash between a
 * commit's rename and its audit append), then forgets it. */
int ks_journal_complete(struct ks *ks);

#endif
