/*
 * config.h - the INI configuration (SPEC section 4), parsed with inih.
 *
 * config_load() reads the file through a line reader of its own that counts
 * lines and refuses what Debian's libinih would silently accept (lines over
 * 199 octets, indented continuation lines), then validates every value and
 * the whole in a second pass. Every error is logged as FILE:LINE: message;
 * all of them are reported before config_load() returns -1 (exit 78).
 * Relative paths in the result are already made absolute against the
 * config file's folder. The types of the result are in config_types.h.
 */
#ifndef DKIMKEYS_CONFIG_H
#define DKIMKEYS_CONFIG_H

#include "config_types.h"
#include "support/dkim.h"
#include "support/util.h"

#define CONFIG_DEFAULT_PATH "/etc/dkimkeys/dkimkeys.conf"
#define CONFIG_PSL_PATH "/usr/share/publicsuffix/public_suffix_list.dat"

/* Which path to read: -c, else $DKIMKEYS_CONFIG, else the default. */
const char *config_path(const char *opt);
/* Parse and validate. Returns 0, or -1 after logging every error (78; 77
 * for a file that fails the trust checks of SPEC section 4; 78 too when
 * the file cannot be opened). */
int config_load(const char *path, struct config **out);
void config_free(struct config *cfg);
/* The vendor of that name, or NULL. */
const struct vendor *config_vendor(const struct config *cfg, const char *name);
/* The first vendor of a section (its name without "vendor:"), or NULL:
 * by hash once loaded. */
const struct vendor *config_section_vendor(const struct config *cfg,
    const char *section);

#endif
