/*
 * kscore_int.h - the open keystore's fields and the helpers of kscore.c:
 * what the keystore's files share; not for other folders.
 *
 * keystore.c: open, lock, create, unlock (the driver, on top)
 * ksrecords.c: the records kept in the state
 * kskeys.c: key files: add, decrypt, erase; passwd and rekey
 * kspack.c: pack files, many keys in one file (for kskeys.c)
 * ksjournal.c: event ids, the journal, commit, audit entries
 * ksbackup.c: the ustar snapshot
 * Below them: kscore.c (this header), ksformat.c (header and key file
 * bytes), ksstate.c and ksstate_text.c (the state), ksaudit.c (audit
 * log), ksfile.c (files), ksnames.c (enum names); kstypes.h the records.
 */
#ifndef DKIMKEYS_KSCORE_INT_H
#define DKIMKEYS_KSCORE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "ksaudit.h"
#include "ksformat.h"
#include "ksstate.h"
#include "kstypes.h"
#include "secret/secret.h"

#define KS_KEYNAME_LEN (2 * KS_FPR_LEN + 16) /* HEX-EPOCH.key */
#define KS_SHOWN_LEN (PATH_MAX + 600)

struct ks {
	char *dir;  /* as messages name it: the folder or etcd://HOSTS/PREFIX */
	char *path; /* the folder (for etcd, the run's private copy) */
	int dfd, kfd, lockfd; /* lockfd: -1 unless opened with KS_LOCK */
	struct ksf_header hdr;
	struct ksstate st;
	struct secret *mk; /* NULL until ks_unlock */
	char *audit_path;
	struct ksaudit_head head; /* after this run's last entry */
	int logfd;          /* state.log for appends (with the lock), or -1 */
	uint64_t ckpt_len;  /* octets of state (the checkpoint) */
	uint64_t log_len;   /* octets of state.log (its valid part) */
	unsigned long groups; /* commit groups in state.log */
	bool fold;          /* the next commit is a checkpoint (with the lock:
			       an upgrade, no usable state.log, or one grown
			       past a quarter of the state) */
	bool torn;          /* state.log ends with a torn group to cut */
	unsigned long commits; /* commit points passed through this handle */
	bool audited;
	struct ksmirror *mirror; /* keystore = etcd://: dir is its copy */
	char shown[KS_SHOWN_LEN]; /* the last name formatted for a message */
};

/* "DIR/name", for messages (valid until the next call). */
const char *ks_at(struct ks *ks, const char *name);
/* Refuses (70) a change through a handle without the lock (or, with
 * need_mk, not unlocked). */
int ks_need_write(struct ks *ks, bool need_mk);
/* Logs a failed derivation or unsealing (KSF_NOMEM was logged already). */
void ks_crypto_failed(struct ks *ks, enum ksf_err err);
/* Derives a KEK from pass and seals mk into h, then encodes it. */
int ks_seal_header(struct ks *ks, struct ksf_header *h,
    const struct secret *pass, const struct secret *mk,
    unsigned char out[KSF_HEADER_LEN]);
/* "HEX-EPOCH.key" or "ID-EPOCH.pack": whether name is a key or pack
 * file, with its epoch. */
bool ks_key_file_epoch(const char *name, unsigned long *epoch);
/* A key's identity at epoch, as its key file states it. */
void ks_key_identity(const struct ks_key *key, uint32_t epoch,
    struct ksf_key *k);

/* Opens the key file octets buf as key k under mk (the failure logged
 * naming shown: 65). */
int ks_key_opened(struct ks *ks, const unsigned char *buf, size_t len,
    const struct ksf_key *k, const struct secret *mk, const char *shown,
    struct secret **out);

/* "ID-EPOCH.pack", a pack file's name. */
void ks_pack_name(const unsigned char id[KS_PACK_ID_LEN], uint32_t epoch,
    char out[KS_KEYNAME_LEN]);

/* kspack.c */
/* The octets of a packed key's slot at epoch (malloc'd) and the slot's
 * name for messages (malloc'd, also on failure): 0, or 1 when the slot
 * is erased; -1 after logging (65 for a damaged or missing pack). */
int ks_pack_read(struct ks *ks, const struct ks_key *key, uint32_t epoch,
    unsigned char **buf, size_t *len, char **shown);
/* Erases a packed key: its slot zeroed in place and synced, or the pack
 * removed (and keys/ synced) when no other slot holds a key. Erasing
 * again is no error. */
int ks_pack_erase(struct ks *ks, const struct ks_key *key);
/* rekey: every pack that holds a live key written again under mk at
 * epoch, same id and slots (the folder not synced). */
int ks_pack_reseal(struct ks *ks, const struct secret *mk, uint32_t epoch);

#endif
