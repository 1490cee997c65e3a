/*
 * kstest.h - the fixture and helpers shared by the keystore's suites
 * (check_keystore.c, check_ksjournal.c, check_ksbackup.c).
 *
 * Every test starts from a fresh keystore made with the interactive KDF
 * (each derivation still costs a fraction of a second). Private keys are
 * random bytes: the keystore treats them as opaque.
 */
#ifndef DKIMKEYS_KSTEST_H
#define DKIMKEYS_KSTEST_H

#include <sys/wait.h>

#include <sodium.h>

#include "testutil.h"
#include "keystore/keystore.h"
#include "keystore/ksstate.h"
#include "secret/secret.h"
#include "support/dkim.h"
#include "support/log.h"

#define NOW 1764400000 /* 2025-11-29T07:06:40Z */

static char *tmp, *store, *logpath;
static char vendor_name[] = "mailgun", domain_name[] = "mg.example.com";
static struct secret *pass1, *pass2;

/* "STORE/name", malloc'd. */
static inline char *
path(const char *name)
{
	return xasprintf("%s/%s", store, name);
}

static inline void
setup(void)
{
	ck_assert_int_eq(secret_setup(), 0);
	tmp = tu_tmpdir();
	store = xasprintf("%s/store", tmp);
	logpath = xasprintf("%s/log", tmp);
	ck_assert_int_eq(log_open(logpath), 0);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr)); /* quiet */
	pass1 = secret_from("first passphrase", 16);
	pass2 = secret_from("second passphrase", 17);
	ck_assert_int_eq(ks_create(store, KS_KDF_INTERACTIVE, pass1, NOW,
	    false), 0);
	log_status_reset();
}

static inline void
teardown(void)
{
	log_close();
	tu_rmtree(tmp);
	secret_free(pass1);
	secret_free(pass2);
}

/* Whether the log file holds needle. */
static inline bool
logged(const char *needle)
{
	char *text = tu_slurp(logpath, NULL);
	bool found = strstr(text, needle) != NULL;

	if (!found)
		printf("log lacks \"%s\":\n%s", needle, text);
	free(text);
	return found;
}

/* How many times needle occurs in the file name of the store. */
static inline size_t
occurrences(const char *name, const char *needle)
{
	char *p = path(name), *text = tu_slurp(p, NULL), *s;
	size_t n = 0;

	for (s = text; (s = strstr(s, needle)) != NULL; s += strlen(needle))
		n++;
	free(text);
	free(p);
	return n;
}

static inline struct ks *
open_unlocked(const struct secret *pass)
{
	struct ks *ks = NULL;

	ck_assert_int_eq(ks_open(store, KS_LOCK, &ks), 0);
	ck_assert_int_eq(ks_unlock(ks, pass), 0);
	return ks;
}

/*
 * Metadata of an Ed25519-shaped key with a random public key. (The char *
 * fields of struct ks_key are never written through; the casts only let
 * string literals in.)
 */
static inline void
make_meta(struct ks_key *meta, const char *sel)
{
	/* pub points at one of a ring of buffers: the last 16 metas made
	 * keep theirs */
	static unsigned char pubs[16][32];
	static unsigned next;

	memset(meta, 0, sizeof(*meta));
	meta->pub = pubs[next++ % 16];
	meta->vendor = vendor_name;
	meta->domain = domain_name;
	meta->selector = (char *)(uintptr_t)sel;
	meta->alg = DK_ALG_ED25519;
	meta->bits = 256;
	meta->publen = 32;
	randombytes_buf(meta->pub, 32);
	crypto_hash_sha256(meta->fpr, meta->pub, 32);
	meta->state = KS_PENDING;
	meta->created = NOW;
}

/* Adds such a key whose private bytes are random (len of them). */
static inline struct ks_key *
add_key(struct ks *ks, const char *sel, size_t len, struct secret **priv)
{
	struct ks_key meta, *key;

	make_meta(&meta, sel);
	*priv = secret_new(len, len);
	randombytes_buf((*priv)->data, len);
	key = ks_add(ks, &meta, *priv);
	ck_assert_ptr_nonnull(key);
	return key;
}

static const char *const packsel[3] = { "p0", "p1", "p2" };

/*
 * Keys p0, p1, p2 sealed into one pack (64 random private octets each),
 * written, synced, added and committed, as rotate does; k and p get the
 * stored keys and their private octets. Returns the open handle.
 */
static inline struct ks *
three_packed(struct ks_key *k[3], struct secret *p[3])
{
	struct ks *ks = open_unlocked(pass1);
	struct ks_pack *pack = ks_pack_new(ks);
	struct ks_key meta[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		make_meta(&meta[i], packsel[i]);
		p[i] = secret_new(64, 64);
		randombytes_buf(p[i]->data, 64);
		ck_assert_int_eq(ks_pack_add(pack, &meta[i], p[i]), 0);
		ck_assert(meta[i].pack.in_pack);
		ck_assert_uint_eq(meta[i].pack.slot, i);
	}
	ck_assert_uint_eq(ks_pack_count(pack), 3);
	ck_assert_int_eq(ks_pack_write(pack), 0);
	ks_pack_free(pack);
	ck_assert_int_eq(ks_sync_keys(ks), 0);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(ks_add_stored(ks, &meta[i]));
	ck_assert_int_eq(ks_commit(ks, NOW), 0);
	for (i = 0; i < 3; i++) {
		k[i] = ks_find(ks, domain_name, packsel[i]);
		ck_assert_ptr_nonnull(k[i]);
		ck_assert(k[i]->pack.in_pack);
		ck_assert_uint_eq(k[i]->pack.slot, i);
		ck_assert_mem_eq(k[i]->pack.id, meta[0].pack.id,
		    KS_PACK_ID_LEN);
	}
	ck_assert_int_eq(log_status(), 0);
	return ks;
}

static inline void
free_three(struct secret *p[3])
{
	size_t i;

	for (i = 0; i < 3; i++)
		secret_free(p[i]);
}

/* Runs fn in a child and returns its exit status. */
static inline int
in_child(int (*fn)(void))
{
	pid_t pid;
	int st;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The audit log's lines, split in place (at most max). */
static inline size_t
split_lines(char *text, char **line, size_t max)
{
	size_t n = 0;
	char *nl;

	while (n < max && (nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		line[n++] = text;
		text = nl + 1;
	}
	return n;
}

/* The "id" of an audit line, which must come right after its seq. */
static inline void
entry_id(const char *line, char out[33])
{
	const char *p = strchr(line, ',');

	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strncmp(p, ",\"id\":\"", 7) == 0, "no id: %s", line);
	ck_assert_uint_eq(strspn(p + 7, "0123456789abcdef"), 32);
	ck_assert_int_eq(p[39], '"');
	memcpy(out, p + 7, 32);
	out[32] = '\0';
}

static inline void
sha256_hex(const char *s, size_t len, char out[65])
{
	unsigned char h[32];

	crypto_hash_sha256(h, (const unsigned char *)s, len);
	util_hex(h, sizeof(h), out);
}

/* The state as a run reads it: the checkpoint state, then state.log. */
static inline void
read_whole_state(struct ksstate *st)
{
	char *p = path("state"), *l = path("state.log"), *text, *log;
	char err[300], seed[65];
	unsigned long groups;
	size_t len, llen, good;

	text = tu_slurp(p, &len);
	ck_assert_msg(ksstate_decode(text, len, st, err, sizeof(err)) == 0,
	    "%s", err);
	memcpy(seed, text + len - 65, 64);
	seed[64] = '\0';
	log = tu_slurp(l, &llen);
	ck_assert_msg(ksstate_log_decode(st, log, llen, seed, &good, &groups,
	    err, sizeof(err)) == 0, "%s", err);
	free(log);
	free(text);
	free(l);
	free(p);
}

/* Writes st as the checkpoint, with an empty state.log after it. */
static inline void
write_whole_state(const struct ksstate *st)
{
	struct buf b = { NULL, 0, 0 }, h = { NULL, 0, 0 };
	char *p = path("state"), *l = path("state.log"), err[300], seed[65];

	ck_assert_msg(ksstate_encode(st, &b, err, sizeof(err)) == 0, "%s",
	    err);
	memcpy(seed, b.data + b.len - 65, 64);
	seed[64] = '\0';
	ksstate_log_header(&h, seed);
	tu_spit(p, b.data, b.len, 0600);
	tu_spit(l, h.data, h.len, 0600);
	buf_free(&b);
	buf_free(&h);
	free(p);
	free(l);
}

#endif
