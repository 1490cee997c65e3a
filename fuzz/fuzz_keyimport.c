/*
 * fuzz_keyimport.c - import's key parsers (src/secret/keygen_io.c over
 * keycodec.c): PKCS#1 and PKCS#8 PEM, base64 Ed25519 seeds. A key that
 * imports must export in each format its algorithm has and import again
 * as the same key (the same public half and fingerprint).
 */
#include <string.h>

#include "fuzz.h"
#include "secret/keygen.h"
#include "secret/keygen_io.h"
#include "secret/keypair.h"
#include "secret/secret.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(secret_setup() == 0 && keygen_setup() == 0);
	return 0;
}

static void
again(const struct keypair *kp, enum keygen_format fmt)
{
	struct keypair kp2;
	struct secret *out = NULL;

	if (keygen_export(kp, fmt, &out) == -1)
		return;
	memset(&kp2, 0, sizeof(kp2));
	FUZZ_ASSERT(keygen_import("again", out->data, out->len, &kp2) == 0);
	FUZZ_ASSERT(kp2.alg == kp->alg && kp2.bits == kp->bits &&
	    kp2.publen == kp->publen &&
	    memcmp(kp2.pub, kp->pub, kp->publen) == 0 &&
	    memcmp(kp2.fpr, kp->fpr, sizeof(kp->fpr)) == 0);
	keypair_clear(&kp2);
	secret_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keypair kp;

	memset(&kp, 0, sizeof(kp));
	if (keygen_import("input", data, size, &kp) == 0) {
		FUZZ_ASSERT(kp.priv != NULL && kp.publen > 0);
		again(&kp, KEYGEN_PEM);
		again(&kp, kp.alg == DK_ALG_RSA ? KEYGEN_PKCS1 : KEYGEN_RAW);
	}
	keypair_clear(&kp);
	return 0;
}
