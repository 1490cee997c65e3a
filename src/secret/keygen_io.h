/*
 * keygen_io.h - key pairs in and out of dkimkeys: import of existing
 * private keys, export in the formats other tools read.
 */
#ifndef DKIMKEYS_KEYGEN_IO_H
#define DKIMKEYS_KEYGEN_IO_H

#include <stddef.h>

struct keypair;
struct secret;

enum keygen_format {
	KEYGEN_PEM = 0, /* PKCS#8 PEM, any algorithm */
	KEYGEN_PKCS1,   /* "BEGIN RSA PRIVATE KEY", RSA only */
	KEYGEN_RAW,     /* base64 of the 32-byte seed and LF, Ed25519 only */
};

/*
 * Parse an existing private key given to `import` (name is for messages):
 * PKCS#1 or PKCS#8 PEM (RSA or Ed25519), or base64 of a raw Ed25519 seed
 * (32 bytes) or seed and public key (64 bytes, which must match). An
 * encrypted PEM, a public key, a wrong size or anything else is -1 with
 * one clear message (exit 65).
 */
int keygen_import(const char *name, const unsigned char *buf, size_t len,
    struct keypair *kp);

/* The private key as text in that format; -1 (exit 64) for a format the
 * algorithm has not (pkcs1 for Ed25519, raw for RSA). */
int keygen_export(const struct keypair *kp, enum keygen_format fmt,
    struct secret **out);

/*
 * Every encoding of kp's private half a hook could trivially print, for
 * redaction: PKCS#8 DER, and PKCS#1 DER (RSA) or the seed and the seed
 * followed by the public key (Ed25519), each as bytes, base64, and hex in
 * lower and upper case. Puts at most max in out and returns how many
 * (each freed with secret_free); fewer after a logged failure.
 */
size_t keygen_encodings(const struct keypair *kp, struct secret **out,
    size_t max);

#endif
