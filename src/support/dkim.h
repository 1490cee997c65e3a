/*
 * dkim.h - DKIM key algorithms and their limits, shared by every layer.
 *
 * The enum values are stored on disk (keystore/FORMAT): never renumber.
 */
#ifndef DKIMKEYS_DKIM_H
#define DKIMKEYS_DKIM_H

enum dk_alg {
	DK_ALG_NONE = 0,
	DK_ALG_RSA = 1,
	DK_ALG_ED25519 = 2,
};

/* RFC 8301: 1024 bits at least to verify, 2048 to sign. */
#define DK_RSA_MIN_BITS 1024
#define DK_RSA_WARN_BITS 2048
#define DK_RSA_MAX_BITS 4096
#define DK_RSA_DEFAULT_BITS 2048
#define DK_ED25519_BITS 256
#define DK_NAME_MAX 253 /* octets of a DNS name in text, no final dot */

/* "rsa", "ed25519", or "?" */
const char *dk_alg_name(enum dk_alg alg);
/* "rsa" / "ed25519" -> alg; DK_ALG_NONE for anything else */
enum dk_alg dk_alg_parse(const char *s);

#endif
