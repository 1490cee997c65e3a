/*
 * kspack.c - pack files: the keys generated together in one file,
 * keys/ID-EPOCH.pack (keystore/FORMAT section 4.1).
 *
 * A worker of rotate seals the keys it makes into its own pack and writes
 * it with one fsync; the state line of each key names the pack and its
 * slot. A key is read from its slot alone, erased by zeroing its slot in
 * place (the pack goes with its last key), and rekey writes each pack
 * again under the new epoch, slot for slot, so that no key line changes.
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
#include "ksmirror.h"
#include "support/fault.h"
#include "support/log.h"

struct ks_pack {
	const struct ks *ks;
	unsigned char id[KS_PACK_ID_LEN];
	unsigned char *ent[KS_PACK_SLOTS_MAX];
	size_t len[KS_PACK_SLOTS_MAX];
	size_t n;
};

/* "DIR/keys/NAME slot N (SELECTOR._domainkey.DOMAIN)", malloc'd. */
static char *
shown_slot(const struct ks *ks, const char *name, const struct ks_key *key)
{
	return xasprintf("%s/keys/%s slot %u (%s._domainkey.%s)", ks->dir,
	    name, (unsigned)key->pack.slot, key->selector, key->domain);
}

struct ks_pack *
ks_pack_new(const struct ks *ks)
{
	struct ks_pack *p = xcalloc(1, sizeof(*p));

	p->ks = ks;
	randombytes_buf(p->id, sizeof(p->id));
	return p;
}

size_t
ks_pack_count(const struct ks_pack *p)
{
	return p->n;
}

int
ks_pack_add(struct ks_pack *p, struct ks_key *meta,
    const struct secret *priv)
{
	char name[KS_KEYNAME_LEN], *shown;
	struct ksf_key k;
	enum ksf_err err;

	if (p->n == KS_PACK_SLOTS_MAX || p->ks->mk == NULL) {
		log_fail(EX_SOFTWARE, "keystore: %s: pack full or keystore "
		    "locked", p->ks->dir);
		return -1;
	}
	meta->pack.in_pack = true;
	meta->pack.slot = (uint16_t)p->n;
	memcpy(meta->pack.id, p->id, KS_PACK_ID_LEN);
	ks_key_identity(meta, p->ks->hdr.epoch, &k);
	if ((err = ksf_key_seal(&k, p->ks->hdr.id, p->ks->mk, priv,
	    &p->ent[p->n], &p->len[p->n])) != KSF_OK) {
		ks_pack_name(p->id, p->ks->hdr.epoch, name);
		shown = shown_slot(p->ks, name, meta);
		log_fail(EX_DATAERR, "keystore: %s: cannot seal: %s", shown,
		    ksf_strerror(err));
		free(shown);
		meta->pack.in_pack = false;
		return -1;
	}
	p->n++;
	return 0;
}

/* Writes n slots (ent, len) as keys/ID-EPOCH.pack: temp file, fsync,
 * rename (the folder not synced). */
static int
pack_put(const struct ks *ks, const unsigned char id[KS_PACK_ID_LEN],
    uint32_t epoch, unsigned char *const *ent, const size_t *len, size_t n)
{
	char name[KS_KEYNAME_LEN], *shown;
	unsigned char *buf = NULL;
	size_t buflen;
	int rc = -1;

	ks_pack_name(id, epoch, name);
	shown = xasprintf("%s/keys/%s", ks->dir, name);
	if (ksf_pack_encode(epoch, (const unsigned char *const *)ent, len, n,
	    &buf, &buflen) != KSF_OK)
		log_fail(EX_SOFTWARE, "keystore: %s: cannot encode", shown);
	else
		rc = ksfile_put(ks->kfd, name, shown, buf, buflen);
	free(buf);
	free(shown);
	return rc;
}

int
ks_pack_write(struct ks_pack *p)
{
	if (p->n == 0)
		return 0;
	if (pack_put(p->ks, p->id, p->ks->hdr.epoch, p->ent, p->len, p->n) ==
	    -1)
		return -1;
	fault_point("pack-written");
	return 0;
}

void
ks_pack_free(struct ks_pack *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->ent[i]);
	free(p);
}

/* Opens keys/NAME (flags), checked, and decodes its slot table. */
static int
pack_open(struct ks *ks, const char *name, const char *shown, uint32_t epoch,
    int flags, struct ksf_pack *t)
{
	unsigned char head[KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX)];
	enum ksf_err err;
	struct stat sb;
	size_t hl;
	int fd;

	if ((fd = ksfile_open(ks->kfd, name, shown, flags)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		log_fail(EX_IOERR, "keystore: %s: %s", shown, strerror(errno));
		goto fail;
	}
	hl = (uint64_t)sb.st_size < sizeof(head) ? (size_t)sb.st_size :
	    sizeof(head);
	if (ksfile_pread(fd, head, hl, 0, shown) == -1)
		goto fail;
	if ((err = ksf_pack_decode(head, hl, (uint64_t)sb.st_size, epoch,
	    t)) != KSF_OK) {
		log_fail(EX_DATAERR, "keystore: %s: %s", shown,
		    ksf_strerror(err));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
ks_pack_read(struct ks *ks, const struct ks_key *key, uint32_t epoch,
    unsigned char **buf, size_t *len, char **shown)
{
	char name[KS_KEYNAME_LEN];
	struct ksf_pack t;
	uint32_t s = key->pack.slot;
	int fd, rc = -1;

	*buf = NULL;
	ks_pack_name(key->pack.id, epoch, name);
	*shown = shown_slot(ks, name, key);
	if ((fd = pack_open(ks, name, *shown, epoch, O_RDONLY, &t)) == -1)
		return -1;
	if (s >= t.n) {
		log_fail(EX_DATAERR, "keystore: %s: no such slot (the pack "
		    "has %lu)", *shown, (unsigned long)t.n);
		goto out;
	}
	*len = t.off[s + 1] - t.off[s];
	*buf = xmalloc(*len + 1);
	if (ksfile_pread(fd, *buf, *len, t.off[s], *shown) == -1)
		goto out;
	rc = ksf_erased(*buf, *len) ? 1 : 0;
out:
	if (rc == -1) {
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return rc;
}

/* Tells the etcd mirror that keys/name changed in place. */
static void
mark_changed(struct ks *ks, const char *name)
{
	char *full = xasprintf("keys/%s", name);

	ksmirror_changed(ks->mirror, full);
	free(full);
}

/* Whether a slot other than skip of the pack in buf holds a key. */
static bool
pack_live(const unsigned char *buf, const struct ksf_pack *t, uint32_t skip)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		if (i != skip && !ksf_erased(buf + t->off[i],
		    t->off[i + 1] - t->off[i]))
			return true;
	return false;
}

int
ks_pack_erase(struct ks *ks, const struct ks_key *key)
{
	char name[KS_KEYNAME_LEN], *shown;
	unsigned char *buf = NULL, *zero = NULL;
	uint32_t s = key->pack.slot;
	struct ksf_pack t;
	enum ksf_err err;
	size_t len;
	int fd = -1, rc = -1;

	ks_pack_name(key->pack.id, ks->hdr.epoch, name);
	shown = shown_slot(ks, name, key);
	/* erasing again is no error: the pack may be gone with its last
	 * key already */
	if (faccessat(ks->kfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT) {
		rc = 0;
		goto out;
	}
	if (ksfile_read(ks->kfd, name, shown, KSF_PACK_MAX, &buf, &len) == -1)
		goto out;
	if ((err = ksf_pack_decode(buf, len, len, ks->hdr.epoch, &t)) !=
	    KSF_OK) {
		log_fail(EX_DATAERR, "keystore: %s: %s", shown,
		    ksf_strerror(err));
		goto out;
	}
	if (s >= t.n) {
		log_fail(EX_DATAERR, "keystore: %s: no such slot (the pack "
		    "has %lu)", shown, (unsigned long)t.n);
		goto out;
	}
	if (!pack_live(buf, &t, s)) {
		/* the last key of the pack: the pack goes */
		if (unlinkat(ks->kfd, name, 0) == -1 && errno != ENOENT) {
			log_fail(EX_IOERR, "keystore: %s: cannot remove: %s",
			    shown, strerror(errno));
			goto out;
		}
		rc = ksfile_sync_dir(ks->kfd, ks_at(ks, "keys"));
		goto out;
	}
	len = t.off[s + 1] - t.off[s];
	if (ksf_erased(buf + t.off[s], len)) {
		rc = 0;
		goto out;
	}
	zero = xcalloc(1, len);
	if ((fd = ksfile_open(ks->kfd, name, shown, O_WRONLY)) != -1)
		rc = ksfile_pwrite_sync(fd, zero, len, t.off[s], shown);
	if (rc == 0 && ks->mirror != NULL)
		mark_changed(ks, name);
out:
	if (fd != -1)
		close(fd);
	free(buf);
	free(zero);
	free(shown);
	return rc;
}

/*
 * Whether key is withdrawn and its pack gone: the pack went with its last
 * key, and a crash came before the commit marking that key destroyed (a
 * warning says it is skipped).
 */
static bool
erased_with_pack(struct ks *ks, const struct ks_key *key)
{
	char name[KS_KEYNAME_LEN], *shown;

	if (key->state != KS_WITHDRAWN)
		return false;
	ks_pack_name(key->pack.id, ks->hdr.epoch, name);
	if (faccessat(ks->kfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		return false;
	shown = shown_slot(ks, name, key);
	log_warn("keystore: %s: already erased; skipped", shown);
	free(shown);
	return true;
}

static int
by_pack(const void *a, const void *b)
{
	const struct ks_key *x = *(struct ks_key *const *)a;
	const struct ks_key *y = *(struct ks_key *const *)b;
	int c = memcmp(x->pack.id, y->pack.id, KS_PACK_ID_LEN);

	return c != 0 ? c : (int)x->pack.slot - (int)y->pack.slot;
}

/*
 * The keys k[0..n) of one pack (by slot) sealed again under mk at epoch
 * into a new pack of the same id and slots: a slot whose key is gone
 * stays empty.
 */
static int
reseal_pack(struct ks *ks, struct ks_key *const *k, size_t n,
    const struct secret *mk, uint32_t epoch)
{
	unsigned char *ent[KS_PACK_SLOTS_MAX] = { NULL }, *buf;
	size_t len[KS_PACK_SLOTS_MAX] = { 0 }, slots = 0, blen, i;
	struct secret *priv;
	struct ksf_key id;
	uint16_t s;
	char *shown;
	int r, rc = -1;

	for (i = 0; i < n; i++) {
		if (erased_with_pack(ks, k[i]))
			continue;
		if ((r = ks_pack_read(ks, k[i], ks->hdr.epoch, &buf, &blen,
		    &shown)) == 1 && k[i]->state == KS_WITHDRAWN) {
			/* a crash between erase and the commit marking it
			 * destroyed */
			log_warn("keystore: %s: already erased; skipped",
			    shown);
			r = 2;
		} else if (r == 1)
			log_fail(EX_DATAERR, "keystore: %s: erased", shown);
		if (r == 0) {
			ks_key_identity(k[i], ks->hdr.epoch, &id);
			r = ks_key_opened(ks, buf, blen, &id, ks->mk, shown,
			    &priv);
		}
		if (buf != NULL)
			free(buf);
		free(shown);
		if (r == 2)
			continue;
		if (r != 0)
			goto out;
		ks_key_identity(k[i], epoch, &id);
		s = k[i]->pack.slot;
		r = ksf_key_seal(&id, ks->hdr.id, mk, priv, &ent[s], &len[s]);
		secret_free(priv);
		if (r != KSF_OK) {
			log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: "
			    "cannot seal: %s", k[i]->selector, k[i]->domain,
			    ksf_strerror((enum ksf_err)r));
			goto out;
		}
		slots = (size_t)s + 1;
	}
	rc = slots == 0 ? 0 : pack_put(ks, k[0]->pack.id, epoch, ent, len,
	    slots);
out:
	for (i = 0; i < KS_PACK_SLOTS_MAX; i++)
		free(ent[i]);
	return rc;
}

int
ks_pack_reseal(struct ks *ks, const struct secret *mk, uint32_t epoch)
{
	struct ks_key **k = xcalloc(ks->st.nkeys + 1, sizeof(*k));
	size_t i, j, n = 0;
	int rc = 0;

	for (i = 0; i < ks->st.nkeys; i++)
		if (ks->st.keys[i]->pack.in_pack &&
		    ks->st.keys[i]->state != KS_DESTROYED)
			k[n++] = ks->st.keys[i];
	qsort(k, n, sizeof(*k), by_pack);
	for (i = 0; i < n && rc == 0; i = j) {
		for (j = i + 1; j < n && memcmp(k[j]->pack.id, k[i]->pack.id,
		    KS_PACK_ID_LEN) == 0; j++)
			;
		rc = reseal_pack(ks, k + i, j - i, mk, epoch);
	}
	free(k);
	return rc;
}
