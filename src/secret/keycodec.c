/*
 * keycodec.c - private keys in and out of OpenSSL (DER and PEM, PKCS#8
 * and type-specific), RSA size rules, and the builders of a struct keypair
 * from an EVP_PKEY or an Ed25519 seed: what generation, loading, import
 * and export share.
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

#include "keycodec_int.h"
#include "keypair.h"
#include "secret.h"
#include "support/dkim.h"
#include "support/log.h"

void
keygen_ssl_fail(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	log_fail(EX_SOFTWARE, "%s: %s", what,
	    reason != NULL ? reason : "unknown openssl error");
	ERR_clear_error();
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

int
keygen_rsa_public(EVP_PKEY *pk, struct keypair *kp)
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

	if (keygen_rsa_public(pk, kp) == -1)
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
