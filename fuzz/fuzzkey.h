/*
 * fuzzkey.h - the fixed key identity, keystore id and master key under
 * which fuzz_ksformat and fuzz_kspack open key files and mkseeds.c seals
 * its seeds.
 * Test values only: nothing here protects anything.
 */
#ifndef DKIMKEYS_FUZZKEY_H
#define DKIMKEYS_FUZZKEY_H

#include <stdbool.h>
#include <stdlib.h>
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

/*
 * Opens b as the key fuzz_key names (at epoch) under mk; one that opens
 * must seal and open again to the same private bytes (else abort(), as a
 * sanitizer would). Whether it opened.
 */
static inline bool
fuzz_key_reopens(const unsigned char *b, size_t len, uint32_t epoch,
    const struct secret *mk)
{
	struct ksf_key k;
	struct secret *priv = NULL, *again = NULL;
	unsigned char id[KSF_ID_LEN], *sealed = NULL;
	size_t sealedlen = 0;

	fuzz_key(&k, id);
	k.epoch = epoch;
	if (ksf_key_open(b, len, &k, id, mk, &priv) != KSF_OK) {
		if (priv != NULL)
			abort();
		return false;
	}
	if (priv == NULL || priv->len == 0 ||
	    ksf_key_seal(&k, id, mk, priv, &sealed, &sealedlen) != KSF_OK ||
	    sealedlen != len ||
	    ksf_key_open(sealed, sealedlen, &k, id, mk, &again) != KSF_OK ||
	    again->len != priv->len ||
	    memcmp(again->data, priv->data, priv->len) != 0)
		abort();
	secret_free(again);
	secret_free(priv);
	free(sealed);
	return true;
}

#endif
