/*
 * ksmirror.h - a keystore in etcd (keystore = etcd://HOSTS/PREFIX) worked
 * on through a private copy: at open, the lease lock (changing runs) and
 * every object of PREFIX read at one revision into a new folder (0700,
 * under $TMPDIR or /tmp) that the keystore's file code then uses as it
 * uses any keystore folder; at each commit point, the folder's changes
 * since (a state group, its audit entries, new key files) go back to etcd
 * as one transaction fenced by the lock's revision (ksstore.h). A run
 * whose lease lapsed commits nothing more: its push fails with 75. The
 * copy holds only what etcd holds (sealed keys, the state, the audit
 * chain) and is removed at close.
 */
#ifndef DKIMKEYS_KSMIRROR_H
#define DKIMKEYS_KSMIRROR_H

#include <stdbool.h>
#include <stddef.h>

struct ksmirror;

/* The client's TLS files and credentials for the opens that follow
 * (copied; NULLs for none). */
void ksmirror_options(const char *ca, const char *cert, const char *key,
    const char *user, const char *password_file);
/* Whether a configured keystore is in etcd. */
bool ksmirror_is_etcd(const char *keystore);
/*
 * Opens the keystore at url: with lock, takes the lease lock first (75
 * when another run holds it, unless wait). With create, the prefix must
 * hold no keystore (73) and the folder is left to be created: *dir does
 * not exist yet. Else *dir is the copy. *dir belongs to the mirror.
 */
int ksmirror_open(const char *url, bool lock, bool wait, bool create,
    struct ksmirror **out, const char **dir);
/* The copy's changes since the last push into etcd, in one fenced
 * transaction; nothing to push is 0. commit: the push of a commit whose
 * journal holds the pending entries (ksmirror_pending): their keys are
 * deleted in the same transaction, once. */
int ksmirror_push(struct ksmirror *m, bool commit);
/* The copy's file name ("keys/...") was written in place: the next push
 * sends it whatever its size and times (a slot zeroed within the clock's
 * tick of the last write would keep both). */
void ksmirror_changed(struct ksmirror *m, const char *name);
/*
 * Audit entries made without the lock (export; keystore/FORMAT section
 * 12): pend writes one as PREFIX "pending/" name, its journal line in
 * text (73 if that key exists). A run with the lock reads them at open
 * (at the revision of the copy); pending gives each to fn, in key order
 * (name is "pending/...").
 */
int ksmirror_pend(struct ksmirror *m, const char *name, const char *text,
    size_t len);
int ksmirror_pending(struct ksmirror *m,
    int (*fn)(const char *name, const char *text, size_t len, void *arg),
    void *arg);
/* migrate: the objects of ops (replacements) written into url, which
 * must hold no keystore (73), in one transaction under its lock. */
struct ksstore_op;
int ksmirror_create_from(const char *url, const struct ksstore_op *ops,
    size_t n);
/* Who holds the lock now and which run committed last ("HOST pid N at
 * TIME"), each malloc'd or NULL when none. */
int ksmirror_info(struct ksmirror *m, char **holder, char **last);
/* Releases the lock and removes the copy; NULL is nothing. */
void ksmirror_close(struct ksmirror *m);

#endif
