/*
 * ksstore.h - where a keystore's objects live: a folder (the files of
 * keystore/FORMAT section 1, through ksfile.c) or etcd (section 12), behind
 * one set of calls: read an object whole, list a folder's objects, and
 * commit a batch of changes (replace, append, remove).
 *
 * Objects are named as the files are: "header", "state", "state.log",
 * "audit.log", "audit.head", "keys/FPRHEX-EPOCH.key". A batch is applied
 * in order, each change durable before the next, in a folder; in etcd,
 * all of it in one transaction fenced by the lock's revision (kslease.h),
 * so that a state group and its audit entries are committed together or
 * not at all, and never by a run whose lease lapsed.
 *
 * Every function logs once and returns -1 on failure.
 */
#ifndef DKIMKEYS_KSSTORE_H
#define DKIMKEYS_KSSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksetcd.h"
#include "kslease.h"

enum ksstore_opk { KSSTORE_REPLACE, KSSTORE_APPEND, KSSTORE_REMOVE };

struct ksstore_op {
	enum ksstore_opk kind;
	const char *name;
	const void *data; /* REPLACE, APPEND */
	size_t len;
};

struct ksstore;

/* The keystore folder dfd and its keys/ folder kfd (borrowed: the caller
 * closes them after ksstore_close), shown as dir in messages. */
struct ksstore *ksstore_dir(int dfd, int kfd, const char *dir);
/* The keystore at prefix in etcd through c (borrowed); lock NULL for a
 * read-only handle (a commit is then refused, 70). Reads are pinned to one
 * revision of the store (the first read's, then each commit's), so a run
 * sees one consistent keystore. */
struct ksstore *ksstore_etcd(struct ksetcd *c, struct kslease *lock,
    const char *prefix);
void ksstore_close(struct ksstore *s);

/* The object name whole (malloc'd, NUL-terminated, not counted): 1, or 0
 * when there is no such object (nothing logged); more than max octets is
 * 65. */
int ksstore_read(struct ksstore *s, const char *name, size_t max,
    unsigned char **buf, size_t *len);
/* The names of the objects in folder ("keys"), sorted, without the
 * folder; malloc'd. */
int ksstore_list(struct ksstore *s, const char *folder, char ***names,
    size_t *n);
/* The same for the objects at the top whose names begin with begins
 * ("audit-": the audit log's sealed segments); in etcd one range over
 * just those keys. */
int ksstore_list_top(struct ksstore *s, const char *begins, char ***names,
    size_t *n);
void ksstore_names_free(char **names, size_t n);
/* Every object of folder with its content, in name order, to fn (which
 * returns 0, or -1 to stop): in etcd one request for the whole folder. */
int ksstore_read_folder(struct ksstore *s, const char *folder,
    int (*fn)(const char *name, const unsigned char *p, size_t len,
    void *arg), void *arg);
/* Applies the batch (see above). */
int ksstore_commit(struct ksstore *s, const struct ksstore_op *ops, size_t n);
/* etcd only: object name (at most 1 MiB) as one part, put in a
 * transaction of its own whose only compare is that the part does not
 * exist yet (73 if it does): no lock, so a read-only run may write it
 * (a pending audit entry, keystore/FORMAT section 12). */
int ksstore_create(struct ksstore *s, const char *name, const void *data,
    size_t len);

#endif
