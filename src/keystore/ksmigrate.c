/*
 * ksmigrate.c - migrate (ksmigrate.h): the objects of an open keystore as
 * one batch of replacements (ksstore.h), committed into a new folder or,
 * through ksmirror.c, into an etcd prefix; then the copy opened and
 * checked like any keystore.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksaudit_seg.h"
#include "kscore_int.h"
#include "ksfile.h"
#include "ksjournal.h"
#include "kskeys.h"
#include "ksmigrate.h"
#include "ksmirror.h"
#include "ksrecords.h"
#include "ksstore.h"
#include "support/log.h"
#include "support/util.h"

#define OBJ_MAX ((size_t)1 << 30)

struct batch {
	struct ksstore_op *ops;
	unsigned char **bufs;
	char **names;
	size_t n;
};

static void
batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->bufs[i]);
		free(b->names[i]);
	}
	free(b->ops);
	free(b->bufs);
	free(b->names);
}

static int
add(struct batch *b, struct ksstore *src, const char *name)
{
	unsigned char *buf;
	size_t len;
	int r = ksstore_read(src, name, OBJ_MAX, &buf, &len);

	if (r != 1)
		return r;
	b->ops = xrealloc(b->ops, (b->n + 1) * sizeof(*b->ops));
	b->bufs = xrealloc(b->bufs, (b->n + 1) * sizeof(*b->bufs));
	b->names = xrealloc(b->names, (b->n + 1) * sizeof(*b->names));
	b->names[b->n] = xstrdup(name);
	b->bufs[b->n] = buf;
	b->ops[b->n] = (struct ksstore_op){ KSSTORE_REPLACE, b->names[b->n],
		buf, len };
	b->n++;
	return 0;
}

/* Every object of the open keystore (the lock file aside), the audit
 * log's sealed segments too, oldest first; not a roll's leftover link to
 * audit.log itself (the next roll removes it). */
static int
gather(struct ks *ks, struct batch *b)
{
	static const char *const top[] = { "header", "state", "state.log",
		"audit.log", "audit.head" };
	struct ksstore *src = ksstore_dir(ks->dfd, ks->kfd, ks->dir);
	char left[KSAUDIT_SEG_NAME_LEN], **segs = NULL, **keys = NULL;
	size_t nk = 0;
	int rc = -1;

	for (size_t i = 0; i < ARRAY_LEN(top); i++)
		if (add(b, src, top[i]) == -1)
			goto out;
	if ((segs = ksaudit_segments(ks->dfd, ks->dir, left)) == NULL)
		goto out;
	for (char **p = segs; *p != NULL; p++)
		if (add(b, src, *p) == -1)
			goto out;
	if (ksstore_list(src, "keys", &keys, &nk) == -1)
		goto out;
	for (size_t i = 0; i < nk; i++) {
		char *name = xasprintf("keys/%s", keys[i]);
		int r = add(b, src, name);

		free(name);
		if (r == -1)
			goto out;
	}
	rc = 0;
out:
	ksaudit_segments_free(segs);
	ksstore_names_free(keys, nk);
	ksstore_close(src);
	return rc;
}

static int
to_folder(const char *to, const struct batch *b)
{
	struct ksstore *dst = NULL;
	char *keys = xasprintf("%s/keys", to);
	int dfd = -1, kfd = -1, rc = -1;

	if (mkdir(to, 0700) == -1) {
		log_fail(EX_CANTCREAT, "migrate: %s: cannot create: %s", to,
		    errno == EEXIST ? "already exists" : strerror(errno));
		goto out;
	}
	if (mkdir(keys, 0700) == -1) {
		log_fail(EX_CANTCREAT, "migrate: %s: %s", keys,
		    strerror(errno));
		goto out;
	}
	if ((dfd = ksfile_open_dir(AT_FDCWD, to, to)) == -1 ||
	    (kfd = ksfile_open_dir(dfd, "keys", keys)) == -1)
		goto out;
	dst = ksstore_dir(dfd, kfd, to);
	if (ksstore_commit(dst, b->ops, b->n) == -1 ||
	    ksfile_put(dfd, "lock", "lock", "", 0) == -1 ||
	    ksfile_sync_dir(kfd, keys) == -1 ||
	    ksfile_sync_dir(dfd, to) == -1 || ksfile_sync_parent(to) == -1)
		goto out;
	rc = 0;
out:
	ksstore_close(dst);
	if (kfd != -1)
		close(kfd);
	if (dfd != -1)
		close(dfd);
	free(keys);
	return rc;
}

int
ks_copy(struct ks *ks, const char *to)
{
	struct batch b = { NULL, NULL, NULL, 0 };
	int rc = -1;

	if (ks_need_write(ks, false) == -1 || ks_commit_pending(ks) == -1 ||
	    gather(ks, &b) == -1)
		goto out;
	rc = ksmirror_is_etcd(to) ? ksmirror_create_from(to, b.ops, b.n) :
	    to_folder(to, &b);
out:
	batch_free(&b);
	return rc;
}

int
ks_check_copy(const char *to, const struct secret *pass, unsigned long *keys,
    unsigned long *entries)
{
	struct ks_key *const *all;
	struct ks *ks = NULL;
	size_t n;
	int rc = -1;

	*keys = *entries = 0;
	if (ks_open(to, 0, &ks) == -1 || ks_audit_verify(ks, entries) == -1 ||
	    ks_unlock(ks, pass) == -1)
		goto out;
	all = ks_keys(ks, &n);
	for (size_t i = 0; i < n; i++) {
		struct secret *priv = NULL;

		if (all[i]->state == KS_DESTROYED)
			continue;
		if (ks_private(ks, all[i], &priv) == -1)
			goto out;
		secret_free(priv);
		(*keys)++;
	}
	rc = 0;
out:
	ks_close(ks);
	return rc;
}
