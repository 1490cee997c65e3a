/*
 * keypair.c - a struct keypair's fingerprint and its wiping.
 */
#include <sodium.h>

#include "keypair.h"
#include "secret.h"

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
