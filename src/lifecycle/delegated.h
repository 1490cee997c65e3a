/*
 * delegated.h - what the configuration expects of a delegated vendor's
 * selectors: the CNAME target each must point to, and which may stand by
 * without a key.
 */
#ifndef DKIMKEYS_DELEGATED_H
#define DKIMKEYS_DELEGATED_H

#include <stdbool.h>

#include "config/config.h"

/* A delegated vendor's configured CNAME target for sel (cname_targets),
 * or NULL when any target will do. */
const char *lc_cname_target(const struct vendor *v, const char *sel);
/* Whether sel is one of the vendor's standby_selectors. */
bool lc_standby(const struct vendor *v, const char *sel);

#endif
