/*
 * dkim.c - names of the DKIM key algorithms (the k= tag, RFC 6376 3.6.1).
 */
#include <string.h>

#include "dkim.h"

const char *
dk_alg_name(enum dk_alg alg)
{
	switch (alg) {
	case DK_ALG_RSA:
		return "rsa";
	case DK_ALG_ED25519:
		return "ed25519";
	case DK_ALG_NONE:
		break;
	}
	return "?";
}

enum dk_alg
dk_alg_parse(const char *s)
{
	if (strcmp(s, "rsa") == 0)
		return DK_ALG_RSA;
	if (strcmp(s, "ed25519") == 0)
		return DK_ALG_ED25519;
	return DK_ALG_NONE;
}
