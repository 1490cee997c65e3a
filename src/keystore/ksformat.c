/*
 * ksformat.c - pure encoders and decoders of the keystore's files.
 *
 * The layouts are in keystore/FORMAT. Integers go through the little-endian
 * helpers below, never through a struct image. Sealing uses
 * XChaCha20-Poly1305-IETF; the header checksum is BLAKE2b-256
 * (crypto_generichash); the KEK is Argon2id v1.3 (crypto_pwhash).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ksformat.h"

#define HDR_MAGIC "DKIMKSH" /* with its NUL: 8 octets */
#define KEY_MAGIC "DKIMKSK"
#define PACK_MAGIC "DKIMKSP"
#define MK_AD "dkimkeys/mk/v1"
#define KEY_AD "dkimkeys/key/v1"
#define MK_AD_LEN (sizeof(MK_AD) - 1)
#define KEY_AD_LEN (sizeof(KEY_AD) - 1)

/* Header offsets (keystore/FORMAT). */
enum {
	H_MAGIC = 0,
	H_VERSION = 8,
	H_KDF = 10,
	H_OPS = 12,
	H_MEM = 16,
	H_SALT = 24,
	H_ID = 40,
	H_EPOCH = 56,
	H_NONCE = 60,
	H_SEALED = 84,
	H_SUM = 132,
};

#define KEY_AD_MAX (KEY_AD_LEN + KSF_ID_LEN + 4 + 2 + 2 + 1 + KSF_NAME_MAX + \
    1 + KSF_NAME_MAX + KSF_FPR_LEN)

_Static_assert(H_SUM + KSF_SUM_LEN == KSF_HEADER_LEN, "header length");
_Static_assert(sizeof(HDR_MAGIC) == KSF_MAGIC_LEN, "header magic");
_Static_assert(sizeof(KEY_MAGIC) == KSF_MAGIC_LEN, "key magic");
_Static_assert(sizeof(PACK_MAGIC) == KSF_MAGIC_LEN, "pack magic");
_Static_assert(crypto_pwhash_SALTBYTES == KSF_SALT_LEN, "salt");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == KSF_NONCE_LEN,
    "nonce");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == KSF_TAG_LEN,
    "tag");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == KSF_MK_LEN,
    "key");

static const struct {
	uint32_t ops;
	uint64_t mem;
} kdf_levels[] = {
	[KS_KDF_INTERACTIVE] = { crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE },
	[KS_KDF_MODERATE] = { crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
	    crypto_pwhash_argon2id_MEMLIMIT_MODERATE },
	[KS_KDF_SENSITIVE] = { crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE,
	    crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE },
};

static void
st16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
st32(unsigned char *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

static void
st64(unsigned char *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
ld16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint32_t
ld32(const unsigned char *p)
{
	return ld16(p) | (uint32_t)ld16(p + 2) << 16;
}

static uint64_t
ld64(const unsigned char *p)
{
	return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

const char *
ksf_strerror(enum ksf_err err)
{
	switch (err) {
	case KSF_OK:
		return "ok";
	case KSF_DAMAGED:
		return "damaged";
	case KSF_TRUNCATED:
		return "truncated";
	case KSF_NEWER:
		return "unsupported format version (made by a newer dkimkeys?)";
	case KSF_BADKDF:
		return "bad kdf parameters";
	case KSF_MISMATCH:
		return "belongs to another key";
	case KSF_AUTH:
		return "authentication failed";
	case KSF_KDFFAIL:
		return "key derivation failed (not enough memory?)";
	case KSF_NOMEM:
		return "out of guarded memory";
	case KSF_INVALID:
		return "invalid input";
	case KSF_ERASED:
		return "erased";
	}
	return "unknown error";
}

void
ksf_kdf_params(enum ks_kdf kdf, uint32_t *ops, uint64_t *mem)
{
	if ((size_t)kdf >= ARRAY_LEN(kdf_levels))
		kdf = KS_KDF_MODERATE;
	*ops = kdf_levels[kdf].ops;
	*mem = kdf_levels[kdf].mem;
}

int
ksf_kdf_level(uint32_t ops, uint64_t mem, enum ks_kdf *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(kdf_levels); i++)
		if (kdf_levels[i].ops == ops && kdf_levels[i].mem == mem) {
			if (out != NULL)
				*out = (enum ks_kdf)i;
			return 0;
		}
	return -1;
}

/* The header bytes before the nonce: magic through epoch. */
static void
header_prefix(const struct ksf_header *h, unsigned char out[H_NONCE])
{
	memcpy(out + H_MAGIC, HDR_MAGIC, KSF_MAGIC_LEN);
	st16(out + H_VERSION, KSF_VERSION);
	st16(out + H_KDF, h->kdf);
	st32(out + H_OPS, h->opslimit);
	st64(out + H_MEM, h->memlimit);
	memcpy(out + H_SALT, h->salt, KSF_SALT_LEN);
	memcpy(out + H_ID, h->id, KSF_ID_LEN);
	st32(out + H_EPOCH, h->epoch);
}

void
ksf_header_encode(const struct ksf_header *h, unsigned char out[KSF_HEADER_LEN])
{
	header_prefix(h, out);
	memcpy(out + H_NONCE, h->nonce, KSF_NONCE_LEN);
	memcpy(out + H_SEALED, h->sealed, sizeof(h->sealed));
	crypto_generichash(out + H_SUM, KSF_SUM_LEN, out, H_SUM, NULL, 0);
}

enum ksf_err
ksf_header_decode(const unsigned char *buf, size_t len, struct ksf_header *h)
{
	unsigned char sum[KSF_SUM_LEN];

	if (len != KSF_HEADER_LEN || memcmp(buf, HDR_MAGIC, KSF_MAGIC_LEN) != 0)
		return KSF_DAMAGED;
	crypto_generichash(sum, sizeof(sum), buf, H_SUM, NULL, 0);
	if (sodium_memcmp(sum, buf + H_SUM, KSF_SUM_LEN) != 0)
		return KSF_DAMAGED;
	if (ld16(buf + H_VERSION) != KSF_VERSION)
		return KSF_NEWER;
	memset(h, 0, sizeof(*h));
	h->kdf = ld16(buf + H_KDF);
	h->opslimit = ld32(buf + H_OPS);
	h->memlimit = ld64(buf + H_MEM);
	memcpy(h->salt, buf + H_SALT, KSF_SALT_LEN);
	memcpy(h->id, buf + H_ID, KSF_ID_LEN);
	h->epoch = ld32(buf + H_EPOCH);
	memcpy(h->nonce, buf + H_NONCE, KSF_NONCE_LEN);
	memcpy(h->sealed, buf + H_SEALED, sizeof(h->sealed));
	if (h->kdf != KSF_KDF_ARGON2ID13 ||
	    ksf_kdf_level(h->opslimit, h->memlimit, NULL) == -1)
		return KSF_BADKDF;
	return KSF_OK;
}

enum ksf_err
ksf_derive(const struct ksf_header *h, const struct secret *pass,
    struct secret **kek)
{
	struct secret *k;

	*kek = NULL;
	/* Checked again here so that no caller can derive with loose or
	 * hostile parameters (a 4 TiB memlimit, a day of passes). */
	if (h->kdf != KSF_KDF_ARGON2ID13 ||
	    ksf_kdf_level(h->opslimit, h->memlimit, NULL) == -1)
		return KSF_BADKDF;
	if (pass == NULL || pass->len == 0)
		return KSF_INVALID;
	if ((k = secret_new(KSF_MK_LEN, KSF_MK_LEN)) == NULL)
		return KSF_NOMEM;
	if (crypto_pwhash(k->data, KSF_MK_LEN, (const char *)pass->data,
	    pass->len, h->salt, h->opslimit, (size_t)h->memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		secret_free(k);
		return KSF_KDFFAIL;
	}
	*kek = k;
	return KSF_OK;
}

/* "dkimkeys/mk/v1" and the header bytes before the nonce. */
static size_t
mk_ad(const struct ksf_header *h, unsigned char out[MK_AD_LEN + H_NONCE])
{
	memcpy(out, MK_AD, MK_AD_LEN);
	header_prefix(h, out + MK_AD_LEN);
	return MK_AD_LEN + H_NONCE;
}

enum ksf_err
ksf_mk_seal(struct ksf_header *h, const struct secret *kek,
    const struct secret *mk)
{
	unsigned char ad[MK_AD_LEN + H_NONCE];
	unsigned long long clen;
	size_t adlen;

	if (kek->len != KSF_MK_LEN || mk->len != KSF_MK_LEN)
		return KSF_INVALID;
	randombytes_buf(h->nonce, sizeof(h->nonce));
	adlen = mk_ad(h, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(h->sealed, &clen, mk->data,
	    mk->len, ad, adlen, NULL, h->nonce, kek->data);
	return KSF_OK;
}

enum ksf_err
ksf_mk_open(const struct ksf_header *h, const struct secret *kek,
    struct secret **mk)
{
	unsigned char ad[MK_AD_LEN + H_NONCE];
	unsigned long long mlen;
	struct secret *m;
	size_t adlen;

	*mk = NULL;
	if (kek->len != KSF_MK_LEN)
		return KSF_INVALID;
	if ((m = secret_new(KSF_MK_LEN, KSF_MK_LEN)) == NULL)
		return KSF_NOMEM;
	adlen = mk_ad(h, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m->data, &mlen, NULL,
	    h->sealed, sizeof(h->sealed), ad, adlen, h->nonce,
	    kek->data) != 0 || mlen != KSF_MK_LEN) {
		secret_free(m);
		return KSF_AUTH;
	}
	*mk = m;
	return KSF_OK;
}

static bool
key_encodable(const struct ksf_key *k)
{
	size_t dl, sl;

	if (k->domain == NULL || k->selector == NULL)
		return false;
	dl = strlen(k->domain);
	sl = strlen(k->selector);
	return dl > 0 && dl <= KSF_NAME_MAX && sl > 0 && sl <= KSF_NAME_MAX &&
	    k->bits <= UINT16_MAX && (unsigned)k->alg <= UINT16_MAX;
}

/* The key file's associated data (SPEC section 7); k is encodable. */
static size_t
key_ad(const struct ksf_key *k, const unsigned char id[KSF_ID_LEN],
    unsigned char out[KEY_AD_MAX])
{
	size_t dl = strlen(k->domain), sl = strlen(k->selector), n = 0;

	memcpy(out, KEY_AD, KEY_AD_LEN);
	n += KEY_AD_LEN;
	memcpy(out + n, id, KSF_ID_LEN);
	n += KSF_ID_LEN;
	st32(out + n, k->epoch);
	st16(out + n + 4, (uint16_t)k->alg);
	st16(out + n + 6, (uint16_t)k->bits);
	n += 8;
	out[n++] = (unsigned char)dl;
	memcpy(out + n, k->domain, dl);
	n += dl;
	out[n++] = (unsigned char)sl;
	memcpy(out + n, k->selector, sl);
	n += sl;
	memcpy(out + n, k->fpr, KSF_FPR_LEN);
	return n + KSF_FPR_LEN;
}

enum ksf_err
ksf_key_seal(const struct ksf_key *k, const unsigned char id[KSF_ID_LEN],
    const struct secret *mk, const struct secret *priv, unsigned char **out,
    size_t *outlen)
{
	unsigned char ad[KEY_AD_MAX], *b, *p;
	unsigned long long clen;
	size_t dl, sl, adlen, total;

	*out = NULL;
	if (!key_encodable(k) || mk->len != KSF_MK_LEN || priv->len == 0 ||
	    priv->len > KSF_PRIV_MAX)
		return KSF_INVALID;
	dl = strlen(k->domain);
	sl = strlen(k->selector);
	total = KSF_MAGIC_LEN + 10 + 1 + dl + 1 + sl + KSF_FPR_LEN +
	    KSF_NONCE_LEN + 4 + priv->len + KSF_TAG_LEN;
	p = b = xmalloc(total);
	memcpy(p, KEY_MAGIC, KSF_MAGIC_LEN);
	p += KSF_MAGIC_LEN;
	st16(p, KSF_VERSION);
	st16(p + 2, (uint16_t)k->alg);
	st16(p + 4, (uint16_t)k->bits);
	st32(p + 6, k->epoch);
	p += 10;
	*p++ = (unsigned char)dl;
	memcpy(p, k->domain, dl);
	p += dl;
	*p++ = (unsigned char)sl;
	memcpy(p, k->selector, sl);
	p += sl;
	memcpy(p, k->fpr, KSF_FPR_LEN);
	p += KSF_FPR_LEN;
	randombytes_buf(p, KSF_NONCE_LEN);
	st32(p + KSF_NONCE_LEN, (uint32_t)(priv->len + KSF_TAG_LEN));
	adlen = key_ad(k, id, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + KSF_NONCE_LEN + 4,
	    &clen, priv->data, priv->len, ad, adlen, NULL, p, mk->data);
	*out = b;
	*outlen = total;
	return KSF_OK;
}

/* A bounds-checked reader over a key file. */
struct reader {
	const unsigned char *p;
	size_t left;
	bool short_read;
};

static const unsigned char *
take(struct reader *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->short_read || n > r->left) {
		r->short_read = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

/* The parsed fields of a key file, pointing into its buffer. */
struct keyfile {
	uint16_t version, alg, bits;
	uint32_t epoch, ctlen;
	const unsigned char *magic, *domain, *selector, *fpr, *nonce, *ct;
	size_t dl, sl;
};

static enum ksf_err
keyfile_parse(const unsigned char *buf, size_t len, struct keyfile *f)
{
	struct reader r = { buf, len, false };
	const unsigned char *p;

	memset(f, 0, sizeof(*f));
	if ((f->magic = take(&r, KSF_MAGIC_LEN)) == NULL)
		return KSF_TRUNCATED;
	if (memcmp(f->magic, KEY_MAGIC, KSF_MAGIC_LEN) != 0)
		return KSF_DAMAGED;
	if ((p = take(&r, 10)) == NULL)
		return KSF_TRUNCATED;
	f->version = ld16(p);
	f->alg = ld16(p + 2);
	f->bits = ld16(p + 4);
	f->epoch = ld32(p + 6);
	if (f->version != KSF_VERSION)
		return KSF_NEWER;
	if ((p = take(&r, 1)) != NULL)
		f->domain = take(&r, f->dl = *p);
	if ((p = take(&r, 1)) != NULL)
		f->selector = take(&r, f->sl = *p);
	f->fpr = take(&r, KSF_FPR_LEN);
	f->nonce = take(&r, KSF_NONCE_LEN);
	if ((p = take(&r, 4)) == NULL)
		return KSF_TRUNCATED;
	f->ctlen = ld32(p);
	if (f->ctlen <= KSF_TAG_LEN || f->ctlen > KSF_PRIV_MAX + KSF_TAG_LEN)
		return KSF_DAMAGED;
	if ((f->ct = take(&r, f->ctlen)) == NULL)
		return KSF_TRUNCATED;
	return r.left == 0 ? KSF_OK : KSF_DAMAGED;
}

static bool
keyfile_is(const struct keyfile *f, const struct ksf_key *k)
{
	return f->alg == (unsigned)k->alg && f->bits == k->bits &&
	    f->epoch == k->epoch && f->dl == strlen(k->domain) &&
	    memcmp(f->domain, k->domain, f->dl) == 0 &&
	    f->sl == strlen(k->selector) &&
	    memcmp(f->selector, k->selector, f->sl) == 0 &&
	    memcmp(f->fpr, k->fpr, KSF_FPR_LEN) == 0;
}

enum ksf_err
ksf_key_open(const unsigned char *buf, size_t len, const struct ksf_key *k,
    const unsigned char id[KSF_ID_LEN], const struct secret *mk,
    struct secret **priv)
{
	unsigned char ad[KEY_AD_MAX];
	unsigned long long mlen;
	struct keyfile f;
	struct secret *s;
	enum ksf_err err;
	size_t adlen;

	*priv = NULL;
	if (!key_encodable(k) || mk->len != KSF_MK_LEN)
		return KSF_INVALID;
	if ((err = keyfile_parse(buf, len, &f)) != KSF_OK)
		return err;
	if (!keyfile_is(&f, k))
		return KSF_MISMATCH;
	if ((s = secret_new(f.ctlen - KSF_TAG_LEN, f.ctlen - KSF_TAG_LEN)) ==
	    NULL)
		return KSF_NOMEM;
	adlen = key_ad(k, id, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->data, &mlen, NULL,
	    f.ct, f.ctlen, ad, adlen, f.nonce, mk->data) != 0 ||
	    mlen != s->len) {
		secret_free(s);
		return KSF_AUTH;
	}
	*priv = s;
	return KSF_OK;
}

enum ksf_err
ksf_pack_encode(uint32_t epoch, const unsigned char *const *ent,
    const size_t *len, size_t n, unsigned char **out, size_t *outlen)
{
	size_t i, total = KSF_PACK_HEAD_LEN(n);
	unsigned char *b;

	*out = NULL;
	if (n == 0 || n > KS_PACK_SLOTS_MAX)
		return KSF_INVALID;
	for (i = 0; i < n; i++)
		if (len[i] > KSF_KEYFILE_MAX)
			return KSF_INVALID;
		else
			total += len[i];
	b = xmalloc(total);
	memcpy(b, PACK_MAGIC, KSF_MAGIC_LEN);
	st16(b + 8, KSF_VERSION);
	st32(b + 10, epoch);
	st16(b + 14, (uint16_t)n);
	total = KSF_PACK_HEAD_LEN(n);
	for (i = 0; i < n; i++) {
		st32(b + KSF_PACK_FIXED + 4 * i, (uint32_t)total);
		if (len[i] > 0)
			memcpy(b + total, ent[i], len[i]);
		total += len[i];
	}
	st32(b + KSF_PACK_FIXED + 4 * n, (uint32_t)total);
	*out = b;
	*outlen = total;
	return KSF_OK;
}

enum ksf_err
ksf_pack_decode(const unsigned char *head, size_t headlen, uint64_t size,
    uint32_t epoch, struct ksf_pack *p)
{
	uint32_t i, off;

	memset(p, 0, sizeof(*p));
	if (headlen < KSF_PACK_FIXED || headlen > size)
		return headlen > size ? KSF_INVALID : KSF_TRUNCATED;
	if (memcmp(head, PACK_MAGIC, KSF_MAGIC_LEN) != 0)
		return KSF_DAMAGED;
	if (ld16(head + 8) != KSF_VERSION)
		return KSF_NEWER;
	p->n = ld16(head + 14);
	if (p->n == 0 || p->n > KS_PACK_SLOTS_MAX)
		return KSF_DAMAGED;
	if (ld32(head + 10) != epoch)
		return KSF_MISMATCH;
	if (headlen < KSF_PACK_HEAD_LEN(p->n))
		return KSF_TRUNCATED;
	for (i = 0; i <= p->n; i++) {
		off = ld32(head + KSF_PACK_FIXED + 4 * i);
		if (i == 0 ? off != KSF_PACK_HEAD_LEN(p->n) :
		    off < p->off[i - 1] ||
		    off - p->off[i - 1] > KSF_KEYFILE_MAX)
			return KSF_DAMAGED;
		p->off[i] = off;
	}
	if (p->off[p->n] != size)
		return p->off[p->n] > size ? KSF_TRUNCATED : KSF_DAMAGED;
	return KSF_OK;
}

bool
ksf_erased(const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != 0)
			return false;
	return true;
}
