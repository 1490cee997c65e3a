/*
 * keygen.h - key pairs: generation, loading, public half (import and
 * export: keygen_io.h).
 *
 * RSA through OpenSSL 3 EVP_PKEY, Ed25519 through libsodium. The private
 * half is always held in a struct secret, in one canonical encoding:
 * RSA as PKCS#8 DER, Ed25519 as the 32-byte seed. The public half is the
 * exact bytes of the DNS p= tag: SubjectPublicKeyInfo DER for RSA, the raw
 * 32-byte key for Ed25519 (RFC 8463). The fingerprint is SHA-256 of those.
 */
#ifndef DKIMKEYS_KEYGEN_H
#define DKIMKEYS_KEYGEN_H

#include <stddef.h>

#include "keypair.h"
#include "secret.h"
#include "support/dkim.h"
#include "support/util.h"

/* OpenSSL set-up (secure heap for private BIGNUMs). Returns -1 on failure. */
int keygen_setup(void);

/*
 * A new pair. RSA bits must be within 1024..4096 (below 1024: -1, exit 65;
 * below 2048 a warning is logged); Ed25519 ignores bits.
 */
int keygen_generate(enum dk_alg alg, unsigned bits, struct keypair *kp);

/*
 * Rebuild the pair from the canonical private encoding (as stored), deriving
 * the public half and fingerprint again. -1 (65) when it does not parse or
 * alg/bits disagree.
 */
int keygen_load(enum dk_alg alg, unsigned bits, const struct secret *priv,
    struct keypair *kp);

#endif
