/*
 * mkseeds.c - the key file seeds of fuzz/corpus/ksformat/: real private
 * keys (an Ed25519 seed, RSA PKCS#8 DER) sealed by ksf_key_seal() as the
 * fixed key of fuzzkey.h, so that fuzz_ksformat opens them; with -p, the
 * pack seeds of fuzz/corpus/kspack/ too: packs of those sealed keys made
 * by ksf_pack_encode(), each after fuzz_kspack's mode octet. Run by
 * fuzz/mkseeds.sh: mkseeds [-p PACKDIR] OUTDIR KEYFILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkey.h"
#include "secret/keygen.h"
#include "secret/keygen_io.h"
#include "secret/keypair.h"

#define SEALED_MAX 16
#define MANY 64

/* dir/name: the mode octet, then a pack of the n slots; 0 or -1. */
static int
write_pack(const char *dir, const char *name, unsigned char mode,
    const unsigned char *const *ent, const size_t *len, size_t n)
{
	unsigned char *out;
	char path[4096];
	size_t outlen;
	FILE *f;
	int rc;

	if (ksf_pack_encode(1, ent, len, n, &out, &outlen) != KSF_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = (f = fopen(path, "wb")) == NULL || fputc(mode, f) == EOF ||
	    fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0 ? -1 : 0;
	free(out);
	return rc;
}

/*
 * The packs of the first three sealed keys (fewer: the first again): one
 * slot; three, the middle empty; three, the middle erased in place
 * (zeros); the three read table first (mode 2); MANY slots, two keys.
 */
static int
packs(const char *dir, unsigned char *const *sealed, const size_t *len,
    int nsealed)
{
	const unsigned char *ent[MANY];
	unsigned char *zeros;
	size_t l[MANY], i;
	int a = 0, b = nsealed > 1 ? 1 : 0, c = nsealed > 2 ? 2 : 0, rc;

	ent[0] = sealed[a];
	l[0] = len[a];
	if (write_pack(dir, "pack-1", 0, ent, l, 1) == -1)
		return -1;
	ent[1] = NULL;
	l[1] = 0;
	ent[2] = sealed[c];
	l[2] = len[c];
	if (write_pack(dir, "pack-3-empty", 0, ent, l, 3) == -1 ||
	    write_pack(dir, "pack-3-head", 2, ent, l, 3) == -1)
		return -1;
	if ((zeros = calloc(1, len[b])) == NULL)
		return -1;
	ent[1] = zeros;
	l[1] = len[b];
	rc = write_pack(dir, "pack-3-erased", 0, ent, l, 3);
	free(zeros);
	for (i = 1; i < MANY; i++) {
		ent[i] = NULL;
		l[i] = 0;
	}
	ent[MANY - 1] = sealed[b];
	l[MANY - 1] = len[b];
	if (rc == -1 || write_pack(dir, "pack-many", 0, ent, l, MANY) == -1)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct ksf_key k;
	struct keypair kp;
	struct secret *mk;
	unsigned char id[KSF_ID_LEN], buf[65536], *out, *sealed[SEALED_MAX];
	const char *packdir = NULL;
	char path[4096];
	size_t len, outlen, sealedlen[SEALED_MAX];
	FILE *f;
	int i, first = 2, nsealed = 0;

	if (argc > 3 && strcmp(argv[1], "-p") == 0) {
		packdir = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3 || argc - first > SEALED_MAX || secret_setup() == -1 ||
	    keygen_setup() == -1)
		return 64;
	mk = fuzz_mk();
	for (i = first; i < argc; i++) {
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
		sealed[nsealed] = out;
		sealedlen[nsealed++] = outlen;
		keypair_clear(&kp);
	}
	if (packdir != NULL && packs(packdir, sealed, sealedlen, nsealed) == -1)
		return 73;
	for (i = 0; i < nsealed; i++)
		free(sealed[i]);
	secret_free(mk);
	return 0;
}
