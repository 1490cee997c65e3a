/*
 * fuzz_kspack.c - the keystore's pack files (src/keystore/ksformat.c:
 * ksf_pack_decode, ksf_erased), every slot opened as a key file.
 *
 * The first input octet says how the rest, the pack, is read:
 *   bit 0     the epoch expected: 1 (the seeds'), or 2 (a mismatch)
 *   bits 1-2  0: the decoder gets the whole pack; 1: at most
 *             KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX) octets of it, as a
 *             reader reading the table first; 2: 16 + 4 * (bits 3-7)
 *             octets of it; 3: the whole pack, but a size 1 + bits 3-7
 *             octets past its end (a file that grew)
 * The head the decoder gets is copied to a buffer of its exact length, so
 * that a read past it is an ASan report. A pack that decodes must have a
 * sane table and encode (ksf_pack_encode) to the same octets; each slot
 * is then erased or opened as the key FUZZ_KEY under FUZZ_MK (fuzzkey.h;
 * the seeds of corpus/kspack/ are packs of keys sealed so, by mkseeds.c):
 * an erased slot never opens, one that opens seals and opens again.
 */
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "fuzzkey.h"
#include "keystore/ksformat.h"
#include "secret/secret.h"

static struct secret *mk;
static struct ksf_pack pack; /* 2 KiB: off the stack */
static const unsigned char *ent[KS_PACK_SLOTS_MAX];
static size_t entlen[KS_PACK_SLOTS_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(sodium_init() >= 0);
	mk = fuzz_mk();
	return 0;
}

/* A slot's octets: erased, or opened as the fixed key. */
static void
slot(const unsigned char *b, size_t len, uint32_t epoch)
{
	bool erased = ksf_erased(b, len);
	size_t i;

	for (i = 0; i < len && b[i] == 0; i++)
		continue;
	FUZZ_ASSERT(erased == (i == len));
	/* an erased slot never opens */
	FUZZ_ASSERT(!(fuzz_key_reopens(b, len, epoch, mk) && erased));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *head, *out = NULL;
	size_t headlen, outlen = 0, i;
	uint64_t filesize;
	uint32_t epoch;
	enum ksf_err err;
	unsigned mode, arg;

	if (size == 0)
		return 0;
	epoch = (data[0] & 1) ? 2 : 1;
	mode = (data[0] >> 1) & 3;
	arg = data[0] >> 3;
	data++;
	size--;
	filesize = size;
	headlen = size;
	if (mode == 1 && headlen > KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX))
		headlen = KSF_PACK_HEAD_LEN(KS_PACK_SLOTS_MAX);
	else if (mode == 2 && headlen > KSF_PACK_FIXED + 4 * (size_t)arg)
		headlen = KSF_PACK_FIXED + 4 * (size_t)arg;
	else if (mode == 3)
		filesize += 1 + arg;
	head = malloc(headlen > 0 ? headlen : 1);
	FUZZ_ASSERT(head != NULL);
	if (headlen > 0)
		memcpy(head, data, headlen);
	err = ksf_pack_decode(head, headlen, filesize, epoch, &pack);
	free(head);
	if (err != KSF_OK) {
		/* headlen never exceeds the size here */
		FUZZ_ASSERT(err == KSF_TRUNCATED || err == KSF_DAMAGED ||
		    err == KSF_NEWER || err == KSF_MISMATCH);
		return 0;
	}
	FUZZ_ASSERT(pack.n >= 1 && pack.n <= KS_PACK_SLOTS_MAX);
	FUZZ_ASSERT(KSF_PACK_HEAD_LEN(pack.n) <= headlen);
	FUZZ_ASSERT(pack.off[0] == KSF_PACK_HEAD_LEN(pack.n));
	FUZZ_ASSERT(pack.off[pack.n] == filesize);
	for (i = 0; i < pack.n; i++)
		FUZZ_ASSERT(pack.off[i] <= pack.off[i + 1] &&
		    pack.off[i + 1] - pack.off[i] <= KSF_KEYFILE_MAX);
	if (filesize != size)
		return 0;
	for (i = 0; i < pack.n; i++) {
		ent[i] = data + pack.off[i];
		entlen[i] = pack.off[i + 1] - pack.off[i];
		slot(ent[i], entlen[i], epoch);
	}
	/* every octet of a pack is its table's or a slot's */
	FUZZ_ASSERT(ksf_pack_encode(epoch, ent, entlen, pack.n, &out,
	    &outlen) == KSF_OK);
	FUZZ_ASSERT(outlen == size && memcmp(out, data, size) == 0);
	free(out);
	return 0;
}
