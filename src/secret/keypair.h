/*
 * keypair.h - a key pair as dkimkeys holds it: the private half in
 * guarded memory, the public half as the DNS record carries it, and its
 * fingerprint (keypair.c).
 */
#ifndef DKIMKEYS_KEYPAIR_H
#define DKIMKEYS_KEYPAIR_H

#include <stddef.h>

#include "secret.h"
#include "support/dkim.h"

#define KEYGEN_PUB_MAX 600 /* SPKI DER of RSA-4096 is 550 octets */
#define KEYGEN_FPR_LEN 32

struct keypair {
	enum dk_alg alg;
	unsigned bits;        /* RSA modulus bits; 256 for Ed25519 */
	struct secret *priv;  /* PKCS#8 DER (RSA) or 32-byte seed (Ed25519) */
	unsigned char pub[KEYGEN_PUB_MAX];
	size_t publen;
	unsigned char fpr[KEYGEN_FPR_LEN];
};


/* Frees the private half and zeroes the struct; accepts NULL. */
void keypair_clear(struct keypair *kp);

/* SHA-256 of pub into fpr. */
void keygen_fingerprint(const unsigned char *pub, size_t publen,
    unsigned char fpr[KEYGEN_FPR_LEN]);

#endif
