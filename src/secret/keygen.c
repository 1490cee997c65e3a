/*
 * keygen.c - RSA pairs through OpenSSL 3 EVP_PKEY, Ed25519 pairs through
 * libsodium, and the import parsers and export encoders of both.
 *
 * Private material only ever rests in a struct secret; what OpenSSL hands
 * back (DER, PEM text) is copied there and wiped with OPENSSL_clear_free.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "keygen.h"
#include "support/dkim.h"
#include "support/log.h"

/*
 * OpenSSL's secure heap holds the private BIGNUMs of RSA generation. One
 * RSA-4096 generation needs between 2 and 4 KiB of it; when the heap is
 * full OpenSSL fails the generation instead of falling back, so it is
 * sized for a hundred and more generation threads (`rotate --jobs`).
 */
#define SECURE_HEAP_SIZE (1 << 20)
#define SECURE_HEAP_MIN 32

#define IMPORT_B64_MAX 256 /* longer text cannot be a raw Ed25519 key */
#define IMPORT_B64_CAP 192 /* decoded bytes of IMPORT_B64_MAX characters */

int
keygen_setup(void)
{
	int rc = -1;

	if (sodium_init() < 0) {
		log_fail(EX_SOFTWARE, "keygen: libsodium: cannot initialise");
		goto done;
	}
	/* Without a secure heap OpenSSL uses its ordinary one: still works. */
	if (!CRYPTO_secure_malloc_initialized() &&
	    CRYPTO_secure_malloc_init(SECURE_HEAP_SIZE, SECURE_HEAP_MIN) == 0) {
		log_debug("keygen: openssl secure heap unavailable; private "
		    "bignums use the ordinary heap");
		ERR_clear_error();
	}
	rc = 0;
done:
	return rc;
}

/* Logs what failed with OpenSSL's reason and empties its error queue. */
static void
ssl_fail(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	log_fail(EX_SOFTWARE, "%s: %s", what,
	    reason != NULL ? reason : "unknown openssl error");
	ERR_clear_error();
}

void
keygen_fingerprint(const unsigned char *pub, size_t publen,
    unsigned char fpr[KEYGEN_FPR_LEN])
{
	crypto_hash_sha256(fpr, pub, publen);
}

void
keypair_clear(struct keypair *kp)
{
	if (kp == NULL)
		return;
	secret_free(kp->priv);
	sodium_memzero(kp, sizeof(*kp));
}

/*
 * Checks an RSA size against RFC 8301 and our ceiling; what names the
 * object for messages. Returns -1 after logging (exit 65).
 */
static int
rsa_bits_check(const char *what, unsigned bits)
{
	int rc = -1;

	if (bits < DK_RSA_MIN_BITS)
		log_fail(EX_DATAERR, "%s: %u bits: rsa keys below %d bits are "
		    "refused (RFC 8301)", what, bits, DK_RSA_MIN_BITS);
	else if (bits > DK_RSA_MAX_BITS)
		log_fail(EX_DATAERR, "%s: %u bits: rsa keys above %d bits are "
		    "not supported", what, bits, DK_RSA_MAX_BITS);
	else {
		if (bits < DK_RSA_WARN_BITS)
			log_warn("%s: %u bits: rsa keys below %d bits are weak "
			    "(RFC 8301); use %d or more", what, bits,
			    DK_RSA_WARN_BITS, DK_RSA_WARN_BITS);
		rc = 0;
	}
	return rc;
}

/* Never give OpenSSL a passphrase, so it can never prompt for one. */
static int
no_passphrase(char *pass, size_t size, size_t *len, const OSSL_PARAM params[],
    void *arg)
{
	(void)pass;
	(void)size;
	(void)params;
	(void)arg;
	*len = 0;
	return 0;
}

/*
 * One private key from buf (input "PEM" or "DER"; structure and keytype
 * may be NULL for any). With whole, trailing bytes are refused. NULL when
 * it does not decode; the OpenSSL error queue is left empty.
 */
static EVP_PKEY *
decode_private(const char *input, const char *structure, const char *keytype,
    const unsigned char *buf, size_t len, bool whole)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pk = NULL;
	const unsigned char *p = buf;
	size_t left = len;

	dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, input, structure, keytype,
	    OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
	if (dctx == NULL ||
	    !OSSL_DECODER_CTX_set_passphrase_cb(dctx, no_passphrase, NULL) ||
	    OSSL_DECODER_from_data(dctx, &p, &left) != 1 ||
	    (whole && left != 0)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	ERR_clear_error();
	return pk;
}

/*
 * pk's private key encoded as output ("DER", "PEM") and structure
 * ("PrivateKeyInfo", "type-specific"), in a secret with a NUL after len
 * bytes (text formats are then C strings). NULL after logging.
 */
static struct secret *
encode_private(EVP_PKEY *pk, const char *output, const char *structure)
{
	OSSL_ENCODER_CTX *ectx;
	unsigned char *data = NULL;
	size_t len = 0;
	struct secret *s = NULL;

	ectx = OSSL_ENCODER_CTX_new_for_pkey(pk, OSSL_KEYMGMT_SELECT_KEYPAIR,
	    output, structure, NULL);
	if (ectx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0 ||
	    OSSL_ENCODER_to_data(ectx, &data, &len) != 1 || data == NULL) {
		ssl_fail("keygen: cannot encode the private key");
		goto done;
	}
	if ((s = secret_new(len + 1, len)) != NULL)
		memcpy(s->data, data, len);
done:
	OPENSSL_clear_free(data, len);
	OSSL_ENCODER_CTX_free(ectx);
	return s;
}

/* Sets bits, the SPKI DER public half and its fingerprint from pk. */
static int
rsa_public(EVP_PKEY *pk, struct keypair *kp)
{
	unsigned char *p = kp->pub;
	int n, rc = -1;

	n = i2d_PUBKEY(pk, NULL);
	if (n <= 0 || n > KEYGEN_PUB_MAX || i2d_PUBKEY(pk, &p) != n) {
		ssl_fail("keygen: cannot encode the rsa public key");
		goto done;
	}
	kp->alg = DK_ALG_RSA;
	kp->bits = (unsigned)EVP_PKEY_get_bits(pk);
	kp->publen = (size_t)n;
	keygen_fingerprint(kp->pub, kp->publen, kp->fpr);
	rc = 0;
done:
	return rc;
}

/* Fills kp from an RSA pk whose size was checked: PKCS#8 DER and SPKI. */
static int
rsa_fill(EVP_PKEY *pk, struct keypair *kp)
{
	int rc = -1;

	if (rsa_public(pk, kp) == -1)
		goto done;
	if ((kp->priv = encode_private(pk, "DER", "PrivateKeyInfo")) == NULL)
		goto done;
	rc = 0;
done:
	return rc;
}

/* Takes seed (32 bytes) as kp's private half and derives the public one. */
static int
ed25519_fill(struct secret *seed, struct keypair *kp)
{
	struct secret *sk = NULL;
	int rc = -1;

	kp->alg = DK_ALG_ED25519;
	kp->bits = DK_ED25519_BITS;
	kp->priv = seed;
	if (seed == NULL || seed->len != crypto_sign_SEEDBYTES ||
	    (sk = secret_new(crypto_sign_SECRETKEYBYTES, 0)) == NULL)
		goto done;
	crypto_sign_seed_keypair(kp->pub, sk->data, seed->data);
	kp->publen = crypto_sign_PUBLICKEYBYTES;
	keygen_fingerprint(kp->pub, kp->publen, kp->fpr);
	rc = 0;
done:
	secret_free(sk);
	return rc;
}

static int
rsa_generate(unsigned bits, struct keypair *kp)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	int rc = -1;

	if (rsa_bits_check("keygen", bits) == -1)
		goto done;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) <= 0 ||
	    EVP_PKEY_generate(ctx, &pk) <= 0) {
		ssl_fail("keygen: rsa key generation failed");
		goto done;
	}
	rc = rsa_fill(pk, kp);
done:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int
keygen_generate(enum dk_alg alg, unsigned bits, struct keypair *kp)
{
	struct secret *seed;
	int rc = -1;

	memset(kp, 0, sizeof(*kp));
	if (alg == DK_ALG_RSA)
		rc = rsa_generate(bits, kp);
	else if (alg == DK_ALG_ED25519) {
		/* What crypto_sign_keypair() does, keeping only the seed. */
		if ((seed = secret_new(crypto_sign_SEEDBYTES,
		    crypto_sign_SEEDBYTES)) != NULL)
			randombytes_buf(seed->data, seed->len);
		rc = ed25519_fill(seed, kp);
	} else
		log_fail(EX_USAGE, "keygen: unknown algorithm %d", (int)alg);
	if (rc == -1)
		keypair_clear(kp);
	return rc;
}

/* Leading and trailing whitespace off. */
static void
trim(const unsigned char **buf, size_t *len)
{
	while (*len > 0 && isspace((*buf)[0])) {
		(*buf)++;
		(*len)--;
	}
	while (*len > 0 && isspace((*buf)[*len - 1]))
		(*len)--;
}

static bool
has(const unsigned char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

/* 0 when the private and public halves of an RSA pk agree. */
static int
rsa_consistent(const char *name, EVP_PKEY *pk)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int rc = -1;

	if (ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1)
		rc = 0;
	else
		log_fail(EX_DATAERR, "import: %s: damaged rsa key (its private "
		    "and public halves disagree)", name);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* Fills kp from the seed inside an Ed25519 pk. */
static int
ed25519_from_pkey(EVP_PKEY *pk, struct keypair *kp)
{
	struct secret *seed;
	size_t n = crypto_sign_SEEDBYTES;
	int rc = -1;

	if ((seed = secret_new(n, n)) == NULL)
		goto done;
	if (EVP_PKEY_get_raw_private_key(pk, seed->data, &n) != 1 ||
	    n != crypto_sign_SEEDBYTES) {
		ssl_fail("import: cannot read the ed25519 seed");
		secret_free(seed);
		goto done;
	}
	rc = ed25519_fill(seed, kp);
done:
	return rc;
}

/* The label of the first PEM block ("OPENSSH PRIVATE KEY"), for messages. */
static void
pem_label(const unsigned char *buf, size_t len, char *out, size_t size)
{
	const unsigned char *p, *end;
	size_t n = 0;

	p = memmem(buf, len, "-----BEGIN ", 11);
	if (p != NULL) {
		p += 11;
		end = memmem(p, len - (size_t)(p - buf), "-----", 5);
		if (end != NULL)
			n = (size_t)(end - p);
	}
	if (n == 0 || n >= size || n > 40)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%.*s", (int)n, (const char *)p);
}

/* The PEM branch of keygen_import: RSA (PKCS#1, PKCS#8) or Ed25519. */
static int
import_pem(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp)
{
	EVP_PKEY *pk;
	char what[300];
	unsigned bits;
	int rc = -1;

	if ((pk = decode_private("PEM", NULL, NULL, buf, len, false)) == NULL) {
		pem_label(buf, len, what, sizeof(what));
		log_fail(EX_DATAERR, "import: %s: damaged or unsupported PEM "
		    "(BEGIN %s); expected PKCS#1 or PKCS#8", name, what);
		goto done;
	}
	snprintf(what, sizeof(what), "import: %s", name);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		bits = (unsigned)EVP_PKEY_get_bits(pk);
		if (rsa_bits_check(what, bits) == 0 &&
		    rsa_consistent(name, pk) == 0)
			rc = rsa_fill(pk, kp);
	} else if (EVP_PKEY_is_a(pk, "ED25519"))
		rc = ed25519_from_pkey(pk, kp);
	else
		log_fail(EX_DATAERR, "import: %s: unsupported key type %s "
		    "(expected rsa or ed25519)", name,
		    EVP_PKEY_get0_type_name(pk));
done:
	EVP_PKEY_free(pk);
	return rc;
}

static void
not_a_key(const char *name)
{
	log_fail(EX_DATAERR, "import: %s: not a private key (expected PKCS#1 "
	    "or PKCS#8 PEM, or base64 Ed25519 seed)", name);
}

/*
 * The base64 branch of keygen_import: an Ed25519 seed (32 bytes), or seed
 * and public key (64 bytes, the public half must be the seed's).
 */
static int
import_b64(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp)
{
	struct secret *dec = NULL;
	const char *end = NULL;
	size_t n = 0;
	int rc = -1;

	if (len > IMPORT_B64_MAX) {
		not_a_key(name);
		goto done;
	}
	if ((dec = secret_new(IMPORT_B64_CAP, 0)) == NULL)
		goto done;
	if (sodium_base642bin(dec->data, dec->cap, (const char *)buf, len,
	    " \t\r\n", &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != (const char *)buf + len || n == 0) {
		not_a_key(name);
		goto done;
	}
	if (n != crypto_sign_SEEDBYTES &&
	    n != crypto_sign_SEEDBYTES + crypto_sign_PUBLICKEYBYTES) {
		log_fail(EX_DATAERR, "import: %s: base64 of %zu bytes; an "
		    "ed25519 key is a 32-byte seed, or 64 bytes of seed and "
		    "public key", name, n);
		goto done;
	}
	if (ed25519_fill(secret_from(dec->data, crypto_sign_SEEDBYTES),
	    kp) == -1)
		goto done;
	/* both halves are public bytes: an ordinary comparison will do */
	if (n > crypto_sign_SEEDBYTES &&
	    memcmp(kp->pub, dec->data + n - kp->publen, kp->publen) != 0) {
		log_fail(EX_DATAERR, "import: %s: public half does not match "
		    "the seed", name);
		goto done;
	}
	rc = 0;
done:
	secret_free(dec);
	return rc;
}

int
keygen_import(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp)
{
	bool pem;
	int rc = -1;

	memset(kp, 0, sizeof(*kp));
	trim(&buf, &len);
	pem = has(buf, len, "-----BEGIN ");
	if (has(buf, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
	    (pem && has(buf, len, "\nProc-Type: 4,ENCRYPTED")))
		log_fail(EX_DATAERR, "import: %s: encrypted private key; "
		    "decrypt it first (openssl pkey -in %s -out plain.pem)",
		    name, name);
	else if (pem && has(buf, len, "PRIVATE KEY-----"))
		rc = import_pem(name, buf, len, kp);
	else if (pem && has(buf, len, "PUBLIC KEY-----"))
		log_fail(EX_DATAERR, "import: %s: this is a public key; give "
		    "the private key", name);
	else if (len > 0 && !pem)
		rc = import_b64(name, buf, len, kp);
	else
		not_a_key(name);
	if (rc == -1)
		keypair_clear(kp);
	return rc;
}

static int
rsa_load(unsigned bits, const struct secret *priv, struct keypair *kp)
{
	EVP_PKEY *pk;
	int rc = -1;

	pk = decode_private("DER", "PrivateKeyInfo", "RSA", priv->data,
	    priv->len, true);
	if (pk == NULL) {
		log_fail(EX_DATAERR, "keygen: stored rsa key does not decode");
		goto done;
	}
	if ((unsigned)EVP_PKEY_get_bits(pk) != bits) {
		log_fail(EX_DATAERR, "keygen: stored rsa key has %d bits, not "
		    "the %u recorded", EVP_PKEY_get_bits(pk), bits);
		goto done;
	}
	if (rsa_public(pk, kp) == -1 ||
	    (kp->priv = secret_from(priv->data, priv->len)) == NULL)
		goto done;
	rc = 0;
done:
	EVP_PKEY_free(pk);
	return rc;
}

int
keygen_load(enum dk_alg alg, unsigned bits, const struct secret *priv,
    struct keypair *kp)
{
	int rc = -1;

	memset(kp, 0, sizeof(*kp));
	if (priv == NULL)
		log_fail(EX_DATAERR, "keygen: stored key is missing");
	else if (alg == DK_ALG_RSA)
		rc = rsa_load(bits, priv, kp);
	else if (alg != DK_ALG_ED25519)
		log_fail(EX_DATAERR, "keygen: stored key has unknown "
		    "algorithm %d", (int)alg);
	else if (bits != DK_ED25519_BITS || priv->len != crypto_sign_SEEDBYTES)
		log_fail(EX_DATAERR, "keygen: stored ed25519 key is %zu bytes "
		    "and %u bits, not a 32-byte seed of %d bits", priv->len,
		    bits, DK_ED25519_BITS);
	else
		rc = ed25519_fill(secret_from(priv->data, priv->len), kp);
	if (rc == -1)
		keypair_clear(kp);
	return rc;
}

/* kp's private half as an EVP_PKEY, for the PEM encoders. */
static EVP_PKEY *
keypair_pkey(const struct keypair *kp)
{
	EVP_PKEY *pk = NULL;

	if (kp->priv == NULL)
		log_fail(EX_SOFTWARE, "export: the key has no private half");
	else if (kp->alg == DK_ALG_RSA) {
		pk = decode_private("DER", "PrivateKeyInfo", "RSA",
		    kp->priv->data, kp->priv->len, true);
		if (pk == NULL)
			log_fail(EX_DATAERR, "export: rsa key does not decode");
	} else if ((pk = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519",
	    NULL, kp->priv->data, kp->priv->len)) == NULL)
		ssl_fail("export: cannot load the ed25519 seed");
	return pk;
}

/* Base64 of the seed and LF. */
static int
export_raw(const struct keypair *kp, struct secret **out)
{
	size_t n = sodium_base64_ENCODED_LEN(crypto_sign_SEEDBYTES,
	    sodium_base64_VARIANT_ORIGINAL);
	int rc = -1;

	if (kp->priv == NULL || kp->priv->len != crypto_sign_SEEDBYTES) {
		log_fail(EX_SOFTWARE, "export: the key has no ed25519 seed");
		goto done;
	}
	/* n counts the NUL, which becomes the LF; one more for a new NUL */
	if ((*out = secret_new(n + 1, n)) == NULL)
		goto done;
	sodium_bin2base64((char *)(*out)->data, n, kp->priv->data,
	    kp->priv->len, sodium_base64_VARIANT_ORIGINAL);
	(*out)->data[n - 1] = '\n';
	rc = 0;
done:
	return rc;
}

int
keygen_export(const struct keypair *kp, enum keygen_format fmt,
    struct secret **out)
{
	EVP_PKEY *pk = NULL;
	int rc = -1;

	*out = NULL;
	if (fmt == KEYGEN_PKCS1 && kp->alg != DK_ALG_RSA)
		log_fail(EX_USAGE, "export: pkcs1 is for rsa keys only");
	else if (fmt == KEYGEN_RAW && kp->alg != DK_ALG_ED25519)
		log_fail(EX_USAGE, "export: raw is for ed25519 keys only");
	else if (fmt != KEYGEN_PEM && fmt != KEYGEN_PKCS1 && fmt != KEYGEN_RAW)
		log_fail(EX_USAGE, "export: unknown format %d", (int)fmt);
	else if (fmt == KEYGEN_RAW)
		rc = export_raw(kp, out);
	else if ((pk = keypair_pkey(kp)) != NULL &&
	    (*out = encode_private(pk, "PEM", fmt == KEYGEN_PKCS1 ?
	    "type-specific" : "PrivateKeyInfo")) != NULL)
		rc = 0;
	EVP_PKEY_free(pk);
	return rc;
}
