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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	header(data, size);
	fuzz_key_reopens(data, size, 1, mk);
	return 0;
}
