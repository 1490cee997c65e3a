/*
 * ksnames.h - the names of the keystore's enums, as users type them and
 * as the state file stores them.
 */
#ifndef DKIMKEYS_KSNAMES_H
#define DKIMKEYS_KSNAMES_H

#include "kstypes.h"

/* "interactive", "moderate", "sensitive"; -1 for anything else. */
int ks_kdf_parse(const char *s, enum ks_kdf *out);
/* "pending", "published"...; "?" for a value that is no state. */
const char *ks_state_name(enum ks_state st);
/* Parses a state name; -1 for anything else. */
int ks_state_parse(const char *s, enum ks_state *out);

#endif
