/*
 * fuzz_ksformat.c - the keystore's binary decoders (src/keystore/
 * ksformat.c): every input is read as a header and as a key file.
 *
 * A header that decodes must encode to the same octets. The key file is
 * opened as the key FUZZ_KEY under the master key FUZZ_MK of keystore
 * FUZZ_ID (the seeds of corpus/ksformat/ are sealed so by mkseeds.c), so
 * that mutations reach the identity check and the decryption; a key file
 * that opens must seal and open again to the same private bytes.
 */
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "fuzzkey.h"
#include "keystore/ksformat.h"
#include "secret/secret.h"

static struct secret *mk;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(sodium_init() >= 0);
	mk = fuzz_mk();
	return 0;
}

static void
header(const uint8_t *data, size_t size)
{
	struct ksf_header h;
	unsigned char out[KSF_HEADER_LEN];

	if (ksf_header_decode(data, size, &h) != KSF_OK)
		return;
	ksf_header_encode(&h, out);
	FUZZ_ASSERT(size == KSF_HEADER_LEN && memcmp(out, data, size) == 0);
}

static void
keyfile(const uint8_t *data, size_t size)
{
	struct ksf_key k;
	struct secret *priv = NULL, *again = NULL;
	unsigned char id[KSF_ID_LEN], *sealed = NULL;
	size_t sealedlen = 0;

	fuzz_key(&k, id);
	if (ksf_key_open(data, size, &k, id, mk, &priv) != KSF_OK) {
		FUZZ_ASSERT(priv == NULL);
		return;
	}
	FUZZ_ASSERT(priv != NULL && priv->len > 0);
	FUZZ_ASSERT(ksf_key_seal(&k, id, mk, priv, &sealed, &sealedlen) ==
	    KSF_OK);
	FUZZ_ASSERT(sealedlen == size);
	FUZZ_ASSERT(ksf_key_open(sealed, sealedlen, &k, id, mk, &again) ==
	    KSF_OK);
	FUZZ_ASSERT(again->len == priv->len &&
	    memcmp(again->data, priv->data, priv->len) == 0);
	secret_free(again);
	secret_free(priv);
	free(sealed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	header(data, size);
	keyfile(data, size);
	return 0;
}
