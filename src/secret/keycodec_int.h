/*
 * keycodec_int.h - the OpenSSL codec and the builders of a struct keypair
 * (keycodec.c), which keygen.c and keygen_io.c share. Not an interface: no file
 * outside src/secret/ includes it.
 */
#ifndef DKIMKEYS_KEYCODEC_INT_H
#define DKIMKEYS_KEYCODEC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "keypair.h"
#include "secret.h"

/* Logs what failed with OpenSSL's reason and empties its error queue. */
void keygen_ssl_fail(const char *what);

/*
 * Checks an RSA size against RFC 8301 and our ceiling; what names the
 * object for messages. Returns -1 after logging (exit 65).
 */
int keygen_rsa_bits_check(const char *what, unsigned bits);

/*
 * One private key from buf (input "PEM" or "DER"; structure and keytype
 * may be NULL for any). With whole, trailing bytes are refused. NULL when
 * it does not decode; the OpenSSL error queue is left empty.
 */
EVP_PKEY *keygen_decode_private(const char *input, const char *structure,
    const char *keytype, const unsigned char *buf, size_t len, bool whole);

/*
 * pk's private key encoded as output ("DER", "PEM") and structure
 * ("PrivateKeyInfo", "type-specific"), in a secret with a NUL after len
 * bytes (text formats are then C strings). NULL after logging.
 */
struct secret *keygen_encode_private(
    EVP_PKEY *pk, const char *output, const char *structure);

/* Sets kp's bits, SPKI DER public half and fingerprint from an RSA pk.
 * Returns -1 after logging. */
int keygen_rsa_public(EVP_PKEY *pk, struct keypair *kp);

/* Fills kp from an RSA pk whose size was checked: PKCS#8 DER and SPKI.
 * Returns -1 after logging. */
int keygen_rsa_fill(EVP_PKEY *pk, struct keypair *kp);

/* Takes seed (32 bytes; NULL after a failed allocation) as kp's private
 * half and derives the public one. Returns -1 when it cannot. */
int keygen_ed25519_fill(struct secret *seed, struct keypair *kp);

#endif
