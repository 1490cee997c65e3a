/*
 * ksformat.h - pure encoders and decoders of the keystore's files.
 *
 * No I/O and no logging here: decoders return KSF_OK or an enum ksf_err,
 * and the caller, who knows the file's name, logs once (ksf_strerror()
 * gives the words). The byte layouts are documented in keystore/FORMAT;
 * every integer is stored little-endian through explicit helpers.
 *
 *   header   magic, version, KDF id and parameters, salt, keystore id,
 *            MK epoch, nonce, sealed MK, BLAKE2b-256 checksum
 *   key file magic, version, the key's plaintext identity, nonce,
 *            ciphertext of the private bytes under MK
 *   pack     magic, version, epoch, a table of slots, each empty, a key
 *            file's octets, or zeros (erased in place)
 *
 * The state file's text codec is ksstate.h.
 */
#ifndef DKIMKEYS_KSFORMAT_H
#define DKIMKEYS_KSFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstypes.h"
#include "secret/secret.h"
#include "support/dkim.h"
#include "support/util.h"

#define KSF_MAGIC_LEN 8
#define KSF_VERSION 1        /* header and key file format version */
#define KSF_KDF_ARGON2ID13 1 /* the only KDF id */
#define KSF_SALT_LEN 16
#define KSF_ID_LEN 16
#define KSF_NONCE_LEN 24
#define KSF_MK_LEN 32
#define KSF_TAG_LEN 16
#define KSF_SUM_LEN 32
#define KSF_FPR_LEN KS_FPR_LEN
#define KSF_HEADER_LEN 164
#define KSF_NAME_MAX 255     /* domain and selector octets (u8 length) */
#define KSF_PRIV_MAX 16384   /* largest private key a key file holds */
#define KSF_KEYFILE_MAX (64 + 2 * KSF_NAME_MAX + KSF_FPR_LEN + \
    KSF_NONCE_LEN + KSF_PRIV_MAX + KSF_TAG_LEN)

enum ksf_err {
	KSF_OK = 0,
	KSF_DAMAGED,   /* bad magic, length, checksum or structure */
	KSF_TRUNCATED, /* ends before its last field */
	KSF_NEWER,     /* a format version this build does not know */
	KSF_BADKDF,    /* KDF id or parameters not one of the three levels */
	KSF_MISMATCH,  /* a key file's plaintext fields name another key */
	KSF_AUTH,      /* authentication failed: wrong key or altered bytes */
	KSF_KDFFAIL,   /* Argon2id could not run (memory) */
	KSF_NOMEM,     /* guarded memory exhausted (secret_new logged it) */
	KSF_INVALID,   /* the caller's input cannot be encoded */
	KSF_ERASED,    /* a pack slot erased (empty or zeros) */
};

/* The words for an error, e.g. "authentication failed". */
const char *ksf_strerror(enum ksf_err err);

/* The exact Argon2id parameters of a level. */
void ksf_kdf_params(enum ks_kdf kdf, uint32_t *ops, uint64_t *mem);
/* The level whose parameters these are exactly; -1 for any other pair. */
int ksf_kdf_level(uint32_t ops, uint64_t mem, enum ks_kdf *out);

struct ksf_header {
	uint16_t kdf; /* KSF_KDF_ARGON2ID13 */
	uint32_t opslimit;
	uint64_t memlimit;
	unsigned char salt[KSF_SALT_LEN];
	unsigned char id[KSF_ID_LEN]; /* keystore id */
	uint32_t epoch;               /* MK epoch, 1 at init */
	unsigned char nonce[KSF_NONCE_LEN];
	unsigned char sealed[KSF_MK_LEN + KSF_TAG_LEN];
};

/* Writes the KSF_HEADER_LEN bytes of h, checksum included. */
void ksf_header_encode(const struct ksf_header *h,
    unsigned char out[KSF_HEADER_LEN]);
/*
 * Decodes a header: KSF_DAMAGED for a wrong length, magic or checksum,
 * then KSF_NEWER, then KSF_BADKDF unless the KDF id and parameters are
 * exactly one of the three levels. Nothing is derived.
 */
enum ksf_err ksf_header_decode(const unsigned char *buf, size_t len,
    struct ksf_header *h);
/* KEK = Argon2id13(pass, salt) at the header's parameters (32 bytes). */
enum ksf_err ksf_derive(const struct ksf_header *h, const struct secret *pass,
    struct secret **kek);
/* Seals mk under kek with a fresh nonce into h (nonce and sealed). */
enum ksf_err ksf_mk_seal(struct ksf_header *h, const struct secret *kek,
    const struct secret *mk);
/* Unseals the master key: KSF_AUTH when kek is wrong. */
enum ksf_err ksf_mk_open(const struct ksf_header *h, const struct secret *kek,
    struct secret **mk);

/* The identity of a key file: its plaintext fields, also bound as AD. */
struct ksf_key {
	enum dk_alg alg;
	unsigned bits;
	uint32_t epoch;
	const char *domain;
	const char *selector;
	unsigned char fpr[KSF_FPR_LEN];
};

/*
 * Seals priv under mk with a fresh random nonce into a malloc'd key file
 * (*out, *outlen). KSF_INVALID for names over 255 octets, a bits value
 * over 65535, or an empty or oversized priv.
 */
enum ksf_err ksf_key_seal(const struct ksf_key *k,
    const unsigned char id[KSF_ID_LEN], const struct secret *mk,
    const struct secret *priv, unsigned char **out, size_t *outlen);
/*
 * Opens a key file that must be the key k: KSF_TRUNCATED or KSF_DAMAGED
 * for a malformed file, KSF_MISMATCH when its plaintext fields are another
 * key's, KSF_AUTH when the ciphertext does not authenticate under mk with
 * k and id as associated data. The plaintext goes straight into *priv.
 */
enum ksf_err ksf_key_open(const unsigned char *buf, size_t len,
    const struct ksf_key *k, const unsigned char id[KSF_ID_LEN],
    const struct secret *mk, struct secret **priv);

/* A pack file keys/ID-EPOCH.pack: keys generated together, each slot a
 * key file's octets as above (keystore/FORMAT section 4.1). */
#define KSF_PACK_FIXED 16 /* magic, version, epoch, slots */
#define KSF_PACK_HEAD_LEN(n) (KSF_PACK_FIXED + 4 * ((size_t)(n) + 1))
#define KSF_PACK_MAX \
    (KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX) + \
    (size_t)KS_PACK_SLOTS_MAX * KSF_KEYFILE_MAX)

struct ksf_pack {
	uint32_t n; /* slots */
	uint32_t off[KS_PACK_SLOTS_MAX + 1]; /* slot i: [off[i], off[i+1]) */
};

/* A malloc'd pack of n slots (1..KS_PACK_SLOTS_MAX), slot i holding the
 * len[i] octets at ent[i] (0: empty). KSF_INVALID for a bad n or an
 * entry over KSF_KEYFILE_MAX. */
enum ksf_err ksf_pack_encode(uint32_t epoch, const unsigned char *const *ent,
    const size_t *len, size_t n, unsigned char **out, size_t *outlen);
/*
 * Decodes the slot table of a pack of size octets from its first headlen
 * octets (at most size; KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX) always
 * suffice): KSF_TRUNCATED when they or the file end before the table's
 * end, KSF_DAMAGED for a bad magic, slot count or table, or octets past
 * the last slot, KSF_NEWER, KSF_MISMATCH for a pack of another epoch.
 * A slot's octets are then checked by ksf_key_open (or ksf_erased).
 */
enum ksf_err ksf_pack_decode(const unsigned char *head, size_t headlen,
    uint64_t size, uint32_t epoch, struct ksf_pack *p);
/* Whether a slot's octets are erased: none, or all zero. */
bool ksf_erased(const unsigned char *buf, size_t len);

#endif
