/*
 * keystore.c - the encrypted keystore: folder, lock, header, state, and
 * the records the state keeps (keys, vendors, observations).
 *
 * The byte formats are ksformat.c (header, key files) and ksstate*.c
 * (state text, with ks_state_name/ks_state_parse; ks_kdf_parse is in
 * ksformat.c); checked file access is ksfile.c and the audit log
 * ksaudit.c. This file and kskeys.c, ksjournal.c and ksbackup.c hold the
 * protocol: what is written in which order, so that a run killed at any
 * instant leaves a keystore the next run can use (keystore_int.h).
 *
 * Keys, vendors and observations never move: pointers to them stay valid
 * for the life of the handle, whatever is added later.
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

#include "keystore_int.h"
#include "ksfile.h"
#include "support/log.h"

#define STATE_MAX ((size_t)1 << 29)

const char *
ks_at(struct ks *ks, const char *name)
{
	snprintf(ks->shown, sizeof(ks->shown), "%s/%s", ks->dir, name);
	return ks->shown;
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

int
ks_need_write(struct ks *ks, bool need_mk)
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
		    ks_at(ks, "header"));
	else if (err == KSF_KDFFAIL)
		log_fail(EX_IOERR, "keystore: %s: %s", ks->dir,
		    ksf_strerror(err));
	else if (err != KSF_NOMEM)
		log_fail(EX_SOFTWARE, "keystore: %s: %s", ks->dir,
		    ksf_strerror(err));
}

int
ks_seal_header(struct ks *ks, struct ksf_header *h, const struct secret *pass,
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

	if (ksfile_read(ks->dfd, "header", ks_at(ks, "header"), 4096, &buf,
	    &len) == -1)
		return -1;
	err = ksf_header_decode(buf, len, &ks->hdr);
	free(buf);
	if (err != KSF_OK) {
		log_fail(EX_DATAERR, "keystore: %s: %s", ks_at(ks, "header"),
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

	if (ksfile_read(ks->dfd, "state", ks_at(ks, "state"), STATE_MAX, &buf,
	    &len) == -1)
		return -1;
	rc = ksstate_decode((char *)buf, len, &ks->st, err, sizeof(err));
	free(buf);
	if (rc != 0)
		log_fail(EX_DATAERR, "keystore: %s: %s%s", ks_at(ks, "state"),
		    rc == -1 ? "damaged: " : "", err);
	return rc == 0 ? 0 : -1;
}

/* The lock: 75 at once when another run holds it, unless wait. */
static int
take_lock(struct ks *ks, bool wait)
{
	int e;

	ks->lockfd = ksfile_open(ks->dfd, "lock", ks_at(ks, "lock"), O_RDONLY);
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
	    (ks->kfd = ksfile_open_dir(ks->dfd, "keys",
	    ks_at(ks, "keys"))) == -1)
		return -1;
	if ((fd = ksfile_open(ks->dfd, "audit.log", ks_at(ks, "audit.log"),
	    O_RDONLY)) == -1)
		return -1;
	close(fd);
	if ((fd = ksfile_open(ks->dfd, "audit.head", ks_at(ks, "audit.head"),
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
	/* a commit interrupted between its rename and its audit append */
	if ((flags & KS_LOCK) && ks->st.njournal > 0 &&
	    ks_journal_complete(ks) == -1)
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
		    ks_at(ks, "keys"), strerror(errno));
		return -1;
	}
	ks->kfd = ksfile_open_dir(ks->dfd, "keys", ks_at(ks, "keys"));
	if (ks->kfd == -1)
		return -1;
	ks->st.now = now;
	if (ksstate_encode(&ks->st, &b, err, sizeof(err)) == -1) {
		log_fail(EX_SOFTWARE, "keystore: %s: %s", ks_at(ks, "state"),
		    err);
		goto out;
	}
	if (ksfile_put(ks->dfd, "state", ks_at(ks, "state"), b.data,
	    b.len) == -1 ||
	    ksfile_put(ks->dfd, "lock", ks_at(ks, "lock"), "", 0) == -1 ||
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
	if (ks_seal_header(ks, &ks->hdr, pass, mk, hbuf) == -1)
		goto out;
	if (make_folder(dir) == -1 ||
	    (ks->dfd = ksfile_open_dir(AT_FDCWD, dir, dir)) == -1 ||
	    write_body(ks, now) == -1 ||
	    ksfile_replace(ks->dfd, "header", ks_at(ks, "header"), hbuf,
	    sizeof(hbuf)) == -1 ||
	    ksfile_sync_dir(ks->kfd, ks_at(ks, "keys")) == -1 ||
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

struct ks_key *const *
ks_keys(struct ks *ks, size_t *n)
{
	*n = ks->st.nkeys;
	return ks->st.keys;
}

struct ks_key *
ks_find(struct ks *ks, const char *domain, const char *selector)
{
	size_t i = ksstate_find(&ks->st, domain, selector);

	return i == KSSTATE_NONE ? NULL : ks->st.keys[i];
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


void
ks_set_error(struct ks *ks, struct ks_key *key, const char *text,
    int64_t now)
{
	(void)ks;
	ksstate_text_set(&key->error, text, KSSTATE_TEXT_MAX);
	key->error_at = key->error != NULL ? now : 0;
}

void
ks_set_vendor_error(struct ks *ks, struct ks_vendor *v, const char *text,
    int64_t now)
{
	(void)ks;
	ksstate_text_set(&v->error, text, KSSTATE_TEXT_MAX);
	v->error_at = v->error != NULL ? now : 0;
}

void
ks_set_reason(struct ks *ks, struct ks_key *key, const char *text)
{
	(void)ks;
	ksstate_text_set(&key->reason, text, KSSTATE_TEXT_MAX);
}

/* A name the state could not store is a caller's bug (70), refused here
 * rather than at the next commit. */
struct ks_vendor *
ks_vendor(struct ks *ks, const char *name, bool create)
{
	struct ks_vendor *v = ksstate_vendor(&ks->st, name, false);

	if (v != NULL || !create)
		return v;
	if (name == NULL || !ksstate_valid_vendor(name)) {
		log_fail(EX_SOFTWARE, "keystore: vendor \"%.80s\": invalid "
		    "name", name != NULL ? name : "");
		return NULL;
	}
	return ksstate_vendor(&ks->st, name, true);
}

struct ks_observation *
ks_observation(struct ks *ks, const char *vendor, const char *selector,
    bool create)
{
	struct ks_observation *o;

	o = ksstate_observation(&ks->st, vendor, selector, false);
	if (o != NULL || !create)
		return o;
	if (vendor == NULL || !ksstate_valid_vendor(vendor) ||
	    selector == NULL || !util_valid_selector(selector) ||
	    strlen(selector) > 255) {
		log_fail(EX_SOFTWARE, "keystore: observation \"%.80s\" "
		    "\"%.80s\": invalid name", vendor != NULL ? vendor : "",
		    selector != NULL ? selector : "");
		return NULL;
	}
	return ksstate_observation(&ks->st, vendor, selector, true);
}

struct ks_observation *const *
ks_observations(struct ks *ks, size_t *n)
{
	*n = ks->st.nobs;
	return ks->st.obs;
}

void
ks_set_target(struct ks *ks, struct ks_observation *o, const char *target)
{
	(void)ks;
	ksstate_text_set(&o->target, target, KSSTATE_TARGET_MAX);
}
