/*
 * keygen.c - RSA pairs through OpenSSL 3 EVP_PKEY, Ed25519 pairs through
 * libsodium: generation, loading from the stored encoding, the public half
 * and fingerprint, and the helpers keygen_io.c's import and export share.
 *
 * Private material only ever rests in a struct secret; what OpenSSL hands
 * back (DER, PEM text) is copied there and wiped with OPENSSL_clear_free.
 */
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
#include "keygen_int.h"
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

void
keygen_ssl_fail(const char *what)
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

int
keygen_rsa_bits_check(const char *what, unsigned bits)
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

EVP_PKEY *
keygen_decode_private(const char *input, const char *structure,
    const char *keytype, const unsigned char *buf, size_t len, bool whole)
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

struct secret *
keygen_encode_private(
    EVP_PKEY *pk, const char *output, const char *structure)
{
	OSSL_ENCODER_CTX *ectx;
	unsigned char *data = NULL;
	size_t len = 0;
	struct secret *s = NULL;

	ectx = OSSL_ENCODER_CTX_new_for_pkey(pk, OSSL_KEYMGMT_SELECT_KEYPAIR,
	    output, structure, NULL);
	if (ectx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0 ||
	    OSSL_ENCODER_to_data(ectx, &data, &len) != 1 || data == NULL) {
		keygen_ssl_fail("keygen: cannot encode the private key");
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
		keygen_ssl_fail("keygen: cannot encode the rsa public key");
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

int
keygen_rsa_fill(EVP_PKEY *pk, struct keypair *kp)
{
	int rc = -1;

	if (rsa_public(pk, kp) == -1)
		goto done;
	kp->priv = keygen_encode_private(pk, "DER", "PrivateKeyInfo");
	if (kp->priv == NULL)
		goto done;
	rc = 0;
done:
	return rc;
}

int
keygen_ed25519_fill(struct secret *seed, struct keypair *kp)
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

	if (keygen_rsa_bits_check("keygen", bits) == -1)
		goto done;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) <= 0 ||
	    EVP_PKEY_generate(ctx, &pk) <= 0) {
		keygen_ssl_fail("keygen: rsa key generation failed");
		goto done;
	}
	rc = keygen_rsa_fill(pk, kp);
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
		rc = keygen_ed25519_fill(seed, kp);
	} else
		log_fail(EX_USAGE, "keygen: unknown algorithm %d", (int)alg);
	if (rc == -1)
		keypair_clear(kp);
	return rc;
}

static int
rsa_load(unsigned bits, const struct secret *priv, struct keypair *kp)
{
	EVP_PKEY *pk;
	int rc = -1;

	pk = keygen_decode_private("DER", "PrivateKeyInfo", "RSA", priv->data,
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
		rc = keygen_ed25519_fill(
		    secret_from(priv->data, priv->len), kp);
	if (rc == -1)
		keypair_clear(kp);
	return rc;
}
