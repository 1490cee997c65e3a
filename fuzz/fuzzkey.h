/*
 * fuzzkey.h - the fixed key identity, keystore id and master key under
 * which fuzz_ksformat opens key files and mkseeds.c seals its seeds.
 * Test values only: nothing here protects anything.
 */
#ifndef DKIMKEYS_FUZZKEY_H
#define DKIMKEYS_FUZZKEY_H

#include <string.h>

#include "keystore/ksformat.h"
#include "secret/secret.h"

static inline struct secret *
fuzz_mk(void)
{
	unsigned char b[KSF_MK_LEN];

	memset(b, 0x4d, sizeof(b));
	return secret_from(b, sizeof(b));
}

static inline void
fuzz_key(struct ksf_key *k, unsigned char id[KSF_ID_LEN])
{
	memset(k, 0, sizeof(*k));
	k->alg = DK_ALG_ED25519;
	k->bits = 256;
	k->epoch = 1;
	k->domain = "example.com";
	k->selector = "fuzz2026";
	memset(k->fpr, 0xf9, sizeof(k->fpr));
	memset(id, 0x1d, KSF_ID_LEN);
}

#endif
