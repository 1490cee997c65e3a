/*
 * kskeys.c - the keystore's key files: add, decrypt, erase; passwd and
 * rekey (which re-seal them under a new master key epoch).
 *
 * keys/FPRHEX-EPOCH.key holds one key sealed under MK (ksformat.c); a key
 * generated in bulk is a slot of a pack instead (kspack.c), which this
 * file hands it to. Only files of the header's epoch are read. The order
 * of writes is keystore/FORMAT section 7.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "kscore_int.h"
#include "ksfile.h"
#include "kskeys.h"
#include "ksrecords.h"
#include "support/log.h"

/* "DIR/keys/NAME (SELECTOR._domainkey.DOMAIN)", for messages. */
static const char *
at_key(struct ks *ks, const char *name, const struct ks_key *key)
{
	snprintf(ks->shown, sizeof(ks->shown), "%s/keys/%s (%s._domainkey.%s)",
	    ks->dir, name, key->selector, key->domain);
	return ks->shown;
}

static void
key_file_name(const unsigned char fpr[KS_FPR_LEN], uint32_t epoch,
    char out[KS_KEYNAME_LEN])
{
	char hex[2 * KS_FPR_LEN + 1];

	util_hex(fpr, KS_FPR_LEN, hex);
	snprintf(out, KS_KEYNAME_LEN, "%s-%lu.key", hex, (unsigned long)epoch);
}

/* Seals priv into keys/NAME under mk (the folder is not synced); shown
 * names the file in messages. Changes nothing in ks. */
static int
seal_into(const struct ks *ks, const struct ks_key *key,
    const struct secret *mk, uint32_t epoch, const struct secret *priv,
    const char *name, const char *shown)
{
	unsigned char *buf = NULL;
	struct ksf_key k;
	enum ksf_err err;
	size_t len;
	int rc = -1;

	ks_key_identity(key, epoch, &k);
	if ((err = ksf_key_seal(&k, ks->hdr.id, mk, priv, &buf, &len)) !=
	    KSF_OK) {
		log_fail(EX_DATAERR, "keystore: %s: cannot seal: %s", shown,
		    ksf_strerror(err));
		goto out;
	}
	rc = ksfile_put(ks->kfd, name, shown, buf, len);
out:
	free(buf);
	return rc;
}

/* Seals priv into keys/FPR-EPOCH.key under mk (the folder is not synced). */
static int
seal_key(struct ks *ks, const struct ks_key *key, const struct secret *mk,
    uint32_t epoch, const struct secret *priv)
{
	char name[KS_KEYNAME_LEN];

	key_file_name(key->fpr, epoch, name);
	return seal_into(ks, key, mk, epoch, priv, name,
	    at_key(ks, name, key));
}

/* Opens key (its own file or its pack's slot) at epoch under mk. */
static int
open_key(struct ks *ks, const struct ks_key *key, const struct secret *mk,
    uint32_t epoch, struct secret **out)
{
	char name[KS_KEYNAME_LEN], *shown = NULL;
	unsigned char *buf = NULL;
	struct ksf_key k;
	size_t len;
	int rc = -1, r;

	if (key->pack.in_pack) {
		if ((r = ks_pack_read(ks, key, epoch, &buf, &len, &shown)) ==
		    1)
			log_fail(EX_DATAERR, "keystore: %s: erased", shown);
		if (r != 0)
			goto out;
	} else {
		key_file_name(key->fpr, epoch, name);
		shown = xstrdup(at_key(ks, name, key));
		if (ksfile_read(ks->kfd, name, shown, KSF_KEYFILE_MAX, &buf,
		    &len) == -1)
			goto out;
	}
	ks_key_identity(key, epoch, &k);
	rc = ks_key_opened(ks, buf, len, &k, mk, shown, out);
out:
	free(buf);
	free(shown);
	return rc;
}

/* Refuses (65) a key ks_add cannot store. */
static int
add_check(struct ks *ks, const struct ks_key *meta)
{
	char name[KS_KEYNAME_LEN];
	const char *why;
	size_t i;

	if ((why = ksstate_key_invalid(meta)) != NULL) {
		log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: cannot "
		    "store: %s", meta->selector ? meta->selector : "?",
		    meta->domain ? meta->domain : "?", why);
		return -1;
	}
	if (ks_name_taken(ks, meta->domain, meta->selector)) {
		log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: name already "
		    "used (selectors are never reused, even after destroy)",
		    meta->selector, meta->domain);
		return -1;
	}
	/* a file by that name is either a leftover of a crashed run, which
	 * is replaced, or the same key stored under another name */
	key_file_name(meta->fpr, ks->hdr.epoch, name);
	if (faccessat(ks->kfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	for (i = 0; i < ks->st.nkeys; i++)
		if (ks->st.keys[i]->state != KS_DESTROYED &&
		    memcmp(ks->st.keys[i]->fpr, meta->fpr, KS_FPR_LEN) == 0) {
			log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: same "
			    "key as %s._domainkey.%s", meta->selector,
			    meta->domain, ks->st.keys[i]->selector,
			    ks->st.keys[i]->domain);
			return -1;
		}
	return 0;
}

struct ks_key *
ks_add(struct ks *ks, const struct ks_key *meta, const struct secret *priv)
{
	if (ks_need_write(ks, true) == -1 || add_check(ks, meta) == -1 ||
	    seal_key(ks, meta, ks->mk, ks->hdr.epoch, priv) == -1 ||
	    ksfile_sync_dir(ks->kfd, ks_at(ks, "keys")) == -1)
		return NULL;
	return ksstate_append(&ks->st, meta);
}

int
ks_put_private(const struct ks *ks, const struct ks_key *meta,
    const struct secret *priv)
{
	char name[KS_KEYNAME_LEN], *shown;
	int rc = -1;

	key_file_name(meta->fpr, ks->hdr.epoch, name);
	shown = xasprintf("%s/keys/%s (%s._domainkey.%s)", ks->dir, name,
	    meta->selector, meta->domain);
	if (ks->mk == NULL)
		log_fail(EX_SOFTWARE, "keystore: %s: used before ks_unlock",
		    shown);
	else
		rc = seal_into(ks, meta, ks->mk, ks->hdr.epoch, priv, name,
		    shown);
	free(shown);
	return rc;
}

int
ks_sync_keys(struct ks *ks)
{
	if (ks_need_write(ks, false) == -1)
		return -1;
	return ksfile_sync_dir(ks->kfd, ks_at(ks, "keys"));
}

struct ks_key *
ks_add_stored(struct ks *ks, const struct ks_key *meta)
{
	char name[KS_KEYNAME_LEN];
	struct ks_key *k = NULL;
	const char *why;

	if (ks_need_write(ks, true) == -1)
		return NULL;
	key_file_name(meta->fpr, ks->hdr.epoch, name);
	if ((why = ksstate_key_invalid(meta)) != NULL)
		log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: cannot "
		    "store: %s", meta->selector, meta->domain, why);
	else if (ks_name_taken(ks, meta->domain, meta->selector))
		log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: name already "
		    "used (selectors are never reused, even after destroy)",
		    meta->selector, meta->domain);
	else
		k = ksstate_append(&ks->st, meta);
	if (k != NULL)
		return k;
	if (meta->pack.in_pack)
		ks_pack_erase(ks, meta);
	else if (unlinkat(ks->kfd, name, 0) == -1 && errno != ENOENT)
		log_warn("keystore: %s: cannot remove: %s",
		    at_key(ks, name, meta), strerror(errno));
	return NULL;
}

int
ks_private(struct ks *ks, const struct ks_key *key, struct secret **out)
{
	*out = NULL;
	if (ks->mk == NULL) {
		log_fail(EX_SOFTWARE, "keystore: %s: used before ks_unlock",
		    ks->dir);
		return -1;
	}
	if (key->state == KS_DESTROYED) {
		log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: private key "
		    "destroyed", key->selector, key->domain);
		return -1;
	}
	return open_key(ks, key, ks->mk, ks->hdr.epoch, out);
}

struct prune {
	const char *fprhex; /* the files of this key, any epoch */
	uint32_t keep;      /* else the files of other epochs, and temps */
};

static bool
prunable(const char *name, const void *arg)
{
	const struct prune *p = arg;
	unsigned long epoch;

	if (p->fprhex != NULL)
		return strncmp(name, p->fprhex, 2 * KS_FPR_LEN) == 0;
	return ksfile_is_temp(name) ||
	    (ks_key_file_epoch(name, &epoch) && epoch != p->keep);
}

int
ks_erase_private(struct ks *ks, const struct ks_key *key)
{
	char hex[2 * KS_FPR_LEN + 1];
	struct prune p = { hex, 0 };

	if (ks_need_write(ks, false) == -1)
		return -1;
	if (key->pack.in_pack)
		return ks_pack_erase(ks, key);
	util_hex(key->fpr, KS_FPR_LEN, hex);
	return ksfile_prune(ks->kfd, ks_at(ks, "keys"), prunable, &p);
}

/* Writes every live key again under mk at epoch (a packed key in its
 * pack's new file), then syncs keys/. */
static int
reseal_all(struct ks *ks, const struct secret *mk, uint32_t epoch)
{
	char name[KS_KEYNAME_LEN];
	struct secret *priv;
	struct ks_key *key;
	size_t i;
	int rc;

	for (i = 0; i < ks->st.nkeys; i++) {
		key = ks->st.keys[i];
		if (key->state == KS_DESTROYED || key->pack.in_pack)
			continue;
		/* a crash between erase and the commit marking it destroyed */
		key_file_name(key->fpr, ks->hdr.epoch, name);
		if (key->state == KS_WITHDRAWN &&
		    faccessat(ks->kfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == -1 &&
		    errno == ENOENT) {
			log_warn("keystore: %s: already erased; skipped",
			    at_key(ks, name, key));
			continue;
		}
		if (open_key(ks, key, ks->mk, ks->hdr.epoch, &priv) == -1)
			return -1;
		rc = seal_key(ks, key, mk, epoch, priv);
		secret_free(priv);
		if (rc == -1)
			return -1;
	}
	if (ks_pack_reseal(ks, mk, epoch) == -1)
		return -1;
	return ksfile_sync_dir(ks->kfd, ks_at(ks, "keys"));
}

int
ks_passwd(struct ks *ks, const struct secret *newpass, bool rekey)
{
	unsigned char hbuf[KSF_HEADER_LEN];
	struct ksf_header h = ks->hdr;
	struct prune old = { NULL, ks->hdr.epoch }, new = { NULL, 0 };
	struct secret *mk = NULL;
	int rc = -1;

	if (ks_need_write(ks, true) == -1)
		return -1;
	randombytes_buf(h.salt, sizeof(h.salt));
	if (rekey) {
		if (h.epoch == UINT32_MAX || (mk = secret_new(KSF_MK_LEN,
		    KSF_MK_LEN)) == NULL)
			goto out;
		randombytes_buf(mk->data, mk->len);
		h.epoch++;
		/* leftovers of an interrupted rekey first: they would be
		 * replaced anyway, but nothing must outlive the commit */
		if (ksfile_prune(ks->kfd, ks_at(ks, "keys"), prunable, &old) ==
		    -1 || reseal_all(ks, mk, h.epoch) == -1)
			goto out;
	}
	/* the commit point: one atomic replacement of the header */
	if (ks_seal_header(ks, &h, newpass, rekey ? mk : ks->mk, hbuf) == -1 ||
	    ksfile_replace(ks->dfd, "header", ks_at(ks, "header"), hbuf,
	    sizeof(hbuf)) == -1)
		goto out;
	ks->hdr = h;
	if (rekey) {
		secret_free(ks->mk);
		ks->mk = mk;
		mk = NULL;
		new.keep = h.epoch;
		if (ksfile_prune(ks->kfd, ks_at(ks, "keys"), prunable,
		    &new) == -1)
			goto out;
	}
	rc = 0;
out:
	secret_free(mk);
	return rc;
}
