/*
 * keygen.c - RSA pairs through OpenSSL 3 EVP_PKEY, Ed25519 pairs through
 * libsodium: generation and loading from the stored encoding.
 *
 * Private material only ever rests in a struct secret; what OpenSSL hands
 * back (DER, PEM text) is copied there and wiped with OPENSSL_clear_free.
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "keygen.h"
#include "keycodec_int.h"
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
		log_warn("keygen: openssl secure heap unavailable (check "
		    "RLIMIT_MEMLOCK); private bignums use the ordinary heap");
		ERR_clear_error();
	}
	rc = 0;
done:
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
	if (keygen_rsa_public(pk, kp) == -1 ||
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
