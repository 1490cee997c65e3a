/*
 * keystore.c - the keystore's driver: open (folder, lock, header, state),
 * create, unlock, close.
 *
 * The byte formats are ksformat.c (header, key files) and ksstate*.c
 * (state text); the enum names are ksnames.c; checked file access is
 * ksfile.c and the audit log ksaudit.c. This file and kskeys.c,
 * ksjournal.c and ksbackup.c hold the protocol: what is written in which
 * order, so that a run killed at any instant leaves a keystore the next
 * run can use. The records the state keeps are ksrecords.c; the helpers
 * they all share are kscore.c, below them (kscore_int.h).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keystore.h"
#include "ksaudit_seg.h"
#include "kscore_int.h"
#include "ksfile.h"
#include "ksjournal.h"
#include "ksmirror.h"
#include "support/log.h"

#define STATE_MAX ((size_t)1 << 29)
#define LOAD_TRIES 5

void
ks_etcd_client(const char *ca, const char *cert, const char *key,
    const char *user, const char *password_file)
{
	ksmirror_options(ca, cert, key, user, password_file);
}

int
ks_cluster_info(struct ks *ks, char **holder, char **last)
{
	*holder = *last = NULL;
	return ks->mirror == NULL ? 0 : ksmirror_info(ks->mirror, holder,
	    last);
}

/* The keystore at folder path, named shown in messages (etcd: the URL,
 * less a final slash, rather than its private copy). */
static struct ks *
ks_new(const char *path, const char *shown)
{
	struct ks *ks = xcalloc(1, sizeof(*ks));
	size_t len = strlen(shown);

	while (path != shown && len > 1 && shown[len - 1] == '/')
		len--;
	ks->dir = xstrndup(shown, len);
	ks->path = xstrdup(path);
	ks->dfd = ks->kfd = ks->lockfd = ks->logfd = -1;
	ks->audit_path = xasprintf("%s/audit.log", path);
	return ks;
}

void
ks_close(struct ks *ks)
{
	if (ks == NULL)
		return;
	if (ks->logfd != -1)
		close(ks->logfd);
	/* the head goes to the log as a witness outside the keystore */
	if (ks->audited)
		log_info("keystore: audit head %lu sha256:%s", ks->head.seq,
		    ks->head.hash);
	/* etcd: what a changing run left outside its commits, then the copy
	 * goes and the lease is revoked */
	if (ks->mirror != NULL && ks->lockfd != -1)
		(void)ksmirror_push(ks->mirror, false);
	ksmirror_close(ks->mirror);
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
	free(ks->path);
	free(ks);
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

/* The binding (SPEC section 7): the state must be this keystore's, and
 * audit.log may be past the head it records only by its journal's
 * entries and by entries made outside commits. Sets ks->head. -2
 * (nothing logged) when it does not hold and this is not the last try. */
static int
check_binding(struct ks *ks, bool last)
{
	static const char *const outside[] = { "export", NULL };
	struct ksaudit_head at;
	char why[200];
	int rc;

	if (ks->st.has_ksid && memcmp(ks->st.ksid, ks->hdr.id,
	    sizeof(ks->hdr.id)) != 0) {
		log_fail(EX_DATAERR, "keystore: %s: belongs to another "
		    "keystore (its keystore id is not the header's); refused",
		    ks_at(ks, "state"));
		return -1;
	}
	at.seq = ks->st.audit_seq;
	memcpy(at.hash, ks->st.audit_hash, sizeof(at.hash));
	rc = ksaudit_bound(ks->dfd, ks->dir, ks->st.has_ksid ? &at : NULL,
	    ks->st.journal, ks->st.njournal, outside, &ks->head, why,
	    sizeof(why));
	if (rc == 1 && !last)
		return -2;
	if (rc == 1)
		log_fail(EX_DATAERR, "keystore: %s: behind the audit log (%s): "
		    "an old or foreign copy put back; refused",
		    ks_at(ks, "state"), why);
	return rc == 0 ? 0 : -1;
}

/* state.log onto the checkpoint read (text len octets, ending with its
 * end line); with the lock, a torn last group is cut off. -2 (nothing
 * logged) for a state.log of another checkpoint, unless last. */
static int
load_log(struct ks *ks, const unsigned char *ckpt, size_t clen, bool locked,
    bool last)
{
	unsigned char *buf = NULL;
	char err[300], seed[KSSTATE_SUM_HEX + 1];
	struct stat sb;
	size_t len, good;
	int rc = -1, r;

	memcpy(seed, ckpt + clen - KSSTATE_SUM_HEX - 1, KSSTATE_SUM_HEX);
	seed[KSSTATE_SUM_HEX] = '\0';
	if (fstatat(ks->dfd, "state.log", &sb, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT) {
		if (ks->st.version >= 3)
			memcpy(ks->st.logsum, seed, sizeof(seed));
		return 0; /* not yet upgraded, or killed during it */
	}
	if (ks->st.version < 3) {
		log_fail(EX_DATAERR, "keystore: %s: version %u beside "
		    "state.log (an old state put back?); refused",
		    ks_at(ks, "state"), ks->st.version);
		return -1;
	}
	if (ksfile_read(ks->dfd, "state.log", ks_at(ks, "state.log"),
	    STATE_MAX, &buf, &len) == -1)
		return -1;
	r = ksstate_log_decode(&ks->st, (char *)buf, len, seed, &good,
	    &ks->groups, err, sizeof(err));
	if (r == -2 && !last) {
		rc = -2;
		goto out;
	}
	if (r < 0) {
		log_fail(EX_DATAERR, "keystore: %s: damaged: %s",
		    ks_at(ks, "state.log"), err);
		goto out;
	}
	ks->log_len = good;
	if (r == 1) {
		/* absorbed by the checkpoint already: the next locked open
		 * starts a new one */
		memcpy(ks->st.logsum, seed, sizeof(seed));
		ks->log_len = 0;
	} else if (good < len && locked) {
		ks->torn = true; /* cut by the first commit */
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int
load_state_once(struct ks *ks, bool locked, bool last)
{
	unsigned char *buf = NULL;
	char err[300];
	size_t len;
	int rc;

	if (ksfile_read(ks->dfd, "state", ks_at(ks, "state"), STATE_MAX, &buf,
	    &len) == -1)
		return -1;
	rc = ksstate_decode((char *)buf, len, &ks->st, err, sizeof(err));
	if (rc != 0) {
		log_fail(EX_DATAERR, "keystore: %s: %s%s", ks_at(ks, "state"),
		    rc == -1 ? "damaged: " : "", err);
		rc = -1;
	}
	ks->ckpt_len = len;
	if (rc == 0)
		rc = load_log(ks, buf, len, locked, last);
	free(buf);
	if (rc == 0)
		rc = check_binding(ks, last);
	if (rc == 0)
		ksstate_mark_stored(&ks->st);
	return rc == 0 || rc == -2 ? rc : -1;
}

/*
 * The state, state.log and the binding. A read-only run reads them while
 * a changing run may commit or compact: what does not fit together is
 * read again a few times before it is refused (a copy put back fails
 * every time).
 */
static int
load_state(struct ks *ks, bool locked)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	int rc, tries = 0;

	while ((rc = load_state_once(ks, locked, tries == LOAD_TRIES - 1)) ==
	    -2) {
		ksstate_free(&ks->st);
		ks->groups = 0;
		ks->log_len = 0;
		tries++;
		nanosleep(&pause, NULL);
	}
	return rc;
}

/* With the lock: the first commit of the run upgrades a state of an
 * older version, starts a missing or absorbed state.log again, and folds
 * one grown past a quarter of the checkpoint (the runs before) into it,
 * by a checkpoint; else state.log is opened for appends. Nothing is
 * written here: a run that commits nothing changes nothing. */
static int
ready_log(struct ks *ks)
{
	if (ks->st.version < KSSTATE_VERSION || ks->log_len == 0) {
		ks->fold = true;
		return 0;
	}
	ks->fold = ks->log_len > ks->ckpt_len / 4;
	ks->logfd = ksfile_open(ks->dfd, "state.log", ks_at(ks, "state.log"),
	    O_RDWR | O_APPEND);
	return ks->logfd == -1 ? -1 : 0;
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

	if (lstat(ks->path, &sb) == -1 && errno == ENOENT) {
		log_fail(EX_IOERR, "keystore: %s: not found (create it with "
		    "dkimkeys init)", ks->dir);
		return -1;
	}
	if ((ks->dfd = ksfile_open_dir(AT_FDCWD, ks->path, ks->dir)) == -1)
		return -1;
	/* a folder with neither is no keystore at all (migrate FROM), not
	 * a damaged one */
	if (fstatat(ks->dfd, "header", &sb, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT && fstatat(ks->dfd, "keys", &sb,
	    AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT) {
		log_fail(EX_IOERR, "keystore: %s: not a keystore (no header, "
		    "no keys folder)", ks->dir);
		return -1;
	}
	if ((ks->kfd = ksfile_open_dir(ks->dfd, "keys",
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

/* One pending entry of etcd into the journal, with its own id and time. */
static int
queue_pending(const char *name, const char *text, size_t len, void *arg)
{
	struct ks *ks = arg;
	struct ksstate_entry e;
	char err[200];

	if (ksstate_entry_decode(text, len, &e, err, sizeof(err)) == -1) {
		log_fail(EX_DATAERR, "keystore: etcd %s: %s", name, err);
		return -1;
	}
	ksstate_journal_add(&ks->st, &e);
	ksstate_entry_free(&e);
	return 0;
}

int
ks_open(const char *dir, int flags, struct ks **out)
{
	struct ksmirror *m = NULL;
	const char *shown = dir;
	struct ks *ks;
	int rc = -1;

	*out = NULL;
	/* an etcd keystore never rolls its audit.log (a roll would send a
	 * whole segment in one transaction); the sealed segments of a folder
	 * migrated there are kept as they are */
	if (ksmirror_is_etcd(dir))
		ksaudit_segment_limit(UINT64_MAX);
	if (ksmirror_is_etcd(dir) && ksmirror_open(dir, flags & KS_LOCK,
	    flags & KS_WAIT, false, &m, &dir) == -1)
		return -1;
	ks = ks_new(dir, shown);
	ks->mirror = m;
	if (open_folders(ks) == -1 || ((flags & KS_LOCK) &&
	    (take_lock(ks, (flags & KS_WAIT) != 0) == -1 ||
	    ksfile_prune(ks->dfd, ks->dir, stale_temp, NULL) == -1)) ||
	    load_header(ks) == -1 ||
	    load_state(ks, (flags & KS_LOCK) != 0) == -1 ||
	    ((flags & KS_LOCK) && ready_log(ks) == -1))
		goto out;
	/* a commit interrupted between its rename and its audit append */
	if ((flags & KS_LOCK) && ks->st.njournal > 0 &&
	    ks_journal_complete(ks) == -1)
		goto out;
	/* etcd: the entries of exports made without the lock, for this
	 * run's first commit (keystore/FORMAT section 12) */
	if ((flags & KS_LOCK) && ksmirror_pending(ks->mirror, queue_pending,
	    ks) == -1)
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
write_body(struct ks *ks, int64_t now, bool simulated)
{
	struct buf b = { NULL, 0, 0 }, h = { NULL, 0, 0 };
	char err[300], seed[KSSTATE_SUM_HEX + 1];
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
	ks->st.simulated_since = simulated ? now : 0;
	ks->st.has_ksid = true;
	memcpy(ks->st.ksid, ks->hdr.id, sizeof(ks->hdr.id));
	if (ksstate_encode(&ks->st, &b, err, sizeof(err)) == -1) {
		log_fail(EX_SOFTWARE, "keystore: %s: %s", ks_at(ks, "state"),
		    err);
		goto out;
	}
	memcpy(seed, b.data + b.len - KSSTATE_SUM_HEX - 1, KSSTATE_SUM_HEX);
	seed[KSSTATE_SUM_HEX] = '\0';
	ksstate_log_header(&h, seed);
	if (ksfile_put(ks->dfd, "state", ks_at(ks, "state"), b.data,
	    b.len) == -1 ||
	    ksfile_put(ks->dfd, "state.log", ks_at(ks, "state.log"), h.data,
	    h.len) == -1 ||
	    ksfile_put(ks->dfd, "lock", ks_at(ks, "lock"), "", 0) == -1 ||
	    ksaudit_init(ks->dfd, ks->dir) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&b);
	buf_free(&h);
	return rc;
}

int
ks_create(const char *dir, enum ks_kdf kdf, const struct secret *pass,
    int64_t now, bool simulated)
{
	unsigned char hbuf[KSF_HEADER_LEN];
	struct secret *mk = NULL;
	struct ksmirror *m = NULL;
	const char *shown = dir;
	struct ks *ks;
	int rc = -1;

	if (ksmirror_is_etcd(dir) && ksmirror_open(dir, true, false, true, &m,
	    &dir) == -1)
		return -1;
	ks = ks_new(dir, shown);
	ks->mirror = m;
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
	    (ks->dfd = ksfile_open_dir(AT_FDCWD, dir, ks->dir)) == -1 ||
	    write_body(ks, now, simulated) == -1 ||
	    ksfile_replace(ks->dfd, "header", ks_at(ks, "header"), hbuf,
	    sizeof(hbuf)) == -1 ||
	    ksfile_sync_dir(ks->kfd, ks_at(ks, "keys")) == -1 ||
	    ksfile_sync_parent(dir) == -1)
		goto out;
	/* etcd: the new keystore in one transaction under the lock */
	if (m != NULL && ksmirror_push(m, false) == -1)
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
		ks_crypto_failed(ks, err);
		return -1;
	}
	return 0;
}

bool
ks_unlocked(const struct ks *ks)
{
	return ks->mk != NULL;
}

