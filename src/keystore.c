/*
 * keystore.c - the encrypted keystore: folder, lock, header, state, keys.
 *
 * The byte formats are ksformat.c (header, key files) and ksstate.c (state
 * text, with ks_state_name/ks_state_parse; ks_kdf_parse is in ksformat.c);
 * checked file access is ksfile.c and the audit log ksaudit.c. This file
 * holds the protocol: what is written in which order, so that a run killed
 * at any instant leaves a keystore the next run can use.
 *
 * Pointers returned by ks_keys(), ks_find() and ks_add() stay valid until
 * the next ks_add() (the key array may move).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "ksaudit.h"
#include "ksfile.h"
#include "ksformat.h"
#include "ksstate.h"
#include "log.h"

#define STATE_MAX ((size_t)1 << 29)
#define KEYNAME_LEN (2 * KS_FPR_LEN + 16) /* HEX-EPOCH.key */
#define SHOWN_LEN (PATH_MAX + 600)

struct ks {
	char *dir;
	int dfd, kfd, lockfd;
	struct ksf_header hdr;
	struct ksstate st;
	struct secret *mk; /* NULL until ks_unlock */
	char *audit_path;
	struct ksaudit_head head; /* after this run's last entry */
	bool audited;
	char shown[SHOWN_LEN]; /* the last name formatted for a message */
};

/* "DIR/name", for messages. */
static const char *
at(struct ks *ks, const char *name)
{
	snprintf(ks->shown, sizeof(ks->shown), "%s/%s", ks->dir, name);
	return ks->shown;
}

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
    char out[KEYNAME_LEN])
{
	char hex[2 * KS_FPR_LEN + 1];

	util_hex(fpr, KS_FPR_LEN, hex);
	snprintf(out, KEYNAME_LEN, "%s-%lu.key", hex, (unsigned long)epoch);
}

static struct ks *
ks_new(const char *dir)
{
	struct ks *ks = xcalloc(1, sizeof(*ks));

	ks->dir = xstrdup(dir);
	ks->dfd = ks->kfd = ks->lockfd = -1;
	ks->audit_path = xasprintf("%s/audit.log", dir);
	return ks;
}

void
ks_close(struct ks *ks)
{
	if (ks == NULL)
		return;
	/* the head goes to the log as a witness outside the keystore */
	if (ks->audited)
		log_info("keystore: audit head %lu sha256:%s", ks->head.seq,
		    ks->head.hash);
	if (ks->lockfd != -1)
		close(ks->lockfd);
	if (ks->kfd != -1)
		close(ks->kfd);
	if (ks->dfd != -1)
		close(ks->dfd);
	ksstate_free(&ks->st);
	secret_free(ks->mk);
	free(ks->audit_path);
	free(ks->dir);
	free(ks);
}

/* Refuses (EX_SOFTWARE) a change through a handle that may not make it. */
static int
need_write(struct ks *ks, bool need_mk)
{
	if (ks->lockfd == -1) {
		log_fail(EX_SOFTWARE, "keystore: %s: changed without the lock",
		    ks->dir);
		return -1;
	}
	if (need_mk && ks->mk == NULL) {
		log_fail(EX_SOFTWARE, "keystore: %s: used before ks_unlock",
		    ks->dir);
		return -1;
	}
	return 0;
}

/* Logs a failed derivation or unsealing (KSF_NOMEM was logged already). */
static void
crypto_failed(struct ks *ks, enum ksf_err err)
{
	if (err == KSF_AUTH)
		log_fail(EX_NOPERM, "keystore: %s: wrong passphrase", ks->dir);
	else if (err == KSF_BADKDF)
		log_fail(EX_DATAERR, "keystore: %s: bad kdf parameters",
		    at(ks, "header"));
	else if (err == KSF_KDFFAIL)
		log_fail(EX_IOERR, "keystore: %s: %s", ks->dir,
		    ksf_strerror(err));
	else if (err != KSF_NOMEM)
		log_fail(EX_SOFTWARE, "keystore: %s: %s", ks->dir,
		    ksf_strerror(err));
}

/* Derives a KEK from pass and seals mk into h, then encodes it. */
static int
seal_header(struct ks *ks, struct ksf_header *h, const struct secret *pass,
    const struct secret *mk, unsigned char out[KSF_HEADER_LEN])
{
	struct secret *kek = NULL;
	enum ksf_err err;

	if ((err = ksf_derive(h, pass, &kek)) == KSF_OK)
		err = ksf_mk_seal(h, kek, mk);
	secret_free(kek);
	if (err != KSF_OK) {
		crypto_failed(ks, err);
		return -1;
	}
	ksf_header_encode(h, out);
	return 0;
}

static int
load_header(struct ks *ks)
{
	unsigned char *buf = NULL;
	enum ksf_err err;
	size_t len;

	if (ksfile_read(ks->dfd, "header", at(ks, "header"), 4096, &buf,
	    &len) == -1)
		return -1;
	err = ksf_header_decode(buf, len, &ks->hdr);
	free(buf);
	if (err != KSF_OK) {
		log_fail(EX_DATAERR, "keystore: %s: %s", at(ks, "header"),
		    ksf_strerror(err));
		return -1;
	}
	return 0;
}

static int
load_state(struct ks *ks)
{
	unsigned char *buf = NULL;
	char err[300];
	size_t len;
	int rc;

	if (ksfile_read(ks->dfd, "state", at(ks, "state"), STATE_MAX, &buf,
	    &len) == -1)
		return -1;
	rc = ksstate_decode((char *)buf, len, &ks->st, err, sizeof(err));
	free(buf);
	if (rc != 0)
		log_fail(EX_DATAERR, "keystore: %s: %s%s", at(ks, "state"),
		    rc == -1 ? "damaged: " : "", err);
	return rc == 0 ? 0 : -1;
}

/* The lock: 75 at once when another run holds it, unless wait. */
static int
take_lock(struct ks *ks, bool wait)
{
	int e;

	ks->lockfd = ksfile_open(ks->dfd, "lock", at(ks, "lock"), O_RDONLY);
	if (ks->lockfd == -1)
		return -1;
	while (flock(ks->lockfd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		e = errno;
		if (e == EINTR && !wait)
			continue;
		if (e == EWOULDBLOCK)
			log_fail(EX_TEMPFAIL, "keystore: %s: locked by another "
			    "run (use --wait to wait)", ks->dir);
		else if (e == EINTR)
			log_fail(EX_TEMPFAIL, "keystore: %s: gave up waiting "
			    "for the lock", ks->dir);
		else
			log_fail(EX_IOERR, "keystore: %s: lock: %s", ks->dir,
			    strerror(e));
		close(ks->lockfd);
		ks->lockfd = -1;
		return -1;
	}
	return 0;
}

/* The folders, and the audit files' modes (read-only runs read them). */
static int
open_folders(struct ks *ks)
{
	struct stat sb;
	int fd;

	if (lstat(ks->dir, &sb) == -1 && errno == ENOENT) {
		log_fail(EX_IOERR, "keystore: %s: not found (create it with "
		    "dkimkeys init)", ks->dir);
		return -1;
	}
	if ((ks->dfd = ksfile_open_dir(AT_FDCWD, ks->dir, ks->dir)) == -1 ||
	    (ks->kfd = ksfile_open_dir(ks->dfd, "keys", at(ks, "keys"))) == -1)
		return -1;
	if ((fd = ksfile_open(ks->dfd, "audit.log", at(ks, "audit.log"),
	    O_RDONLY)) == -1)
		return -1;
	close(fd);
	if ((fd = ksfile_open(ks->dfd, "audit.head", at(ks, "audit.head"),
	    O_RDONLY)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Leftovers of a crash: temp files of what is written under the lock. */
static bool
stale_temp(const char *name, const void *arg)
{
	(void)arg;
	return ksfile_is_temp(name) && (strncmp(name, "state.", 6) == 0 ||
	    strncmp(name, "header.", 7) == 0);
}

int
ks_open(const char *dir, int flags, struct ks **out)
{
	struct ks *ks = ks_new(dir);
	int rc = -1;

	*out = NULL;
	if (open_folders(ks) == -1 || ((flags & KS_LOCK) &&
	    (take_lock(ks, (flags & KS_WAIT) != 0) == -1 ||
	    ksfile_prune(ks->dfd, ks->dir, stale_temp, NULL) == -1)) ||
	    load_header(ks) == -1 || load_state(ks) == -1)
		goto out;
	*out = ks;
	ks = NULL;
	rc = 0;
out:
	ks_close(ks);
	return rc;
}


/* mkdir DIR 0700, or accept an empty folder of ours already there. */
static int
make_folder(const char *dir)
{
	struct stat sb;
	int empty = 0;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == ENOENT) {
		log_fail(EX_CANTCREAT, "keystore: %s: cannot create: its "
		    "parent folder does not exist", dir);
		return -1;
	}
	if (errno != EEXIST) {
		log_fail(EX_CANTCREAT, "keystore: %s: cannot create: %s", dir,
		    strerror(errno));
		return -1;
	}
	/* an empty folder of ours (systemd's StateDirectory=) is used */
	if (lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (empty = ksfile_empty_dir(dir)) == -1)
		return -1;
	if (empty != 1) {
		log_fail(EX_CANTCREAT, "keystore: %s: already exists", dir);
		return -1;
	}
	return 0;
}


/* Everything but the header, which comes last: no header, no keystore. */
static int
write_body(struct ks *ks, int64_t now)
{
	struct buf b = { NULL, 0, 0 };
	char err[300];
	int rc = -1;

	if (mkdirat(ks->dfd, "keys", 0700) == -1) {
		log_fail(EX_CANTCREAT, "keystore: %s: cannot create: %s",
		    at(ks, "keys"), strerror(errno));
		return -1;
	}
	if ((ks->kfd = ksfile_open_dir(ks->dfd, "keys", at(ks, "keys"))) == -1)
		return -1;
	ks->st.now = now;
	if (ksstate_encode(&ks->st, &b, err, sizeof(err)) == -1) {
		log_fail(EX_SOFTWARE, "keystore: %s: %s", at(ks, "state"), err);
		goto out;
	}
	if (ksfile_put(ks->dfd, "state", at(ks, "state"), b.data,
	    b.len) == -1 ||
	    ksfile_put(ks->dfd, "lock", at(ks, "lock"), "", 0) == -1 ||
	    ksaudit_init(ks->dfd, ks->dir) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
ks_create(const char *dir, enum ks_kdf kdf, const struct secret *pass,
    int64_t now)
{
	unsigned char hbuf[KSF_HEADER_LEN];
	struct ks *ks = ks_new(dir);
	struct secret *mk = NULL;
	int rc = -1;

	/* the slow and memory-hungry part first, before anything exists */
	memset(&ks->hdr, 0, sizeof(ks->hdr));
	ks->hdr.kdf = KSF_KDF_ARGON2ID13;
	ksf_kdf_params(kdf, &ks->hdr.opslimit, &ks->hdr.memlimit);
	randombytes_buf(ks->hdr.salt, sizeof(ks->hdr.salt));
	randombytes_buf(ks->hdr.id, sizeof(ks->hdr.id));
	ks->hdr.epoch = 1;
	if ((mk = secret_new(KSF_MK_LEN, KSF_MK_LEN)) == NULL)
		goto out;
	randombytes_buf(mk->data, mk->len);
	if (seal_header(ks, &ks->hdr, pass, mk, hbuf) == -1)
		goto out;
	if (make_folder(dir) == -1 ||
	    (ks->dfd = ksfile_open_dir(AT_FDCWD, dir, dir)) == -1 ||
	    write_body(ks, now) == -1 ||
	    ksfile_replace(ks->dfd, "header", at(ks, "header"), hbuf,
	    sizeof(hbuf)) == -1 ||
	    ksfile_sync_dir(ks->kfd, at(ks, "keys")) == -1 ||
	    ksfile_sync_parent(dir) == -1)
		goto out;
	rc = 0;
out:
	secret_free(mk);
	ks_close(ks);
	return rc;
}

int
ks_unlock(struct ks *ks, const struct secret *pass)
{
	struct secret *kek = NULL;
	enum ksf_err err;

	if (ks->mk != NULL)
		return 0; /* one derivation per run */
	if ((err = ksf_derive(&ks->hdr, pass, &kek)) == KSF_OK)
		err = ksf_mk_open(&ks->hdr, kek, &ks->mk);
	secret_free(kek);
	if (err != KSF_OK) {
		crypto_failed(ks, err);
		return -1;
	}
	return 0;
}

bool
ks_unlocked(const struct ks *ks)
{
	return ks->mk != NULL;
}

struct ks_key *
ks_keys(struct ks *ks, size_t *n)
{
	*n = ks->st.nkeys;
	return ks->st.keys;
}

struct ks_key *
ks_find(struct ks *ks, const char *domain, const char *selector)
{
	size_t i = ksstate_find(&ks->st, domain, selector);

	return i == KSSTATE_NONE ? NULL : &ks->st.keys[i];
}

bool
ks_name_taken(const struct ks *ks, const char *domain, const char *selector)
{
	/* destroyed keys stay in the state: they are the tombstones */
	return ksstate_find(&ks->st, domain, selector) != KSSTATE_NONE;
}

unsigned
ks_counter_next(struct ks *ks, const char *vendor)
{
	return ++ksstate_counter(&ks->st, vendor)->value;
}

int64_t
ks_last_now(const struct ks *ks)
{
	return ks->st.now;
}

static void
key_identity(const struct ks_key *key, uint32_t epoch, struct ksf_key *k)
{
	k->alg = key->alg;
	k->bits = key->bits;
	k->epoch = epoch;
	k->domain = key->domain;
	k->selector = key->selector;
	memcpy(k->fpr, key->fpr, KS_FPR_LEN);
}

/* Seals priv into keys/FPR-EPOCH.key under mk (the folder is not synced). */
static int
seal_key(struct ks *ks, const struct ks_key *key, const struct secret *mk,
    uint32_t epoch, const struct secret *priv)
{
	char name[KEYNAME_LEN];
	unsigned char *buf = NULL;
	struct ksf_key k;
	enum ksf_err err;
	size_t len;
	int rc = -1;

	key_file_name(key->fpr, epoch, name);
	key_identity(key, epoch, &k);
	if ((err = ksf_key_seal(&k, ks->hdr.id, mk, priv, &buf, &len)) !=
	    KSF_OK) {
		log_fail(EX_DATAERR, "keystore: %s: cannot seal: %s",
		    at_key(ks, name, key), ksf_strerror(err));
		goto out;
	}
	rc = ksfile_put(ks->kfd, name, at_key(ks, name, key), buf, len);
out:
	free(buf);
	return rc;
}

/* Opens keys/FPR-EPOCH.key of key under mk. */
static int
open_key(struct ks *ks, const struct ks_key *key, const struct secret *mk,
    uint32_t epoch, struct secret **out)
{
	char name[KEYNAME_LEN];
	unsigned char *buf = NULL;
	struct ksf_key k;
	enum ksf_err err;
	size_t len;

	key_file_name(key->fpr, epoch, name);
	if (ksfile_read(ks->kfd, name, at_key(ks, name, key), KSF_KEYFILE_MAX,
	    &buf, &len) == -1)
		return -1;
	key_identity(key, epoch, &k);
	err = ksf_key_open(buf, len, &k, ks->hdr.id, mk, out);
	free(buf);
	if (err != KSF_OK && err != KSF_NOMEM)
		log_fail(EX_DATAERR, "keystore: %s: %s", at_key(ks, name, key),
		    ksf_strerror(err));
	return err == KSF_OK ? 0 : -1;
}

/* Refuses (65) a key ks_add cannot store. */
static int
add_check(struct ks *ks, const struct ks_key *meta)
{
	char name[KEYNAME_LEN];
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
		if (ks->st.keys[i].state != KS_DESTROYED &&
		    memcmp(ks->st.keys[i].fpr, meta->fpr, KS_FPR_LEN) == 0) {
			log_fail(EX_DATAERR, "keystore: %s._domainkey.%s: same "
			    "key as %s._domainkey.%s", meta->selector,
			    meta->domain, ks->st.keys[i].selector,
			    ks->st.keys[i].domain);
			return -1;
		}
	return 0;
}

struct ks_key *
ks_add(struct ks *ks, const struct ks_key *meta, const struct secret *priv)
{
	if (need_write(ks, true) == -1 || add_check(ks, meta) == -1 ||
	    seal_key(ks, meta, ks->mk, ks->hdr.epoch, priv) == -1 ||
	    ksfile_sync_dir(ks->kfd, at(ks, "keys")) == -1)
		return NULL;
	return ksstate_append(&ks->st, meta);
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

/* "HEX-EPOCH.key": whether name is a key file, with its epoch. */
static bool
key_file_epoch(const char *name, unsigned long *epoch)
{
	char *end;

	if (strspn(name, "0123456789abcdef") != 2 * KS_FPR_LEN ||
	    name[2 * KS_FPR_LEN] != '-' ||
	    name[2 * KS_FPR_LEN + 1] < '0' || name[2 * KS_FPR_LEN + 1] > '9')
		return false;
	*epoch = strtoul(name + 2 * KS_FPR_LEN + 1, &end, 10);
	return strcmp(end, ".key") == 0;
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
	    (key_file_epoch(name, &epoch) && epoch != p->keep);
}

int
ks_erase_private(struct ks *ks, const struct ks_key *key)
{
	char hex[2 * KS_FPR_LEN + 1];
	struct prune p = { hex, 0 };

	if (need_write(ks, false) == -1)
		return -1;
	util_hex(key->fpr, KS_FPR_LEN, hex);
	return ksfile_prune(ks->kfd, at(ks, "keys"), prunable, &p);
}

int
ks_commit(struct ks *ks, int64_t now)
{
	struct buf b = { NULL, 0, 0 };
	int64_t before = ks->st.now;
	char err[300];
	int rc = -1;

	if (need_write(ks, false) == -1)
		return -1;
	ks->st.now = now;
	if (ksstate_encode(&ks->st, &b, err, sizeof(err)) == -1) {
		log_fail(EX_DATAERR, "keystore: %s: cannot store: %s",
		    at(ks, "state"), err);
		goto out;
	}
	if (ksfile_replace(ks->dfd, "state", at(ks, "state"), b.data,
	    b.len) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ks->st.now = before;
	buf_free(&b);
	return rc;
}

/* Writes every live key again under mk at epoch, then syncs keys/. */
static int
reseal_all(struct ks *ks, const struct secret *mk, uint32_t epoch)
{
	char name[KEYNAME_LEN];
	struct secret *priv;
	struct ks_key *key;
	size_t i;
	int rc;

	for (i = 0; i < ks->st.nkeys; i++) {
		key = &ks->st.keys[i];
		if (key->state == KS_DESTROYED)
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
	return ksfile_sync_dir(ks->kfd, at(ks, "keys"));
}

int
ks_passwd(struct ks *ks, const struct secret *newpass, bool rekey)
{
	unsigned char hbuf[KSF_HEADER_LEN];
	struct ksf_header h = ks->hdr;
	struct prune old = { NULL, ks->hdr.epoch }, new = { NULL, 0 };
	struct secret *mk = NULL;
	int rc = -1;

	if (need_write(ks, true) == -1)
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
		if (ksfile_prune(ks->kfd, at(ks, "keys"), prunable, &old) ==
		    -1 || reseal_all(ks, mk, h.epoch) == -1)
			goto out;
	}
	/* the commit point: one atomic replacement of the header */
	if (seal_header(ks, &h, newpass, rekey ? mk : ks->mk, hbuf) == -1 ||
	    ksfile_replace(ks->dfd, "header", at(ks, "header"), hbuf,
	    sizeof(hbuf)) == -1)
		goto out;
	ks->hdr = h;
	if (rekey) {
		secret_free(ks->mk);
		ks->mk = mk;
		mk = NULL;
		new.keep = h.epoch;
		if (ksfile_prune(ks->kfd, at(ks, "keys"), prunable, &new) == -1)
			goto out;
	}
	rc = 0;
out:
	secret_free(mk);
	return rc;
}

int
ks_audit(struct ks *ks, int64_t now, bool simulated, const char *event,
    const struct ks_key *key, const char *extra_json)
{
	if (ksaudit_append(ks->dfd, ks->dir, now, simulated, event, key,
	    extra_json, &ks->head) == -1)
		return -1;
	ks->audited = true;
	return 0;
}

int
ks_audit_verify(struct ks *ks, unsigned long *entries)
{
	return ksaudit_verify(ks->dfd, ks->dir, entries);
}

const char *
ks_audit_path(const struct ks *ks)
{
	return ks->audit_path;
}
