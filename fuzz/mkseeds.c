/*
 * mkseeds.c - the key file seeds of fuzz/corpus/ksformat/: real private
 * keys (an Ed25519 seed, RSA PKCS#8 DER) sealed by ksf_key_seal() as the
 * fixed key of fuzzkey.h, so that fuzz_ksformat opens them. Run by
 * fuzz/mkseeds.sh: mkseeds OUTDIR KEYFILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkey.h"
#include "secret/keygen.h"
#include "secret/keygen_io.h"
#include "secret/keypair.h"

int
main(int argc, char **argv)
{
	struct ksf_key k;
	struct keypair kp;
	struct secret *mk;
	unsigned char id[KSF_ID_LEN], buf[65536], *out;
	char path[4096];
	size_t len, outlen;
	FILE *f;
	int i;

	if (argc < 3 || secret_setup() == -1 || keygen_setup() == -1)
		return 64;
	mk = fuzz_mk();
	for (i = 2; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL)
			return 66;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		memset(&kp, 0, sizeof(kp));
		if (keygen_import(argv[i], buf, len, &kp) == -1)
			return 65;
		fuzz_key(&k, id);
		if (ksf_key_seal(&k, id, mk, kp.priv, &out, &outlen) != KSF_OK)
			return 70;
		snprintf(path, sizeof(path), "%s/sealed-%d.key", argv[1],
		    i - 1);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0)
			return 73;
		free(out);
		keypair_clear(&kp);
	}
	secret_free(mk);
	return 0;
}
