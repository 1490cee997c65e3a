/*
 * ksnames.c - the names of the KDF strengths and of the key states.
 */
#include <string.h>

#include "ksnames.h"
#include "support/util.h"

static const char *const kdf_names[] = {
	[KS_KDF_INTERACTIVE] = "interactive",
	[KS_KDF_MODERATE] = "moderate",
	[KS_KDF_SENSITIVE] = "sensitive",
};

static const char *const state_names[] = {
	[KS_PENDING] = "pending",
	[KS_PUBLISHED] = "published",
	[KS_ACTIVE] = "active",
	[KS_RETIRED] = "retired",
	[KS_REVOKED] = "revoked",
	[KS_WITHDRAWN] = "withdrawn",
	[KS_DESTROYED] = "destroyed",
};

int
ks_kdf_parse(const char *s, enum ks_kdf *out)
{
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_LEN(kdf_names); i++)
		if (strcmp(s, kdf_names[i]) == 0) {
			*out = (enum ks_kdf)i;
			return 0;
		}
	return -1;
}

const char *
ks_state_name(enum ks_state st)
{
	if ((size_t)st >= ARRAY_LEN(state_names))
		return "?";
	return state_names[st];
}

int
ks_state_parse(const char *s, enum ks_state *out)
{
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_LEN(state_names); i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum ks_state)i;
			return 0;
		}
	return -1;
}
